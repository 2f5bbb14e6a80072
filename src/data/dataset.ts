/**
 * The project's prepared data-set file: what `prepare` writes and training
 * and prediction read. One file, little-endian throughout:
 *
 *   offset 0        8 bytes   magic "SEISCLDS"
 *   offset 8        4 bytes   format version, uint32 (1)
 *   offset 12       4 bytes   zero (keeps the data 16-byte aligned)
 *   offset 16                 inputs: float32, rows x inputShape, C order
 *   after inputs              labels: int32, one per row (only if any row has a label)
 *   after labels              header: UTF-8 JSON (see `DatasetHeader`; it also gives
 *                             dtype, shape, offset and byteLength of both arrays)
 *   last 16 bytes             uint64 byte length of the JSON header, then "SEISCLDS" again
 *
 * The header sits at the end, after the data, so that a writer can stream
 * rows straight to disk without knowing how many will come (preparing
 * 100,000 records never holds them all), and the closing magic tells a
 * finished file from a truncated one. Labels are an array of their own, never
 * part of the inputs: training reads the inputs alone. A label is an index
 * into `labelNames`; -1 marks an unlabelled row. Per-row source ids (the
 * manifest trace id), SNR (null where unknown) and grouping values (data
 * set, event, network, station: what a clustering must not merely follow)
 * are in the header.
 *
 * The format is bytes in, bytes out (`encodeDataset`, `decodeDataset`); the
 * file versions go through the host's files (`host().files`). The writer
 * streams to a file the host puts in place whole when finished (`create`),
 * so a crash never leaves a half-written data set under the real name.
 *
 * The reader trusts nothing in the file: every header field it uses is
 * type-checked (unknown fields are ignored, so newer writers can add some),
 * the header may nest at most `MAX_JSON_DEPTH` levels, and the arrays it
 * declares must exactly fill the bytes before it. Reads are therefore
 * bounded by the file's size: a chunk of rows holds its rows as float32.
 */
import { DataError } from '../common/errors.js';
import { MAX_JSON_DEPTH, jsonDepth } from '../common/json.js';
import { latin1 } from '../common/text.js';
import type { ReadableFile, WritableFile } from '../host/files.js';
import { host } from '../host/host.js';
import { openRegularFile } from './files.js';

const MAGIC = 'SEISCLDS';
const VERSION = 1;
const DATA_OFFSET = 16;
const TRAILER_BYTES = 16;
const FORMAT_NAME = 'seiscluster-dataset';
const FLOAT32_MAX = 3.4028234663852886e38;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Task A: local vs teleseismic spectrograms; task B: first-motion polarity windows. */
export type Task = 'A' | 'B';

/** Where each row's window was cut, relative to the P arrival. */
export interface DatasetWindow {
  /** First sample of the window relative to the P arrival, at `samplingRate` (negative: before P). */
  startFromP: number;
  /** Number of samples in the window, at `samplingRate`. */
  length: number;
}

/** What describes a whole data set; given when writing starts. */
export interface DatasetMeta {
  task: Task;
  /** Shape of one row's input, e.g. [16, 48] (task A) or [32] (task B). */
  inputShape: number[];
  /** Sampling rate (Hz) of the waveforms the inputs were made from, after resampling. */
  samplingRate: number;
  window: DatasetWindow;
  /** Preprocessing parameters (filter band, normalisation, STFT settings, ...), as the prepare step records them. */
  preprocessing: { [key: string]: JsonValue };
}

interface ArraySpec {
  dtype: 'float32' | 'int32';
  shape: number[];
  offset: number;
  byteLength: number;
}

/** The JSON header of a finished data set. */
export interface DatasetHeader extends DatasetMeta {
  format: typeof FORMAT_NAME;
  version: typeof VERSION;
  rows: number;
  arrays: { inputs: ArraySpec; labels?: ArraySpec };
  /** Class names; `labels[i]` indexes this list. Present when the set has labels. */
  labelNames?: string[];
  /** Where each row came from (e.g. the manifest trace id). */
  sourceIds: string[];
  /** Signal-to-noise ratio per row, null where unknown; absent when no row has one. */
  snr?: (number | null)[];
  /**
   * Grouping columns (e.g. `dataset`, `event_id`, `network`, `station`): column
   * -> one value per row, null where the row had none; absent when no row has any.
   */
  groups?: Record<string, (string | null)[]>;
}

