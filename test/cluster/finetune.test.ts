import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpu } from '../../src/index.js';
import { readCheckpoint } from '../../src/cluster/checkpoint.js';
import { ClusteringLayer } from '../../src/cluster/clustering.js';
import { fineTune, type FineTuneOptions, type UpdateRecord } from '../../src/cluster/finetune.js';
import { kMeans } from '../../src/cluster/kmeans.js';
import { encodeRecords } from '../../src/cluster/predict.js';
import { pretrain } from '../../src/cluster/pretrain.js';
import { NonFiniteLossError, batchRange } from '../../src/cluster/training.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { tinyData, tinyDescription } from './fixtures.js';

/** A tiny model, its k-means centroids on the codes, and the data. */
async function setup(
  n = 40,
  seed = 1,
): Promise<{ model: Autoencoder; clustering: ClusteringLayer; inputs: Float32Array; labels: Int32Array; initial: Int32Array }> {
  const { inputs, labels } = tinyData(n, seed);
  const model = new Autoencoder(tinyDescription(), { seed });
  const codes = await encodeRecords(model, inputs);
  const km = kMeans(codes, n, model.codeSize, { k: 2, nInit: 3, seed });
  return { model, clustering: new ClusteringLayer(km.centroids, 2, model.codeSize), inputs, labels, initial: km.labels };
}

function dispose(s: { model: Autoencoder; clustering: ClusteringLayer }): void {
  s.model.dispose();
  s.clustering.dispose();
}

/** History without timings: what must repeat bit for bit. */
function numbers(history: readonly UpdateRecord[]): unknown[] {
  return history.map(({ elapsedSeconds: _, ...rest }) => rest);
}

const tempDir = tempDirs('seiscluster-finetune-');

describe('batchRange (in order, wrap-around)', () => {
  it('takes batches of B, a short last batch, then wraps to 0', () => {
    const seen: [number, number][] = [];
    let b = 0;
    for (let i = 0; i < 5; i++) {
      const r = batchRange(b, 10, 4);
      seen.push([r.start, r.count]);
      b = r.nextIndex;
    }
    expect(seen).toEqual([
      [0, 4],
      [4, 4],
      [8, 2],
      [0, 4],
      [4, 4],
    ]);
  });

  it('never yields an empty batch when n is a multiple of B', () => {
    expect([batchRange(0, 8, 4), batchRange(1, 8, 4)].map((r) => [r.start, r.count, r.nextIndex, r.endsPass])).toEqual([
      [0, 4, 1, false],
      [4, 4, 0, true],
    ]);
  });
});

describe('fineTune loop mechanics', () => {
  it('updates every updateInterval batches, runs maxIter batches, records a final state', async () => {
    const s = await setup();
    const progress: number[] = [];
    const r = await fineTune(s.model, s.clustering, s.inputs, {
      batchSize: 16,
      updateInterval: 3,
      maxIter: 10,
      tol: 0,
      lossReadInterval: 1,
      labels: s.labels,
      initialLabels: s.initial,
      onProgress: (p) => progress.push(p.iteration),
    });
    expect(r.iterations).toBe(10);
    expect(r.stopReason).toBe('maxIter');
    expect(r.history.map((h) => [h.iteration, h.kind])).toEqual([
      [0, 'update'],
      [3, 'update'],
      [6, 'update'],
      [9, 'update'],
      [10, 'final'],
    ]);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Loss parts: none before the first batch, then the mean over the interval's batches.
    expect(r.history[0]!.loss).toBeNull();
    for (const h of r.history.slice(1)) {
      expect(h.loss!.total).toBeCloseTo(0.1 * h.loss!.kl + h.loss!.reconstruction, 6);
      // The fixture's two clusters are separated from the start, so every scored iteration is perfect.
      expect(h.acc).toBe(1);
      expect(h.nmi).toBeCloseTo(1, 12);
      expect(h.ari).toBeCloseTo(1, 12);
    }
    // The first delta-label is against the k-means clusters: argmax q at iteration 0 is the nearest centroid.
    expect(r.history[0]!.deltaLabel).toBe(0);
    expect(r.prediction.clusters).toHaveLength(40);
    dispose(s);
  });

  it('stops on tol from the second update on, never at the first', async () => {
    const s = await setup();
    // Every delta-label is below 2, so the first checked update stops the run.
    const r = await fineTune(s.model, s.clustering, s.inputs, { batchSize: 16, updateInterval: 3, maxIter: 30, tol: 2 });
    expect(r.stopReason).toBe('tolerance');
    expect(r.iterations).toBe(3);
    expect(r.history.map((h) => h.iteration)).toEqual([0, 3]);
    dispose(s);
  });

  it('records no scores without evaluation labels', async () => {
    const s = await setup();
    const r = await fineTune(s.model, s.clustering, s.inputs, { batchSize: 16, updateInterval: 2, maxIter: 2 });
    expect(r.history.every((h) => h.acc === undefined && h.nmi === undefined && h.ari === undefined)).toBe(true);
    dispose(s);
  });

  it('wraps around: 3 batches of 16 over 40 records end a pass', async () => {
    const s = await setup();
    const dir = tempDir();
    await fineTune(s.model, s.clustering, s.inputs, { batchSize: 16, updateInterval: 100, maxIter: 4, checkpoint: { path: join(dir, 'c.safetensors') } });
    const c = await readCheckpoint(join(dir, 'c.safetensors'));
    // Batches 0-15, 16-31, 32-39 (short), then 0-15 again: next is batch 1 of pass 1.
    expect(c.progress).toMatchObject({ stage: 'finetune', iteration: 4, batchIndex: 1, pass: 1 });
    dispose(s);
  });

  it('the paper form of the loss is selectable', async () => {
    const s = await setup();
    const r = await fineTune(s.model, s.clustering, s.inputs, { batchSize: 16, updateInterval: 3, maxIter: 3, loss: { form: 'paper', lambda: 0.25 } });
    const l = r.history[1]!.loss!;
    expect(l.total).toBeCloseTo(0.25 * l.kl + 0.75 * l.reconstruction, 6);
    dispose(s);
  });

  it('releases every tensor it made', async () => {
    const s = await setup();
    const before = cpu.stats().live;
    await fineTune(s.model, s.clustering, s.inputs, { batchSize: 16, updateInterval: 3, maxIter: 7, shuffle: true, lossReadInterval: 4 });
    expect(cpu.stats().live).toBe(before);
    dispose(s);
  });
});

