/**
 * The embedded default data sets: synthetic seismograms, deterministic by
 * seed, so the project runs and is tested without downloading anything.
 *
 * Every record is generated as a raw 100 Hz waveform (signal + noise) and then
 * goes through exactly what real data goes through: `preprocess` with the
 * paper's defaults, then `spectrogram` (task A) or `pWindow` (task B) at the
 * P arrival. Labels come back in their own array and are never part of the
 * inputs. Records are in random order (classes interleaved), since the
 * paper's fine-tuning walks the data in order.
 *
 * Waveform models (all filters causal, so nothing arrives before its phase):
 * - Noise, the same generator for every class: a microseism (white noise
 *   through a resonance at 0.12-0.3 Hz, 3-30 times the broadband level, mostly
 *   removed by the 1 Hz corner as in real data), broadband noise (white noise
 *   through a one-pole low-pass at 0.5-15 Hz plus a white floor), and in a
 *   fifth of the records a narrow-band cultural hum at 2-18 Hz.
 * - A phase: a spike of the phase's polarity at its arrival plus scattered
 *   coda (white noise under an envelope), shaped by the source spectrum
 *   (omega-squared: two poles at the corner frequency fc), by attenuation
 *   (a causal three-pole stand-in for exp(-pi f t*), corner 1/(pi t*)), and
 *   differentiated to ground velocity.
 * - Task A, local (hypocentral distance d uniform in 5-150 km): impulsive P;
 *   S after S-P = d/8 s (inside the 6 s input window up to d = 40 km, in the
 *   13 s trace up to 64 km, after its end beyond), 1.5-5 times larger, with a 1.5 times lower corner and
 *   1.5 times the t*; codas decaying in 0.3-4 s after P and 0.5-6 s after S;
 *   fc 1-6 Hz (magnitudes of roughly 2.5-5), t* = d/(6 km/s * Q), Q 80-600.
 *   The velocity spectrum falls as 1/f above fc, so energy reaches ~20 Hz.
 * - Task A, teleseismic (1,000-10,000 km, where S-P is 2-12 minutes, so S is
 *   never in the trace): emergent P (envelope rise 0.3-2 s), source corner
 *   0.1-0.5 Hz (large events), t* 0.15-1 s, a depth phase pP 1.5-10 s after P
 *   with the opposite sign, a long coda (decay 5-30 s). Coda levels per
 *   sample: 0.1-0.4 of the direct spike for local phases, 0.02-0.08 for the
 *   teleseismic P, whose direct arrival is spread over its rise time instead
 *   of a spike; these levels and the spectral ranges are what the
 *   calibration below was tuned with.
 * - Task A, regional (with `classes: 3`; 200-1,500 km): see `regionalSignal`.
 * - Task B: one P onset, polarity up or down, source time functions of
 *   four shapes (Brune-like, triangle, half-sine, boxcar with ramps) and
 *   widths 0.02-0.25 s, a second sub-event of either sign in 30 % of the
 *   records, a P coda, a path low-pass at 8-30 Hz; the window is cut at the
 *   true onset plus a pick error of 1.5 samples (s.d.; `pickErrorSamples`),
 *   as an analyst's.
 * Each record's signal is scaled to a drawn SNR (definition in signal/snr.ts):
 * task A log-uniform in A_SNR_RANGE, task B uniform over the five bins 0-1,
 * 1-2, 2-3, 3-4, 4-10. The `snr` returned is the one measured on the final
 * preprocessed record; it scatters around the drawn value (noise and
 * signal overlap in the signal window), so bins hold roughly, not exactly,
 * equal counts.
 *
 * Calibration against the paper's ladder (the numbers are in
 * test/data/synthetic.test.ts): on task A, k-means on the raw 6 s windows is
 * near chance, k-means on spectrograms clearly better but well below 95 %, a
 * supervised linear read-out of the log-spectrograms is near 97 % or better (the
 * labels are in the inputs for a better clusterer to find), and k-means on
 * (spectral centroid, energy) alone stays near 70 %. On task B, k-means on the
 * windows reaches about 80 %, rising with SNR.
 */

