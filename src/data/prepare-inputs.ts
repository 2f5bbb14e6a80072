/**
 * Which records `prepare` reads (prepare.ts's comment lists the formats): the
 * traces a manifest lists, or those of seismogram files and folders, each as
 * a RawRecord — the vertical component at its own rate, with the pick, label
 * and groupings its input gives — or as an unreadable item naming the file.
 * Records come one at a time, so an archive larger than memory streams.
 */
import { DataError } from '../common/errors.js';
import { dirname, extname, join } from '../common/path.js';
import type { PathKind } from '../host/files.js';
import { host } from '../host/host.js';
import { manifestGroups } from './groups.js';
import {
  detectFormat,
  iterateManifestTraces,
  iterateSeisBenchTraces,
  npyToFloat64,
  openHdf5,
  readMiniSeed,
  readNpy,
  readNpz,
  readSac,
  type Hdf5Trace,
  type Hdf5Waveforms,
  type MiniSeedGap,
  type NpyArray,
  type NpyNumericArray,
  type SacTrace,
  type SeisBenchTrace,
} from './readers/index.js';
import type { RawRecord } from './prepare-record.js';

/** A gap (or, with negative `seconds`, an overlap) between two segments of a miniSEED trace. */
export interface PrepareGap extends MiniSeedGap {
  /** `file#NET.STA.LOC.CHA` */
  id: string;
}

/** A record to prepare, or a file or trace that could not be read. */
export type Item = { kind: 'record'; record: RawRecord } | { kind: 'unreadable'; id: string; error: DataError };

/** What reading the files needs from the options, and where it reports miniSEED gaps. */
export interface InputContext {
  /** `options.samplingRate`, for files that carry no rate. */
  samplingRate: number | undefined;
  gaps: PrepareGap[];
}

/** The manifest, when the inputs are exactly one `.csv` file. */
export function manifestInput(inputs: string[]): string | undefined {
  const csv = inputs.filter((p) => extname(p).toLowerCase() === '.csv');
  if (csv.length === 0) return undefined;
  if (inputs.length > 1) {
    throw new DataError(csv[0]!, 'inputs', inputs.length, 'a manifest must be the only input (it lists every trace itself)');
  }
  return csv[0];
}

export async function* manifestItems(manifest: string, groupColumns: readonly string[]): AsyncGenerator<Item> {
  for await (const trace of iterateManifestTraces(manifest)) {
    const record: RawRecord = {
      id: trace.id,
      file: `${manifest}:${trace.meta.line}`,
      samples: trace.samples,
      samplingRate: trace.samplingRate,
    };
    if (trace.pArrivalSample !== undefined && trace.pPickSource !== 'none') {
      const field = trace.pPickSource === 'pick' ? 'p_arrival_sample' : 'p_arrival_sample_estimated';
      record.pick = { sample: trace.pArrivalSample, source: trace.pPickSource, field };
    }
    if (trace.label !== undefined) record.label = trace.label;
    const groups = manifestGroups(trace.meta, groupColumns);
    if (Object.keys(groups).length > 0) record.groups = groups;
    yield { kind: 'record', record };
  }
}

/**
 * The files to read, in a stable order: named files as given, folders
 * recursed in name order, keeping the files recognised as a seismogram format
 * (hidden files are passed over).
 */
export async function collectFiles(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const name of await host().files.list(folder)) {
      if (name.startsWith('.')) continue;
      const path = join(folder, name);
      const kind = await host().files.kind(path);
      if (kind === 'folder') await walk(path);
      else if (kind === 'file' && (await isSeismogram(path))) files.push(path);
    }
  };
  for (const input of inputs) {
    let kind: PathKind | null;
    try {
      kind = await host().files.kind(input);
    } catch {
      kind = null;
    }
    if (kind === null) throw new DataError(input, 'inputs', input, 'no such file or folder');
    if (kind === 'folder') await walk(input);
    else files.push(input);
  }
  return files;
}

async function isSeismogram(path: string): Promise<boolean> {
  try {
    await detectFormat(path);
    return true;
  } catch (error) {
    if (error instanceof DataError) return false;
    throw error;
  }
}

/** Reader errors mark the file (or trace) unreadable; anything else is not about the data and propagates. */
function unreadable(id: string, error: unknown): Item {
  if (error instanceof DataError) return { kind: 'unreadable', id, error };
  throw error;
}

