/**
 * The stress set: synthetic seismograms with what real archives have and the
 * paper-calibrated set (synthetic.ts) lacks, so that a clustering which
 * follows the event, the network, the instrument or the sampling rate instead
 * of the class shows it.
 *
 * Every record belongs to an event (its own location, depth, magnitude,
 * stress drop and focal mechanism) recorded by a station of a network (its
 * own instrument, sampling rate, gain, digitiser offset, noise level,
 * cultural noise, site kappa and trace length). Records are listed event by
 * event, as an archive holds them; the P onset sits at a random offset in
 * each trace, and the pick is an analyst's (true onset plus a small error)
 * at some stations and only the project's STA/LTA estimate at others.
 *
 * Task A (local vs teleseismic):
 * - Local events M 2-4.5 (Gutenberg-Richter, b = 1), 3-25 km deep, in one
 *   of two regions, recorded by that region's networks within 150 km
 *   hypocentral distance (the paper's local range).
 * - Teleseismic events at 30-90 degrees (the paper's teleseismic range),
 *   recorded by every network: shallow (10-40 km) and deep (100-600 km)
 *   ones, moderate (M 5.5-7) and great (M 8-8.8). A regional network sees an
 *   event from nearly one distance and azimuth (so its stations share the
 *   P polarity), the global network from many.
 * - Two of the seven networks record teleseismic events only (at 20 and
 *   40 Hz, as global and temporary broadband networks do), the others both
 *   classes, so network and rate are confounded with the class for some
 *   stations, as in real archives, but not for all.
 * Task B (first-motion polarity): a sequence of small events (M 0.5-3) on
 * one fault (strikes within 20 degrees), recorded by four networks within
 * 40 km; a record's class is the sign of its P radiation (mechanism and
 * azimuth), and records are drawn so that up:down is the configured ratio
 * (3:1 by default: real polarity sets are unbalanced, compressional first
 * motions being the more often picked).
 *
 * Signal-to-noise ratios follow magnitude, distance, radiation and the
 * site: log10 SNR = a + b (M - M_ref) - c log10(distance) + 0.5 log10 |rad|
 * + site, with the site +0.3 at quiet stations and -0.4 at noisy ones.
 */

import { Rng } from '../tensor/random.js';
import { pickP } from './signal/picker.js';
import { bruneCornerHz, halfDurationSeconds, recordWaveform, type Instrument, type PathSignal, type StationResponse } from './stress-waveforms.js';
import { logUniform, uniform } from './synthetic.js';

export type StressTask = 'A' | 'B';

export interface StressOptions {
  task: StressTask;
  /** Number of records (default 2,000 for task A, 1,000 for task B). */
  records?: number;
  seed?: number;
  /** Task A: fraction of local records (default 0.5). */
  localFraction?: number;
  /** Task B: up records per down record (default 3). */
  upPerDown?: number;
}

export const STRESS_DEFAULT_RECORDS: Readonly<Record<StressTask, number>> = Object.freeze({ A: 2000, B: 1000 });

interface NetworkSpec {
  code: string;
  /** 'both' classes, or teleseismic events only. */
  records: 'both' | 'teleseismic';
  /** Region of its stations; the global network's stations are spread over the world. */
  region: 'north' | 'south' | 'sequence' | 'global' | 'array';
  stations: number;
  /** Instruments with their channel codes and the rates they are recorded at. */
  sensors: readonly { instrument: Instrument; channel: string; rates: readonly number[] }[];
  /** Trace length this deployment archives, seconds. */
  traceSeconds: number;
  noisyFraction: number;
  culturalFraction: number;
  /** Share of its records that carry an analyst's P pick. */
  analystFraction: number;
  description: string;
}

/**
 * Task A networks. Rates and channel codes follow the SEED convention (E:
 * short period at 80-250 Hz, S: short period at 10-80 Hz, B: broadband at
 * 10-80 Hz, H: broadband at 80-250 Hz, N: accelerometer).
 */