import { Rng } from '../tensor/random.js';
import { preprocess } from './signal/preprocess.js';
import { P_WINDOW, SPECTROGRAM, pWindow, spectrogram } from './signal/spectrogram.js';
import { normalize } from './signal/filters.js';
import { snr as measureSnr } from './signal/snr.js';

/** Class names by label index. */
export const TASK_A_CLASSES = Object.freeze(['local', 'teleseismic'] as const);
/** Task A with regional records (`classes: 3`), between the other two by distance. */
export const TASK_A3_CLASSES = Object.freeze(['local', 'regional', 'teleseismic'] as const);
export const TASK_B_CLASSES = Object.freeze(['up', 'down'] as const);

const FS = 100;

/**
 * Task A trace: 5 s of noise before P (the taper's 0.65 s, then the SNR's
 * 3 s noise window and 0.5 s gap, see signal/snr.ts), 8 s after.
 */
export const A_PRE_SECONDS = 5;
export const A_TRACE_SECONDS = 13;
/** Task B trace: 5 s before P (for the same reasons), 4 s after. */
const B_PRE_SECONDS = 5;
const B_TRACE_SECONDS = 9;

/**
 * Task A SNR, log-uniform over this range, the same for both classes so SNR
 * itself says nothing about the class. Below 2 the arrival is too buried for
 * any method to tell the classes apart and the set would stop measuring
 * clustering quality.
 */
export const A_SNR_RANGE = [2, 30] as const;

/** The paper's task A set: 4,700 local and 4,500 teleseismic records. */
const PAPER_LOCAL = 4700;
const PAPER_TELESEISMIC = 4500;

export interface SyntheticOptions {
  /** Number of records. */
  n?: number;
  /** Seed of the generator; the same seed gives the same set. */
  seed?: number;
}

export interface SyntheticTaskBOptions extends SyntheticOptions {
  /**
   * Standard deviation, in samples, of the error of the pick the window is
   * cut at (an analyst's, about 15 ms at 100 Hz by default: 1.5). k-means
   * on the windows depends on it most: 0.95 at 0.5 samples, 0.92 at 0.75,
   * 0.89 at 1 and 0.78 at 1.5 (10,000 records, seed 0). Deep clustering
   * depends more on the training seed than on this (README).
   */
  pickErrorSamples?: number;
}

export interface SyntheticTaskAOptions extends SyntheticOptions {
  /** Also return the preprocessed 6 s window each spectrogram was computed from. */
  waveforms?: boolean;
  /**
   * 2 (default): local and teleseismic (TASK_A_CLASSES), the paper's set;
   * 3: local, regional and teleseismic in equal shares (TASK_A3_CLASSES).
   */
  classes?: 2 | 3;
}

export interface SyntheticSet {
  /** n inputs, row-major: n x 16 x 48 spectrograms (task A) or n x 32 windows (task B). */
  inputs: Float32Array;
  /** Shape of one input: [16, 48] or [32]. */
  inputShape: readonly number[];
  /** Class index per record (TASK_A_CLASSES / TASK_B_CLASSES); kept apart from the inputs. */
  labels: Int32Array;
  /** SNR measured on each preprocessed record (signal/snr.ts). */
  snr: Float32Array;
  n: number;
}

export interface SyntheticTaskASet extends SyntheticSet {
  /**
   * With `waveforms: true`: n x 600 preprocessed samples, P-1 s to P+5 s, the
   * window the spectrogram was computed from (the "raw time series" rung of
   * the paper's ladder).
   */
  waveforms?: Float32Array;
}