describe('determinism (CPU: bit for bit)', () => {
  async function run(
    seed: number,
    shuffle: boolean,
  ): Promise<{ weights: Map<string, Float64Array | Float32Array>; history: unknown[]; centroids: Float32Array | Float64Array }> {
    const s = await setup(40, 1);
    await pretrain(s.model, s.inputs, { epochs: 2, batchSize: 8, seed });
    const r = await fineTune(s.model, s.clustering, s.inputs, { batchSize: 16, updateInterval: 3, maxIter: 9, tol: 0, shuffle, seed, labels: s.labels });
    const out = { weights: await s.model.weights(), history: numbers(r.history), centroids: await s.clustering.centroidValues() };
    dispose(s);
    return out;
  }

  it('same seed, same numbers; another seed, other numbers', async () => {
    const a = await run(5, true);
    const b = await run(5, true);
    const c = await run(6, true);
    expect(b.weights).toEqual(a.weights);
    expect(b.centroids).toEqual(a.centroids);
    expect(b.history).toEqual(a.history);
    expect(c.weights).not.toEqual(a.weights);
  });
});

describe('resuming from a checkpoint', () => {
  const options: FineTuneOptions = { batchSize: 16, updateInterval: 3, maxIter: 9, tol: 0, shuffle: true, seed: 4 };

  it('fine-tuning resumed from the iteration-3 checkpoint repeats the uninterrupted run bit for bit', async () => {
    const dir = tempDir();
    const path = join(dir, 'run.safetensors');
    const saved = join(dir, 'at3.safetensors');
    const full = await setup();
    const r = await fineTune(full.model, full.clustering, full.inputs, {
      ...options,
      checkpoint: { path, preprocessing: { kind: 'tiny' } },
      // At the update of iteration 6 the file still holds iteration 3's state.
      onUpdate: (u) => (u.iteration === 6 ? copyFileSync(path, saved) : undefined),
    });

    const c = await readCheckpoint(saved);
    expect(c.progress).toMatchObject({ stage: 'finetune', iteration: 3 });
    expect(c.preprocessing).toEqual({ kind: 'tiny' });
    expect(c.settings).toMatchObject({ finetune: { batchSize: 16, updateInterval: 3, maxIter: 9, tol: 0, shuffle: true, seed: 4 } });
    const resumed = await setup();
    resumed.model.setWeights(c.weights);
    resumed.clustering.setCentroids(c.clustering!.centroids);
    if (c.progress?.stage !== 'finetune' || !c.optimizer) throw new Error('expected a fine-tuning checkpoint');
    const r2 = await fineTune(resumed.model, resumed.clustering, resumed.inputs, { ...options, resume: { progress: c.progress, optimizer: c.optimizer } });

    expect(r2.iterations).toBe(9);
    expect(numbers(r2.history)).toEqual(numbers(r.history));
    expect(await resumed.model.weights()).toEqual(await full.model.weights());
    expect(await resumed.clustering.centroidValues()).toEqual(await full.clustering.centroidValues());
    expect(readdirSync(dir).sort()).toEqual(['at3.safetensors', 'run.safetensors']);
    dispose(full);
    dispose(resumed);
  });

  it('pre-training resumed after epoch 1 repeats the uninterrupted run bit for bit', async () => {
    const dir = tempDir();
    const path = join(dir, 'pre.safetensors');
    const saved = join(dir, 'epoch1.safetensors');
    const full = await setup();
    const r = await pretrain(full.model, full.inputs, {
      epochs: 3,
      batchSize: 8,
      seed: 2,
      checkpoint: { path },
      onEpoch: (e) => (e.epoch === 2 ? copyFileSync(path, saved) : undefined),
    });
    const c = await readCheckpoint(saved);
    if (c.progress?.stage !== 'pretrain' || !c.optimizer) throw new Error('expected a pre-training checkpoint');
    expect(c.progress.epochsDone).toBe(1);
    const resumed = await setup();
    resumed.model.setWeights(c.weights);
    const r2 = await pretrain(resumed.model, resumed.inputs, { epochs: 3, batchSize: 8, seed: 2, resume: { progress: c.progress, optimizer: c.optimizer } });
    expect(r2.epochLosses).toEqual(r.epochLosses.slice(1));
    expect(await resumed.model.weights()).toEqual(await full.model.weights());
    dispose(full);
    dispose(resumed);
  });
});

