/**
 * P onsets in continuous data, picked block by block as the samples arrive,
 * with the picker of signal/picker.ts: its characteristic function (causal
 * band-pass, squared), its recursive STA/LTA, its triggers and its AIC
 * refinement, so that a day is never held whole. What differs from `pickP`,
 * which picks the one P of a record:
 *
 * - every trigger is an onset (a stream holds many events), except that a
 *   trigger opening within `deadTimeSeconds` of the last accepted one is
 *   taken for the same event's S wave, depth phase or coda and passed over;
 * - the AIC may run on a trace band-passed apart (`aicBandpass`): a causal
 *   filter steep enough to keep the microseism out of the STA/LTA delays
 *   the onset it shows, and the AIC's onset with it;
 * - the trace is demeaned by the mean of its first LTA length, not of the
 *   whole trace (a stream's mean is not known before it ends); the band-pass
 *   removes any offset left, so this only shortens the filter's start-up;
 * - gaps are not looked for here (`liveSegments` needs the whole trace):
 *   the caller (stream-channel.ts) starts a new picker at a time gap and
 *   after a filled one (a run of one repeated value), which it holds back.
 *
 * `pickOnsets` is the same over a whole trace at once, built from the
 * whole-trace functions (the band-pass sections over the whole trace,
 * staLta, ratioTriggers, aicOnset); `StreamPicker` gives exactly its onsets
 * whatever the blocks (tested) while holding only the filters' delays, the
 * two averages, the first LTA length until it starts, and the last seconds
 * of the AIC's trace that an AIC window can still reach.
 */
import { butterworthBandpass, sosFilterInPlace, type SecondOrderSection } from './signal/filters.js';
import { PICKER_DEFAULTS, aicOnset, pickerSamples, ratioTriggers, staLta, type PickerBand, type PickerParams, type PickerSamples } from './signal/picker.js';

export interface StreamPickerParams extends Omit<PickerParams, 'relativePeak' | 'lowBand' | 'lowBandMargin'> {
  /** The causal band-pass of the trace the AIC runs on, or null for the characteristic function's. */
  aicBandpass: PickerBand | null;
  /** Triggers opening within this many seconds after an accepted one belong to the same event and are passed over. */
  deadTimeSeconds: number;
}

/**
 * The stream's settings, chosen on synthetic days (continuous.ts: seed 1, 4
 * stations x 6 hours; seed 7, 10 stations x 6 hours) by detection F1 within
 * 0.5 s (README, "A live stream"), where they differ from the record
 * picker's:
 * - STA/LTA band 1-10 Hz (record picker: 2-45 Hz, with 0.5-5 Hz as a second
 *   band): a teleseismic P has little energy above 2 Hz;
 * - STA 1 s, LTA 10 s (0.3 s, 5 s): a 0.3 s STA of low-frequency noise
 *   reached the trigger level several times an hour per station;
 * - the AIC on a 1.5-10 Hz band-pass of order 2: on the order-4 trace of the
 *   STA/LTA, whose delay is largest near its low corner, a third of the
 *   teleseismic onsets came out more than 0.5 s late; an order-2 filter for
 *   both let the microseism of noisy stations into the STA/LTA (F1 0.74-0.84
 *   on three of ten stations, 0.90 overall, against 0.94-0.96 now);
 * - AIC from 6 s before to 1 s after the trigger (2 s, 0.5 s): the longer
 *   STA triggers later after an emergent onset;
 * - a dead time of 30 s: a local event's S (at most 19 s after P within
 *   task A's 150 km) and a teleseismic depth phase (at most 10 s) re-trigger;
 *   20, 30 and 45 s gave the same F1, 10 s far more false detections.
 */
export const STREAM_PICKER_DEFAULTS: Readonly<StreamPickerParams> = Object.freeze({
  staSeconds: 1,
  ltaSeconds: 10,
  triggerOn: PICKER_DEFAULTS.triggerOn,
  triggerOff: PICKER_DEFAULTS.triggerOff,
  minDurationSeconds: PICKER_DEFAULTS.minDurationSeconds,
  warmupSeconds: PICKER_DEFAULTS.warmupSeconds,
  bandpass: Object.freeze({ lowHz: 1, highHz: 10, order: 4 }),
  aic: Object.freeze({ beforeSeconds: 6, afterSeconds: 1 }),
  aicBandpass: Object.freeze({ lowHz: 1.5, highHz: 10, order: 2 }),
  deadTimeSeconds: 30,
});

/** Samples filtered and scanned at a time: a block of any size is cut into pieces of at most this many, which bounds the buffers. */
export const PICKER_PIECE_SAMPLES = 4096;

interface Settings {
  p: StreamPickerParams;
  s: PickerSamples;
  /** The characteristic function's band-pass, and the AIC trace's (null: the AIC runs on the characteristic function's trace). */
  sections: readonly SecondOrderSection[] | null;
  aicSections: readonly SecondOrderSection[] | null;
  deadTime: number;
}

