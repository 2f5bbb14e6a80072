/**
 * Manifests: CSV files that list traces with their labels and P picks, in the
 * format of `../shared/data/real/<task>/manifest.csv`, plus SeisBench's
 * `metadata.csv` (which lists the traces of a bucketed HDF5 file).
 *
 * A manifest row names a file (relative to the manifest's folder), its
 * format and, inside it, the trace:
 * - `sac`: the file is the trace.
 * - `mseed`: `trace_key` is the NET.STA.LOC.CHA id (may be empty when the
 *   file holds one trace); the trace must have no gaps.
 * - `npz` / `npy`: `trace_key` is the npz member (`data`), optionally with a
 *   row index for stacked arrays: `data[12]` (npz) or `[12]` (npy). The
 *   selected array is samples (L) or samples x components (L x C).
 * - `hdf5`: `trace_key` is a dataset path (STEAD layout) or a SeisBench
 *   bucket reference (`bucket0$3,:3,:6000`).
 * `component_index` picks the vertical component of a multi-component trace.
 *
 * Rows keep the CSV's own column names (snake_case), so a row reads like the
 * file; empty cells are `undefined`. What the file says is checked against
 * what the row says (sampling rate, npts, channel) and a P pick must fall
 * inside the trace: a disagreement is an error naming the manifest line, the
 * column and the value, never a silent preference for one side.
 */
import { dirname, isAbsolute, join } from '../../common/path.js';
import { DataError } from '../../common/errors.js';
import { readRegularText, regularFileSize } from '../files.js';
import { Hdf5Waveforms, openHdf5, type Hdf5Trace } from './hdf5.js';
import { readMiniSeed, type MiniSeedTrace } from './miniseed.js';
import { npyToFloat64, readNpy, readNpz, type NpyArray } from './npy.js';
import { readSac } from './sac.js';

/* --------------------------------------------------------------------- CSV */

/** A CSV file read as header + records, each record keyed by column name. */
export interface CsvTable {
  columns: string[];
  /** Records in file order; `line` is the 1-based line where the record starts. */
  records: { line: number; values: Record<string, string> }[];
}

/**
 * Parses RFC 4180 CSV: comma-separated, fields optionally in double quotes
 * (which may hold commas, newlines and doubled quotes ""), LF or CRLF line
 * ends, an optional UTF-8 byte-order mark. The first record is the header.
 * A stray quote, an unterminated quoted field or a record with the wrong
 * number of fields is an error.
 */
export function parseCsv(text: string, file: string): CsvTable {
  const rows: { line: number; fields: string[] }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= text.length) throw new DataError(`${file}:${quoteLine}`, 'quoted field', field.slice(0, 40), 'unterminated quote');
          const c = text[i] as string;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new DataError(`${file}:${line}`, 'quoted field', field.slice(0, 40), `unexpected "${next}" after the closing quote`);
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') throw new DataError(`${file}:${line}`, 'field', field, 'a quote inside an unquoted field');
          field += text[i];
          i++;
        }
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    rows.push({ line: startLine, fields });
  }
  const header = rows.shift();
  if (!header) throw new DataError(file, 'header', '', 'empty CSV file');
  const columns = header.fields.map((c) => c.trim());
  const duplicate = columns.find((c, k) => columns.indexOf(c) !== k);
  if (duplicate !== undefined) throw new DataError(`${file}:1`, 'header', duplicate, 'duplicate column name');
  const records = rows
    // A blank line (often the last) is no record.
    .filter((r) => !(r.fields.length === 1 && r.fields[0] === ''))
    .map(({ line: at, fields }) => {
      if (fields.length !== columns.length) {
        throw new DataError(`${file}:${at}`, 'fields', fields.length, `the header has ${columns.length} columns`);
      }
      const values: Record<string, string> = {};
      columns.forEach((c, k) => (values[c] = fields[k] as string));
      return { line: at, values };
    });
  return { columns, records };
}