const NETWORKS_A: readonly NetworkSpec[] = [
  {
    code: 'XN',
    records: 'both',
    region: 'north',
    stations: 40,
    sensors: [{ instrument: 'short-period', channel: 'EHZ', rates: [100] }],
    traceSeconds: 90,
    noisyFraction: 0.3,
    culturalFraction: 0.3,
    analystFraction: 0.9,
    description: 'regional short-period network',
  },
  {
    code: 'XB',
    records: 'both',
    region: 'north',
    stations: 25,
    sensors: [{ instrument: 'broadband', channel: 'HHZ', rates: [100, 200] }],
    traceSeconds: 120,
    noisyFraction: 0.1,
    culturalFraction: 0.1,
    analystFraction: 0.8,
    description: 'regional broadband network',
  },
  {
    code: 'XS',
    records: 'both',
    region: 'north',
    stations: 20,
    sensors: [{ instrument: 'accelerometer', channel: 'HNZ', rates: [100, 200] }],
    traceSeconds: 60,
    noisyFraction: 0.5,
    culturalFraction: 0.7,
    analystFraction: 0.6,
    description: 'urban strong-motion network',
  },
  {
    code: 'YS',
    records: 'both',
    region: 'south',
    stations: 40,
    sensors: [
      { instrument: 'short-period', channel: 'SHZ', rates: [50] },
      { instrument: 'short-period', channel: 'EHZ', rates: [100] },
    ],
    traceSeconds: 90,
    noisyFraction: 0.3,
    culturalFraction: 0.2,
    analystFraction: 0.7,
    description: 'older short-period network',
  },
  {
    code: 'YB',
    records: 'both',
    region: 'south',
    stations: 25,
    sensors: [
      { instrument: 'broadband', channel: 'BHZ', rates: [40] },
      { instrument: 'broadband', channel: 'HHZ', rates: [100] },
    ],
    traceSeconds: 180,
    noisyFraction: 0.2,
    culturalFraction: 0.1,
    analystFraction: 0.5,
    description: 'regional broadband network',
  },
  {
    code: 'GB',
    records: 'teleseismic',
    region: 'global',
    stations: 30,
    sensors: [{ instrument: 'broadband', channel: 'BHZ', rates: [20, 40] }],
    traceSeconds: 300,
    noisyFraction: 0.1,
    culturalFraction: 0,
    analystFraction: 0.5,
    description: 'global broadband network',
  },
  {
    code: 'ZA',
    records: 'teleseismic',
    region: 'array',
    stations: 30,
    sensors: [{ instrument: 'broadband', channel: 'BHZ', rates: [40] }],
    traceSeconds: 240,
    noisyFraction: 0.2,
    culturalFraction: 0.1,
    analystFraction: 0.4,
    description: 'temporary broadband array',
  },
];

/** Task B networks, around one sequence. */
const NETWORKS_B: readonly NetworkSpec[] = [
  {
    code: 'PG',
    records: 'both',
    region: 'sequence',
    stations: 30,
    sensors: [{ instrument: 'short-period', channel: 'EHZ', rates: [200] }],
    traceSeconds: 30,
    noisyFraction: 0.1,
    culturalFraction: 0.2,
    analystFraction: 0.8,
    description: 'borehole geophone array',
  },
  {
    code: 'PB',
    records: 'both',
    region: 'sequence',
    stations: 20,
    sensors: [{ instrument: 'broadband', channel: 'HHZ', rates: [100] }],
    traceSeconds: 60,
    noisyFraction: 0.2,
    culturalFraction: 0.2,
    analystFraction: 0.7,
    description: 'regional broadband network',
  },
  {
    code: 'PA',
    records: 'both',
    region: 'sequence',
    stations: 15,
    sensors: [{ instrument: 'accelerometer', channel: 'HNZ', rates: [100, 200] }],
    traceSeconds: 40,
    noisyFraction: 0.5,
    culturalFraction: 0.6,
    analystFraction: 0.5,
    description: 'strong-motion network',
  },
  {
    code: 'PS',
    records: 'both',
    region: 'sequence',
    stations: 20,
    sensors: [{ instrument: 'short-period', channel: 'SHZ', rates: [50] }],
    traceSeconds: 60,
    noisyFraction: 0.3,
    culturalFraction: 0.3,
    analystFraction: 0.6,
    description: 'short-period network',
  },
];

/** Region centres (km, on a local plane) and the half-width of their station boxes. */
const REGIONS = { north: { x: 0, y: 0, half: 80 }, south: { x: 400, y: 0, half: 80 }, sequence: { x: 0, y: 0, half: 25 } } as const;
/** The paper's local range: hypocentral distance below 150 km; task B's sequence is recorded within 40 km. */
const LOCAL_MAX_KM = 150;
const SEQUENCE_MAX_KM = 40;
const KM_PER_DEGREE = 111.19;

