import { noGrad } from '../autograd/mode.js';
import { cpuData } from '../kernels/cpu.js';
import { sliceRows } from '../kernels/rows.js';
import { tensor } from '../tensor/create.js';
import { tidy } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';
import { compiledFor } from '../jit/compiled.js';
import { gpuCompiledFor, KERAS_ADAM } from '../jit/webgpu/compiled.js';
import type { Autoencoder } from '../model/autoencoder.js';
import { argmaxRows, type ClusteringLayer } from './clustering.js';
import { recordCount } from './training.js';

export interface PredictOptions {
  /** Records per forward pass. Default 1024. */
  batchSize?: number;
}

/** Per-record outputs, row-major. */
export interface Prediction {
  readonly n: number;
  readonly codeSize: number;
  readonly k: number;
  /** Codes z, n x codeSize. */
  readonly codes: Float32Array;
  /** Soft assignments q, n x k. */
  readonly q: Float32Array;
  /** Hard clusters: argmax of q. */
  readonly clusters: Int32Array;
}

/**
 * Runs the encoder (and the clustering layer) over records in batches.
 * `inputs` is a device tensor [N, ...input] or a flat host array, which is
 * uploaded one batch at a time so large sets need not fit on the device.
 */
async function forEachBatch(
  model: Autoencoder,
  clustering: ClusteringLayer | null,
  inputs: Float32Array | Tensor,
  batchSize: number,
  visit: (start: number, codes: ArrayLike<number>, q: ArrayLike<number> | null) => void,
): Promise<number> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`predict: batchSize must be a positive integer, got ${batchSize}`);
  if (clustering !== null && clustering.codeSize !== model.codeSize)
    throw new Error(`predict: the clustering layer expects codes of ${clustering.codeSize}, the model makes ${model.codeSize}`);
  const onDevice = inputs instanceof Tensor;
  const n = onDevice ? inputs.shape[0]! : recordCount(inputs, model.recordSize, model.inputShape, 'predict');
  const size = model.recordSize;
  // The CPU's compiled kernels when the model allows, else op by op.
  const compiled = compiledFor(model, batchSize, clustering && { k: clustering.k, alpha: clustering.alpha });
  await compiled?.started();
  if (compiled !== null) {
    const data = onDevice ? (cpuData(inputs.storage) as Float32Array) : inputs;
    compiled.setParameters(clustering === null ? model.parameters() : [...model.parameters(), clustering.centroids]);
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const codes = new Float32Array(count * model.codeSize);
      const q = clustering === null ? null : new Float32Array(count * clustering.k);
      compiled.encode(data, start, count, codes, q);
      visit(start, codes, q);
    }
    return n;
  }
  // On WebGPU, the compiled encoder and clustering head: each batch's codes and soft assignments in a few dispatches.
  const onGpu = await gpuCompiledFor(model, batchSize, KERAS_ADAM, clustering && { k: clustering.k, alpha: clustering.alpha });
  if (onGpu !== null) {
    onGpu.loadParameters(model.parameters());
    if (clustering !== null) onGpu.loadCentroids(clustering.centroids);
    if (onDevice) onGpu.useRecords(inputs);
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      // A host array goes up one batch at a time, so large sets need not fit on the device.
      const batch = onDevice ? null : tensor(inputs.subarray(start * size, (start + count) * size), [count, ...model.inputShape], { backend: model.backend });
      if (batch !== null) onGpu.useRecords(batch);
      const first = batch === null ? start : 0;
      try {
        if (clustering === null) visit(start, await onGpu.encode(first, count), null);
        else {
          const { codes, q } = await onGpu.assign(first, count);
          visit(start, codes, q);
        }
      } finally {
        batch?.dispose();
      }
    }
    return n;
  }
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const [z, q] = tidy(() =>
      noGrad(() => {
        const x = onDevice
          ? sliceRows(inputs, start, count)
          : tensor(inputs.subarray(start * size, (start + count) * size), [count, ...model.inputShape], { backend: model.backend, dtype: model.dtype });
        const codes = model.encode(x);
        return [codes, clustering === null ? null : clustering.softAssign(codes)] as const;
      }),
    );
    const codes = await z.data();
    const soft = q === null ? null : await q.data();
    z.dispose();
    q?.dispose();
    visit(start, codes, soft);
  }
  return n;
}

/** Codes z (n x codeSize) of the records, e.g. for k-means after pre-training. */
export async function encodeRecords(model: Autoencoder, inputs: Float32Array | Tensor, options: PredictOptions = {}): Promise<Float32Array> {
  const parts: { start: number; codes: ArrayLike<number> }[] = [];
  const n = await forEachBatch(model, null, inputs, options.batchSize ?? 1024, (start, codes) => parts.push({ start, codes }));
  const out = new Float32Array(n * model.codeSize);
  for (const p of parts) out.set(p.codes, p.start * model.codeSize);
  return out;
}

/** Code, soft assignment and hard cluster of every record. */
export async function predict(
  model: Autoencoder,
  clustering: ClusteringLayer,
  inputs: Float32Array | Tensor,
  options: PredictOptions = {},
): Promise<Prediction> {
  const d = model.codeSize;
  const k = clustering.k;
  const parts: { start: number; codes: ArrayLike<number>; q: ArrayLike<number> }[] = [];
  const n = await forEachBatch(model, clustering, inputs, options.batchSize ?? 1024, (start, codes, q) => parts.push({ start, codes, q: q! }));
  const codes = new Float32Array(n * d);
  const q = new Float32Array(n * k);
  for (const p of parts) {
    codes.set(p.codes, p.start * d);
    q.set(p.q, p.start * k);
  }
  return { n, codeSize: d, k, codes, q, clusters: argmaxRows(q, n, k) };
}
