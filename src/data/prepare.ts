/**
 * The `prepare` step: seismograms on disk to a prepared data set (dataset.ts)
 * of task A spectrograms or task B P windows.
 *
 * Inputs are either one manifest CSV (the format of
 * `../shared/data/real/<task>/manifest.csv`; the only source of labels) or
 * any mix of seismogram files and folders (recursed; in a folder, files that
 * are recognised as no seismogram format, such as a README or a CSV, are
 * passed over). Per record, one at a time:
 *
 *   1. the vertical component at its own rate (see "Formats" below; a
 *      drifting file rate such as SAC's 40.000005 Hz is read as its nominal
 *      rate, see `nominalRate`);
 *   2. resampled to 100 Hz (the first step of `preprocess`, done here first
 *      so that the STA/LTA picker sees the trace where its accuracy was
 *      measured: at 100 Hz, before taper and band-pass);
 *   3. the P pick: with the default policy the analyst's pick (SAC `a` or a
 *      `t0..t9` marked P, npz `itp`, HDF5 `p_arrival_sample`, the manifest's
 *      `p_arrival_sample`), else the manifest's `p_arrival_sample_estimated`,
 *      else STA/LTA + AIC (`pickP`). `picks: 'given'` never runs the picker
 *      (records with no pick are skipped); `picks: 'estimate'` ignores given
 *      picks and runs it on every record. A given pick is mapped to 100 Hz
 *      with `mapSampleIndex`;
 *   4. the rest of the preprocessing (demean, detrend, taper, band-pass,
 *      normalisation);
 *   5. `spectrogram` (A) or `pWindow` (B) at the pick, and `snr` (null where
 *      its windows do not fit in the trace).
 * Steps 4 and 5 follow `options.preset` (preparation.ts: 'default', or
 * 'paper' for the paper's choices), with single choices overridden by
 * `options.preprocess`, `options.spectrogram` and `options.pWindow`; the
 * header records the result.
 *
 * A record that cannot be prepared (no pick, a pick outside the trace, a
 * window that runs past either end of the trace, a trace or window of all
 * zeros, a failed preprocessing step, an unreadable file or trace) is skipped and listed in the summary with its
 * reason, or with `onError: 'fail'` stops the run with a DataError naming the
 * file, the field and the value. The networks' windows are not zero-padded
 * here (the signal functions would pad silently): a padded window is an input
 * unlike the others. Some problems are never skipped, because they are not
 * about one record: a manifest that contradicts its files (the manifest
 * reader's errors), a bare array with no sampling rate and no
 * `options.samplingRate`, bad options.
 *
 * Formats of plain files (labels come only from manifests: a file's own
 * metadata, e.g. STEAD's `trace_category`, is never turned into a label):
 * - SAC: the file is the trace; pick from `a` (unless `ka` names another
 *   phase) or the first `t0..t9` whose `kt<n>` starts with "P".
 * - miniSEED: every trace whose channel ends in Z (all traces if none does);
 *   each continuous segment is a record, and the gaps between segments are
 *   reported in the summary.
 * - npz (PhaseNet): `data` (samples, or samples x components; the vertical is
 *   the column whose name in `channels` ends in Z, else column 2 of 3), pick
 *   `itp`. npz files carry no sampling rate: `options.samplingRate`.
 * - npy: one trace (L) or traces x samples (N x L), no picks, no sampling
 *   rate: `options.samplingRate`.
 * - HDF5, STEAD layout: one dataset per trace (vertical: the Z of
 *   `component_order`, else column 2 of 3), pick from the `p_arrival_sample`
 *   attribute; SeisBench layout: the traces its `metadata.csv` lists, pick
 *   from `trace_p_arrival_sample`. The rate is the file's, else
 *   `options.samplingRate`.
 * `options.samplingRate` never overrides a rate the file gives.
 *
 * Memory: one record's waveform (and the file it came from) at a time, plus
 * per row its id, label and SNR, so 100,000 records stream. Because the data
 * set header is fixed when its writer is created and the pick-source counts
 * are known only at the end, prepared rows are first staged in a scratch file
 * beside `out` (3 KB a row for task A) and copied into the data set once all
 * records are done. Any failure removes the scratch file and the writer's
 * partial file: `out` appears complete or not at all.
 */
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { tempPathFor } from '../node/atomic.js';
import { DatasetWriter, type DatasetMeta, type DatasetRow, type JsonValue, type Task } from './dataset.js';
import { DataError } from '../common/errors.js';
import { manifestGroupColumns, manifestGroups } from './groups.js';
import {
  detectFormat,
  iterateManifestTraces,
  iterateSeisBenchTraces,
  npyToFloat64,
  openHdf5,
  readManifest,
  readMiniSeed,
  readNpy,
  readNpz,
  readSac,
  type Hdf5Trace,
  type Hdf5Waveforms,
  type MiniSeedGap,
  type NpyArray,
  type NpyNumericArray,
  type SacTrace,
  type SeisBenchTrace,
} from './readers/index.js';
import { PICKER_DEFAULTS, pickP } from './signal/picker.js';
import {
  PAPER_PREPARATION,
  inputWindow,
  preparationRecord,
  resolvePreparation,
  type Preparation,
  type PreparationOverrides,
  type PresetName,
} from './preparation.js';
import { preprocess } from './signal/preprocess.js';
import { DEFAULT_RESAMPLE, TARGET_RATE_HZ, mapSampleIndex, resample } from './signal/resample.js';
import { SNR_WINDOWS, snr } from './signal/snr.js';
import { P_WINDOW, SPECTROGRAM, pWindow, spectrogram } from './signal/spectrogram.js';
import { TASK_A_CLASSES, TASK_B_CLASSES, syntheticTaskA, syntheticTaskB } from './synthetic.js';

