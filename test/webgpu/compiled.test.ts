import { expect, it } from 'vitest';
import { Adam, Rng, backward, cpu, cpuData, mse, noGrad, tensor, tidy, zeroGrad, type Tensor, type WebGpuBackend } from '../../src/index.js';
import { ClusteringLayer, targetDistribution } from '../../src/cluster/clustering.js';
import { fineTune } from '../../src/cluster/finetune.js';
import { combinedLoss, type LossWeights } from '../../src/cluster/loss.js';
import { encodeRecords, predict } from '../../src/cluster/predict.js';
import { pretrain } from '../../src/cluster/pretrain.js';
import { GpuCompiledAutoencoder, GpuProgramTooLargeError, gpuCompiledFor } from '../../src/jit/webgpu/compiled.js';
import { kld } from '../../src/kernels/loss.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import type { ModelDescription } from '../../src/model/description.js';
import { networkA, networkB } from '../../src/model/networks.js';
import { describeWebGpu, expectClose } from './helpers.js';

const KERAS_ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-7 };

/** 1-D, odd channel counts and lengths: pooling by 3 with a partial last window (23 = 7 x 3 + 2), a 'valid' convolution, relu and sigmoid. */
function oddDescription(): ModelDescription {
  return {
    input: [3, 23],
    encoder: [
      { type: 'conv1d', filters: 5, kernel: 5, activation: 'tanh' }, // 5 x 23
      { type: 'maxPool1d', pool: 3 }, // 5 x 8
      { type: 'conv1d', filters: 3, kernel: 4, padding: 'valid', activation: 'relu' }, // 3 x 5
      { type: 'activation', activation: 'sigmoid' },
    ],
    decoder: [
      { type: 'upsample1d', factor: 5 }, // 3 x 25
      { type: 'conv1d', filters: 3, kernel: 3, padding: 'valid' }, // 3 x 23
    ],
  };
}

/** 2-D, odd heights: a non-square kernel, pooling by [3, 2] with partial windows on 7 x 9, upsampling by [3, 2] and a 'valid' crop. */
function oddPlanes(): ModelDescription {
  return {
    input: [1, 7, 9],
    encoder: [
      { type: 'conv2d', filters: 3, kernel: [2, 3], activation: 'tanh' }, // 3 x 7 x 9
      { type: 'maxPool2d', pool: [3, 2] }, // 3 x 3 x 5
    ],
    decoder: [
      { type: 'upsample2d', factor: [3, 2] }, // 3 x 9 x 10
      { type: 'conv2d', filters: 1, kernel: [3, 2], padding: 'valid', activation: 'linear' }, // 1 x 7 x 9
    ],
  };
}

/**
 * An activation before the first convolution (the records are gathered, not read through the order), a 2 x 2 pooling the
 * convolution before it computes, and a 2 x 2 upsampling after the code that is read through and whose gradient is summed by
 * the convolution after it; records of 88 values, not whole segments of 16.
 */
function activationFirst(): ModelDescription {
  return {
    input: [1, 4, 22],
    encoder: [
      { type: 'activation', activation: 'tanh' },
      { type: 'conv2d', filters: 3, kernel: 3, activation: 'tanh' }, // 3 x 4 x 22
      { type: 'maxPool2d', pool: 2 }, // 3 x 2 x 11
      { type: 'conv2d', filters: 2, kernel: 3, activation: 'tanh' }, // 2 x 2 x 11
    ],
    decoder: [
      { type: 'conv2d', filters: 2, kernel: 3, activation: 'tanh' }, // 2 x 2 x 11
      { type: 'upsample2d', factor: 2 }, // 2 x 4 x 22
      { type: 'conv2d', filters: 1, kernel: 3, activation: 'linear' }, // 1 x 4 x 22
    ],
  };
}

function uniformRecords(n: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * size }, () => 2 * rng.uniform() - 1);
}

