/**
 * Signal-to-noise ratio of one record around its P arrival, so results can be
 * binned by SNR as in the paper's Fig. S2.
 *
 * Definition (amplitude ratio, noise-corrected):
 *   noise  = RMS of `noiseSeconds` (3 s) ending `gapSeconds` (0.5 s) before
 *            the P pick; the gap keeps a slightly late pick, and the
 *            precursor a zero-phase band-pass spreads ahead of the onset
 *            (its slowest pole decays in ~0.4 s), out of the noise,
 *   signal = RMS of the `signalSeconds` (2 s) from the pick on,
 *   snr    = sqrt(max(signal^2 - noise^2, 0)) / noise,  db = 20 log10(snr).
 * Subtracting the noise power estimates the RMS of the arrival itself, so a
 * record with no visible arrival reads about 0 (not 1, as the plain ratio
 * signal/noise would) and the lowest bin, 0-1 (arrival weaker than the noise),
 * is populated, as it is in the paper's figure. The plain ratio is
 * signalRms / noiseRms. Both windows are cut from the preprocessed trace
 * (band-passed, so microseismic noise outside the band does not count).
 * Windows are clipped at the trace ends; each must keep at least
 * MIN_WINDOW_SECONDS (0.5 s) or the record is an error.
 *
 * Bins (SNR_BIN_EDGES): 0-1, 1-2, 2-3, 3-4, >4, on `snr`.
 */

export interface SnrWindows {
  noiseSeconds: number;
  gapSeconds: number;
  signalSeconds: number;
}

export const SNR_WINDOWS: Readonly<SnrWindows> = Object.freeze({ noiseSeconds: 3, gapSeconds: 0.5, signalSeconds: 2 });

/** Lower edges of the SNR bins; the last bin is open-ended. */
export const SNR_BIN_EDGES: readonly number[] = Object.freeze([0, 1, 2, 3, 4]);
export const SNR_BIN_LABELS: readonly string[] = Object.freeze(['0-1', '1-2', '2-3', '3-4', '>4']);

const MIN_WINDOW_SECONDS = 0.5;

export interface SnrResult {
  /** Noise-corrected amplitude ratio (see file comment), >= 0. */
  snr: number;
  /** 20 log10(snr); -Infinity when snr is 0. */
  db: number;
  signalRms: number;
  noiseRms: number;
}

function rms(x: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (to - from));
}

export function snr(samples: Float64Array, pSample: number, samplingRate: number, windows: Partial<SnrWindows> = {}, record = 'trace'): SnrResult {
  const w = { ...SNR_WINDOWS, ...windows };
  if (!(samplingRate > 0) || !Number.isFinite(samplingRate)) throw new Error(`snr: ${record}: samplingRate must be a positive number, got ${samplingRate}`);
  if (!Number.isFinite(pSample) || pSample < 0 || pSample > samples.length - 1)
    throw new Error(`snr: ${record}: P pick at sample ${pSample} is outside the trace (0..${samples.length - 1})`);
  const p = Math.round(pSample);
  const noiseTo = Math.max(0, p - Math.round(w.gapSeconds * samplingRate));
  const noiseFrom = Math.max(0, noiseTo - Math.round(w.noiseSeconds * samplingRate));
  const signalTo = Math.min(samples.length, p + Math.round(w.signalSeconds * samplingRate));
  const minLength = Math.round(MIN_WINDOW_SECONDS * samplingRate);
  if (noiseTo - noiseFrom < minLength)
    throw new Error(`snr: ${record}: only ${noiseTo - noiseFrom} samples for the noise window before the P pick (sample ${p}); it needs ${minLength}`);
  if (signalTo - p < minLength)
    throw new Error(`snr: ${record}: only ${signalTo - p} samples from the P pick (sample ${p}) on; the signal window needs ${minLength}`);
  const noiseRms = rms(samples, noiseFrom, noiseTo);
  const signalRms = rms(samples, p, signalTo);
  if (!(noiseRms > 0)) throw new Error(`snr: ${record}: the noise window before the P pick is all zeros`);
  const value = Math.sqrt(Math.max(signalRms * signalRms - noiseRms * noiseRms, 0)) / noiseRms;
  return { snr: value, db: 20 * Math.log10(value), signalRms, noiseRms };
}

/** Index into SNR_BIN_LABELS of the bin holding `value`. */
export function snrBin(value: number): number {
  if (!(value >= 0)) throw new Error(`snrBin: SNR must be a number >= 0, got ${value}`);
  let bin = 0;
  while (bin + 1 < SNR_BIN_EDGES.length && value >= SNR_BIN_EDGES[bin + 1]!) bin++;
  return bin;
}
