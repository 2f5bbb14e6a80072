import { oneLine } from '../common/errors.js';
import { MAX_JSON_DEPTH, jsonDepth } from '../common/json.js';
import { FileAccessError, type PathInfo } from '../host/files.js';
import { host } from '../host/host.js';
import { Autoencoder } from '../model/autoencoder.js';
import { ModelDescriptionError, parseModelDescription, planModel, type ModelDescription } from '../model/description.js';
import { parameterShapes } from '../model/layers.js';
import type { Backend } from '../tensor/backend.js';
import { formatShape, type Shape } from '../tensor/shape.js';
import { ClusteringLayer } from './clustering.js';
import type { AdamState, JsonObject, JsonValue } from './training.js';
import type { UpdateRecord } from './updates.js';

/**
 * Checkpoints: everything needed to predict with a trained model or to go on
 * training it, in one safetensors file:
 *
 *   8 bytes   little-endian u64: length N of the header
 *   N bytes   JSON header, padded with spaces to a multiple of 8
 *   rest      raw little-endian tensor data, in header order, no gaps
 *
 * The header maps tensor names to { dtype: "F32" | "I32", shape, data_offsets:
 * [begin, end) } relative to the data section, plus `__metadata__`, a map of
 * strings (safetensors allows nothing else there), which holds JSON texts:
 * `format` ("seiscluster-checkpoint"), `version`, `model` (the model
 * description), and where present `clustering` ({k, alpha}), `optimizer`
 * ({step, parameters}), `progress`, `preprocessing`, `settings`.
 *
 * Tensors: the model's parameters by name (`encoder.0.weight`, ...),
 * `clustering.centroids`, the optimiser's moments `optimizer.m.<parameter>`
 * and `optimizer.v.<parameter>`, and `progress.previousLabels` (I32) during
 * fine-tuning. Any safetensors reader opens the file.
 *
 * Loading trusts nothing: the header may nest at most `MAX_JSON_DEPTH`
 * levels, every metadata field is type-checked before use, tensors must tile
 * the data section exactly (so memory is bounded by the file's size), and
 * every float must be finite, model weights and centroids no larger than
 * `MAX_ABS_WEIGHT` in magnitude: a NaN weight would otherwise turn every
 * prediction into NaN without a word.
 */
export const CHECKPOINT_FORMAT = 'seiscluster-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** Pre-training stopped after `epochsDone` whole epochs. */
export interface PretrainProgress {
  readonly stage: 'pretrain';
  readonly epochsDone: number;
}

/**
 * Fine-tuning stopped at a target-distribution update: `iteration` batches
 * done, the next batch is `batchIndex` of pass `pass`, and `previousLabels`
 * are the hard clusters of the update before (the delta-label reference).
 */
export interface FineTuneProgress {
  readonly stage: 'finetune';
  readonly iteration: number;
  readonly batchIndex: number;
  readonly pass: number;
  readonly previousLabels: Int32Array;
  readonly history: readonly UpdateRecord[];
}

/** A checkpoint's contents on the host. */
export interface Checkpoint {
  readonly description: ModelDescription;
  /** Model parameters by name, float32. */
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly clustering?: { readonly k: number; readonly alpha: number; readonly centroids: Float32Array };
  /** Adam's state; `parameters` names the tensors it updates, in order. */
  readonly optimizer?: AdamState;
  readonly progress?: PretrainProgress | FineTuneProgress;
  /** How the inputs were prepared (opaque to training; kept so prediction can repeat it). */
  readonly preprocessing?: JsonObject;
  /** The training settings (opaque; for the record). */
  readonly settings?: JsonObject;
}

/** A file that is not a readable seiscluster checkpoint; the message names the file and the problem. */
export class CheckpointError extends Error {
  constructor(source: string, problem: string) {
    super(oneLine(`checkpoint ${source}: ${problem}`));
    this.name = 'CheckpointError';
  }
}

type DTypeName = 'F32' | 'I32';

