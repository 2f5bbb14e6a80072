/**
 * The paper's preprocessing chain for one vertical-component trace (METHOD.md,
 * "Data preparation"), in this order:
 *
 *   1. resample to 100 Hz (polyphase FIR, zero phase; see resample.ts), so that
 *      records from 40, 200 or 500 Hz stations look alike and the sampling rate
 *      cannot separate classes by itself;
 *   2. demean;
 *   3. linear detrend (least squares);
 *   4. cosine taper, 5 % of the trace at each end, so the band-pass does not
 *      ring on the step where the trace starts and ends;
 *   5. Butterworth band-pass 1-20 Hz, order 4, zero phase by default (causal as
 *      an option, as in the paper's demo);
 *   6. normalise to unit maximum absolute amplitude (standard deviation as an
 *      option). The paper lists normalisation before the band-pass; it is done
 *      last here so the scale the networks see is the scale of the filtered
 *      trace, not one set by microseismic noise that the filter removes.
 *
 * Every step can be switched off. The parameters are a plain JSON-able object
 * so a prepared data set can store exactly what was done to it.
 */

import { bandpass, demean, detrend, normalize, taper, DEFAULT_TAPER_FRACTION, type Normalization } from './filters.js';
import { resample, TARGET_RATE_HZ } from './resample.js';

export interface PreprocessParams {
  /** Output sampling rate in Hz, or null to keep the input rate. */
  targetRateHz: number | null;
  demean: boolean;
  detrend: boolean;
  /** Fraction of the trace tapered at each end, or null for no taper. */
  taperFraction: number | null;
  /** Band-pass corners, prototype order and phase, or null for no filtering. */
  bandpass: { lowHz: number; highHz: number; order: number; zeroPhase: boolean } | null;
  /** Amplitude normalisation, or null to keep physical units. */
  normalize: Normalization | null;
}

/** The paper's defaults. */
export const PAPER_PREPROCESS: Readonly<PreprocessParams> = Object.freeze({
  targetRateHz: TARGET_RATE_HZ,
  demean: true,
  detrend: true,
  taperFraction: DEFAULT_TAPER_FRACTION,
  bandpass: Object.freeze({ lowHz: 1, highHz: 20, order: 4, zeroPhase: true }),
  normalize: 'maxabs',
});

export interface PreprocessedTrace {
  samples: Float64Array;
  samplingRate: number;
}

/**
 * Run the chain on `samples` recorded at `samplingRate` Hz. Missing fields of
 * `params` take the paper's defaults. `record` names the trace in errors
 * (e.g. a file path). To carry a P pick through the resampling use
 * `mapSampleIndex(pick, samplingRate, result.samplingRate)`.
 */
export function preprocess(samples: Float64Array, samplingRate: number, params: Partial<PreprocessParams> = {}, record = 'trace'): PreprocessedTrace {
  const p: PreprocessParams = { ...PAPER_PREPROCESS, ...params };
  if (!(samplingRate > 0) || !Number.isFinite(samplingRate))
    throw new Error(`preprocess: ${record}: samplingRate must be a positive number, got ${samplingRate}`);
  if (samples.length === 0) throw new Error(`preprocess: ${record}: trace has no samples`);
  for (let i = 0; i < samples.length; i++)
    if (!Number.isFinite(samples[i]!)) throw new Error(`preprocess: ${record}: sample ${i} is ${samples[i]} (NaN or infinite samples are not accepted)`);

  let x = samples;
  let rate = samplingRate;
  if (p.targetRateHz !== null && p.targetRateHz !== rate) {
    x = resample(x, rate, p.targetRateHz);
    rate = p.targetRateHz;
  }
  if (p.demean) x = demean(x);
  if (p.detrend) x = detrend(x);
  if (p.taperFraction !== null) x = taper(x, p.taperFraction);
  if (p.bandpass !== null) {
    if (p.bandpass.highHz >= rate / 2)
      throw new Error(`preprocess: ${record}: band-pass highHz=${p.bandpass.highHz} is not below the Nyquist frequency ${rate / 2} Hz; resample first`);
    x = bandpass(x, rate, p.bandpass);
  }
  if (p.normalize !== null) x = normalize(x, p.normalize, record);
  // Every step copies, but with all steps off `x` is still the caller's array.
  return { samples: x === samples ? Float64Array.from(x) : x, samplingRate: rate };
}
