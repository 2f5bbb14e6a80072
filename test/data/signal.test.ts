import { describe, expect, it } from 'vitest';
import { bandpass, butterworthBandpass, demean, detrend, normalize, sosFilter, sosMagnitude, taper } from '../../src/data/signal/filters.js';
import { PAPER_PREPROCESS, preprocess } from '../../src/data/signal/preprocess.js';
import { mapSampleIndex, rationalRatio, resample } from '../../src/data/signal/resample.js';
import { SNR_BIN_LABELS, snr, snrBin } from '../../src/data/signal/snr.js';
import { Rng } from '../../src/tensor/random.js';

const sine = (n: number, fs: number, f: number, phase = 0, amp = 1): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / fs + phase));

const rmsRange = (x: Float64Array, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (to - from));
};

const maxAbs = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
};

const db = (ratio: number): number => 20 * Math.log10(ratio);

describe('demean, detrend, taper', () => {
  it('demean leaves zero mean and does not touch its input', () => {
    const x = Float64Array.from([1, 2, 3, 10]);
    const y = demean(x);
    expect(y.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(Array.from(x)).toEqual([1, 2, 3, 10]);
  });

  it('detrend removes a straight line exactly and keeps what is orthogonal to it', () => {
    const line = Float64Array.from({ length: 1001 }, (_, i) => 3.5 - 0.02 * i);
    expect(maxAbs(detrend(line))).toBeLessThan(1e-10);
    // An odd-symmetric-free signal (a cosine with whole periods) plus a line: the cosine survives.
    const cos = Float64Array.from({ length: 1000 }, (_, i) => Math.cos((2 * Math.PI * 10 * i) / 1000));
    const y = detrend(Float64Array.from(cos, (v, i) => v + 7 + 0.5 * i));
    let err = 0;
    for (let i = 0; i < y.length; i++) err = Math.max(err, Math.abs(y[i]! - cos[i]!));
    expect(err).toBeLessThan(0.01);
  });

  it('taper: 5 % per side by default, ends at zero, middle untouched', () => {
    const y = taper(new Float64Array(1000).fill(1));
    expect(y[0]).toBe(0);
    expect(y[999]).toBe(0);
    expect(y[25]).toBeCloseTo(0.5, 10); // half way up the 50-sample ramp
    for (let i = 50; i < 950; i++) expect(y[i]).toBe(1);
    expect(() => taper(new Float64Array(10), 0.6)).toThrow(/fraction must be in \[0, 0.5\].*0.6/);
  });
});

describe('Butterworth band-pass 1-20 Hz, order 4', () => {
  const fs = 100;
  const sos = butterworthBandpass(1, 20, fs, 4);

  it('is four second-order sections with -3 dB at both corners and a flat pass band', () => {
    expect(sos).toHaveLength(4);
    expect(sosMagnitude(sos, 1, fs)).toBeCloseTo(Math.SQRT1_2, 9);
    expect(sosMagnitude(sos, 20, fs)).toBeCloseTo(Math.SQRT1_2, 9);
    for (let f = 2; f <= 12; f += 0.5) expect(Math.abs(db(sosMagnitude(sos, f, fs)))).toBeLessThan(0.05);
    // Order 4: 24 dB/octave per side well outside the band.
    expect(db(sosMagnitude(sos, 0.25, fs))).toBeLessThan(-40);
    expect(db(sosMagnitude(sos, 40, fs))).toBeLessThan(-40);
  });

  it('the causal filter really has -3 dB at the corners (steady-state amplitude of a sine)', () => {
    for (const f of [1, 20]) {
      const y = sosFilter(sos, sine(20_000, fs, f));
      expect(rmsRange(y, 10_000, 20_000) * Math.SQRT2).toBeCloseTo(Math.SQRT1_2, 3);
    }
  });

  it('passes 5 Hz unchanged in amplitude and phase (zero phase), suppresses 0.2 Hz and 40 Hz', () => {
    const n = 6000;
    const x5 = sine(n, fs, 5, 0.3);
    const y5 = bandpass(x5, fs);
    let err = 0;
    for (let i = 1000; i < n - 1000; i++) err = Math.max(err, Math.abs(y5[i]! - x5[i]!));
    expect(err).toBeLessThan(0.005);
    for (const f of [0.2, 40]) {
      const y = bandpass(sine(n, fs, f), fs);
      expect(db(rmsRange(y, 1000, n - 1000) * Math.SQRT2)).toBeLessThan(-60); // both passes: > 2 x 40 dB
      const yc = bandpass(sine(n, fs, f), fs, { zeroPhase: false });
      expect(db(rmsRange(yc, 2000, n) * Math.SQRT2)).toBeLessThan(-40);
    }
  });

  it('zero phase keeps a symmetric pulse symmetric and in place; causal delays it', () => {
    const n = 2001;
    const c = 1000;
    const pulse = Float64Array.from({ length: n }, (_, i) => Math.exp(-(((i - c) / 4) ** 2)));
    const y = bandpass(pulse, fs);
    let asym = 0;
    for (let k = 1; k < 800; k++) asym = Math.max(asym, Math.abs(y[c + k]! - y[c - k]!));
    expect(asym / maxAbs(y)).toBeLessThan(1e-6);
    let peak = 0;
    for (let i = 0; i < n; i++) if (Math.abs(y[i]!) > Math.abs(y[peak]!)) peak = i;
    expect(peak).toBe(c);
    const yc = bandpass(pulse, fs, { zeroPhase: false });
    let peakCausal = 0;
    for (let i = 0; i < n; i++) if (Math.abs(yc[i]!) > Math.abs(yc[peakCausal]!)) peakCausal = i;
    expect(peakCausal).toBeGreaterThan(c);
  });

  it('rejects corners outside (0, Nyquist)', () => {
    expect(() => butterworthBandpass(1, 20, 40)).toThrow(/highHz < Nyquist \(20 Hz\).*highHz=20/);
    expect(() => butterworthBandpass(5, 2, 100)).toThrow(/lowHz=5, highHz=2/);
  });
});

describe('normalize', () => {
  it('max-abs (default) and std', () => {
    const x = Float64Array.from([1, -4, 2, 3]);
    expect(maxAbs(normalize(x))).toBe(1);
    const s = normalize(x, 'std');
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    expect(Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / s.length)).toBeCloseTo(1, 12);
  });

  it('a flat trace is an error naming the record', () => {
    expect(() => normalize(new Float64Array(5), 'maxabs', 'XX.STA.HHZ')).toThrow(/XX\.STA\.HHZ.*scale is 0/);
  });
});

