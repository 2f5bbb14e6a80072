/**
 * Time-domain conditioning of one trace: demean, linear detrend, cosine
 * taper, Butterworth band-pass (designed here: analog prototype, band-pass
 * transform, bilinear transform with pre-warped corners, cascaded second-order
 * sections) and amplitude normalisation. Every function returns a new array and
 * leaves its input untouched, so a caller can keep the raw trace beside the
 * processed one.
 */

/** Fraction of the trace tapered at each end unless told otherwise (ObsPy's usual 5 %). */
export const DEFAULT_TAPER_FRACTION = 0.05;

/** Subtract the mean. */
export function demean(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  if (x.length === 0) return out;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]!;
  const mean = sum / x.length;
  for (let i = 0; i < x.length; i++) out[i] = x[i]! - mean;
  return out;
}

/** Subtract the least-squares straight line a + b*i (sample index i); a line comes out as exact zeros up to rounding. */
export function detrend(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  if (n === 1) return out; // a single sample is its own line
  // Centre the abscissa so the normal equations decouple: slope = sum(t*x)/sum(t^2).
  const tMid = (n - 1) / 2;
  let sumX = 0;
  let sumTX = 0;
  let sumTT = 0;
  for (let i = 0; i < n; i++) {
    const t = i - tMid;
    sumX += x[i]!;
    sumTX += t * x[i]!;
    sumTT += t * t;
  }
  const mean = sumX / n;
  const slope = sumTX / sumTT;
  for (let i = 0; i < n; i++) out[i] = x[i]! - mean - slope * (i - tMid);
  return out;
}

/**
 * Cosine (Tukey) taper: the first and last `fraction` of the samples are
 * multiplied by a half-cosine rising from 0 to 1, the middle is left alone.
 * `fraction` is per side, in [0, 0.5].
 */
export function taper(x: Float64Array, fraction: number = DEFAULT_TAPER_FRACTION): Float64Array {
  if (!(fraction >= 0 && fraction <= 0.5)) throw new Error(`taper: fraction must be in [0, 0.5] (per side), got ${fraction}`);
  const n = x.length;
  const out = Float64Array.from(x);
  const m = Math.floor(fraction * n);
  if (m === 0) return out;
  for (let i = 0; i < m; i++) {
    // Weight 0 at the outermost sample, approaching 1 at the (m)th, symmetric at both ends.
    const w = 0.5 * (1 - Math.cos((Math.PI * i) / m));
    out[i]! *= w;
    out[n - 1 - i]! *= w;
  }
  return out;
}

