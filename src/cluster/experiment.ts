import { Autoencoder } from '../model/autoencoder.js';
import type { ModelDescription } from '../model/description.js';
import type { Backend } from '../tensor/backend.js';
import { defaultBackend, tensor } from '../tensor/create.js';
import { captureCheckpoint, saveCheckpoint, type CheckpointTarget } from './checkpoint.js';
import { ClusteringLayer } from './clustering.js';
import { fineTune, type FineTuneOptions, type FineTuneResult } from './finetune.js';
import { kMeans, type KMeansOptions } from './kmeans.js';
import { adjustedRandIndex, clusteringAccuracy, normalizedMutualInfo } from './metrics.js';
import { encodeRecords, predict } from './predict.js';
import { pretrain, type PretrainOptions, type PretrainResult } from './pretrain.js';
import { chooseBySilhouette, chooseRestart, restartSeed, type RestartChoice, type RestartRule } from './selection.js';
import { recordCount, secondsSince, type JsonObject } from './training.js';

/** ACC, NMI and ARI of clusters against classes. */
export interface Scores {
  readonly acc: number;
  readonly nmi: number;
  readonly ari: number;
}

export function scoreClusters(labels: ArrayLike<number>, clusters: ArrayLike<number>): Scores {
  return {
    acc: clusteringAccuracy(labels, clusters).acc,
    nmi: normalizedMutualInfo(labels, clusters),
    ari: adjustedRandIndex(labels, clusters),
  };
}

export type StageName = 'k-means on inputs' | 'pre-training' | 'k-means on codes' | 'fine-tuning';

/** One row of the results table; scores only when evaluation labels were given. */
export interface StageResult {
  readonly stage: StageName;
  readonly scores?: Scores;
  readonly seconds: number;
}

export interface ExperimentOptions {
  readonly description: ModelDescription;
  /** n records, row-major, each of the description's input shape. */
  readonly inputs: Float32Array;
  /** True classes, for evaluation only. */
  readonly labels?: ArrayLike<number>;
  /** Clusters. Default 2. */
  readonly k?: number;
  /** Student's t degrees of freedom. Default 1. */
  readonly alpha?: number;
  /**
   * One seed for the whole run: weights from `seed`, pre-training order from
   * seed + 1, k-means from seed + 2, fine-tuning order from seed + 3. Default 0.
   */
  readonly seed?: number;
  readonly backend?: Backend;
  readonly pretrain?: Omit<PretrainOptions, 'seed' | 'resume' | 'checkpoint'>;
  readonly kMeans?: Omit<KMeansOptions, 'k' | 'seed'>;
  readonly fineTune?: Omit<FineTuneOptions, 'seed' | 'resume' | 'checkpoint' | 'labels' | 'initialLabels'>;
  /** Also run the baseline k-means on the inputs themselves (raw series or spectrograms). Default false. */
  readonly baselineOnInputs?: boolean;
  /** Checkpoint file, written through pre-training and fine-tuning. */
  readonly checkpointPath?: string;
  /** How the inputs were prepared; stored in the checkpoint. */
  readonly preprocessing?: JsonObject;
  /**
   * Whole runs (pre-training, k-means, fine-tuning) from different seeds, of
   * one is kept by `restartChoice` (selection.ts; no labels involved).
   * Default 1: the run alone.
   */
  readonly restarts?: number;
  /** How the kept restart is chosen (selection.ts). Default 'silhouette': the highest mean silhouette of its clusters on the inputs. */
  readonly restartChoice?: RestartRule;
  /**
   * Whether fine-tuning's end is kept whatever it did: 'always' (the paper),
   * or 'silhouette': kept unless the clusters it started from (k-means on
   * the pre-trained codes) have the higher mean silhouette on the inputs, in
   * which case the model goes back to that start (`FineTuneCheck`). Default 'always'.
   */
  readonly keepFineTuning?: FineTuneKeepRule;
  /** Called when a stage starts, for logs. */
  readonly onStage?: (stage: StageName) => void;
  /** Called when a restart starts (0, 1, ...), before its stages. */
  readonly onRestart?: (restart: number, of: number) => void;
}

