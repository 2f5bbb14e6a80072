import type { ModelDescription } from './description.js';

/**
 * The paper's two autoencoders as model descriptions (METHOD.md, Tables S1
 * and S2): every convolution 'same', stride 1, tanh, except the last (linear);
 * and both widened at the code for archives prepared with the default preset.
 */

/** Network A, local vs teleseismic: 1 x 16 x 48 spectrogram, code 1 x 2 x 6 = 12 (Table S1). */
export function networkA(): ModelDescription {
  return networkAWith([4, 2, 1], 'network-a');
}

/**
 * Network A with 16, 8 and 2 filters in the encoder's convolutions instead of
 * 4, 2 and 1: a code of 2 x 2 x 6 = 24. On new archives the paper's 12-number
 * code left the clusters below k-means on the spectrograms themselves; this
 * width closed most of that gap (README, "A wider network A").
 */
export function networkAWide(): ModelDescription {
  return networkAWith([16, 8, 2], 'network-a-wide');
}

/**
 * Network A's layers with `filters` in the encoder's three convolutions, in
 * order; the decoder's convolutions mirror them, and its last, one linear
 * filter, gives back the spectrogram.
 */
export function networkAWith(filters: readonly [number, number, number], name = `network-a-${filters.join('-')}`): ModelDescription {
  const [first, second, third] = filters;
  return {
    name,
    input: [1, 16, 48],
    encoder: [
      { type: 'conv2d', filters: first, kernel: 3, activation: 'tanh' },
      { type: 'maxPool2d', pool: 2 },
      { type: 'conv2d', filters: second, kernel: 3, activation: 'tanh' },
      { type: 'maxPool2d', pool: 2 },
      { type: 'conv2d', filters: third, kernel: 3, activation: 'tanh' },
      { type: 'maxPool2d', pool: 2 },
    ],
    decoder: [
      { type: 'conv2d', filters: third, kernel: 3, activation: 'tanh' },
      { type: 'upsample2d', factor: 2 },
      { type: 'conv2d', filters: second, kernel: 3, activation: 'tanh' },
      { type: 'upsample2d', factor: 2 },
      { type: 'conv2d', filters: first, kernel: 3, activation: 'tanh' },
      { type: 'upsample2d', factor: 2 },
      { type: 'conv2d', filters: 1, kernel: 3, activation: 'linear' },
    ],
  };
}

/** Network B, first-motion polarity: 1 x 32 P window, code 1 x 2 = 2 (Table S2). */
export function networkB(): ModelDescription {
  return networkBWith([8, 4, 2, 1], 'network-b');
}

/**
 * Network B with 2 filters instead of 1 in the encoder's last convolution (8,
 * 4, 2 and 2): a code of 2 x 2 = 4. With estimated picks the paper's 2-number
 * code left the clusters below k-means on the P windows themselves; this one
 * reached it (README, "A wider network B").
 */
export function networkBWide(): ModelDescription {
  return networkBWith([8, 4, 2, 2], 'network-b-wide');
}

/**
 * Network B's layers with `filters` in the encoder's four convolutions (kernels
 * 11, 9, 3 and 3), in order; the decoder's mirror them, and its last, one
 * linear filter, gives back the P window. The code is 2 x the last count.
 */
export function networkBWith(filters: readonly [number, number, number, number], name = `network-b-${filters.join('-')}`): ModelDescription {
  const [first, second, third, fourth] = filters;
  return {
    name,
    input: [1, 32],
    encoder: [
      { type: 'conv1d', filters: first, kernel: 11, activation: 'tanh' },
      { type: 'maxPool1d', pool: 2 },
      { type: 'conv1d', filters: second, kernel: 9, activation: 'tanh' },
      { type: 'maxPool1d', pool: 2 },
      { type: 'conv1d', filters: third, kernel: 3, activation: 'tanh' },
      { type: 'maxPool1d', pool: 2 },
      { type: 'conv1d', filters: fourth, kernel: 3, activation: 'tanh' },
      { type: 'maxPool1d', pool: 2 },
    ],
    decoder: [
      { type: 'conv1d', filters: fourth, kernel: 3, activation: 'tanh' },
      { type: 'upsample1d', factor: 2 },
      { type: 'conv1d', filters: third, kernel: 3, activation: 'tanh' },
      { type: 'upsample1d', factor: 2 },
      { type: 'conv1d', filters: second, kernel: 9, activation: 'tanh' },
      { type: 'upsample1d', factor: 2 },
      { type: 'conv1d', filters: first, kernel: 11, activation: 'tanh' },
      { type: 'upsample1d', factor: 2 },
      { type: 'conv1d', filters: 1, kernel: 3, activation: 'linear' },
    ],
  };
}

/** The networks `--model` takes by name instead of a JSON file. */
export const BUILT_IN_NETWORKS: ReadonlyMap<string, () => ModelDescription> = new Map([
  ['network-a', networkA],
  ['network-a-wide', networkAWide],
  ['network-b', networkB],
  ['network-b-wide', networkBWide],
]);

export const BUILT_IN_NETWORK_NAMES: readonly string[] = [...BUILT_IN_NETWORKS.keys()];
