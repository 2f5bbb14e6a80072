/**
 * `stream`: continuous data classified as it comes. Continuous miniSEED or
 * SAC (files, folders of them, a file that grows, or bytes such as standard
 * input) is read block by block (data/readers/continuous.ts); each vertical
 * channel goes through the stream picker, and a record is cut around each P
 * onset (data/stream-channel.ts), prepared exactly as `prepare` prepared the
 * checkpoint's training records (`prepareRecord` with the preparation the
 * checkpoint recorded, the onset as its pick) and classified by the
 * checkpoint's encoder and clustering layer, from several views of the
 * record with the pick moved a little either side (views.ts). Detections
 * come one at a time, as their records complete; memory holds a few records'
 * worth of samples per channel, whatever the length of the stream.
 *
 * Channels: those whose code ends in Z (the vertical, as `prepare` takes
 * it), or that have no code (a SAC file without `kcmpnm`), sampled fast
 * enough for the picker's bands; the others are passed over and said so once. A channel continues from one input to the
 * next, so the day files of one station, named in time order, stream as one
 * trace.
 */
import { readCheckpoint, restoreModel } from '../cluster/checkpoint.js';
import type { JsonObject } from '../cluster/training.js';
import { DataError } from '../common/errors.js';
import { readFileBlocks, type FollowOptions } from '../data/files.js';
import { inputWindow, recordedPreparation, type Preparation } from '../data/preparation.js';
import { collectFiles } from '../data/prepare-inputs.js';
import { RecordProblem, prepareRecord, type RecordChoices } from '../data/prepare-record.js';
import { readSampleBlocks, type SampleBlock } from '../data/readers/continuous.js';
import { detectFormat } from '../data/readers/index.js';
import { TARGET_RATE_HZ } from '../data/signal/resample.js';
import { type ChannelListeners, ChannelStream, DEFAULT_RECORD_SPAN, type RecordSpan, type StreamWindow } from '../data/stream-channel.js';
import { lowestPickableRate, type StreamPickerParams } from '../data/stream-picker.js';
import { host } from '../host/host.js';
import { OptionError } from './errors.js';
import { Stages, type OnProgress } from './progress.js';
import { openBackend, type BackendSource } from './settings.js';
import { classifyViews, cutViews, defaultViewShifts, type ViewShifts, viewOffsets, widenedSpan } from './views.js';

/** One P onset and how the checkpoint classifies it. */
export interface StreamDetection {
  /** `NET.STA`. */
  readonly station: string;
  /** `CHA`, or `LOC.CHA` where the location code is not blank. */
  readonly channel: string;
  /** Time of the P onset, seconds since 1970-01-01T00:00:00Z. */
  readonly pickTime: number;
  readonly cluster: number;
  /** Soft assignment to each cluster: the geometric mean of the views', normalised. */
  readonly q: readonly number[];
  /** SNR of the record cut at the pick (signal/snr.ts), null where its windows do not fit. */
  readonly snr: number | null;
}

/** A file or folder by its path, or bytes that arrive (standard input) with the name errors give them. */
export type StreamSource = string | { readonly name: string; readonly bytes: AsyncIterable<Uint8Array> };

export interface StreamOptions {
  /** A checkpoint written after fine-tuning. */
  readonly checkpoint: string;
  readonly sources: readonly StreamSource[];
  /** Keep reading the one file named as it grows, until the signal aborts. */
  readonly follow?: FollowOptions;
  /** The record cut around each onset (default: synthetic task A's, 5 s before and 8 s after). */
  readonly span?: RecordSpan;
  readonly picker?: Partial<StreamPickerParams>;
  /** The views each detection is classified from, over the task's defaults (task A: 4 s either side of the pick in 0.5 s steps; task B: the record at the pick alone; `shiftSeconds` 0: the record at the pick alone). */
  readonly views?: Partial<ViewShifts>;
  readonly backend: BackendSource;
  readonly onProgress?: OnProgress;
}

