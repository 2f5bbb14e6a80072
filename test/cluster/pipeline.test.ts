import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint, restoreModel } from '../../src/cluster/checkpoint.js';
import { runExperiment, type ExperimentOptions } from '../../src/cluster/experiment.js';
import { predict } from '../../src/cluster/predict.js';
import { chooseBySilhouette } from '../../src/cluster/selection.js';
import { syntheticTaskA } from '../../src/data/synthetic.js';
import { networkA } from '../../src/model/networks.js';
import { tinyData, tinyDescription } from './fixtures.js';

describe('the full pipeline (pre-training, k-means on codes, fine-tuning)', () => {
  it('same seed, same numbers on the CPU backend, bit for bit', async () => {
    const { inputs, labels } = tinyData(60, 3);
    const run = async (seed: number): Promise<unknown> => {
      const r = await runExperiment({
        description: tinyDescription(),
        inputs,
        labels,
        seed,
        baselineOnInputs: true,
        pretrain: { epochs: 2, batchSize: 16 },
        kMeans: { nInit: 3 },
        fineTune: { batchSize: 16, updateInterval: 4, maxIter: 12, tol: 0, shuffle: true },
      });
      const out = {
        scores: r.stages.map((s) => s.scores),
        kMeans: r.kMeans,
        history: r.fineTune.history.map(({ elapsedSeconds: _, ...rest }) => rest),
        losses: r.pretrain.epochLosses,
        weights: await r.model.weights(),
        centroids: await r.clustering.centroidValues(),
        q: r.fineTune.prediction.q,
      };
      r.model.dispose();
      r.clustering.dispose();
      return out;
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
  });

  it("whole-run restarts keep the run whose clusters have the highest silhouette on the inputs, which is that seed's run alone", async () => {
    const { inputs, labels } = tinyData(60, 3);
    const options = {
      description: tinyDescription(),
      inputs,
      labels,
      pretrain: { epochs: 2, batchSize: 16 },
      kMeans: { nInit: 3 },
      fineTune: { batchSize: 16, updateInterval: 4, maxIter: 12, tol: 0 },
    };
    const r = await runExperiment({ ...options, seed: 5, restarts: 3 });
    const kept = r.restarts!;
    expect(kept.rule).toBe('silhouette');
    expect(kept.seeds).toEqual([5, 5 + 7919, 5 + 2 * 7919]);
    const clusterings: Int32Array[] = [];
    for (const seed of kept.seeds) {
      const one = await runExperiment({ ...options, seed });
      clusterings.push(one.fineTune.prediction.clusters);
      one.model.dispose();
      one.clustering.dispose();
    }
    expect(kept).toMatchObject(chooseBySilhouette(inputs, inputs.length / 60, 2, clusterings));
    expect(kept.scores[kept.chosen]).toBe(Math.max(...kept.scores));
    expect(r.fineTune.prediction.clusters).toEqual(clusterings[kept.chosen]);
    r.model.dispose();
    r.clustering.dispose();
  });

  it('on a reduced synthetic task A set, fine-tuning ends at or above the k-means-on-codes ACC it started from', async () => {
    // The proof (scripts/clustering-proof.ts) runs 9,200 records, 100 epochs, batch 256 and up to 5,000
    // iterations; this keeps the mechanism at 1,000 records in about 20 s on one core.
    const data = syntheticTaskA({ n: 1000, seed: 1 });
    const r = await runExperiment({
      description: networkA(),
      inputs: data.inputs,
      labels: data.labels,
      seed: 1,
      pretrain: { epochs: 15, batchSize: 32 },
      kMeans: { nInit: 5 },
      fineTune: { batchSize: 16, updateInterval: 100, maxIter: 1000 },
    });
    const start = r.fineTune.history[0]!;
    const end = r.fineTune.history.at(-1)!;
    const codes = r.stages.find((s) => s.stage === 'k-means on codes')!.scores!;
    const tuned = r.stages.find((s) => s.stage === 'fine-tuning')!.scores!;
    console.log(
      `reduced task A: k-means on codes ACC ${codes.acc.toFixed(4)}, after ${r.fineTune.iterations} iterations ` +
        `(${r.fineTune.stopReason}) ACC ${tuned.acc.toFixed(4)} NMI ${tuned.nmi.toFixed(4)} ARI ${tuned.ari.toFixed(4)}`,
    );
    // Iteration 0 is the k-means partition (argmax q = nearest centroid).
    expect(start.acc).toBe(codes.acc);
    expect(end.acc).toBe(tuned.acc);
    expect(tuned.acc).toBeGreaterThanOrEqual(codes.acc);
    expect(tuned.acc).toBeGreaterThan(0.75);
    expect(r.fineTune.history.every((h) => h.loss === null || (h.loss.kl >= 0 && h.loss.reconstruction > 0))).toBe(true);
    r.model.dispose();
    r.clustering.dispose();
  });
});

describe("fine-tuning's end weighed against its start (keepFineTuning: 'silhouette')", () => {
  const { inputs, labels } = tinyData(60, 3);
  const options = (fineTune: ExperimentOptions['fineTune']): ExperimentOptions => ({
    description: tinyDescription(),
    inputs,
    labels,
    seed: 1,
    pretrain: { epochs: 2, batchSize: 16 },
    kMeans: { nInit: 3 },
    fineTune: { batchSize: 16, updateInterval: 4, maxIter: 40, tol: 0, ...fineTune },
  });

  it('gives way to its start when fine-tuning wrecks the clusters: the model returned and its checkpoint assign the k-means clusters', async () => {
    // A learning rate of 0.3 throws the codes about; the clusters it ends with separate the inputs worse than k-means on the pre-trained codes.
    const always = await runExperiment({ ...options({ lr: 0.3 }), keepFineTuning: 'always' });
    expect(always.fineTuneCheck).toBeUndefined();
    expect(always.fineTune.prediction.clusters).not.toEqual(always.kMeans.labels);
    always.model.dispose();
    always.clustering.dispose();

    const path = join(mkdtempSync(join(tmpdir(), 'seiscluster-keep-')), 'model.ckpt');
    const r = await runExperiment({ ...options({ lr: 0.3 }), keepFineTuning: 'silhouette', checkpointPath: path });
    expect(r.fineTuneCheck).toMatchObject({ kept: 'start' });
    expect(r.fineTuneCheck!.start).toBeGreaterThan(r.fineTuneCheck!.end);
    expect(r.fineTune.prediction.clusters).toEqual(r.kMeans.labels);
    expect((await predict(r.model, r.clustering, inputs)).clusters).toEqual(r.kMeans.labels);
    const saved = restoreModel(await readCheckpoint(path));
    expect((await predict(saved.model, saved.clustering!, inputs)).clusters).toEqual(r.kMeans.labels);
    // The stage's row scores what is kept.
    expect(r.stages.find((s) => s.stage === 'fine-tuning')!.scores).toEqual(r.stages.find((s) => s.stage === 'k-means on codes')!.scores);
    for (const m of [r.model, saved.model]) m.dispose();
    for (const c of [r.clustering, saved.clustering!]) c.dispose();
    rmSync(dirname(path), { recursive: true, force: true });
  });

  it('keeps the end when it separates the inputs better, and on a tie (no iterations)', async () => {
    const better = await runExperiment({ ...options({ lr: 0.05 }), seed: 3, keepFineTuning: 'silhouette' });
    expect(better.fineTuneCheck).toMatchObject({ kept: 'end' });
    expect(better.fineTuneCheck!.end).toBeGreaterThan(better.fineTuneCheck!.start);
    const always = await runExperiment({ ...options({ lr: 0.05 }), seed: 3 });
    expect(better.fineTune.prediction.clusters).toEqual(always.fineTune.prediction.clusters);
    expect(better.fineTune.prediction.clusters).not.toEqual(better.kMeans.labels);
    const none = await runExperiment({ ...options({ maxIter: 0 }), keepFineTuning: 'silhouette' });
    expect(none.fineTuneCheck).toMatchObject({ kept: 'end' });
    expect(none.fineTuneCheck!.end).toBe(none.fineTuneCheck!.start);
    for (const r of [better, always, none]) {
      r.model.dispose();
      r.clustering.dispose();
    }
  });
});
