/**
 * The whole method on one data set, with everything a reader needs to judge
 * it: baselines (k-means on raw series, on the inputs, on a trivial cue),
 * pre-training, k-means on the codes, fine-tuning, and with labels the
 * evaluation; then the checkpoint, a CSV log per update and the report.
 */
import { trivialCueFeatures } from '../cluster/baselines.js';
import { runExperiment, type ExperimentResult } from '../cluster/experiment.js';
import type { UpdateRecord } from '../cluster/finetune.js';
import { evaluateGrouping, type GroupingScore } from '../cluster/grouping.js';
import { predict, type Prediction } from '../cluster/predict.js';
import { DataError } from '../common/errors.js';
import { join } from '../common/path.js';
import { host } from '../host/host.js';
import { writeReport, type ResultRow } from '../report/html.js';
import { recordSize, trainingOrder, type PipelineData } from './data.js';
import { TSNE_MIN_POINTS, withMethodDefaults } from './defaults.js';
import { evaluateRun, type RunEvaluation } from './evaluation.js';
import { writeLog } from './log.js';
import { Stages, type OnProgress } from './progress.js';
import { buildReport, describeFineTuneCheck, type Snapshot } from './report.js';
import { baselineRow, rowOf, scoredSubset } from './rows.js';
import type { PipelineSettings } from './settings.js';
import { fineTuneOptions, pretrainOptions } from './stage-options.js';

export interface PipelineResult {
  /** The rows of the paper's table (scores only with labels). */
  rows: ResultRow[];
  experiment: Omit<ExperimentResult, 'model' | 'clustering'>;
  evaluation?: RunEvaluation;
  /** The final clusters, one per record in the order given (before the permutation). */
  clusters: Int32Array;
  /** How the clusters relate to each grouping column; absent when the data carry none. */
  grouping?: GroupingScore[];
  /** The trained model's assignment of `predictOn`'s records, when given. */
  predicted?: Prediction;
  /** Files written. */
  files: string[];
}

export interface RunOptions {
  /** Records the trained model assigns after training (held-out records); they take no part in training. */
  readonly predictOn?: Float32Array;
  readonly onProgress?: OnProgress;
}

/**
 * Runs the method on `given` with `settings` (see the module comment). The
 * report holds t-SNE maps, inputs beside codes, loss / delta-label / ACC
 * curves, the confusion matrix, accuracy per SNR bin, clusters per group,
 * settings and provenance. With `predictOn`, the trained encoder and
 * clustering layer also assign those records (as `predict` would), which
 * take no part in training.
 */
export async function runPipeline(given: PipelineData, settings: PipelineSettings, options: RunOptions = {}): Promise<PipelineResult> {
  const { predictOn, onProgress } = options;
  const s = withMethodDefaults(settings, given);
  const n = given.inputs.length / recordSize(given);
  checkRecordCount(given.name, n, s);
  const { data, order } = trainingOrder(given, s);
  const size = recordSize(data);
  const files: string[] = [];
  if (s.outDir !== null) await host().files.makeFolder(s.outDir);

  const rows: ResultRow[] = [];
  if (data.labels !== undefined) {
    if (data.raw) rows.push(baselineRow('k-means on raw time series', data.raw.values, n, data.raw.length, data, s));
    rows.push(baselineRow(data.task === 'A' ? 'k-means on spectrograms' : 'k-means on P windows', data.inputs, n, size, data, s));
    rows.push({
      ...baselineRow('trivial cue (centroid, energy)', trivialCueFeatures(data.inputs, n, data.inputShape), n, 2, data, s),
      note: 'k-means on spectral centroid and energy',
    });
  }

  // Codes at the fine-tuning updates, for the t-SNE maps (a few kept).
  const snapshotsByRestart: Snapshot[][] = [];
  const stages = new Stages(onProgress);
  const result = await runExperiment({
    description: s.description,
    inputs: data.inputs,
    // Scores during fine-tuning need a class for every record; a partly labelled set is scored at the end only.
    ...(data.labels?.every((l) => l >= 0) && { labels: data.labels }),
    k: s.k,
    seed: s.seed,
    backend: s.backend,
    pretrain: pretrainOptions(s, stages),
    kMeans: { nInit: s.nInit },
    restarts: s.restarts,
    keepFineTuning: s.keepFineTuning,
    onRestart: (r, of) => {
      snapshotsByRestart.push([]);
      if (of > 1) onProgress?.({ kind: 'message', text: `${data.name}: whole run ${r + 1} of ${of}` });
    },
    fineTune: {
      ...fineTuneOptions(s, stages),
      onUpdate: (record: UpdateRecord, prediction: Prediction) => {
        snapshotsByRestart
          .at(-1)!
          .push({ iteration: record.iteration, codes: prediction.codes, clusters: prediction.clusters, ...(record.acc !== undefined && { acc: record.acc }) });
      },
    },
    ...(s.outDir !== null && { checkpointPath: join(s.outDir, 'model.ckpt') }),
    preprocessing: data.preprocessing,
    onStage: (stage) => {
      if (stage === 'pre-training') stages.start(`${data.name}: pre-training`, s.epochs, 'epochs');
      else if (stage === 'fine-tuning') stages.start(`${data.name}: fine-tuning`, s.maxIter, 'it');
      else stages.finish();
    },
  });
  stages.finish();
  const snapshots = snapshotsByRestart[result.restarts?.chosen ?? 0]!;
  const { model, clustering, ...experiment } = result;
  let predicted: Prediction | undefined;
  try {
    if (predictOn !== undefined) predicted = await predict(model, clustering, predictOn);
  } finally {
    model.dispose();
    clustering.dispose();
  }
  if (s.outDir !== null) files.push(join(s.outDir, 'model.ckpt'));

  const final = result.fineTune.prediction;
  rows.push(rowOf('k-means on codes', data, result.kMeans.labels));
  const kept = result.fineTuneCheck?.kept === 'start' ? `; its start kept (${describeFineTuneCheck(result.fineTuneCheck)})` : '';
  rows.push(rowOf('fine-tuning', data, final.clusters, `${result.fineTune.iterations} iterations, stopped by ${result.fineTune.stopReason}${kept}`));
  const scored = scoredSubset(data, final.clusters);
  const evaluation =
    scored === null ? undefined : evaluateRun(scored.labels, scored.clusters, data.snr ? scored.index.map((i) => data.snr![i] ?? null) : undefined);
  const grouping = data.groups === undefined ? undefined : evaluateGrouping(final.clusters, data.groups, data.labels);
  const clusters = new Int32Array(n);
  final.clusters.forEach((c, i) => (clusters[order === null ? i : order[i]!] = c));

  if (s.outDir !== null) {
    files.push(await writeLog(join(s.outDir, 'fine-tuning.csv'), result.fineTune.history));
    const report = buildReport(data, s, rows, result, snapshots, evaluation, grouping, stages);
    const written = await writeReport(join(s.outDir, 'report'), report);
    files.push(written.html);
  }
  return { rows, experiment, ...(evaluation && { evaluation }), clusters, ...(grouping && { grouping }), ...(predicted && { predicted }), files };
}

/** Refuses a data set too small for the settings before any work starts. */
function checkRecordCount(name: string, n: number, s: PipelineSettings): void {
  if (n < s.k) throw new DataError(name, 'records', n, `--k ${s.k} clusters need at least ${s.k} records`);
  if (s.outDir !== null && n < TSNE_MIN_POINTS) throw new DataError(name, 'records', n, `the report's t-SNE maps need at least ${TSNE_MIN_POINTS} records`);
}
