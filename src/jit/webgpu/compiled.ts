import { WebGpuBackend, WebGpuError } from '../../kernels/webgpu/backend.js';
import type { Autoencoder } from '../../model/autoencoder.js';
import type { ModelPlan } from '../../model/description.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { TileLayer } from '../layers.js';
import { tileLayers } from '../program.js';
import {
  assignShader,
  backwardInvocations,
  headShader,
  backwardShader,
  forwardInvocations,
  forwardShader,
  fusablePool,
  fusableUpsample,
  fusableUpsampleGradient,
  gatherInvocations,
  gatherShader,
  lossShader,
  squareSumsPerRecord,
  updateShader,
  WORKGROUP,
  type StepLayout,
} from './shaders.js';

/**
 * The WebGPU backend's fast path for pre-training, fine-tuning and encoding
 * a sequential autoencoder: the whole step (forward, loss, the clustering
 * head when fine-tuning, backward, Adam) compiled to one WGSL shader per
 * layer and direction, some layers fused into a neighbour's (shaders.ts),
 * with every buffer allocated once and the record set resident on the
 * device. A training call encodes many steps per command buffer and reads
 * nothing back; fine-tuning steps wait on the host and go to the device up
 * to STEPS_PER_SUBMIT to a command buffer; the losses come back when the
 * caller asks (once per epoch in `pretrain`, every few batches in
 * `fineTune`). Weight gradients are summed in a fixed order, so two runs
 * give the same bits.
 */

