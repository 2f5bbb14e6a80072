/**
 * The inputs of the two networks, cut from a preprocessed 100 Hz trace around
 * its P arrival.
 *
 * Task A, `spectrogram`: STFT magnitude, 16 frequency bins x 48 frames,
 * row-major [freq][time]. The paper does not publish its STFT; this is the
 * reconstruction in METHOD.md, identical to
 * `scipy.signal.stft(w, fs=100, window='hann', nperseg=30, noverlap=17)` with
 * scipy's defaults (boundary='zeros', padded=True, scaling='spectrum'):
 *   - w = 600 samples (6 s) starting SPECTROGRAM.preP = 100 samples (1 s)
 *     before the P pick, so the window spans P-1 s .. P+5 s;
 *   - Hann window of 30 samples, periodic ("DFT-even", scipy's default),
 *     hop 13 samples (overlap 17);
 *   - 15 zeros (half a window) added before and after w (630 samples), then
 *     11 more at the end so whole hops fit: (630 - 30) = 600 = 46*13 + 2, so
 *     the end is padded to 30 + 47*13 = 641 samples, giving 47 + 1 = 48 frames;
 *   - frame t covers w[13t - 15 .. 13t + 14], i.e. it is centred on
 *     w[13t]: frame centres run from P-1.00 s to P+5.11 s in 0.13 s steps;
 *   - a 30-point DFT of each windowed frame, one-sided: 30/2 + 1 = 16 bins
 *     at 0, 3.33, ..., 50 Hz; magnitude divided by the window sum (15), so a
 *     sine of amplitude A centred on a bin reads A/2 there.
 * 30 is not a power of two and fft.js only does powers of two, so the 30-point
 * DFT is evaluated exactly with Bluestein's chirp-z algorithm on 64-point
 * fft.js transforms.
 * By default each spectrogram is then divided by its own maximum (values in
 * [0, 1]): records differ in amplitude by orders of magnitude and the
 * autoencoder should see the shape, not the size; `normalize: 'none'` keeps
 * scipy's scaling.
 *
 * Those are the paper's choices (PAPER_SPECTROGRAM). `SpectrogramParams`
 * makes each one explicit, keeping network A's 16 x 48 input: the window
 * around P (`preP`, `windowSamples`), the Hann segment (its first 16 one-sided
 * bins are kept: 0 to 16 * 100 / segment Hz) and the hop (frame t is centred
 * on window sample t * hop, zeros outside the window, as above), the amplitude
 * scale (linear magnitude, or decibels below the record's peak clipped at
 * `floorDb`, so that where a record has energy at all counts more than how
 * peaked it is in time) and the normalisation of each input.
 *
 * Task B, `pWindow`: 32 samples, P_WINDOW.preP = 10 before the pick and 22 from
 * it on (the pick is element 10), divided by its maximum absolute value (the
 * paper's; `PWindowParams` moves the pick and can divide by the window's
 * root-mean-square instead, which one large late sample does not set).
 *
 * Both windows are zero-padded where they run past the ends of the trace (a
 * short record still gives an input; the padding is silent, scipy pads the
 * STFT with zeros anyway). A P pick outside the trace is an error naming the
 * record. A fractional pick (after resampling) is rounded to the nearest sample.
 */

import FFT from 'fft.js';

export const SPECTROGRAM = Object.freeze({
  /** Sampling rate the input must have. */
  samplingRateHz: 100,
  /** Window length in samples (6 s). */
  windowSamples: 600,
  /** Window start, in samples before the P pick (1 s). */
  preP: 100,
  /** STFT segment (Hann window) length. */
  segment: 30,
  /** Hop between frames (segment - overlap of 17). */
  hop: 13,
  /** One-sided frequency bins: segment/2 + 1. */
  bins: 16,
  /** Frames: see the arithmetic in the file comment. */
  frames: 48,
});

export const P_WINDOW = Object.freeze({
  /** Samples in the window (0.32 s at 100 Hz). */
  length: 32,
  /** Samples before the pick; the pick is element preP. */
  preP: 10,
});

/** How a spectrogram's magnitudes are put on the input's scale. */
export type SpectrogramScale = 'linear' | 'db';
/** How each spectrogram is normalised: by its maximum, to zero mean and unit s.d., or not at all. */
export type SpectrogramNormalization = 'max' | 'standardize' | 'none';

/** The choices behind a task A input; 16 bins x 48 frames whatever they are. */
export interface SpectrogramParams {
  /** Window start, in samples before the P pick. */
  preP: number;
  /** Window length in samples. */
  windowSamples: number;
  /** Hann segment (DFT length) in samples; at least 30, so that 16 one-sided bins exist. */
  segment: number;
  /** Samples between frame centres. */
  hop: number;
  scale: SpectrogramScale;
  /** With scale 'db': magnitudes more than this many dB below the record's peak read as the floor. */
  floorDb: number;
  normalize: SpectrogramNormalization;
}