interface TensorEntry {
  readonly name: string;
  readonly dtype: DTypeName;
  readonly shape: Shape;
  readonly values: ArrayLike<number>;
}

function f32(values: ArrayLike<number>): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

/** The tensors of a checkpoint in file order. */
function entriesOf(c: Checkpoint): TensorEntry[] {
  const entries: TensorEntry[] = [];
  for (const { name, shape } of planModel(parseModelDescription(c.description)).layers.flatMap(parameterShapes)) {
    const values = c.weights.get(name);
    if (values === undefined) throw new Error(`encodeCheckpoint: no weights for ${name}`);
    entries.push({ name, dtype: 'F32', shape, values });
  }
  if (c.clustering)
    entries.push({
      name: 'clustering.centroids',
      dtype: 'F32',
      shape: [c.clustering.k, c.clustering.centroids.length / c.clustering.k],
      values: c.clustering.centroids,
    });
  if (c.optimizer) {
    c.optimizer.parameters.forEach((p, i) => {
      entries.push({ name: `optimizer.m.${p}`, dtype: 'F32', shape: [c.optimizer!.m[i]!.length], values: c.optimizer!.m[i]! });
      entries.push({ name: `optimizer.v.${p}`, dtype: 'F32', shape: [c.optimizer!.v[i]!.length], values: c.optimizer!.v[i]! });
    });
  }
  if (c.progress?.stage === 'finetune')
    entries.push({ name: 'progress.previousLabels', dtype: 'I32', shape: [c.progress.previousLabels.length], values: c.progress.previousLabels });
  return entries;
}

