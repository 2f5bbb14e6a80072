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
import { gpuCompiledFor, KERAS_ADAM, type GpuCompiledAutoencoder } from '../jit/webgpu/compiled.js';
import type { Autoencoder } from '../model/autoencoder.js';
import { captureCheckpoint, saveCheckpoint, type Checkpoint, type CheckpointTarget, type FineTuneProgress } from './checkpoint.js';
import { targetDistribution, type ClusteringLayer } from './clustering.js';
import { combinedLoss, lossWeights, type LossForm, type LossWeights } from './loss.js';
import { adjustedRandIndex, clusteringAccuracy, normalizedMutualInfo } from './metrics.js';
import { predict, type Prediction } from './predict.js';
import type { UpdateRecord } from './updates.js';
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

export type { LossParts, UpdateRecord } from './updates.js';

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

/** The options resolved to their defaults and checked, and the record of them a checkpoint keeps. */
interface Plan {
  readonly batchSize: number;
  readonly maxIter: number;
  readonly updateInterval: number;
  readonly tol: number;
  readonly readInterval: number;
  readonly predictBatchSize: number;
  /** Checkpoints every this many target updates. */
  readonly every: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly targetBalance: number;
  readonly weights: LossWeights;
  readonly settings: JsonObject;
  readonly lr: number;
}

function planOf(options: FineTuneOptions, model: Autoencoder, clustering: ClusteringLayer): Plan {
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
  return { batchSize, maxIter, updateInterval, tol, readInterval, predictBatchSize, every, shuffle, seed, targetBalance, weights, settings, lr };
}

/**
 * Fine-tuning (METHOD.md, stage 2; the DCEC notebook's loop), on a
 * clustering layer whose centroids came from k-means on the pre-trained
 * codes (`runExperiment`):
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
  const plan = planOf(options, model, clustering);
  // The CPU's compiled kernels when the model allows, else op by op through autograd (before anything is allocated: it may throw).
  const head = { k: clustering.k, alpha: clustering.alpha };
  const compiled = compiledFor(model, plan.batchSize, head);
  await compiled?.started();
  // On WebGPU, the compiled step with the head: parameters, centroids and Adam's moments stay on the device between loss reads.
  const onDevice = await gpuCompiledFor(model, plan.batchSize, KERAS_ADAM, head);
  const { records, owned } = recordsTensor(inputs, model.inputShape, model.backend, model.dtype, 'fineTune');
  const n = records.shape[0]!;
  if (options.labels !== undefined && options.labels.length !== n) throw new Error(`fineTune: ${options.labels.length} evaluation labels for ${n} records`);
  if (options.initialLabels !== undefined && options.initialLabels.length !== n)
    throw new Error(`fineTune: ${options.initialLabels.length} initial labels for ${n} records`);

  const loop = new FineTuneLoop(model, clustering, records, compiled, onDevice, plan, options);
  try {
    if (options.resume) loop.resumeFrom(options.resume);
    // A resumed run starts at an update already recorded: only P is rebuilt (same weights, same P).
    let prediction = options.resume ? await loop.rebuildTarget() : null;
    let stopReason: FineTuneResult['stopReason'] = 'maxIter';
    for (;;) {
      if (loop.updateDue()) {
        prediction = await loop.updateTarget();
        if (loop.converged()) {
          stopReason = 'tolerance';
          break;
        }
        await loop.keepSnapshot();
      }
      await loop.keepStartingPoint();
      if (loop.iteration >= plan.maxIter) break;
      await loop.trainBatch();
    }
    if (prediction === null || (stopReason === 'maxIter' && loop.history.at(-1)?.iteration !== loop.iteration)) prediction = await loop.finalAssignments();
    if (options.checkpoint) await saveCheckpoint(options.checkpoint.path, await loop.capture());
    return { history: loop.history, iterations: loop.iteration, stopReason, prediction, seconds: secondsSince(loop.started) };
  } finally {
    loop.dispose();
    if (owned) records.dispose();
  }
}

/** Loss parts summed over the batches since the last record. */
interface LossSums {
  readonly total: number;
  readonly kl: number;
  readonly reconstruction: number;
  readonly batches: number;
}