export const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();
export const logUniform = (rng: Rng, lo: number, hi: number): number => Math.exp(uniform(rng, Math.log(lo), Math.log(hi)));
export const sign = (rng: Rng): number => (rng.uniform() < 0.5 ? -1 : 1);
/**
 * Unit-variance white noise sample, uniform rather than Gaussian: one 32-bit
 * draw instead of Box-Muller's four, and every use is filtered or enveloped
 * afterwards, which makes it Gaussian to the eye (central limit) anyway.
 */
const SQRT12 = Math.sqrt(12);
export const white = (rng: Rng): number => (rng.nextUint32() / 4294967296 - 0.5) * SQRT12;

/**
 * One-pole causal low-pass at fc Hz, in place (samples at `rate` Hz). With
 * `state` (one number, 0 at a trace's start) it continues where the last
 * block ended, for a trace made block by block (continuous.ts).
 */
export function lowpass1(x: Float64Array, fc: number, rate: number = FS, state?: Float64Array): void {
  const a = 1 - Math.exp((-2 * Math.PI * Math.min(fc, 0.45 * rate)) / rate);
  let y = state?.[0] ?? 0;
  for (let i = 0; i < x.length; i++) {
    y += a * (x[i]! - y);
    x[i] = y;
  }
  if (state !== undefined) state[0] = y;
}

/** Causal two-pole resonator at f0 Hz with quality q, in place, unit peak gain; `state` (two numbers) as for lowpass1. */
export function resonator(x: Float64Array, f0: number, q: number, rate: number = FS, state?: Float64Array): void {
  const w = (2 * Math.PI * f0) / rate;
  const r = Math.exp(-w / (2 * q));
  const a1 = -2 * r * Math.cos(w);
  const a2 = r * r;
  const gain = 1 - r; // approximately normalises the peak
  let y1 = state?.[0] ?? 0;
  let y2 = state?.[1] ?? 0;
  for (let i = 0; i < x.length; i++) {
    const y = gain * x[i]! - a1 * y1 - a2 * y2;
    y2 = y1;
    y1 = y;
    x[i] = y;
  }
  if (state !== undefined) {
    state[0] = y1;
    state[1] = y2;
  }
}

/** First difference times the rate: displacement-like pulse to velocity. */
export function differentiate(x: Float64Array, rate: number = FS): void {
  for (let i = x.length - 1; i > 0; i--) x[i] = (x[i]! - x[i - 1]!) * rate;
  x[0] = x[0]! * rate;
}

export function rmsOf(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / x.length);
}

/** Seismic noise, the same model for every class (see the file comment), `n` samples at `rate` Hz. */
export function noise(rng: Rng, n: number, rate: number = FS): Float64Array {
  const broadband = new Float64Array(n);
  for (let i = 0; i < n; i++) broadband[i] = white(rng);
  lowpass1(broadband, logUniform(rng, 0.5, 15), rate);
  const floor = uniform(rng, 0.05, 0.5) * rmsOf(broadband);
  for (let i = 0; i < n; i++) broadband[i] = broadband[i]! + floor * white(rng);

  const micro = new Float64Array(n);
  for (let i = 0; i < n; i++) micro[i] = white(rng);
  resonator(micro, uniform(rng, 0.12, 0.3), 4, rate);
  const microScale = (logUniform(rng, 3, 30) * rmsOf(broadband)) / (rmsOf(micro) || 1);

  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = broadband[i]! + microScale * micro[i]!;

  if (rng.uniform() < 0.2) {
    const hum = new Float64Array(n);
    for (let i = 0; i < n; i++) hum[i] = white(rng);
    resonator(hum, uniform(rng, 2, 18), 30, rate);
    const humScale = (uniform(rng, 0.2, 1) * rmsOf(broadband)) / (rmsOf(hum) || 1);
    for (let i = 0; i < n; i++) out[i] = out[i]! + humScale * hum[i]!;
  }
  return out;
}

