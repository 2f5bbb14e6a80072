import { noGrad } from '../autograd/mode.js';
import { concatRows } from '../kernels/rows.js';
import { reshape } from '../kernels/view.js';
import type { Adam } from '../optim/optimizer.js';
import type { Backend } from '../tensor/backend.js';
import { tensor } from '../tensor/create.js';
import type { DType, FloatArray } from '../tensor/dtype.js';
import { Rng } from '../tensor/random.js';
import { tidy } from '../tensor/scope.js';
import { formatShape, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Plumbing shared by pre-training and fine-tuning: progress, loss reads, snapshots, batch order. */

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

export type TrainingStage = 'pretrain' | 'finetune';

/** What a progress bar needs; sent at every loss read. */
export interface TrainingProgress {
  readonly stage: TrainingStage;
  /** Pre-training: the current epoch (1-based) and the planned count. */
  readonly epoch?: number;
  readonly epochs?: number;
  /** Batches done in this stage, and the planned total (fine-tuning may stop earlier on tol). */
  readonly iteration: number;
  readonly totalIterations: number;
  /** Loss of the latest batch (the weighted total during fine-tuning). */
  readonly loss: number;
  readonly iterationsPerSecond: number;
  readonly recordsPerSecond: number;
  readonly elapsedSeconds: number;
}

export type ProgressCallback = (progress: TrainingProgress) => void;

/** Where the last good state is, when training stops on a non-finite loss. */
export interface LastGoodState {
  readonly epoch?: number;
  readonly iteration: number;
  /** The checkpoint file holding it, when checkpoints were written. */
  readonly checkpointPath?: string;
}

/**
 * What went non-finite: the reconstruction loss (MSE), the clustering loss
 * KL(P||Q), their weighted total, or the soft assignments q at an update.
 */
export type NonFinitePart = 'reconstruction' | 'kl' | 'total' | 'softAssignment';

const PART_NAMES: Record<NonFinitePart, string> = {
  reconstruction: 'reconstruction loss (MSE)',
  kl: 'clustering loss KL(P||Q)',
  total: 'total loss',
  softAssignment: 'soft assignment q',
};

/**
 * A NaN or infinite loss. Training stops, the model's parameters are put
 * back to the last state whose every loss was finite (`lastGood`), and the
 * checkpoint file, if any, is left at that state.
 */
export class NonFiniteLossError extends Error {
  constructor(
    readonly stage: TrainingStage,
    readonly part: NonFinitePart,
    readonly value: number,
    /** 1-based batch number within the stage (the update's iteration for soft assignments). */
    readonly iteration: number,
    readonly epoch: number | undefined,
    readonly lastGood: LastGoodState,
  ) {
    const where = epoch === undefined ? `iteration ${iteration}` : `epoch ${epoch}, iteration ${iteration}`;
    const kept = lastGood.checkpointPath === undefined ? '' : `; checkpoint ${lastGood.checkpointPath} holds that state`;
    const good = lastGood.epoch === undefined ? `iteration ${lastGood.iteration}` : `end of epoch ${lastGood.epoch}`;
    super(
      `${stage === 'pretrain' ? 'pre-training' : 'fine-tuning'}: ${PART_NAMES[part]} is ${value} at ${where}; ` +
        `parameters restored to the last good state (${good})${kept}`,
    );
    this.name = 'NonFiniteLossError';
  }
}

/**
 * Batch losses are small tensors on the device; reading each one would stall
 * a GPU every step. They are held here and read together every few batches,
 * so a non-finite value is still attributed to its exact batch.
 */
export class LossReader<Meta> {
  private pending: { meta: Meta; loss: Tensor }[] = [];

  /** Takes ownership of `loss` (a tensor of the batch's loss parts, shape [parts]). */
  push(meta: Meta, loss: Tensor): void {
    this.pending.push({ meta, loss });
  }

  get size(): number {
    return this.pending.length;
  }

  async read(): Promise<{ meta: Meta; values: number[] }[]> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return [];
    const parts = batch[0]!.loss.size;
    // tidy: the reshape views and the chain's intermediate concatenations go at once.
    const all = tidy(() => noGrad(() => concatRows(batch.map((b) => reshape(b.loss, [1, parts])))));
    const data = await all.data();
    all.dispose();
    for (const b of batch) b.loss.dispose();
    return batch.map((b, i) => ({ meta: b.meta, values: Array.from(data.subarray(i * parts, (i + 1) * parts)) }));
  }

  dispose(): void {
    for (const b of this.pending) b.loss.dispose();
    this.pending = [];
  }
}

/** Adam's state on the host: step count and both moment estimates of each named parameter. */
export interface AdamState {
  readonly step: number;
  /** Names of the parameters, in the optimiser's order. */
  readonly parameters: readonly string[];
  readonly m: readonly FloatArray[];
  readonly v: readonly FloatArray[];
}