/** A float32 model on the GPU with random biases (zeros would hide a bias read from the wrong place) and its float64 CPU twin. */
async function twins(gpu: WebGpuBackend, description: ModelDescription, seed: number): Promise<{ onGpu: Autoencoder; m64: Autoencoder }> {
  const reference = new Autoencoder(description, { seed });
  const rng = new Rng(seed + 100);
  const weights = await reference.weights();
  for (const [name, values] of weights) if (name.endsWith('.bias')) for (let i = 0; i < values.length; i++) values[i] = 0.4 * rng.uniform() - 0.2;
  reference.dispose();
  const onGpu = new Autoencoder(description, { backend: gpu });
  onGpu.setWeights(weights);
  const m64 = new Autoencoder(description, { seed, dtype: 'float64' });
  m64.setWeights(weights);
  return { onGpu, m64 };
}

/** The autograd path in float64: MSE of the reconstruction of `rows` and the parameter gradients, concatenated in parameter order. */
function reference(m64: Autoencoder, records: Float32Array, rows: readonly number[]): { loss: number; gradient: Float64Array } {
  const size = m64.recordSize;
  const values = new Float64Array(rows.length * size);
  rows.forEach((r, i) => values.set(records.subarray(r * size, (r + 1) * size), i * size));
  zeroGrad(m64.parameters());
  const loss = tidy(() => {
    const x = tensor(values, [rows.length, ...m64.inputShape], { dtype: 'float64' });
    const l = mse(m64.reconstruct(x), x);
    backward(l);
    return cpuData(l.storage)[0]!;
  });
  const gradient = new Float64Array(m64.plan.parameterCount);
  let at = 0;
  for (const p of m64.parameters()) {
    gradient.set(cpuData(p.grad!.storage), at);
    at += p.size;
  }
  zeroGrad(m64.parameters());
  return { loss, gradient };
}

/** max |got - want| <= rtol max |want| per parameter tensor, naming the worst element. */
function expectGradientClose(got: Float32Array, want: Float64Array, params: readonly { name: string; tensor: Tensor }[], rtol: number): void {
  let at = 0;
  for (const { name, tensor: t } of params) {
    let scale = 0;
    let worst = 0;
    let where = -1;
    for (let i = at; i < at + t.size; i++) {
      scale = Math.max(scale, Math.abs(want[i]!));
      const d = Math.abs(got[i]! - want[i]!);
      if (!(d <= worst)) {
        worst = d;
        where = i - at;
      }
    }
    expect(scale, `${name}: the reference gradient is all zeros`).toBeGreaterThan(0);
    expect(worst, `${name}[${where}]: ${got[at + where]} vs ${want[at + where]} (max |ref| ${scale})`).toBeLessThanOrEqual(rtol * scale + 1e-7);
    at += t.size;
  }
}

/** For each batch: one compiled step with a zero learning rate (the parameters stay put), its gradient and loss against float64 autograd. */
async function expectGradientsMatch(gpu: WebGpuBackend, description: ModelDescription, batchSize: number, batches: readonly number[][], n = 12): Promise<void> {
  const { onGpu, m64 } = await twins(gpu, description, 3);
  const records = uniformRecords(n, onGpu.recordSize, 7);
  const resident = tensor(records, [n, ...onGpu.inputShape], { backend: gpu });
  const compiled = await GpuCompiledAutoencoder.create(gpu, onGpu.plan, batchSize, KERAS_ADAM);
  try {
    compiled.useRecords(resident);
    compiled.loadParameters(onGpu.parameters());
    for (const rows of batches) {
      compiled.train(Int32Array.from(rows), { lr: 0, beta1: KERAS_ADAM.beta1, beta2: KERAS_ADAM.beta2, step: 0 });
      const [squaredError] = (await compiled.losses()).squaredError;
      const got = await compiled.lastGradient();
      const want = reference(m64, records, rows);
      expectGradientClose(got, want.gradient, onGpu.namedParameters(), 1e-4);
      const loss = squaredError! / (rows.length * onGpu.recordSize);
      expect(Math.abs(loss - want.loss), `batch of ${rows.length}: loss ${loss} vs ${want.loss}`).toBeLessThanOrEqual(1e-5 * want.loss);
    }
  } finally {
    compiled.dispose();
    resident.dispose();
    onGpu.dispose();
    m64.dispose();
  }
}

