import { backward } from '../autograd/backward.js';
import { noGrad } from '../autograd/mode.js';
import { cpuData } from '../kernels/cpu.js';
import { kld, mse } from '../kernels/loss.js';
import { concatRows, gatherRows, sliceRows } from '../kernels/rows.js';
import { reshape } from '../kernels/view.js';
import { Adam } from '../optim/optimizer.js';
import { tensor } from '../tensor/create.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { compiledFor, hostTensor, optimiserStep, type CompiledAutoencoder } from '../jit/compiled.js';
import type { Autoencoder } from '../model/autoencoder.js';
import { captureCheckpoint, saveCheckpoint, type Checkpoint, type CheckpointTarget, type FineTuneProgress } from './checkpoint.js';
import { targetDistribution, type ClusteringLayer } from './clustering.js';
import { combinedLoss, lossWeights, type LossForm } from './loss.js';
import { adjustedRandIndex, clusteringAccuracy, normalizedMutualInfo } from './metrics.js';
import { predict, type Prediction } from './predict.js';
import {
  LossReader,
  NonFiniteLossError,
  adamState,
  batchRange,
  recordsTensor,
  restoreAdam,
  secondsSince,
  shuffledOrder,
  type AdamState,
  type JsonObject,
  type NonFinitePart,
  type ProgressCallback,
} from './training.js';

export interface FineTuneOptions {
  /** Default 256. */
  batchSize?: number;
  /** Training batches at most. Default 5000 (the notebook's; the paper ran about 6000). */
  maxIter?: number;
  /** Batches between target-distribution updates. Default 150. */
  updateInterval?: number;
  /** Stop when the fraction of records whose cluster changed since the last update is below this (from the second update on). Default 0.001. */
  tol?: number;
  /** Shuffle the records every pass instead of taking them in order (METHOD.md: in order). Default false. */
  shuffle?: boolean;
  /** Seed of the shuffling. Default 0. */
  seed?: number;
  /** Adam learning rate (a fresh Adam, as the notebook compiles anew). Default 1e-3. */
  lr?: number;
  /** Exponent of the cluster frequency that divides the target distribution (`targetDistribution`). Default 1, DEC's. */
  targetBalance?: number;
  /** How KL and MSE combine. Default the notebook's: 0.1 KL + MSE. */
  loss?: LossForm;
  /** True classes, for evaluation only (ACC, NMI, ARI at each update); never used for training. */
  labels?: ArrayLike<number>;
  /** Clusters before fine-tuning (k-means on the codes): the reference of the first delta-label. Default: the clusters at iteration 0. */
  initialLabels?: Int32Array;
  /** Records per forward pass at the updates. Default 1024. */
  predictBatchSize?: number;
  /** Batches between reads of the loss from the device (and non-finite checks); every update reads too. Default 10. */
  lossReadInterval?: number;
  onProgress?: ProgressCallback;
  /** Called at each update with the record and every record's code, soft assignment and cluster then (e.g. for t-SNE maps). */
  onUpdate?: (record: UpdateRecord, prediction: Prediction) => void;
  checkpoint?: CheckpointTarget;
  /**
   * Go on from a fine-tuning checkpoint (`readCheckpoint`, then `restoreModel`
   * for the weights and centroids): its progress and its optimiser state.
   * Checkpoints are taken right after a target-distribution update, and P is
   * rebuilt from the restored weights, so a resumed run repeats the
   * uninterrupted one bit for bit on the CPU. The end-of-training checkpoint
   * resumes too (with a larger maxIter); if training did not end on an
   * update, its P is then rebuilt at that iteration instead.
   */
  resume?: { progress: FineTuneProgress; optimizer: AdamState };
}

export interface LossParts {
  readonly total: number;
  readonly kl: number;
  readonly reconstruction: number;
}

/** What the loop records at each target-distribution update (and at the end). */
export interface UpdateRecord {
  /** Training batches done. */
  readonly iteration: number;
  /** 'update': a target-distribution update; 'final': the state after the last batch when maxIter ended training. */
  readonly kind: 'update' | 'final';
  /** Fraction of records whose hard cluster changed since the previous record. */
  readonly deltaLabel: number;
  /** Mean loss parts of the batches since the previous record (unweighted; null when there were none). */
  readonly loss: LossParts | null;
  /** Present when evaluation labels were given. */
  readonly acc?: number;
  readonly nmi?: number;
  readonly ari?: number;
  readonly elapsedSeconds: number;
}