export interface Phase {
  /** Arrival, seconds from the trace start. */
  at: number;
  /** Signed amplitude of the direct spike. */
  amplitude: number;
  /** Coda level relative to |amplitude| per sample of white noise. */
  coda: number;
  /** Coda decay time, seconds. */
  decay: number;
  /** Envelope rise time, seconds (0 = impulsive). */
  rise: number;
}

/** Excitation of a list of phases: spikes plus enveloped white-noise codas, `n` samples at `rate` Hz. */
export function excitation(rng: Rng, n: number, phases: readonly Phase[], rate: number = FS): Float64Array {
  const x = new Float64Array(n);
  for (const ph of phases) {
    const i0 = Math.round(ph.at * rate);
    if (i0 >= n) continue;
    const amp = Math.abs(ph.amplitude);
    if (ph.rise > 0) {
      // Emergent: the spike is spread over the rise time as a half-sine of the same area.
      const nRise = Math.max(1, Math.round(ph.rise * rate));
      const scale = (ph.amplitude * Math.PI) / (2 * nRise);
      for (let k = 0; k < nRise && i0 + k < n; k++) x[i0 + k] = x[i0 + k]! + scale * Math.sin((Math.PI * k) / nRise);
    } else {
      x[i0] = x[i0]! + ph.amplitude;
    }
    for (let i = i0; i < n; i++) {
      const t = (i - i0) / rate;
      const env = (ph.rise > 0 ? 1 - Math.exp(-t / ph.rise) : 1) * Math.exp(-t / ph.decay);
      if (env < 1e-4 && t > ph.rise) break;
      x[i] = x[i]! + amp * ph.coda * env * white(rng);
    }
  }
  return x;
}

/** Source corner (two poles), attenuation (three poles at 1/(pi t*)), then velocity. */
function shape(x: Float64Array, cornerHz: number, tStar: number): void {
  lowpass1(x, cornerHz);
  lowpass1(x, cornerHz);
  const fa = 1 / (Math.PI * tStar);
  lowpass1(x, fa);
  lowpass1(x, fa);
  lowpass1(x, fa);
  differentiate(x);
}

/**
 * Scale `signal` so the record's SNR (signal/snr.ts) comes out at `target`,
 * add the noise, normalise. preprocess is linear up to its last step
 * (normalisation), so preprocessing the two parts apart and adding them is
 * the same as preprocessing the sum; working on the parts lets the scale be
 * solved for. The zero-phase band-pass spreads some signal into the noise
 * window before P (more for the low-frequency teleseismic P), which the
 * measurement will count as noise, so with mean squares S_sig, S_noise of the
 * signal part in the two windows and N of the noise part in the noise window,
 * target^2 = (a^2 S_sig - a^2 S_noise) / (N + a^2 S_noise) gives
 * a^2 = target^2 N / (S_sig - (1 + target^2) S_noise); without that correction
 * the measured SNR of teleseismic records would sit well below the target.
 */
function mix(signal: Float64Array, noiseTrace: Float64Array, pSample: number, target: number, record: string): Float64Array {
  const linear = { normalize: null };
  const s = preprocess(signal, FS, linear, record).samples;
  const nz = preprocess(noiseTrace, FS, linear, record).samples;
  const alpha = scaleForSnr(s, nz, pSample, target, record);
  const sum = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) sum[i] = alpha * s[i]! + nz[i]!;
  return normalize(sum, 'maxabs', record);
}

/**
 * The factor on the signal part that gives the record the SNR `target`
 * (see `mix`), from the preprocessed, unnormalised signal and noise parts of
 * one record with P at `pSample`.
 */
export function scaleForSnr(signal: Float64Array, noiseTrace: Float64Array, pSample: number, target: number, record: string): number {
  const sParts = measureSnr(signal, pSample, FS, {}, record);
  const nParts = measureSnr(noiseTrace, pSample, FS, {}, record);
  const sSig = sParts.signalRms ** 2;
  const sNoise = sParts.noiseRms ** 2;
  const noisePower = nParts.noiseRms ** 2;
  const denominator = sSig - (1 + target * target) * sNoise;
  // A record whose leakage alone prevents the target keeps the uncorrected scale.
  return denominator > 0 ? target * Math.sqrt(noisePower / denominator) : target * Math.sqrt(noisePower / sSig);
}