/** One row to append. */
export interface DatasetRow {
  /** The network input, `inputShape` values in C order. */
  input: ArrayLike<number>;
  sourceId: string;
  label?: string;
  snr?: number;
  /** The row's grouping values by column (e.g. { event_id: '...', network: 'TA' }). */
  groups?: Readonly<Record<string, string>>;
}

/**
 * The bytes of a data set, piece by piece and in file order: `preamble`,
 * then `encodeRows` per chunk, then `tail`. Rows are checked as they come;
 * ids, labels, SNR and groupings are kept for the header.
 */
class DatasetEncoder {
  private readonly rowSize: number;
  private written = 0;
  private readonly sourceIds: string[] = [];
  private readonly labelIndex: number[] = [];
  private readonly labelNames: string[] = [];
  private readonly snr: (number | null)[] = [];
  private readonly groupRows: (Readonly<Record<string, string>> | undefined)[] = [];

  /** `file` names the data set in DataErrors. */
  constructor(
    private readonly file: string,
    private readonly meta: DatasetMeta,
  ) {
    checkMeta(meta, file);
    this.meta = structuredClone(meta);
    this.rowSize = meta.inputShape.reduce((n, d) => n * d, 1);
  }

  get rows(): number {
    return this.sourceIds.length;
  }

  preamble(): Uint8Array {
    const preamble = new Uint8Array(DATA_OFFSET);
    preamble.set(ascii(MAGIC), 0);
    new DataView(preamble.buffer).setUint32(8, VERSION, true);
    return preamble;
  }

  /**
   * The inputs of `rows`. The whole chunk is checked before anything is
   * kept, so a rejected chunk leaves the encoder as it was.
   */
  encodeRows(rows: readonly DatasetRow[]): Uint8Array {
    const bytes = new Uint8Array(rows.length * this.rowSize * 4);
    const view = new DataView(bytes.buffer);
    rows.forEach((row, r) => {
      const where = `row ${this.rows + r}`;
      if (typeof row.sourceId !== 'string' || row.sourceId === '') {
        throw new DataError(this.file, `${where} sourceId`, String(row.sourceId), 'every row needs a source id');
      }
      if (row.input.length !== this.rowSize) {
        const needs = `inputShape [${this.meta.inputShape.join(', ')}] needs ${this.rowSize} values`;
        throw new DataError(this.file, `${where} (${row.sourceId}) input length`, row.input.length, needs);
      }
      for (let i = 0; i < this.rowSize; i++) {
        const v = row.input[i] as number;
        if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) {
          throw new DataError(this.file, `${where} (${row.sourceId}) input[${i}]`, v, 'inputs must be finite float32 values');
        }
        view.setFloat32((r * this.rowSize + i) * 4, v, true);
      }
      if (row.label !== undefined && (typeof row.label !== 'string' || row.label === '')) {
        throw new DataError(this.file, `${where} (${row.sourceId}) label`, String(row.label), 'a label must be a non-empty string');
      }
      if (row.snr !== undefined && !Number.isFinite(row.snr)) {
        throw new DataError(this.file, `${where} (${row.sourceId}) snr`, row.snr, 'SNR must be finite');
      }
      for (const [column, value] of Object.entries(row.groups ?? {})) {
        if (column === '' || typeof value !== 'string' || value === '') {
          throw new DataError(this.file, `${where} (${row.sourceId}) groups.${column}`, String(value), 'a grouping needs a column name and a non-empty value');
        }
      }
    });
    this.written += bytes.length;
    for (const row of rows) {
      this.sourceIds.push(row.sourceId);
      this.snr.push(row.snr ?? null);
      this.groupRows.push(row.groups);
      if (row.label === undefined) this.labelIndex.push(-1);
      else {
        let index = this.labelNames.indexOf(row.label);
        if (index < 0) index = this.labelNames.push(row.label) - 1;
        this.labelIndex.push(index);
      }
    }
    return bytes;
  }

  /** The labels (if any), the JSON header and the trailer, after every row; and the header. */
  tail(): { bytes: Uint8Array; header: DatasetHeader } {
    const rows = this.rows;
    const inputs: ArraySpec = {
      dtype: 'float32',
      shape: [rows, ...this.meta.inputShape],
      offset: DATA_OFFSET,
      byteLength: this.written,
    };
    const position = DATA_OFFSET + this.written;
    const header: DatasetHeader = {
      format: FORMAT_NAME,
      version: VERSION,
      ...this.meta,
      rows,
      arrays: { inputs },
      sourceIds: this.sourceIds,
    };
    let labels = new Uint8Array(0);
    if (this.labelNames.length > 0) {
      labels = new Uint8Array(rows * 4);
      const view = new DataView(labels.buffer);
      this.labelIndex.forEach((v, i) => view.setInt32(i * 4, v, true));
      header.arrays.labels = { dtype: 'int32', shape: [rows], offset: position, byteLength: labels.length };
      header.labelNames = this.labelNames;
    }
    if (this.snr.some((v) => v !== null)) header.snr = this.snr;
    const groups = groupColumns(this.groupRows);
    if (groups !== undefined) header.groups = groups;
    const json = new TextEncoder().encode(JSON.stringify(header));
    const bytes = new Uint8Array(labels.length + json.length + TRAILER_BYTES);
    bytes.set(labels, 0);
    bytes.set(json, labels.length);
    const trailer = labels.length + json.length;
    new DataView(bytes.buffer).setBigUint64(trailer, BigInt(json.length), true);
    bytes.set(ascii(MAGIC), trailer + 8);
    return { bytes, header };
  }
}

