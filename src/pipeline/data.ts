/** A data set as the pipeline sees it, and the records of a subset or permutation of it. */
import type { JsonObject } from '../cluster/training.js';
import type { Provenance } from '../report/html.js';
import { Rng } from '../tensor/random.js';

export interface PipelineData {
  task: 'A' | 'B';
  /** A name for titles, e.g. "synthetic task A" or a file name. */
  name: string;
  inputs: Float32Array;
  inputShape: readonly number[];
  /** Classes for evaluation only (never used in training); -1 = unknown. */
  labels?: Int32Array;
  classNames?: readonly string[];
  /** SNR per record (null = unknown), for accuracy per SNR bin. */
  snr?: ArrayLike<number | null>;
  /** Raw time series (one row per record), for the raw t-SNE map and the k-means-on-raw baseline. */
  raw?: { values: Float32Array; length: number };
  /** Grouping columns (data set, event, network, station, ...): column -> one value per record, null where unknown. */
  groups?: Readonly<Record<string, readonly (string | null)[]>>;
  provenance: Provenance;
  preprocessing: JsonObject;
}

/** Values per record. */
export function recordSize(data: Pick<PipelineData, 'inputShape'>): number {
  return data.inputShape.reduce((a, b) => a * b, 1);
}

/** The records at `order` (a permutation, or a subset), every per-record array taken alike. */
export function selectRecords(data: PipelineData, order: Int32Array): PipelineData {
  const size = recordSize(data);
  const take = <T extends Float32Array | Int32Array>(src: T, width: number): T => {
    const out = new (src.constructor as new (n: number) => T)(order.length * width);
    order.forEach((from, to) => out.set(src.subarray(from * width, (from + 1) * width), to * width));
    return out;
  };
  return {
    ...data,
    inputs: take(data.inputs, size),
    ...(data.labels && { labels: take(data.labels, 1) }),
    ...(data.snr && { snr: Array.from(order, (i) => data.snr![i] ?? null) }),
    ...(data.raw && { raw: { values: take(data.raw.values, data.raw.length), length: data.raw.length } }),
    ...(data.groups && { groups: Object.fromEntries(Object.entries(data.groups).map(([c, v]) => [c, Array.from(order, (i) => v[i] ?? null)])) }),
  };
}

/**
 * The records in the order training sees them: one seeded random permutation
 * (seed + 4) when `permute`, since prepared sets are often sorted by class,
 * else as given. `order[i]` is the given index of record i; null: as given.
 */
export function trainingOrder(given: PipelineData, s: { readonly seed: number; readonly permute: boolean }): { data: PipelineData; order: Int32Array | null } {
  if (!s.permute) return { data: given, order: null };
  const order = new Rng(s.seed + 4).permutation(given.inputs.length / recordSize(given));
  return { data: selectRecords(given, order), order };
}
