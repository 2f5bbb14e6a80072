/**
 * Waveforms of the stress set (stress.ts): ground motion of one event at one
 * station, the station's noise, its instrument, its digitiser.
 *
 * Everything is synthesised at GENERATION_RATE_HZ (200 Hz, the highest rate
 * a station of the set records) and decimated to the station's rate through
 * the project's anti-alias resampler, as a digitiser's FIR stages do. The
 * pieces of the paper-calibrated generator (noise model, one-pole filters,
 * phases with codas, source time functions) are reused from synthetic.ts.
 *
 * Physical choices, with the public facts behind their numbers:
 * - Source spectra: Brune's corner frequency fc = 0.49 beta (stress drop /
 *   M0)^(1/3) with beta = 3.5 km/s and M0 = 10^(1.5 Mw + 9.1) N m (Hanks and
 *   Kanamori 1979); stress drops 1-10 MPa, the usual range of tectonic
 *   earthquakes. M2 gives about 20 Hz, M4 about 2.3 Hz, M6 0.2 Hz.
 * - Teleseismic source durations: half duration 1.05e-8 M0^(1/3) s with M0 in
 *   dyne cm, the scaling the Global CMT project uses; M5.5 lasts about 3 s,
 *   M8 about 50 s. Great earthquakes (M8+) are built as a rupture whose
 *   moment rate grows over 20-60 s (sub-events under a rising envelope), so
 *   their P onset is emergent and their energy arrives well after it.
 * - Attenuation: t* about 1 s for teleseismic P of shallow events (the
 *   standard value for P at 30-90 degrees), 0.3-0.6 s for deep ones, whose
 *   rays cross the attenuating upper mantle once; local t* = travel time / Q
 *   with Q 100-600, plus a site kappa of 0.01-0.06 s (Anderson and Hough 1984).
 * - Depth phases: pP after P by about 0.22 s per km of depth and sP by about
 *   0.32 s per km (2h sqrt(1/v^2 - p^2) with mantle velocities 8 and 4.5 km/s
 *   and a slowness of 0.06 s/km at 60 degrees): 3 s for a 15 km event, over
 *   2 minutes for a 600 km one.
 * - Local S after P by hypocentral distance / 8 s (Vp 6 km/s, Vp/Vs 1.73).
 * - Instruments: broadband (flat in velocity above 1/120 s), short-period 1 Hz
 *   geophone (second-order high-pass at its natural frequency, damping 0.7),
 *   accelerometer (flat in acceleration: the velocity differentiated, with a
 *   white self-noise floor, as strong-motion sensors are noisy at weak motion).
 */

import type { Rng } from '../tensor/random.js';
import { bandpass } from './signal/filters.js';
import { resample } from './signal/resample.js';
import { differentiate, excitation, logUniform, lowpass1, noise, resonator, rmsOf, sign, uniform, white } from './synthetic.js';

/** The rate every waveform is synthesised at before the station's digitiser. */
export const GENERATION_RATE_HZ = 200;
const FS = GENERATION_RATE_HZ;

export type Instrument = 'broadband' | 'short-period' | 'accelerometer';

/** What the station is, as far as its recordings are concerned. */
export interface StationResponse {
  instrument: Instrument;
  samplingRate: number;
  /** Counts per unit of ground velocity (or acceleration), over orders of magnitude between stations. */
  gain: number;
  /** Digitiser offset in counts: raw records are not zero-mean. */
  offset: number;
  /** Frequency of a site's cultural noise (1-10 Hz: pumps, traffic, machinery), or undefined at a quiet site. */
  culturalHz: number | undefined;
  /** Site attenuation kappa (s). */
  kappa: number;
}

/** One event-station path, as the waveform needs it. */
export interface PathSignal {
  kind: 'local' | 'teleseismic';
  /** Signed P radiation (mechanism and azimuth), |value| in 0.05-1. */
  radiation: number;
  /** Source corner frequency (Hz). */
  cornerHz: number;
  /** Path t* (s), without the site's kappa. */
  tStar: number;
  /** Local: S-P time (s). */
  sMinusP?: number;
  /** Teleseismic: source half duration (s) and, for great earthquakes, the growth time of the rupture (s). */
  halfDuration?: number;
  growthSeconds?: number;
  /** Teleseismic: delays (s) and signed relative amplitudes of pP and sP. */
  depthPhases?: readonly { delay: number; amplitude: number }[];
  /** Coda level and decay time (s) of the P wave train. */
  coda: number;
  codaDecay: number;
}

export interface RecordPlan {
  path: PathSignal;
  station: StationResponse;
  /** Trace length and true P onset, in seconds from the trace start. */
  traceSeconds: number;
  onsetSeconds: number;
  /** Signal-to-noise ratio of the 1-20 Hz band, 2 s after P against the noise's whole trace. */
  snr: number;
}

/** A digitised record: counts at the station's rate. */
export interface DigitisedRecord {
  samples: Float32Array;
  /** True P onset, sample index at the station's rate. */
  onsetSample: number;
}

