/**
 * The per-record chain of `prepare` (steps 2-5 of prepare.ts's comment): one
 * vertical-component trace at its own rate, with the pick its input gave if
 * any, becomes one prepared row — resampled to 100 Hz, picked, preprocessed,
 * cut to the task's input at the pick, with its SNR. A record that cannot be
 * prepared throws a RecordProblem, which prepare.ts skips or turns into a
 * DataError.
 */
import type { Task } from './dataset.js';
import { inputWindow, type Preparation } from './preparation.js';
import { pickP } from './signal/picker.js';
import { preprocess } from './signal/preprocess.js';
import { TARGET_RATE_HZ, mapSampleIndex, resample } from './signal/resample.js';
import { snr } from './signal/snr.js';
import { pWindow, spectrogram } from './signal/spectrogram.js';

/** Which P picks to use (step 3 of prepare.ts's comment). Absent: given picks, else STA/LTA. */
export type PickPolicy = 'given' | 'estimate';

/** Why a record was left out. */
export type SkipReason = 'unreadable' | 'no P pick' | 'pick outside trace' | 'window past the edge' | 'all zeros' | 'preprocessing failed';

export interface PickSourceCounts {
  /** Analyst or catalogue picks given in the file or the manifest. */
  pick: number;
  /** The manifest's `p_arrival_sample_estimated`. */
  estimated: number;
  /** Picked here by STA/LTA + AIC. */
  staLta: number;
}

export type PickSource = keyof PickSourceCounts;

/** One vertical-component trace before preprocessing. */
export interface RawRecord {
  id: string;
  /** The file (or `manifest:line`) DataErrors name. */
  file: string;
  /** The trace inside a file of several, prefixed to DataError fields. */
  trace?: string;
  samples: Float64Array;
  samplingRate: number;
  /** A pick given by the input, at `samplingRate`; `field` is where it was read from. */
  pick?: { sample: number; source: 'pick' | 'estimated'; field: string };
  label?: string;
  /** Grouping values (manifest columns, or network and station from the file's header). */
  groups?: Record<string, string>;
}

/** What every record is prepared for: the task, the preparation's choices and the pick policy. */
export interface RecordChoices {
  task: Task;
  preparation: Preparation;
  picks: PickPolicy | undefined;
}

/** A record-level problem: skipped, or turned into a DataError with onError 'fail'. */
export class RecordProblem extends Error {
  constructor(
    readonly reason: SkipReason,
    readonly field: string,
    readonly value: unknown,
    problem: string,
  ) {
    super(problem);
  }
}

/** Steps 2-5 of prepare.ts's comment for one record; throws RecordProblem for a record that cannot be prepared. */
export function prepareRecord(record: RawRecord, context: RecordChoices): { input: Float32Array; snr: number | undefined; pickSource: PickSource } {
  const { samples } = record;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    low = Math.min(low, samples[i]!);
    high = Math.max(high, samples[i]!);
  }
  if (low === high) throw new RecordProblem('all zeros', 'samples', low, 'the trace is constant: nothing is left after demeaning');

  const given = context.picks === 'estimate' ? undefined : record.pick;
  if (given === undefined && context.picks === 'given') {
    throw new RecordProblem('no P pick', 'P pick', '', "none given, and picks: 'given' does not run the STA/LTA picker");
  }
  if (given !== undefined && !(given.sample >= 0 && given.sample <= samples.length - 1)) {
    throw new RecordProblem('pick outside trace', given.field, given.sample, `pick outside the trace of ${samples.length} samples`);
  }
  const rate = nominalRate(record.samplingRate, samples.length);
  let x100: Float64Array;
  try {
    x100 = rate === TARGET_RATE_HZ ? samples : resample(samples, rate, TARGET_RATE_HZ);
  } catch (error) {
    throw new RecordProblem('preprocessing failed', 'sampling rate', rate, error instanceof Error ? error.message : String(error));
  }
  let pick: number;
  let pickSource: PickSource;
  if (given !== undefined) {
    pick = Math.round(mapSampleIndex(given.sample, rate, TARGET_RATE_HZ));
    pickSource = given.source;
  } else {
    const found = pickP(x100, TARGET_RATE_HZ);
    if (found === undefined) throw new RecordProblem('no P pick', 'P pick', '', 'none given, and STA/LTA found no onset');
    pick = found;
    pickSource = 'staLta';
  }

  const { preP, length } = inputWindow(context.preparation, context.task);
  const start = pick - preP;
  if (start < 0 || start + length > x100.length) {
    const problem = `the input window (samples ${start}..${start + length - 1}) runs past the trace's ${x100.length} samples at 100 Hz`;
    throw new RecordProblem('window past the edge', 'P pick (100 Hz sample)', pick, problem);
  }

  let prepared: Float64Array;
  try {
    prepared = preprocess(x100, TARGET_RATE_HZ, { ...context.preparation.preprocess, targetRateHz: null }, record.id).samples;
  } catch (error) {
    throw new RecordProblem('preprocessing failed', 'samples', '', error instanceof Error ? error.message : String(error));
  }
  let peak = 0;
  for (let i = start; i < start + length; i++) peak = Math.max(peak, Math.abs(prepared[i]!));
  if (!(peak > 0)) {
    const problem = `the input window (samples ${start}..${start + length - 1}) is all zeros after preprocessing`;
    throw new RecordProblem('all zeros', 'P pick (100 Hz sample)', pick, problem);
  }

  const input =
    context.task === 'A'
      ? spectrogram(prepared, pick, { ...context.preparation.spectrogram, record: record.id })
      : pWindow(prepared, pick, { ...context.preparation.pWindow, record: record.id });
  let ratio: number | undefined;
  try {
    ratio = snr(prepared, pick, TARGET_RATE_HZ, {}, record.id).snr;
  } catch {
    // snr() throws only where its noise or signal window does not fit in the trace
    // or the noise is all zeros: the row keeps a null SNR.
    ratio = undefined;
  }
  return { input, snr: ratio, pickSource };
}

/**
 * The nominal rate behind a file's rate: SAC stores 1/delta as float32 and
 * clocks drift, so a 40 Hz file can say 40.000005 Hz, which no resampling
 * ratio of sensible size matches. The coarsest decimal rounding that moves
 * the trace's last sample by at most half a sample is the rate used (the
 * tolerance the manifest reader allows between a manifest and its files).
 */
function nominalRate(rate: number, length: number): number {
  for (let scale = 1; scale <= 1e6; scale *= 10) {
    const nominal = Math.round(rate * scale) / scale;
    if (nominal > 0 && Math.abs(rate - nominal) * length <= 0.5 * nominal) return nominal;
  }
  return rate;
}