describe('resample', () => {
  it('reduces the ratio: 40 -> 100 is 5/2, 500 -> 100 is 1/5, 200 -> 100 is 1/2', () => {
    expect(rationalRatio(40, 100)).toEqual({ up: 5, down: 2 });
    expect(rationalRatio(500, 100)).toEqual({ up: 1, down: 5 });
    expect(rationalRatio(200, 100)).toEqual({ up: 1, down: 2 });
    expect(rationalRatio(20.48, 100)).toEqual({ up: 625, down: 128 });
    expect(() => rationalRatio(0, 100)).toThrow(/fromRate must be a positive number, got 0/);
  });

  it('output lengths are ceil(n * up / down)', () => {
    expect(resample(new Float64Array(4001), 40)).toHaveLength(10003);
    expect(resample(new Float64Array(5001), 500)).toHaveLength(1001);
    expect(resample(new Float64Array(6000), 200)).toHaveLength(3000);
    expect(resample(new Float64Array(9001), 100)).toHaveLength(9001);
  });

  it('a sine below the Nyquist frequency keeps amplitude and phase (40 -> 100, 500 -> 100, 200 -> 100)', () => {
    for (const [fsIn, f] of [
      [40, 5],
      [40, 12],
      [500, 30],
      [200, 17],
    ] as const) {
      const n = fsIn * 40;
      const y = resample(sine(n, fsIn, f, 0.7), fsIn);
      const ref = sine(y.length, 100, f, 0.7);
      let err = 0;
      for (let i = 500; i < y.length - 500; i++) err = Math.max(err, Math.abs(y[i]! - ref[i]!));
      expect(err, `${f} Hz at ${fsIn} Hz`).toBeLessThan(2e-3);
    }
  });

  it('a sine above the new Nyquist frequency is suppressed by more than 40 dB (500 -> 100)', () => {
    for (const f of [50, 60, 120, 240]) {
      const y = resample(sine(20_000, 500, f), 500);
      expect(db(rmsRange(y, 500, y.length - 500) * Math.SQRT2), `${f} Hz`).toBeLessThan(-40);
    }
  });

  it('upsampling 40 -> 100 leaves no image of a 15 Hz sine at 25 Hz', () => {
    const y = resample(sine(8000, 40, 15), 40);
    // Amplitude of the 25 Hz component by projection on a whole number of its periods.
    let re = 0;
    let im = 0;
    const from = 1000;
    const len = 16_000;
    for (let i = from; i < from + len; i++) {
      re += y[i]! * Math.cos((2 * Math.PI * 25 * i) / 100);
      im += y[i]! * Math.sin((2 * Math.PI * 25 * i) / 100);
    }
    expect(db((2 * Math.hypot(re, im)) / len)).toBeLessThan(-40);
  });

  it('zero phase: a pulse at input sample i comes out at i * out / in', () => {
    for (const [fsIn, at] of [
      [500, 2500],
      [40, 500],
      [200, 1234],
    ] as const) {
      // A pulse smooth enough to pass either filter unchanged in shape.
      const x = Float64Array.from({ length: fsIn * 20 }, (_, i) => Math.exp(-(((i - at) / (fsIn * 0.1)) ** 2)));
      const y = resample(x, fsIn);
      let peak = 0;
      for (let i = 0; i < y.length; i++) if (y[i]! > y[peak]!) peak = i;
      expect(peak).toBe(Math.round(mapSampleIndex(at, fsIn, 100)));
    }
  });

  it('keeps a DC offset without ringing at the ends', () => {
    const y = resample(new Float64Array(4000).fill(1e5), 40);
    for (let i = 0; i < y.length; i++) expect(Math.abs(y[i]! - 1e5)).toBeLessThan(1e-6);
  });
});