/** Adam's settings baked into the update shader; the learning rate and step count travel per step. */
export interface AdamSettings {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

/** Keras's (and src/optim's Adam's) defaults. */
export const KERAS_ADAM: AdamSettings = { beta1: 0.9, beta2: 0.999, eps: 1e-7 };

/** What a training call needs of the optimiser: its learning rate and step count (the t of the bias correction), which `train` advances. */
export interface AdamClock {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  step: number;
}

/** An optimiser whose moments travel with the parameters (src/optim's Adam). */
export interface AdamState extends AdamSettings, AdamClock {
  readonly m: readonly Tensor[];
  readonly v: readonly Tensor[];
}

/** Steps encoded into one command buffer (their uniforms fill one 256-byte slot each). */
const STEPS_PER_SUBMIT = 64;
/** Bytes between two steps' uniforms: WebGPU's largest minUniformBufferOffsetAlignment. */
const UNIFORM_STRIDE = 256;
/** Bytes of the Step struct (six 32-bit fields, padded). */
const UNIFORM_SIZE = 32;

/** The step's tensors; a clustering head of k clusters over codes of codeSize adds its target rows and code gradient after the layers' gradients. */
function layoutOf(layers: readonly TileLayer[], batch: number, k: number, codeSize: number, codeLayer: number): StepLayout {
  const shapes = [layers[0]!.input, ...layers.map((l) => l.output)];
  const sizes = shapes.map((s) => s.c * s.h * s.w);
  // The code (the output of layer codeLayer - 1) stays stored: the clustering head and the encoder read it.
  const fused = layers.map((_, l) => (l !== codeLayer - 1 && fusableUpsample(layers, l)) || fusablePool(layers, l));
  const fusedGradient = layers.map((_, l) => l !== codeLayer && fusableUpsampleGradient(layers, l));
  const gathered = layers[0]!.kind !== 'conv';
  const lossFused = layers.at(-1)!.kind === 'conv';
  // Tensors nothing writes take no room in acts: the records when not gathered, a fused upsampling's output. (The reconstruction keeps
  // its room when the last layer takes the loss: a convolution over several groups of sources keeps its running sums there.)
  const stored = (l: number): boolean => (l > 0 || gathered) && !(fused[l - 1] === true && layers[l - 1]!.kind === 'upsample');
  const actOffsets: number[] = [];
  const gradOffsets: number[] = [];
  let acts = 0;
  let grads = 0;
  sizes.forEach((size, l) => {
    actOffsets.push(acts);
    if (stored(l)) acts += batch * size;
    gradOffsets.push(grads);
    if (l > 0) grads += batch * size;
  });
  const targetOffset = grads;
  const codeGradOffset = targetOffset + (k > 0 ? finetuneSlots(batch, k) * batch * k : 0);
  const gradsSize = codeGradOffset + (k > 0 ? batch * codeSize : 0);
  return {
    actOffsets,
    gradOffsets,
    actsSize: Math.max(acts, 1),
    gradsSize: Math.max(gradsSize, 1),
    sizes,
    targetOffset,
    codeGradOffset,
    fused,
    fusedGradient,
    gathered,
    lossFused,
    ...sumsLayout(layers, batch),
  };
}

/** Values of P the target area holds at most: the fine-tuning steps of one submission are capped to fit it. */
const TARGET_VALUES = 1 << 20;

/** Fine-tuning steps encoded into one command buffer: STEPS_PER_SUBMIT, or fewer when their rows of P would not fit TARGET_VALUES. */
function finetuneSlots(batch: number, k: number): number {
  return Math.max(1, Math.min(STEPS_PER_SUBMIT, Math.floor(TARGET_VALUES / (batch * Math.max(k, 1)))));
}

/** Where the loss sums lie in `sums` (StepLayout): the records' squared-error partials, their KL terms, then two per step. */
function sumsLayout(layers: readonly TileLayer[], batch: number): { squareSums: number; klSums: number; stepSums: number } {
  const squareSums = squareSumsPerRecord(layers);
  return { squareSums, klSums: batch * squareSums, stepSums: batch * (squareSums + 1) };
}

/** Layers of the model's encoder: the code is the output of the last one. */
function encoderLayerCount(plan: ModelPlan): number {
  return plan.layers.filter((l) => l.part === 'encoder').length;
}

/** The batch asked for needs a buffer larger than the device binds; such batches run op by op. */
export class GpuProgramTooLargeError extends Error {
  constructor(message: string) {
    super(`compiled webgpu autoencoder: ${message}`);
    this.name = 'GpuProgramTooLargeError';
  }
}

interface Dispatch {
  readonly pipeline: GPUComputePipeline;
  readonly invocations: number;
}

interface Pipelines {
  readonly train: readonly Dispatch[];
  readonly finetune: readonly Dispatch[];
  readonly encode: readonly Dispatch[];
  readonly assign: Dispatch | null;
  readonly bindLayout: GPUBindGroupLayout;
}

/** Buffers the bind group is made of; replaced ones (a larger order or loss area, another record set) make a new bind group. */
interface Bound {
  records: GPUBuffer;
  recordsBytes: number;
  order: GPUBuffer;
  sums: GPUBuffer;
  group: GPUBindGroup | null;
}

export class GpuCompiledAutoencoder {
  readonly batchSize: number;
  readonly recordSize: number;
  readonly codeSize: number;
  readonly parameterCount: number;
  /** Dispatches of one training step (every one a layer's whole pass, the gather, the loss or the update). */
  readonly dispatchesPerStep: number;
  /** Dispatches of one fine-tuning step (the training step's and the clustering head's); 0 without a head. */
  readonly dispatchesPerFinetuneStep: number;
  private readonly device: GPUDevice;
  private readonly layout: StepLayout;
  private readonly bindLayout: GPUBindGroupLayout;
  private readonly train_: readonly Dispatch[];
  /** The fine-tuning step: the training step with the clustering head; empty without a head. */
  private readonly finetune_: readonly Dispatch[];
  private readonly encode_: readonly Dispatch[];
  /** Trained values per row of partials and per run of the optimiser buffer: the model's parameters, then the centroids. */
  private readonly stride: number;
  /** The clustering head's soft assignments after the encoder; null without a head. */
  private readonly assign_: Dispatch | null;
  /** Clusters of the head; 0 without one. */
  readonly k: number;
  private readonly params: GPUBuffer;
  private readonly optimiser: GPUBuffer;
  private readonly partials: GPUBuffer;
  private readonly acts: GPUBuffer;
  private readonly grads: GPUBuffer;
  private readonly uniforms: GPUBuffer;
  private readonly uniformBytes = new ArrayBuffer(STEPS_PER_SUBMIT * UNIFORM_STRIDE);
  private readonly bound: Bound;
  /** Loss slots written by the last `train` call or up to the last `finetuneStep`, which `losses` reads. */
  private lastSteps = 0;
  /**
   * Fine-tuning steps taken but not yet submitted: their rows (at slot x
   * batchSize), rows of P (at slot x batchSize x k) and uniforms (slot)
   * wait here until a command buffer of them is full or the program is
   * asked for anything else.
   */
  private readonly waiting: { steps: number; lossSlots: number; rows: Int32Array; targets: Float32Array };
  private readonly errors: Promise<GPUError | null>[] = [];
  private disposed = false;