/** A whole data set as the bytes of its file; `file` names it in DataErrors. */
export function encodeDataset(meta: DatasetMeta, rows: readonly DatasetRow[], file = 'data set'): Uint8Array {
  const encoder = new DatasetEncoder(file, meta);
  const parts = [encoder.preamble(), encoder.encodeRows(rows), encoder.tail().bytes];
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/**
 * Streams rows into a new data set file. Create with `DatasetWriter.create`,
 * `append` chunks of rows, then `finish` (or `abort` to discard).
 */
export class DatasetWriter {
  private file: WritableFile | undefined;

  private constructor(
    private readonly path: string,
    private readonly encoder: DatasetEncoder,
    file: WritableFile,
  ) {
    this.file = file;
  }

  /** Starts a data set that will appear at `path` when finished. */
  static async create(path: string, meta: DatasetMeta): Promise<DatasetWriter> {
    const encoder = new DatasetEncoder(path, meta);
    const file = await host().files.create(path);
    try {
      await file.write(encoder.preamble());
    } catch (error) {
      await file.abort();
      throw error;
    }
    return new DatasetWriter(path, encoder, file);
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.encoder.rows;
  }

  /**
   * Appends rows. The whole chunk is checked before anything is written, so a
   * rejected chunk leaves the writer as it was.
   */
  async append(rows: readonly DatasetRow[]): Promise<void> {
    const file = this.openFile();
    await file.write(this.encoder.encodeRows(rows));
  }

  /**
   * Writes labels and header, then puts the file in place. Returns the
   * header. If anything fails, the partial file is removed.
   */
  async finish(): Promise<DatasetHeader> {
    const file = this.openFile();
    try {
      const { bytes, header } = this.encoder.tail();
      await file.write(bytes);
      this.file = undefined;
      await file.commit();
      return header;
    } catch (error) {
      await file.abort();
      throw error;
    }
  }

  /** Discards the partial file. */
  async abort(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.abort();
  }

  private openFile(): WritableFile {
    if (!this.file) throw new Error(`DatasetWriter for ${this.path}: already finished or aborted`);
    return this.file;
  }
}

/** Per-row grouping values as columns (in the order first met), null where a row has none; undefined when no row has any. */
function groupColumns(rows: readonly (Readonly<Record<string, string>> | undefined)[]): Record<string, (string | null)[]> | undefined {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r ?? {})))];
  if (columns.length === 0) return undefined;
  return Object.fromEntries(columns.map((c) => [c, rows.map((r) => (r !== undefined && Object.hasOwn(r, c) ? r[c]! : null))]));
}