/** One CSV field, quoted (with doubled quotes) only when it holds a quote, a comma or a newline. */
export function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Reads and parses a CSV file (see `parseCsv`). */
export async function readCsv(path: string): Promise<CsvTable> {
  return parseCsv(await readRegularText(path), path);
}

/* ---------------------------------------------------------------- manifest */

export type TraceFormat = 'sac' | 'mseed' | 'npz' | 'npy' | 'hdf5';
const FORMATS: readonly TraceFormat[] = ['sac', 'mseed', 'npz', 'npy', 'hdf5'];

/** One manifest row; column names as in the file, empty cells undefined. */
export interface ManifestRow {
  /** 1-based line of the row in the manifest. */
  line: number;
  path: string;
  format: TraceFormat;
  trace_key?: string;
  component_index?: number;
  channel?: string;
  sampling_rate_hz?: number;
  npts?: number;
  label?: string;
  /** P arrival, 0-based sample index from the trace start (an analyst's or catalogue pick). */
  p_arrival_sample?: number;
  p_pick_source?: string;
  /** An automatic onset estimate; not a label. */
  p_arrival_sample_estimated?: number;
  s_arrival_sample?: number;
  distance_km?: number;
  hypocentral_km?: number;
  distance_source?: string;
  depth_km?: number;
  magnitude?: number;
  network?: string;
  station?: string;
  event_id?: string;
  event_time?: string;
  source?: string;
  original_label?: string;
  /** Sign of the first excursion after the pick: +1, -1, or 0 (nothing above noise). */
  first_motion_check?: number;
  first_motion_pick_used?: string;
  in_paper_range?: boolean;
  /** The data set a row belongs to (with `event_id` and `network`, a key for confound checks). */
  dataset?: string;
  /** Columns this module does not know, kept verbatim. */
  extra: Record<string, string>;
}

const TEXT_COLUMNS = [
  'trace_key',
  'channel',
  'label',
  'p_pick_source',
  'distance_source',
  'network',
  'station',
  'event_id',
  'event_time',
  'source',
  'original_label',
  'first_motion_pick_used',
  'dataset',
] as const;
const NUMBER_COLUMNS = [
  'sampling_rate_hz',
  'p_arrival_sample',
  'p_arrival_sample_estimated',
  's_arrival_sample',
  'distance_km',
  'hypocentral_km',
  'depth_km',
  'magnitude',
] as const;
const INTEGER_COLUMNS = ['component_index', 'npts', 'first_motion_check'] as const;
const KNOWN_COLUMNS = new Set<string>(['path', 'format', 'in_paper_range', ...TEXT_COLUMNS, ...NUMBER_COLUMNS, ...INTEGER_COLUMNS]);

/** Parses manifest CSV text into typed rows; `file` names it in errors. */
export function parseManifest(text: string, file: string): ManifestRow[] {
  const { columns, records } = parseCsv(text, file);
  for (const required of ['path', 'format']) {
    if (!columns.includes(required)) throw new DataError(file, 'header', columns.join(','), `no "${required}" column`);
  }
  return records.map(({ line, values }) => {
    const where = `${file}:${line}`;
    const cell = (column: string): string | undefined => {
      const v = values[column]?.trim();
      return v === undefined || v === '' ? undefined : v;
    };
    const path = cell('path');
    if (path === undefined) throw new DataError(where, 'path', '', 'every row needs a file path');
    const format = cell('format');
    if (!FORMATS.includes(format as TraceFormat)) {
      throw new DataError(where, 'format', format ?? '', `must be one of ${FORMATS.join(', ')}`);
    }
    const row: ManifestRow = { line, path, format: format as TraceFormat, extra: {} };
    for (const column of TEXT_COLUMNS) {
      const v = cell(column);
      if (v !== undefined) row[column] = v;
    }
    for (const column of [...NUMBER_COLUMNS, ...INTEGER_COLUMNS]) {
      const v = cell(column);
      if (v === undefined) continue;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new DataError(where, column, v, 'not a number');
      if ((INTEGER_COLUMNS as readonly string[]).includes(column) && !Number.isInteger(n)) {
        throw new DataError(where, column, v, 'must be a whole number');
      }
      row[column] = n;
    }
    const inRange = cell('in_paper_range');
    if (inRange !== undefined) {
      if (inRange !== '0' && inRange !== '1') throw new DataError(where, 'in_paper_range', inRange, 'must be 0, 1 or empty');
      row.in_paper_range = inRange === '1';
    }
    for (const column of columns) if (!KNOWN_COLUMNS.has(column)) row.extra[column] = values[column] as string;
    checkRow(row, where);
    return row;
  });
}