  private constructor(
    private readonly backend: WebGpuBackend,
    private readonly plan: ModelPlan,
    batchSize: number,
    pipelines: Pipelines,
    k: number,
  ) {
    const layers = tileLayers(plan);
    this.device = backend.gpuDevice;
    this.batchSize = batchSize;
    this.layout = layoutOf(layers, batchSize, k, plan.codeSize, encoderLayerCount(plan));
    this.recordSize = this.layout.sizes[0]!;
    this.codeSize = plan.codeSize;
    this.parameterCount = plan.parameterCount;
    this.train_ = pipelines.train;
    this.finetune_ = pipelines.finetune;
    this.encode_ = pipelines.encode;
    this.assign_ = pipelines.assign;
    this.k = k;
    this.bindLayout = pipelines.bindLayout;
    this.dispatchesPerStep = this.train_.length;
    this.dispatchesPerFinetuneStep = this.finetune_.length;
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffer = (floats: number, label: string, usage = storage): GPUBuffer =>
      this.device.createBuffer({ size: Math.max(4, floats * 4), usage, label: `compiled ${label}` });
    this.stride = this.parameterCount + k * this.codeSize;
    this.params = buffer(this.stride, 'parameters');
    this.optimiser = buffer(3 * this.stride, 'optimiser');
    this.partials = buffer(batchSize * this.stride, 'partials');
    this.acts = buffer(this.layout.actsSize, 'activations');
    this.grads = buffer(this.layout.gradsSize, 'gradients');
    this.uniforms = this.device.createBuffer({
      size: STEPS_PER_SUBMIT * UNIFORM_STRIDE,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: 'compiled steps',
    });
    this.bound = { records: buffer(1, 'no records'), recordsBytes: 4, order: buffer(1, 'order'), sums: buffer(this.layout.stepSums + 2, 'sums'), group: null };
    const slots = k > 0 ? finetuneSlots(batchSize, k) : 0;
    this.waiting = { steps: 0, lossSlots: 0, rows: new Int32Array(slots * batchSize), targets: new Float32Array(slots * batchSize * k) };
  }