/** The checkpoint as the bytes of a safetensors file. */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const entries = entriesOf(c);
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    model: JSON.stringify(c.description),
  };
  if (c.clustering) metadata.clustering = JSON.stringify({ k: c.clustering.k, alpha: c.clustering.alpha });
  if (c.optimizer) metadata.optimizer = JSON.stringify({ step: c.optimizer.step, parameters: c.optimizer.parameters });
  if (c.progress) {
    const { stage } = c.progress;
    metadata.progress = JSON.stringify(
      stage === 'pretrain'
        ? c.progress
        : { stage, iteration: c.progress.iteration, batchIndex: c.progress.batchIndex, pass: c.progress.pass, history: c.progress.history },
    );
  }
  if (c.preprocessing) metadata.preprocessing = JSON.stringify(c.preprocessing);
  if (c.settings) metadata.settings = JSON.stringify(c.settings);

  const header: Record<string, JsonValue> = { __metadata__: metadata };
  let offset = 0;
  for (const e of entries) {
    const bytes = e.values.length * 4;
    header[e.name] = { dtype: e.dtype, shape: [...e.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const headerBytes = new Uint8Array(text.length + ((8 - ((8 + text.length) % 8)) % 8)).fill(0x20);
  headerBytes.set(text);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const e of entries) {
    for (let i = 0; i < e.values.length; i++, p += 4) {
      if (e.dtype === 'F32') view.setFloat32(p, e.values[i]!, true);
      else view.setInt32(p, e.values[i]!, true);
    }
  }
  return out;
}

/** Largest header accepted: real checkpoints have a few kilobytes; a huge length means a foreign file. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/**
 * Largest magnitude a model weight or centroid may have. Trained weights are
 * of order 1 and codes of order 10; 1e6 leaves ample room and still refuses
 * the float32 extremes (3.4e38) that overflow the first layer to Infinity.
 */
export const MAX_ABS_WEIGHT = 1e6;

/** A JSON object (not null, not an array), or undefined. */
function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Parses and checks a checkpoint's bytes; `source` names the file in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source = '<bytes>'): Checkpoint {
  const fail = (problem: string): never => {
    throw new CheckpointError(source, problem);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for a safetensors header length (truncated or not a checkpoint)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLength} is implausible (not a safetensors file)`);
  const n = Number(headerLength);
  if (8 + n > bytes.length) fail(`the header needs ${n} bytes but only ${bytes.length - 8} follow the length field (truncated file)`);
  // The byte-order mark is kept, as in any other file: a header starting with one is not JSON.
  const headerText = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  if (jsonDepth(headerText) < 0) fail(`the header nests deeper than ${MAX_JSON_DEPTH} levels (corrupt or not a checkpoint)`);
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch {
    fail('the header is not JSON (not a safetensors file)');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object (not a safetensors file)');
  const h = header as Record<string, unknown>;
  const meta = h.__metadata__;
  if (typeof meta !== 'object' || meta === null || (meta as Record<string, unknown>).format !== CHECKPOINT_FORMAT)
    fail(`a safetensors file, but not a seiscluster checkpoint (its __metadata__.format is not "${CHECKPOINT_FORMAT}")`);
  const metadata = meta as Record<string, unknown>;
  const version = Number(metadata.version);
  if (!Number.isInteger(version) || version < 1) fail(`unreadable version ${JSON.stringify(metadata.version)}`);
  if (version > CHECKPOINT_VERSION) fail(`version ${version} is newer than this seiscluster reads (${CHECKPOINT_VERSION})`);
  const metaJson = (key: string): unknown => {
    const text = metadata[key];
    if (text === undefined) return undefined;
    if (typeof text !== 'string') fail(`__metadata__.${key} is not a string`);
    if (jsonDepth(text as string) < 0) fail(`__metadata__.${key} nests deeper than ${MAX_JSON_DEPTH} levels`);
    try {
      return JSON.parse(text as string) as unknown;
    } catch {
      return fail(`__metadata__.${key} is not valid JSON`);
    }
  };

  // Tensor table: dtype, shape and a byte range inside the data section.
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, { dtype: DTypeName; shape: number[]; begin: number }>();
  let end = 0;
  for (const [name, raw] of Object.entries(h)) {
    if (name === '__metadata__') continue;
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof e !== 'object' || e === null) fail(`tensor ${name}: entry is not an object`);
    if (e!.dtype !== 'F32' && e!.dtype !== 'I32') fail(`tensor ${name}: dtype ${JSON.stringify(e!.dtype)} is not F32 or I32`);
    const shape = e!.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name}: invalid shape ${JSON.stringify(shape)}`);
    const offsets = e!.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[1] < offsets[0])
      fail(`tensor ${name}: invalid data_offsets ${JSON.stringify(offsets)}`);
    const [begin, stop] = offsets as [number, number];
    const count = (shape as number[]).reduce((p, d) => p * d, 1);
    if (stop - begin !== count * 4) fail(`tensor ${name}: ${stop - begin} bytes do not hold shape ${formatShape(shape as number[])} of 4-byte values`);
    if (stop > dataLength) fail(`tensor ${name} ends at byte ${stop} of the data section, which has only ${dataLength} bytes (truncated file)`);
    end = Math.max(end, stop);
    tensors.set(name, { dtype: e!.dtype as DTypeName, shape: shape as number[], begin });
  }
  if (end !== dataLength) fail(`${dataLength - end} bytes after the last tensor (corrupt or not a checkpoint)`);

  const read = (name: string, dtype: DTypeName, shape?: Shape, maxAbs = Number.MAX_VALUE): Float32Array | Int32Array => {
    const t = tensors.get(name);
    if (t === undefined) return fail(`tensor ${name} is missing`);
    if (t.dtype !== dtype) fail(`tensor ${name} is ${t.dtype}, expected ${dtype}`);
    if (shape !== undefined && formatShape(t.shape) !== formatShape(shape))
      fail(`tensor ${name} has shape ${formatShape(t.shape)}, the model description expects ${formatShape(shape)}`);
    const count = t.shape.reduce((p, d) => p * d, 1);
    const out = dtype === 'F32' ? new Float32Array(count) : new Int32Array(count);
    const base = dataStart + t.begin;
    for (let i = 0; i < count; i++) {
      const v = dtype === 'F32' ? view.getFloat32(base + 4 * i, true) : view.getInt32(base + 4 * i, true);
      if (!(Math.abs(v) <= maxAbs)) fail(`tensor ${name} [${i}] = ${v}: ${Number.isFinite(v) ? `larger in magnitude than ${maxAbs}` : 'not finite'}`);
      out[i] = v;
    }
    return out;
  };

  let description: ModelDescription;
  try {
    description = parseModelDescription(metaJson('model'));
  } catch (err) {
    if (err instanceof ModelDescriptionError) fail(err.message);
    throw err;
  }
  const plan = planModel(description!);
  const weights = new Map<string, Float32Array>();
  for (const p of plan.layers.flatMap(parameterShapes)) weights.set(p.name, read(p.name, 'F32', p.shape, MAX_ABS_WEIGHT) as Float32Array);
  const codeSize = plan.codeSize;

  const result: {
    -readonly [K in keyof Checkpoint]: Checkpoint[K];
  } = { description: description!, weights };
  const clusteringText = metaJson('clustering');
  if (clusteringText !== undefined) {
    const clustering = asObject(clusteringText) ?? fail(`__metadata__.clustering is not an object: ${JSON.stringify(clusteringText).slice(0, 200)}`);
    const k = clustering.k;
    const alpha = clustering.alpha;
    if (!Number.isInteger(k) || (k as number) < 1 || typeof alpha !== 'number' || !(alpha > 0) || !Number.isFinite(alpha))
      fail('__metadata__.clustering needs an integer k >= 1 and a finite alpha > 0');
    result.clustering = {
      k: k as number,
      alpha: alpha as number,
      centroids: read('clustering.centroids', 'F32', [k as number, codeSize], MAX_ABS_WEIGHT) as Float32Array,
    };
  }
  const optimizerText = metaJson('optimizer');
  if (optimizerText !== undefined) {
    const optimizer = asObject(optimizerText) ?? fail(`__metadata__.optimizer is not an object: ${JSON.stringify(optimizerText).slice(0, 200)}`);
    const { step, parameters } = optimizer;
    if (!Number.isInteger(step) || (step as number) < 0 || !Array.isArray(parameters) || !parameters.every((p) => typeof p === 'string'))
      fail('__metadata__.optimizer needs an integer step and a list of parameter names');
    const names = parameters as string[];
    result.optimizer = {
      step: step as number,
      parameters: names,
      m: names.map((p) => read(`optimizer.m.${p}`, 'F32') as Float32Array),
      v: names.map((p) => read(`optimizer.v.${p}`, 'F32') as Float32Array),
    };
  }
  const progressText = metaJson('progress');
  if (progressText !== undefined) {
    const progress = asObject(progressText) ?? fail(`__metadata__.progress is not an object: ${JSON.stringify(progressText).slice(0, 200)}`);
    const counts = (values: unknown[]): boolean => values.every((v) => Number.isInteger(v) && (v as number) >= 0);
    if (progress.stage === 'pretrain' && counts([progress.epochsDone])) result.progress = { stage: 'pretrain', epochsDone: progress.epochsDone as number };
    else if (
      progress.stage === 'finetune' &&
      counts([progress.iteration, progress.batchIndex, progress.pass]) &&
      Array.isArray(progress.history) &&
      progress.history.every((r) => asObject(r) !== undefined)
    )
      result.progress = {
        stage: 'finetune',
        iteration: progress.iteration as number,
        batchIndex: progress.batchIndex as number,
        pass: progress.pass as number,
        history: progress.history as UpdateRecord[],
        previousLabels: clusterIndices(read('progress.previousLabels', 'I32') as Int32Array, result.clustering?.k ?? 0, fail),
      };
    else fail(`__metadata__.progress is not a pre-training or fine-tuning state: ${(metadata.progress as string).slice(0, 200)}`);
  }
  const preprocessing = metaJson('preprocessing');
  if (preprocessing !== undefined) result.preprocessing = (asObject(preprocessing) as JsonObject) ?? fail('__metadata__.preprocessing is not a JSON object');
  const settings = metaJson('settings');
  if (settings !== undefined) result.settings = (asObject(settings) as JsonObject) ?? fail('__metadata__.settings is not a JSON object');
  return result;
}

