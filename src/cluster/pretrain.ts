import { backward } from '../autograd/backward.js';
import { cpuData } from '../kernels/cpu.js';
import { mse } from '../kernels/loss.js';
import { gatherRows, sliceRows } from '../kernels/rows.js';
import { Adam } from '../optim/optimizer.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { compiledFor, hostTensor, optimiserStep, type CompiledAutoencoder } from '../jit/compiled.js';
import { gpuCompiledFor, type GpuCompiledAutoencoder } from '../jit/webgpu/compiled.js';
import type { Autoencoder } from '../model/autoencoder.js';
import { captureCheckpoint, saveCheckpoint, type Checkpoint, type CheckpointTarget, type PretrainProgress } from './checkpoint.js';
import {
  LossReader,
  NonFiniteLossError,
  adamState,
  recordsTensor,
  restoreAdam,
  secondsSince,
  shuffledOrder,
  type AdamState,
  type ProgressCallback,
} from './training.js';

export interface PretrainOptions {
  /** Default 100 (the paper's; its notebook ran 50). */
  epochs?: number;
  /** Default 128. */
  batchSize?: number;
  /** Shuffle the records every epoch (Keras `fit` does by default). Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling. Default 0. */
  seed?: number;
  /** Adam learning rate. Default 1e-3. */
  lr?: number;
  /** Batches between reads of the loss from the device (and non-finite checks). Default 10; every epoch end reads too. */
  lossReadInterval?: number;
  onProgress?: ProgressCallback;
  onEpoch?: (epoch: { epoch: number; loss: number; elapsedSeconds: number }) => void;
  checkpoint?: CheckpointTarget;
  /** Go on from a pre-training checkpoint: its progress and its optimiser state. */
  resume?: { progress: PretrainProgress; optimizer: AdamState };
}

export interface PretrainResult {
  /** Mean reconstruction MSE of each epoch run by this call, weighted by batch size (as Keras reports it). */
  readonly epochLosses: number[];
  /** Epochs done in all, counting those before a resume. */
  readonly epochs: number;
  readonly seconds: number;
}

