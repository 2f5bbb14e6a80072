/**
 * The trivial-cue baseline: two numbers per record that carry no learned
 * structure, the spectral centroid and the energy. If k-means on these
 * already separates a data set, the set is easy for the wrong reason (a
 * sampling rate, a gain, a band) and a high deep-clustering score proves
 * little about the method.
 *
 * - Spectrogram inputs (rank 2, [frequency bins, frames], task A): the
 *   centroid is the magnitude-weighted mean bin over the whole window.
 * - Waveform inputs (rank 1, task B): the centroid of the DFT magnitude of
 *   the window (bins 0 .. L/2).
 * Energy is the sum of squared input values. Both features are standardised
 * (zero mean, unit variance over the set) so neither dominates k-means.
 */
export function trivialCueFeatures(inputs: Float32Array, n: number, inputShape: readonly number[]): Float64Array {
  const size = inputShape.reduce((a, b) => a * b, 1);
  if (inputs.length !== n * size) throw new Error(`trivialCueFeatures: ${inputs.length} values for ${n} records of ${inputShape.join(' x ')}`);
  if (inputShape.length !== 1 && inputShape.length !== 2)
    throw new Error(`trivialCueFeatures: inputs must be waveforms [L] or spectrograms [bins, frames], got [${inputShape.join(', ')}]`);
  const out = new Float64Array(n * 2);
  const spectrum = inputShape.length === 1 ? new Float64Array(Math.floor(size / 2) + 1) : null;
  for (let r = 0; r < n; r++) {
    const x = inputs.subarray(r * size, (r + 1) * size);
    let energy = 0;
    for (let i = 0; i < size; i++) energy += x[i]! * x[i]!;
    let weighted = 0;
    let total = 0;
    if (spectrum === null) {
      const [bins, frames] = inputShape as [number, number];
      for (let f = 0; f < bins; f++)
        for (let t = 0; t < frames; t++) {
          const m = Math.abs(x[f * frames + t]!);
          weighted += f * m;
          total += m;
        }
    } else {
      // A direct DFT: the windows are short (32 samples).
      for (let f = 0; f < spectrum.length; f++) {
        let re = 0;
        let im = 0;
        for (let i = 0; i < size; i++) {
          const a = (-2 * Math.PI * f * i) / size;
          re += x[i]! * Math.cos(a);
          im += x[i]! * Math.sin(a);
        }
        const m = Math.hypot(re, im);
        weighted += f * m;
        total += m;
      }
    }
    out[2 * r] = total > 0 ? weighted / total : 0;
    out[2 * r + 1] = energy;
  }
  for (let c = 0; c < 2; c++) {
    let mean = 0;
    for (let r = 0; r < n; r++) mean += out[2 * r + c]!;
    mean /= n;
    let v = 0;
    for (let r = 0; r < n; r++) v += (out[2 * r + c]! - mean) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (let r = 0; r < n; r++) out[2 * r + c] = (out[2 * r + c]! - mean) / sd;
  }
  return out;
}
