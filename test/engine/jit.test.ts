import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { add, backward, cpuData, keep, kld, mse, mul, noGrad, Rng, sliceRows, tensor, tidy, zeroGrad, type Tensor } from '../../src/index.js';
import { softAssign } from '../../src/cluster/clustering.js';
import { pretrain } from '../../src/cluster/pretrain.js';
import { NonFiniteLossError } from '../../src/cluster/training.js';
import { host, setHost } from '../../src/host/host.js';
import { CompiledAutoencoder, compiledFor, hostTensor } from '../../src/jit/compiled.js';
import { CpuBackend } from '../../src/kernels/cpu.js';
import { createBackend } from '../../src/kernels/select.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import type { Activation, ModelDescription } from '../../src/model/description.js';
import { networkA, networkAWide, networkB, networkBWide } from '../../src/model/networks.js';
import { tinyData, tinyDescription } from '../cluster/fixtures.js';

// ---------------------------------------------------------------- helpers

/** n records of `size` values drawn uniformly from [lo, hi), row-major. */
function uniformRecords(n: number, size: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * size }, () => lo + (hi - lo) * rng.uniform());
}

/** `count` distinct rows out of n, in shuffled order. */
function shuffledRows(n: number, count: number, seed: number): number[] {
  return Array.from(new Rng(seed).permutation(n).subarray(0, count));
}

/**
 * A float32 model with random biases (the initialisation's are zero, which
 * would hide a bias read from the wrong place) and a float64 twin holding
 * the same values.
 */
async function twins(description: ModelDescription, seed = 3): Promise<{ m32: Autoencoder; m64: Autoencoder }> {
  const m32 = new Autoencoder(description, { seed });
  const rng = new Rng(seed + 100);
  const weights = await m32.weights();
  for (const [name, values] of weights) if (name.endsWith('.bias')) for (let i = 0; i < values.length; i++) values[i] = 0.4 * rng.uniform() - 0.2;
  m32.setWeights(weights);
  const m64 = new Autoencoder(description, { seed, dtype: 'float64' });
  m64.setWeights(await m32.weights());
  return { m32, m64 };
}

function disposeAll(...models: { dispose(): void }[]): void {
  for (const m of models) m.dispose();
}

/** Rows of a record set as a float64 tensor [n, ...shape]. */
function batch64(records: Float32Array, rows: readonly number[], shape: readonly number[]): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const values = new Float64Array(rows.length * size);
  rows.forEach((r, i) => values.set(records.subarray(r * size, (r + 1) * size), i * size));
  return tensor(values, [rows.length, ...shape], { dtype: 'float64' });
}

/** Copies of the gradients of `params` (then cleared). */
function takeGrads(params: readonly Tensor[]): Float64Array[] {
  const grads = params.map((p) => Float64Array.from(cpuData(p.grad!.storage)));
  zeroGrad(params);
  return grads;
}

/** The autograd path in float64: MSE of the reconstruction of rows, and its parameter gradients. */
function referencePretrain(m64: Autoencoder, records: Float32Array, rows: readonly number[]): { loss: number; grads: Float64Array[] } {
  zeroGrad(m64.parameters());
  const loss = tidy(() => {
    const x = batch64(records, rows, m64.inputShape);
    const l = mse(m64.reconstruct(x), x);
    backward(l);
    return cpuData(l.storage)[0]!;
  });
  return { loss, grads: takeGrads(m64.parameters()) };
}

/** The compiled pre-training step: mean squared error and copies of the gradients, parameter by parameter. */
function compiledPretrain(c: CompiledAutoencoder, m32: Autoencoder, records: Float32Array, rows: readonly number[]): { loss: number; grads: Float32Array[] } {
  c.setParameters(m32.parameters());
  const sums = c.pretrainStep(records, rows);
  expect(sums.kl).toBe(0);
  return { loss: sums.squaredError / (rows.length * m32.recordSize), grads: m32.parameters().map((_, i) => c.gradientOf(i).slice()) };
}