export interface StressStation {
  network: string;
  code: string;
  channel: string;
  /** Data set of its records: one per network (deployment). */
  dataset: string;
  networkDescription: string;
  response: StationResponse;
  region: NetworkSpec['region'];
  x: number;
  y: number;
  /** log10 SNR term of the site: +0.3 quiet, 0 ordinary, -0.4 noisy. */
  site: number;
  traceSeconds: number;
  analystFraction: number;
}

export type StressEventKind = 'local' | 'teleseismic';

export interface StressEvent {
  id: string;
  /** Origin time, ISO 8601 (UTC). */
  time: string;
  kind: StressEventKind;
  depthKm: number;
  magnitude: number;
  stressDropMPa: number;
  /** Focal mechanism as the P radiation pattern's terms (see radiation). */
  strikeDeg: number;
  mechanism: readonly [number, number, number];
  /** Local events: position on the region's plane (km). */
  x: number;
  y: number;
  region: 'north' | 'south' | 'sequence' | 'teleseismic';
  /** Teleseismic: t* of the event's P (s), coda level and decay, great earthquake's growth time. */
  tStar: number;
  coda: number;
  codaDecay: number;
  growthSeconds?: number;
}

/** One record of the set: its event, its station, and where everything is in its trace. */
export interface StressRecord {
  /** Path in the archive: <event id>/<net>.<sta>..<cha>.SAC */
  path: string;
  label: string;
  event: StressEvent;
  station: StressStation;
  samplingRate: number;
  samples: Float32Array;
  /** True P onset (sample at the station's rate). */
  onsetSample: number;
  /** Analyst's P pick, where the deployment has one (sample). */
  analystPick: number | undefined;
  /** The project's STA/LTA estimate on the raw trace (sample), undefined where nothing triggered. */
  estimatedPick: number | undefined;
  /** Local events: the S arrival (sample), where it falls in the trace and the record has analyst picks. */
  sArrivalSample: number | undefined;
  epicentralKm: number;
  /** Local events only. */
  hypocentralKm: number | undefined;
  /** Teleseismic events only: great-circle distance (degrees). */
  distanceDeg: number | undefined;
  /** Time of the first sample after the origin (s). */
  startAfterOrigin: number;
}

export interface StressSet {
  task: StressTask;
  events: readonly StressEvent[];
  stations: readonly StressStation[];
  /** Number of records `records()` yields. */
  count: number;
  /** The records, in archive order (event by event), synthesised one at a time. */
  records(): Generator<StressRecord>;
}

interface Assignment {
  event: StressEvent;
  station: StressStation;
  label: string;
  path: PathGeometry;
  seed: number;
}

interface PathGeometry {
  epicentralKm: number;
  hypocentralKm: number | undefined;
  distanceDeg: number | undefined;
  radiation: number;
}

/** Plans the whole set (events, stations, which station records which event); waveforms come later, one by one. */
export function stressSet(options: StressOptions): StressSet {
  const task = options.task;
  const n = options.records ?? STRESS_DEFAULT_RECORDS[task];
  if (!Number.isInteger(n) || n < 2) throw new Error(`stressSet: records must be an integer >= 2, got ${n}`);
  const rng = new Rng(options.seed ?? 0);
  const stations = buildStations(rng.fork(), task === 'A' ? NETWORKS_A : NETWORKS_B);
  const assignments =
    task === 'A' ? assignTaskA(rng.fork(), stations, n, options.localFraction ?? 0.5) : assignTaskB(rng.fork(), stations, n, options.upPerDown ?? 3);
  const events = [...new Set(assignments.map((a) => a.event))];
  return {
    task,
    events,
    stations,
    count: assignments.length,
    *records() {
      for (const a of assignments) yield synthesise(a);
    },
  };
}

