import { expect, it } from 'vitest';
import { cpu, type Backend } from '../../src/index.js';
import { ClusteringLayer } from '../../src/cluster/clustering.js';
import { fineTune } from '../../src/cluster/finetune.js';
import { kMeans } from '../../src/cluster/kmeans.js';
import { encodeRecords, predict } from '../../src/cluster/predict.js';
import { pretrain } from '../../src/cluster/pretrain.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import { networkA } from '../../src/model/networks.js';
import { describeWebGpu, expectClose } from '../webgpu/helpers.js';
import { tinyData, tinyDescription } from './fixtures.js';

describeWebGpu('deep clustering on WebGPU', (gpu) => {
  it('pre-training and fine-tuning follow the CPU run (same seed, same schedule)', async () => {
    const { inputs, labels } = tinyData(48, 2);
    const runs = [];
    for (const backend of [cpu, gpu] as Backend[]) {
      const model = new Autoencoder(tinyDescription(), { seed: 2, backend });
      const pre = await pretrain(model, inputs, { epochs: 2, batchSize: 16, seed: 1 });
      runs.push({ backend, model, pre, codes: await encodeRecords(model, inputs) });
    }
    const [c, g] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expectClose('pre-training losses', g.pre.epochLosses, c.pre.epochLosses, { rtol: 1e-4, atol: 1e-7 });
    expectClose('codes', g.codes, c.codes, { rtol: 1e-3, atol: 1e-5 });
    // k-means on the CPU codes for both, so the two runs start from the same centroids.
    const km = kMeans(c.codes, 48, c.model.codeSize, { k: 2, nInit: 3, seed: 1 });
    const results = [];
    for (const { backend, model } of runs) {
      const clustering = new ClusteringLayer(km.centroids, 2, model.codeSize, { backend });
      const r = await fineTune(model, clustering, inputs, {
        batchSize: 16,
        updateInterval: 3,
        maxIter: 9,
        labels,
        initialLabels: km.labels,
        lossReadInterval: 4,
      });
      results.push({ r, centroids: await clustering.centroidValues() });
      clustering.dispose();
      model.dispose();
    }
    const [rc, rg] = results as [(typeof results)[0], (typeof results)[0]];
    expect(rg.r.history.map((h) => [h.iteration, h.kind])).toEqual(rc.r.history.map((h) => [h.iteration, h.kind]));
    rc.r.history.forEach((h, i) => {
      const hg = rg.r.history[i]!;
      if (h.loss)
        expectClose(`loss at iteration ${h.iteration}`, [hg.loss!.kl, hg.loss!.reconstruction], [h.loss.kl, h.loss.reconstruction], { rtol: 1e-3, atol: 1e-6 });
    });
    expectClose('soft assignments', rg.r.prediction.q, rc.r.prediction.q, { rtol: 1e-3, atol: 1e-5 });
    expectClose('centroids', rg.centroids, rc.centroids, { rtol: 1e-3, atol: 1e-5 });
  });

  it('network A predicts the same codes and clusters as on the CPU', async () => {
    const inputs = Float32Array.from({ length: 5 * 768 }, (_, i) => Math.abs(Math.sin(i * 0.37)));
    const outs = [];
    for (const backend of [cpu, gpu] as Backend[]) {
      const model = new Autoencoder(networkA(), { seed: 4, backend });
      const clustering = new ClusteringLayer(
        Float32Array.from({ length: 24 }, (_, i) => Math.cos(i) / 4),
        2,
        12,
        { backend },
      );
      outs.push(await predict(model, clustering, inputs, { batchSize: 2 }));
      model.dispose();
      clustering.dispose();
    }
    expectClose('codes', outs[1]!.codes, outs[0]!.codes, { rtol: 1e-4, atol: 1e-6 });
    expectClose('q', outs[1]!.q, outs[0]!.q, { rtol: 1e-4, atol: 1e-6 });
  });
});