/** Centroids near the codes of records `at` (moved a little), so every soft assignment is far from 0 and 1. */
async function centroidsNear(m64: Autoencoder, records: Float32Array, at: readonly number[]): Promise<Float32Array> {
  const codes = await encodeRecords(m64, records);
  const D = m64.codeSize;
  return Float32Array.from(at.flatMap((r) => Array.from(codes.subarray(r * D, r * D + D), (v, m) => v + 0.05 * (m - D / 2))));
}

/** The fine-tuning loss in float64 autograd: weights.kl KL(P || Q) + weights.reconstruction MSE of `rows`, its parts and the gradient of the parameters and centroids. */
function finetuneReference(
  m64: Autoencoder,
  head: ClusteringLayer,
  records: Float32Array,
  rows: readonly number[],
  target: Float32Array,
  weights: LossWeights,
): { kl: number; mse: number; gradient: Float64Array } {
  const size = m64.recordSize;
  const values = new Float64Array(rows.length * size);
  rows.forEach((r, i) => values.set(records.subarray(r * size, (r + 1) * size), i * size));
  const params = [...m64.parameters(), head.centroids];
  zeroGrad(params);
  const parts = tidy(() => {
    const x = tensor(values, [rows.length, ...m64.inputShape], { dtype: 'float64' });
    const z = m64.encode(x);
    const kl = kld(tensor(Float64Array.from(target), [rows.length, head.k], { dtype: 'float64' }), head.softAssign(z));
    const reconstruction = mse(m64.decode(z), x);
    backward(combinedLoss(kl, reconstruction, weights));
    return { kl: cpuData(kl.storage)[0]!, mse: cpuData(reconstruction.storage)[0]! };
  });
  const gradient = new Float64Array(params.reduce((n, p) => n + p.size, 0));
  let at = 0;
  for (const p of params) {
    gradient.set(cpuData(p.grad!.storage), at);
    at += p.size;
  }
  zeroGrad(params);
  return { ...parts, gradient };
}

/** Twin models with a clustering head of k centroids near the codes of records `at`, P of every record, and a compiled program for batchSize. */
async function finetuneFixture(
  gpu: WebGpuBackend,
  description: ModelDescription,
  batchSize: number,
  at: readonly number[],
  seeds: { model: number; records: number },
  n: number,
) {
  const k = at.length;
  const { onGpu, m64 } = await twins(gpu, description, seeds.model);
  const records = uniformRecords(n, onGpu.recordSize, seeds.records);
  const centroids = await centroidsNear(m64, records, at);
  const head64 = new ClusteringLayer(centroids, k, m64.codeSize, { backend: cpu, dtype: 'float64' });
  const headGpu = new ClusteringLayer(centroids, k, m64.codeSize, { backend: gpu });
  // P as fine-tuning builds it, from the soft assignments of every record.
  const p = targetDistribution((await predict(m64, head64, records)).q, n, k);
  const resident = tensor(records, [n, ...onGpu.inputShape], { backend: gpu });
  const compiled = await GpuCompiledAutoencoder.create(gpu, onGpu.plan, batchSize, KERAS_ADAM, k);
  return {
    onGpu,
    m64,
    records,
    head64,
    headGpu,
    p,
    resident,
    compiled,
    dispose: () => {
      for (const t of [compiled, resident, head64, headGpu, onGpu, m64]) t.dispose();
    },
  };
}