export interface FineTuneResult {
  readonly history: UpdateRecord[];
  /** Training batches done in all. */
  readonly iterations: number;
  readonly stopReason: 'tolerance' | 'maxIter';
  /** Codes, soft assignments and clusters of the records at the end. */
  readonly prediction: Prediction;
  readonly seconds: number;
}

function positiveInteger(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`fineTune: ${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Fine-tuning (METHOD.md, stage 2; the DCEC notebook's loop):
 *
 *   for iteration = 0 .. maxIter - 1:
 *     if iteration % updateInterval == 0:
 *       q = soft assignments of all records; P = targetDistribution(q, targetBalance)
 *       deltaLabel = fraction of argmax q changed since the last update
 *       if iteration > 0 and deltaLabel < tol: stop
 *     train one batch on gamma KL(P_batch || Q_batch) + MSE (encoder, decoder, centroids)
 *
 * Batches are taken in order and wrap around (`batchRange`). At each update
 * the loop records loss parts, deltaLabel and, with evaluation labels, ACC,
 * NMI and ARI, and keeps a snapshot (and writes a checkpoint when asked) to
 * resume from or to fall back on: a NaN or infinite loss stops training with
 * a NonFiniteLossError after restoring the parameters of the last update.
 */
export async function fineTune(
  model: Autoencoder,
  clustering: ClusteringLayer,
  inputs: Float32Array | Tensor,
  options: FineTuneOptions = {},
): Promise<FineTuneResult> {
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 256);
  const maxIter = options.maxIter ?? 5000;
  if (!Number.isInteger(maxIter) || maxIter < 0) throw new Error(`fineTune: maxIter must be an integer >= 0, got ${maxIter}`);
  const updateInterval = positiveInteger('updateInterval', options.updateInterval ?? 150);
  const tol = options.tol ?? 0.001;
  if (!(tol >= 0)) throw new Error(`fineTune: tol must be >= 0, got ${tol}`);
  const readInterval = positiveInteger('lossReadInterval', options.lossReadInterval ?? 10);
  const predictBatchSize = positiveInteger('predictBatchSize', options.predictBatchSize ?? 1024);
  const every = positiveInteger('checkpoint.every', options.checkpoint?.every ?? 1);
  const shuffle = options.shuffle ?? false;
  const seed = options.seed ?? 0;
  const lr = options.lr ?? 1e-3;
  const lossForm = options.loss ?? { form: 'notebook' };
  const targetBalance = options.targetBalance ?? 1;
  if (!(targetBalance >= 0 && Number.isFinite(targetBalance))) throw new Error(`fineTune: targetBalance must be a finite number >= 0, got ${targetBalance}`);
  const weights = lossWeights(lossForm);
  if (clustering.codeSize !== model.codeSize)
    throw new Error(`fineTune: the clustering layer expects codes of ${clustering.codeSize}, the model makes ${model.codeSize}`);
  const settings: JsonObject = {
    batchSize,
    maxIter,
    updateInterval,
    tol,
    shuffle,
    seed,
    lr,
    loss: { ...lossForm },
    targetBalance,
    k: clustering.k,
    alpha: clustering.alpha,
  };

  // The CPU's compiled kernels when the model allows, else op by op through autograd (before anything is allocated: it may throw).
  const compiled = compiledFor(model, batchSize, { k: clustering.k, alpha: clustering.alpha });
  const { records, owned } = recordsTensor(inputs, model.inputShape, model.backend, model.dtype, 'fineTune');
  const n = records.shape[0]!;
  const k = clustering.k;
  const labels = options.labels;
  if (labels !== undefined && labels.length !== n) throw new Error(`fineTune: ${labels.length} evaluation labels for ${n} records`);
  if (options.initialLabels !== undefined && options.initialLabels.length !== n)
    throw new Error(`fineTune: ${options.initialLabels.length} initial labels for ${n} records`);

  const names = [...model.namedParameters().map((p) => p.name), 'clustering.centroids'];
  const optimizer = new Adam([...model.parameters(), clustering.centroids], { lr });
  const reader = new LossReader<number>();
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const batchTarget = new Float32Array(batchSize * k);
  const compiledStep = (c: CompiledAutoencoder, rows: Int32Array): Tensor => {
    const p = cpuData(target!.storage);
    for (let i = 0; i < rows.length; i++) batchTarget.set(p.subarray(rows[i]! * k, (rows[i]! + 1) * k), i * k);
    const sums = optimiserStep(c, [...model.parameters(), clustering.centroids], optimizer, () =>
      c.finetuneStep(cpuData(records.storage) as Float32Array, rows, batchTarget.subarray(0, rows.length * k), weights),
    );
    const kl = sums.kl / rows.length;
    const reconstruction = sums.squaredError / (rows.length * model.recordSize);
    return hostTensor([weights.kl * kl + weights.reconstruction * reconstruction, kl, reconstruction], [3]);
  };
  const started = performance.now();
  let target: Tensor | null = null;
  try {
    let iteration = 0;
    let batchIndex = 0;
    let pass = 0;
    let previousLabels: Int32Array | null = options.initialLabels ?? null;
    let history: UpdateRecord[] = [];
    let timeOffset = 0;
    if (options.resume) {
      const p = options.resume.progress;
      if (p.previousLabels.length !== n) throw new Error(`fineTune: the resumed state has labels for ${p.previousLabels.length} records, the inputs ${n}`);
      restoreAdam(optimizer, names, options.resume.optimizer);
      ({ iteration, batchIndex, pass } = p);
      previousLabels = p.previousLabels;
      history = [...p.history];
      timeOffset = history.at(-1)?.elapsedSeconds ?? 0;
    }
    const startIteration = iteration;
    const elapsed = (): number => timeOffset + secondsSince(started);
    let order = shuffle ? shuffledOrder(seed, pass, n) : null;

    const capture = async (): Promise<Checkpoint> =>
      captureCheckpoint({
        model,
        clustering,
        optimizer: await adamState(optimizer, names),
        progress: { stage: 'finetune', iteration, batchIndex, pass, previousLabels: previousLabels!, history: [...history] },
        ...(options.checkpoint?.preprocessing && { preprocessing: options.checkpoint.preprocessing }),
        settings: { ...options.checkpoint?.settings, finetune: settings },
      });
    let lastGood: Checkpoint | null = null;
    const fail = async (part: NonFinitePart, value: number, at: number): Promise<never> => {
      const good = lastGood;
      // Before the first snapshot (non-finite soft assignments at the start) there is nothing to go back to.
      if (good === null) throw new NonFiniteLossError('finetune', part, value, at, undefined, { iteration: startIteration });
      model.setWeights(good.weights);
      clustering.setCentroids(good.clustering!.centroids);
      // The file, if any, is brought to the last good state too (it may lag behind when `every` > 1).
      if (options.checkpoint) await saveCheckpoint(options.checkpoint.path, good);
      throw new NonFiniteLossError('finetune', part, value, at, undefined, {
        iteration: good.progress?.stage === 'finetune' ? good.progress.iteration : startIteration,
        ...(options.checkpoint && { checkpointPath: options.checkpoint.path }),
      });
    };

    // Loss parts of the batches since the last record.
    let sums = { total: 0, kl: 0, reconstruction: 0, batches: 0 };
    const drain = async (): Promise<void> => {
      const read = await reader.read();
      for (const { meta: at, values } of read) {
        const [total, kl, reconstruction] = values as [number, number, number];
        if (!Number.isFinite(kl)) await fail('kl', kl, at);
        if (!Number.isFinite(reconstruction)) await fail('reconstruction', reconstruction, at);
        if (!Number.isFinite(total)) await fail('total', total, at);
        sums = { total: sums.total + total, kl: sums.kl + kl, reconstruction: sums.reconstruction + reconstruction, batches: sums.batches + 1 };
      }
      const last = read[read.length - 1];
      if (last && options.onProgress) {
        const seconds = secondsSince(started);
        const done = last.meta - startIteration;
        options.onProgress({
          stage: 'finetune',
          iteration: last.meta,
          totalIterations: maxIter,
          loss: last.values[0]!,
          iterationsPerSecond: done / seconds,
          recordsPerSecond: (done * batchSize) / seconds,
          elapsedSeconds: elapsed(),
        });
      }
    };

    /** Soft assignments of every record; on an update, the new target distribution too. */
    const assess = async (kind: UpdateRecord['kind'] | null): Promise<Prediction> => {
      await drain();
      const prediction = await predict(model, clustering, records, { batchSize: predictBatchSize });
      for (let i = 0; i < prediction.q.length; i++) if (!Number.isFinite(prediction.q[i]!)) await fail('softAssignment', prediction.q[i]!, iteration);
      if (kind !== 'final') {
        target?.dispose();
        target = tensor(targetDistribution(prediction.q, n, k, targetBalance), [n, k], { backend: model.backend, dtype: model.dtype });
      }
      if (kind !== null) {
        const clusters = prediction.clusters;
        let changed = 0;
        if (previousLabels !== null) for (let i = 0; i < n; i++) if (clusters[i] !== previousLabels[i]) changed++;
        const record: UpdateRecord = {
          iteration,
          kind,
          deltaLabel: changed / n,
          loss:
            sums.batches === 0 ? null : { total: sums.total / sums.batches, kl: sums.kl / sums.batches, reconstruction: sums.reconstruction / sums.batches },
          ...(labels !== undefined && {
            acc: clusteringAccuracy(labels, clusters).acc,
            nmi: normalizedMutualInfo(labels, clusters),
            ari: adjustedRandIndex(labels, clusters),
          }),
          elapsedSeconds: elapsed(),
        };
        sums = { total: 0, kl: 0, reconstruction: 0, batches: 0 };
        history.push(record);
        previousLabels = clusters;
        options.onUpdate?.(record, prediction);
      }
      return prediction;
    };

    // A resumed run starts at an update already recorded: only P is rebuilt (same weights, same P).
    let prediction = options.resume ? await assess(null) : null;
    let stopReason: FineTuneResult['stopReason'] = 'maxIter';
    let updates = 0;
    for (;;) {
      const resumedHere = options.resume !== undefined && iteration === startIteration;
      if (iteration % updateInterval === 0 && iteration < maxIter && !resumedHere) {
        prediction = await assess('update');
        if (iteration > 0 && history.at(-1)!.deltaLabel < tol) {
          stopReason = 'tolerance';
          break;
        }
        lastGood = await capture();
        updates++;
        if (options.checkpoint && updates % every === 0) await saveCheckpoint(options.checkpoint.path, lastGood);
      }
      // The resume point (and the start when no update falls before maxIter) is a state to fall back on too.
      if (lastGood === null && previousLabels !== null) lastGood = await capture();
      if (iteration >= maxIter) break;

      const { start, count, nextIndex, endsPass } = batchRange(batchIndex, n, batchSize);
      const p = target!;
      const parts = compiled
        ? compiledStep(compiled, (order ?? identity).subarray(start, start + count))
        : tidy(() => {
            const rows = order ? order.subarray(start, start + count) : null;
            const x = rows ? gatherRows(records, rows) : sliceRows(records, start, count);
            const pBatch = rows ? gatherRows(p, rows) : sliceRows(p, start, count);
            const z = model.encode(x);
            const kl = kld(pBatch, clustering.softAssign(z));
            const reconstruction = mse(model.decode(z), x);
            const total = combinedLoss(kl, reconstruction, weights);
            backward(total);
            optimizer.update();
            optimizer.zeroGrad();
            return noGrad(() => concatRows([reshape(total, [1]), reshape(kl, [1]), reshape(reconstruction, [1])]));
          });
      iteration++;
      reader.push(iteration, parts);
      batchIndex = nextIndex;
      if (endsPass) {
        pass++;
        if (shuffle) order = shuffledOrder(seed, pass, n);
      }
      if (reader.size >= readInterval) await drain();
    }
    if (prediction === null || (stopReason === 'maxIter' && history.at(-1)?.iteration !== iteration)) prediction = await assess('final');
    if (options.checkpoint) await saveCheckpoint(options.checkpoint.path, await capture());
    return { history, iterations: iteration, stopReason, prediction, seconds: secondsSince(started) };
  } finally {
    reader.dispose();
    optimizer.dispose();
    (target as Tensor | null)?.dispose();
    if (owned) records.dispose();
  }
}