const NO_LOSSES: LossSums = { total: 0, kl: 0, reconstruction: 0, batches: 0 };

/** The state of one fine-tuning run and its steps, in the order `fineTune` takes them. */
class FineTuneLoop {
  readonly started = performance.now();
  /** Training batches done. */
  iteration = 0;
  history: UpdateRecord[] = [];
  private batchIndex = 0;
  private pass = 0;
  /** Hard clusters at the last record: the reference of the next delta-label. */
  private previousLabels: Int32Array | null;
  private startIteration = 0;
  private timeOffset = 0;
  private order: Int32Array | null;
  /** The target distribution P of every record, rebuilt at each update. */
  private target: Tensor | null = null;
  /** The state of the last update, to fall back on when the loss stops being finite. */
  private lastGood: Checkpoint | null = null;
  private updates = 0;
  private sums: LossSums = NO_LOSSES;
  private readonly n: number;
  private readonly k: number;
  private readonly names: string[];
  private readonly optimizer: Adam;
  private readonly reader = new LossReader<number>();
  private readonly identity: Int32Array;
  private readonly batchTarget: Float32Array;
  /** P on the host, for the compiled WebGPU step to upload each batch's rows. */
  private hostTarget: Float32Array | null = null;
  /** The compiled WebGPU steps whose losses are not read yet, by loss slot: iteration and records. */
  private deviceSteps: { iteration: number; count: number }[] = [];
  /** Whether the device program holds the live parameters, centroids and moments (the tensors then lag behind). */
  private loaded = false;

  constructor(
    private readonly model: Autoencoder,
    private readonly clustering: ClusteringLayer,
    private readonly records: Tensor,
    private readonly compiled: CompiledAutoencoder | null,
    private readonly onDevice: GpuCompiledAutoencoder | null,
    private readonly plan: Plan,
    private readonly options: FineTuneOptions,
  ) {
    this.n = records.shape[0]!;
    this.k = clustering.k;
    this.names = [...model.namedParameters().map((p) => p.name), 'clustering.centroids'];
    // KERAS_ADAM's settings, which the compiled WebGPU step has baked in.
    this.optimizer = new Adam([...model.parameters(), clustering.centroids], { lr: plan.lr, ...KERAS_ADAM });
    this.identity = Int32Array.from({ length: this.n }, (_, i) => i);
    this.batchTarget = new Float32Array(plan.batchSize * this.k);
    this.previousLabels = options.initialLabels ?? null;
    this.order = plan.shuffle ? shuffledOrder(plan.seed, 0, this.n) : null;
  }

  /** Goes on from a fine-tuning checkpoint's progress and optimiser state. */
  resumeFrom(resume: NonNullable<FineTuneOptions['resume']>): void {
    const p = resume.progress;
    if (p.previousLabels.length !== this.n)
      throw new Error(`fineTune: the resumed state has labels for ${p.previousLabels.length} records, the inputs ${this.n}`);
    restoreAdam(this.optimizer, this.names, resume.optimizer);
    ({ iteration: this.iteration, batchIndex: this.batchIndex, pass: this.pass } = p);
    this.previousLabels = p.previousLabels;
    this.history = [...p.history];
    this.timeOffset = this.history.at(-1)?.elapsedSeconds ?? 0;
    this.startIteration = this.iteration;
    this.order = this.plan.shuffle ? shuffledOrder(this.plan.seed, this.pass, this.n) : null;
  }

  private elapsed(): number {
    return this.timeOffset + secondsSince(this.started);
  }

  /** Every `updateInterval` batches, before maxIter; not at the update a resumed run starts from, which is recorded already. */
  updateDue(): boolean {
    const resumedHere = this.options.resume !== undefined && this.iteration === this.startIteration;
    return this.iteration % this.plan.updateInterval === 0 && this.iteration < this.plan.maxIter && !resumedHere;
  }

