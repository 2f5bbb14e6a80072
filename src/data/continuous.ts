/**
 * A synthetic continuous day: per station, one unbroken 100 Hz vertical
 * trace of noise with task A events (local and teleseismic, synthetic.ts's
 * waveform models) at known times, for testing and measuring `stream`.
 *
 * - Noise: synthetic.ts's model (microseism, broadband, sometimes a
 *   cultural hum), its parameters drawn once per station and its filters
 *   carried from block to block, so the trace has no seams.
 * - Events: P onsets `meanGapSeconds` apart on average (uniform from 0.4 to
 *   1.6 times it, at least MIN_GAP_SECONDS), the class drawn with
 *   `localFraction`, each scaled so that the 13 s record `prepare` would
 *   make of it (P at 5 s, synthetic.ts's task A record) has the drawn SNR,
 *   log-uniform over task A's range, as synthetic.ts scales its records.
 *   An event's waveform runs on for EVENT_SECONDS after P (a teleseismic
 *   coda decays over up to 30 s), tapered at its end, and adds onto the
 *   noise and any earlier event's tail.
 * - The trace is made event by event (from 5 s before one P to 5 s before
 *   the next), so memory holds one inter-event stretch, never the day.
 *
 * `writeContinuousDay` writes one Steim-1 miniSEED file per station (4096-byte
 * records, the samples as integer counts) and `events.csv`, the truth: the
 * station, channel, P time (ISO UTC), sample index, class and drawn SNR.
 */
import { DataError } from '../common/errors.js';
import { join } from '../common/path.js';
import { host } from '../host/host.js';
import { Rng } from '../tensor/random.js';
import { writeFolderWhole } from './output-folder.js';
import { encodeMiniSeed, type MiniSeedWriteTrace } from './readers/miniseed.js';
import { taper } from './signal/filters.js';
import { preprocess } from './signal/preprocess.js';
import {
  A_PRE_SECONDS,
  A_SNR_RANGE,
  A_TRACE_SECONDS,
  TASK_A_CLASSES,
  localSignal,
  logUniform,
  lowpass1,
  resonator,
  rmsOf,
  scaleForSnr,
  teleseismicSignal,
  uniform,
  white,
} from './synthetic.js';

const RATE = 100;
/** How long an event's waveform runs after P, seconds: the slowest teleseismic coda (30 s decay) is down to e^-8 of its start. */
const EVENT_SECONDS = 240;
/** Fewest seconds between two P onsets of a station: longer than the stream's dead time and record. */
const MIN_GAP_SECONDS = 60;
/** No event in the first or last this many seconds, so the picker has warmed up and every record fits. */
const EDGE_SECONDS = 60;
/** Counts of the RMS of a station's broadband noise: the samples are integers for Steim-1, and rounding stays far below the quietest band. */
const BROADBAND_COUNTS = 1000;

export interface ContinuousOptions {
  /** Seed of everything drawn; the same seed gives the same day. */
  seed?: number;
  /** Stations, each with its own noise and events. Default 2. */
  stations?: number;
  /** Length of the traces, hours. Default 24. */
  hours?: number;
  /** Mean seconds between two events of a station. Default 300 (12 an hour). */
  meanGapSeconds?: number;
  /** Fraction of local events. Default 0.5. */
  localFraction?: number;
  /** Time of the first sample, ISO UTC. Default 2024-01-01T00:00:00Z. */
  start?: string;
}

/** One station's trace: its miniSEED header and its length. */
export interface ContinuousStation extends Omit<MiniSeedWriteTrace, 'samples'> {
  /** Samples in the trace. */
  length: number;
}

/** An event as it is in the trace: the truth `stream` is scored against. */
export interface ContinuousEvent {
  /** Index of its station in `ContinuousDay.stations`. */
  stationIndex: number;
  /** Sample of the P onset in the station's trace. */
  sample: number;
  /** Time of the P onset, seconds since 1970. */
  time: number;
  label: (typeof TASK_A_CLASSES)[number];
  /** The SNR its 13 s record was scaled to. */
  snr: number;
}

export interface ContinuousDay {
  readonly stations: readonly ContinuousStation[];
  /** Every event, by station, in time order. */
  readonly events: readonly ContinuousEvent[];
  /** The station's trace in consecutive blocks (one inter-event stretch each); each call makes it anew, identically. */
  blocks(stationIndex: number): Generator<Float64Array>;
}

/** A station's noise (synthetic.ts's model) as one unbroken trace: parameters drawn once, filter states carried across blocks. */
class StationNoise {
  private readonly broadbandHz: number;
  private readonly floor: number;
  private readonly microHz: number;
  private readonly microScale: number;
  private readonly hum: { hz: number; scale: number } | null;
  /** Counts per unit of the model: the broadband part's RMS is BROADBAND_COUNTS. */
  readonly counts: number;
  private readonly states = { broadband: new Float64Array(1), micro: new Float64Array(2), hum: new Float64Array(2) };