function buildStations(rng: Rng, networks: readonly NetworkSpec[]): StressStation[] {
  const stations: StressStation[] = [];
  for (const net of networks) {
    for (let k = 0; k < net.stations; k++) {
      const sensor = net.sensors[rng.int(net.sensors.length)]!;
      const region = net.region === 'global' || net.region === 'array' ? undefined : REGIONS[net.region];
      const noisy = rng.uniform() < net.noisyFraction;
      const quiet = !noisy && rng.uniform() < 0.3;
      stations.push({
        network: net.code,
        code: `${net.code[0]}${String(k + 1).padStart(3, '0')}`,
        channel: sensor.channel,
        dataset: `stress-${net.code}`,
        networkDescription: net.description,
        response: {
          instrument: sensor.instrument,
          samplingRate: sensor.rates[rng.int(sensor.rates.length)]!,
          // Counts per unit of motion spread over four orders of magnitude (sensor sensitivity times digitiser gain).
          gain: logUniform(rng, 1e2, 1e6),
          offset: uniform(rng, -2000, 2000),
          culturalHz: rng.uniform() < net.culturalFraction ? uniform(rng, 1, 10) : undefined,
          kappa: uniform(rng, 0.01, 0.06),
        },
        region: net.region,
        x: region ? region.x + uniform(rng, -region.half, region.half) : 0,
        y: region ? region.y + uniform(rng, -region.half, region.half) : 0,
        site: noisy ? -0.4 : quiet ? 0.3 : 0,
        traceSeconds: net.traceSeconds,
        analystFraction: net.analystFraction,
      });
    }
  }
  return stations;
}

/** Magnitude from a Gutenberg-Richter distribution (b = 1) truncated to [lo, hi]. */
function gutenbergRichter(rng: Rng, lo: number, hi: number): number {
  return lo - Math.log10(1 - rng.uniform() * (1 - 10 ** -(hi - lo)));
}

/** A random mechanism: weights of the two-lobed (strike-slip), one-lobed (dip-slip) and isotropic-looking terms. */
function mechanism(rng: Rng): readonly [number, number, number] {
  const theta = uniform(rng, 0, Math.PI / 2);
  const psi = uniform(rng, 0, 2 * Math.PI);
  return [Math.cos(theta), Math.sin(theta) * Math.cos(psi), 0.5 * Math.sin(theta) * Math.sin(psi)];
}

/** Signed P radiation towards an azimuth, kept away from exactly zero (a node is never perfectly sampled). */
function radiation(event: StressEvent, azimuthDeg: number): number {
  const a = ((azimuthDeg - event.strikeDeg) * Math.PI) / 180;
  const [m2, m1, m0] = event.mechanism;
  const r = m2 * Math.sin(2 * a) + m1 * Math.cos(a) + m0;
  const clipped = Math.max(0.05, Math.min(1, Math.abs(r)));
  return r < 0 ? -clipped : clipped;
}

/** Origin times of a set's events, in the order they are made: 1-60 days apart from 2021 on. */
class Catalogue {
  private elapsedMs = 0;
  constructor(private readonly rng: Rng) {}

  nextOrigin(): string {
    this.elapsedMs += Math.round(uniform(this.rng, 1, 60) * 86400e3);
    return new Date(Date.UTC(2021, 0, 1) + this.elapsedMs).toISOString().replace('Z', '');
  }
}

function eventId(time: string): string {
  return time.replace(/[-T:.]/g, '');
}

function localEvent(rng: Rng, catalogue: Catalogue, region: 'north' | 'south' | 'sequence', magnitudes: [number, number], strike?: number): StressEvent {
  const centre = REGIONS[region];
  const spread = region === 'sequence' ? 5 : 40;
  const time = catalogue.nextOrigin();
  return {
    id: eventId(time),
    time,
    kind: 'local',
    depthKm: region === 'sequence' ? uniform(rng, 2, 12) : uniform(rng, 3, 25),
    magnitude: round1(gutenbergRichter(rng, magnitudes[0], magnitudes[1])),
    stressDropMPa: logUniform(rng, 1, 10),
    strikeDeg: strike ?? uniform(rng, 0, 360),
    mechanism: mechanism(rng),
    x: centre.x + uniform(rng, -spread, spread),
    y: centre.y + uniform(rng, -spread, spread),
    region,
    tStar: 0,
    coda: uniform(rng, 0.1, 0.4),
    codaDecay: uniform(rng, 0.3, 3),
  };
}

/**
 * A teleseismic event. The first is great and shallow, the second deep, so
 * every set has both; the rest are deep with probability 0.3 and great with
 * probability 0.2. Deep events: less attenuation (t* 0.3-0.6 s against
 * 0.8-1.2 s) and weaker coda (little scattering near the source).
 */
