/**
 * One channel of a continuous stream, from blocks of samples to records
 * ready for `prepareRecord`: the samples go through a StreamPicker, and
 * around each onset a record is cut as `prepare`'s records are, from
 * `beforeSeconds` before the onset to `afterSeconds` after it, at the
 * channel's own rate, with the onset as its given pick.
 *
 * Memory: a ring of raw samples as long as one record plus the picker's
 * latency (the onset is known some seconds after it) and one block piece,
 * and the picker's own buffers; `bufferedSamples` counts them, whatever the
 * length of the stream.
 *
 * The trace ends, and a new one starts with a new picker, in two places:
 * - a block that does not start where the last one ended (by more than half
 *   a sample: a gap, or an overlap), as `readMiniSeed` splits segments;
 * - a filled gap: a run of one repeated value at least DEAD_RUN_SECONDS
 *   long (how zero-filled or value-held gaps look; live noise never holds a
 *   value that long), the rule `pickP`'s `liveSegments` applies to a whole
 *   record. The picker never sees the run, so the step at its end does not
 *   trigger, and the onsets are those of `pickOnsets` over each live stretch
 *   on its own. A run is held back, as a value and a count, until it either
 *   ends (it was data) or reaches that length (it is a gap). Equal means
 *   equal: the samples come as recorded, never resampled.
 * Onsets whose record would reach across the end of a trace, or before its
 * first sample, are dropped and counted.
 */
import { DataError } from '../common/errors.js';
import type { RawRecord } from './prepare-record.js';
import type { SampleBlock } from './readers/continuous.js';
import { DEAD_RUN_SECONDS } from './signal/picker.js';
import { PICKER_PIECE_SAMPLES, StreamPicker, type StreamPickerParams } from './stream-picker.js';

/** The record cut around each onset, seconds before and after it. */
export interface RecordSpan {
  readonly beforeSeconds: number;
  readonly afterSeconds: number;
}

/**
 * The span of synthetic.ts's task A records (P at 5 s of 13 s), which
 * checkpoints trained on the embedded synthetic set saw; long enough for the
 * SNR's noise window (3.5 s before P) and the task A window (P-1 s to P+5 s).
 */
export const DEFAULT_RECORD_SPAN: RecordSpan = Object.freeze({ beforeSeconds: 5, afterSeconds: 8 });

/** An onset and the record cut around it. */
export interface StreamWindow {
  /** Time of the onset, seconds since 1970. */
  readonly pickTime: number;
  /** The raw samples around the onset, its pick given. */
  readonly record: RawRecord;
}

/** A break between two blocks of the channel: when the next sample was due, and when it came. */
export interface StreamBreak {
  readonly due: number;
  readonly came: number;
}

/** A run of one repeated value taken for a gap: the time of its first sample, and of the first sample after it (or of the data's end). */
export interface FilledGap {
  readonly start: number;
  readonly end: number;
}

/** What a channel says of the places its trace ends before the data do. */
export interface ChannelListeners {
  readonly onBreak?: (gap: StreamBreak) => void;
  readonly onFilledGap?: (gap: FilledGap) => void;
}

export class ChannelStream {
  /** Onsets whose record ran past a trace's start or end. */
  dropped = 0;
  /** Most samples `bufferedSamples` can reach. */
  readonly maxBufferedSamples: number;

  private readonly before: number;
  private readonly after: number;
  private readonly ring: Float64Array;
  /** Samples written to the ring after the `received` ones, not yet given to the picker: at most a piece. */
  private stagedCount = 0;
  /** Length of a run of one value that is a filled gap, samples. */
  private readonly gapRun: number;
  private picker: StreamPicker;
  /** Whether a block has come, and when the sample after it is due. */
  private seen = false;
  private nextTime = 0;
  /** Whether a trace is open: it has a first sample, at `traceStart`. */
  private traceOpen = false;
  private traceStart = 0;
  /** Samples of the current trace given to the ring and the picker. */
  private received = 0;
  /** The run of equal samples held back (`runCount` of `runValue`), and whether it is a filled gap (begun at `runStart`). */
  private runValue = 0;
  private runCount = 0;
  private runStart = 0;
  private inGap = false;
  /** Onsets (sample indices of the current trace) waiting for the end of their record. */
  private readonly waiting: number[] = [];

  constructor(
    readonly samplingRate: number,
    private readonly file: string,
    private readonly id: string,
    span: RecordSpan = DEFAULT_RECORD_SPAN,
    private readonly pickerParams: Partial<StreamPickerParams> = {},
    private readonly listeners: ChannelListeners = {},
  ) {
    this.before = Math.round(span.beforeSeconds * samplingRate);
    this.after = Math.round(span.afterSeconds * samplingRate);
    this.gapRun = Math.max(2, Math.round(DEAD_RUN_SECONDS * samplingRate));
    this.picker = new StreamPicker(samplingRate, pickerParams);
    // A record is cut at the end of the piece that completes it, or when its onset is reported, whichever is later.
    this.ring = new Float64Array(this.before + Math.max(this.after + PICKER_PIECE_SAMPLES, this.picker.latencySamples));
    this.maxBufferedSamples = this.ring.length + this.picker.maxBufferedSamples;
  }