/** The fine-tuning state's cluster per record: -1 (none yet) or an index below k. */
function clusterIndices(labels: Int32Array, k: number, fail: (problem: string) => never): Int32Array {
  const bad = labels.findIndex((c) => c < -1 || c >= k);
  if (bad >= 0) fail(`tensor progress.previousLabels [${bad}] = ${labels[bad]}: not -1 (none yet) or a cluster index below k = ${k}`);
  return labels;
}

/** Writes the checkpoint through the host's file system, whole or not at all (`FileSystem.writeAtomic`). */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  await host().files.writeAtomic(path, encodeCheckpoint(checkpoint));
}

/** Largest checkpoint read (2 GiB, the data layer's bound on a file read whole); a larger file is not one this program wrote. */
const MAX_CHECKPOINT_BYTES = 2 ** 31;

/** Reads and checks a checkpoint file through the host's file system; a path that is not a readable regular file is a CheckpointError. */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  const files = host().files;
  const refuse = (problem: string): never => {
    throw new CheckpointError(path, `cannot be read: ${problem}`);
  };
  let info: PathInfo;
  try {
    info = await files.stat(path);
  } catch (err) {
    if (err instanceof FileAccessError) return refuse(err.problem);
    throw err;
  }
  if (info.kind !== 'file') refuse(`${info.what}, not a data file`);
  if (info.size > MAX_CHECKPOINT_BYTES) refuse(`larger than the ${MAX_CHECKPOINT_BYTES} bytes a file may have to be read whole`);
  const file = await files.open(path);
  let bytes: Uint8Array;
  try {
    bytes = await file.read(0, file.size);
  } finally {
    await file.close();
  }
  return decodeCheckpoint(bytes, path);
}