function teleseismicEvent(rng: Rng, catalogue: Catalogue, index: number): StressEvent {
  const deep = index === 1 || (index > 1 && rng.uniform() < 0.3);
  const great = index === 0 || (index > 1 && !deep && rng.uniform() < 0.2);
  const time = catalogue.nextOrigin();
  return {
    id: eventId(time),
    time,
    kind: 'teleseismic',
    depthKm: deep ? uniform(rng, 100, 600) : uniform(rng, 10, 40),
    magnitude: round1(great ? uniform(rng, 8, 8.8) : gutenbergRichter(rng, 5.5, 7)),
    stressDropMPa: logUniform(rng, 1, 10),
    strikeDeg: uniform(rng, 0, 360),
    mechanism: mechanism(rng),
    x: 0,
    y: 0,
    region: 'teleseismic',
    tStar: deep ? uniform(rng, 0.3, 0.6) : uniform(rng, 0.8, 1.2),
    coda: deep ? uniform(rng, 0.01, 0.05) : uniform(rng, 0.05, 0.2),
    codaDecay: deep ? uniform(rng, 5, 15) : uniform(rng, 10, 40),
    ...(great && { growthSeconds: uniform(rng, 20, 60) }),
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Splits `total` records over `events` with uneven shares (0.4-1.6 of the mean), as real events differ in how many stations saw them. */
function shares(rng: Rng, events: number, total: number): number[] {
  const weights = Array.from({ length: events }, () => uniform(rng, 0.4, 1.6));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((w / sum) * total));
  let left = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % events, left--) counts[i]!++;
  return counts;
}

/** The geometry of a local event-station pair. */
function localPath(event: StressEvent, station: StressStation): PathGeometry {
  const dx = station.x - event.x;
  const dy = station.y - event.y;
  const epicentralKm = Math.hypot(dx, dy);
  const azimuth = (Math.atan2(dx, dy) * 180) / Math.PI;
  return { epicentralKm, hypocentralKm: Math.hypot(epicentralKm, event.depthKm), distanceDeg: undefined, radiation: radiation(event, azimuth) };
}

/** Events added after the planned ones to take local records that found no station; more means the networks cannot hold the records asked for. */
const MAX_EXTRA_LOCAL_EVENTS = 100;

function assignTaskA(rng: Rng, stations: readonly StressStation[], n: number, localFraction: number): Assignment[] {
  if (!(localFraction > 0 && localFraction < 1)) throw new Error(`stressSet: localFraction must be in (0, 1), got ${localFraction}`);
  const nLocal = Math.max(1, Math.round(n * localFraction));
  const nTele = n - nLocal;
  const out: Assignment[] = [];
  const catalogue = new Catalogue(rng.fork());

  // About 45 records per local event and 70 per teleseismic one: 38 events at the default 2,000 records.
  const localCounts = shares(rng, Math.max(2, Math.round(nLocal / 45)), nLocal);
  let spill = 0;
  const recordLocal = (count: number, k: number): void => {
    const event = localEvent(rng, catalogue, k % 2 === 0 ? 'north' : 'south', [2, 4.5]);
    const near = stations
      .filter((s) => s.region === event.region)
      .map((station) => ({ station, path: localPath(event, station) }))
      .filter((p) => p.path.hypocentralKm! < LOCAL_MAX_KM);
    const chosen = pick(rng, near, count + spill);
    spill = count + spill - chosen.length;
    for (const c of chosen) out.push({ event, station: c.station, label: 'local', path: c.path, seed: rng.nextUint32() });
  };
  localCounts.forEach(recordLocal);
  // An event near the edge of its network reaches few stations; the records it could not take go to further events.
  for (let k = localCounts.length; spill > 0; k++) {
    if (k >= localCounts.length + MAX_EXTRA_LOCAL_EVENTS) throw new Error(`stressSet: ${spill} local records found no station within ${LOCAL_MAX_KM} km`);
    recordLocal(0, k);
  }

  const teleCounts = shares(rng, Math.max(2, Math.round(nTele / 70)), nTele);
  teleCounts.forEach((count, k) => {
    const event = teleseismicEvent(rng, catalogue, k);
    // A regional network sees the event from one distance and azimuth; the global network's stations from anywhere.
    const view = new Map<string, { deg: number; az: number }>();
    const paths = stations.map((station) => {
      const key = station.region === 'global' ? `${station.network}.${station.code}` : station.region;
      if (!view.has(key)) view.set(key, { deg: station.region === 'global' ? uniform(rng, 30, 90) : uniform(rng, 33, 87), az: uniform(rng, 0, 360) });
      const v = view.get(key)!;
      const deg = station.region === 'global' ? v.deg : Math.min(90, Math.max(30, v.deg + 1.5 * rng.normal()));
      const az = station.region === 'global' ? v.az : v.az + 2 * rng.normal();
      const path: PathGeometry = { epicentralKm: deg * KM_PER_DEGREE, hypocentralKm: undefined, distanceDeg: deg, radiation: radiation(event, az) };
      return { station, path };
    });
    for (const c of pick(rng, paths, count)) out.push({ event, station: c.station, label: 'teleseismic', path: c.path, seed: rng.nextUint32() });
  });
  return out;
}