describe('preprocess (the paper chain)', () => {
  it('resamples to 100 Hz, filters, and normalises to max |x| = 1', () => {
    const rng = new Rng(5);
    const x = Float64Array.from({ length: 4001 }, () => 1000 + rng.normal());
    const out = preprocess(x, 40);
    expect(out.samplingRate).toBe(100);
    expect(out.samples).toHaveLength(10003);
    expect(maxAbs(out.samples)).toBeCloseTo(1, 12);
  });

  it('each step is optional; with all off the trace comes back unchanged (a copy)', () => {
    const x = Float64Array.from([1, 2, 3]);
    const out = preprocess(x, 100, { targetRateHz: null, demean: false, detrend: false, taperFraction: null, bandpass: null, normalize: null });
    expect(Array.from(out.samples)).toEqual([1, 2, 3]);
    expect(out.samples).not.toBe(x);
  });

  it('its parameters are plain JSON', () => {
    expect(JSON.parse(JSON.stringify(PAPER_PREPROCESS))).toEqual({
      targetRateHz: 100,
      demean: true,
      detrend: true,
      taperFraction: 0.05,
      bandpass: { lowHz: 1, highHz: 20, order: 4, zeroPhase: true },
      normalize: 'maxabs',
    });
  });

  it('bad input is an error naming the record, the field and the value', () => {
    const x = Float64Array.from([0, 1, Number.NaN, 2]);
    expect(() => preprocess(x, 100, {}, 'a.sac')).toThrow(/a\.sac: sample 2 is NaN/);
    expect(() => preprocess(new Float64Array(0), 100, {}, 'b.sac')).toThrow(/b\.sac: trace has no samples/);
    expect(() => preprocess(new Float64Array(10), -1, {}, 'c.sac')).toThrow(/c\.sac: samplingRate.*-1/);
    expect(() => preprocess(new Float64Array(100), 40, { targetRateHz: null }, 'd.sac')).toThrow(
      /d\.sac: band-pass highHz=20 is not below the Nyquist frequency 20 Hz/,
    );
  });
});

describe('snr', () => {
  it('measures the arrival amplitude over the noise, noise power removed', () => {
    const rng = new Rng(9);
    const fs = 100;
    const p = 1000;
    const noiseSd = 0.5;
    const a = 3; // sine amplitude: RMS a / sqrt(2)
    const x = Float64Array.from({ length: 2000 }, (_, i) => noiseSd * rng.normal() + (i >= p ? a * Math.sin((2 * Math.PI * 5 * i) / fs) : 0));
    const r = snr(x, p, fs, {}, 'rec');
    expect(r.noiseRms).toBeCloseTo(noiseSd, 1);
    expect(r.snr).toBeGreaterThan(0.9 * (a / Math.SQRT2 / noiseSd));
    expect(r.snr).toBeLessThan(1.1 * (a / Math.SQRT2 / noiseSd));
    expect(r.db).toBeCloseTo(20 * Math.log10(r.snr), 12);
    // Pure noise reads near 0, not 1.
    const quiet = Float64Array.from({ length: 2000 }, () => rng.normal());
    expect(snr(quiet, p, fs).snr).toBeLessThan(0.3);
  });

  it('bins 0-1, 1-2, 2-3, 3-4, >4', () => {
    expect(SNR_BIN_LABELS).toEqual(['0-1', '1-2', '2-3', '3-4', '>4']);
    expect([0, 0.99, 1, 2.5, 3.99, 4, 100].map(snrBin)).toEqual([0, 0, 1, 2, 3, 4, 4]);
    expect(() => snrBin(-1)).toThrow(/got -1/);
  });

  it('a pick outside the trace or too close to its start is an error naming the record', () => {
    const x = new Float64Array(1000).fill(1);
    expect(() => snr(x, 1000, 100, {}, 'NC.ABC')).toThrow(/NC\.ABC: P pick at sample 1000 is outside the trace/);
    expect(() => snr(x, 60, 100, {}, 'NC.ABC')).toThrow(/NC\.ABC: only 10 samples for the noise window before the P pick/);
  });
});