/**
 * Indices 0..n-1 labelled by class counts: in a seeded permutation the first
 * `counts[0]` get label 0, the next `counts[1]` label 1, and so on.
 */
function shuffledLabels(rng: Rng, n: number, counts: readonly number[]): Int32Array {
  const perm = rng.permutation(n);
  const labels = new Int32Array(n);
  let label = 0;
  let end = counts[0]!;
  for (let i = 0; i < n; i++) {
    while (i >= end) end += counts[++label]!;
    labels[perm[i]!] = label;
  }
  return labels;
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 2) throw new Error(`${what}: n must be an integer >= 2, got ${n}`);
}

/** A local event's P and S (see the file comment), `n` samples at 100 Hz with P at `pAt` seconds. */
export function localSignal(rng: Rng, n: number, pAt: number): Float64Array {
  const distanceKm = uniform(rng, 5, 150);
  const q = logUniform(rng, 80, 600);
  const tStar = distanceKm / (6 * q);
  const fc = logUniform(rng, 1, 6);
  const p = excitation(rng, n, [{ at: pAt, amplitude: sign(rng), coda: uniform(rng, 0.1, 0.4), decay: uniform(rng, 0.3, 4), rise: 0 }]);
  shape(p, fc, tStar);
  const sAt = pAt + distanceKm / 8;
  const s = excitation(rng, n, [
    {
      at: sAt,
      amplitude: sign(rng) * uniform(rng, 1.5, 5),
      coda: uniform(rng, 0.1, 0.4),
      decay: uniform(rng, 0.5, 6),
      rise: 0,
    },
  ]);
  shape(s, fc / 1.5, tStar * 1.5);
  for (let i = 0; i < n; i++) p[i] = p[i]! + s[i]!;
  return p;
}

/** A teleseismic P and its depth phase (see the file comment), `n` samples at 100 Hz with P at `pAt` seconds. */
export function teleseismicSignal(rng: Rng, n: number, pAt: number): Float64Array {
  const tStar = uniform(rng, 0.15, 1);
  const fc = uniform(rng, 0.1, 0.5);
  const polarity = sign(rng);
  const decay = uniform(rng, 5, 30);
  const rise = uniform(rng, 0.3, 2);
  const x = excitation(rng, n, [
    { at: pAt, amplitude: polarity, coda: uniform(rng, 0.02, 0.08), decay, rise },
    { at: pAt + uniform(rng, 1.5, 10), amplitude: -polarity * uniform(rng, 0.3, 1), coda: 0, decay, rise },
  ]);
  shape(x, fc, tStar);
  return x;
}

/**
 * Regional (epicentral distance d uniform in 200-1,500 km). The first
 * arrival is Pn, which runs along the top of the mantle at about 8 km/s;
 * S comes d/8 s or more after it (25-190 s: never in the 13 s trace, where
 * a local record within 64 km shows S); Pg, within the window only below
 * about 320 km, is left out, so the window holds Pn and its coda. What sets
 * the class apart is Pn's path: the mantle lid's Q is high (3,000-8,000 at
 * the few hertz that matter, as in stable continental lithosphere), so over
 * its 25-190 s t* = T/Q stays at 0.003-0.06 s and the record keeps its high
 * frequencies, unlike both the teleseismic P (t* 0.15-1 s) and the locals,
 * whose crustal paths have Q 80-600. Source corner 3-10 Hz, the small
 * events (M about 2.5-3.5) that regional networks record in numbers; an
 * onset emergent over 0.1-0.5 s and a scattered Pn coda decaying in 3-15 s,
 * between the local (0.3-4 s) and the teleseismic (5-30 s) codas. With a
 * corner and t* between the other two classes (0.5-3 Hz, 0.03-0.75 s) the
 * class lay between them in the codes and no choice of k found it (README,
 * "Choosing k").
 */