/** The paper's spectrogram (the reconstruction above). */
export const PAPER_SPECTROGRAM: Readonly<SpectrogramParams> = Object.freeze({
  preP: SPECTROGRAM.preP,
  windowSamples: SPECTROGRAM.windowSamples,
  segment: SPECTROGRAM.segment,
  hop: SPECTROGRAM.hop,
  scale: 'linear',
  floorDb: 60,
  normalize: 'max',
});

/** How a P window is normalised: by its largest absolute value, or by its root-mean-square (no mean removed: that would move the first motion). */
export type PWindowNormalization = 'maxabs' | 'rms';

/** The choices behind a task B input; 32 samples whatever they are. */
export interface PWindowParams {
  /** Samples before the pick; the pick is element preP. */
  preP: number;
  normalize: PWindowNormalization;
  /**
   * Samples (at 100 Hz) over which the weight of the window from the pick on
   * falls by a factor e, exp(-(i - preP) / decay), before normalising; null
   * weighs every sample alike (the paper's). The first motion decides the
   * polarity; a later swing larger than it (coda, a reverberation, a
   * high-passed sensor's overshoot) otherwise sets the window's scale and
   * shape.
   */
  decay: number | null;
}

/** The paper's P window. */
export const PAPER_P_WINDOW: Readonly<PWindowParams> = Object.freeze({ preP: P_WINDOW.preP, normalize: 'maxabs', decay: null });

export interface WindowOptions {
  /** Names the record in error messages (e.g. its file path). */
  record?: string;
}

export interface SpectrogramOptions extends WindowOptions, Partial<SpectrogramParams> {}

export interface PWindowOptions extends WindowOptions, Partial<PWindowParams> {}

function checkPick(samples: Float64Array, pSample: number, record: string, what: string): number {
  if (!Number.isFinite(pSample) || pSample < 0 || pSample > samples.length - 1)
    throw new Error(`${what}: ${record}: P pick at sample ${pSample} is outside the trace (0..${samples.length - 1})`);
  return Math.round(pSample);
}

/** Copy samples[start .. start+length-1] with zeros where the range leaves the trace. */
function cut(samples: Float64Array, start: number, length: number): Float64Array {
  const out = new Float64Array(length);
  const lo = Math.max(0, start);
  const hi = Math.min(samples.length, start + length);
  if (hi > lo) out.set(samples.subarray(lo, hi), lo - start);
  return out;
}

/**
 * Exact N-point DFT of real input by Bluestein's algorithm:
 * X[k] = c*[k] sum_n (x[n] c*[n]) c[k-n] with c[n] = exp(i pi n^2 / N),
 * the sum being a linear convolution done with M-point FFTs, M >= 2N-1.
 */
class BluesteinDft {
  readonly n: number;
  private readonly fft: FFT;
  private readonly chirpRe: Float64Array;
  private readonly chirpIm: Float64Array;
  /** FFT of the wrapped conjugate chirp, interleaved re/im. */
  private readonly kernel: number[];
  private readonly buffer: number[];
  private readonly spectrum: number[];

  constructor(n: number) {
    this.n = n;
    let m = 4;
    while (m < 2 * n - 1) m *= 2;
    this.fft = new FFT(m);
    this.chirpRe = new Float64Array(n);
    this.chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // n^2 mod 2N keeps the phase argument small and exact.
      const phase = (Math.PI * ((k * k) % (2 * n))) / n;
      this.chirpRe[k] = Math.cos(phase);
      this.chirpIm[k] = Math.sin(phase);
    }
    const b = this.fft.createComplexArray() as number[];
    b.fill(0);
    for (let k = 0; k < n; k++) {
      b[2 * k] = this.chirpRe[k]!;
      b[2 * k + 1] = this.chirpIm[k]!;
      if (k > 0) {
        b[2 * (m - k)] = this.chirpRe[k]!;
        b[2 * (m - k) + 1] = this.chirpIm[k]!;
      }
    }
    this.kernel = this.fft.createComplexArray() as number[];
    this.fft.transform(this.kernel, b);
    this.buffer = this.fft.createComplexArray() as number[];
    this.spectrum = this.fft.createComplexArray() as number[];
  }

  /** Magnitudes |X[k]| for k = 0 .. bins-1 of the real sequence `x` (length n), written to `out`. */
  magnitudes(x: Float64Array, bins: number, out: Float64Array): void {
    const { n, buffer, spectrum, kernel, chirpRe, chirpIm } = this;
    buffer.fill(0);
    for (let k = 0; k < n; k++) {
      // x[k] * conj(c[k])
      buffer[2 * k] = x[k]! * chirpRe[k]!;
      buffer[2 * k + 1] = -x[k]! * chirpIm[k]!;
    }
    this.fft.transform(spectrum, buffer);
    for (let i = 0; i < spectrum.length; i += 2) {
      const re = spectrum[i]! * kernel[i]! - spectrum[i + 1]! * kernel[i + 1]!;
      const im = spectrum[i]! * kernel[i + 1]! + spectrum[i + 1]! * kernel[i]!;
      spectrum[i] = re;
      spectrum[i + 1] = im;
    }
    this.fft.inverseTransform(buffer, spectrum);
    // |conj(c[k]) * y[k]| = |y[k]|: the output chirp does not change the magnitude.
    for (let k = 0; k < bins; k++) out[k] = Math.hypot(buffer[2 * k]!, buffer[2 * k + 1]!);
  }
}