  /** The update: q of every record, the target distribution P from it, and the record of the update (delta-label, scores). */
  async updateTarget(): Promise<Prediction> {
    const prediction = await this.softAssignments();
    this.setTarget(prediction);
    this.record('update', prediction);
    return prediction;
  }

  /** P again from the restored weights, for a resumed run (its update is recorded already). */
  async rebuildTarget(): Promise<Prediction> {
    const prediction = await this.softAssignments();
    this.setTarget(prediction);
    return prediction;
  }

  /** The state after the last batch when maxIter ended training between updates. */
  async finalAssignments(): Promise<Prediction> {
    const prediction = await this.softAssignments();
    this.record('final', prediction);
    return prediction;
  }

  /** The stop criterion: after the first update, fewer than `tol` of the records changed cluster. */
  converged(): boolean {
    return this.iteration > 0 && this.history.at(-1)!.deltaLabel < this.plan.tol;
  }

  /** Keeps the state of this update to fall back on, and writes it every `checkpoint.every` updates. */
  async keepSnapshot(): Promise<void> {
    this.lastGood = await this.capture();
    this.updates++;
    if (this.options.checkpoint && this.updates % this.plan.every === 0) await saveCheckpoint(this.options.checkpoint.path, this.lastGood);
  }

  /** The resume point (and the start when no update falls before maxIter) is a state to fall back on too. */
  async keepStartingPoint(): Promise<void> {
    if (this.lastGood === null && this.previousLabels !== null) this.lastGood = await this.capture();
  }

  /** One batch step on the combined loss (KL against P, and reconstruction), updating encoder, decoder and centroids. */
  async trainBatch(): Promise<void> {
    const { start, count, nextIndex, endsPass } = batchRange(this.batchIndex, this.n, this.plan.batchSize);
    const rows = (this.order ?? this.identity).subarray(start, start + count);
    if (this.onDevice) {
      this.deviceStep(this.onDevice, rows);
      this.iteration++;
      this.deviceSteps.push({ iteration: this.iteration, count });
    } else {
      const parts = this.compiled ? this.compiledStep(this.compiled, rows) : this.autogradStep(start, count);
      this.iteration++;
      this.reader.push(this.iteration, parts);
    }
    this.batchIndex = nextIndex;
    if (endsPass) {
      this.pass++;
      if (this.plan.shuffle) this.order = shuffledOrder(this.plan.seed, this.pass, this.n);
    }
    if (this.reader.size + this.deviceSteps.length >= this.plan.readInterval) await this.drainLosses();
  }

  /** The step through the compiled WebGPU kernels: the live state goes to the device first if it is not there, then the batch's rows of P. */
  private deviceStep(program: GpuCompiledAutoencoder, rows: Int32Array): void {
    const { k, batchTarget } = this;
    if (!this.loaded) {
      program.useRecords(this.records);
      program.loadParameters([...this.model.parameters(), this.clustering.centroids], this.optimizer);
      this.loaded = true;
    }
    const p = this.hostTarget!;
    for (let i = 0; i < rows.length; i++) batchTarget.set(p.subarray(rows[i]! * k, (rows[i]! + 1) * k), i * k);
    program.finetuneStep(rows, batchTarget.subarray(0, rows.length * k), this.optimizer, this.plan.weights, this.deviceSteps.length);
  }

  /** Brings the live parameters, centroids and moments back from the compiled WebGPU program to the tensors, if they are there. */
  private syncFromDevice(): void {
    if (!this.loaded) return;
    this.onDevice!.storeParameters([...this.model.parameters(), this.clustering.centroids], this.optimizer);
    this.loaded = false;
  }

