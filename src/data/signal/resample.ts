/**
 * Rational-ratio resampling by a polyphase FIR filter.
 *
 * The rate changes by up/down (e.g. 40 -> 100 Hz is up 5, down 2; 500 -> 100 Hz
 * is up 1, down 5). Conceptually the trace is upsampled by inserting up-1 zeros
 * between samples, low-pass filtered at the intermediate rate fs_in*up, and every
 * down-th sample is kept; the polyphase form computes only the kept samples and
 * skips the inserted zeros.
 *
 * Anti-alias / anti-image filter: Kaiser-windowed sinc, symmetric with odd
 * length, so its delay is exactly half its length and is compensated: output
 * sample m sits at input time m*down/up, hence a P pick at input sample i maps to
 * output sample i*out/in (`mapSampleIndex`). The band edges are relative to
 * the lower of the two Nyquist frequencies, f_N = min(fs_in, fs_out)/2:
 * pass band up to (1 - transition) * f_N, stop band from f_N on (so nothing
 * above the new Nyquist aliases back by more than the stop-band level), -6 dB
 * cutoff half way between. Defaults: transition 0.2 (a 40 Hz trace keeps 0-16 Hz
 * flat; a 500 Hz trace resampled to 100 Hz keeps 0-40 Hz), 60 dB stop band.
 */

export interface ResampleOptions {
  /** Width of the transition band as a fraction of the lower Nyquist frequency, in (0, 0.5]. */
  transition: number;
  /** Stop-band attenuation in dB (Kaiser design), at least 21. */
  attenuationDb: number;
}

export const DEFAULT_RESAMPLE: Readonly<ResampleOptions> = Object.freeze({ transition: 0.2, attenuationDb: 60 });

/** The paper's working rate. */
export const TARGET_RATE_HZ = 100;

/** Largest up or down factor accepted: beyond it the filter grows past any sensible size. */
const MAX_FACTOR = 1000;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The ratio toRate/fromRate as up/down in lowest terms. Rates are matched to
 * 1e-6 Hz, so 40.0 and 100 work, and so do rates such as 20.48 Hz.
 */
export function rationalRatio(fromRate: number, toRate: number): { up: number; down: number } {
  for (const [name, v] of [
    ['fromRate', fromRate],
    ['toRate', toRate],
  ] as const)
    if (!(v > 0) || !Number.isFinite(v)) throw new Error(`resample: ${name} must be a positive number, got ${v}`);
  // Try denominators of the rates' decimal expansions: 1, 10, 100, ... up to 1e6.
  for (let scale = 1; scale <= 1e6; scale *= 10) {
    const a = Math.round(fromRate * scale);
    const b = Math.round(toRate * scale);
    if (Math.abs(a - fromRate * scale) < 1e-6 * scale && Math.abs(b - toRate * scale) < 1e-6 * scale) {
      const g = gcd(a, b);
      const up = b / g;
      const down = a / g;
      if (up > MAX_FACTOR || down > MAX_FACTOR)
        throw new Error(`resample: ratio ${toRate}/${fromRate} reduces to ${up}/${down}; factors above ${MAX_FACTOR} are not supported`);
      return { up, down };
    }
  }
  throw new Error(`resample: rates ${fromRate} and ${toRate} Hz are not rational to 1e-6 Hz`);
}

/** Where input sample `index` (at fromRate) falls at toRate; not rounded. */
export function mapSampleIndex(index: number, fromRate: number, toRate: number): number {
  return (index * toRate) / fromRate;
}

/** Zeroth-order modified Bessel function of the first kind (power series; converges fast for Kaiser betas). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Cache of designed filters: a data set usually has one or two input rates. */
const filterCache = new Map<string, Float64Array>();

/**
 * The low-pass at the intermediate rate fs_in*up, in units where that rate is
 * 1, scaled by `up` so each polyphase branch has unit DC gain (the zeros
 * inserted by upsampling divide the amplitude by up).
 */
export function resampleFilter(up: number, down: number, options: Partial<ResampleOptions> = {}): Float64Array {
  const { transition, attenuationDb } = { ...DEFAULT_RESAMPLE, ...options };
  if (!(transition > 0 && transition <= 0.5)) throw new Error(`resample: transition must be in (0, 0.5], got ${transition}`);
  if (!(attenuationDb >= 21)) throw new Error(`resample: attenuationDb must be at least 21, got ${attenuationDb}`);
  const key = `${up}/${down}/${transition}/${attenuationDb}`;
  const cached = filterCache.get(key);
  if (cached) return cached;

  // Frequencies in cycles per intermediate sample; the lower Nyquist is 0.5/max(up, down).
  const nyq = 0.5 / Math.max(up, down);
  const stop = nyq;
  const pass = (1 - transition) * nyq;
  const cutoff = (pass + stop) / 2;
  const deltaOmega = 2 * Math.PI * (stop - pass);
  // Kaiser's empirical formulas for beta and the length giving `attenuationDb`.
  const a = attenuationDb;
  const beta = a > 50 ? 0.1102 * (a - 8.7) : 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21);
  const half = Math.ceil((a - 8) / (2.285 * deltaOmega) / 2);
  const length = 2 * half + 1;
  const h = new Float64Array(length);
  const i0Beta = besselI0(beta);
  let sum = 0;
  for (let k = 0; k < length; k++) {
    const t = k - half;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const r = t / half;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    h[k] = sinc * w;
    sum += h[k]!;
  }
  for (let k = 0; k < length; k++) h[k] = (h[k]! * up) / sum;
  filterCache.set(key, h);
  return h;
}

/**
 * Resample `x` from `fromRate` to `toRate` Hz (default 100). Output length is
 * ceil(n * up / down). The trace's mean is removed before filtering and added
 * back after, so a DC offset (common in raw counts) does not ring at the ends,
 * where the filter sees zeros beyond the trace.
 */
export function resample(x: Float64Array, fromRate: number, toRate: number = TARGET_RATE_HZ, options: Partial<ResampleOptions> = {}): Float64Array {
  const { up, down } = rationalRatio(fromRate, toRate);
  if (up === 1 && down === 1) return Float64Array.from(x);
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean = n > 0 ? mean / n : 0;

  const h = resampleFilter(up, down, options);
  const half = (h.length - 1) / 2;
  const nOut = Math.ceil((n * up) / down);
  const y = new Float64Array(nOut);
  for (let m = 0; m < nOut; m++) {
    // Output m is at intermediate index m*down; tap k sees input n where n*up = m*down + half - k.
    const t = m * down + half;
    const nLo = Math.max(0, Math.ceil((t - (h.length - 1)) / up));
    const nHi = Math.min(n - 1, Math.floor(t / up));
    let acc = 0;
    for (let i = nLo, k = t - nLo * up; i <= nHi; i++, k -= up) acc += (x[i]! - mean) * h[k]!;
    y[m] = acc + mean;
  }
  return y;
}