  /**
   * Compiles the shaders of `plan` for batches of up to `batchSize` records
   * (with a clustering head of k clusters, alpha 1, for soft assignments and fine-tuning);
   * rejects with the shader compiler's message on failure.
   */
  static async create(backend: WebGpuBackend, plan: ModelPlan, batchSize: number, adam: AdamSettings, k = 0): Promise<GpuCompiledAutoencoder> {
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`compiled webgpu autoencoder: batch size ${batchSize}`);
    const device = backend.gpuDevice;
    const layers = tileLayers(plan);
    const encoderLayers = encoderLayerCount(plan);
    const layout = layoutOf(layers, batchSize, k, plan.codeSize, encoderLayers);
    const P = plan.parameterCount;
    const stride = P + k * plan.codeSize;
    const largest = 4 * Math.max(layout.actsSize, layout.gradsSize, batchSize * stride);
    const limit = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
    if (largest > limit) throw new GpuProgramTooLargeError(`batch ${batchSize} needs a buffer of ${largest} bytes, the device binds at most ${limit}`);
    if (batchSize * k > layout.gradsSize) throw new Error(`compiled webgpu autoencoder: ${k} clusters do not fit the gradient buffer of this network`);
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
      ...[1, 2, 3].map((binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' as const } })),
      ...[4, 5].map((binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' as const } })),
      ...[6, 7, 8].map((binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' as const } })),
    ];
    const bindLayout = device.createBindGroupLayout({ entries, label: 'compiled autoencoder' });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [bindLayout], label: 'compiled autoencoder' });
    const compile = async (label: string, code: string, invocations: number): Promise<Dispatch> => {
      const module = device.createShaderModule({ code, label });
      try {
        const pipeline = await device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module, entryPoint: 'main' }, label });
        return { pipeline, invocations };
      } catch (err) {
        const info = await module.getCompilationInfo();
        const messages = info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ');
        throw new WebGpuError(label, `${err instanceof Error ? err.message : String(err)}${messages ? ` (${messages})` : ''}`);
      }
    };
    const R = layout.sizes[0]!;
    const gather = layout.gathered ? compile('gather', gatherShader(R, batchSize, layout), gatherInvocations(R, batchSize)) : null;
    // A fused layer's forward pass has no dispatch of its own: a pooling's convolution writes it, an upsampling's reader reads through it.
    const forward = layers.map((layer, l) =>
      layout.fused[l] ? null : compile(`forward ${l}`, forwardShader(layers, l, batchSize, layout), forwardInvocations(layer, batchSize)),
    );
    const loss = layout.lossFused ? null : compile('loss', lossShader(R, batchSize, layout, layers.at(-1)!), batchSize);
    const backwardLayers = layers
      .map((layer, l) => ({ l, ...backwardInvocations(layer, l, batchSize) }))
      .filter(({ l, input, weights }) => input + weights > 0 && !layout.fusedGradient[l])
      .reverse();
    const backwardOf = ({ l, input, weights }: (typeof backwardLayers)[number], codeGrad: boolean): Promise<Dispatch> =>
      compile(`backward ${l}${codeGrad ? ' with the head' : ''}`, backwardShader(layers, l, batchSize, stride, layout, codeGrad), input + weights);
    const backward = backwardLayers.map((b) => backwardOf(b, false));
    const update = compile('update', updateShader(P, stride, layout, adam, false), P + 1);
    const codes = layout.actOffsets[encoderLayers]!;
    const [gatherPass, forwardPasses, lossPass, backwardPasses, updatePass] = await Promise.all([
      gather,
      Promise.all(forward),
      loss,
      Promise.all(backward),
      update,
    ]);
    const present = (passes: readonly (Dispatch | null)[]): Dispatch[] => passes.filter((d): d is Dispatch => d !== null);
    const gatherForward = present([gatherPass, ...forwardPasses]);
    const train = [...gatherForward, ...present([lossPass]), ...backwardPasses, updatePass];
    const encode = present([gatherPass, ...forwardPasses.slice(0, encoderLayers)]);
    if (k === 0) return new GpuCompiledAutoencoder(backend, plan, batchSize, { train, finetune: [], encode, assign: null, bindLayout }, k);
    // Fine-tuning: the head after the loss, the first decoder layer's backward pass adding the head's code gradient, Adam over the centroids too.
    const [assign, head, headBackward, headUpdate] = await Promise.all([
      compile('assign', assignShader(plan.codeSize, k, batchSize, P, codes), batchSize),
      compile('head', headShader(plan.codeSize, k, batchSize, P, stride, layout, codes), batchSize),
      Promise.all(backwardLayers.map((b) => (b.l === encoderLayers ? backwardOf(b, true) : null))),
      compile('update with the head', updateShader(stride, stride, layout, adam, true), stride + 1),
    ]);
    const finetune = [...gatherForward, ...present([lossPass]), head, ...backwardPasses.map((pass, i) => headBackward[i] ?? pass), headUpdate];
    return new GpuCompiledAutoencoder(backend, plan, batchSize, { train, finetune, encode, assign, bindLayout }, k);
  }

  /**
   * Makes `records` ([n, ...input] float32 on this backend) the resident set
   * that batches are gathered from; the tensor's buffer is bound as it is,
   * so it must outlive the calls that use it.
   */
  useRecords(records: Tensor): void {
    this.ready();
    const bytes = records.size * 4;
    if (records.size % this.recordSize !== 0)
      throw new Error(`compiled webgpu autoencoder: ${records.size} values are not whole records of ${this.recordSize}`);
    this.bound.records = this.backend.bufferOf(records.storage);
    this.bound.recordsBytes = Math.max(4, bytes);
    this.bound.group = null;
  }

  /**
   * Copies parameter values (the model's parameters in order, then for
   * fine-tuning the centroids) and, given an optimiser, its moments in, on
   * the device.
   */
  loadParameters(params: readonly Tensor[], adam: AdamState | null = null): void {
    this.copyParameters(params, adam, 'in');
  }

  /** Copies the trained parameter values (and the optimiser's moments) back into the tensors, on the device. */
  storeParameters(params: readonly Tensor[], adam: AdamState | null = null): void {
    this.copyParameters(params, adam, 'out');
  }

  /** Copies the clustering head's centroids [k, codeSize] in, on the device. */
  loadCentroids(centroids: Tensor): void {
    this.ready();
    if (centroids.size !== this.k * this.codeSize)
      throw new Error(`compiled webgpu autoencoder: ${centroids.size} centroid values, expected ${this.k} x ${this.codeSize}`);
    const encoder = this.device.createCommandEncoder({ label: 'compiled centroids in' });
    encoder.copyBufferToBuffer(this.backend.bufferOf(centroids.storage), 0, this.params, this.parameterCount * 4, centroids.size * 4);
    this.submit(encoder);
  }