/** For each batch: one compiled fine-tuning step with a zero learning rate, its gradient (centroids included) and loss parts against float64 autograd. */
async function expectFinetuneGradientsMatch(
  gpu: WebGpuBackend,
  description: ModelDescription,
  batchSize: number,
  k: number,
  batches: readonly number[][],
): Promise<void> {
  const fixture = await finetuneFixture(gpu, description, batchSize, [0, 4, 8, 10].slice(0, k), { model: 3, records: 7 }, 12);
  const { onGpu, m64, records, head64, headGpu, p, resident, compiled } = fixture;
  const weights = { kl: 0.3, reconstruction: 0.7 };
  try {
    compiled.useRecords(resident);
    compiled.loadParameters([...onGpu.parameters(), headGpu.centroids]);
    for (const rows of batches) {
      const target = Float32Array.from(rows.flatMap((r) => Array.from(p.subarray(r * k, (r + 1) * k))));
      compiled.finetuneStep(Int32Array.from(rows), target, { lr: 0, beta1: KERAS_ADAM.beta1, beta2: KERAS_ADAM.beta2, step: 0 }, weights, 0);
      const sums = await compiled.losses();
      const got = await compiled.lastGradient();
      const want = finetuneReference(m64, head64, records, rows, target, weights);
      expectGradientClose(got, want.gradient, [...onGpu.namedParameters(), { name: 'centroids', tensor: headGpu.centroids }], 1e-4);
      const mseGot = sums.squaredError[0]! / (rows.length * onGpu.recordSize);
      const klGot = sums.kl[0]! / rows.length;
      expect(Math.abs(mseGot - want.mse), `batch of ${rows.length}: mse ${mseGot} vs ${want.mse}`).toBeLessThanOrEqual(1e-5 * want.mse);
      expect(Math.abs(klGot - want.kl), `batch of ${rows.length}: kl ${klGot} vs ${want.kl}`).toBeLessThanOrEqual(1e-4 * want.kl + 1e-7);
    }
  } finally {
    fixture.dispose();
  }
}