/** Synthesises, instruments and digitises one record. */
export function recordWaveform(rng: Rng, plan: RecordPlan): DigitisedRecord {
  const n = Math.round(plan.traceSeconds * FS);
  const ground = plan.path.kind === 'local' ? localGround(rng, n, plan) : teleseismicGround(rng, n, plan);
  const siteNoise = stationNoise(rng, n, plan.station);
  const signal = instrument(ground, plan.station.instrument);
  const background = instrument(siteNoise, plan.station.instrument);
  if (plan.station.instrument === 'accelerometer') addSelfNoise(rng, background);
  const scale = snrScale(signal, background, plan.onsetSeconds, plan.snr);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * signal[i]! + background[i]!;
  const digitised = plan.station.samplingRate === FS ? out : resample(out, FS, plan.station.samplingRate);
  const samples = new Float32Array(digitised.length);
  for (let i = 0; i < digitised.length; i++) samples[i] = plan.station.offset + plan.station.gain * digitised[i]!;
  return { samples, onsetSample: Math.round(plan.onsetSeconds * plan.station.samplingRate) };
}

/** Brune corner frequency (Hz) of a moment magnitude and a stress drop (MPa). */
export function bruneCornerHz(magnitude: number, stressDropMPa: number): number {
  const moment = 10 ** (1.5 * magnitude + 9.1);
  return 0.49 * 3500 * ((stressDropMPa * 1e6) / moment) ** (1 / 3);
}

/** Global CMT half duration (s) of a moment magnitude. */
export function halfDurationSeconds(magnitude: number): number {
  const momentDyneCm = 10 ** (1.5 * magnitude + 16.1);
  return 1.05e-8 * Math.cbrt(momentDyneCm);
}

/** Two-pole source corner, three-pole t* stand-in, then displacement to velocity (as synthetic.ts shapes phases). */
function shapePhase(x: Float64Array, cornerHz: number, tStar: number): void {
  lowpass1(x, cornerHz, FS);
  lowpass1(x, cornerHz, FS);
  const attenuationHz = 1 / (Math.PI * Math.max(tStar, 1e-3));
  for (let k = 0; k < 3; k++) lowpass1(x, attenuationHz, FS);
  differentiate(x, FS);
}

function localGround(rng: Rng, n: number, plan: RecordPlan): Float64Array {
  const { path, station, onsetSeconds } = plan;
  const tStar = path.tStar + station.kappa;
  const p = excitation(rng, n, [{ at: onsetSeconds, amplitude: path.radiation, coda: path.coda, decay: path.codaDecay, rise: 0 }], FS);
  shapePhase(p, path.cornerHz, tStar);
  // S radiation is independent of P's at a station; its amplitude is larger, (Vp/Vs)^3 ~ 5 for equal radiation.
  const s = excitation(
    rng,
    n,
    [{ at: onsetSeconds + path.sMinusP!, amplitude: sign(rng) * uniform(rng, 1.5, 5), coda: path.coda, decay: 1.5 * path.codaDecay, rise: 0 }],
    FS,
  );
  shapePhase(s, path.cornerHz / 1.5, tStar * 1.5);
  for (let i = 0; i < n; i++) p[i] = p[i]! + s[i]!;
  return p;
}

/**
 * Teleseismic P: a moment-rate function (a triangle of the source's half
 * duration, or a growing train of sub-events for a great earthquake), placed
 * at P and at the depth phases, plus scattered coda, then attenuated.
 */
function teleseismicGround(rng: Rng, n: number, plan: RecordPlan): Float64Array {
  const { path, onsetSeconds } = plan;
  const momentRate = path.growthSeconds === undefined ? triangle(path.halfDuration!) : growingRupture(rng, path.growthSeconds);
  const arrivals = [
    { delay: 0, amplitude: path.radiation },
    ...path.depthPhases!.map((d) => ({ delay: d.delay, amplitude: d.amplitude * Math.abs(path.radiation) })),
  ];
  const x = new Float64Array(n);
  for (const { delay, amplitude } of arrivals) {
    const i0 = Math.round((onsetSeconds + delay) * FS);
    for (let k = 0; k < momentRate.length && i0 + k < n; k++) x[i0 + k] = x[i0 + k]! + amplitude * momentRate[k]!;
  }
  // Scattered coda under the P train's own envelope: the share of the moment released so far,
  // decaying with the coda time, times the coda level relative to the peak moment rate.
  const i0 = Math.round(onsetSeconds * FS);
  let peak = 0;
  let area = 0;
  for (const v of momentRate) {
    peak = Math.max(peak, v);
    area += v;
  }
  const level = path.coda * Math.abs(path.radiation) * peak;
  const decay = Math.exp(-1 / (path.codaDecay * FS));
  let released = 0;
  for (let i = i0; i < n; i++) {
    const k = i - i0;
    released = released * decay + (k < momentRate.length ? momentRate[k]! / area : 0);
    x[i] = x[i]! + level * released * white(rng);
  }
  const corner = path.growthSeconds === undefined ? path.cornerHz : Math.max(path.cornerHz, 0.2);
  shapePhase(x, corner, path.tStar + plan.station.kappa);
  return x;
}