function regionalSignal(rng: Rng, n: number, pAt: number): Float64Array {
  const distanceKm = uniform(rng, 200, 1500);
  const q = logUniform(rng, 3000, 8000);
  const tStar = distanceKm / 8 / q;
  const fc = logUniform(rng, 3, 10);
  const x = excitation(rng, n, [{ at: pAt, amplitude: sign(rng), coda: uniform(rng, 0.15, 0.4), decay: uniform(rng, 3, 15), rise: uniform(rng, 0.1, 0.5) }]);
  shape(x, fc, tStar);
  return x;
}

/** Class counts of a task A set of n records: the paper's 4,700 : 4,500 for two classes, equal shares for three. */
function taskAClassCounts(n: number, classes: 2 | 3): number[] {
  if (classes === 2) {
    const nLocal = Math.round((n * PAPER_LOCAL) / (PAPER_LOCAL + PAPER_TELESEISMIC));
    return [nLocal, n - nLocal];
  }
  const third = Math.round(n / 3);
  return [third, third, n - 2 * third];
}

/**
 * Task A, local vs teleseismic: n spectrograms (16 x 48), 4,700 : 4,500 local
 * to teleseismic as in the paper (9,200 records by default); with
 * `classes: 3`, local, regional and teleseismic in equal shares.
 */
export function syntheticTaskA(options: SyntheticTaskAOptions = {}): SyntheticTaskASet {
  const n = options.n ?? PAPER_LOCAL + PAPER_TELESEISMIC;
  checkCount(n, 'syntheticTaskA');
  const classes = options.classes ?? 2;
  if (classes !== 2 && classes !== 3) throw new Error(`syntheticTaskA: classes must be 2 or 3, got ${classes}`);
  const names = classes === 2 ? TASK_A_CLASSES : TASK_A3_CLASSES;
  const generators = classes === 2 ? [localSignal, teleseismicSignal] : [localSignal, regionalSignal, teleseismicSignal];
  const rng = new Rng(options.seed ?? 0);
  const labels = shuffledLabels(rng.fork(), n, taskAClassCounts(n, classes));
  const length = A_TRACE_SECONDS * FS;
  const pSample = A_PRE_SECONDS * FS;
  const { bins, frames, windowSamples, preP } = SPECTROGRAM;
  const inputs = new Float32Array(n * bins * frames);
  const snr = new Float32Array(n);
  const waveforms = options.waveforms ? new Float32Array(n * windowSamples) : undefined;

  for (let r = 0; r < n; r++) {
    // One generator per record: a record does not change when another's model does.
    const rec = rng.fork();
    const record = `synthetic A #${r} (${names[labels[r]!]})`;
    const signal = generators[labels[r]!]!(rec, length, A_PRE_SECONDS);
    const target = logUniform(rec, A_SNR_RANGE[0], A_SNR_RANGE[1]);
    const trace = mix(signal, noise(rec, length), pSample, target, record);
    inputs.set(spectrogram(trace, pSample, { record }), r * bins * frames);
    snr[r] = measureSnr(trace, pSample, FS, {}, record).snr;
    if (waveforms) waveforms.set(trace.subarray(pSample - preP, pSample - preP + windowSamples), r * windowSamples);
  }
  return {
    inputs,
    inputShape: [bins, frames],
    labels,
    snr,
    n,
    ...(waveforms ? { waveforms } : {}),
  };
}

