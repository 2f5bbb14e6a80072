/**
 * Views of one detection: the record cut with the pick where the checkpoint's
 * records had their P, and cut again with the pick moved by whole steps up to
 * a span either side, each view prepared and classified, and the soft
 * assignments combined by their geometric mean (the mean of log q,
 * normalised to sum to 1).
 *
 * Why: one cut is one draw of where the input window falls around P, and a
 * picked onset is rarely the true one. A view whose window holds mostly noise
 * before P, or mostly coda after it, is less sure of its cluster and weighs
 * less in the geometric mean; the views that agree decide. On synthetic days
 * (seeds 1 and 7, two checkpoints) views 4 s either side in 0.5 s steps
 * raised the accuracy of the detected events by 0.7 to 1.2 points; 8 s
 * either side lost it again, views on one side only gained less or lost
 * (README, "A live stream").
 */
import type { ClusteringLayer } from '../cluster/clustering.js';
import { predict } from '../cluster/predict.js';
import type { Task } from '../data/dataset.js';
import type { RawRecord } from '../data/prepare-record.js';
import type { RecordSpan } from '../data/stream-channel.js';
import type { Autoencoder } from '../model/autoencoder.js';
import { OptionError } from './errors.js';

/** Views at the pick and at every multiple of `stepSeconds` up to `shiftSeconds` before and after it; `shiftSeconds` 0 is the record at the pick alone. */
export interface ViewShifts {
  readonly shiftSeconds: number;
  readonly stepSeconds: number;
}

/** Task A's views: 4 s either side of the pick in 0.5 s steps (measured on synthetic days, README "A live stream"). */
export const DEFAULT_VIEW_SHIFTS: ViewShifts = Object.freeze({ shiftSeconds: 4, stepSeconds: 0.5 });

/**
 * The views a checkpoint's task gets unless told otherwise. Task B's input is a P window a fraction of a
 * second long: moved by one 0.5 s step it no longer holds the first motion, and no views were measured for it,
 * so a polarity checkpoint classifies the record at the pick alone.
 */
export function defaultViewShifts(task: Task): ViewShifts {
  return task === 'A' ? DEFAULT_VIEW_SHIFTS : { shiftSeconds: 0, stepSeconds: DEFAULT_VIEW_SHIFTS.stepSeconds };
}

/** The least q a view gives a cluster in the mean of logs: float32 can round a far cluster's q to 0, whose log would make every mean -Infinity. */
const Q_FLOOR = 1e-12;

/** More views than this per detection is a typing slip, not a choice (each view is a whole record through the encoder). */
const MAX_VIEWS = 201;

/** The views' moves of the pick, in samples at `samplingRate`: 0 first, then -1, +1, -2, +2 steps, and so on. */
export function viewOffsets(views: ViewShifts, samplingRate: number): number[] {
  checkViews(views);
  const steps = stepsEachSide(views);
  const offsets = [0];
  for (let i = 1; i <= steps; i++) {
    const samples = Math.round(i * views.stepSeconds * samplingRate);
    offsets.push(-samples, samples);
  }
  return offsets;
}

/** The record the channel must cut so that every view fits in it: the span widened by the shift on both sides. */
export function widenedSpan(span: RecordSpan, views: ViewShifts): RecordSpan {
  checkViews(views);
  return { beforeSeconds: span.beforeSeconds + views.shiftSeconds, afterSeconds: span.afterSeconds + views.shiftSeconds };
}

/**
 * The view of a widened record (its pick at `record.pick.sample`) with the pick moved by `offset` samples:
 * `before` samples before the moved pick and `after` after it, the moved pick given as the view's pick.
 */
export function cutView(record: RawRecord, before: number, after: number, offset: number): RawRecord {
  const pick = record.pick;
  if (pick === undefined) throw new Error(`${record.id}: a record without a pick has no views`);
  const from = pick.sample + offset - before;
  const to = pick.sample + offset + after;
  if (from < 0 || to > record.samples.length)
    throw new Error(`${record.id}: the view ${offset} samples from the pick reaches past the record (${from}..${to} of ${record.samples.length})`);
  return { ...record, samples: record.samples.slice(from, to), pick: { ...pick, sample: before } };
}

/**
 * The views of a widened record that fit in it, in the order of `offsets` (the view at the pick first). The channel
 * rounds the widened span's seconds to samples once and each view rounds its own, so at some rates the outermost
 * view can fall a sample past the record's end; such a view is left out, and the one at the pick always fits.
 */
export function cutViews(record: RawRecord, before: number, after: number, offsets: readonly number[]): RawRecord[] {
  const pick = record.pick?.sample ?? 0;
  return offsets
    .filter((offset) => pick + offset - before >= 0 && pick + offset + after <= record.samples.length)
    .map((offset) => cutView(record, before, after, offset));
}

/** The geometric mean of the views' soft assignments (`q` holds `views` rows of `k`), normalised to sum to 1. */
export function combineViews(q: ArrayLike<number>, views: number, k: number): number[] {
  if (q.length !== views * k) throw new Error(`combineViews: ${q.length} values are not ${views} views of ${k} clusters`);
  const logMean = new Array<number>(k).fill(0);
  for (let v = 0; v < views; v++) {
    for (let j = 0; j < k; j++) logMean[j]! += Math.log(Math.max(q[v * k + j]!, Q_FLOOR)) / views;
  }
  const top = Math.max(...logMean);
  const weights = logMean.map((l) => Math.exp(l - top));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

/** The views' prepared inputs through the encoder and the clustering layer in one batch: the combined q and its largest cluster. */
export async function classifyViews(
  model: Autoencoder,
  clustering: ClusteringLayer,
  inputs: readonly Float32Array[],
): Promise<{ q: number[]; cluster: number }> {
  const size = inputs[0]!.length;
  const batch = new Float32Array(size * inputs.length);
  inputs.forEach((input, i) => batch.set(input, i * size));
  const q = combineViews((await predict(model, clustering, batch)).q, inputs.length, clustering.k);
  return { q, cluster: q.indexOf(Math.max(...q)) };
}

function checkViews(views: ViewShifts): void {
  if (!(Number.isFinite(views.shiftSeconds) && views.shiftSeconds >= 0))
    throw new OptionError(`the views' shift must be 0 or more seconds, got ${views.shiftSeconds}`);
  if (!(Number.isFinite(views.stepSeconds) && views.stepSeconds > 0))
    throw new OptionError(`the views' step must be above 0 seconds, got ${views.stepSeconds}`);
  const count = 2 * stepsEachSide(views) + 1;
  if (count > MAX_VIEWS)
    throw new OptionError(`a shift of ${views.shiftSeconds} s in steps of ${views.stepSeconds} s makes ${count} views a detection; at most ${MAX_VIEWS}`);
}

/** Whole steps that fit in the shift; the tolerance keeps a shift that is a whole number of steps whole in floating point (0.3 / 0.1 is 2.9999999999999996). */
function stepsEachSide(views: ViewShifts): number {
  return Math.floor(views.shiftSeconds / views.stepSeconds + 1e-9);
}