  private copyParameters(params: readonly Tensor[], adam: AdamState | null, direction: 'in' | 'out'): void {
    this.ready();
    const encoder = this.device.createCommandEncoder({ label: `compiled parameters ${direction}` });
    const P = this.parameterCount;
    const count = params.reduce((sum, t) => sum + t.size, 0);
    if (count !== P && !(this.k > 0 && count === this.stride))
      throw new Error(`compiled webgpu autoencoder: ${count} parameter values, expected ${P}${this.k > 0 ? ` or ${this.stride} with the centroids` : ''}`);
    const runs: [readonly Tensor[], GPUBuffer, number][] = [[params, this.params, 0]];
    if (adam !== null) runs.push([adam.m, this.optimiser, 0], [adam.v, this.optimiser, this.stride]);
    for (const [tensors, buffer, start] of runs) {
      let at = start;
      for (const t of tensors) {
        const own = this.backend.bufferOf(t.storage);
        if (direction === 'in') encoder.copyBufferToBuffer(own, 0, buffer, at * 4, t.size * 4);
        else encoder.copyBufferToBuffer(buffer, at * 4, own, 0, t.size * 4);
        at += t.size;
      }
      if (at - start !== count) throw new Error(`compiled webgpu autoencoder: ${at - start} optimiser values, expected ${count}`);
    }
    this.submit(encoder);
  }

  /**
   * Runs one training step per batch of `order` (positions of the resident
   * records; batches of batchSize, the last one shorter) with Adam, whose
   * step count advances. Nothing is read back: `losses` gives the batches'
   * squared errors when asked.
   */
  train(order: Int32Array, adam: AdamClock): void {
    this.ready();
    const n = order.length;
    this.checkRows(order);
    const steps = Math.ceil(n / this.batchSize);
    this.writeOrder(order, steps);
    for (let first = 0; first < steps; first += STEPS_PER_SUBMIT) {
      const count = Math.min(STEPS_PER_SUBMIT, steps - first);
      const encoder = this.device.createCommandEncoder({ label: 'compiled training steps' });
      const pass = encoder.beginComputePass({ label: 'compiled training steps' });
      for (let s = 0; s < count; s++) {
        const step = first + s;
        const records = Math.min(this.batchSize, n - step * this.batchSize);
        const t = adam.step + 1;
        adam.step = t;
        const alpha = (adam.lr * Math.sqrt(1 - adam.beta2 ** t)) / (1 - adam.beta1 ** t);
        this.writeStep(s, { start: step * this.batchSize, count: records, mseScale: 2 / (records * this.recordSize), alpha, lossSlot: step, klScale: 0 });
        this.encodeDispatches(pass, this.train_, s);
      }
      pass.end();
      this.device.queue.writeBuffer(this.uniforms, 0, this.uniformBytes, 0, count * UNIFORM_STRIDE);
      this.submit(encoder);
    }
    this.lastSteps = steps;
  }

  /**
   * One fine-tuning step (needs a head) on the resident records `rows`: the
   * gradient of weights.kl x KL(P || Q) (Keras kld, mean over the batch) +
   * weights.reconstruction x MSE, as the CPU's compiled finetuneStep, then
   * Adam over the parameters and the centroids (loaded with
   * loadParameters). `target` holds the batch's rows of P [rows, k]. The
   * step's loss sums go to slot `lossSlot`, which `losses` reads up to;
   * nothing is read back here. Steps are submitted several to a command
   * buffer: they wait until the buffer is full or the program is asked for
   * anything else (work submitted to the backend meanwhile runs first).
   */
  finetuneStep(rows: Int32Array, target: Float32Array, adam: AdamClock, weights: { kl: number; reconstruction: number }, lossSlot: number): void {
    this.check();
    if (this.k === 0) throw new Error('compiled webgpu autoencoder: compiled without a clustering head');
    const n = rows.length;
    if (!(n >= 1 && n <= this.batchSize)) throw new Error(`compiled webgpu autoencoder: batch of ${n} records, expected 1 to ${this.batchSize}`);
    if (target.length !== n * this.k) throw new Error(`compiled webgpu autoencoder: ${target.length} target values for ${n} records of ${this.k} clusters`);
    if (!(Number.isInteger(lossSlot) && lossSlot >= 0)) throw new Error(`compiled webgpu autoencoder: loss slot ${lossSlot}`);
    this.checkRows(rows);
    const waiting = this.waiting;
    const slot = waiting.steps;
    const start = slot * this.batchSize;
    waiting.rows.set(rows, start);
    waiting.targets.set(target, start * this.k);
    const t = adam.step + 1;
    adam.step = t;
    const alpha = (adam.lr * Math.sqrt(1 - adam.beta2 ** t)) / (1 - adam.beta1 ** t);
    const mseScale = (2 * weights.reconstruction) / (n * this.recordSize);
    this.writeStep(slot, { start, count: n, mseScale, alpha, lossSlot, klScale: weights.kl / n });
    waiting.steps++;
    waiting.lossSlots = Math.max(waiting.lossSlots, lossSlot + 1);
    this.lastSteps = lossSlot + 1;
    if (waiting.steps * this.batchSize === waiting.rows.length) this.submitWaiting();
  }