function checkRow(row: ManifestRow, where: string): void {
  if (row.sampling_rate_hz !== undefined && row.sampling_rate_hz <= 0) {
    throw new DataError(where, 'sampling_rate_hz', row.sampling_rate_hz, 'must be positive');
  }
  if (row.npts !== undefined && row.npts <= 0) throw new DataError(where, 'npts', row.npts, 'zero-length trace');
  if (row.component_index !== undefined && row.component_index < 0) {
    throw new DataError(where, 'component_index', row.component_index, 'must be 0 or more');
  }
  if (row.first_motion_check !== undefined && ![-1, 0, 1].includes(row.first_motion_check)) {
    throw new DataError(where, 'first_motion_check', row.first_motion_check, 'must be -1, 0 or +1');
  }
  if (row.npts !== undefined) {
    for (const column of ['p_arrival_sample', 'p_arrival_sample_estimated', 's_arrival_sample'] as const) {
      checkPick(row[column], row.npts, where, column);
    }
  }
}

function checkPick(pick: number | undefined, npts: number, where: string, column: string): void {
  if (pick !== undefined && (pick < 0 || pick >= npts)) {
    throw new DataError(where, column, pick, `pick outside the trace of ${npts} samples`);
  }
}

/** Reads and parses a manifest file. */
export async function readManifest(path: string): Promise<ManifestRow[]> {
  return parseManifest(await readRegularText(path), path);
}

/** How a trace's `pArrivalSample` was obtained. */
export type PickSource = 'pick' | 'estimated' | 'none';

/** The vertical component of one manifest row, read from its file. */
export interface ManifestTrace {
  /** The row's path, with `#trace_key` when the file holds several traces. */
  id: string;
  samples: Float64Array;
  /** Nominal sampling rate (Hz): the manifest's `sampling_rate_hz`, else the file's. */
  samplingRate: number;
  /**
   * P arrival (0-based sample): the row's `p_arrival_sample` when given
   * (`pPickSource` 'pick'), else its `p_arrival_sample_estimated`
   * ('estimated'), else undefined ('none').
   */
  pArrivalSample?: number;
  pPickSource: PickSource;
  label?: string;
  /** The manifest row itself. */
  meta: ManifestRow;
}

/**
 * Reads every trace a manifest lists, in manifest order, one at a time: only
 * the current trace (and the file it came from) is held, so a manifest of
 * 100,000 records streams.
 */
export async function* iterateManifestTraces(manifestPath: string): AsyncGenerator<ManifestTrace> {
  const rows = await readManifest(manifestPath);
  const base = dirname(manifestPath);
  const files = new FileCache();
  try {
    for (const row of rows) {
      const where = `${manifestPath}:${row.line}`;
      const file = isAbsolute(row.path) ? row.path : join(base, row.path);
      try {
        await regularFileSize(file);
      } catch (error) {
        if (!(error instanceof DataError)) throw error;
        const problem = error.message.slice(error.message.lastIndexOf(': ') + 2);
        throw new DataError(where, 'path', row.path, `${problem} (looked for ${file})`);
      }
      yield await readRowTrace(row, file, where, files);
    }
  } finally {
    files.clear();
  }
}