/** Which P picks to use: see the file comment. Absent: given picks, else STA/LTA. */
export type PickPolicy = 'given' | 'estimate';

export interface PrepareOptions extends PreparationOverrides {
  task: Task;
  /** One manifest `.csv`, or seismogram files and folders (recursed). */
  inputs: string[];
  /** The data set file to write (its folder is created if missing). */
  out: string;
  /** The choices to start from (default 'default'); `preprocess`, `spectrogram` and `pWindow` override single ones ('preprocess.targetRateHz' must stay 100, the rate the networks' inputs are defined at). */
  preset?: PresetName;
  /** Sampling rate (Hz) of files that carry none (npy, npz, HDF5 without a rate); never overrides a file's own. */
  samplingRate?: number;
  picks?: PickPolicy;
  /** 'skip' (default): list records that cannot be prepared in the summary; 'fail': throw a DataError at the first. */
  onError?: 'skip' | 'fail';
  /** Called after each record; `total` is known for manifests only (a file may hold any number of records). */
  onProgress?: (done: number, total?: number) => void;
  /** Manifest columns to carry as groupings besides `dataset`, `event_id`, `network` and `station`. */
  groupBy?: readonly string[];
}

/** Why a record was left out. */
export type SkipReason = 'unreadable' | 'no P pick' | 'pick outside trace' | 'window past the edge' | 'all zeros' | 'preprocessing failed';

export interface SkippedRecord {
  /** The record's id (manifest trace id, or file path with `#trace` for files of several traces). */
  id: string;
  reason: SkipReason;
  /** The full explanation (file, field, value, problem). */
  detail: string;
}

/** A gap (or, with negative `seconds`, an overlap) between two segments of a miniSEED trace. */
export interface PrepareGap extends MiniSeedGap {
  /** `file#NET.STA.LOC.CHA` */
  id: string;
}

export interface PickSourceCounts {
  /** Analyst or catalogue picks given in the file or the manifest. */
  pick: number;
  /** The manifest's `p_arrival_sample_estimated`. */
  estimated: number;
  /** Picked here by STA/LTA + AIC. */
  staLta: number;
}

export interface PrepareSummary {
  /** Rows written. */
  rows: number;
  skipped: SkippedRecord[];
  /** Rows written per label (unlabelled rows are not counted). */
  labelCounts: Record<string, number>;
  /** Where the P pick of each written row came from. */
  pickSources: PickSourceCounts;
  gaps: PrepareGap[];
  out: string;
  /** Wall-clock time of the whole step. */
  seconds: number;
}