/** Unit-peak triangle of the given half duration, sampled at the generation rate. */
function triangle(halfDuration: number): Float64Array {
  const half = Math.max(1, Math.round(halfDuration * FS));
  const out = new Float64Array(2 * half);
  for (let k = 0; k < 2 * half; k++) out[k] = 1 - Math.abs(k - half) / half;
  return out;
}

/**
 * A great earthquake's moment rate: sub-events of 1-4 s under an envelope
 * that rises over `growthSeconds` and decays over half that, so the first
 * seconds after the onset hold a small fraction of the energy.
 */
function growingRupture(rng: Rng, growthSeconds: number): Float64Array {
  const length = Math.round(1.5 * growthSeconds * FS);
  const out = new Float64Array(length);
  const subEvents = Math.round(growthSeconds / 1.5);
  for (let j = 0; j < subEvents; j++) {
    const at = uniform(rng, 0, 1.5 * growthSeconds);
    const envelope = at < growthSeconds ? (at / growthSeconds) ** 2 : Math.exp(-(at - growthSeconds) / (0.25 * growthSeconds));
    const pulse = triangle(uniform(rng, 0.5, 2));
    const i0 = Math.round(at * FS);
    const amp = envelope * uniform(rng, 0.5, 1);
    for (let k = 0; k < pulse.length && i0 + k < length; k++) out[i0 + k] = out[i0 + k]! + amp * pulse[k]!;
  }
  // The nucleation: a small first sub-event right at the onset, as the hypocentre's first slip.
  const first = triangle(uniform(rng, 0.5, 1.5));
  for (let k = 0; k < first.length && k < length; k++) out[k] = out[k]! + 0.05 * first[k]!;
  return out;
}

/** The site's ground noise: the shared noise model, plus cultural noise at some sites. */
function stationNoise(rng: Rng, n: number, station: StationResponse): Float64Array {
  const x = noise(rng, n, FS);
  if (station.culturalHz !== undefined) {
    const hum = new Float64Array(n);
    for (let i = 0; i < n; i++) hum[i] = white(rng);
    resonator(hum, station.culturalHz, uniform(rng, 3, 10), FS);
    // Cultural noise comes and goes (traffic, machinery cycling): a slow on/off modulation.
    const period = uniform(rng, 5, 30);
    const phase = uniform(rng, 0, 2 * Math.PI);
    const level = (logUniform(rng, 0.5, 3) * rmsOf(x)) / (rmsOf(hum) || 1);
    for (let i = 0; i < n; i++) {
      const on = 0.5 + 0.5 * Math.sin((2 * Math.PI * i) / (period * FS) + phase);
      x[i] = x[i]! + level * on * hum[i]!;
    }
  }
  return x;
}

/** Ground velocity through the instrument, in place; returns the same array. */
function instrument(velocity: Float64Array, kind: Instrument): Float64Array {
  if (kind === 'accelerometer') differentiate(velocity, FS);
  else highpass2(velocity, kind === 'short-period' ? 1 : 1 / 120, 0.7);
  return velocity;
}

/**
 * A seismometer's response to ground velocity: s^2 / (s^2 + 2 zeta w0 s + w0^2),
 * by the bilinear transform with the natural frequency prewarped, in place.
 */
function highpass2(x: Float64Array, naturalHz: number, damping: number): void {
  const k = Math.tan((Math.PI * naturalHz) / FS);
  const norm = 1 / (1 + 2 * damping * k + k * k);
  const b0 = norm;
  const a1 = 2 * (k * k - 1) * norm;
  const a2 = (1 - 2 * damping * k + k * k) * norm;
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    const y = b0 * (x0 - 2 * x1 + x2) - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y;
    x[i] = y;
  }
}

/** An accelerometer's white self-noise, 0.5-2 times the ground noise it records. */
function addSelfNoise(rng: Rng, x: Float64Array): void {
  const level = logUniform(rng, 0.5, 2) * rmsOf(x);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + level * white(rng);
}

/**
 * The factor that puts the signal at the plan's SNR in the band the
 * preprocessing keeps (1-20 Hz): RMS of the signal over the 2 s after P
 * against the RMS of the noise over the whole trace.
 */
function snrScale(signal: Float64Array, background: Float64Array, onsetSeconds: number, target: number): number {
  const s = bandpass(signal, FS);
  const b = bandpass(background, FS);
  const i0 = Math.round(onsetSeconds * FS);
  const signalRms = rmsOf(s.subarray(i0, Math.min(s.length, i0 + 2 * FS)));
  return signalRms > 0 ? (target * rmsOf(b)) / signalRms : 0;
}