  constructor(private readonly rng: Rng) {
    this.broadbandHz = logUniform(rng, 0.5, 15);
    const floor = uniform(rng, 0.05, 0.5);
    this.microHz = uniform(rng, 0.12, 0.3);
    const micro = logUniform(rng, 3, 30);
    const hum = rng.uniform() < 0.2 ? { hz: uniform(rng, 2, 18), level: uniform(rng, 0.2, 1) } : null;
    // synthetic.ts scales each part by the RMS of the record's broadband part; here by that of ten minutes of each filter, once.
    const calibration = rng.fork();
    const rmsThrough = (filter: (x: Float64Array) => void): number => {
      const x = new Float64Array(600 * RATE);
      for (let i = 0; i < x.length; i++) x[i] = white(calibration);
      filter(x);
      return rmsOf(x);
    };
    const broadband = rmsThrough((x) => lowpass1(x, this.broadbandHz));
    this.floor = floor * broadband;
    this.counts = BROADBAND_COUNTS / broadband;
    this.microScale = (micro * broadband) / rmsThrough((x) => resonator(x, this.microHz, 4));
    this.hum = hum && { hz: hum.hz, scale: (hum.level * broadband) / rmsThrough((x) => resonator(x, hum.hz, 30)) };
  }

  next(n: number): Float64Array {
    const { rng, states } = this;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = white(rng);
    lowpass1(out, this.broadbandHz, RATE, states.broadband);
    for (let i = 0; i < n; i++) out[i] = out[i]! + this.floor * white(rng);
    this.addFiltered(out, (x) => resonator(x, this.microHz, 4, RATE, states.micro), this.microScale);
    const hum = this.hum;
    if (hum !== null) this.addFiltered(out, (x) => resonator(x, hum.hz, 30, RATE, states.hum), hum.scale);
    return out;
  }

  private addFiltered(out: Float64Array, filter: (x: Float64Array) => void, scale: number): void {
    const part = new Float64Array(out.length);
    for (let i = 0; i < part.length; i++) part[i] = white(this.rng);
    filter(part);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + scale * part[i]!;
  }
}

/** Plans the day (stations, event times, classes, SNRs); the traces are made on demand by `blocks`. */
export function continuousDay(options: ContinuousOptions = {}): ContinuousDay {
  const seed = options.seed ?? 0;
  const stationCount = options.stations ?? 2;
  const hours = options.hours ?? 24;
  const meanGap = options.meanGapSeconds ?? 300;
  const localFraction = options.localFraction ?? 0.5;
  const start = options.start ?? '2024-01-01T00:00:00Z';
  const startTime = Date.parse(start) / 1000;
  const where = 'continuous day';
  if (!(Number.isInteger(stationCount) && stationCount >= 1 && stationCount <= 99)) throw new DataError(where, 'stations', stationCount, 'must be 1 to 99');
  if (!(hours > 0 && hours <= 24 * 31)) throw new DataError(where, 'hours', hours, 'must be above 0, up to a month');
  if (!(meanGap >= MIN_GAP_SECONDS)) throw new DataError(where, 'meanGapSeconds', meanGap, `must be at least ${MIN_GAP_SECONDS} s`);
  if (!(localFraction >= 0 && localFraction <= 1)) throw new DataError(where, 'localFraction', localFraction, 'must be from 0 to 1');
  if (!Number.isFinite(startTime)) throw new DataError(where, 'start', start, 'not an ISO date and time');

  const length = Math.round(hours * 3600 * RATE);
  const root = new Rng(seed);
  const stations: ContinuousStation[] = [];
  const events: ContinuousEvent[] = [];
  const seeds: number[] = [];
  for (let k = 0; k < stationCount; k++) {
    stations.push({ network: 'SY', station: `ST${String(k + 1).padStart(2, '0')}`, location: '', channel: 'HHZ', samplingRate: RATE, startTime, length });
    const rng = root.fork();
    seeds.push(rng.nextUint32());
    for (
      let at = EDGE_SECONDS + uniform(rng, 0, meanGap);
      at < hours * 3600 - EDGE_SECONDS;
      at += Math.max(MIN_GAP_SECONDS, uniform(rng, 0.4, 1.6) * meanGap)
    ) {
      const sample = Math.round(at * RATE);
      const label = TASK_A_CLASSES[rng.uniform() < localFraction ? 0 : 1]!;
      events.push({ stationIndex: k, sample, time: startTime + sample / RATE, label, snr: logUniform(rng, A_SNR_RANGE[0], A_SNR_RANGE[1]) });
    }
  }
  return {
    stations,
    events,
    blocks: (stationIndex) =>
      stationBlocks(
        stations[stationIndex]!,
        events.filter((e) => e.stationIndex === stationIndex),
        seeds[stationIndex]!,
      ),
  };
}

/** A tail of an event's waveform still to be added, from `start` (sample of the trace) on. */
interface Tail {
  start: number;
  samples: Float64Array;
}

