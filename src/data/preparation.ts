/**
 * Every choice `prepare` makes between a seismogram and a network input, in
 * one JSON-able object: the trace preprocessing (preprocess.ts), the task A
 * spectrogram and the task B P window (spectrogram.ts). Two presets:
 *
 * - `paper`: the paper's preprocessing as reconstructed in METHOD.md (1-20 Hz
 *   band-pass; linear STFT magnitude of 6 s from 1 s before P, Hann 30, hop
 *   13, divided by its maximum; 32 samples from 10 before P, divided by the
 *   largest absolute value). The embedded synthetic sets are calibrated to it.
 * - `default`: the choices that held up on new compositions of the real
 *   development sets and the stress set (README, "Defaults and how they were
 *   chosen"); see DEFAULT_PREPARATION for what differs and why.
 *
 * A prepared set's header and a checkpoint record the resolved object, so
 * that `predict` prepares new seismograms the same way (`recordedPreparation`).
 */
import { DataError } from '../common/errors.js';
import { PAPER_PREPROCESS, type PreprocessParams } from './signal/preprocess.js';
import { TARGET_RATE_HZ } from './signal/resample.js';
import { PAPER_P_WINDOW, PAPER_SPECTROGRAM, P_WINDOW, SPECTROGRAM, type PWindowParams, type SpectrogramParams } from './signal/spectrogram.js';

export interface Preparation {
  preprocess: PreprocessParams;
  spectrogram: SpectrogramParams;
  pWindow: PWindowParams;
}

/** Single choices to change on top of a preset. */
export interface PreparationOverrides {
  preprocess?: Partial<PreprocessParams>;
  spectrogram?: Partial<SpectrogramParams>;
  pWindow?: Partial<PWindowParams>;
}

