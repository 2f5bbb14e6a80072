import { cpu, CpuBackend, cpuData } from '../kernels/cpu.js';
import { kldClip } from '../kernels/loss.js';
import type { Autoencoder } from '../model/autoencoder.js';
import type { Backend } from '../tensor/backend.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { LANES } from './layout.js';
import { compileProgram, ProgramTooLargeError, type CompiledProgram } from './program.js';
import { TilePool } from './threads.js';
import { wasm, type WasmMemory } from '../common/webassembly.js';

/**
 * The CPU backend's fast path for training and running a sequential
 * autoencoder, taken as the model's backend says (CpuBackend's `compiled`
 * and `threads`): the network compiled once to WebAssembly SIMD (program.ts),
 * the batch split over threads by tiles of four records, every buffer
 * allocated once. It computes what the autograd path computes (the same
 * ops, in f32, summed in a fixed order), so the loops in src/cluster hand
 * its gradients to the same optimiser. Results do not depend on the number
 * of threads: each tile's gradient is kept apart and the tiles are summed in
 * order.
 */
export interface CompileOptions {
  /** Largest batch a step or an encode call takes. */
  batchSize: number;
  /** Threads, the calling one included. Default: the model's backend's `threads`. */
  threads?: number;
  /** Clusters of the clustering head (Student's t, alpha 1) for fine-tuning and soft assignments; 0 (default) for none. */
  k?: number;
}

/** The model's backend when it is a CPU backend and the model can run compiled on it, else why not: only float32 CPU models, and a clustering head only with alpha 1. */
function compiledBackend(model: Autoencoder, alpha = 1): CpuBackend | string {
  const backend = model.backend;
  if (!(backend instanceof CpuBackend)) return `the ${backend.name} backend runs its own kernels`;
  if (model.dtype !== 'float32') return `the compiled kernels are float32, the model is ${model.dtype}`;
  if (alpha !== 1) return `the compiled clustering head has alpha 1, not ${alpha}`;
  return backend;
}

/**
 * Compiled programs by model description, batch size, head and threads, most recently
 * used last; their memory and threads are kept for the next call. An evicted
 * program stops its threads but stays usable (on the calling thread) by a
 * loop that still holds it.
 */
const cache = new Map<string, CompiledAutoencoder>();
const CACHE_SIZE = 8;

/**
 * The compiled form of `model` for batches of up to `batchSize` records (with
 * a clustering head of k clusters), or null when the model runs op by op
 * (not float32 on the CPU, alpha other than 1, a batch needing more than
 * 1 GiB of kernel memory, or a backend made with `compiled: false`), on
 * the threads of the model's backend. The caller sets the parameters before
 * each use.
 */
export function compiledFor(model: Autoencoder, batchSize: number, head: { k: number; alpha: number } | null = null): CompiledAutoencoder | null {
  const backend = compiledBackend(model, head?.alpha ?? 1);
  if (typeof backend === 'string' || !backend.compiled) return null;
  const k = head?.k ?? 0;
  const threads = backend.threads;
  const key = JSON.stringify([model.description, batchSize, k, threads]);
  let c = cache.get(key);
  if (c !== undefined) cache.delete(key);
  else {
    try {
      c = new CompiledAutoencoder(model, { batchSize, k, threads });
    } catch (err) {
      if (err instanceof ProgramTooLargeError) return null;
      throw err;
    }
  }
  cache.set(key, c);
  for (const [oldKey, old] of cache) {
    if (cache.size <= CACHE_SIZE) break;
    old.dispose();
    cache.delete(oldKey);
  }
  return c;
}

/** Sum of the squared reconstruction errors and, when fine-tuning, of the KL terms, over the batch (divide by the batch size for the means). */
export interface StepSums {
  readonly squaredError: number;
  readonly kl: number;
}

export class CompiledAutoencoder {
  readonly program: CompiledProgram;
  readonly batchSize: number;
  /** The gradient of the last step, one f32 per parameter element (model parameters in order, then the centroids). */
  readonly gradient: Float32Array;
  private readonly memory: WasmMemory & { readonly buffer: SharedArrayBuffer };
  private readonly f32: Float32Array;
  private readonly pool: TilePool;
  /** Where each parameter's gradient starts in `gradient` (model parameters in order, then the centroids), and where the last ends. */
  private readonly offsets: number[];
  /** Parameter elements of the model (the centroids follow). */
  private readonly modelParameters: number;