function* stationBlocks(station: ContinuousStation, events: readonly ContinuousEvent[], seed: number): Generator<Float64Array> {
  const rng = new Rng(seed);
  const noise = new StationNoise(rng.fork());
  const pre = A_PRE_SECONDS * RATE;
  const cuts = [...events.map((e) => e.sample - pre), station.length];
  const tails: Tail[] = [];
  let from = 0;
  for (let k = 0; k < cuts.length; k++) {
    const block = noise.next(cuts[k]! - from);
    const event = k > 0 ? events[k - 1] : undefined;
    if (event !== undefined) tails.push({ start: from, samples: eventWaveform(rng.fork(), event, block) });
    addTails(block, from, tails);
    for (let i = 0; i < block.length; i++) block[i] = Math.round(noise.counts * block[i]!);
    yield block;
    from = cuts[k]!;
  }
}

/**
 * The event's waveform from 5 s before its P, scaled so that the record of
 * its first 13 s over `noise` (the noise from the same time) has its SNR
 * (synthetic.ts's `scaleForSnr`).
 */
function eventWaveform(rng: Rng, event: ContinuousEvent, noise: Float64Array): Float64Array {
  const n = (A_PRE_SECONDS + EVENT_SECONDS) * RATE;
  const signal = (event.label === 'local' ? localSignal : teleseismicSignal)(rng, n, A_PRE_SECONDS);
  const record = A_TRACE_SECONDS * RATE;
  const name = `continuous event at sample ${event.sample}`;
  const linear = { normalize: null };
  const s = preprocess(signal.subarray(0, record), RATE, linear, name).samples;
  const nz = preprocess(noise.subarray(0, record), RATE, linear, name).samples;
  const alpha = scaleForSnr(s, nz, A_PRE_SECONDS * RATE, event.snr, name);
  // The end is tapered so the cut-off coda makes no step; the taper at the start falls on the zeros before P.
  const shaped = taper(signal, (A_PRE_SECONDS * RATE) / n);
  for (let i = 0; i < n; i++) shaped[i] = alpha * shaped[i]!;
  return shaped;
}

/** Adds the parts of the tails that fall in the block starting at `from`; drops tails that end in it. */
function addTails(block: Float64Array, from: number, tails: Tail[]): void {
  const end = from + block.length;
  for (let t = tails.length - 1; t >= 0; t--) {
    const tail = tails[t]!;
    const lo = Math.max(from, tail.start);
    const hi = Math.min(end, tail.start + tail.samples.length);
    for (let i = lo; i < hi; i++) block[i - from] = block[i - from]! + tail.samples[i - tail.start]!;
    if (tail.start + tail.samples.length <= end) tails.splice(t, 1);
  }
}

export interface ContinuousWriteOptions extends ContinuousOptions {
  /** Destination folder; must not exist or be empty, unless `force`. */
  out: string;
  force?: boolean;
  /** Stations written so far, of all. */
  onProgress?: (done: number, total: number) => void;
}

export interface ContinuousSummary {
  out: string;
  /** The miniSEED files, one per station. */
  files: string[];
  /** The truth: one line per event. */
  events: string;
  seed: number;
  hours: number;
  stations: number;
  labels: Record<string, number>;
  seconds: number;
}

/** Writes a station's trace, block by block, as Steim-1 records of 4096 bytes numbered on from block to block. */
async function writeStation(path: string, station: ContinuousStation, blocks: Iterable<Float64Array>): Promise<void> {
  const file = await host().files.create(path);
  try {
    let written = 0;
    let sequence = 1;
    for (const samples of blocks) {
      const trace = { ...station, startTime: station.startTime + written / station.samplingRate, samples };
      const bytes = encodeMiniSeed(trace, { encoding: 'steim1', recordLength: 4096, firstSequence: sequence }, path);
      await file.write(bytes);
      written += samples.length;
      sequence += bytes.length / 4096;
    }
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}

/** Columns of `events.csv`. */
export const CONTINUOUS_EVENT_COLUMNS = ['station', 'channel', 'pick_time', 'sample', 'label', 'snr'] as const;

/** Makes the day and writes it under `out` (see the file comment), whole or not at all. */
export async function writeContinuousDay(options: ContinuousWriteOptions): Promise<ContinuousSummary> {
  const started = performance.now();
  const day = continuousDay(options);
  const files = host().files;
  const summary: ContinuousSummary = {
    out: options.out,
    files: [],
    events: join(options.out, 'events.csv'),
    seed: options.seed ?? 0,
    hours: options.hours ?? 24,
    stations: day.stations.length,
    labels: {},
    seconds: 0,
  };
  await writeFolderWhole(options.out, options.force === true, async (staging) => {
    for (const [k, station] of day.stations.entries()) {
      const name = `${station.network}.${station.station}.${station.location}.${station.channel}.mseed`;
      await writeStation(join(staging, name), station, day.blocks(k));
      summary.files.push(join(options.out, name));
      options.onProgress?.(k + 1, day.stations.length);
    }
    const lines = [CONTINUOUS_EVENT_COLUMNS.join(',')];
    for (const e of day.events) {
      const s = day.stations[e.stationIndex]!;
      lines.push([`${s.network}.${s.station}`, s.channel, new Date(e.time * 1000).toISOString(), e.sample, e.label, e.snr.toFixed(3)].join(','));
      summary.labels[e.label] = (summary.labels[e.label] ?? 0) + 1;
    }
    await files.write(join(staging, 'events.csv'), `${lines.join('\n')}\n`);
  });
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
