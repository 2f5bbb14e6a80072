import { Rng } from '../../src/index.js';
import type { ModelDescription } from '../../src/model/description.js';

/** A 1-D autoencoder small enough for tests to train in milliseconds: 1 x 16 in, code 1 x 4. */
export function tinyDescription(): ModelDescription {
  return {
    name: 'tiny',
    input: [1, 16],
    encoder: [
      { type: 'conv1d', filters: 4, kernel: 3, activation: 'tanh' },
      { type: 'maxPool1d', pool: 2 },
      { type: 'conv1d', filters: 1, kernel: 3, activation: 'tanh' },
      { type: 'maxPool1d', pool: 2 },
    ],
    decoder: [
      { type: 'conv1d', filters: 1, kernel: 3, activation: 'tanh' },
      { type: 'upsample1d', factor: 2 },
      { type: 'conv1d', filters: 4, kernel: 3, activation: 'tanh' },
      { type: 'upsample1d', factor: 2 },
      { type: 'conv1d', filters: 1, kernel: 3, activation: 'linear' },
    ],
  };
}

/**
 * Two classes of 16-sample records: a positive pulse early in the window
 * (class 0) or a negative pulse late (class 1), with amplitude jitter and
 * noise; classes drawn at random, so in-order batches mix both.
 */
export function tinyData(n: number, seed = 1): { inputs: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const inputs = new Float32Array(n * 16);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const c = rng.uniform() < 0.5 ? 0 : 1;
    labels[r] = c;
    const centre = c === 0 ? 4 + rng.uniform() * 2 : 10 + rng.uniform() * 2;
    const amp = (c === 0 ? 1 : -1) * (0.6 + 0.4 * rng.uniform());
    for (let i = 0; i < 16; i++) inputs[r * 16 + i] = amp * Math.exp(-((i - centre) ** 2) / 3) + 0.1 * rng.normal();
  }
  return { inputs, labels };
}