  /** Submits the fine-tuning steps still waiting (`finetuneStep`), so that the backend's sync waits for them too. */
  flush(): void {
    this.ready();
  }

  /** Submits the waiting fine-tuning steps in one command buffer, their rows, rows of P and uniforms written first. */
  private submitWaiting(): void {
    const waiting = this.waiting;
    const steps = waiting.steps;
    if (steps === 0) return;
    waiting.steps = 0;
    const values = steps * this.batchSize;
    this.writeOrder(waiting.rows.subarray(0, values), waiting.lossSlots);
    waiting.lossSlots = 0;
    this.device.queue.writeBuffer(this.grads, this.layout.targetOffset * 4, waiting.targets.buffer, 0, values * this.k * 4);
    const encoder = this.device.createCommandEncoder({ label: 'compiled fine-tuning steps' });
    const pass = encoder.beginComputePass({ label: 'compiled fine-tuning steps' });
    for (let s = 0; s < steps; s++) this.encodeDispatches(pass, this.finetune_, s);
    pass.end();
    this.device.queue.writeBuffer(this.uniforms, 0, this.uniformBytes, 0, steps * UNIFORM_STRIDE);
    this.submit(encoder);
  }

  /** The sums of squared reconstruction errors and of KL terms (0 when pre-training) of the last call's batches (loss slots), in order; one readback. */
  async losses(): Promise<{ squaredError: Float64Array; kl: Float64Array }> {
    // The waiting steps go first: submitting them may grow the sums buffer.
    this.ready();
    const values = await this.readBuffer(this.bound.sums, this.layout.stepSums * 4, 2 * this.lastSteps * 4);
    const squaredError = new Float64Array(this.lastSteps);
    const kl = new Float64Array(this.lastSteps);
    for (let s = 0; s < this.lastSteps; s++) {
      squaredError[s] = values[2 * s]!;
      kl[s] = values[2 * s + 1]!;
    }
    return { squaredError, kl };
  }

  /** The gradient of the last training step (the model's parameters in order, then the centroids' when there is a head), for checks against autograd. */
  async lastGradient(): Promise<Float32Array> {
    return this.readBuffer(this.optimiser, 2 * this.stride * 4, this.stride * 4);
  }

  /** Codes [count, codeSize] of resident records [start, start + count), in batches of batchSize, read back once. */
  async encode(start: number, count: number): Promise<Float32Array> {
    return (await this.infer(start, count, null)).codes;
  }

  /** Codes and soft assignments [count, k] of resident records [start, start + count), read back once. */
  async assign(start: number, count: number): Promise<{ codes: Float32Array; q: Float32Array }> {
    if (this.assign_ === null) throw new Error('compiled webgpu autoencoder: soft assignments asked of a program compiled without a clustering head');
    const { codes, q } = await this.infer(start, count, this.assign_);
    return { codes, q: q! };
  }