  constructor(model: Autoencoder, options: CompileOptions) {
    const backend = compiledBackend(model);
    if (typeof backend === 'string') throw new Error(`compiled autoencoder: ${backend}`);
    const k = options.k ?? 0;
    const threads = options.threads ?? backend.threads;
    this.batchSize = options.batchSize;
    this.program = compileProgram(model.plan, { batchSize: options.batchSize, threads, k });
    const pages = Math.ceil(this.program.memory.bytes / 65536);
    this.memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    this.f32 = new Float32Array(this.memory.buffer);
    const map = this.program.memory;
    this.pool = new TilePool(this.program.module, this.memory, threads, (t) => map.workspaces + t * map.workspaceBytes);
    this.offsets = [0];
    for (const p of model.parameters()) this.offsets.push(this.offsets.at(-1)! + p.size);
    this.modelParameters = this.offsets.at(-1)!;
    if (k > 0) this.offsets.push(this.modelParameters + k * this.program.codeSize);
    this.gradient = new Float32Array(map.paramCount);
  }

  get threads(): number {
    return this.pool.threads;
  }

  /** Resolves once the worker threads are up (see TilePool.started); results never depend on it, only speed. */
  started(): Promise<void> {
    return this.pool.started();
  }

  /** Copies parameter values in: the model's parameters in order, then the centroids when there is a head. */
  setParameters(params: readonly Tensor[]): void {
    let at = this.program.memory.params / 4;
    for (const p of params) {
      const data = cpuData(p.storage);
      this.f32.set(data, at);
      at += data.length;
    }
    if (at !== this.program.memory.params / 4 + this.program.memory.paramCount)
      throw new Error(`compiled autoencoder: ${at - this.program.memory.params / 4} parameter values, expected ${this.program.memory.paramCount}`);
  }

  /** Slices of `gradient` shaped like the parameters passed to setParameters. */
  gradientOf(index: number): Float32Array {
    if (!(index >= 0 && index < this.offsets.length - 1)) throw new Error(`compiled autoencoder: no parameter ${index}`);
    return this.gradient.subarray(this.offsets[index], this.offsets[index + 1]);
  }

