import type { ModelDescription } from './description.js';

/**
 * The paper's two autoencoders as model descriptions (METHOD.md, Tables S1
 * and S2): every convolution 'same', stride 1, tanh, except the last (linear).
 */

/** Network A, local vs teleseismic: 1 x 16 x 48 spectrogram, code 1 x 2 x 6 = 12 (Table S1). */
export function networkA(): ModelDescription {
  return {
    name: 'network-a',
    input: [1, 16, 48],
    encoder: [
      { type: 'conv2d', filters: 4, kernel: 3, activation: 'tanh' },
      { type: 'maxPool2d', pool: 2 },
      { type: 'conv2d', filters: 2, kernel: 3, activation: 'tanh' },
      { type: 'maxPool2d', pool: 2 },
      { type: 'conv2d', filters: 1, kernel: 3, activation: 'tanh' },
      { type: 'maxPool2d', pool: 2 },
    ],
    decoder: [
      { type: 'conv2d', filters: 1, kernel: 3, activation: 'tanh' },
      { type: 'upsample2d', factor: 2 },
      { type: 'conv2d', filters: 2, kernel: 3, activation: 'tanh' },
      { type: 'upsample2d', factor: 2 },
      { type: 'conv2d', filters: 4, kernel: 3, activation: 'tanh' },
      { type: 'upsample2d', factor: 2 },
      { type: 'conv2d', filters: 1, kernel: 3, activation: 'linear' },
    ],
  };
}

/** Network B, first-motion polarity: 1 x 32 P window, code 1 x 2 = 2 (Table S2). */
export function networkB(): ModelDescription {
  return {
    name: 'network-b',
    input: [1, 32],
    encoder: [
      { type: 'conv1d', filters: 8, kernel: 11, activation: 'tanh' },
      { type: 'maxPool1d', pool: 2 },
      { type: 'conv1d', filters: 4, kernel: 9, activation: 'tanh' },
      { type: 'maxPool1d', pool: 2 },
      { type: 'conv1d', filters: 2, kernel: 3, activation: 'tanh' },
      { type: 'maxPool1d', pool: 2 },
      { type: 'conv1d', filters: 1, kernel: 3, activation: 'tanh' },
      { type: 'maxPool1d', pool: 2 },
    ],
    decoder: [
      { type: 'conv1d', filters: 1, kernel: 3, activation: 'tanh' },
      { type: 'upsample1d', factor: 2 },
      { type: 'conv1d', filters: 2, kernel: 3, activation: 'tanh' },
      { type: 'upsample1d', factor: 2 },
      { type: 'conv1d', filters: 4, kernel: 9, activation: 'tanh' },
      { type: 'upsample1d', factor: 2 },
      { type: 'conv1d', filters: 8, kernel: 11, activation: 'tanh' },
      { type: 'upsample1d', factor: 2 },
      { type: 'conv1d', filters: 1, kernel: 3, activation: 'linear' },
    ],
  };
}
