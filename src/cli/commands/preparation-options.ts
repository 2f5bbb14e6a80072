import { PRESETS, PRESET_NAMES, type PreparationOverrides, type PresetName } from '../../data/preparation.js';
import type { PreprocessParams } from '../../data/signal/preprocess.js';
import type { PWindowParams, SpectrogramParams } from '../../data/signal/spectrogram.js';
import { num, str, UsageError, type OptionSpec, type ParsedArgs } from '../args.js';

/** 100 Hz: the rate every input is cut at, to turn seconds into samples. */
const SAMPLES_PER_SECOND = 100;

/** `prepare`'s options for the choices between a seismogram and a network input (src/data/preparation.ts). */
export const preparationOptions: readonly OptionSpec[] = [
  {
    name: 'preset',
    type: 'string',
    choices: PRESET_NAMES,
    default: 'default',
    help: "the choices to start from: 'default' (chosen on new compositions of real and stress data, README) or 'paper' (the paper's, bit for bit); the options below change single ones",
  },
  { name: 'bandpass', type: 'string', help: "Butterworth band-pass corners LOW-HIGH in Hz, e.g. 1-20 (paper) or 0.5-20 (default), or 'none'" },
  { name: 'causal', type: 'boolean', help: "causal band-pass (as the paper's demo) instead of zero-phase" },
  {
    name: 'spectrogram-scale',
    type: 'string',
    choices: ['linear', 'db'],
    help: "task A: STFT magnitude as it is (paper) or in dB below the record's peak (default)",
  },
  { name: 'db-floor', type: 'number', min: 0, aboveMin: true, max: 300, help: 'task A, scale db: dB below the peak read as the floor (default 60)' },
  {
    name: 'spectrogram-normalize',
    type: 'string',
    choices: ['max', 'standardize', 'none'],
    help: 'task A: divide by the maximum (paper; dB: floor 0, peak 1), zero mean and unit s.d. (default), or nothing',
  },
  {
    name: 'stft-segment',
    type: 'int',
    min: 30,
    max: 60_000,
    help: 'task A: Hann segment in samples at 100 Hz; the first 16 bins are kept, 0 to 1600/segment Hz (paper 30, default 64)',
  },
  { name: 'stft-hop', type: 'int', min: 1, max: 60_000, help: 'task A: samples between the 48 frames (paper and default 13); must fit the window' },
  { name: 'window-before-p', type: 'number', min: 0, max: 600, help: 'task A: seconds of the window before the P pick (paper and default 1)' },
  { name: 'window-length', type: 'number', min: 0.3, max: 600, help: 'task A: window length in seconds (paper and default 6)' },
  { name: 'p-window-before-p', type: 'int', min: 0, max: 31, help: 'task B: samples of the 32 before the P pick (paper and default 10)' },
  {
    name: 'p-window-normalize',
    type: 'string',
    choices: ['maxabs', 'rms'],
    help: 'task B: divide each window by its largest absolute value (paper, default) or its root-mean-square',
  },
  {
    name: 'p-window-decay',
    type: 'string',
    help: "task B: samples over which the window's weight after the pick falls by e, so the first motion outweighs later swings (default 4), or 'none': every sample alike (paper)",
  },
];

/** The preset and the single choices the options change. */
export function preparationFrom(args: ParsedArgs): { preset: PresetName } & PreparationOverrides {
  const preset = (str(args, 'preset') ?? 'default') as PresetName;
  const preprocess: Partial<PreprocessParams> = {};
  const band = str(args, 'bandpass');
  const causal = args.options.causal === true;
  if (band === 'none') {
    if (causal) throw new UsageError('--causal needs a band-pass; it cannot go with --bandpass none');
    preprocess.bandpass = null;
  } else if (band !== undefined || causal) {
    // --causal alone keeps the preset's corners and order.
    const presetBand = PRESETS[preset].preprocess.bandpass ?? { lowHz: 1, highHz: 20, order: 4, zeroPhase: true };
    preprocess.bandpass = { ...presetBand, ...(band !== undefined && parseBand(band)), zeroPhase: !causal };
  }
  const spectrogram: Partial<SpectrogramParams> = {};
  const scale = str(args, 'spectrogram-scale');
  if (scale !== undefined) spectrogram.scale = scale as SpectrogramParams['scale'];
  const floor = num(args, 'db-floor');
  if (floor !== undefined) spectrogram.floorDb = floor;
  const normalize = str(args, 'spectrogram-normalize');
  if (normalize !== undefined) spectrogram.normalize = normalize as SpectrogramParams['normalize'];
  const segment = num(args, 'stft-segment');
  if (segment !== undefined) spectrogram.segment = segment;
  const hop = num(args, 'stft-hop');
  if (hop !== undefined) spectrogram.hop = hop;
  const before = num(args, 'window-before-p');
  if (before !== undefined) spectrogram.preP = samples(before, 'window-before-p');
  const length = num(args, 'window-length');
  if (length !== undefined) spectrogram.windowSamples = samples(length, 'window-length');
  const pWindow: Partial<PWindowParams> = {};
  const pBefore = num(args, 'p-window-before-p');
  if (pBefore !== undefined) pWindow.preP = pBefore;
  const pNormalize = str(args, 'p-window-normalize');
  if (pNormalize !== undefined) pWindow.normalize = pNormalize as PWindowParams['normalize'];
  const pDecay = str(args, 'p-window-decay');
  if (pDecay !== undefined) pWindow.decay = parseDecay(pDecay);
  return {
    preset,
    ...(Object.keys(preprocess).length > 0 && { preprocess }),
    ...(Object.keys(spectrogram).length > 0 && { spectrogram }),
    ...(Object.keys(pWindow).length > 0 && { pWindow }),
  };
}

/** A positive number of samples, or 'none'; anything else is a usage error naming the value. */
function parseDecay(text: string): number | null {
  if (text.trim() === 'none') return null;
  const decay = Number(text);
  if (text.trim() === '' || !(decay > 0 && Number.isFinite(decay)))
    throw new UsageError(`--p-window-decay expects a positive number of samples or 'none', got '${text}'`);
  return decay;
}

/** "0.5-20" to its corners; anything else is a usage error naming the value. */
function parseBand(text: string): { lowHz: number; highHz: number } {
  const match = /^\s*([0-9.]+)\s*-\s*([0-9.]+)\s*$/.exec(text);
  const lowHz = Number(match?.[1]);
  const highHz = Number(match?.[2]);
  if (match === null || !Number.isFinite(lowHz) || !Number.isFinite(highHz)) {
    throw new UsageError(`--bandpass expects LOW-HIGH in Hz (e.g. 0.5-20) or 'none', got '${text}'`);
  }
  return { lowHz, highHz };
}

/** Seconds to whole 100 Hz samples; a time that is not a whole number of samples is a usage error. */
function samples(seconds: number, option: string): number {
  const n = Math.round(seconds * SAMPLES_PER_SECOND);
  if (!(seconds >= 0) || Math.abs(n - seconds * SAMPLES_PER_SECOND) > 1e-6) {
    throw new UsageError(`--${option} expects a non-negative number of seconds in steps of 0.01 s, got ${seconds}`);
  }
  return n;
}