function settings(samplingRate: number, params: Partial<StreamPickerParams>, where: string): Settings {
  const p: StreamPickerParams = { ...STREAM_PICKER_DEFAULTS, ...params };
  const s = pickerSamples(p, samplingRate, where);
  if (!(p.deadTimeSeconds >= 0 && Number.isFinite(p.deadTimeSeconds))) throw new Error(`${where}: deadTimeSeconds must be 0 or more, got ${p.deadTimeSeconds}`);
  const design = (band: { lowHz: number; highHz: number; order: number } | null): readonly SecondOrderSection[] | null =>
    band === null ? null : butterworthBandpass(band.lowHz, Math.min(band.highHz, MAX_CORNER_OF_RATE * samplingRate), samplingRate, band.order);
  return { p, s, sections: design(s.band), aicSections: design(p.aicBandpass), deadTime: Math.round(p.deadTimeSeconds * samplingRate) };
}

/** The band-passes' upper corners are capped at 0.45 of the sampling rate, below the Nyquist frequency, as pickP caps its own. */
const MAX_CORNER_OF_RATE = 0.45;

/** The sampling rate a channel must exceed for the picker's bands to fit below its Nyquist frequency, Hz. */
export function lowestPickableRate(params: Partial<StreamPickerParams> = {}): number {
  const { bandpass, aicBandpass } = { ...STREAM_PICKER_DEFAULTS, ...params };
  return Math.max(0, ...[bandpass, aicBandpass].map((band) => (band === null ? 0 : band.lowHz / MAX_CORNER_OF_RATE)));
}

/** Mean of the first `n` samples (all of them if fewer): the offset both pickers remove. */
function leadingMean(x: Float64Array, n: number): number {
  const m = Math.min(n, x.length);
  let sum = 0;
  for (let i = 0; i < m; i++) sum += x[i]!;
  return m > 0 ? sum / m : 0;
}

/** Every onset of a whole trace, as sample indices (see the file comment): what `StreamPicker` gives block by block. */
export function pickOnsets(samples: Float64Array, samplingRate: number, params: Partial<StreamPickerParams> = {}): number[] {
  const { p, s, sections, aicSections, deadTime } = settings(samplingRate, params, 'pickOnsets');
  const offset = leadingMean(samples, s.nLta);
  const x = new Float64Array(samples.length);
  for (let i = 0; i < x.length; i++) x[i] = samples[i]! - offset;
  const aicTrace = aicSections === null ? x : Float64Array.from(x);
  if (sections !== null) sosFilterInPlace(sections, x, new Float64Array(2 * sections.length));
  if (aicSections !== null) sosFilterInPlace(aicSections, aicTrace, new Float64Array(2 * aicSections.length));
  const onsets: number[] = [];
  let last = -Infinity;
  for (const t of ratioTriggers(staLta(x, s.nSta, s.nLta), p, s)) {
    if (t.at - last < deadTime) continue;
    last = t.at;
    onsets.push(s.aic === null ? t.at : aicOnset(aicTrace, t.at - s.aic.before, t.at + s.aic.after));
  }
  return onsets;
}

/** The picker of one unbroken trace, fed block by block (see the file comment). */
export class StreamPicker {
  /** Most samples between an onset and the end of the block that reports it: what a caller keeping the raw trace must keep. */
  readonly latencySamples: number;
  /** Most samples `bufferedSamples` can reach. */
  readonly maxBufferedSamples: number;

  private readonly settings: Settings;
  private readonly filterState: Float64Array;
  private readonly aicFilterState: Float64Array;
  /** The first LTA length of raw samples, until the picker starts. */
  private readonly lead: Float64Array;
  private leadCount = 0;
  private started = false;
  private offset = 0;
  private sta = 0;
  private lta = 0;
  /** Samples scanned: the index of the next one. */
  private scanned = 0;
  /** The open trigger's first sample, or -1. */
  private openAt = -1;
  private openLength = 0;
  private lastAccepted = -Infinity;
  /** Accepted triggers whose AIC window is not filtered to its end yet, in order. */
  private readonly waiting: number[] = [];
  /** The last samples of the AIC's trace, sample i at i % length. */
  private readonly history: Float64Array;
  /** One piece (or the lead) filtered for the STA/LTA and for the AIC. */
  private readonly piece: Float64Array;
  private readonly aicPiece: Float64Array;

  constructor(samplingRate: number, params: Partial<StreamPickerParams> = {}) {
    this.settings = settings(samplingRate, params, 'StreamPicker');
    const { s, sections, aicSections } = this.settings;
    this.filterState = new Float64Array(2 * (sections?.length ?? 0));
    this.aicFilterState = new Float64Array(2 * (aicSections?.length ?? 0));
    this.lead = new Float64Array(s.nLta);
    const scanStep = Math.max(PICKER_PIECE_SAMPLES, s.nLta);
    this.piece = new Float64Array(scanStep);
    this.aicPiece = new Float64Array(scanStep);
    // A trigger is accepted minDuration samples after it opens and its AIC window ends `after` samples after it; the onset lies up to `before` ahead of it.
    const before = s.aic?.before ?? 0;
    const reach = Math.max(s.aic?.after ?? 0, s.minDuration);
    this.latencySamples = before + reach + scanStep;
    this.history = new Float64Array(before + reach + scanStep + 1);
    this.maxBufferedSamples = Math.max(this.lead.length, this.history.length);
  }