function positiveInteger(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`pretrain: ${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Pre-training (METHOD.md, stage 1): the autoencoder alone, Adam on the mean
 * squared reconstruction error, `epochs` passes over the records in batches.
 * Each epoch's order depends on (seed, epoch) only, so a resumed run repeats
 * the uninterrupted one. A NaN or infinite loss stops training with a
 * NonFiniteLossError after restoring the weights of the last whole epoch.
 */
export async function pretrain(model: Autoencoder, inputs: Float32Array | Tensor, options: PretrainOptions = {}): Promise<PretrainResult> {
  const epochs = positiveInteger('epochs', options.epochs ?? 100);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 128);
  const readInterval = positiveInteger('lossReadInterval', options.lossReadInterval ?? 10);
  const shuffle = options.shuffle ?? true;
  const seed = options.seed ?? 0;
  const lr = options.lr ?? 1e-3;
  const every = positiveInteger('checkpoint.every', options.checkpoint?.every ?? 1);
  const settings = { epochs, batchSize, shuffle, seed, lr };

  // The CPU's compiled kernels when the model allows, else op by op through autograd (before anything is allocated: it may throw).
  const compiled = compiledFor(model, batchSize);
  await compiled?.started();
  const { records, owned } = recordsTensor(inputs, model.inputShape, model.backend, model.dtype, 'pretrain');
  const n = records.shape[0]!;
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const names = model.namedParameters().map((p) => p.name);
  const optimizer = new Adam(model.parameters(), { lr });
  const reader = new LossReader<{ epoch: number; iteration: number; count: number }>();
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const compiledStep = (c: CompiledAutoencoder, rows: Int32Array): Tensor => {
    const { squaredError } = optimiserStep(c, model.parameters(), optimizer, () => c.pretrainStep(cpuData(records.storage) as Float32Array, rows));
    return hostTensor([squaredError / (rows.length * model.recordSize)], [1]);
  };
  const started = performance.now();
  let firstEpoch = 0;
  try {
    // On WebGPU, the compiled step: whole epochs on the device, the records resident there, losses read back once per epoch.
    const onDevice = await gpuCompiledFor(model, batchSize, optimizer);
    onDevice?.useRecords(records);
    if (options.resume) {
      restoreAdam(optimizer, names, options.resume.optimizer);
      firstEpoch = options.resume.progress.epochsDone;
    }
    const capture = async (epochsDone: number): Promise<Checkpoint> =>
      captureCheckpoint({
        model,
        optimizer: await adamState(optimizer, names),
        progress: { stage: 'pretrain', epochsDone },
        ...(options.checkpoint?.preprocessing && { preprocessing: options.checkpoint.preprocessing }),
        settings: { ...options.checkpoint?.settings, pretrain: settings },
      });
    let lastGood = await capture(firstEpoch);
    let lastGoodEpoch = firstEpoch;
    const epochLosses: number[] = [];
    let epochSum = 0;
    let epochCount = 0;

    /** Adds a batch's loss to the epoch's; a non-finite one restores the last good state and throws. */
    const account = async (meta: { epoch: number; iteration: number; count: number }, loss: number): Promise<void> => {
      if (!Number.isFinite(loss)) {
        model.setWeights(lastGood.weights);
        // The file, if any, is brought to the last good state too (it may lag behind when `every` > 1).
        if (options.checkpoint) await saveCheckpoint(options.checkpoint.path, lastGood);
        throw new NonFiniteLossError('pretrain', 'reconstruction', loss, meta.iteration, meta.epoch, {
          epoch: lastGoodEpoch,
          iteration: lastGoodEpoch * batchesPerEpoch,
          ...(options.checkpoint && { checkpointPath: options.checkpoint.path }),
        });
      }
      epochSum += loss * meta.count;
      epochCount += meta.count;
    };

    const report = (meta: { epoch: number; iteration: number }, loss: number): void => {
      if (!options.onProgress) return;
      const elapsed = secondsSince(started);
      const done = meta.iteration - firstEpoch * batchesPerEpoch;
      options.onProgress({
        stage: 'pretrain',
        epoch: meta.epoch,
        epochs,
        iteration: meta.iteration,
        totalIterations: epochs * batchesPerEpoch,
        loss,
        iterationsPerSecond: done / elapsed,
        recordsPerSecond: (done * batchSize) / elapsed,
        elapsedSeconds: elapsed,
      });
    };

    const drain = async (): Promise<void> => {
      const read = await reader.read();
      for (const { meta, values } of read) await account(meta, values[0]!);
      const last = read[read.length - 1];
      if (last) report(last.meta, last.values[0]!);
    };

    /** One epoch through the compiled WebGPU step: parameters and moments in, every batch, parameters and moments out, then one read of the losses. */
    const deviceEpoch = async (program: GpuCompiledAutoencoder, epoch: number, order: Int32Array): Promise<void> => {
      program.loadParameters(model.parameters(), optimizer);
      program.train(order, optimizer);
      program.storeParameters(model.parameters(), optimizer);
      const squaredErrors = (await program.losses()).squaredError;
      let meta = { epoch: epoch + 1, iteration: 0, count: 0 };
      for (let b = 0; b < batchesPerEpoch; b++) {
        const count = Math.min(batchSize, n - b * batchSize);
        meta = { epoch: epoch + 1, iteration: epoch * batchesPerEpoch + b + 1, count };
        await account(meta, squaredErrors[b]! / (count * model.recordSize));
      }
      report(meta, squaredErrors[batchesPerEpoch - 1]! / (meta.count * model.recordSize));
    };

    for (let epoch = firstEpoch; epoch < epochs; epoch++) {
      const order = shuffle ? shuffledOrder(seed, epoch, n) : null;
      epochSum = 0;
      epochCount = 0;
      if (onDevice !== null) await deviceEpoch(onDevice, epoch, order ?? identity);
      else {
        for (let b = 0; b < batchesPerEpoch; b++) {
          const start = b * batchSize;
          const count = Math.min(batchSize, n - start);
          const loss = compiled
            ? compiledStep(compiled, (order ?? identity).subarray(start, start + count))
            : tidy(() => {
                const x = order ? gatherRows(records, order.subarray(start, start + count)) : sliceRows(records, start, count);
                const reconstructionLoss = mse(model.reconstruct(x), x);
                backward(reconstructionLoss);
                optimizer.update();
                optimizer.zeroGrad();
                return reconstructionLoss;
              });
          reader.push({ epoch: epoch + 1, iteration: epoch * batchesPerEpoch + b + 1, count }, loss);
          if (reader.size >= readInterval) await drain();
        }
        await drain();
      }
      const epochLoss = epochSum / epochCount;
      epochLosses.push(epochLoss);
      options.onEpoch?.({ epoch: epoch + 1, loss: epochLoss, elapsedSeconds: secondsSince(started) });
      lastGood = await capture(epoch + 1);
      lastGoodEpoch = epoch + 1;
      if (options.checkpoint && ((epoch + 1) % every === 0 || epoch + 1 === epochs)) await saveCheckpoint(options.checkpoint.path, lastGood);
    }
    return { epochLosses, epochs, seconds: secondsSince(started) };
  } finally {
    reader.dispose();
    optimizer.dispose();
    if (owned) records.dispose();
  }
}