export type FineTuneKeepRule = 'always' | 'silhouette';

/** How fine-tuning's end was weighed against its start (`keepFineTuning: 'silhouette'`): mean silhouettes on the inputs, and which was kept. */
export interface FineTuneCheck {
  readonly start: number;
  readonly end: number;
  readonly kept: 'start' | 'end';
}

export interface ExperimentResult {
  readonly stages: StageResult[];
  readonly pretrain: PretrainResult;
  readonly kMeans: { readonly inertia: number; readonly iterations: number; readonly labels: Int32Array };
  /** Fine-tuning's record; its prediction is that of the model returned (its start's, when `fineTuneCheck.kept` is 'start'). */
  readonly fineTune: FineTuneResult;
  readonly fineTuneCheck?: FineTuneCheck;
  /** The trained objects; the caller disposes them. */
  readonly model: Autoencoder;
  readonly clustering: ClusteringLayer;
  readonly seconds: number;
  /** With restarts: their seeds, the rule, each one's score under it and the one kept (whose stages, model and clustering these are). */
  readonly restarts?: RestartChoice & { readonly seeds: readonly number[] };
}

/**
 * The method, run `restarts` times from seeds derived from `seed`, keeping
 * the run `restartChoice` picks (see `restarts`).
 * With one restart this is exactly `runExperiment`'s single run. The kept
 * run's model and clustering go to the checkpoint at the end; the others are
 * freed.
 */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const restarts = options.restarts ?? 1;
  if (!Number.isInteger(restarts) || restarts < 1) throw new Error(`runExperiment: restarts must be a positive integer, got ${restarts}`);
  if (restarts === 1) {
    options.onRestart?.(0, 1);
    return runOnce(options);
  }
  const started = performance.now();
  const seed = options.seed ?? 0;
  const seeds = Array.from({ length: restarts }, (_, r) => restartSeed(seed, r));
  const runs: ExperimentResult[] = [];
  try {
    for (const [r, s] of seeds.entries()) {
      options.onRestart?.(r, restarts);
      // Each restart writes no checkpoint of its own: only the kept one is saved, below.
      runs.push(await runOnce({ ...options, seed: s, checkpointPath: undefined }));
    }
    const clusterings = runs.map((run) => run.fineTune.prediction.clusters);
    const k = options.k ?? 2;
    const choice = chooseRestart(options.restartChoice ?? 'silhouette', options.inputs, options.inputs.length / clusterings[0]!.length, k, clusterings, seed);
    const kept = runs[choice.chosen]!;
    if (options.checkpointPath !== undefined) {
      const settings = { seed, k, alpha: options.alpha ?? 1, restarts, restartSeeds: seeds, restartChoice: choice.rule, chosen: choice.chosen };
      const checkpoint = await captureCheckpoint({
        model: kept.model,
        clustering: kept.clustering,
        ...(options.preprocessing && { preprocessing: options.preprocessing }),
        settings,
      });
      await saveCheckpoint(options.checkpointPath, checkpoint);
    }
    for (const run of runs) {
      if (run !== kept) {
        run.model.dispose();
        run.clustering.dispose();
      }
    }
    return { ...kept, seconds: secondsSince(started), restarts: { ...choice, seeds } };
  } catch (err) {
    for (const run of runs) {
      run.model.dispose();
      run.clustering.dispose();
    }
    throw err;
  }
}

/**
 * The whole method on one data set (METHOD.md): pre-train the autoencoder,
 * k-means (k-means++, nInit restarts) on its codes, then fine-tune encoder,
 * decoder and centroids on gamma KL + MSE. With labels, every stage is
 * scored: the rows of the paper's table.
 */