/**
 * Task B: events of one sequence until both polarity pools are large enough,
 * then the configured numbers of up and down records drawn from them.
 */
function assignTaskB(rng: Rng, stations: readonly StressStation[], n: number, upPerDown: number): Assignment[] {
  if (!(upPerDown > 0 && Number.isFinite(upPerDown))) throw new Error(`stressSet: upPerDown must be a positive number, got ${upPerDown}`);
  const nUp = Math.round((n * upPerDown) / (upPerDown + 1));
  const nDown = n - nUp;
  if (nUp < 1 || nDown < 1) throw new Error(`stressSet: ${n} records at ${upPerDown}:1 leave a class empty`);
  const catalogue = new Catalogue(rng.fork());
  const faultStrike = uniform(rng, 0, 360);
  const up: Assignment[] = [];
  const down: Assignment[] = [];
  while (up.length < nUp || down.length < nDown) {
    const event = localEvent(rng, catalogue, 'sequence', [0.5, 3], faultStrike + uniform(rng, -20, 20));
    for (const station of stations) {
      const path = localPath(event, station);
      if (path.hypocentralKm! >= SEQUENCE_MAX_KM) continue;
      const label = path.radiation > 0 ? 'up' : 'down';
      (label === 'up' ? up : down).push({ event, station, label, path, seed: 0 });
    }
  }
  const chosen = [...pick(rng, up, nUp), ...pick(rng, down, nDown)];
  // Archive order: by event (in time order), then station, as they were made.
  const order = new Map<Assignment, number>([...up, ...down].map((a, i) => [a, i]));
  chosen.sort((a, b) => order.get(a)! - order.get(b)!);
  for (const a of chosen) a.seed = rng.nextUint32();
  return chosen;
}

/** Up to `count` items drawn without replacement, in their original order. */
function pick<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const perm = rng.permutation(items.length);
  const keep = Array.from(perm.subarray(0, Math.min(count, items.length))).sort((a, b) => a - b);
  return keep.map((i) => items[i]!);
}

/** Teleseismic P travel time (s) at a distance (degrees), interpolated from iasp91 (surface focus). */
function pTravelTime(deg: number): number {
  const table: readonly (readonly [number, number])[] = [
    [30, 371],
    [40, 462],
    [50, 539],
    [60, 608],
    [70, 670],
    [80, 725],
    [90, 775],
  ];
  for (let i = 1; i < table.length; i++) {
    const [d1, t1] = table[i]!;
    const [d0, t0] = table[i - 1]!;
    if (deg <= d1) return t0 + ((deg - d0) / (d1 - d0)) * (t1 - t0);
  }
  return table[table.length - 1]![1];
}

/** log10 SNR of a record (file comment): magnitude, distance, radiation, site, and scatter. */
function snrOf(rng: Rng, a: Assignment): number {
  const { event, station, path } = a;
  const radiationTerm = 0.5 * Math.log10(Math.abs(path.radiation));
  let log10Snr: number;
  if (event.region === 'sequence') {
    // Polarities are read on the clearer records of small events at short distances.
    log10Snr = 1.2 + 0.8 * (event.magnitude - 1.5) - 1.2 * Math.log10(path.hypocentralKm! / 10);
  } else if (event.kind === 'local') {
    log10Snr = 1.3 + 0.8 * (event.magnitude - 2.5) - 1.0 * Math.log10(path.hypocentralKm! / 20);
  } else {
    // A great earthquake's first seconds are its nucleation, as weak as a moderate event's P.
    const m = event.growthSeconds === undefined ? Math.min(event.magnitude, 7.5) : 6.5;
    log10Snr = 1.0 + 0.6 * (m - 6) - (0.3 * (path.distanceDeg! - 30)) / 60;
  }
  log10Snr += radiationTerm + station.site + 0.15 * rng.normal();
  return Math.min(300, Math.max(1.2, 10 ** log10Snr));
}