  /** The loss parts of the compiled WebGPU steps since the last read; the live state comes back to the tensors first. */
  private async readDevice(program: GpuCompiledAutoencoder): Promise<{ meta: number; values: number[] }[]> {
    this.syncFromDevice();
    const steps = this.deviceSteps;
    this.deviceSteps = [];
    if (steps.length === 0) return [];
    const { squaredError, kl } = await program.losses();
    const { weights } = this.plan;
    return steps.map(({ iteration, count }, slot) => {
      const klMean = kl[slot]! / count;
      const reconstruction = squaredError[slot]! / (count * this.model.recordSize);
      return { meta: iteration, values: [weights.kl * klMean + weights.reconstruction * reconstruction, klMean, reconstruction] };
    });
  }

  /** The step through autograd: the loss as a graph, backward, Adam; the loss parts stay on the device until read. */
  private autogradStep(start: number, count: number): Tensor {
    const { model, clustering, optimizer, records } = this;
    const p = this.target!;
    const rows = this.order ? this.order.subarray(start, start + count) : null;
    return tidy(() => {
      const x = rows ? gatherRows(records, rows) : sliceRows(records, start, count);
      const pBatch = rows ? gatherRows(p, rows) : sliceRows(p, start, count);
      const z = model.encode(x);
      const kl = kld(pBatch, clustering.softAssign(z));
      const reconstruction = mse(model.decode(z), x);
      const total = combinedLoss(kl, reconstruction, this.plan.weights);
      backward(total);
      optimizer.update();
      optimizer.zeroGrad();
      return noGrad(() => concatRows([reshape(total, [1]), reshape(kl, [1]), reshape(reconstruction, [1])]));
    });
  }

  /** The same step through the CPU's compiled kernels, which return the batch's sums. */
  private compiledStep(c: CompiledAutoencoder, rows: Int32Array): Tensor {
    const { model, clustering, optimizer, k, batchTarget } = this;
    const weights = this.plan.weights;
    const p = cpuData(this.target!.storage);
    for (let i = 0; i < rows.length; i++) batchTarget.set(p.subarray(rows[i]! * k, (rows[i]! + 1) * k), i * k);
    const sums = optimiserStep(c, [...model.parameters(), clustering.centroids], optimizer, () =>
      c.finetuneStep(cpuData(this.records.storage) as Float32Array, rows, batchTarget.subarray(0, rows.length * k), weights),
    );
    const kl = sums.kl / rows.length;
    const reconstruction = sums.squaredError / (rows.length * model.recordSize);
    return hostTensor([weights.kl * kl + weights.reconstruction * reconstruction, kl, reconstruction], [3]);
  }

  /** Soft assignments q of every record, after the losses of the batches before are read and checked. */
  private async softAssignments(): Promise<Prediction> {
    await this.drainLosses();
    const prediction = await predict(this.model, this.clustering, this.records, { batchSize: this.plan.predictBatchSize });
    for (let i = 0; i < prediction.q.length; i++)
      if (!Number.isFinite(prediction.q[i]!)) await this.rollBack('softAssignment', prediction.q[i]!, this.iteration);
    return prediction;
  }

  /** The target distribution P from q (DEC's, with `targetBalance`). */
  private setTarget(prediction: Prediction): void {
    this.target?.dispose();
    const { n, k, model } = this;
    const p = targetDistribution(prediction.q, n, k, this.plan.targetBalance);
    // The compiled WebGPU step uploads each batch's rows of P as it goes; the other steps take them from a tensor.
    if (this.onDevice) this.hostTarget = Float32Array.from(p);
    else this.target = tensor(p, [n, k], { backend: model.backend, dtype: model.dtype });
  }