export interface PrepareSyntheticOptions {
  task: Task;
  /** Number of records (the generators' defaults: 9,200 for A, 10,000 for B). */
  n?: number;
  seed?: number;
  out: string;
}

/** Rows per `DatasetWriter.append` and per staging read. */
const CHUNK_ROWS = 256;

/* ------------------------------------------------------------ the records */

type PickSource = keyof PickSourceCounts;

/** One vertical-component trace before preprocessing. */
interface RawRecord {
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

type Item = { kind: 'record'; record: RawRecord } | { kind: 'unreadable'; id: string; error: DataError };

/** A record-level problem: skipped, or turned into a DataError with onError 'fail'. */
class RecordProblem extends Error {
  constructor(
    readonly reason: SkipReason,
    readonly field: string,
    readonly value: unknown,
    problem: string,
  ) {
    super(problem);
  }
}

interface Context {
  task: Task;
  preparation: Preparation;
  picks: PickPolicy | undefined;
  samplingRate: number | undefined;
  gaps: PrepareGap[];
}

/* -------------------------------------------------------------- public API */

/** Prepares a data set from seismograms; see the file comment. */
export async function prepareDataset(options: PrepareOptions): Promise<PrepareSummary> {
  const started = performance.now();
  const preparation = checkOptions(options);
  const context: Context = { task: options.task, preparation, picks: options.picks, samplingRate: options.samplingRate, gaps: [] };
  const manifest = manifestInput(options.inputs);
  const total = manifest === undefined ? undefined : (await readManifest(manifest)).length;
  if (manifest === undefined && (options.groupBy?.length ?? 0) > 0) {
    throw new DataError(options.inputs.join(', '), 'group-by', options.groupBy!.join(','), 'grouping columns come from a manifest CSV');
  }
  const items =
    manifest === undefined
      ? fileItems(await collectFiles(options.inputs), context)
      : manifestItems(manifest, await manifestGroupColumns(manifest, options.groupBy ?? []));

  await mkdir(dirname(options.out), { recursive: true });
  const staging = await RowStaging.create(options.out, options.task === 'A' ? SPECTROGRAM.bins * SPECTROGRAM.frames : P_WINDOW.length);
  try {
    const skipped: SkippedRecord[] = [];
    const pickSources: PickSourceCounts = { pick: 0, estimated: 0, staLta: 0 };
    const labelCounts: Record<string, number> = {};
    let done = 0;
    for await (const item of items) {
      if (item.kind === 'unreadable') {
        if (options.onError === 'fail') throw item.error;
        skipped.push({ id: item.id, reason: 'unreadable', detail: item.error.message });
      } else {
        const { record } = item;
        try {
          const row = prepareRecord(record, context);
          await staging.add(row.input, { sourceId: record.id, label: record.label, snr: row.snr, groups: record.groups });
          pickSources[row.pickSource]++;
          if (record.label !== undefined) labelCounts[record.label] = (labelCounts[record.label] ?? 0) + 1;
        } catch (error) {
          if (!(error instanceof RecordProblem)) throw error;
          const field = record.trace === undefined ? error.field : `${record.trace}: ${error.field}`;
          const dataError = new DataError(record.file, field, error.value, error.message);
          if (options.onError === 'fail') throw dataError;
          skipped.push({ id: record.id, reason: error.reason, detail: dataError.message });
        }
      }
      done++;
      options.onProgress?.(done, total);
    }
    if (staging.rows === 0) {
      const reasons = countBy(skipped.map((s) => s.reason));
      const listed = Object.entries(reasons).map(([reason, n]) => `${reason}: ${n}`);
      const why = done === 0 ? 'no records found' : `all ${done} skipped (${listed.join(', ')})`;
      throw new DataError(options.inputs.join(', '), 'inputs', options.inputs.length, `no record could be prepared: ${why}`);
    }
    const meta = datasetMeta(options.task, preparation, {
      source: manifest === undefined ? 'files' : 'manifest',
      inputs: options.inputs,
      preset: options.preset ?? 'default',
      ...preprocessingRecord(options.task, preparation, pickSources),
      picks: options.picks === 'given' ? 'given only' : options.picks === 'estimate' ? 'STA/LTA only' : 'given, else STA/LTA',
      picker: {
        ...PICKER_DEFAULTS,
        bandpass: PICKER_DEFAULTS.bandpass && { ...PICKER_DEFAULTS.bandpass },
        aic: PICKER_DEFAULTS.aic && { ...PICKER_DEFAULTS.aic },
      },
      skipped: countBy(skipped.map((s) => s.reason)),
    });
    await staging.copyInto(options.out, meta);
    return {
      rows: staging.rows,
      skipped,
      labelCounts,
      pickSources,
      gaps: context.gaps,
      out: options.out,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await staging.discard();
  }
}

/**
 * Writes a synthetic set (syntheticTaskA/B; labels and SNR included) through
 * the same writer, so that `train` runs on the embedded default the way it
 * runs on real data. The generators cut every window at their own P onset,
 * which the summary counts as given picks.
 */
export async function prepareSynthetic(options: PrepareSyntheticOptions): Promise<PrepareSummary> {
  const started = performance.now();
  const generator = options.task === 'A' ? syntheticTaskA : syntheticTaskB;
  const classes: readonly string[] = options.task === 'A' ? TASK_A_CLASSES : TASK_B_CLASSES;
  const set = generator({ n: options.n, seed: options.seed });
  const rowSize = set.inputs.length / set.n;
  const meta = datasetMeta(options.task, PAPER_PREPARATION, {
    source: 'synthetic',
    generator: options.task === 'A' ? 'syntheticTaskA' : 'syntheticTaskB',
    n: set.n,
    seed: options.seed ?? 0,
    preset: 'paper',
    ...preprocessingRecord(options.task, PAPER_PREPARATION, { pick: set.n, estimated: 0, staLta: 0 }),
    picks: options.task === 'A' ? "the generator's P onset" : "the generator's P onset plus an analyst-like error (1.5 samples s.d.)",
  });
  await mkdir(dirname(options.out), { recursive: true });
  const writer = await DatasetWriter.create(options.out, meta);
  const labelCounts: Record<string, number> = {};
  try {
    for (let start = 0; start < set.n; start += CHUNK_ROWS) {
      const rows: DatasetRow[] = [];
      for (let r = start; r < Math.min(set.n, start + CHUNK_ROWS); r++) {
        const label = classes[set.labels[r]!]!;
        labelCounts[label] = (labelCounts[label] ?? 0) + 1;
        const input = set.inputs.subarray(r * rowSize, (r + 1) * rowSize);
        rows.push({ input, sourceId: `synthetic-${options.task}#${r}`, label, snr: set.snr[r]! });
      }
      await writer.append(rows);
    }
    await writer.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return {
    rows: set.n,
    skipped: [],
    labelCounts,
    pickSources: { pick: set.n, estimated: 0, staLta: 0 },
    gaps: [],
    out: options.out,
    seconds: (performance.now() - started) / 1000,
  };
}

/* ------------------------------------------------------- options and meta */

/** Rejects options that would fail every record, before any work; returns the full preparation. */
function checkOptions(options: PrepareOptions): Preparation {
  const where = 'prepare options';
  if (options.inputs.length === 0) throw new DataError(where, 'inputs', 0, 'name a manifest .csv or seismogram files or folders');
  const overrides: PreparationOverrides = {
    ...(options.preprocess && { preprocess: options.preprocess }),
    ...(options.spectrogram && { spectrogram: options.spectrogram }),
    ...(options.pWindow && { pWindow: options.pWindow }),
  };
  const preparation = resolvePreparation(options.preset ?? 'default', overrides, where);
  if (options.samplingRate !== undefined && !(options.samplingRate > 0 && Number.isFinite(options.samplingRate))) {
    throw new DataError(where, 'samplingRate', options.samplingRate, 'must be a positive number of Hz');
  }
  return preparation;
}

function datasetMeta(task: Task, preparation: Preparation, preprocessing: { [key: string]: JsonValue }): DatasetMeta {
  const { preP, length } = inputWindow(preparation, task);
  return {
    task,
    inputShape: task === 'A' ? [SPECTROGRAM.bins, SPECTROGRAM.frames] : [P_WINDOW.length],
    samplingRate: TARGET_RATE_HZ,
    window: { startFromP: -preP, length },
    preprocessing,
  };
}

/** What the header records about how every row was made, real or synthetic. */
function preprocessingRecord(task: Task, preparation: Preparation, counts: PickSourceCounts): { [key: string]: JsonValue } {
  return {
    ...(preparationRecord(preparation, task) as { [key: string]: JsonValue }),
    resample: { ...DEFAULT_RESAMPLE },
    pickSources: { ...counts },
    snr: { ...SNR_WINDOWS },
  };
}

function countBy(values: string[]): { [key: string]: number } {
  const counts: { [key: string]: number } = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/* ---------------------------------------------------------- one record */

/** Steps 2-5 of the file comment for one record; throws RecordProblem for a record that cannot be prepared. */
function prepareRecord(record: RawRecord, context: Context): { input: Float32Array; snr: number | undefined; pickSource: PickSource } {
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

/* ---------------------------------------------------------------- inputs */

/** The manifest, when the inputs are exactly one `.csv` file. */
function manifestInput(inputs: string[]): string | undefined {
  const csv = inputs.filter((p) => extname(p).toLowerCase() === '.csv');
  if (csv.length === 0) return undefined;
  if (inputs.length > 1) {
    throw new DataError(csv[0]!, 'inputs', inputs.length, 'a manifest must be the only input (it lists every trace itself)');
  }
  return csv[0];
}

async function* manifestItems(manifest: string, groupColumns: readonly string[]): AsyncGenerator<Item> {
  for await (const trace of iterateManifestTraces(manifest)) {
    const record: RawRecord = {
      id: trace.id,
      file: `${manifest}:${trace.meta.line}`,
      samples: trace.samples,
      samplingRate: trace.samplingRate,
    };
    if (trace.pArrivalSample !== undefined && trace.pPickSource !== 'none') {
      const field = trace.pPickSource === 'pick' ? 'p_arrival_sample' : 'p_arrival_sample_estimated';
      record.pick = { sample: trace.pArrivalSample, source: trace.pPickSource, field };
    }
    if (trace.label !== undefined) record.label = trace.label;
    const groups = manifestGroups(trace.meta, groupColumns);
    if (Object.keys(groups).length > 0) record.groups = groups;
    yield { kind: 'record', record };
  }
}

/**
 * The files to read, in a stable order: named files as given, folders
 * recursed in name order, keeping the files recognised as a seismogram format
 * (hidden files are passed over).
 */
async function collectFiles(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && (await isSeismogram(path))) files.push(path);
    }
  };
  for (const input of inputs) {
    let kind: Awaited<ReturnType<typeof stat>>;
    try {
      kind = await stat(input);
    } catch {
      throw new DataError(input, 'inputs', input, 'no such file or folder');
    }
    if (kind.isDirectory()) await walk(input);
    else files.push(input);
  }
  return files;
}

async function isSeismogram(path: string): Promise<boolean> {
  try {
    await detectFormat(path);
    return true;
  } catch (error) {
    if (error instanceof DataError) return false;
    throw error;
  }
}

/** Reader errors mark the file (or trace) unreadable; anything else is not about the data and propagates. */
function unreadable(id: string, error: unknown): Item {
  if (error instanceof DataError) return { kind: 'unreadable', id, error };
  throw error;
}

async function* fileItems(files: string[], context: Context): AsyncGenerator<Item> {
  for (const file of files) {
    let format: Awaited<ReturnType<typeof detectFormat>>;
    try {
      format = await detectFormat(file);
    } catch (error) {
      yield unreadable(file, error);
      continue;
    }
    if (format === 'hdf5') {
      yield* hdf5Items(file, context);
      continue;
    }
    // A missing sampling rate is asked of the caller before reading: it is no fault of the file.
    let read: () => Promise<RawRecord[]>;
    switch (format) {
      case 'sac':
        read = async () => [sacRecord(file, await readSac(file))];
        break;
      case 'mseed':
        read = () => miniSeedRecords(file, context);
        break;
      case 'npz': {
        const rate = requireRate(file, context);
        read = async () => [npzRecord(file, await readNpz(file), rate)];
        break;
      }
      case 'npy': {
        const rate = requireRate(file, context);
        read = async () => npyRecords(file, await readNpy(file), rate);
        break;
      }
    }
    let records: RawRecord[];
    try {
      records = await read();
    } catch (error) {
      yield unreadable(file, error);
      continue;
    }
    for (const record of records) yield { kind: 'record', record };
  }
}

/** `options.samplingRate`, for a file that carries no rate of its own. */
function requireRate(file: string, context: Context): number {
  if (context.samplingRate === undefined) {
    throw new DataError(file, 'sampling rate', '', 'the file carries no sampling rate: give one with --sampling-rate (option samplingRate)');
  }
  return context.samplingRate;
}

/** SAC's pick markers and their phase names. */
const SAC_PICKS = [
  ['t0', 'kt0'],
  ['t1', 'kt1'],
  ['t2', 'kt2'],
  ['t3', 'kt3'],
  ['t4', 'kt4'],
  ['t5', 'kt5'],
  ['t6', 'kt6'],
  ['t7', 'kt7'],
  ['t8', 'kt8'],
  ['t9', 'kt9'],
] as const;

function sacRecord(file: string, sac: SacTrace): RawRecord {
  const record: RawRecord = { id: file, file, samples: sac.samples, samplingRate: sac.samplingRate };
  const { header } = sac;
  const groups = stationGroups(header.knetwk, header.kstnm);
  if (groups !== undefined) record.groups = groups;
  let pick: { time: number; field: string } | undefined;
  if (header.a !== undefined && (header.ka === undefined || header.ka.startsWith('P'))) pick = { time: header.a, field: 'a' };
  for (let n = 0; n < SAC_PICKS.length && pick === undefined; n++) {
    const [timeField, phaseField] = SAC_PICKS[n]!;
    const time = header[timeField];
    if (time !== undefined && header[phaseField]?.startsWith('P')) pick = { time, field: timeField };
  }
  // SAC times are seconds on the file's reference clock; the first sample is at `b`.
  if (pick !== undefined) record.pick = { sample: (pick.time - header.b) * sac.samplingRate, source: 'pick', field: pick.field };
  return record;
}

/** A file header's network and station codes as groupings (blank codes left out). */
function stationGroups(network: string | undefined, station: string | undefined): Record<string, string> | undefined {
  const groups: Record<string, string> = {};
  if (network !== undefined && network.trim() !== '') groups.network = network.trim();
  if (station !== undefined && station.trim() !== '') groups.station = station.trim();
  return Object.keys(groups).length > 0 ? groups : undefined;
}

async function miniSeedRecords(file: string, context: Context): Promise<RawRecord[]> {
  const traces = await readMiniSeed(file);
  const vertical = traces.filter((t) => t.channel.endsWith('Z'));
  const records: RawRecord[] = [];
  for (const trace of vertical.length > 0 ? vertical : traces) {
    for (const gap of trace.gaps) context.gaps.push({ id: `${file}#${trace.id}`, ...gap });
    trace.segments.forEach((segment, k) => {
      const name = trace.segments.length === 1 ? trace.id : `${trace.id}[${k}]`;
      const groups = stationGroups(trace.network, trace.station);
      records.push({ id: `${file}#${name}`, file, trace: name, samples: segment.samples, samplingRate: trace.samplingRate, ...(groups && { groups }) });
    });
  }
  return records;
}

function numericMember(arrays: Map<string, NpyArray>, file: string, name: string): NpyNumericArray | undefined {
  const array = arrays.get(name);
  if (array !== undefined && array.kind !== 'numeric') throw new DataError(file, name, array.dtype, 'not a numeric array');
  return array;
}

function npzRecord(file: string, arrays: Map<string, NpyArray>, samplingRate: number): RawRecord {
  const data = numericMember(arrays, file, 'data');
  if (data === undefined) {
    throw new DataError(file, 'data', '', `a PhaseNet-style npz needs a "data" array (it has ${[...arrays.keys()].join(', ')})`);
  }
  const values = npyToFloat64(data, file, 'data');
  let samples: Float64Array;
  if (data.shape.length === 1) samples = values;
  else if (data.shape.length === 2) {
    const [length, count] = data.shape as [number, number];
    const channels = arrays.get('channels');
    // PhaseNet names the columns in one string, "HHE_HHN_HHZ"; single-channel files name one and pad it into column 2.
    const names = channels?.kind === 'string' && channels.data.length === 1 ? (channels.data[0] as string).split('_') : [];
    let column = names.length === count ? names.findIndex((c) => c.endsWith('Z')) : -1;
    if (column < 0 && count === 3) column = 2;
    if (column < 0 && count === 1) column = 0;
    if (column < 0) {
      throw new DataError(file, 'data shape', data.shape, 'cannot tell which column is vertical (no Z in "channels", not 3 columns)');
    }
    samples = new Float64Array(length);
    for (let i = 0; i < length; i++) samples[i] = values[i * count + column]!;
  } else {
    throw new DataError(file, 'data shape', data.shape, 'expected samples, or samples x components');
  }
  const record: RawRecord = { id: file, file, samples, samplingRate };
  const itp = numericMember(arrays, file, 'itp');
  if (itp !== undefined) {
    const pick = npyToFloat64(itp, file, 'itp');
    if (pick.length !== 1) throw new DataError(file, 'itp shape', itp.shape, 'expected one P sample');
    record.pick = { sample: pick[0]!, source: 'pick', field: 'itp' };
  }
  return record;
}

function npyRecords(file: string, array: NpyArray, samplingRate: number): RawRecord[] {
  if (array.kind !== 'numeric') throw new DataError(file, 'dtype', array.dtype, 'not a numeric array');
  const values = npyToFloat64(array, file, 'array');
  if (array.shape.length === 1) return [{ id: file, file, samples: values, samplingRate }];
  if (array.shape.length !== 2) {
    throw new DataError(file, 'shape', array.shape, 'a bare .npy must hold one trace (L) or traces x samples (N x L)');
  }
  const [count, length] = array.shape as [number, number];
  return Array.from({ length: count }, (_, r) => ({
    id: `${file}[${r}]`,
    file,
    trace: `[${r}]`,
    samples: values.subarray(r * length, (r + 1) * length),
    samplingRate,
  }));
}

/** An HDF5 file's traces, one at a time: a STEAD archive can be far larger than memory. */
async function* hdf5Items(file: string, context: Context): AsyncGenerator<Item> {
  let h5: Hdf5Waveforms;
  let keys: string[];
  try {
    h5 = await openHdf5(file);
  } catch (error) {
    yield unreadable(file, error);
    return;
  }
  try {
    try {
      keys = h5.traceKeys();
      if (keys.length === 0 && h5.bucketNames().length === 0) {
        throw new DataError(file, 'datasets', 0, 'no waveform datasets and no SeisBench buckets');
      }
    } catch (error) {
      yield unreadable(file, error);
      return;
    }
    for (const key of keys) {
      let trace: Hdf5Trace;
      let samples: Float64Array;
      try {
        trace = h5.readTrace(key);
        samples = verticalComponent(trace, file);
      } catch (error) {
        yield unreadable(`${file}#${key}`, error);
        continue;
      }
      const samplingRate = trace.samplingRate ?? requireRate(file, context);
      const record: RawRecord = { id: `${file}#${key}`, file, trace: key, samples, samplingRate };
      const pick = trace.attributes.p_arrival_sample;
      // STEAD writes "None" (a string) where a trace has no pick, e.g. noise records.
      if (typeof pick === 'number') record.pick = { sample: pick, source: 'pick', field: 'p_arrival_sample' };
      yield { kind: 'record', record };
    }
  } finally {
    h5.close();
  }
  // No per-trace datasets: a SeisBench file, whose traces its metadata.csv lists.
  if (keys.length === 0) yield* seisBenchItems(file, context);
}

async function* seisBenchItems(file: string, context: Context): AsyncGenerator<Item> {
  const traces = iterateSeisBenchTraces(join(dirname(file), 'metadata.csv'), file);
  for (;;) {
    let next: IteratorResult<SeisBenchTrace>;
    let samples: Float64Array;
    try {
      next = await traces.next();
      if (next.done) return;
      samples = verticalComponent(next.value, file);
    } catch (error) {
      // The metadata iterator cannot go on after an error: the rest of the file is unreadable.
      yield unreadable(file, error);
      return;
    }
    const trace = next.value;
    const samplingRate = trace.samplingRate ?? requireRate(file, context);
    const record: RawRecord = { id: `${file}#${trace.key}`, file, trace: trace.key, samples, samplingRate };
    const pick = trace.metadata.trace_p_arrival_sample?.trim();
    if (pick) record.pick = { sample: Number(pick), source: 'pick', field: 'trace_p_arrival_sample' };
    yield { kind: 'record', record };
  }
}

/** The Z of `componentOrder`, else column 2 of three (STEAD's E, N, Z), else the only one. */
function verticalComponent(trace: Hdf5Trace, file: string): Float64Array {
  const { components } = trace;
  const z = trace.componentOrder?.indexOf('Z') ?? -1;
  const index = z >= 0 ? z : components.length === 3 ? 2 : components.length === 1 ? 0 : -1;
  const samples = components[index];
  if (samples === undefined) {
    throw new DataError(file, `${trace.key} components`, components.length, 'cannot tell which component is vertical (no component_order)');
  }
  return samples;
}

/* --------------------------------------------------------------- staging */

interface StagedRow {
  sourceId: string;
  label: string | undefined;
  snr: number | undefined;
  groups: Record<string, string> | undefined;
}

/**
 * Prepared rows waiting for the data set header: inputs in a scratch file
 * beside the output (same file system, removed in every case), ids, labels
 * and SNR in memory.
 */
class RowStaging {
  private readonly staged: StagedRow[] = [];
  private pending: { input: Float32Array; row: StagedRow }[] = [];
  private bytes = 0;

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    private readonly rowSize: number,
  ) {}

  static async create(out: string, rowSize: number): Promise<RowStaging> {
    const path = tempPathFor(out);
    return new RowStaging(path, await open(path, 'wx+'), rowSize);
  }

  get rows(): number {
    return this.staged.length + this.pending.length;
  }

  async add(input: Float32Array, row: StagedRow): Promise<void> {
    this.pending.push({ input, row });
    if (this.pending.length >= CHUNK_ROWS) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunk = new Float32Array(this.pending.length * this.rowSize);
    this.pending.forEach(({ input, row }, r) => {
      chunk.set(input, r * this.rowSize);
      this.staged.push(row);
    });
    this.pending = [];
    await this.handle.write(new Uint8Array(chunk.buffer), 0, chunk.byteLength, this.bytes);
    this.bytes += chunk.byteLength;
  }

  /** Writes the data set: header from `meta`, rows in the order they were added. */
  async copyInto(out: string, meta: DatasetMeta): Promise<void> {
    await this.flush();
    const writer = await DatasetWriter.create(out, meta);
    try {
      const chunk = new Float32Array(CHUNK_ROWS * this.rowSize);
      for (let start = 0; start < this.staged.length; start += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, this.staged.length - start);
        const length = count * this.rowSize * 4;
        const view = new Uint8Array(chunk.buffer, 0, length);
        for (let done = 0; done < length; ) {
          const { bytesRead } = await this.handle.read(view, done, length - done, start * this.rowSize * 4 + done);
          if (bytesRead === 0) throw new Error(`prepare: staging file ${this.path} ended early at row ${start}`);
          done += bytesRead;
        }
        const rows: DatasetRow[] = [];
        for (let r = 0; r < count; r++) {
          const { sourceId, label, snr: ratio, groups } = this.staged[start + r]!;
          const row: DatasetRow = { input: chunk.subarray(r * this.rowSize, (r + 1) * this.rowSize), sourceId };
          if (groups !== undefined) row.groups = groups;
          if (label !== undefined) row.label = label;
          if (ratio !== undefined) row.snr = ratio;
          rows.push(row);
        }
        await writer.append(rows);
      }
      await writer.finish();
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined); // already closed after a failed write
    await rm(this.path, { force: true });
  }
}