/** max |actual - reference| <= rtol max |reference| + atol (NaN fails); the reference must not be all zeros. */
function expectClose(actual: ArrayLike<number>, reference: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-7): void {
  expect(actual.length, `${what}: length`).toBe(reference.length);
  let scale = 0;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < reference.length; i++) {
    scale = Math.max(scale, Math.abs(reference[i]!));
    const d = Math.abs(actual[i]! - reference[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(scale, `${what}: the reference is all zeros`).toBeGreaterThan(0);
  expect(worst, `${what}: |diff| ${worst} at ${at} (${actual[at]} vs ${reference[at]}), max |ref| ${scale}`).toBeLessThanOrEqual(rtol * scale + atol);
}

/** Compiled and autograd pre-training gradients and loss agree for each batch (one compiled program, reused). */
async function expectPretrainMatches(
  description: ModelDescription,
  batches: readonly number[],
  options: { n?: number; threads?: number; seed?: number } = {},
): Promise<void> {
  const { m32, m64 } = await twins(description, options.seed ?? 3);
  const n = options.n ?? 12;
  const records = uniformRecords(n, m32.recordSize, 7);
  const c = new CompiledAutoencoder(m32, { batchSize: Math.max(...batches), threads: options.threads ?? 2 });
  try {
    for (const [b, size] of batches.entries()) {
      const rows = shuffledRows(n, size, 11 + b);
      const got = compiledPretrain(c, m32, records, rows);
      const ref = referencePretrain(m64, records, rows);
      const names = m32.namedParameters().map((p) => p.name);
      got.grads.forEach((g, i) => expectClose(g, ref.grads[i]!, `batch of ${size}, ${names[i]}`));
      expect(Math.abs(got.loss - ref.loss), `batch of ${size}: loss ${got.loss} vs ${ref.loss}`).toBeLessThanOrEqual(1e-5 * ref.loss);
    }
  } finally {
    c.dispose();
    disposeAll(m32, m64);
  }
}

/** Runs `f` without a tape, in a scope of its own, and returns copies of the tensors' values. */
function valuesOf(f: () => Tensor[]): Float64Array[] {
  const out: Float64Array[] = [];
  tidy(() => noGrad(() => void out.push(...f().map((t) => Float64Array.from(cpuData(t.storage))))));
  return out;
}

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

// ---------------------------------------------------------------- networks

/** 2-D: an even, non-square 'same' kernel (relu), partial pooling windows on 7 x 9, a 'valid' convolution, upsampling by [2, 3] and a 'valid' crop back to 7 x 9. */
function evenKernels(): ModelDescription {
  return {
    input: [1, 7, 9],
    encoder: [
      { type: 'conv2d', filters: 3, kernel: [2, 4], activation: 'relu' }, // 3 x 7 x 9
      { type: 'maxPool2d', pool: 2 }, // 3 x 4 x 5
      { type: 'conv2d', filters: 2, kernel: 3, padding: 'valid', activation: 'tanh' }, // 2 x 2 x 3
    ],
    decoder: [
      { type: 'upsample2d', factor: [4, 3] }, // 2 x 8 x 9
      { type: 'conv2d', filters: 1, kernel: [2, 1], padding: 'valid' }, // 1 x 7 x 9
    ],
  };
}

/** 2-D, two input channels: pooling by [3, 2], a standalone relu, upsampling by 3 and a [1, 4] 'valid' kernel, a standalone sigmoid at the end. */
function rectangularPools(): ModelDescription {
  return {
    input: [2, 9, 6],
    encoder: [
      { type: 'conv2d', filters: 2, kernel: 3, activation: 'sigmoid' }, // 2 x 9 x 6
      { type: 'maxPool2d', pool: [3, 2] }, // 2 x 3 x 3
      { type: 'conv2d', filters: 2, kernel: [3, 2] }, // 2 x 3 x 3
      { type: 'activation', activation: 'relu' },
    ],
    decoder: [
      { type: 'upsample2d', factor: 3 }, // 2 x 9 x 9
      { type: 'conv2d', filters: 2, kernel: [1, 4], padding: 'valid' }, // 2 x 9 x 6
      { type: 'activation', activation: 'sigmoid' },
    ],
  };
}

/** 2-D: pooling and upsampling along the width only ([1, 2]), a standalone tanh on the code. */
function widthOnly(): ModelDescription {
  return {
    input: [1, 6, 8],
    encoder: [
      { type: 'conv2d', filters: 2, kernel: [3, 2], activation: 'tanh' },
      { type: 'maxPool2d', pool: [1, 2] }, // 2 x 6 x 4
      { type: 'conv2d', filters: 1, kernel: 1 },
      { type: 'activation', activation: 'tanh' },
    ],
    decoder: [
      { type: 'upsample2d', factor: [1, 2] }, // 1 x 6 x 8
      { type: 'conv2d', filters: 1, kernel: 3 },
    ],
  };
}

/** 1-D, two channels, odd lengths: kernel 5, pooling by 3 with a partial last window (23 = 7 x 3 + 2), even kernels, a 'valid' crop. */
function oddLengths(): ModelDescription {
  return {
    input: [2, 23],
    encoder: [
      { type: 'conv1d', filters: 3, kernel: 5, activation: 'tanh' }, // 3 x 23
      { type: 'maxPool1d', pool: 3 }, // 3 x 8
      { type: 'conv1d', filters: 2, kernel: 5, padding: 'valid', activation: 'relu' }, // 2 x 4
      { type: 'activation', activation: 'sigmoid' },
    ],
    decoder: [
      { type: 'upsample1d', factor: 3 }, // 2 x 12
      { type: 'conv1d', filters: 3, kernel: 4, activation: 'tanh' }, // 3 x 12
      { type: 'upsample1d' }, // 3 x 24
      { type: 'conv1d', filters: 2, kernel: 2, padding: 'valid' }, // 2 x 23
    ],
  };
}

// ---------------------------------------------------------------- tests

describe('compiled pre-training step matches the float64 autograd path', () => {
  it('network A: batches of 9, 5 and 1 (partial last tiles), shuffled rows, one program reused', async () => {
    await expectPretrainMatches(networkA(), [9, 5, 1]);
  });

  it('network B: batches of 9, 5 and 1', async () => {
    await expectPretrainMatches(networkB(), [9, 5, 1]);
  });

  it('network A widened to 16-8-2 filters (the default for archives): batches of 9 and 2', async () => {
    await expectPretrainMatches(networkAWide(), [9, 2]);
  });

  it('network B with a 4-number code (the default for archives): batches of 9 and 2', async () => {
    await expectPretrainMatches(networkBWide(), [9, 2]);
  });

  it('conv2d with an even [2, 4] same kernel, partial 2x2 pooling windows on 7x9, valid padding, upsample [4, 3]', async () => {
    await expectPretrainMatches(evenKernels(), [7, 2]);
  });

  it('maxPool2d [3, 2], upsample2d by 3, [1, 4] valid kernel, standalone relu and sigmoid layers, two input channels', async () => {
    await expectPretrainMatches(rectangularPools(), [6, 3]);
  });

  it('maxPool2d and upsample2d [1, 2] (width only), a standalone tanh on the code', async () => {
    await expectPretrainMatches(widthOnly(), [5]);
  });

  it('conv1d with kernel 5 on odd lengths (23), pool 3 with a partial window, even kernels, a valid crop', async () => {
    await expectPretrainMatches(oddLengths(), [9, 1]);
  });

  it('the description list above is valid as written (shapes as commented)', () => {
    const shapes = (d: ModelDescription): string => new Autoencoder(d).plan.layers.map((l) => l.outputShape.join('x')).join(' ');
    expect(shapes(evenKernels())).toBe('3x7x9 3x4x5 2x2x3 2x8x9 1x7x9');
    expect(shapes(rectangularPools())).toBe('2x9x6 2x3x3 2x3x3 2x3x3 2x9x9 2x9x6 2x9x6');
    expect(shapes(widthOnly())).toBe('2x6x8 2x6x4 1x6x4 1x6x4 1x6x8 1x6x8');
    expect(shapes(oddLengths())).toBe('3x23 3x8 2x4 2x4 2x12 3x12 3x24 2x23');
  });
});

describe('compiled max pooling on ties: the gradient goes to the first maximum only', () => {
  /**
   * Two input channels through a 1x1 kernel of ones: the pooled values are
   * x0 + x1, which tie (exactly, in dyadic values) at positions where x0
   * differs, so the kernel's gradient tells which element a window chose.
   * 5 x 7 leaves partial windows at the bottom and the right.
   */
  const description: ModelDescription = {
    input: [2, 5, 7],
    encoder: [
      { type: 'conv2d', filters: 1, kernel: 1 },
      { type: 'maxPool2d', pool: 2 }, // 1 x 3 x 4
    ],
    decoder: [
      { type: 'upsample2d', factor: 2 }, // 1 x 6 x 8
      { type: 'conv2d', filters: 2, kernel: 2, padding: 'valid' }, // 2 x 5 x 7
    ],
  };

  async function tiedModels(): Promise<{ m32: Autoencoder; m64: Autoencoder }> {
    const { m32, m64 } = await twins(description);
    const w = await m32.weights();
    w.set('encoder.0.weight', Float32Array.from([1, 1]));
    w.set('encoder.0.bias', Float32Array.from([0.25]));
    m32.setWeights(w);
    m64.setWeights(w);
    return { m32, m64 };
  }

  it('windows of three levels (many ties, the first maximum anywhere in the window) match autograd', async () => {
    const { m32, m64 } = await tiedModels();
    const n = 6;
    const rng = new Rng(5);
    const records = new Float32Array(n * 70);
    for (let r = 0; r < n; r++)
      for (let i = 0; i < 35; i++) {
        const sum = [0, 0.25, 0.5][rng.int(3)]!;
        const x0 = (rng.int(17) - 8) / 8;
        records[r * 70 + i] = x0;
        records[r * 70 + 35 + i] = sum - x0;
      }
    const c = new CompiledAutoencoder(m32, { batchSize: n, threads: 2 });
    try {
      const rows = shuffledRows(n, n, 1);
      const got = compiledPretrain(c, m32, records, rows);
      const ref = referencePretrain(m64, records, rows);
      got.grads.forEach((g, i) => expectClose(g, ref.grads[i]!, `parameter ${i}`));
      // The tie-breaking shows: giving the gradient to the last maximum instead changes the kernel's gradient.
      expect(ref.grads[0]![0]).not.toBeCloseTo(ref.grads[0]![1]!, 3);
    } finally {
      c.dispose();
      disposeAll(m32, m64);
    }
  });

  it('a constant input (every window a four-way tie) gives the same gradient as autograd', async () => {
    const { m32, m64 } = await tiedModels();
    const records = new Float32Array(3 * 70).fill(0.5);
    const c = new CompiledAutoencoder(m32, { batchSize: 3, threads: 1 });
    try {
      const got = compiledPretrain(c, m32, records, [0, 1, 2]);
      const ref = referencePretrain(m64, records, [0, 1, 2]);
      got.grads.forEach((g, i) => expectClose(g, ref.grads[i]!, `parameter ${i}`));
    } finally {
      c.dispose();
      disposeAll(m32, m64);
    }
  });

  it('zero inputs through relu with a positive bias: ties everywhere, one gradient per window', async () => {
    const relu: ModelDescription = {
      input: [1, 6, 6],
      encoder: [
        { type: 'conv2d', filters: 2, kernel: 3, activation: 'relu' },
        { type: 'maxPool2d', pool: 3 }, // 2 x 2 x 2
      ],
      decoder: [
        { type: 'upsample2d', factor: 3 },
        { type: 'conv2d', filters: 1, kernel: 3 },
      ],
    };
    const { m32, m64 } = await twins(relu);
    const w = await m32.weights();
    w.set('encoder.0.bias', Float32Array.from([0.5, 0.75]));
    m32.setWeights(w);
    m64.setWeights(w);
    const records = new Float32Array(5 * 36);
    const c = new CompiledAutoencoder(m32, { batchSize: 5, threads: 2 });
    try {
      const got = compiledPretrain(c, m32, records, [0, 1, 2, 3, 4]);
      const ref = referencePretrain(m64, records, [0, 1, 2, 3, 4]);
      // The first kernel's gradient is zero (zero inputs); its bias's counts one element per window.
      expect(Array.from(got.grads[0]!).every((v) => v === 0)).toBe(true);
      got.grads.slice(1).forEach((g, i) => expectClose(g, ref.grads[i + 1]!, `parameter ${i + 1}`));
    } finally {
      c.dispose();
      disposeAll(m32, m64);
    }
  });
});

describe('compiled fine-tuning step matches autograd of gamma KL(P || Q) + MSE', () => {
  /** A P row per record (rows sum to 1), the first row with a zero entry. */
  function targets(n: number, k: number, seed: number): Float32Array {
    const rng = new Rng(seed);
    const p = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += p[i * k + j] = i === 0 && j === 1 ? 0 : 0.05 + rng.uniform();
      for (let j = 0; j < k; j++) p[i * k + j]! /= s;
    }
    return p;
  }

  async function expectFinetuneMatches(
    description: ModelDescription,
    k: number,
    batches: readonly number[],
    weights: { kl: number; reconstruction: number },
  ): Promise<void> {
    const { m32, m64 } = await twins(description);
    const n = 12;
    const records = uniformRecords(n, m32.recordSize, 9);
    const rng = new Rng(4);
    const mu = Float32Array.from({ length: k * m32.codeSize }, () => rng.uniform() - 0.5);
    const mu32 = keep(tensor(mu, [k, m32.codeSize]));
    const mu64 = keep(tensor(mu, [k, m32.codeSize], { dtype: 'float64' }));
    mu64.requiresGrad = true;
    const params = [...m64.parameters(), mu64];
    const c = new CompiledAutoencoder(m32, { batchSize: Math.max(...batches), k, threads: 2 });
    try {
      for (const [b, size] of batches.entries()) {
        const rows = shuffledRows(n, size, 21 + b);
        const p = targets(size, k, 30 + b);
        c.setParameters([...m32.parameters(), mu32]);
        const sums = c.finetuneStep(records, rows, p, weights);
        const got = params.map((_, i) => c.gradientOf(i).slice());

        zeroGrad(params);
        const [klRef, mseRef] = tidy(() => {
          const x = batch64(records, rows, m64.inputShape);
          const z = m64.encode(x);
          const kl = kld(tensor(p, [size, k], { dtype: 'float64' }), softAssign(z, mu64));
          const rec = mse(m64.decode(z), x);
          backward(add(mul(kl, weights.kl), mul(rec, weights.reconstruction)));
          return [cpuData(kl.storage)[0]!, cpuData(rec.storage)[0]!];
        });
        const ref = takeGrads(params);
        const names = [...m64.namedParameters().map((q) => q.name), 'centroids'];
        got.forEach((g, i) => expectClose(g, ref[i]!, `k = ${k}, batch of ${size}, ${names[i]}`));
        expect(Math.abs(sums.kl / size - klRef), `kl ${sums.kl / size} vs ${klRef}`).toBeLessThanOrEqual(1e-5 * klRef + 1e-7);
        const mseGot = sums.squaredError / (size * m32.recordSize);
        expect(Math.abs(mseGot - mseRef), `mse ${mseGot} vs ${mseRef}`).toBeLessThanOrEqual(1e-5 * mseRef);
      }
    } finally {
      c.dispose();
      disposeAll(m32, m64, mu32, mu64);
    }
  }

  it('network B, k = 2, notebook weights (0.1 KL + MSE), batches of 5 and 9', async () => {
    await expectFinetuneMatches(networkB(), 2, [5, 9], { kl: 0.1, reconstruction: 1 });
  });

  it('a code of 2 x 2 x 3 (several channels and rows), k = 3, paper weights (0.1 KL + 0.9 MSE), batches of 7 and 1', async () => {
    await expectFinetuneMatches(evenKernels(), 3, [7, 1], { kl: 0.1, reconstruction: 0.9 });
  });

  it('a centroid so far away that its q falls below 1e-7: the KL gradient is clipped there, as Keras kld does', async () => {
    const { m32, m64 } = await twins(networkB());
    const n = 6;
    const records = uniformRecords(n, m32.recordSize, 14);
    // Codes lie in (-1, 1) (tanh): q of the third centroid is about 1e-8.
    const mu = Float32Array.from([0.1, -0.2, -0.3, 0.4, 1e4, -1e4]);
    const mu32 = keep(tensor(mu, [3, 2]));
    const mu64 = keep(tensor(mu, [3, 2], { dtype: 'float64' }));
    mu64.requiresGrad = true;
    const p = targets(n, 3, 2);
    const c = new CompiledAutoencoder(m32, { batchSize: n, k: 3, threads: 2 });
    try {
      c.setParameters([...m32.parameters(), mu32]);
      const rows = shuffledRows(n, n, 3);
      c.finetuneStep(records, rows, p, { kl: 1, reconstruction: 0 });
      const got = c.gradientOf(m32.parameters().length).slice();
      zeroGrad([mu64]);
      const q = tidy(() => {
        const z = m64.encode(batch64(records, rows, m64.inputShape));
        const qq = softAssign(z, mu64);
        backward(kld(tensor(p, [n, 3], { dtype: 'float64' }), qq));
        return Array.from(cpuData(qq.storage));
      });
      expect(Math.max(...q.filter((_, i) => i % 3 === 2))).toBeLessThan(1e-7);
      const ref = takeGrads([mu64])[0]!;
      expectClose(got, ref, 'centroids');
      // Only the normalisation reaches the far centroid (about 1e-13); unclipped, -p / q would give it about 1e-4 per record.
      expect(Math.max(...Array.from(got.subarray(4)).map(Math.abs))).toBeLessThan(1e-9);
      zeroGrad(m64.parameters());
    } finally {
      c.dispose();
      disposeAll(m32, m64, mu32, mu64);
    }
  });

  it('network A, k = 3: KL alone (reconstruction weight 0) leaves the decoder without gradient; KL + 0.5 MSE matches autograd', async () => {
    const { m32 } = await twins(networkA());
    const c = new CompiledAutoencoder(m32, { batchSize: 4, k: 3, threads: 1 });
    try {
      const mu = keep(tensor(uniformRecords(3, m32.codeSize, 2, -0.5, 0.5), [3, m32.codeSize]));
      c.setParameters([...m32.parameters(), mu]);
      const records = uniformRecords(4, m32.recordSize, 8);
      c.finetuneStep(records, [3, 1, 0, 2], targets(4, 3, 1), { kl: 1, reconstruction: 0 });
      const names = m32.namedParameters().map((p) => p.name);
      names.forEach((name, i) => {
        const g = c.gradientOf(i);
        if (name.startsWith('decoder'))
          expect(
            Array.from(g).every((v) => v === 0),
            name,
          ).toBe(true);
        else
          expect(
            g.some((v) => v !== 0),
            name,
          ).toBe(true);
      });
      expect(c.gradientOf(names.length).some((v) => v !== 0)).toBe(true);
      mu.dispose();
    } finally {
      c.dispose();
      m32.dispose();
    }
    await expectFinetuneMatches(networkA(), 3, [6], { kl: 1, reconstruction: 0.5 });
  });
});

describe('compiled encode and soft assignments', () => {
  it('match model.encode and softAssign for 19 records from row 3 (batches of 8: 8, 8, 3; partial tiles)', async () => {
    const { m32, m64 } = await twins(evenKernels());
    m64.dispose();
    const n = 25;
    const k = 3;
    const records = uniformRecords(n, m32.recordSize, 12);
    const mu = keep(tensor(uniformRecords(k, m32.codeSize, 13, -0.5, 0.5), [k, m32.codeSize]));
    const c = new CompiledAutoencoder(m32, { batchSize: 8, k, threads: 2 });
    try {
      c.setParameters([...m32.parameters(), mu]);
      const count = 19;
      const codes = new Float32Array(count * m32.codeSize);
      const q = new Float32Array(count * k);
      c.encode(records, 3, count, codes, q);
      const codesOnly = new Float32Array(count * m32.codeSize).fill(Number.NaN);
      c.encode(records, 3, count, codesOnly, null);
      const [zRef, qRef] = valuesOf(() => {
        const z = m32.encode(sliceRows(tensor(records, [n, ...m32.inputShape]), 3, count));
        return [z, softAssign(z, mu)];
      });
      expectClose(codes, zRef!, 'codes', 1e-6, 0);
      expectClose(q, qRef!, 'q', 1e-6, 0);
      expect(bits(codesOnly)).toEqual(bits(codes));
    } finally {
      c.dispose();
      mu.dispose();
      m32.dispose();
    }
  });

  it('network A codes for 13 records, one batch with a partial tile', async () => {
    const m = new Autoencoder(networkA(), { seed: 2 });
    const records = uniformRecords(13, m.recordSize, 3);
    const c = new CompiledAutoencoder(m, { batchSize: 16, threads: 3 });
    try {
      c.setParameters(m.parameters());
      const codes = new Float32Array(13 * m.codeSize);
      c.encode(records, 0, 13, codes, null);
      const [ref] = valuesOf(() => [m.encode(tensor(records, [13, ...m.inputShape]))]);
      expectClose(codes, ref!, 'codes', 1e-6, 0);
    } finally {
      c.dispose();
      m.dispose();
    }
  });
});

describe('thread count does not change the results', () => {
  it('pre-training and fine-tuning steps with 1, 2 and 3 threads: the same gradient and loss bits, also for fewer tiles than threads', async () => {
    const m = new Autoencoder(networkB(), { seed: 4 });
    const records = uniformRecords(20, m.recordSize, 5);
    const mu = keep(tensor(uniformRecords(2, m.codeSize, 6, -0.5, 0.5), [2, m.codeSize]));
    const target = Float32Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? 0.3 : 0.7));
    const runs = [1, 2, 3].map((threads) => {
      const c = new CompiledAutoencoder(m, { batchSize: 9, k: 2, threads });
      try {
        expect(c.threads).toBe(threads);
        c.setParameters([...m.parameters(), mu]);
        return [9, 5, 2, 1].flatMap((size) => {
          const rows = shuffledRows(20, size, size);
          const pre = c.pretrainStep(records, rows);
          const preGrad = bits(c.gradient.slice(0, c.gradient.length - 2 * m.codeSize));
          const fine = c.finetuneStep(records, rows, target.subarray(0, 2 * size), { kl: 0.1, reconstruction: 1 });
          return [pre.squaredError, preGrad, fine.squaredError, fine.kl, bits(c.gradient.slice())];
        });
      } finally {
        c.dispose();
      }
    });
    mu.dispose();
    m.dispose();
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });
});