/** `names`: the optimiser's parameters' names, in its order. */
export async function adamState(optimizer: Adam, names: readonly string[]): Promise<AdamState> {
  if (names.length !== optimizer.m.length) throw new Error(`adamState: ${names.length} names for ${optimizer.m.length} parameters`);
  return {
    step: optimizer.step,
    parameters: [...names],
    m: await Promise.all(optimizer.m.map((t) => t.data())),
    v: await Promise.all(optimizer.v.map((t) => t.data())),
  };
}

/** Loads a saved state into an optimiser over the same parameters (same names, same order). */
export function restoreAdam(optimizer: Adam, names: readonly string[], state: AdamState): void {
  if (state.parameters.join('\n') !== names.join('\n'))
    throw new Error(`restoreAdam: the saved state is for parameters [${state.parameters.join(', ')}], the optimiser updates [${names.join(', ')}]`);
  optimizer.step = state.step;
  const write = (t: Tensor, values: FloatArray, what: string): void => {
    if (values.length !== t.size) throw new Error(`restoreAdam: ${what} has ${values.length} values, the parameter ${t.size}`);
    t.backend.write(t.storage, values);
  };
  optimizer.m.forEach((t, i) => write(t, state.m[i]!, `m of ${names[i]}`));
  optimizer.v.forEach((t, i) => write(t, state.v[i]!, `v of ${names[i]}`));
}

/**
 * Record order of one pass over the data (an epoch of pre-training, a
 * wrap-around of fine-tuning) when shuffling: it depends on the seed and
 * the pass number only, so a resumed run draws the same orders.
 */
export function shuffledOrder(seed: number, pass: number, n: number): Int32Array {
  return new Rng((Math.trunc(seed) ^ Math.imul(pass + 1, 0x9e3779b1)) >>> 0).permutation(n);
}

/** One fine-tuning batch: rows [start, start + count) of the (possibly shuffled) order. */
export interface BatchRange {
  readonly start: number;
  readonly count: number;
  /** Index of the next batch; 0 after the last batch of a pass. */
  readonly nextIndex: number;
  /** True when this batch ends a pass over the data. */
  readonly endsPass: boolean;
}

/**
 * The notebook's fine-tuning batches (METHOD.md): batch b covers rows
 * [b B, (b + 1) B); the last batch of a pass takes the remaining rows (it may
 * be short) and the index wraps to 0. Where n is a multiple of B the
 * notebook would go on to train on one empty batch; here it wraps at once.
 */
export function batchRange(batchIndex: number, n: number, batchSize: number): BatchRange {
  const start = batchIndex * batchSize;
  if (start >= n) throw new Error(`batchRange: batch ${batchIndex} starts at row ${start}, past the ${n} records`);
  const endsPass = start + batchSize >= n;
  return { start, count: endsPass ? n - start : batchSize, nextIndex: endsPass ? 0 : batchIndex + 1, endsPass };
}

/**
 * The records as one [N, ...recordShape] tensor on `backend`: a host array is
 * uploaded (`owned`: the caller disposes the upload when done), a tensor is
 * checked and used as is.
 */
export function recordsTensor(
  inputs: Float32Array | Tensor,
  recordShape: Shape,
  backend: Backend,
  dtype: DType,
  what: string,
): { records: Tensor; owned: boolean } {
  const recordSize = recordShape.reduce((p, d) => p * d, 1);
  if (inputs instanceof Tensor) {
    if (formatShape(inputs.shape.slice(1)) !== formatShape(recordShape))
      throw new Error(`${what}: inputs ${formatShape(inputs.shape)} are not [N, ${recordShape.join(', ')}]`);
    if (inputs.backend !== backend || inputs.dtype !== dtype)
      throw new Error(`${what}: inputs are ${inputs.dtype} on ${inputs.backend.name}, the model is ${dtype} on ${backend.name}`);
    return { records: inputs, owned: false };
  }
  const n = recordCount(inputs, recordSize, recordShape, what);
  return { records: tensor(inputs, [n, ...recordShape], { backend, dtype }), owned: true };
}

/** Records in a flat host array, after checking it holds whole, finite records. */
export function recordCount(inputs: Float32Array, recordSize: number, recordShape: Shape, what: string): number {
  if (inputs.length === 0 || inputs.length % recordSize !== 0)
    throw new Error(`${what}: ${inputs.length} input values are not a whole number of records of ${formatShape(recordShape)} (${recordSize} values each)`);
  for (let i = 0; i < inputs.length; i++)
    if (!Number.isFinite(inputs[i]!))
      throw new Error(`${what}: record ${Math.floor(i / recordSize)} holds a non-finite value (${inputs[i]}) at element ${i % recordSize}`);
  return inputs.length / recordSize;
}

/** Seconds since `start` (performance.now() milliseconds). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