  /** Samples held now: the ring (filled up to its length) and the picker's. */
  get bufferedSamples(): number {
    return Math.min(this.received + this.stagedCount, this.ring.length) + this.picker.bufferedSamples;
  }

  /** Takes the channel's next block (its first sample's time, its samples, their rate); returns the records now complete. */
  push(block: Pick<SampleBlock, 'startTime' | 'samples' | 'samplingRate'>): StreamWindow[] {
    const rate = this.samplingRate;
    if (block.samplingRate !== rate) {
      throw new DataError(this.file, `${this.id} sampling rate`, block.samplingRate, `changed from ${rate} Hz within the stream`);
    }
    const windows: StreamWindow[] = [];
    if (this.seen && Math.abs(block.startTime - this.nextTime) > 0.5 / rate) {
      const due = this.nextTime;
      windows.push(...this.flush());
      this.listeners.onBreak?.({ due, came: block.startTime });
    }
    const { samples, startTime } = block;
    this.seen = true;
    this.nextTime = startTime + samples.length / rate;
    const gapRun = this.gapRun;
    // The run held back, in locals for the loop; the fields are brought up to date where a method reads them.
    let value = this.runValue;
    let count = this.runCount;
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      if (count > 0 && x === value) {
        if (++count === gapRun) {
          // A filled gap: the trace ended where the run began (blocks are contiguous since the last break, so the run began gapRun - 1 samples back).
          this.runStart = startTime + (i - gapRun + 1) / rate;
          this.feedStaged(windows);
          windows.push(...this.endTrace());
          this.inGap = true;
        }
        continue;
      }
      if (this.inGap) this.endGap(startTime + i / rate);
      else this.stageRun(value, count, windows);
      if (!this.traceOpen) {
        this.traceOpen = true;
        this.traceStart = startTime + i / rate;
      }
      value = x;
      count = 1;
    }
    this.runValue = value;
    this.runCount = count;
    this.feedStaged(windows);
    return windows;
  }

  /** The trace ended (end of the data, or a break): its last onsets, those whose record is complete; a new trace starts with the next block. */
  flush(): StreamWindow[] {
    const windows: StreamWindow[] = [];
    if (this.inGap) this.endGap(this.nextTime);
    else this.stageRun(this.runValue, this.runCount, windows);
    this.runCount = 0;
    this.feedStaged(windows);
    windows.push(...this.endTrace());
    return windows;
  }

  /** A run that ended shorter than a filled gap was data: into the ring, on its way to the picker a piece at a time. */
  private stageRun(value: number, count: number, windows: StreamWindow[]): void {
    const ring = this.ring;
    for (let k = 0; k < count; k++) {
      ring[(this.received + this.stagedCount) % ring.length] = value;
      if (++this.stagedCount === PICKER_PIECE_SAMPLES) this.feedStaged(windows);
    }
  }

  private endGap(end: number): void {
    this.inGap = false;
    this.listeners.onFilledGap?.({ start: this.runStart, end });
  }

  /** The staged samples to the picker (the ring's stretch after the received ones, in one or two parts); the records they complete are cut. */
  private feedStaged(windows: StreamWindow[]): void {
    const count = this.stagedCount;
    if (count === 0) return;
    const from = this.received % this.ring.length;
    const first = Math.min(count, this.ring.length - from);
    this.waiting.push(...this.picker.push(this.ring.subarray(from, from + first)));
    if (first < count) this.waiting.push(...this.picker.push(this.ring.subarray(0, count - first)));
    this.received += count;
    this.stagedCount = 0;
    this.cutReady(windows);
  }

  /** The current trace ends after the samples fed: its last onsets whose record is complete; the others are dropped. */
  private endTrace(): StreamWindow[] {
    const windows: StreamWindow[] = [];
    this.waiting.push(...this.picker.flush());
    this.cutReady(windows);
    this.dropped += this.waiting.length;
    this.waiting.length = 0;
    this.picker = new StreamPicker(this.samplingRate, this.pickerParams);
    this.received = 0;
    this.traceOpen = false;
    return windows;
  }

  private cutReady(windows: StreamWindow[]): void {
    while (this.waiting.length > 0 && this.waiting[0]! + this.after <= this.received) {
      const onset = this.waiting.shift()!;
      const from = onset - this.before;
      if (from < 0) {
        this.dropped++;
        continue;
      }
      const samples = new Float64Array(this.before + this.after);
      for (let i = 0; i < samples.length; i++) samples[i] = this.ring[(from + i) % this.ring.length]!;
      const pickTime = this.traceStart + onset / this.samplingRate;
      const record: RawRecord = {
        id: `${this.id} at ${new Date(pickTime * 1000).toISOString()}`,
        file: this.file,
        trace: this.id,
        samples,
        samplingRate: this.samplingRate,
        pick: { sample: this.before, source: 'pick', field: 'stream P onset' },
      };
      windows.push({ pickTime, record });
    }
  }
}