/** One DFT and Hann window per segment length, made on first use. */
const transforms = new Map<number, { dft: BluesteinDft; hann: Float64Array; windowSum: number }>();

function transformFor(segment: number): { dft: BluesteinDft; hann: Float64Array; windowSum: number } {
  let t = transforms.get(segment);
  if (t === undefined) {
    const hann = hannWindow(segment);
    t = { dft: new BluesteinDft(segment), hann, windowSum: hann.reduce((a, b) => a + b, 0) };
    transforms.set(segment, t);
  }
  return t;
}

/** Periodic Hann window of SPECTROGRAM.segment samples (scipy get_window('hann', 30)). */
export function hannWindow(length: number = SPECTROGRAM.segment): Float64Array {
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
  return w;
}

/**
 * STFT magnitude of a window around the P arrival: Float32Array of
 * 16 * 48 values, row-major [freq][time]. `samples` must be at 100 Hz and
 * preprocessed; `pSample` indexes them. Options absent: the paper's.
 */
export function spectrogram(samples: Float64Array, pSample: number, options: SpectrogramOptions = {}): Float32Array {
  const record = options.record ?? 'trace';
  const { preP, windowSamples, segment, hop, scale, floorDb, normalize } = { ...PAPER_SPECTROGRAM, ...definedFields(options) };
  const p = checkPick(samples, pSample, record, 'spectrogram');
  const { bins, frames } = SPECTROGRAM;
  const window = cut(samples, p - preP, windowSamples);
  const { dft, hann, windowSum } = transformFor(segment);

  const half = Math.floor(segment / 2);
  const frame = new Float64Array(segment);
  const mags = new Float64Array(bins);
  const values = new Float64Array(bins * frames);
  let peak = 0;
  for (let t = 0; t < frames; t++) {
    const start = t * hop - half; // index into `window` of the frame's first sample
    for (let i = 0; i < segment; i++) {
      const j = start + i;
      frame[i] = j >= 0 && j < windowSamples ? window[j]! * hann[i]! : 0;
    }
    dft.magnitudes(frame, bins, mags);
    for (let f = 0; f < bins; f++) {
      const v = mags[f]! / windowSum;
      values[f * frames + t] = v;
      peak = Math.max(peak, v);
    }
  }
  if (normalize !== 'none' || scale === 'db') {
    if (!(peak > 0)) throw new Error(`spectrogram: ${record}: the window around the P pick (sample ${p}) is all zeros`);
  }
  if (scale === 'db') return Float32Array.from(decibelScale(values, peak, floorDb, normalize));
  if (normalize === 'standardize') return Float32Array.from(standardized(values));
  // Scaled in float64 before the float32 rounding, so the peak is exactly 1.
  const factor = normalize === 'max' ? 1 / peak : 1;
  return Float32Array.from(values, (v) => v * factor);
}

/**
 * Magnitudes in dB below `peak`, clipped at -floorDb; 'max' maps the range
 * to [0, 1] (the floor at 0, the peak at 1), 'standardize' to zero mean and
 * unit s.d., 'none' leaves dB re the peak.
 */
function decibelScale(values: Float64Array, peak: number, floorDb: number, normalize: SpectrogramNormalization): Float64Array {
  const floor = peak * 10 ** (-floorDb / 20);
  const db = values.map((v) => 20 * Math.log10(Math.max(v, floor) / peak));
  if (normalize === 'max') return db.map((d) => (d + floorDb) / floorDb);
  if (normalize === 'standardize') return standardized(db);
  return db;
}

/** Zero mean, unit standard deviation (a constant input stays zero). */
function standardized(values: Float64Array): Float64Array {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  const sd = Math.sqrt(variance / values.length);
  return values.map((v) => (sd > 0 ? (v - mean) / sd : 0));
}

/** The fields of `options` that are set: an explicit `undefined` does not hide a default. */
function definedFields<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** 32 samples around the P arrival (by default 10 before, 22 from the pick), optionally weighted down after the pick, scaled to unit max |x| or unit RMS. */
export function pWindow(samples: Float64Array, pSample: number, options: PWindowOptions = {}): Float32Array {
  const record = options.record ?? 'trace';
  const { preP, normalize, decay } = { ...PAPER_P_WINDOW, ...definedFields(options) };
  const p = checkPick(samples, pSample, record, 'pWindow');
  const w = cut(samples, p - preP, P_WINDOW.length);
  if (decay !== null) for (let i = preP + 1; i < w.length; i++) w[i]! *= Math.exp(-(i - preP) / decay);
  let peak = 0;
  for (let i = 0; i < w.length; i++) peak = Math.max(peak, Math.abs(w[i]!));
  if (!(peak > 0)) throw new Error(`pWindow: ${record}: the 32 samples around the P pick (sample ${p}) are all zeros`);
  let scale = peak;
  if (normalize === 'rms') scale = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
  const out = new Float32Array(P_WINDOW.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i]! / scale;
  return out;
}