/** The id of a manifest row's trace: its path, with `#trace_key` when the row names one. */
export function manifestTraceId(row: ManifestRow): string {
  return row.trace_key === undefined ? row.path : `${row.path}#${row.trace_key}`;
}

/** Reads every trace a manifest lists into memory (see `iterateManifestTraces`). */
export async function loadManifestTraces(manifestPath: string): Promise<ManifestTrace[]> {
  const traces: ManifestTrace[] = [];
  for await (const trace of iterateManifestTraces(manifestPath)) traces.push(trace);
  return traces;
}

/**
 * Keeps the most recently opened multi-trace file, because manifests list the
 * traces of one npz/HDF5/miniSEED file on consecutive rows.
 */
class FileCache {
  private key: string | undefined;
  private value: Map<string, NpyArray> | NpyArray | MiniSeedTrace[] | Hdf5Waveforms | undefined;

  async get<T extends NonNullable<FileCache['value']>>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.key !== key || this.value === undefined) {
      this.clear();
      this.value = await load();
      this.key = key;
    }
    return this.value as T;
  }

  clear(): void {
    if (this.value instanceof Hdf5Waveforms) this.value.close();
    this.key = undefined;
    this.value = undefined;
  }
}

async function readRowTrace(row: ManifestRow, file: string, where: string, files: FileCache): Promise<ManifestTrace> {
  let samples: Float64Array;
  let fileRate: number | undefined;
  let fileChannel: string | undefined;
  switch (row.format) {
    case 'sac': {
      const sac = await readSac(file);
      samples = sac.samples;
      fileRate = sac.samplingRate;
      fileChannel = sac.header.kcmpnm;
      break;
    }
    case 'mseed': {
      const traces = await files.get(`mseed:${file}`, () => readMiniSeed(file));
      const trace = pickMiniSeedTrace(traces, row, where, file);
      samples = (trace.segments[0] as { samples: Float64Array }).samples;
      fileRate = trace.samplingRate;
      fileChannel = trace.channel;
      break;
    }
    case 'npz':
    case 'npy': {
      ({ samples, channel: fileChannel } = await readArrayTrace(row, file, where, files));
      break;
    }
    case 'hdf5': {
      const h5 = await files.get(`hdf5:${file}`, () => openHdf5(file));
      if (row.trace_key === undefined) throw new DataError(where, 'trace_key', '', 'an hdf5 row must name its dataset');
      const trace = h5.readTrace(row.trace_key);
      samples = pickComponent(trace.components, row, where, trace.componentOrder);
      fileRate = trace.samplingRate;
      break;
    }
  }

  // The manifest's rate is the nominal one; a file's own rate may carry clock drift
  // (SAC deltas of 0.0249999 s for 40 Hz) and is accepted while both rates put the
  // last sample within half a sample of each other.
  const samplingRate = row.sampling_rate_hz ?? fileRate;
  if (samplingRate === undefined) {
    throw new DataError(where, 'sampling_rate_hz', '', `${file} does not give its sampling rate, so the manifest must`);
  }
  if (fileRate !== undefined && Math.abs(fileRate - samplingRate) * samples.length > 0.5 * samplingRate) {
    throw new DataError(where, 'sampling_rate_hz', samplingRate, `mismatched sampling rate: ${file} says ${fileRate} Hz`);
  }
  if (row.npts !== undefined && row.npts !== samples.length) {
    throw new DataError(where, 'npts', row.npts, `${file} holds ${samples.length} samples`);
  }
  if (row.channel !== undefined && fileChannel !== undefined && row.channel !== fileChannel) {
    throw new DataError(where, 'channel', row.channel, `${file} holds channel ${fileChannel}`);
  }
  checkPick(row.p_arrival_sample, samples.length, where, 'p_arrival_sample');
  checkPick(row.p_arrival_sample_estimated, samples.length, where, 'p_arrival_sample_estimated');
  checkPick(row.s_arrival_sample, samples.length, where, 's_arrival_sample');

  const trace: ManifestTrace = {
    id: manifestTraceId(row),
    samples,
    samplingRate,
    pPickSource: row.p_arrival_sample !== undefined ? 'pick' : row.p_arrival_sample_estimated !== undefined ? 'estimated' : 'none',
    meta: row,
  };
  const pick = row.p_arrival_sample ?? row.p_arrival_sample_estimated;
  if (pick !== undefined) trace.pArrivalSample = pick;
  if (row.label !== undefined) trace.label = row.label;
  return trace;
}

