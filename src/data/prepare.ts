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
 * per row its id, label and SNR, so 100,000 records stream. Prepared rows are
 * staged beside `out` until the header is known (prepare-staging.ts). Any
 * failure removes the staged rows and the writer's partial file: `out`
 * appears complete or not at all.
 *
 * The step in modules: prepare-inputs.ts says which records to read (the
 * format dispatch), prepare-record.ts turns one record into one row, and
 * prepare-staging.ts writes the prepared set; this module runs them and
 * counts. Files are reached through the host (`host().files`).
 */
import { DataError } from '../common/errors.js';
import { dirname } from '../common/path.js';
import { host } from '../host/host.js';
import { DatasetWriter, type DatasetMeta, type DatasetRow, type JsonValue, type Task } from './dataset.js';
import { manifestGroupColumns } from './groups.js';
import { collectFiles, fileItems, manifestInput, manifestItems, type InputContext, type PrepareGap } from './prepare-inputs.js';
import { RecordProblem, prepareRecord, type PickPolicy, type PickSourceCounts, type RecordChoices, type SkipReason } from './prepare-record.js';
import { CHUNK_ROWS, RowStaging } from './prepare-staging.js';
import { readManifest } from './readers/index.js';
import { PICKER_DEFAULTS } from './signal/picker.js';
import {
  PAPER_PREPARATION,
  inputWindow,
  preparationRecord,
  resolvePreparation,
  type Preparation,
  type PreparationOverrides,
  type PresetName,
} from './preparation.js';
import { DEFAULT_RESAMPLE, TARGET_RATE_HZ } from './signal/resample.js';
import { SNR_WINDOWS } from './signal/snr.js';
import { P_WINDOW, SPECTROGRAM } from './signal/spectrogram.js';
import { TASK_A3_CLASSES, TASK_A_CLASSES, TASK_B_CLASSES, syntheticTaskA, syntheticTaskB } from './synthetic.js';

export type { PickPolicy, PickSourceCounts, PrepareGap, SkipReason };

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
export interface SkippedRecord {
  /** The record's id (manifest trace id, or file path with `#trace` for files of several traces). */
  id: string;
  reason: SkipReason;
  /** The full explanation (file, field, value, problem). */
  detail: string;
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
  /** Task A only: 2 (default, local and teleseismic) or 3 (local, regional and teleseismic; `syntheticTaskA`). */
  classes?: 2 | 3;
  out: string;
}

/* -------------------------------------------------------------- public API */

/** Prepares a data set from seismograms; see the file comment. */
export async function prepareDataset(options: PrepareOptions): Promise<PrepareSummary> {
  const started = performance.now();
  const preparation = checkOptions(options);
  const choices: RecordChoices = { task: options.task, preparation, picks: options.picks };
  const reading: InputContext = { samplingRate: options.samplingRate, gaps: [] };
  const manifest = manifestInput(options.inputs);
  const total = manifest === undefined ? undefined : (await readManifest(manifest)).length;
  if (manifest === undefined && (options.groupBy?.length ?? 0) > 0) {
    throw new DataError(options.inputs.join(', '), 'group-by', options.groupBy!.join(','), 'grouping columns come from a manifest CSV');
  }
  const items =
    manifest === undefined
      ? fileItems(await collectFiles(options.inputs), reading)
      : manifestItems(manifest, await manifestGroupColumns(manifest, options.groupBy ?? []));

  await host().files.makeFolder(dirname(options.out));
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
          const row = prepareRecord(record, choices);
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
        lowBand: PICKER_DEFAULTS.lowBand && { ...PICKER_DEFAULTS.lowBand },
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
      gaps: reading.gaps,
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
  const three = options.classes === 3;
  if (three && options.task !== 'A') throw new DataError('prepare options', 'classes', 3, 'three classes (local, regional, teleseismic) are a task A set');
  const classes: readonly string[] = options.task === 'B' ? TASK_B_CLASSES : three ? TASK_A3_CLASSES : TASK_A_CLASSES;
  const set =
    options.task === 'A'
      ? syntheticTaskA({ n: options.n, seed: options.seed, ...(three && { classes: 3 }) })
      : syntheticTaskB({ n: options.n, seed: options.seed });
  const rowSize = set.inputs.length / set.n;
  const meta = datasetMeta(options.task, PAPER_PREPARATION, {
    source: 'synthetic',
    generator: options.task === 'A' ? 'syntheticTaskA' : 'syntheticTaskB',
    n: set.n,
    seed: options.seed ?? 0,
    // Recorded only when not the default, so the two-class set's file stays what it was.
    ...(three && { classes: 3 }),
    preset: 'paper',
    ...preprocessingRecord(options.task, PAPER_PREPARATION, { pick: set.n, estimated: 0, staLta: 0 }),
    picks: options.task === 'A' ? "the generator's P onset" : "the generator's P onset plus an analyst-like error (1.5 samples s.d.)",
  });
  await host().files.makeFolder(dirname(options.out));
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