/** What a stream held, once it has ended. */
export interface StreamSummary {
  /** Seconds of data read, all channels together. */
  readonly seconds: number;
  /** Vertical channels picked. */
  readonly channels: number;
  readonly detections: number;
  /** Onsets whose record ran past the start or end of the data or across a gap. */
  readonly dropped: number;
  /** Records `prepareRecord` refused (e.g. all zeros). */
  readonly unprepared: number;
  /** How the checkpoint's training records were prepared, as it records it (and so every detection's record). */
  readonly preprocessing: JsonObject;
  /** The views each detection was classified from. */
  readonly views: ViewShifts;
}

interface Input {
  readonly name: string;
  readonly bytes: () => AsyncIterable<Uint8Array>;
}

interface Channel {
  readonly stream: ChannelStream;
  readonly station: string;
  readonly channel: string;
}

/** The detections of the sources, as they are made; returns the summary when the data end (or, following, when the signal aborts). */
export async function* streamDetections(options: StreamOptions): AsyncGenerator<StreamDetection, StreamSummary> {
  const stages = new Stages(options.onProgress);
  const checkpoint = await readCheckpoint(options.checkpoint);
  const task = checkpoint.description.input.length === 3 ? 'A' : 'B';
  const preparation = recordedPreparation(checkpoint.preprocessing, options.checkpoint);
  const span = options.span ?? DEFAULT_RECORD_SPAN;
  checkSpan(span, preparation, task);
  const views: ViewShifts = { ...defaultViewShifts(task), ...options.views };
  const cut = widenedSpan(span, views);
  const inputs = await resolveInputs(options, stages);
  const choices: RecordChoices = { task, preparation, picks: 'given' };

  const { backend } = await openBackend(options.backend);
  const { model, clustering } = restoreModel(checkpoint, { backend });
  if (clustering === null) {
    model.dispose();
    throw new DataError(options.checkpoint, 'clustering', 'none', 'the checkpoint has no clustering layer: fine-tune before classifying');
  }
  const channels = new Map<string, Channel | null>();
  let seconds = 0;
  let detections = 0;
  let unprepared = 0;
  const classify = async (channel: Channel, window: StreamWindow): Promise<StreamDetection | undefined> => {
    const { samplingRate } = window.record;
    const before = Math.round(span.beforeSeconds * samplingRate);
    const after = Math.round(span.afterSeconds * samplingRate);
    const viewInputs: Float32Array[] = [];
    let snr: number | null = null;
    // The view at the pick first: if it cannot be prepared the onset is passed over; another view that cannot is left out.
    for (const [i, view] of cutViews(window.record, before, after, viewOffsets(views, samplingRate)).entries()) {
      try {
        const prepared = prepareRecord(view, choices);
        if (i === 0) snr = prepared.snr ?? null;
        viewInputs.push(prepared.input);
      } catch (error) {
        if (!(error instanceof RecordProblem)) throw error;
        if (i !== 0) continue;
        unprepared++;
        stages.message(`passed over the onset of ${window.record.id}: ${error.reason} (${error.message})`);
        return undefined;
      }
    }
    const { q, cluster } = await classifyViews(model, clustering, viewInputs);
    detections++;
    return { station: channel.station, channel: channel.channel, pickTime: window.pickTime, cluster, q, snr };
  };
  try {
    stages.start('streaming', 0, 's of data');
    for (const input of inputs) {
      for await (const block of readSampleBlocks(input.bytes(), input.name)) {
        const channel = channelOf(channels, block, input.name, cut, options, stages);
        if (channel === null) continue;
        for (const window of channel.stream.push(block)) {
          const detection = await classify(channel, window);
          if (detection !== undefined) yield detection;
        }
        seconds += block.samples.length / block.samplingRate;
        stages.advance(Math.round(seconds), `${detections} detections`);
      }
    }
    for (const channel of channels.values()) {
      if (channel === null) continue;
      for (const window of channel.stream.flush()) {
        const detection = await classify(channel, window);
        if (detection !== undefined) yield detection;
      }
    }
    stages.finish();
  } finally {
    model.dispose();
    clustering.dispose();
  }
  let dropped = 0;
  let picked = 0;
  for (const channel of channels.values()) {
    if (channel === null) continue;
    picked++;
    dropped += channel.stream.dropped;
  }
  return { seconds, channels: picked, detections, dropped, unprepared, preprocessing: checkpoint.preprocessing ?? {}, views };
}