  /** Samples held now: the lead until the picker starts, then the AIC trace's history. */
  get bufferedSamples(): number {
    return this.started ? Math.min(this.scanned, this.history.length) : this.leadCount;
  }

  /** Feeds the next samples; returns the onsets now final (sample indices from the trace's first sample), in order. */
  push(block: Float64Array): number[] {
    const onsets: number[] = [];
    let from = 0;
    while (from < block.length) {
      if (!this.started) {
        const take = Math.min(block.length - from, this.lead.length - this.leadCount);
        this.lead.set(block.subarray(from, from + take), this.leadCount);
        this.leadCount += take;
        from += take;
        if (this.leadCount === this.lead.length) this.start(onsets);
        continue;
      }
      const take = Math.min(block.length - from, PICKER_PIECE_SAMPLES);
      const x = this.piece.subarray(0, take);
      for (let i = 0; i < take; i++) x[i] = block[from + i]! - this.offset;
      from += take;
      this.scan(x, onsets);
    }
    return onsets;
  }

  /** The trace ended: the onsets still waiting, their AIC windows cut at the end as `pickOnsets`'s are. */
  flush(): number[] {
    const onsets: number[] = [];
    if (!this.started && this.leadCount > 0) this.start(onsets);
    for (const at of this.waiting) onsets.push(this.onset(at, this.scanned));
    this.waiting.length = 0;
    return onsets;
  }

  /** The lead is complete (or the trace ended first): demean it, and start both averages at its filtered mean energy, as staLta does. */
  private start(onsets: number[]): void {
    const raw = this.lead.subarray(0, this.leadCount);
    this.offset = leadingMean(raw, raw.length);
    const x = this.piece.subarray(0, raw.length);
    for (let i = 0; i < raw.length; i++) x[i] = raw[i]! - this.offset;
    this.started = true;
    this.scan(x, onsets, true);
  }

  /**
   * staLta's recursion and ratioTriggers' rule over one demeaned piece
   * (filtered here, in place), the dead time as pickOnsets applies it; the
   * first piece also sets both averages to its mean energy.
   */
  private scan(x: Float64Array, onsets: number[], first = false): void {
    const { p, s, sections, aicSections, deadTime } = this.settings;
    let aicX = x;
    if (aicSections !== null) {
      aicX = this.aicPiece.subarray(0, x.length);
      aicX.set(x);
      sosFilterInPlace(aicSections, aicX, this.aicFilterState);
    }
    if (sections !== null) sosFilterInPlace(sections, x, this.filterState);
    if (first) {
      let energy = 0;
      for (let i = 0; i < x.length; i++) energy += x[i]! * x[i]!;
      this.sta = energy / x.length;
      this.lta = this.sta;
    }
    const a = 1 / s.nSta;
    const b = 1 / s.nLta;
    const history = this.history;
    const size = history.length;
    const accept = Math.max(s.minDuration, 1);
    let sta = this.sta;
    let lta = this.lta;
    let n = this.scanned;
    let slot = n % size;
    for (let j = 0; j < x.length; j++, n++) {
      const e = x[j]! * x[j]!;
      sta = a * e + (1 - a) * sta;
      lta = b * e + (1 - b) * lta;
      history[slot] = aicX[j]!;
      slot = slot + 1 === size ? 0 : slot + 1;
      if (n < s.warmup) continue;
      const ratio = lta > 0 ? sta / lta : 0;
      if (this.openAt < 0) {
        if (ratio < p.triggerOn) continue;
        this.openAt = n;
        this.openLength = 0;
      } else if (ratio < p.triggerOff) {
        this.openAt = -1;
        continue;
      }
      if (++this.openLength === accept && this.openAt - this.lastAccepted >= deadTime) {
        this.lastAccepted = this.openAt;
        this.waiting.push(this.openAt);
      }
    }
    this.sta = sta;
    this.lta = lta;
    this.scanned = n;
    const after = s.aic?.after ?? 0;
    while (this.waiting.length > 0 && this.waiting[0]! + after <= n) onsets.push(this.onset(this.waiting.shift()!, n));
  }

  /** The AIC onset of the trigger at `at`, its window cut at `end` (samples scanned so far, or the trace's end). */
  private onset(at: number, end: number): number {
    const { aic } = this.settings.s;
    if (aic === null) return at;
    const lo = Math.max(0, at - aic.before);
    const hi = Math.min(end, at + aic.after);
    const window = new Float64Array(Math.max(0, hi - lo));
    for (let i = lo; i < hi; i++) window[i - lo] = this.history[i % this.history.length]!;
    return lo + aicOnset(window, 0, window.length);
  }
}