function pickMiniSeedTrace(traces: MiniSeedTrace[], row: ManifestRow, where: string, file: string): MiniSeedTrace {
  const ids = traces.map((t) => t.id);
  let trace: MiniSeedTrace | undefined;
  if (row.trace_key !== undefined) trace = traces.find((t) => t.id === row.trace_key);
  else if (traces.length === 1) trace = traces[0];
  if (!trace) {
    throw new DataError(where, 'trace_key', row.trace_key ?? '', `${file} holds ${ids.join(', ')}: name one by NET.STA.LOC.CHA`);
  }
  if (trace.gaps.length > 0) {
    const first = trace.gaps[0] as { seconds: number };
    const problem = `${file} has ${trace.gaps.length} gap(s)/overlap(s) in this trace (first: ${first.seconds} s)`;
    throw new DataError(where, 'trace_key', trace.id, problem);
  }
  return trace;
}

/** `data`, `data[12]` or `[12]`: member name (npz) and row of a stacked array. */
function parseArrayKey(key: string | undefined, format: 'npz' | 'npy', where: string): { member: string; row?: number } {
  const match = /^([^[\]]*)(?:\[(\d+)\])?$/.exec(key ?? '');
  const member = match?.[1] ?? '';
  if (!match || (format === 'npz' && member === '') || (format === 'npy' && member !== '')) {
    const expected = format === 'npz' ? '"<member>" or "<member>[<row>]"' : 'empty or "[<row>]"';
    throw new DataError(where, 'trace_key', key ?? '', `expected ${expected}`);
  }
  return match[2] === undefined ? { member } : { member, row: Number(match[2]) };
}

async function readArrayTrace(row: ManifestRow, file: string, where: string, files: FileCache): Promise<{ samples: Float64Array; channel?: string }> {
  const format = row.format === 'npz' ? 'npz' : 'npy';
  const { member, row: index } = parseArrayKey(row.trace_key, format, where);
  let array: NpyArray;
  let channelNames: string[] | undefined;
  if (format === 'npz') {
    const arrays = await files.get(`npz:${file}`, () => readNpz(file));
    const found = arrays.get(member);
    if (!found) {
      const problem = `${file} has no member "${member}" (it has ${[...arrays.keys()].join(', ')})`;
      throw new DataError(where, 'trace_key', member, problem);
    }
    array = found;
    // PhaseNet's npz files name their channels in one string, "HHE_HHN_HHZ".
    const channels = arrays.get('channels');
    if (channels?.kind === 'string' && channels.data.length === 1) channelNames = (channels.data[0] as string).split('_');
  } else {
    array = await files.get(`npy:${file}`, () => readNpy(file));
  }
  if (array.kind !== 'numeric') throw new DataError(where, 'trace_key', member, `${file}: "${array.dtype}" is not a numeric array`);
  let shape = array.shape;
  let values = npyToFloat64(array, file, member || 'array');
  if (index !== undefined) {
    const [count = 0, ...rest] = shape;
    if (shape.length < 2 || index >= count) {
      throw new DataError(where, 'trace_key', row.trace_key ?? '', `row ${index} is outside an array of shape (${shape.join(', ')})`);
    }
    const size = rest.reduce((n, d) => n * d, 1);
    values = values.subarray(index * size, (index + 1) * size);
    shape = rest;
  }
  let components: Float64Array[];
  if (shape.length === 1) components = [values];
  else if (shape.length === 2) {
    const [length, count] = shape as [number, number];
    components = Array.from({ length: count }, (_, c) => {
      const out = new Float64Array(length);
      for (let i = 0; i < length; i++) out[i] = values[i * count + c] as number;
      return out;
    });
  } else {
    const problem = `${file}: a trace must be samples or samples x components, not (${shape.join(', ')})`;
    throw new DataError(where, 'trace_key', row.trace_key ?? '', problem);
  }
  const samples = pickComponent(components, row, where);
  if (samples.length === 0) throw new DataError(where, 'npts', 0, `${file}: zero-length trace`);
  const component = row.component_index ?? 0;
  // Single-channel PhaseNet files name one channel but pad it into the last of three columns.
  const channel = channelNames?.length === components.length ? channelNames[component] : channelNames?.length === 1 ? channelNames[0] : undefined;
  return channel === undefined ? { samples } : { samples, channel };
}