async function runOnce(options: ExperimentOptions): Promise<ExperimentResult> {
  const started = performance.now();
  const seed = options.seed ?? 0;
  const k = options.k ?? 2;
  const backend = options.backend ?? defaultBackend();
  const labels = options.labels;
  let model = new Autoencoder(options.description, { seed, backend });
  const n = recordCount(options.inputs, model.recordSize, model.inputShape, 'runExperiment');
  if (labels !== undefined && labels.length !== n) throw new Error(`runExperiment: ${labels.length} labels for ${n} records`);
  const score = (clusters: ArrayLike<number>): { scores?: Scores } => (labels === undefined ? {} : { scores: scoreClusters(labels, clusters) });
  const stages: StageResult[] = [];
  const checkpoint = (): { checkpoint?: CheckpointTarget } =>
    options.checkpointPath === undefined
      ? {}
      : {
          checkpoint: {
            path: options.checkpointPath,
            ...(options.preprocessing && { preprocessing: options.preprocessing }),
            settings: { seed, k, alpha: options.alpha ?? 1 },
          },
        };

  // One upload; every stage slices batches from it on the device.
  const records = tensor(options.inputs, [n, ...model.inputShape], { backend });
  let clustering: ClusteringLayer | null = null;
  try {
    if (options.baselineOnInputs) {
      options.onStage?.('k-means on inputs');
      const t = performance.now();
      const baseline = kMeans(options.inputs, n, model.recordSize, { ...options.kMeans, k, seed: seed + 2 });
      stages.push({ stage: 'k-means on inputs', ...score(baseline.labels), seconds: secondsSince(t) });
    }

    options.onStage?.('pre-training');
    const pre = await pretrain(model, records, { ...options.pretrain, seed: seed + 1, ...checkpoint() });
    stages.push({ stage: 'pre-training', seconds: pre.seconds });

    options.onStage?.('k-means on codes');
    const t = performance.now();
    const codes = await encodeRecords(model, records);
    const km = kMeans(codes, n, model.codeSize, { ...options.kMeans, k, seed: seed + 2 });
    stages.push({ stage: 'k-means on codes', ...score(km.labels), seconds: secondsSince(t) });

    options.onStage?.('fine-tuning');
    const alpha = options.alpha ?? 1;
    clustering = new ClusteringLayer(km.centroids, k, model.codeSize, { alpha, backend });
    const keepRule = options.keepFineTuning ?? 'always';
    const startWeights = keepRule === 'silhouette' ? await model.weights() : null;
    const fine = await fineTune(model, clustering, records, {
      ...options.fineTune,
      seed: seed + 3,
      initialLabels: km.labels,
      ...(labels !== undefined && { labels }),
      ...checkpoint(),
    });
    let fineTuned = fine;
    let fineTuneCheck: FineTuneCheck | undefined;
    if (startWeights !== null) {
      // Index 0 is the end, so a tie keeps fine-tuning; a clustering that splits off a handful of outliers is passed over (selection.ts).
      const choice = chooseBySilhouette(options.inputs, model.recordSize, k, [fine.prediction.clusters, km.labels], { seed });
      fineTuneCheck = { end: choice.scores[0]!, start: choice.scores[1]!, kept: choice.chosen === 1 ? 'start' : 'end' };
      if (fineTuneCheck.kept === 'start') {
        // A fresh model with the pre-trained weights: the fine-tuned one's compiled kernels may hold their own copies.
        const start = new Autoencoder(options.description, { seed, backend });
        start.setWeights(startWeights);
        model.dispose();
        model = start;
        const tuned = clustering;
        clustering = null;
        tuned.dispose();
        clustering = new ClusteringLayer(km.centroids, k, model.codeSize, { alpha, backend });
        fineTuned = { ...fine, prediction: await predict(model, clustering, records) };
        if (options.checkpointPath !== undefined)
          await saveCheckpoint(
            options.checkpointPath,
            await captureCheckpoint({
              model,
              clustering,
              ...(options.preprocessing && { preprocessing: options.preprocessing }),
              settings: { seed, k, alpha, fineTuneKept: 'start' },
            }),
          );
      }
    }
    stages.push({ stage: 'fine-tuning', ...score(fineTuned.prediction.clusters), seconds: fine.seconds });
    return {
      stages,
      pretrain: pre,
      kMeans: { inertia: km.inertia, iterations: km.iterations, labels: km.labels },
      fineTune: fineTuned,
      ...(fineTuneCheck && { fineTuneCheck }),
      model,
      clustering,
      seconds: secondsSince(started),
    };
  } catch (err) {
    model.dispose();
    clustering?.dispose();
    throw err;
  } finally {
    records.dispose();
  }
}