export async function* fileItems(files: string[], context: InputContext): AsyncGenerator<Item> {
  for (const file of files) {
    let format: Awaited<ReturnType<typeof detectFormat>>;
    try {
      format = await detectFormat(file);
    } catch (error) {
      yield unreadable(file, error);
      continue;
    }
    if (format === 'hdf5') {
      yield* hdf5Items(file, context);
      continue;
    }
    // A missing sampling rate is asked of the caller before reading: it is no fault of the file.
    let read: () => Promise<RawRecord[]>;
    switch (format) {
      case 'sac':
        read = async () => [sacRecord(file, await readSac(file))];
        break;
      case 'mseed':
        read = () => miniSeedRecords(file, context);
        break;
      case 'npz': {
        const rate = requireRate(file, context);
        read = async () => [npzRecord(file, await readNpz(file), rate)];
        break;
      }
      case 'npy': {
        const rate = requireRate(file, context);
        read = async () => npyRecords(file, await readNpy(file), rate);
        break;
      }
    }
    let records: RawRecord[];
    try {
      records = await read();
    } catch (error) {
      yield unreadable(file, error);
      continue;
    }
    for (const record of records) yield { kind: 'record', record };
  }
}

/** `options.samplingRate`, for a file that carries no rate of its own. */
function requireRate(file: string, context: InputContext): number {
  if (context.samplingRate === undefined) {
    throw new DataError(file, 'sampling rate', '', 'the file carries no sampling rate: give one with --sampling-rate (option samplingRate)');
  }
  return context.samplingRate;
}

/** SAC's pick markers and their phase names. */
const SAC_PICKS = [
  ['t0', 'kt0'],
  ['t1', 'kt1'],
  ['t2', 'kt2'],
  ['t3', 'kt3'],
  ['t4', 'kt4'],
  ['t5', 'kt5'],
  ['t6', 'kt6'],
  ['t7', 'kt7'],
  ['t8', 'kt8'],
  ['t9', 'kt9'],
] as const;

function sacRecord(file: string, sac: SacTrace): RawRecord {
  const record: RawRecord = { id: file, file, samples: sac.samples, samplingRate: sac.samplingRate };
  const { header } = sac;
  const groups = stationGroups(header.knetwk, header.kstnm);
  if (groups !== undefined) record.groups = groups;
  let pick: { time: number; field: string } | undefined;
  if (header.a !== undefined && (header.ka === undefined || header.ka.startsWith('P'))) pick = { time: header.a, field: 'a' };
  for (let n = 0; n < SAC_PICKS.length && pick === undefined; n++) {
    const [timeField, phaseField] = SAC_PICKS[n]!;
    const time = header[timeField];
    if (time !== undefined && header[phaseField]?.startsWith('P')) pick = { time, field: timeField };
  }
  // SAC times are seconds on the file's reference clock; the first sample is at `b`.
  if (pick !== undefined) record.pick = { sample: (pick.time - header.b) * sac.samplingRate, source: 'pick', field: pick.field };
  return record;
}

/** A file header's network and station codes as groupings (blank codes left out). */
function stationGroups(network: string | undefined, station: string | undefined): Record<string, string> | undefined {
  const groups: Record<string, string> = {};
  if (network !== undefined && network.trim() !== '') groups.network = network.trim();
  if (station !== undefined && station.trim() !== '') groups.station = station.trim();
  return Object.keys(groups).length > 0 ? groups : undefined;
}

async function miniSeedRecords(file: string, context: InputContext): Promise<RawRecord[]> {
  const traces = await readMiniSeed(file);
  const vertical = traces.filter((t) => t.channel.endsWith('Z'));
  const records: RawRecord[] = [];
  for (const trace of vertical.length > 0 ? vertical : traces) {
    for (const gap of trace.gaps) context.gaps.push({ id: `${file}#${trace.id}`, ...gap });
    trace.segments.forEach((segment, k) => {
      const name = trace.segments.length === 1 ? trace.id : `${trace.id}[${k}]`;
      const groups = stationGroups(trace.network, trace.station);
      records.push({ id: `${file}#${name}`, file, trace: name, samples: segment.samples, samplingRate: trace.samplingRate, ...(groups && { groups }) });
    });
  }
  return records;
}

function numericMember(arrays: Map<string, NpyArray>, file: string, name: string): NpyNumericArray | undefined {
  const array = arrays.get(name);
  if (array !== undefined && array.kind !== 'numeric') throw new DataError(file, name, array.dtype, 'not a numeric array');
  return array;
}

function npzRecord(file: string, arrays: Map<string, NpyArray>, samplingRate: number): RawRecord {
  const data = numericMember(arrays, file, 'data');
  if (data === undefined) {
    throw new DataError(file, 'data', '', `a PhaseNet-style npz needs a "data" array (it has ${[...arrays.keys()].join(', ')})`);
  }
  const values = npyToFloat64(data, file, 'data');
  let samples: Float64Array;
  if (data.shape.length === 1) samples = values;
  else if (data.shape.length === 2) {
    const [length, count] = data.shape as [number, number];
    const channels = arrays.get('channels');
    // PhaseNet names the columns in one string, "HHE_HHN_HHZ"; single-channel files name one and pad it into column 2.
    const names = channels?.kind === 'string' && channels.data.length === 1 ? (channels.data[0] as string).split('_') : [];
    let column = names.length === count ? names.findIndex((c) => c.endsWith('Z')) : -1;
    if (column < 0 && count === 3) column = 2;
    if (column < 0 && count === 1) column = 0;
    if (column < 0) {
      throw new DataError(file, 'data shape', data.shape, 'cannot tell which column is vertical (no Z in "channels", not 3 columns)');
    }
    samples = new Float64Array(length);
    for (let i = 0; i < length; i++) samples[i] = values[i * count + column]!;
  } else {
    throw new DataError(file, 'data shape', data.shape, 'expected samples, or samples x components');
  }
  const record: RawRecord = { id: file, file, samples, samplingRate };
  const itp = numericMember(arrays, file, 'itp');
  if (itp !== undefined) {
    const pick = npyToFloat64(itp, file, 'itp');
    if (pick.length !== 1) throw new DataError(file, 'itp shape', itp.shape, 'expected one P sample');
    record.pick = { sample: pick[0]!, source: 'pick', field: 'itp' };
  }
  return record;
}