function checkMeta(meta: DatasetMeta, file: string, prefix = ''): void {
  if (meta.task !== 'A' && meta.task !== 'B') throw new DataError(file, `${prefix}task`, meta.task, "must be 'A' or 'B'");
  if (!Array.isArray(meta.inputShape) || meta.inputShape.length === 0 || !meta.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new DataError(file, `${prefix}inputShape`, meta.inputShape, 'must be a non-empty list of positive integers');
  }
  // What every reader of a set takes it to be: task A spectrograms, task B P windows.
  if (meta.task === 'A' && meta.inputShape.length !== 2)
    throw new DataError(file, `${prefix}inputShape`, meta.inputShape, 'must be [bins, frames] for task A spectrograms');
  if (meta.task === 'B' && meta.inputShape.length !== 1)
    throw new DataError(file, `${prefix}inputShape`, meta.inputShape, 'must be [samples] for task B P windows');
  if (typeof meta.samplingRate !== 'number' || !Number.isFinite(meta.samplingRate) || meta.samplingRate <= 0) {
    throw new DataError(file, `${prefix}samplingRate`, meta.samplingRate, 'must be a positive number of Hz');
  }
  const window: unknown = meta.window;
  if (
    typeof window !== 'object' ||
    window === null ||
    !Number.isInteger(meta.window.startFromP) ||
    !Number.isInteger(meta.window.length) ||
    meta.window.length <= 0
  ) {
    throw new DataError(file, `${prefix}window`, window, 'startFromP must be an integer and length a positive integer');
  }
  if (typeof meta.preprocessing !== 'object' || meta.preprocessing === null || Array.isArray(meta.preprocessing)) {
    throw new DataError(file, `${prefix}preprocessing`, meta.preprocessing, 'must be a JSON object');
  }
  checkJson(meta.preprocessing, file, `${prefix}preprocessing`, 1);
}

/**
 * JSON.stringify would turn NaN into null and drop undefined or a Map without
 * a word; refuse them instead. The walk stops at `MAX_JSON_DEPTH` levels.
 */