describe('compiled activations against Math', () => {
  /** A model whose encoder is one activation layer: its codes are act(x). */
  function activationOf(activation: Activation, x: Float32Array): Float32Array {
    const m = new Autoencoder({
      input: [1, x.length / 4],
      encoder: [{ type: 'activation', activation }],
      decoder: [{ type: 'activation', activation: 'linear' }],
    });
    const c = new CompiledAutoencoder(m, { batchSize: 4, threads: 1 });
    try {
      c.setParameters([]);
      const out = new Float32Array(x.length);
      c.encode(x, 0, 4, out, null);
      return out;
    } finally {
      c.dispose();
      m.dispose();
    }
  }

  const special = [0, 1e-30, 1e-20, 1e-10, 1e-7, 1e-4, 0.01, 0.3465, 0.5, 1, 2, 8.99, 9, 9.01, 15, 20, 80, 81, 100, 1e30];
  const x = new Float32Array(4 * 1024);
  x.set([...special, ...special.map((v) => -v)]);
  for (let i = 2 * special.length; i < x.length; i++) x[i] = -25 + (50 * (i - 2 * special.length)) / (x.length - 2 * special.length);

  function worst(y: Float32Array, f: (v: number) => number): { error: number; at: number } {
    let error = 0;
    let at = 0;
    y.forEach((v, i) => {
      const e = Math.abs(v - f(x[i]!));
      if (!(e <= error)) {
        error = e;
        at = x[i]!;
      }
    });
    return { error, at };
  }

  it('tanh within 2e-7 of Math.tanh on [-25, 25], at ±0, tiny values, ±9, ±20, ±100 and ±1e30', () => {
    const y = activationOf('tanh', x);
    const w = worst(y, Math.tanh);
    expect(w.error, `at x = ${w.at}`).toBeLessThanOrEqual(2e-7);
    expect(Object.is(y[special.length], -0)).toBe(true); // tanh(-0) = -0
  });

  it('tanh keeps its relative accuracy near zero (within 1e-6 of Math.tanh relative, 1e-30 <= |x| <= 1)', () => {
    const y = activationOf('tanh', x);
    let error = 0;
    x.forEach((v, i) => {
      if (Math.abs(v) >= 1e-30 && Math.abs(v) <= 1) error = Math.max(error, Math.abs(y[i]! / Math.tanh(v) - 1));
    });
    expect(error).toBeLessThanOrEqual(1e-6);
  });

  it('sigmoid within 2e-7 of 1 / (1 + exp(-x)) on the same points', () => {
    const y = activationOf('sigmoid', x);
    const w = worst(y, (v) => 1 / (1 + Math.exp(-v)));
    expect(w.error, `at x = ${w.at}`).toBeLessThanOrEqual(2e-7);
    expect(y[0]).toBe(0.5);
    expect(y[special.length]).toBe(0.5);
  });

  it('relu is exact', () => {
    const y = activationOf('relu', x);
    expect(worst(y, (v) => Math.max(v, 0)).error).toBe(0);
  });
});