describeWebGpu('compiled WebGPU training step', (gpu) => {
  it('matches float64 gradients of network A (a full batch and a short last batch)', async () => {
    await expectGradientsMatch(gpu, networkA(), 8, [
      [3, 0, 7, 11, 5, 2, 9, 1],
      [10, 4, 6],
    ]);
  });

  it('matches float64 gradients of network B', async () => {
    await expectGradientsMatch(gpu, networkB(), 6, [[5, 1, 8, 0, 11, 3]]);
  });

  it('matches float64 gradients of descriptions with odd channel counts, odd lengths, partial pooling windows, valid crops and an activation first', async () => {
    await expectGradientsMatch(gpu, oddDescription(), 5, [
      [4, 9, 2, 7, 0],
      [1, 3],
    ]);
    await expectGradientsMatch(gpu, oddPlanes(), 5, [[6, 0, 10, 3, 8]]);
    await expectGradientsMatch(gpu, activationFirst(), 5, [
      [2, 11, 5, 0, 7],
      [9, 4],
    ]);
  });

  it('pretrain on a WebGPU backend takes the compiled step and follows the CPU run epoch by epoch', async () => {
    const n = 10;
    const records = uniformRecords(n, 32, 5);
    const settings = { epochs: 3, batchSize: 4, seed: 2, lr: 0.01 };
    const onCpu = new Autoencoder(networkB(), { seed: 1, backend: cpu });
    const onGpu = new Autoencoder(networkB(), { backend: gpu });
    onGpu.setWeights(await onCpu.weights());
    const want = await pretrain(onCpu, records, settings);
    const got = await pretrain(onGpu, records, settings);
    expectClose('epoch losses', got.epochLosses, want.epochLosses, { rtol: 1e-4, atol: 1e-7 });
    const wantWeights = await onCpu.weights();
    for (const [name, values] of await onGpu.weights()) expectClose(name, values, wantWeights.get(name)!, { rtol: 1e-3, atol: 1e-5 });
    onCpu.dispose();
    onGpu.dispose();
  });

  it('two pre-training runs with the same seed give the same bits', async () => {
    const records = uniformRecords(37, 32, 6);
    const run = async (): Promise<{ losses: number[]; weights: Float32Array[] }> => {
      const model = new Autoencoder(networkB(), { seed: 4, backend: gpu });
      const { epochLosses } = await pretrain(model, records, { epochs: 2, batchSize: 8, seed: 9 });
      const weights = [...(await model.weights()).values()].map((w) => Float32Array.from(w));
      model.dispose();
      return { losses: epochLosses, weights };
    };
    const first = await run();
    const second = await run();
    expect(second.losses).toEqual(first.losses);
    expect(second.weights).toEqual(first.weights);
  });

  it('encodes network A records in batches with a short last one, as float64 autograd does', async () => {
    const { onGpu, m64 } = await twins(gpu, networkA(), 5);
    const n = 13;
    const records = uniformRecords(n, onGpu.recordSize, 8);
    let want = new Float64Array(0);
    tidy(() =>
      noGrad(() => {
        want = Float64Array.from(cpuData(m64.encode(tensor(Float64Array.from(records), [n, ...m64.inputShape], { dtype: 'float64' })).storage));
      }),
    );
    const resident = tensor(records, [n, ...onGpu.inputShape], { backend: gpu });
    expectClose('codes of resident records', await encodeRecords(onGpu, resident, { batchSize: 5 }), want, { rtol: 1e-5, atol: 1e-6 });
    expectClose('codes of a host array', await encodeRecords(onGpu, records, { batchSize: 4 }), want, { rtol: 1e-5, atol: 1e-6 });
    resident.dispose();
    onGpu.dispose();
    m64.dispose();
  });

  it('a batch whose buffers the device cannot bind runs op by op, and a record outside the resident set is refused', async () => {
    const onGpu = new Autoencoder(networkA(), { backend: gpu });
    await expect(GpuCompiledAutoencoder.create(gpu, onGpu.plan, 1 << 20, KERAS_ADAM)).rejects.toThrow(GpuProgramTooLargeError);
    expect(await gpuCompiledFor(onGpu, 1 << 20)).toBeNull();
    const compiled = await gpuCompiledFor(onGpu, 4);
    const resident = tensor(new Float32Array(3 * onGpu.recordSize), [3, ...onGpu.inputShape], { backend: gpu });
    compiled!.useRecords(resident);
    expect(() => compiled!.train(Int32Array.from([0, 3]), { lr: 0, beta1: 0.9, beta2: 0.999, step: 0 })).toThrow(
      /record 3 .* not one of the 3 resident records/,
    );
    resident.dispose();
    onGpu.dispose();
  });

  it("soft assignments of network A's codes to three centroids (Student's t, alpha 1) match the CPU's", async () => {
    const { onGpu, m64 } = await twins(gpu, networkA(), 6);
    const n = 11;
    const records = uniformRecords(n, onGpu.recordSize, 9);
    const codes = await encodeRecords(m64, records);
    // Centroids at three of the codes, moved a little, so every q is far from 0 and 1.
    const centroids = Float32Array.from([0, 4, 8].flatMap((r) => Array.from(codes.subarray(r * 12, r * 12 + 12), (v, m) => v + 0.01 * (m - 6))));
    const onCpu = new ClusteringLayer(centroids, 3, 12, { backend: cpu, dtype: 'float64' });
    const onDevice = new ClusteringLayer(centroids, 3, 12, { backend: gpu });
    const want = await predict(m64, onCpu, records, { batchSize: 4 });
    const got = await predict(onGpu, onDevice, records, { batchSize: 4 });
    expectClose('codes', got.codes, want.codes, { rtol: 1e-5, atol: 1e-6 });
    expectClose('soft assignments', got.q, want.q, { rtol: 1e-4, atol: 1e-6 });
    expect(Array.from(got.clusters)).toEqual(Array.from(want.clusters));
    onCpu.dispose();
    onDevice.dispose();
    onGpu.dispose();
    m64.dispose();
  });

  it('matches float64 gradients of the fine-tuning loss of network A (a full batch and a short last batch)', async () => {
    await expectFinetuneGradientsMatch(gpu, networkA(), 8, 3, [
      [3, 0, 7, 11, 5, 2, 9, 1],
      [10, 4, 6],
    ]);
  });

  it('matches float64 gradients of the fine-tuning loss of network B', async () => {
    await expectFinetuneGradientsMatch(gpu, networkB(), 6, 4, [[5, 1, 8, 0, 11, 3]]);
  });

  it('fine-tuning steps go to the device 64 to a command buffer and give the bits of steps submitted one by one', async () => {
    const n = 10;
    const k = 3;
    const batchSize = 4;
    const steps = 70; // a full command buffer inside finetuneStep, then 6 submitted when the losses are read
    const fixture = await finetuneFixture(gpu, networkA(), batchSize, [0, 3, 6], { model: 5, records: 9 }, n);
    const { onGpu, headGpu, p, resident, compiled } = fixture;
    const start = [...onGpu.parameters(), headGpu.centroids];
    const rng = new Rng(11);
    const batches = Array.from({ length: steps }, (_, s) => Int32Array.from({ length: 1 + (s % batchSize) }, () => Math.floor(rng.uniform() * n)));
    const run = async (oneByOne: boolean): Promise<{ params: Float32Array[]; losses: number[] }> => {
      const adam = new Adam(start, { lr: 1e-3 });
      compiled.loadParameters(start, adam);
      for (const [s, rows] of batches.entries()) {
        const target = Float32Array.from(Array.from(rows).flatMap((r) => Array.from(p.subarray(r * k, (r + 1) * k))));
        compiled.finetuneStep(rows, target, adam, { kl: 0.1, reconstruction: 1 }, s);
        if (oneByOne) await compiled.lastGradient();
      }
      const { squaredError, kl } = await compiled.losses();
      const out = start.map((t) => tensor(new Float32Array(t.size), t.shape, { backend: gpu }));
      compiled.storeParameters(out);
      const params = await Promise.all(out.map(async (t) => Float32Array.from(await t.data())));
      for (const t of out) t.dispose();
      adam.dispose();
      return { params, losses: [...squaredError, ...kl] };
    };
    try {
      compiled.useRecords(resident);
      const together = await run(false);
      const oneByOne = await run(true);
      expect(together.losses).toHaveLength(2 * steps);
      expect(together.losses).toEqual(oneByOne.losses);
      for (const [i, values] of together.params.entries()) expect(values, `parameter ${i}`).toEqual(oneByOne.params[i]);
      expect(together.params[0]).not.toEqual(Float32Array.from(await start[0]!.data()));
    } finally {
      fixture.dispose();
    }
  });

  it('fineTune on a WebGPU backend takes the compiled step, follows the CPU run and repeats its bits', async () => {
    const n = 14;
    const records = uniformRecords(n, 32, 11);
    const onCpu = new Autoencoder(networkB(), { seed: 2, backend: cpu });
    const weights = await onCpu.weights();
    const centroids = await centroidsNear(onCpu, records, [1, 6, 12]);
    const settings = { batchSize: 4, maxIter: 9, updateInterval: 4, lossReadInterval: 3, tol: 0, lr: 0.01, shuffle: true, seed: 5 };
    const run = async (
      backend: typeof cpu | WebGpuBackend,
    ): Promise<{ losses: number[]; q: Float32Array; weights: Map<string, Float32Array>; centroids: Float32Array }> => {
      const model = new Autoencoder(networkB(), { backend });
      model.setWeights(weights);
      const head = new ClusteringLayer(centroids, 3, model.codeSize, { backend });
      const result = await fineTune(model, head, records, settings);
      const out = {
        losses: result.history.flatMap((r) => (r.loss === null ? [] : [r.loss.total, r.loss.kl, r.loss.reconstruction])),
        q: Float32Array.from(result.prediction.q),
        weights: new Map([...(await model.weights())].map(([name, v]) => [name, Float32Array.from(v)])),
        centroids: Float32Array.from(await head.centroidValues()),
      };
      model.dispose();
      head.dispose();
      return out;
    };
    const want = await run(cpu);
    const got = await run(gpu);
    expect(got.losses.length).toBe(9);
    expectClose('loss parts at the updates', got.losses, want.losses, { rtol: 1e-4, atol: 1e-7 });
    expectClose('final soft assignments', got.q, want.q, { rtol: 1e-3, atol: 1e-5 });
    expectClose('centroids', got.centroids, want.centroids, { rtol: 1e-3, atol: 1e-5 });
    for (const [name, values] of got.weights) expectClose(name, values, want.weights.get(name)!, { rtol: 1e-3, atol: 1e-5 });
    const again = await run(gpu);
    expect(again.losses).toEqual(got.losses);
    expect(again.centroids).toEqual(got.centroids);
    onCpu.dispose();
  });
});