/** The trained objects of a checkpoint, on `backend`: the autoencoder and, when saved, the clustering layer. */
export function restoreModel(checkpoint: Checkpoint, options: { backend?: Backend } = {}): { model: Autoencoder; clustering: ClusteringLayer | null } {
  const model = new Autoencoder(checkpoint.description, { seed: 0, ...(options.backend && { backend: options.backend }) });
  model.setWeights(checkpoint.weights);
  const c = checkpoint.clustering;
  const clustering = c ? new ClusteringLayer(c.centroids, c.k, model.codeSize, { alpha: c.alpha, backend: model.backend }) : null;
  return { model, clustering };
}

/** Where and how often training writes checkpoints. */
export interface CheckpointTarget {
  readonly path: string;
  /** Pre-training: every this many epochs; fine-tuning: every this many target updates. Default 1. The end of training always writes one. */
  readonly every?: number;
  readonly preprocessing?: JsonObject;
  /** Recorded with the stage's own resolved settings. */
  readonly settings?: JsonObject;
}

/** The live training objects as a host checkpoint (device readback of the parameters and the optimiser's moments). */
export async function captureCheckpoint(parts: {
  model: Autoencoder;
  clustering?: ClusteringLayer | null;
  optimizer?: AdamState;
  progress?: PretrainProgress | FineTuneProgress;
  preprocessing?: JsonObject;
  settings?: JsonObject;
}): Promise<Checkpoint> {
  const weights = new Map<string, Float32Array>();
  for (const [name, values] of await parts.model.weights()) weights.set(name, f32(values));
  const c = parts.clustering;
  return {
    description: parts.model.description,
    weights,
    ...(c && { clustering: { k: c.k, alpha: c.alpha, centroids: f32(await c.centroidValues()) } }),
    ...(parts.optimizer && { optimizer: parts.optimizer }),
    ...(parts.progress && { progress: parts.progress }),
    ...(parts.preprocessing && { preprocessing: parts.preprocessing }),
    ...(parts.settings && { settings: parts.settings }),
  };
}