  /** The record of an update: delta-label against the last record, the mean loss parts since, and with labels ACC, NMI and ARI. */
  private record(kind: UpdateRecord['kind'], prediction: Prediction): void {
    const { n, sums, previousLabels } = this;
    const labels = this.options.labels;
    const clusters = prediction.clusters;
    let changed = 0;
    if (previousLabels !== null) for (let i = 0; i < n; i++) if (clusters[i] !== previousLabels[i]) changed++;
    const record: UpdateRecord = {
      iteration: this.iteration,
      kind,
      deltaLabel: changed / n,
      loss: sums.batches === 0 ? null : { total: sums.total / sums.batches, kl: sums.kl / sums.batches, reconstruction: sums.reconstruction / sums.batches },
      ...(labels !== undefined && {
        acc: clusteringAccuracy(labels, clusters).acc,
        nmi: normalizedMutualInfo(labels, clusters),
        ari: adjustedRandIndex(labels, clusters),
      }),
      elapsedSeconds: this.elapsed(),
    };
    this.sums = NO_LOSSES;
    this.history.push(record);
    this.previousLabels = clusters;
    this.options.onUpdate?.(record, prediction);
  }

  /** Reads the batches' loss parts from the device, checks them and adds them up; reports progress. */
  private async drainLosses(): Promise<void> {
    const read = this.onDevice ? await this.readDevice(this.onDevice) : await this.reader.read();
    for (const { meta: at, values } of read) {
      const [total, kl, reconstruction] = values as [number, number, number];
      if (!Number.isFinite(kl)) await this.rollBack('kl', kl, at);
      if (!Number.isFinite(reconstruction)) await this.rollBack('reconstruction', reconstruction, at);
      if (!Number.isFinite(total)) await this.rollBack('total', total, at);
      const s = this.sums;
      this.sums = { total: s.total + total, kl: s.kl + kl, reconstruction: s.reconstruction + reconstruction, batches: s.batches + 1 };
    }
    const last = read[read.length - 1];
    const onProgress = this.options.onProgress;
    if (last && onProgress) {
      const seconds = secondsSince(this.started);
      const done = last.meta - this.startIteration;
      onProgress({
        stage: 'finetune',
        iteration: last.meta,
        totalIterations: this.plan.maxIter,
        loss: last.values[0]!,
        iterationsPerSecond: done / seconds,
        recordsPerSecond: (done * this.plan.batchSize) / seconds,
        elapsedSeconds: this.elapsed(),
      });
    }
  }

  /** The live state as a checkpoint (device readback). */
  async capture(): Promise<Checkpoint> {
    this.syncFromDevice();
    const checkpoint = this.options.checkpoint;
    return captureCheckpoint({
      model: this.model,
      clustering: this.clustering,
      optimizer: await adamState(this.optimizer, this.names),
      progress: {
        stage: 'finetune',
        iteration: this.iteration,
        batchIndex: this.batchIndex,
        pass: this.pass,
        previousLabels: this.previousLabels!,
        history: [...this.history],
      },
      ...(checkpoint?.preprocessing && { preprocessing: checkpoint.preprocessing }),
      settings: { ...checkpoint?.settings, finetune: this.plan.settings },
    });
  }

  /** A non-finite value: back to the last update's parameters (and checkpoint file), then a NonFiniteLossError. */
  private async rollBack(part: NonFinitePart, value: number, at: number): Promise<never> {
    const good = this.lastGood;
    const checkpoint = this.options.checkpoint;
    // Before the first snapshot (non-finite soft assignments at the start) there is nothing to go back to.
    if (good === null) throw new NonFiniteLossError('finetune', part, value, at, undefined, { iteration: this.startIteration });
    this.model.setWeights(good.weights);
    this.clustering.setCentroids(good.clustering!.centroids);
    // The file, if any, is brought to the last good state too (it may lag behind when `every` > 1).
    if (checkpoint) await saveCheckpoint(checkpoint.path, good);
    throw new NonFiniteLossError('finetune', part, value, at, undefined, {
      iteration: good.progress?.stage === 'finetune' ? good.progress.iteration : this.startIteration,
      ...(checkpoint && { checkpointPath: checkpoint.path }),
    });
  }

  dispose(): void {
    this.reader.dispose();
    this.optimizer.dispose();
    this.target?.dispose();
  }
}