  private async infer(start: number, count: number, assign: Dispatch | null): Promise<{ codes: Float32Array; q: Float32Array | null }> {
    this.ready();
    const available = this.bound.recordsBytes / 4 / this.recordSize;
    if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= available))
      throw new Error(`compiled webgpu autoencoder: records [${start}, ${start + count}) are not all among the ${available} resident ones`);
    const k = assign === null ? 0 : this.k;
    if (count === 0) return { codes: new Float32Array(0), q: assign === null ? null : new Float32Array(0) };
    const batches = Math.ceil(count / this.batchSize);
    this.writeOrder(
      Int32Array.from({ length: count }, (_, i) => start + i),
      batches,
    );
    // Codes of every record, then their soft assignments.
    const codeBytes = count * this.codeSize * 4;
    const bytes = codeBytes + count * k * 4;
    const out = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'compiled codes' });
    const codesAt = this.layout.actOffsets[encoderLayerCount(this.plan)]! * 4;
    const dispatches = assign === null ? this.encode_ : [...this.encode_, assign];
    for (let first = 0; first < batches; first += STEPS_PER_SUBMIT) {
      const chunk = Math.min(STEPS_PER_SUBMIT, batches - first);
      const encoder = this.device.createCommandEncoder({ label: 'compiled encode' });
      for (let s = 0; s < chunk; s++) {
        const batch = first + s;
        const records = Math.min(this.batchSize, count - batch * this.batchSize);
        this.writeStep(s, { start: batch * this.batchSize, count: records, mseScale: 0, alpha: 0, lossSlot: 0, klScale: 0 });
        const pass = encoder.beginComputePass({ label: 'compiled encode' });
        this.encodeDispatches(pass, dispatches, s);
        pass.end();
        encoder.copyBufferToBuffer(this.acts, codesAt, out, batch * this.batchSize * this.codeSize * 4, records * this.codeSize * 4);
        if (k > 0) encoder.copyBufferToBuffer(this.grads, 0, out, codeBytes + batch * this.batchSize * k * 4, records * k * 4);
      }
      this.device.queue.writeBuffer(this.uniforms, 0, this.uniformBytes, 0, chunk * UNIFORM_STRIDE);
      this.submit(encoder);
    }
    try {
      const values = await this.readBuffer(out, 0, bytes);
      return { codes: values.subarray(0, count * this.codeSize), q: k > 0 ? values.subarray(count * this.codeSize) : null };
    } finally {
      out.destroy();
    }
  }

  /** Frees the device buffers this program owns (not the records it was lent). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of [this.params, this.optimiser, this.partials, this.acts, this.grads, this.uniforms, this.bound.order, this.bound.sums]) b.destroy();
  }

  private encodeDispatches(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[], slot: number): void {
    const group = this.bindGroup();
    const maxGroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    pass.setBindGroup(0, group, [slot * UNIFORM_STRIDE]);
    for (const d of dispatches) {
      const groups = Math.ceil(d.invocations / WORKGROUP);
      const x = Math.min(groups, maxGroups);
      pass.setPipeline(d.pipeline);
      pass.dispatchWorkgroups(x, Math.ceil(groups / x));
    }
  }

  /** Throws unless every position of `order` is one of the resident records. */
  private checkRows(order: Int32Array): void {
    const available = this.bound.recordsBytes / 4 / this.recordSize;
    for (let i = 0; i < order.length; i++) {
      const r = order[i]!;
      if (!(r >= 0 && r < available))
        throw new Error(`compiled webgpu autoencoder: record ${r} (position ${i}) is not one of the ${available} resident records`);
    }
  }

  private writeStep(slot: number, s: { start: number; count: number; mseScale: number; alpha: number; lossSlot: number; klScale: number }): void {
    const view = new DataView(this.uniformBytes, slot * UNIFORM_STRIDE, UNIFORM_SIZE);
    view.setUint32(0, s.start, true);
    view.setUint32(4, s.count, true);
    view.setFloat32(8, s.mseScale, true);
    view.setFloat32(12, s.alpha, true);
    view.setUint32(16, s.lossSlot, true);
    view.setFloat32(20, s.klScale, true);
  }

  /**
   * Puts `order` on the device (growing its buffer, and the loss slots for
   * `steps`, when too small); queue order keeps earlier steps' reads
   * intact. Grown loss slots keep the sums written so far (fine-tuning
   * fills them one step at a time), and grow by doubling.
   */
  private writeOrder(order: Int32Array, steps: number): void {
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    if (this.bound.order.size < order.byteLength) {
      this.bound.order.destroy();
      this.bound.order = this.device.createBuffer({ size: order.byteLength, usage, label: 'compiled order' });
      this.bound.group = null;
    }
    const sumsBytes = (this.layout.stepSums + 2 * steps) * 4;
    if (this.bound.sums.size < sumsBytes) {
      const old = this.bound.sums;
      this.bound.sums = this.device.createBuffer({ size: Math.max(sumsBytes, 2 * old.size), usage, label: 'compiled sums' });
      const encoder = this.device.createCommandEncoder({ label: 'compiled sums grown' });
      encoder.copyBufferToBuffer(old, 0, this.bound.sums, 0, old.size);
      this.submit(encoder);
      old.destroy();
      this.bound.group = null;
    }
    if (order.length > 0) this.device.queue.writeBuffer(this.bound.order, 0, order.buffer as ArrayBuffer, order.byteOffset, order.byteLength);
  }

  private bindGroup(): GPUBindGroup {
    if (this.bound.group !== null) return this.bound.group;
    const b = this.bound;
    const buffers: [GPUBuffer, number | undefined][] = [
      [this.uniforms, UNIFORM_SIZE],
      [this.params, undefined],
      [this.optimiser, undefined],
      [this.partials, undefined],
      [b.records, b.recordsBytes],
      [b.order, undefined],
      [this.acts, undefined],
      [this.grads, undefined],
      [b.sums, undefined],
    ];
    b.group = this.device.createBindGroup({
      layout: this.bindLayout,
      entries: buffers.map(([buffer, size], binding) => ({ binding, resource: { buffer, ...(size !== undefined && { size }) } })),
      label: 'compiled autoencoder',
    });
    return b.group;
  }

  /** Submits after everything the backend has encoded so far (queue order is then program order), watching for validation errors. */
  private submit(encoder: GPUCommandEncoder): void {
    this.backend.flush();
    this.device.pushErrorScope('validation');
    this.device.queue.submit([encoder.finish()]);
    this.errors.push(this.device.popErrorScope());
  }

  private async readBuffer(source: GPUBuffer, offset: number, bytes: number): Promise<Float32Array> {
    this.ready();
    if (bytes === 0) return new Float32Array(0);
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'compiled readback' });
    try {
      const encoder = this.device.createCommandEncoder({ label: 'compiled readback' });
      encoder.copyBufferToBuffer(source, offset, staging, 0, bytes);
      this.submit(encoder);
      await staging.mapAsync(GPUMapMode.READ);
      const values = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      await this.settle();
      return values;
    } finally {
      staging.destroy();
    }
  }

  /** Throws the first validation error of the work submitted so far. */
  private async settle(): Promise<void> {
    const errors = await Promise.all(this.errors.splice(0));
    const first = errors.find((e) => e !== null);
    if (first) throw new WebGpuError('compiled autoencoder', first.message);
  }

  private check(): void {
    if (this.disposed) throw new Error('compiled webgpu autoencoder: used after dispose()');
  }

  /** `check`, then the waiting fine-tuning steps submitted: whatever comes next runs after them. */
  private ready(): void {
    this.check();
    this.submitWaiting();
  }
}

