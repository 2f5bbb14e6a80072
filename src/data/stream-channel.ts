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
 * A block that does not start where the last one ended (by more than half a
 * sample: a gap, or an overlap) ends the trace there and starts a new one
 * with a new picker, as `readMiniSeed` splits segments; onsets whose record
 * would reach across the break, or before the first sample, are dropped and
 * counted.
 */
import { DataError } from '../common/errors.js';
import type { RawRecord } from './prepare-record.js';
import type { SampleBlock } from './readers/continuous.js';
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

export class ChannelStream {
  /** Onsets whose record ran past a trace's start or end. */
  dropped = 0;
  /** Most samples `bufferedSamples` can reach. */
  readonly maxBufferedSamples: number;

  private readonly before: number;
  private readonly after: number;
  private readonly ring: Float64Array;
  private picker: StreamPicker;
  /** Samples of the current trace received so far. */
  private received = 0;
  /** Time of the current trace's first sample. */
  private traceStart = 0;
  /** Onsets (sample indices of the current trace) waiting for the end of their record. */
  private readonly waiting: number[] = [];

  constructor(
    readonly samplingRate: number,
    private readonly file: string,
    private readonly id: string,
    span: RecordSpan = DEFAULT_RECORD_SPAN,
    private readonly pickerParams: Partial<StreamPickerParams> = {},
    private readonly onBreak?: (gap: StreamBreak) => void,
  ) {
    this.before = Math.round(span.beforeSeconds * samplingRate);
    this.after = Math.round(span.afterSeconds * samplingRate);
    this.picker = new StreamPicker(samplingRate, pickerParams);
    // A record is cut at the end of the piece that completes it, or when its onset is reported, whichever is later.
    this.ring = new Float64Array(this.before + Math.max(this.after + PICKER_PIECE_SAMPLES, this.picker.latencySamples));
    this.maxBufferedSamples = this.ring.length + this.picker.maxBufferedSamples;
  }

  /** Samples held now: the ring (filled up to its length) and the picker's. */
  get bufferedSamples(): number {
    return Math.min(this.received, this.ring.length) + this.picker.bufferedSamples;
  }

  /** Takes the channel's next block (its first sample's time, its samples, their rate); returns the records now complete. */
  push(block: Pick<SampleBlock, 'startTime' | 'samples' | 'samplingRate'>): StreamWindow[] {
    if (block.samplingRate !== this.samplingRate) {
      throw new DataError(this.file, `${this.id} sampling rate`, block.samplingRate, `changed from ${this.samplingRate} Hz within the stream`);
    }
    const windows: StreamWindow[] = [];
    const due = this.traceStart + this.received / this.samplingRate;
    if (this.received === 0) this.traceStart = block.startTime;
    else if (Math.abs(block.startTime - due) > 0.5 / this.samplingRate) {
      windows.push(...this.flush());
      this.onBreak?.({ due, came: block.startTime });
      this.traceStart = block.startTime;
    }
    const { samples } = block;
    for (let from = 0; from < samples.length; from += PICKER_PIECE_SAMPLES) {
      const piece = samples.subarray(from, Math.min(samples.length, from + PICKER_PIECE_SAMPLES));
      for (let i = 0; i < piece.length; i++) this.ring[(this.received + i) % this.ring.length] = piece[i]!;
      this.received += piece.length;
      this.waiting.push(...this.picker.push(piece));
      this.cutReady(windows);
    }
    return windows;
  }

  /** The trace ended (end of the data, or a break): its last onsets, those whose record is complete; a new trace starts with the next block. */
  flush(): StreamWindow[] {
    const windows: StreamWindow[] = [];
    this.waiting.push(...this.picker.flush());
    this.cutReady(windows);
    this.dropped += this.waiting.length;
    this.waiting.length = 0;
    this.picker = new StreamPicker(this.samplingRate, this.pickerParams);
    this.received = 0;
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