function npyRecords(file: string, array: NpyArray, samplingRate: number): RawRecord[] {
  if (array.kind !== 'numeric') throw new DataError(file, 'dtype', array.dtype, 'not a numeric array');
  const values = npyToFloat64(array, file, 'array');
  if (array.shape.length === 1) return [{ id: file, file, samples: values, samplingRate }];
  if (array.shape.length !== 2) {
    throw new DataError(file, 'shape', array.shape, 'a bare .npy must hold one trace (L) or traces x samples (N x L)');
  }
  const [count, length] = array.shape as [number, number];
  return Array.from({ length: count }, (_, r) => ({
    id: `${file}[${r}]`,
    file,
    trace: `[${r}]`,
    samples: values.subarray(r * length, (r + 1) * length),
    samplingRate,
  }));
}

/** An HDF5 file's traces, one at a time: a STEAD archive can be far larger than memory. */
async function* hdf5Items(file: string, context: InputContext): AsyncGenerator<Item> {
  let h5: Hdf5Waveforms;
  let keys: string[];
  try {
    h5 = await openHdf5(file);
  } catch (error) {
    yield unreadable(file, error);
    return;
  }
  try {
    try {
      keys = h5.traceKeys();
      if (keys.length === 0 && h5.bucketNames().length === 0) {
        throw new DataError(file, 'datasets', 0, 'no waveform datasets and no SeisBench buckets');
      }
    } catch (error) {
      yield unreadable(file, error);
      return;
    }
    for (const key of keys) {
      let trace: Hdf5Trace;
      let samples: Float64Array;
      try {
        trace = h5.readTrace(key);
        samples = verticalComponent(trace, file);
      } catch (error) {
        yield unreadable(`${file}#${key}`, error);
        continue;
      }
      const samplingRate = trace.samplingRate ?? requireRate(file, context);
      const record: RawRecord = { id: `${file}#${key}`, file, trace: key, samples, samplingRate };
      const pick = trace.attributes.p_arrival_sample;
      // STEAD writes "None" (a string) where a trace has no pick, e.g. noise records.
      if (typeof pick === 'number') record.pick = { sample: pick, source: 'pick', field: 'p_arrival_sample' };
      yield { kind: 'record', record };
    }
  } finally {
    h5.close();
  }
  // No per-trace datasets: a SeisBench file, whose traces its metadata.csv lists.
  if (keys.length === 0) yield* seisBenchItems(file, context);
}

async function* seisBenchItems(file: string, context: InputContext): AsyncGenerator<Item> {
  const traces = iterateSeisBenchTraces(join(dirname(file), 'metadata.csv'), file);
  for (;;) {
    let next: IteratorResult<SeisBenchTrace>;
    let samples: Float64Array;
    try {
      next = await traces.next();
      if (next.done) return;
      samples = verticalComponent(next.value, file);
    } catch (error) {
      // The metadata iterator cannot go on after an error: the rest of the file is unreadable.
      yield unreadable(file, error);
      return;
    }
    const trace = next.value;
    const samplingRate = trace.samplingRate ?? requireRate(file, context);
    const record: RawRecord = { id: `${file}#${trace.key}`, file, trace: trace.key, samples, samplingRate };
    const pick = trace.metadata.trace_p_arrival_sample?.trim();
    if (pick) record.pick = { sample: Number(pick), source: 'pick', field: 'trace_p_arrival_sample' };
    yield { kind: 'record', record };
  }
}

/** The Z of `componentOrder`, else column 2 of three (STEAD's E, N, Z), else the only one. */
function verticalComponent(trace: Hdf5Trace, file: string): Float64Array {
  const { components } = trace;
  const z = trace.componentOrder?.indexOf('Z') ?? -1;
  const index = z >= 0 ? z : components.length === 3 ? 2 : components.length === 1 ? 0 : -1;
  const samples = components[index];
  if (samples === undefined) {
    throw new DataError(file, `${trace.key} components`, components.length, 'cannot tell which component is vertical (no component_order)');
  }
  return samples;
}