describe('when the compiled path is taken (compiledFor)', () => {
  it('float32 CPU models compile; float64 models, alpha != 1 and compiled: false run op by op', () => {
    const m32 = new Autoencoder(tinyDescription());
    const m64 = new Autoencoder(tinyDescription(), { dtype: 'float64' });
    try {
      expect(compiledFor(m32, 8)).toBeInstanceOf(CompiledAutoencoder);
      expect(compiledFor(m32, 8, { k: 2, alpha: 1 })).toBeInstanceOf(CompiledAutoencoder);
      expect(compiledFor(m64, 8)).toBeNull();
      expect(compiledFor(m64, 8, { k: 2, alpha: 1 })).toBeNull();
      expect(compiledFor(m32, 8, { k: 2, alpha: 2 })).toBeNull();
      expect(() => new CompiledAutoencoder(m64, { batchSize: 8 })).toThrow(/float32/);
      expect(compiledFor(m32, 8)).toBeInstanceOf(CompiledAutoencoder);
    } finally {
      disposeAll(m32, m64);
    }
  });

  it('a CPU backend made with compiled: false runs the same model op by op, and createBackend says which path runs', async () => {
    const opByOp = await createBackend('cpu', { compiled: false });
    const compiled = await createBackend('cpu');
    expect(opByOp.backend).toBeInstanceOf(CpuBackend);
    expect(opByOp.description).toMatch(/op by op/);
    expect(compiled.description).toMatch(/compiled to WebAssembly SIMD/);
    const m = new Autoencoder(tinyDescription(), { backend: opByOp.backend });
    const onCompiled = new Autoencoder(tinyDescription(), { backend: compiled.backend });
    try {
      expect(compiledFor(m, 8)).toBeNull();
      expect(compiledFor(m, 8, { k: 2, alpha: 1 })).toBeNull();
      expect(compiledFor(onCompiled, 8)).toBeInstanceOf(CompiledAutoencoder);
    } finally {
      disposeAll(m, onCompiled);
    }
  });

  it('a CPU backend runs the compiled kernels on the threads it was made with, and refuses a count it cannot', () => {
    const m = new Autoencoder(tinyDescription(), { backend: new CpuBackend({ threads: 3 }) });
    try {
      expect(compiledFor(m, 8)!.threads).toBe(3);
    } finally {
      m.dispose();
    }
    expect(() => new CpuBackend({ threads: 29 })).toThrow('threads must be an integer from 0 (all cores) to 28, got 29');
    expect(() => new CpuBackend({ threads: -1 })).toThrow(/got -1/);
  });
});

