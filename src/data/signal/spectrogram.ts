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
 * Task B, `pWindow`: 32 samples, P_WINDOW.preP = 10 before the pick and 22 from
 * it on (the pick is element 10), divided by its maximum absolute value.
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

export interface WindowOptions {
  /** Names the record in error messages (e.g. its file path). */
  record?: string;
}

export interface SpectrogramOptions extends WindowOptions {
  /** 'max': divide by the largest magnitude (default); 'none': scipy's 'spectrum' scaling. */
  normalize?: 'max' | 'none';
}

function checkPick(samples: Float64Array, pSample: number, record: string, what: string): number {
  if (!Number.isFinite(pSample) || pSample < 0 || pSample > samples.length - 1)
    throw new Error(
      `${what}: ${record}: P pick at sample ${pSample} is outside the trace (0..${samples.length - 1})`,
    );
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

let dft: BluesteinDft | undefined;
let hann: Float64Array | undefined;

/** Periodic Hann window of SPECTROGRAM.segment samples (scipy get_window('hann', 30)). */
export function hannWindow(length: number = SPECTROGRAM.segment): Float64Array {
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
  return w;
}

/**
 * STFT magnitude of a 6 s window around the P arrival: Float32Array of
 * 16 * 48 values, row-major [freq][time]. `samples` must be at 100 Hz and
 * preprocessed; `pSample` indexes them.
 */
export function spectrogram(samples: Float64Array, pSample: number, options: SpectrogramOptions = {}): Float32Array {
  const record = options.record ?? 'trace';
  const normalizeMode = options.normalize ?? 'max';
  const p = checkPick(samples, pSample, record, 'spectrogram');
  const { windowSamples, preP, segment, hop, bins, frames } = SPECTROGRAM;
  const window = cut(samples, p - preP, windowSamples);

  dft ??= new BluesteinDft(segment);
  hann ??= hannWindow(segment);
  let windowSum = 0;
  for (let i = 0; i < segment; i++) windowSum += hann[i]!;

  const half = segment / 2;
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
  let scale = 1;
  if (normalizeMode === 'max') {
    if (!(peak > 0))
      throw new Error(`spectrogram: ${record}: the window around the P pick (sample ${p}) is all zeros`);
    scale = 1 / peak;
  }
  // Scaled in float64 before the float32 rounding, so the peak is exactly 1.
  return Float32Array.from(values, (v) => v * scale);
}

/** 32 samples around the P arrival (10 before, 22 from the pick), scaled to unit max |x|. */
export function pWindow(samples: Float64Array, pSample: number, options: WindowOptions = {}): Float32Array {
  const record = options.record ?? 'trace';
  const p = checkPick(samples, pSample, record, 'pWindow');
  const w = cut(samples, p - P_WINDOW.preP, P_WINDOW.length);
  let peak = 0;
  for (let i = 0; i < w.length; i++) peak = Math.max(peak, Math.abs(w[i]!));
  if (!(peak > 0)) throw new Error(`pWindow: ${record}: the 32 samples around the P pick (sample ${p}) are all zeros`);
  const out = new Float32Array(P_WINDOW.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i]! / peak;
  return out;
}