/** Compiled programs by backend, then by description, batch size and Adam settings: compiling takes a while on a software adapter. */
const cache = new WeakMap<WebGpuBackend, Map<string, Promise<GpuCompiledAutoencoder>>>();

/**
 * The compiled WebGPU form of `model` for batches of up to `batchSize`, or
 * null when the model does not run on a WebGPU backend in float32, the
 * head's alpha is not 1, or the batch needs larger buffers than the device
 * binds. The
 * caller loads the parameters (and lends the records) before each use; one
 * program serves one loop at a time.
 */
export async function gpuCompiledFor(
  model: Autoencoder,
  batchSize: number,
  adam: AdamSettings = KERAS_ADAM,
  head: { k: number; alpha: number } | null = null,
): Promise<GpuCompiledAutoencoder | null> {
  const backend = model.backend;
  if (!(backend instanceof WebGpuBackend) || model.dtype !== 'float32' || (head !== null && head.alpha !== 1)) return null;
  const k = head?.k ?? 0;
  let programs = cache.get(backend);
  if (programs === undefined) {
    programs = new Map();
    cache.set(backend, programs);
  }
  const key = JSON.stringify([model.description, batchSize, adam.beta1, adam.beta2, adam.eps, k]);
  let program = programs.get(key);
  if (program === undefined) {
    program = GpuCompiledAutoencoder.create(backend, model.plan, batchSize, adam, k);
    programs.set(key, program);
    program.catch(() => programs.delete(key));
  }
  try {
    return await program;
  } catch (err) {
    if (err instanceof GpuProgramTooLargeError) return null;
    throw err;
  }
}