/** The channel a block belongs to, made on its first block; null for a channel passed over (not vertical). */
function channelOf(
  channels: Map<string, Channel | null>,
  block: SampleBlock,
  file: string,
  span: RecordSpan,
  options: StreamOptions,
  stages: Stages,
): Channel | null {
  const known = channels.get(block.id);
  if (known !== undefined) return known;
  if (!(block.channel === '' || block.channel.endsWith('Z'))) {
    stages.message(`passing over ${block.id} in ${file}: not a vertical component (its code does not end in Z)`);
    channels.set(block.id, null);
    return null;
  }
  const lowest = lowestPickableRate(options.picker);
  if (!(block.samplingRate > lowest)) {
    stages.message(
      `passing over ${block.id} in ${file}: its ${block.samplingRate} Hz are too few for the picker's bands (above ${lowest.toFixed(2)} Hz needed)`,
    );
    channels.set(block.id, null);
    return null;
  }
  const listeners: ChannelListeners = {
    onBreak: (gap) => {
      const seconds = gap.came - gap.due;
      stages.message(`${block.id}: ${seconds >= 0 ? 'gap' : 'overlap'} of ${Math.abs(seconds).toFixed(3)} s at ${isoTime(gap.due)}; picking starts again`);
    },
    onFilledGap: (gap) => {
      stages.message(
        `${block.id}: ${(gap.end - gap.start).toFixed(3)} s of one repeated value (a filled gap) from ${isoTime(gap.start)}; picking starts again after it`,
      );
    },
  };
  const channel: Channel = {
    stream: new ChannelStream(block.samplingRate, file, block.id, span, options.picker, listeners),
    station: `${block.network}.${block.station}`,
    channel: block.location === '' ? block.channel : `${block.location}.${block.channel}`,
  };
  channels.set(block.id, channel);
  return channel;
}

/** A time in seconds since 1970 as ISO UTC, to the millisecond. */
export function isoTime(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString();
}

/** The record must hold the task's input window and the SNR's noise window, or every onset would be refused. */
function checkSpan(span: RecordSpan, preparation: Preparation, task: 'A' | 'B'): void {
  const { preP, length } = inputWindow(preparation, task);
  // signal/snr.ts: noise over the 3 s ending 0.5 s before P, signal over the 2 s after.
  const before = Math.max(preP / TARGET_RATE_HZ, 3.5);
  const after = Math.max((length - preP) / TARGET_RATE_HZ, 2);
  if (!(span.beforeSeconds >= before))
    throw new OptionError(
      `the record must start at least ${before} s before P (the checkpoint's input window and the SNR's noise window), got ${span.beforeSeconds} s`,
    );
  if (!(span.afterSeconds >= after))
    throw new OptionError(`the record must run at least ${after} s after P (the checkpoint's input window), got ${span.afterSeconds} s`);
}

/** The inputs in order, every path checked before any work starts; files in folders that are not miniSEED or SAC are passed over. */
async function resolveInputs(options: StreamOptions, stages: Stages): Promise<Input[]> {
  const { sources, follow } = options;
  if (sources.length === 0) throw new OptionError('name a file, a folder or - (standard input)');
  const inputs: Input[] = [];
  for (const source of sources) {
    if (typeof source !== 'string') {
      inputs.push({ name: source.name, bytes: () => source.bytes });
      continue;
    }
    const kind = await host().files.kind(source);
    if (kind === null) throw new DataError(source, 'inputs', source, 'no such file or folder');
    if (kind !== 'folder') {
      inputs.push({ name: source, bytes: () => readFileBlocks(source, follow === undefined ? {} : { follow }) });
      continue;
    }
    let found = 0;
    for (const file of await collectFiles([source])) {
      const format = await detectFormat(file);
      if (format !== 'mseed' && format !== 'sac') {
        stages.message(`passing over ${file}: ${format} holds records, not continuous data`);
        continue;
      }
      inputs.push({ name: file, bytes: () => readFileBlocks(file) });
      found++;
    }
    if (found === 0) throw new DataError(source, 'inputs', source, 'the folder holds no miniSEED or SAC file');
  }
  if (follow !== undefined && (inputs.length !== 1 || typeof sources[0] !== 'string' || (await host().files.kind(sources[0])) !== 'file'))
    throw new OptionError('following reads one growing file: name exactly one file');
  return inputs;
}