export const PRESET_NAMES = ['default', 'paper'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PAPER_PREPARATION: Readonly<Preparation> = Object.freeze({
  preprocess: PAPER_PREPROCESS,
  spectrogram: PAPER_SPECTROGRAM,
  pWindow: PAPER_P_WINDOW,
});

/**
 * The defaults, against the paper's (README, "Defaults and how they were
 * chosen": the best worst-composition ACC of the candidates measured):
 * - band-pass from 0.5 Hz, so that the emergent low-frequency P of a distant
 *   earthquake is not filtered away before the spectrogram sees it;
 * - decibels 60 dB deep instead of linear magnitude: which frequencies a
 *   record has energy at, above its noise, tells distance; how peaked that
 *   energy is in time mostly tells the pick's quality;
 * - each spectrogram standardised (zero mean, unit s.d. of its dB values)
 *   instead of mapped from floor to peak: with the peak at 1, how bright the
 *   rest of a record is measures its signal-to-noise ratio (a noisy local
 *   record is bright all over, a clean one dark but for its onset), and the
 *   clusters followed SNR instead of frequency content;
 * - the P window's samples after the pick weighted down by e every 4
 *   samples (0.04 s): on archives of many events and stations a swing after
 *   the first motion, larger than it, otherwise decides the window (the
 *   stress set B's worst seed rose from 57 to 69 %).
 * - a 64-sample STFT segment instead of 30: the 16 bins kept then lie 1.56
 *   Hz apart over 0-23 Hz, the band the filter passes, instead of 3.3 Hz
 *   apart over 0-50 Hz, where a teleseismic P's energy below 3 Hz falls into
 *   two bins and a deep earthquake's, reaching a few hertz, looks local.
 * The hop, the window around P and the P window's place and length stay
 * the paper's: the longer windows measured did no better on the worst
 * composition.
 */
export const DEFAULT_PREPARATION: Readonly<Preparation> = Object.freeze({
  preprocess: Object.freeze({ ...PAPER_PREPROCESS, bandpass: Object.freeze({ lowHz: 0.5, highHz: 20, order: 4, zeroPhase: true }) }),
  spectrogram: Object.freeze({ ...PAPER_SPECTROGRAM, segment: 64, scale: 'db', floorDb: 60, normalize: 'standardize' }),
  pWindow: Object.freeze({ ...PAPER_P_WINDOW, decay: 4 }),
});

export const PRESETS: Readonly<Record<PresetName, Readonly<Preparation>>> = Object.freeze({
  default: DEFAULT_PREPARATION,
  paper: PAPER_PREPARATION,
});

/** A preset with single choices changed, checked; `where` names the caller in errors. */
export function resolvePreparation(preset: PresetName, overrides: PreparationOverrides = {}, where = 'prepare options'): Preparation {
  const base = PRESETS[preset];
  const preparation: Preparation = {
    preprocess: copyPreprocess({ ...base.preprocess, ...overrides.preprocess }),
    spectrogram: { ...base.spectrogram, ...overrides.spectrogram },
    pWindow: { ...base.pWindow, ...overrides.pWindow },
  };
  checkPreparation(preparation, where);
  return preparation;
}

/**
 * The preparation a data set header or checkpoint recorded (its
 * `preprocessing` object). Records written before the spectrogram and P
 * window choices were options carry none of them, and were made with the
 * paper's; a record with no `preprocess` at all, likewise.
 */
export function recordedPreparation(recorded: { readonly [key: string]: unknown } | undefined, where: string): Preparation {
  const part = (key: string): object => {
    const value = recorded?.[key];
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  };
  const spectrogram = pickKnown(part('spectrogram'), PAPER_SPECTROGRAM);
  const pWindow = pickKnown(part('pWindow'), PAPER_P_WINDOW);
  const preparation: Preparation = {
    preprocess: copyPreprocess({ ...PAPER_PREPROCESS, ...(part('preprocess') as Partial<PreprocessParams>) }),
    spectrogram,
    pWindow,
  };
  checkPreparation(preparation, where);
  return preparation;
}

/** What a header records: the resolved choices plus the fixed shapes, so the record reads on its own. */
export function preparationRecord(preparation: Preparation, task: 'A' | 'B'): { [key: string]: object } {
  const preprocess = copyPreprocess(preparation.preprocess);
  return task === 'A'
    ? {
        preprocess,
        spectrogram: { ...preparation.spectrogram, samplingRateHz: SPECTROGRAM.samplingRateHz, bins: SPECTROGRAM.bins, frames: SPECTROGRAM.frames },
      }
    : { preprocess, pWindow: { ...preparation.pWindow, length: P_WINDOW.length } };
}

/** The task's input window: where it starts relative to P and how long it is, in 100 Hz samples. */
export function inputWindow(preparation: Preparation, task: 'A' | 'B'): { preP: number; length: number } {
  return task === 'A'
    ? { preP: preparation.spectrogram.preP, length: preparation.spectrogram.windowSamples }
    : { preP: preparation.pWindow.preP, length: P_WINDOW.length };
}

/** Rejects a preparation that would fail or mislead on every record, naming the field and its value. */
export function checkPreparation(p: Preparation, where: string): void {
  const fail = (field: string, value: unknown, problem: string): never => {
    throw new DataError(where, field, value, problem);
  };
  if (p.preprocess.targetRateHz !== TARGET_RATE_HZ) {
    fail('preprocess.targetRateHz', p.preprocess.targetRateHz, `the networks' inputs are defined at ${TARGET_RATE_HZ} Hz`);
  }
  const band = p.preprocess.bandpass;
  if (band !== null) {
    if (!(band.lowHz > 0)) fail('preprocess.bandpass.lowHz', band.lowHz, 'must be a positive number of Hz');
    if (!(band.highHz > band.lowHz)) fail('preprocess.bandpass.highHz', band.highHz, `must be above the low corner, ${band.lowHz} Hz`);
    if (!(band.highHz < TARGET_RATE_HZ / 2)) fail('preprocess.bandpass.highHz', band.highHz, `must be below the Nyquist frequency, ${TARGET_RATE_HZ / 2} Hz`);
  }
  const s = p.spectrogram;
  const minimumSegment = 2 * (SPECTROGRAM.bins - 1);
  if (!isCount(s.segment) || s.segment < minimumSegment) {
    fail('spectrogram.segment', s.segment, `must be a whole number of samples, at least ${minimumSegment} (16 one-sided bins)`);
  }
  if (!isCount(s.windowSamples) || s.windowSamples < s.segment) {
    fail('spectrogram.windowSamples', s.windowSamples, `must be a whole number of samples, at least the segment (${s.segment})`);
  }
  if (!(Number.isInteger(s.preP) && s.preP >= 0)) fail('spectrogram.preP', s.preP, 'must be a whole number of samples, 0 or more');
  if (!isCount(s.hop)) fail('spectrogram.hop', s.hop, 'must be a whole number of samples, 1 or more');
  // The 48 frames are centred on window samples 0, hop, ..., 47 hop: they must cover the window and not run off into padding only.
  const half = Math.floor(s.segment / 2);
  const lastCentre = (SPECTROGRAM.frames - 1) * s.hop;
  if (lastCentre + s.segment - half < s.windowSamples) {
    fail(
      'spectrogram.hop',
      s.hop,
      `48 frames ${s.hop} samples apart leave the end of the ${s.windowSamples}-sample window unseen (use a hop of at least ${Math.ceil((s.windowSamples - s.segment + half) / (SPECTROGRAM.frames - 1))})`,
    );
  }
  if (lastCentre - half >= s.windowSamples) {
    fail(
      'spectrogram.hop',
      s.hop,
      `48 frames ${s.hop} samples apart run past the ${s.windowSamples}-sample window into zeros (use a hop below ${Math.ceil((s.windowSamples + half) / (SPECTROGRAM.frames - 1))})`,
    );
  }
  if (s.scale !== 'linear' && s.scale !== 'db') fail('spectrogram.scale', s.scale, "must be 'linear' or 'db'");
  if (!(s.floorDb > 0 && Number.isFinite(s.floorDb))) fail('spectrogram.floorDb', s.floorDb, 'must be a positive number of dB');
  if (!['max', 'standardize', 'none'].includes(s.normalize)) fail('spectrogram.normalize', s.normalize, "must be 'max', 'standardize' or 'none'");
  const w = p.pWindow;
  if (!(Number.isInteger(w.preP) && w.preP >= 0 && w.preP < P_WINDOW.length)) {
    fail(
      'pWindow.preP',
      w.preP,
      `must be a whole number of samples from 0 to ${P_WINDOW.length - 1} (the pick is inside the ${P_WINDOW.length}-sample window)`,
    );
  }
  if (w.normalize !== 'maxabs' && w.normalize !== 'rms') fail('pWindow.normalize', w.normalize, "must be 'maxabs' or 'rms'");
  if (!(w.decay === null || (w.decay > 0 && Number.isFinite(w.decay))))
    fail('pWindow.decay', w.decay, 'must be a positive number of samples, or null for none');
}

function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 1;
}

/** A preprocessing object with its band-pass copied, so records do not share mutable parts. */
function copyPreprocess(p: PreprocessParams): PreprocessParams {
  return { ...p, bandpass: p.bandpass === null ? null : { ...p.bandpass } };
}

/** `defaults` with the fields of `recorded` that it knows (a header also records fixed shapes, e.g. bins). */
function pickKnown<T extends object>(recorded: object, defaults: Readonly<T>): T {
  const out = { ...defaults } as T;
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    const value = (recorded as Partial<T>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