function pathSignal(rng: Rng, a: Assignment): PathSignal {
  const { event, path } = a;
  const cornerHz = bruneCornerHz(event.magnitude, event.stressDropMPa);
  if (event.kind === 'local') {
    // Q 100-600 along a path at 6 km/s.
    const tStar = path.hypocentralKm! / (6 * logUniform(rng, 100, 600));
    return { kind: 'local', radiation: path.radiation, cornerHz, tStar, sMinusP: path.hypocentralKm! / 8, coda: event.coda, codaDecay: event.codaDecay };
  }
  // pP and sP: reflected at the free surface, signs set by the mechanism's radiation up-going, here drawn per event and station.
  const depthPhases = [
    { delay: 0.22 * event.depthKm, amplitude: -uniform(rng, 0.3, 1) },
    { delay: 0.32 * event.depthKm, amplitude: (rng.uniform() < 0.5 ? -1 : 1) * uniform(rng, 0.2, 0.8) },
  ];
  return {
    kind: 'teleseismic',
    radiation: path.radiation,
    cornerHz,
    tStar: Math.max(0.1, event.tStar + 0.05 * rng.normal()),
    halfDuration: halfDurationSeconds(event.magnitude),
    ...(event.growthSeconds !== undefined && { growthSeconds: event.growthSeconds }),
    depthPhases,
    coda: event.coda,
    codaDecay: event.codaDecay,
  };
}

/** Pick error (s, standard deviation) of an analyst: sharp local onsets vs emergent teleseismic ones. */
function analystErrorSeconds(event: StressEvent): number {
  if (event.kind === 'local') return 0.02;
  return event.growthSeconds === undefined ? 0.1 : 0.5;
}

function synthesise(a: Assignment): StressRecord {
  const rng = new Rng(a.seed);
  const { event, station } = a;
  const rate = station.response.samplingRate;
  // P somewhere in the trace, leaving 10 s before it (the picker's and the SNR's noise windows) and
  // after it 15 s for task B, 28 s for local events (an S wave mistaken for P still has its 6 s window
  // inside the trace) and 90 s for teleseismic ones (a great earthquake's P train lasts a minute or more).
  const after = event.region === 'sequence' ? 15 : event.kind === 'local' ? 28 : 90;
  const onsetSeconds = uniform(rng, 10, Math.max(10, station.traceSeconds - after));
  const signal = pathSignal(rng, a);
  const { samples, onsetSample } = recordWaveform(rng, {
    path: signal,
    station: station.response,
    traceSeconds: station.traceSeconds,
    onsetSeconds,
    snr: snrOf(rng, a),
  });
  const estimatedPick = pickP(Float64Array.from(samples), rate);
  // An analyst picks at the deployment's rate; a record the picker misses is always picked by hand.
  const analyst = rng.uniform() < station.analystFraction || estimatedPick === undefined;
  const clamp = (s: number): number => Math.min(samples.length - 1, Math.max(0, s));
  const analystPick = analyst ? clamp(Math.round((onsetSeconds + analystErrorSeconds(event) * rng.normal()) * rate)) : undefined;
  const sSample = signal.sMinusP === undefined ? undefined : Math.round((onsetSeconds + signal.sMinusP) * rate);
  const travel = event.kind === 'local' ? a.path.hypocentralKm! / 6 : pTravelTime(a.path.distanceDeg!);
  return {
    path: `${event.id}/${station.network}.${station.code}..${station.channel}.SAC`,
    label: a.label,
    event,
    station,
    samplingRate: rate,
    samples,
    onsetSample,
    analystPick,
    estimatedPick,
    sArrivalSample: analyst && sSample !== undefined && sSample < samples.length ? sSample : undefined,
    epicentralKm: a.path.epicentralKm,
    hypocentralKm: a.path.hypocentralKm,
    distanceDeg: a.path.distanceDeg,
    startAfterOrigin: travel - onsetSeconds,
  };
}