describe('non-finite losses', () => {
  it('fine-tuning stops at the batch, names the loss part, restores the last update and keeps its checkpoint', async () => {
    const s = await setup();
    const dir = tempDir();
    const path = join(dir, 'c.safetensors');
    const bias = s.model.namedParameters().at(-1)!.tensor;
    let weightsAt3: Map<string, Float32Array | Float64Array> | null = null;
    const error = await fineTune(s.model, s.clustering, s.inputs, {
      batchSize: 16,
      updateInterval: 3,
      maxIter: 20,
      tol: 0,
      lossReadInterval: 1,
      checkpoint: { path },
      onUpdate: (u) => {
        if (u.iteration === 3) void s.model.weights().then((w) => (weightsAt3 = w));
      },
      // Poison the decoder's last bias after batch 4: batch 5's reconstruction is NaN, its KL is not.
      onProgress: (p) => (p.iteration === 4 ? bias.backend.write(bias.storage, [Number.NaN]) : undefined),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const e = error as NonFiniteLossError;
    expect(e.message).toMatch(
      /^fine-tuning: reconstruction loss \(MSE\) is NaN at iteration 5; parameters restored to the last good state \(iteration 3\); checkpoint .* holds that state$/,
    );
    expect(e).toMatchObject({ stage: 'finetune', part: 'reconstruction', iteration: 5, lastGood: { iteration: 3, checkpointPath: path } });
    expect(await s.model.weights()).toEqual(weightsAt3);
    const c = await readCheckpoint(path);
    expect(c.progress).toMatchObject({ stage: 'finetune', iteration: 3 });
    expect([...c.weights.values()].every((w) => w.every(Number.isFinite))).toBe(true);
    dispose(s);
  });

  it('names the clustering loss when the centroids go bad', async () => {
    const s = await setup();
    const c = s.clustering.centroids;
    const error = await fineTune(s.model, s.clustering, s.inputs, {
      batchSize: 16,
      updateInterval: 5,
      maxIter: 20,
      lossReadInterval: 1,
      onProgress: (p) => (p.iteration === 2 ? c.backend.write(c.storage, new Float32Array(c.size).fill(Number.NaN)) : undefined),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NonFiniteLossError', part: 'kl', iteration: 3, lastGood: { iteration: 0 } });
    expect((error as Error).message).toContain('clustering loss KL(P||Q) is NaN at iteration 3');
    expect((await s.clustering.centroidValues()).every(Number.isFinite)).toBe(true);
    dispose(s);
  });

  it('pre-training names the epoch and iteration and restores the last whole epoch', async () => {
    const s = await setup();
    const weight = s.model.namedParameters()[0]!.tensor;
    const afterEpoch1: Map<string, Float32Array | Float64Array>[] = [];
    const error = await pretrain(s.model, s.inputs, {
      epochs: 3,
      batchSize: 8,
      lossReadInterval: 1,
      onEpoch: (e) => (e.epoch === 1 ? void s.model.weights().then((w) => afterEpoch1.push(w)) : undefined),
      // 5 batches per epoch; poison an encoder kernel after batch 8 (epoch 2).
      onProgress: (p) => (p.iteration === 8 ? weight.backend.write(weight.storage, new Float32Array(weight.size).fill(Number.POSITIVE_INFINITY)) : undefined),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as Error).message).toMatch(
      /^pre-training: reconstruction loss \(MSE\) is NaN at epoch 2, iteration 9; parameters restored to the last good state \(end of epoch 1\)$/,
    );
    expect(await s.model.weights()).toEqual(afterEpoch1[0]);
    dispose(s);
  });
});