describe('pretrain through the compiled path', () => {
  it('gives the same weight bits whatever the thread setting, and on a host without workers', async () => {
    const { inputs } = tinyData(37, 2);
    const run = async (threads: number, batchSize = 10): Promise<Map<string, Float32Array | Float64Array>> => {
      const m = new Autoencoder(tinyDescription(), { seed: 1, backend: new CpuBackend({ threads }) });
      try {
        await pretrain(m, inputs, { epochs: 2, batchSize, seed: 3 });
        return await m.weights();
      } finally {
        m.dispose();
      }
    };
    const one = await run(1);
    const three = await run(3);
    for (const [name, w] of one) expect(bits(three.get(name) as Float32Array), name).toEqual(bits(w as Float32Array));
    // A host that starts no workers: the calling thread takes every tile, with the same bits (at batch 9: a program not cached above).
    const reference = await run(1, 9);
    const before = host();
    setHost({ ...before, threads: { cores: () => 4, start: () => null } });
    try {
      const m = new Autoencoder(tinyDescription(), { backend: new CpuBackend({ threads: 3 }) });
      expect(compiledFor(m, 9)!.threads).toBe(1);
      m.dispose();
      const alone = await run(3, 9);
      for (const [name, w] of reference) expect(bits(alone.get(name) as Float32Array), name).toEqual(bits(w as Float32Array));
    } finally {
      setHost(before);
    }
  });

  it('a NaN in a record (a tensor input, which no host check sees) stops pretrain with NonFiniteLossError', async () => {
    const { inputs } = tinyData(16, 2);
    inputs[5 * 16 + 7] = Number.NaN;
    const m = new Autoencoder(tinyDescription(), { seed: 1 });
    const before = await m.weights();
    const records = hostTensor(inputs, [16, 1, 16]);
    try {
      const error = await pretrain(m, records, { epochs: 2, batchSize: 8, shuffle: false, lossReadInterval: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NonFiniteLossError);
      expect(error).toMatchObject({ stage: 'pretrain', part: 'reconstruction', epoch: 1, iteration: 1 });
      expect(await m.weights()).toEqual(before);
    } finally {
      records.dispose();
      m.dispose();
    }
  });
});

describe('compiled programs held by a running loop', () => {
  /*
   * compiledFor keeps a few programs and evicts the least recently used one
   * when more are asked for, even while a pretrain() / fineTune() loop still
   * holds it across its awaits. The evicted program stops its worker threads
   * and runs every tile on the calling thread: same numbers. Ten concurrent
   * runs (batch sizes 8..17) overflow the cache.
   */
  it('ten concurrent pretrain() calls each give the weights of the same call run alone', async () => {
    const backend = new CpuBackend({ threads: 2 });
    const { inputs } = tinyData(32, 1);
    const train = async (batchSize: number): Promise<number[]> => {
      const m = new Autoencoder(tinyDescription(), { seed: 1, backend });
      try {
        await pretrain(m, inputs, { epochs: 2, batchSize, seed: 0 });
        return bits((await m.weights()).get('encoder.0.weight') as Float32Array);
      } finally {
        m.dispose();
      }
    };
    const alone = await train(8);
    const together = await Promise.all([8, 9, 10, 11, 12, 13, 14, 15, 16, 17].map(train));
    expect(together[0]).toEqual(alone);
  });
});

describe('worker threads', () => {
  it('a process started with --input-type=module (inherited by workers by default) still finishes: workers start plain, and a round never waits on one that is not up', () => {
    const modelUrl = new URL('../../src/model/autoencoder.ts', import.meta.url).href;
    const networksUrl = new URL('../../src/model/networks.ts', import.meta.url).href;
    const predictUrl = new URL('../../src/cluster/predict.ts', import.meta.url).href;
    const cpuUrl = new URL('../../src/kernels/cpu.ts', import.meta.url).href;
    const installUrl = new URL('../../src/node/install.ts', import.meta.url).href;
    const code = [
      `import '${installUrl}';`,
      `import { Autoencoder } from '${modelUrl}';`,
      `import { networkB } from '${networksUrl}';`,
      `import { encodeRecords } from '${predictUrl}';`,
      `import { CpuBackend } from '${cpuUrl}';`,
      'const m = new Autoencoder(networkB(), { backend: new CpuBackend({ threads: 2 }) });',
      'const codes = await encodeRecords(m, new Float32Array(4096 * 32).fill(0.25));',
      "console.log('codes', codes.length);",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(`codes ${4096 * 2}`);
  });
});

describe('batches too large for the compiled kernels', () => {
  it('a batch needing more than 1 GiB of kernel memory runs op by op (compiledFor gives null) instead of failing', () => {
    const m = new Autoencoder(networkA());
    try {
      expect(compiledFor(m, 400_000)).toBeNull();
      expect(compiledFor(m, 64)).not.toBeNull();
    } finally {
      m.dispose();
    }
  });
});

describe('bad input to a compiled program', () => {
  it('a row outside the record set, a soft assignment without a head and an unknown parameter fail with errors that say so', () => {
    const m = new Autoencoder(networkB());
    const c = new CompiledAutoencoder(m, { batchSize: 8, threads: 1 });
    try {
      c.setParameters(m.parameters());
      const records = new Float32Array(3 * 32);
      expect(() => c.pretrainStep(records, [0, 3])).toThrow('row 3 (batch position 1) is not one of the 3 records');
      expect(() => c.encode(records, 0, 3, new Float32Array(3 * 2), new Float32Array(3 * 2))).toThrow('without a clustering head');
      expect(() => c.gradientOf(m.parameters().length)).toThrow(`no parameter ${m.parameters().length}`);
    } finally {
      c.dispose();
      m.dispose();
    }
  });
});