/** Source time function of one of four shapes, `width` seconds long, unit area, at `rate` Hz. */
export function sourceTimeFunction(rng: Rng, width: number, rate: number = FS): Float64Array {
  const m = Math.max(2, Math.round(width * rate));
  const stf = new Float64Array(m);
  const kind = rng.int(4);
  for (let k = 0; k < m; k++) {
    const u = (k + 0.5) / m;
    stf[k] =
      kind === 0
        ? u * Math.exp(-u * 4) // Brune-like, skewed to the start
        : kind === 1
          ? 1 - Math.abs(2 * u - 1) // triangle
          : kind === 2
            ? Math.sin(Math.PI * u) // half-sine
            : Math.min(1, 6 * u, 6 * (1 - u)); // boxcar with short ramps
  }
  let area = 0;
  for (let k = 0; k < m; k++) area += stf[k]!;
  for (let k = 0; k < m; k++) stf[k] = stf[k]! / area;
  return stf;
}

function polaritySignal(rng: Rng, n: number, pAt: number, polarity: number): Float64Array {
  const i0 = Math.round(pAt * FS);
  const x = new Float64Array(n);
  const stf = sourceTimeFunction(rng, logUniform(rng, 0.02, 0.25));
  for (let k = 0; k < stf.length && i0 + k < n; k++) x[i0 + k] = polarity * stf[k]!;
  if (rng.uniform() < 0.3) {
    // A second sub-event of either sign, later and weaker.
    const lag = Math.round(uniform(rng, 0.05, 0.3) * FS);
    const sub = sourceTimeFunction(rng, logUniform(rng, 0.02, 0.2));
    const a = sign(rng) * uniform(rng, 0.2, 0.7);
    for (let k = 0; k < sub.length && i0 + lag + k < n; k++) x[i0 + lag + k] = x[i0 + lag + k]! + a * sub[k]!;
  }
  // P coda: scattered energy after the direct pulse, random in sign.
  const codaLevel = uniform(rng, 0.05, 0.3) / stf.length;
  const decay = uniform(rng, 0.3, 2);
  for (let i = i0 + stf.length; i < n; i++) x[i] = x[i]! + codaLevel * Math.exp(-(i - i0) / FS / decay) * white(rng);
  lowpass1(x, logUniform(rng, 8, 30)); // path attenuation, local distances
  differentiate(x);
  return x;
}

/** Task B, first-motion polarity: n windows of 32 samples (10 000 by default), half up, half down. */
export function syntheticTaskB(options: SyntheticTaskBOptions = {}): SyntheticSet {
  const n = options.n ?? 10_000;
  checkCount(n, 'syntheticTaskB');
  const pickError = options.pickErrorSamples ?? 1.5;
  if (!(pickError >= 0 && Number.isFinite(pickError))) throw new Error(`syntheticTaskB: pickErrorSamples must be a finite number >= 0, got ${pickError}`);
  const rng = new Rng(options.seed ?? 0);
  const half = Math.round(n / 2);
  const labels = shuffledLabels(rng.fork(), n, [half, n - half]);
  const length = B_TRACE_SECONDS * FS;
  const pSample = B_PRE_SECONDS * FS;
  const inputs = new Float32Array(n * P_WINDOW.length);
  const snr = new Float32Array(n);

  for (let r = 0; r < n; r++) {
    const rec = rng.fork();
    const record = `synthetic B #${r} (${TASK_B_CLASSES[labels[r]!]})`;
    const polarity = labels[r] === 0 ? 1 : -1;
    const signal = polaritySignal(rec, length, B_PRE_SECONDS, polarity);
    // SNR spread evenly over the bins 0-1, 1-2, 2-3, 3-4 and 4-10.
    const bin = rec.int(5);
    const target = bin < 4 ? uniform(rec, Math.max(bin, 0.2), bin + 1) : uniform(rec, 4, 10);
    const trace = mix(signal, noise(rec, length), pSample, target, record);
    const pick = pSample + Math.round(rec.normal() * pickError);
    inputs.set(pWindow(trace, pick, { record }), r * P_WINDOW.length);
    snr[r] = measureSnr(trace, pSample, FS, {}, record).snr;
  }
  return { inputs, inputShape: [P_WINDOW.length], labels, snr, n };
}