function checkJson(value: unknown, file: string, field: string, depth: number): void {
  if (depth > MAX_JSON_DEPTH) throw new DataError(file, field, depth, `nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DataError(file, field, value, 'JSON numbers must be finite');
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJson(v, file, `${field}[${i}]`, depth + 1));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) checkJson(v, file, `${field}.${k}`, depth + 1);
    return;
  }
  throw new DataError(file, field, String(value), 'not a JSON value');
}

/* ------------------------------------------------------------------ reader */

/** A whole data set in memory. */
export interface Dataset {
  header: DatasetHeader;
  /** rows x inputShape, C order. */
  inputs: Float32Array;
  /** Index into `header.labelNames` per row, -1 where unlabelled; absent for an unlabelled set. */
  labels?: Int32Array;
}

/** A run of consecutive rows. */
export interface DatasetChunk {
  /** Index of the chunk's first row. */
  start: number;
  rows: number;
  inputs: Float32Array;
  labels?: Int32Array;
}

/** Reads and checks the header of a data set file. */
export async function readDatasetHeader(path: string): Promise<DatasetHeader> {
  const { handle, size } = await openRegularFile(path);
  try {
    return await readHeader(handle, path, size);
  } finally {
    await handle.close();
  }
}

/** Reads a whole data set. */
export async function readDataset(path: string): Promise<Dataset> {
  const { handle, size } = await openRegularFile(path);
  try {
    const header = await readHeader(handle, path, size);
    const chunk = await readRows(handle, path, header, 0, header.rows);
    const out: Dataset = { header, inputs: chunk.inputs };
    if (chunk.labels) out.labels = chunk.labels;
    return out;
  } finally {
    await handle.close();
  }
}

/** Reads a data set `chunkRows` rows at a time, holding one chunk in memory. */
export async function* iterateDataset(path: string, chunkRows: number): AsyncGenerator<DatasetChunk> {
  if (!Number.isInteger(chunkRows) || chunkRows <= 0) throw new DataError(path, 'chunkRows', chunkRows, 'must be a positive integer');
  const { handle, size } = await openRegularFile(path);
  try {
    const header = await readHeader(handle, path, size);
    for (let start = 0; start < header.rows; start += chunkRows) {
      yield await readRows(handle, path, header, start, Math.min(chunkRows, header.rows - start));
    }
  } finally {
    await handle.close();
  }
}

/** Reads and checks the header of the open data set `handle` of `size` bytes. */
async function readHeader(handle: ReadableFile, file: string, size: number): Promise<DatasetHeader> {
  checkSize(size, file);
  const { jsonStart, jsonLength } = headerPlace(await handle.read(0, DATA_OFFSET), await handle.read(size - TRAILER_BYTES, TRAILER_BYTES), size, file);
  return parseHeader(await handle.read(jsonStart, jsonLength), jsonStart, file);
}

function checkSize(size: number, file: string): void {
  if (size < DATA_OFFSET + TRAILER_BYTES) {
    throw new DataError(file, 'file size', size, 'too small to be a seiscluster data set');
  }
}

/** Checks the opening 16 bytes and the closing 16 of a `size`-byte set; returns where its JSON header lies. */
function headerPlace(head: Uint8Array, trailer: Uint8Array, size: number, file: string): { jsonStart: number; jsonLength: number } {
  const magic = latin1(head.subarray(0, 8));
  if (magic !== MAGIC) throw new DataError(file, 'magic', magic, `not a seiscluster data set (expected "${MAGIC}")`);
  const version = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(8, true);
  if (version !== VERSION) throw new DataError(file, 'version', version, `unsupported data-set version (this program reads ${VERSION})`);
  const endMagic = latin1(trailer.subarray(8));
  if (endMagic !== MAGIC) {
    throw new DataError(file, 'end marker', endMagic, 'truncated or unfinished data set (the closing magic is missing)');
  }
  const jsonLength = Number(new DataView(trailer.buffer, trailer.byteOffset, trailer.byteLength).getBigUint64(0, true));
  const jsonStart = size - TRAILER_BYTES - jsonLength;
  if (jsonStart < DATA_OFFSET) throw new DataError(file, 'header length', jsonLength, `larger than the ${size}-byte file allows`);
  return { jsonStart, jsonLength };
}

/** The JSON header (the bytes from `jsonStart`), parsed and checked. */
function parseHeader(json: Uint8Array, jsonStart: number, file: string): DatasetHeader {
  // The BOM is kept: a header that starts with one is not the writer's, and JSON.parse says so.
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(json);
  if (jsonDepth(text) < 0) throw new DataError(file, 'header', `${json.length} bytes`, `nested deeper than ${MAX_JSON_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DataError(file, 'header', error instanceof Error ? error.message : String(error), 'not valid JSON');
  }
  return checkHeader(parsed, file, jsonStart);
}

/** A data set from the bytes of its file, checked as `readDataset` checks a file; `source` names it in DataErrors. */
export function decodeDataset(bytes: Uint8Array, source: string): Dataset {
  checkSize(bytes.length, source);
  const { jsonStart, jsonLength } = headerPlace(bytes.subarray(0, DATA_OFFSET), bytes.subarray(bytes.length - TRAILER_BYTES), bytes.length, source);
  const header = parseHeader(bytes.subarray(jsonStart, jsonStart + jsonLength), jsonStart, source);
  const rowBytes = header.inputShape.reduce((n, d) => n * d, 1) * 4;
  const spec = header.arrays.labels;
  const labels = spec && bytes.subarray(spec.offset, spec.offset + spec.byteLength);
  const chunk = decodeRows(bytes.subarray(DATA_OFFSET, DATA_OFFSET + header.rows * rowBytes), labels, source, header, 0, header.rows);
  const out: Dataset = { header, inputs: chunk.inputs };
  if (chunk.labels) out.labels = chunk.labels;
  return out;
}

/**
 * Checks every header field a reader relies on (type and value; unknown
 * fields are left alone), and that the arrays exactly fill the space before
 * the header.
 */
function checkHeader(parsed: unknown, file: string, jsonStart: number): DatasetHeader {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DataError(file, 'header', parsed === null ? 'null' : typeof parsed, 'must be a JSON object');
  }
  const h = parsed as DatasetHeader;
  if (h.format !== FORMAT_NAME) throw new DataError(file, 'header.format', h.format, `expected "${FORMAT_NAME}"`);
  if (h.version !== VERSION) throw new DataError(file, 'header.version', h.version, `expected ${VERSION}`);
  checkMeta(h, file, 'header.');
  if (!Number.isInteger(h.rows) || h.rows < 0) throw new DataError(file, 'header.rows', h.rows, 'must be a whole number');
  const rowSize = h.inputShape.reduce((n, d) => n * d, 1);
  const arrays: unknown = h.arrays;
  if (typeof arrays !== 'object' || arrays === null || Array.isArray(arrays)) {
    throw new DataError(file, 'header.arrays', arrays, 'must be an object of array specs');
  }
  checkSpec(h.arrays.inputs, 'float32', [h.rows, ...h.inputShape], DATA_OFFSET, h.rows * rowSize * 4, file, 'inputs');
  let end = DATA_OFFSET + h.rows * rowSize * 4;
  if (h.arrays.labels !== undefined) {
    checkSpec(h.arrays.labels, 'int32', [h.rows], end, h.rows * 4, file, 'labels');
    end += h.rows * 4;
    if (!Array.isArray(h.labelNames) || !h.labelNames.every((n) => typeof n === 'string')) {
      throw new DataError(file, 'header.labelNames', h.labelNames, 'a labelled set needs a list of class names');
    }
  } else if (h.labelNames !== undefined) {
    throw new DataError(file, 'header.labelNames', h.labelNames, 'class names without a labels array');
  }
  if (end !== jsonStart) {
    const problem = `the arrays end at byte ${end} but the header starts at ${jsonStart} (truncated or corrupt)`;
    throw new DataError(file, 'file size', jsonStart, problem);
  }
  const ids: unknown = h.sourceIds;
  if (!Array.isArray(ids) || ids.length !== h.rows || !ids.every((s) => typeof s === 'string')) {
    const found = Array.isArray(ids) ? ids.length : ids === null ? 'null' : typeof ids;
    throw new DataError(file, 'header.sourceIds', found, `must list one source id per row (${h.rows})`);
  }
  const snr: unknown = h.snr;
  if (snr !== undefined && (!Array.isArray(snr) || snr.length !== h.rows || !snr.every((v) => v === null || Number.isFinite(v)))) {
    const found = Array.isArray(snr) ? snr.length : snr === null ? 'null' : typeof snr;
    throw new DataError(file, 'header.snr', found, `must give one finite SNR or null per row (${h.rows})`);
  }
  if (h.groups !== undefined) checkGroups(h.groups, h.rows, file);
  return h;
}