  /** Copies records `rows` of a row-major set into the batch area; the last tile's spare lanes get zeros and weight 0. */
  private loadBatch(records: Float32Array, rows: ArrayLike<number>): number {
    const n = rows.length;
    if (n < 1 || n > this.batchSize) throw new Error(`compiled autoencoder: batch of ${n} records, expected 1 to ${this.batchSize}`);
    const { recordSize } = this.program;
    const available = Math.floor(records.length / recordSize);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (!(Number.isInteger(r) && r >= 0 && r < available))
        throw new Error(`compiled autoencoder: row ${r} (batch position ${i}) is not one of the ${available} records`);
    }
    const map = this.program.memory;
    const input = map.input / 4;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      this.f32.set(records.subarray(r * recordSize, (r + 1) * recordSize), input + i * recordSize);
    }
    const tiles = Math.ceil(n / LANES);
    this.f32.fill(0, input + n * recordSize, input + tiles * LANES * recordSize);
    const weights = map.recordWeights / 4;
    this.f32.fill(1, weights, weights + n);
    this.f32.fill(0, weights + n, weights + tiles * LANES);
    return tiles;
  }

  /** Sums the tiles' gradient slots in order, then each vector's lanes; returns the summed loss lanes. */
  private reduce(tiles: number): number {
    this.pool.call('reduce', tiles);
    const slot = this.program.memory.gradients / 4;
    const g = this.gradient;
    for (let e = 0; e < g.length; e++) {
      const v = slot + e * LANES;
      g[e] = this.f32[v]! + this.f32[v + 1]! + this.f32[v + 2]! + this.f32[v + 3]!;
    }
    const loss = slot + g.length * LANES;
    return this.f32[loss]! + this.f32[loss + 1]! + this.f32[loss + 2]! + this.f32[loss + 3]!;
  }

  /**
   * One pre-training batch: the gradient of the mean squared reconstruction
   * error of records `rows` (into `gradient`), and the batch's sum of
   * squared errors.
   */
  pretrainStep(records: Float32Array, rows: ArrayLike<number>): StepSums {
    const n = rows.length;
    const tiles = this.loadBatch(records, rows);
    this.pool.run('pretrain', tiles, [2 / (n * this.program.recordSize)]);
    const squaredError = this.reduce(tiles);
    // A program with a head leaves the centroids' slots untouched here: their gradient is zero.
    this.gradient.fill(0, this.modelParameters);
    return { squaredError, kl: 0 };
  }

  /**
   * One fine-tuning batch: the gradient of weights.kl x KL(P || Q) (Keras
   * kld, mean over the batch) + weights.reconstruction x MSE, with `target`
   * the rows of P for the batch [n, k].
   */
  finetuneStep(records: Float32Array, rows: ArrayLike<number>, target: Float32Array, weights: { kl: number; reconstruction: number }): StepSums {
    const { k } = this.program;
    if (k === 0) throw new Error('compiled autoencoder: compiled without a clustering head');
    const n = rows.length;
    if (target.length !== n * k) throw new Error(`compiled autoencoder: ${target.length} target values for ${n} records of ${k} clusters`);
    const tiles = this.loadBatch(records, rows);
    const map = this.program.memory;
    const t0 = map.target / 4;
    for (let i = 0; i < tiles * LANES; i++) {
      const tile = Math.floor(i / LANES);
      const lane = i % LANES;
      for (let j = 0; j < k; j++) this.f32[t0 + (tile * k + j) * LANES + lane] = i < n ? target[i * k + j]! : 0;
    }
    this.pool.run('finetune', tiles, [(2 * weights.reconstruction) / (n * this.program.recordSize), weights.kl / n]);
    const squaredError = this.reduce(tiles);
    // KL of the batch from the q the step wrote, as Keras kld clips.
    const q0 = map.q / 4;
    let kl = 0;
    for (let i = 0; i < n; i++) {
      const tile = Math.floor(i / LANES);
      const lane = i % LANES;
      for (let j = 0; j < k; j++) {
        const p = kldClip(target[i * k + j]!);
        kl += p * Math.log(p / kldClip(this.f32[q0 + (tile * k + j) * LANES + lane]!));
      }
    }
    return { squaredError, kl };
  }

  /**
   * Codes (and soft assignments, with a head) of records [start, start +
   * count) of a row-major set, written row-major to `codes` (and `q`) from
   * element 0.
   */
  encode(records: Float32Array, start: number, count: number, codes: Float32Array, q: Float32Array | null): void {
    const { codeSize, k } = this.program;
    if (q !== null && k === 0) throw new Error('compiled autoencoder: soft assignments asked of a program compiled without a clustering head');
    if (codes.length < count * codeSize || (q !== null && q.length < count * k))
      throw new Error(`compiled autoencoder: output arrays too small for ${count} records`);
    const map = this.program.memory;
    for (let done = 0; done < count; ) {
      const n = Math.min(this.batchSize, count - done);
      const rows = Array.from({ length: n }, (_, i) => start + done + i);
      const tiles = this.loadBatch(records, rows);
      this.pool.run(q === null ? 'encode' : 'assign', tiles);
      const z0 = map.codes / 4;
      const q0 = map.q / 4;
      for (let i = 0; i < n; i++) {
        const tile = Math.floor(i / LANES);
        const lane = i % LANES;
        for (let m = 0; m < codeSize; m++) codes[(done + i) * codeSize + m] = this.f32[z0 + (tile * codeSize + m) * LANES + lane]!;
        if (q !== null) for (let j = 0; j < k; j++) q[(done + i) * k + j] = this.f32[q0 + (tile * k + j) * LANES + lane]!;
      }
      done += n;
    }
  }

  dispose(): void {
    this.pool.dispose();
  }
}

/**
 * A float32 tensor on `backend` (the default CPU backend unless given)
 * holding `values` as they are: unlike `tensor()`, non-finite values pass, so
 * a diverging step reaches the training loop's NaN check.
 */
export function hostTensor(values: ArrayLike<number>, shape: Shape, backend: Backend = cpu): Tensor {
  const storage = backend.allocate(values.length, 'float32');
  backend.write(storage, values);
  return new Tensor(storage, shape);
}

/**
 * One optimiser step through the compiled kernels: the parameters' values
 * in, `step` (pretrainStep or finetuneStep), the gradient handed to the
 * parameters as the autograd path leaves it, then the optimiser's update.
 */
export function optimiserStep(
  compiled: CompiledAutoencoder,
  params: readonly Tensor[],
  optimizer: { update(): void; zeroGrad(): void },
  step: () => StepSums,
): StepSums {
  compiled.setParameters(params);
  const sums = step();
  params.forEach((p, i) => {
    p.grad?.dispose();
    p.grad = hostTensor(compiled.gradientOf(i), p.shape, p.backend);
  });
  optimizer.update();
  optimizer.zeroGrad();
  return sums;
}