/** The component `component_index` names, or the one labelled Z, or the only one. */
function pickComponent(components: Float64Array[], row: ManifestRow, where: string, order?: string): Float64Array {
  let index = row.component_index;
  if (index === undefined && order !== undefined && order.includes('Z')) index = order.indexOf('Z');
  if (index === undefined) {
    if (components.length === 1) return components[0] as Float64Array;
    throw new DataError(where, 'component_index', '', `the trace has ${components.length} components: say which is vertical`);
  }
  const selected = components[index];
  if (!selected) throw new DataError(where, 'component_index', index, `the trace has only ${components.length} components`);
  return selected;
}

/* --------------------------------------------------------------- SeisBench */

/** A SeisBench trace with its metadata row (values as written in the CSV). */
export interface SeisBenchTrace extends Hdf5Trace {
  metadata: Record<string, string>;
}

/**
 * Reads the traces of a SeisBench data set: `metadata.csv` lists them (its
 * `trace_name` locates each in a bucket of `waveforms.hdf5`, the file
 * beside it unless `hdf5Path` says otherwise). The sampling rate comes from
 * the `trace_sampling_rate_hz` column or the file's `data_format`; where both
 * are given they must agree.
 */
export async function* iterateSeisBenchTraces(metadataPath: string, hdf5Path?: string): AsyncGenerator<SeisBenchTrace> {
  const { columns, records } = await readCsv(metadataPath);
  if (!columns.includes('trace_name')) {
    throw new DataError(metadataPath, 'header', columns.join(','), 'no "trace_name" column');
  }
  const h5 = await openHdf5(hdf5Path ?? join(dirname(metadataPath), 'waveforms.hdf5'));
  try {
    for (const { line, values } of records) {
      const where = `${metadataPath}:${line}`;
      const trace = h5.readTrace(values.trace_name as string);
      const rateText = values.trace_sampling_rate_hz?.trim();
      let samplingRate = trace.samplingRate;
      if (rateText) {
        const rate = Number(rateText);
        if (!Number.isFinite(rate) || rate <= 0) {
          throw new DataError(where, 'trace_sampling_rate_hz', rateText, 'must be a positive number');
        }
        if (samplingRate !== undefined && Math.abs(rate - samplingRate) > 1e-6 * rate) {
          const problem = `mismatched sampling rate: ${h5.path} data_format says ${samplingRate} Hz`;
          throw new DataError(where, 'trace_sampling_rate_hz', rateText, problem);
        }
        samplingRate = rate;
      }
      const pickText = values.trace_p_arrival_sample?.trim();
      const length = (trace.components[0] as Float64Array).length;
      if (pickText) {
        const pick = Number(pickText);
        if (!Number.isFinite(pick)) throw new DataError(where, 'trace_p_arrival_sample', pickText, 'not a number');
        checkPick(pick, length, where, 'trace_p_arrival_sample');
      }
      const out: SeisBenchTrace = { ...trace, metadata: values };
      if (samplingRate !== undefined) out.samplingRate = samplingRate;
      yield out;
    }
  } finally {
    h5.close();
  }
}