function checkGroups(groups: unknown, rows: number, file: string): void {
  if (typeof groups !== 'object' || groups === null || Array.isArray(groups)) {
    throw new DataError(file, 'header.groups', groups, 'must map each grouping column to its values');
  }
  for (const [column, values] of Object.entries(groups)) {
    if (!Array.isArray(values) || values.length !== rows || !values.every((v) => v === null || typeof v === 'string')) {
      const found = Array.isArray(values) ? values.length : typeof values;
      throw new DataError(file, `header.groups.${column}`, found, `must give one string or null per row (${rows})`);
    }
  }
}

function checkSpec(spec: unknown, dtype: ArraySpec['dtype'], shape: number[], offset: number, byteLength: number, file: string, name: string): void {
  const expected: ArraySpec = { dtype, shape, offset, byteLength };
  const found = typeof spec === 'object' && spec !== null ? (spec as Partial<ArraySpec>) : undefined;
  const matches =
    found !== undefined &&
    found.dtype === dtype &&
    JSON.stringify(found.shape) === JSON.stringify(shape) &&
    found.offset === offset &&
    found.byteLength === byteLength;
  if (!matches) {
    throw new DataError(file, `header.arrays.${name}`, spec, `expected ${JSON.stringify(expected)}`);
  }
}

async function readRows(handle: ReadableFile, file: string, header: DatasetHeader, start: number, rows: number): Promise<DatasetChunk> {
  const rowSize = header.inputShape.reduce((n, d) => n * d, 1);
  const inputs = await handle.read(DATA_OFFSET + start * rowSize * 4, rows * rowSize * 4);
  const spec = header.arrays.labels;
  const labels = spec && (await handle.read(spec.offset + start * 4, rows * 4));
  return decodeRows(inputs, labels, file, header, start, rows);
}

/** Rows `start` .. `start + rows` from the bytes of their inputs and (in a labelled set) of their labels. */
function decodeRows(bytes: Uint8Array, labelBytes: Uint8Array | undefined, file: string, header: DatasetHeader, start: number, rows: number): DatasetChunk {
  const rowSize = header.inputShape.reduce((n, d) => n * d, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inputs = new Float32Array(rows * rowSize);
  for (let i = 0; i < inputs.length; i++) {
    const v = view.getFloat32(i * 4, true);
    if (!Number.isFinite(v)) {
      const row = start + Math.floor(i / rowSize);
      throw new DataError(file, `inputs row ${row} (${header.sourceIds[row]}) [${i % rowSize}]`, v, 'inputs must be finite');
    }
    inputs[i] = v;
  }
  const chunk: DatasetChunk = { start, rows, inputs };
  if (labelBytes !== undefined) {
    const labelView = new DataView(labelBytes.buffer, labelBytes.byteOffset, labelBytes.byteLength);
    const labels = new Int32Array(rows);
    const classes = header.labelNames?.length ?? 0;
    for (let i = 0; i < rows; i++) {
      const v = labelView.getInt32(i * 4, true);
      if (v < -1 || v >= classes) {
        throw new DataError(file, `labels row ${start + i}`, v, `must be -1 (unlabelled) or a class index below ${classes}`);
      }
      labels[i] = v;
    }
    chunk.labels = labels;
  }
  return chunk;
}

/** The bytes of an ASCII text. */
function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
