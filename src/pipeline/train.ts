/** `train`: the method on a prepared set, into a run folder (checkpoint, fine-tuning log, report). */
import type { ExperimentResult } from '../cluster/experiment.js';
import { groupingWarnings, type GroupingScore } from '../cluster/grouping.js';
import { DataError } from '../common/errors.js';
import { join } from '../common/path.js';
import type { ResultRow } from '../report/html.js';
import { recordSize } from './data.js';
import type { RunEvaluation } from './evaluation.js';
import { modelFor } from './model.js';
import type { OnProgress } from './progress.js';
import { runPipeline } from './run.js';
import { buildRunFolder } from './run-folder.js';
import type { KChoice, KRange } from './k-choice.js';
import { chooseK, writeSelectKReport } from './select-k.js';
import { openBackend, type BackendSource, type MethodSettings } from './settings.js';
import { preparedData } from './sources.js';

export interface TrainOptions {
  /** A prepared data set (`prepare`); its labels, if any, serve evaluation only. */
  readonly data: string;
  /** The run folder, replaced whole when the run is done (run-folder.ts). */
  readonly out: string;
  /** A model description (JSON file); default the paper's network of the set's task. */
  readonly model?: string;
  readonly settings: MethodSettings;
  /**
   * Choose k first (`select-k` on the same set with the same settings; its
   * report goes to the run folder's select-k/) and train with it instead of
   * `settings.k`.
   */
  readonly chooseK?: KRange;
  readonly backend: BackendSource;
  /** The command line, for the report. */
  readonly command: string;
  readonly onProgress?: OnProgress;
}

export interface TrainResult {
  /** The backend's description. */
  readonly backend: string;
  readonly rows: ResultRow[];
  readonly evaluation?: RunEvaluation;
  readonly grouping?: GroupingScore[];
  /** Groupings the clusters follow more than the labels (cluster/grouping.ts). */
  readonly warnings: string[];
  /** Files written, at their final paths. */
  readonly files: string[];
  /** The set's class names (none without labels). */
  readonly classNames: readonly string[];
  /** With `chooseK`: the scores of every k and which k was chosen, and why. */
  readonly kChoice?: KChoice;
  /** With whole-run restarts: their seeds, the rule, each one's score and the one kept. */
  readonly restarts?: NonNullable<ExperimentResult['restarts']>;
  /** With `keepFineTuning: 'silhouette'`: the kept run's fine-tuning end weighed against its start. */
  readonly fineTuneCheck?: NonNullable<ExperimentResult['fineTuneCheck']>;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const data = await preparedData(options.data);
  const description = await modelFor(options.model, data);
  const want = description.input.reduce((a, b) => a * b, 1);
  if (want !== recordSize(data))
    throw new DataError(options.data, 'inputShape', data.inputShape.join('x'), `the model takes ${description.input.join('x')} per record`);
  const { backend, description: where } = await openBackend(options.backend);
  const result = await buildRunFolder(options.out, async (staging, finalPath) => {
    let k = options.settings.k;
    let kChoice: KChoice | undefined;
    const files: string[] = [];
    if (options.chooseK !== undefined) {
      const choosing = { ...options.settings, description, backend, ks: options.chooseK, fineTune: false };
      kChoice = await chooseK(data, choosing, options.onProgress);
      k = kChoice.k;
      options.onProgress?.({ kind: 'message', text: `k = ${k}, chosen by select-k: ${kChoice.reason} (rule: ${kChoice.rule})` });
      files.push(await writeSelectKReport(join(staging, 'select-k'), data, choosing, kChoice, options.command));
    }
    const settings = { ...options.settings, k, description, backend, outDir: staging, command: options.command };
    const run = await runPipeline(data, settings, { onProgress: options.onProgress });
    return { ...run, kChoice, files: [...run.files, ...files].map(finalPath) };
  });
  return {
    backend: where,
    rows: result.rows,
    ...(result.evaluation && { evaluation: result.evaluation }),
    ...(result.grouping && { grouping: result.grouping }),
    warnings: groupingWarnings(result.grouping ?? []),
    files: result.files,
    classNames: data.classNames ?? [],
    ...(result.kChoice && { kChoice: result.kChoice }),
    ...(result.experiment.restarts && { restarts: result.experiment.restarts }),
    ...(result.experiment.fineTuneCheck && { fineTuneCheck: result.experiment.fineTuneCheck }),
  };
}