/** One biquad, a0 normalised to 1: H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2). */
export interface SecondOrderSection {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** Minimal complex arithmetic for the filter design, kept private to this file. */
interface Complex {
  re: number;
  im: number;
}
const cx = (re: number, im = 0): Complex => ({ re, im });
const cAdd = (a: Complex, b: Complex): Complex => cx(a.re + b.re, a.im + b.im);
const cSub = (a: Complex, b: Complex): Complex => cx(a.re - b.re, a.im - b.im);
const cMul = (a: Complex, b: Complex): Complex => cx(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
const cScale = (a: Complex, s: number): Complex => cx(a.re * s, a.im * s);
const cDiv = (a: Complex, b: Complex): Complex => {
  const d = b.re * b.re + b.im * b.im;
  return cx((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
};
const cAbs = (a: Complex): number => Math.hypot(a.re, a.im);
const cSqrt = (a: Complex): Complex => {
  const r = cAbs(a);
  const re = Math.sqrt((r + a.re) / 2);
  const im = Math.sqrt(Math.max(0, (r - a.re) / 2));
  return cx(re, a.im < 0 ? -im : im);
};

/**
 * Butterworth band-pass as cascaded second-order sections.
 *
 * `order` is the order of the low-pass prototype, as in ObsPy's `corners` and
 * scipy's `butter(order, [lo, hi], 'bandpass')`: the band-pass has 2*order
 * poles, i.e. `order` sections, each with one zero at z = 1 (DC) and one at
 * z = -1 (Nyquist). Both corners are pre-warped (f -> 2 fs tan(pi f / fs)) so the
 * single-pass magnitude is exactly 1/sqrt(2) (-3 dB) at lowHz and highHz. Each
 * section is scaled to unit gain at the digital centre frequency, so the
 * cascade has unit gain there and no section over- or under-flows.
 */
export function butterworthBandpass(lowHz: number, highHz: number, samplingRate: number, order = 4): readonly SecondOrderSection[] {
  // A data set reuses one or two designs thousands of times.
  const key = `${lowHz}/${highHz}/${samplingRate}/${order}`;
  let sections = designCache.get(key);
  if (sections === undefined) {
    sections = Object.freeze(designBandpass(lowHz, highHz, samplingRate, order).map((s) => Object.freeze(s)));
    designCache.set(key, sections);
  }
  return sections;
}

const designCache = new Map<string, readonly SecondOrderSection[]>();

function designBandpass(lowHz: number, highHz: number, samplingRate: number, order: number): SecondOrderSection[] {
  const nyquist = samplingRate / 2;
  if (!(samplingRate > 0) || !Number.isFinite(samplingRate))
    throw new Error(`butterworthBandpass: samplingRate must be a positive number, got ${samplingRate}`);
  if (!(lowHz > 0 && lowHz < highHz && highHz < nyquist))
    throw new Error(`butterworthBandpass: need 0 < lowHz < highHz < Nyquist (${nyquist} Hz), got lowHz=${lowHz}, highHz=${highHz}`);
  if (!Number.isInteger(order) || order < 1 || order > 10) throw new Error(`butterworthBandpass: order must be an integer in [1, 10], got ${order}`);

  const fs2 = 2 * samplingRate;
  const wLow = fs2 * Math.tan((Math.PI * lowHz) / samplingRate);
  const wHigh = fs2 * Math.tan((Math.PI * highHz) / samplingRate);
  const bandwidth = wHigh - wLow;
  const centreSq = wLow * wHigh;

  // Analog prototype poles on the unit circle in the left half-plane; each maps
  // to the two roots of s^2 - p*B*s + w0^2 = 0 (the low-pass -> band-pass map s -> (s^2 + w0^2)/(B s)).
  const digitalPoles: Complex[] = [];
  for (let k = 0; k < order; k++) {
    const theta = (Math.PI * (2 * k + order + 1)) / (2 * order);
    const p = cx(Math.cos(theta), Math.sin(theta));
    const pb = cScale(p, bandwidth);
    const root = cSqrt(cSub(cMul(pb, pb), cx(4 * centreSq)));
    for (const s of [cScale(cAdd(pb, root), 0.5), cScale(cSub(pb, root), 0.5)]) {
      // Bilinear transform z = (2fs + s) / (2fs - s).
      digitalPoles.push(cDiv(cAdd(cx(fs2), s), cSub(cx(fs2), s)));
    }
  }

  // Pair the poles into real biquads: each complex pole with its conjugate, real poles two by two.
  const eps = 1e-12;
  const complexPoles = digitalPoles.filter((z) => z.im > eps);
  const realPoles = digitalPoles
    .filter((z) => Math.abs(z.im) <= eps)
    .map((z) => z.re)
    .sort((a, b) => a - b);
  const denominators: Array<[number, number]> = complexPoles.map((z) => [-2 * z.re, z.re * z.re + z.im * z.im]);
  for (let i = 0; i + 1 < realPoles.length; i += 2) {
    const a = realPoles[i]!;
    const b = realPoles[i + 1]!;
    denominators.push([-(a + b), a * b]);
  }
  if (denominators.length !== order) throw new Error(`butterworthBandpass: pole pairing failed (${denominators.length} sections for order ${order})`);

  const wCentre = 2 * Math.atan(Math.sqrt(centreSq) / fs2); // digital centre frequency, rad/sample
  const zc = cx(Math.cos(wCentre), -Math.sin(wCentre)); // z^-1 at the centre frequency
  const zc2 = cMul(zc, zc);
  return denominators.map(([a1, a2]) => {
    const num = cSub(cx(1), zc2); // 1 - z^-2: zeros at DC and Nyquist
    const den = cAdd(cAdd(cx(1), cScale(zc, a1)), cScale(zc2, a2));
    const gain = 1 / cAbs(cDiv(num, den));
    return { b0: gain, b1: 0, b2: -gain, a1, a2 };
  });
}

/** Magnitude of the cascade's frequency response at `freqHz` (single pass). */
export function sosMagnitude(sections: readonly SecondOrderSection[], freqHz: number, samplingRate: number): number {
  const w = (2 * Math.PI * freqHz) / samplingRate;
  const z1 = cx(Math.cos(w), -Math.sin(w));
  const z2 = cMul(z1, z1);
  let mag = 1;
  for (const s of sections) {
    const num = cAdd(cAdd(cx(s.b0), cScale(z1, s.b1)), cScale(z2, s.b2));
    const den = cAdd(cAdd(cx(1), cScale(z1, s.a1)), cScale(z2, s.a2));
    mag *= cAbs(num) / cAbs(den);
  }
  return mag;
}

/** Causal filtering through the cascade (transposed direct form II, zero initial state). */
export function sosFilter(sections: readonly SecondOrderSection[], x: Float64Array): Float64Array {
  const y = Float64Array.from(x);
  sosFilterInPlace(sections, y, new Float64Array(2 * sections.length));
  return y;
}

/**
 * Causal filtering of `y` in place, continuing from `state` (two delays per
 * section, zeros at the start of a trace) and leaving it where the next
 * block continues: a trace filtered block by block comes out bit for bit as
 * `sosFilter` of the whole trace.
 */
export function sosFilterInPlace(sections: readonly SecondOrderSection[], y: Float64Array, state: Float64Array): void {
  sections.forEach((s, k) => filterInPlace(s, y, false, state, 2 * k));
}

/** One section over `y` in place, front to back or (reverse) back to front, from and to the delays state[at], state[at + 1] when given. */
function filterInPlace(s: SecondOrderSection, y: Float64Array, reverse: boolean, state?: Float64Array, at = 0): void {
  const { b0, b1, b2, a1, a2 } = s;
  let z1 = state?.[at] ?? 0;
  let z2 = state?.[at + 1] ?? 0;
  const n = y.length;
  const step = reverse ? -1 : 1;
  for (let j = 0, i = reverse ? n - 1 : 0; j < n; j++, i += step) {
    const xi = y[i]!;
    const yi = b0 * xi + z1;
    z1 = b1 * xi - a1 * yi + z2;
    z2 = b2 * xi - a2 * yi;
    y[i] = yi;
  }
  if (state !== undefined) {
    state[at] = z1;
    state[at + 1] = z2;
  }
}

export interface BandpassOptions {
  lowHz: number;
  highHz: number;
  /** Prototype order (see butterworthBandpass); 4 as in the paper. */
  order: number;
  /**
   * true: forward then backward pass (no phase shift, onsets stay where they
   * are, magnitude squared so the corners are at -6 dB and the roll-off doubles).
   * false: one causal pass (-3 dB corners, phase delay, no precursory ringing
   * before an onset; what the paper's demo used).
   */
  zeroPhase: boolean;
}

export const DEFAULT_BANDPASS: Readonly<BandpassOptions> = Object.freeze({
  lowHz: 1,
  highHz: 20,
  order: 4,
  zeroPhase: true,
});

/**
 * Length of the odd (point-symmetric) extension added at each end for the
 * zero-phase pass, in periods of the low corner (capped at the trace length
 * minus one). The slowest pole of the 1-20 Hz order-4 band-pass at 100 Hz
 * decays with a time constant of 0.44 s, so three periods (3 s at 1 Hz) leave
 * about 1e-3 of the start-up transient; the extension continues the trace
 * smoothly, so that transient is small to begin with (and zero after a taper).
 */
const ZERO_PHASE_PAD_PERIODS = 3;

/** Butterworth band-pass of a trace sampled at `samplingRate` Hz. */
export function bandpass(x: Float64Array, samplingRate: number, options: Partial<BandpassOptions> = {}): Float64Array {
  const opts = { ...DEFAULT_BANDPASS, ...options };
  const sections = butterworthBandpass(opts.lowHz, opts.highHz, samplingRate, opts.order);
  if (!opts.zeroPhase) return sosFilter(sections, x);

  const n = x.length;
  const pad = Math.max(0, Math.min(n - 1, Math.ceil((ZERO_PHASE_PAD_PERIODS * samplingRate) / opts.lowHz)));
  const ext = new Float64Array(n + 2 * pad);
  const first = x[0]!;
  const last = x[n - 1]!;
  for (let i = 0; i < pad; i++) {
    ext[pad - 1 - i] = 2 * first - x[i + 1]!;
    ext[pad + n + i] = 2 * last - x[n - 2 - i]!;
  }
  ext.set(x, pad);
  for (const s of sections) filterInPlace(s, ext, false);
  for (const s of sections) filterInPlace(s, ext, true);
  return ext.slice(pad, pad + n);
}

export type Normalization = 'maxabs' | 'std';

/**
 * Scale a trace to unit maximum absolute amplitude ('maxabs', the paper's
 * choice) or to unit standard deviation ('std', mean not removed). A trace
 * that is all zeros (or constant, for 'std') cannot be scaled and is an error
 * naming `record`.
 */
export function normalize(x: Float64Array, method: Normalization = 'maxabs', record = 'trace'): Float64Array {
  let scale: number;
  if (method === 'maxabs') {
    scale = 0;
    for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i]!));
  } else if (method === 'std') {
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += x[i]!;
    const mean = sum / x.length;
    let ss = 0;
    for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) ** 2;
    scale = Math.sqrt(ss / x.length);
  } else {
    throw new Error(`normalize: ${record}: unknown method '${String(method)}' (use 'maxabs' or 'std')`);
  }
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`normalize: ${record}: cannot normalise by ${method}, scale is ${scale} (flat or empty trace)`);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! / scale;
  return out;
}
