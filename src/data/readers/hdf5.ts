/**
 * HDF5 waveform archives, through h5wasm (the HDF5 C library compiled to
 * WebAssembly), in the two layouts seismology's ML data sets use:
 *
 * - STEAD: one dataset per trace (`data/<trace_name>` in STEAD itself,
 *   `earthquake/local/<trace_name>` in EQTransformer's sample file), shape
 *   samples x components (STEAD stores E, N, Z), with the trace metadata as
 *   attributes. `traceKeys()` lists these datasets.
 * - SeisBench: big arrays `data/bucket<N>` holding many traces, located by
 *   a metadata CSV whose `trace_name` is e.g. `bucket0$3,:3,:6000` (bucket,
 *   then the index of the trace along the first axis and the slices of the
 *   other axes). The axis and component order come from the file's
 *   `data_format` group (`dimension_order` "CW" or "WC", `component_order`
 *   e.g. "ZNE"; SeisBench's defaults "CW" and "ZNE" when absent).
 *
 * Samples are returned as float64, one array per component; NaN, infinite
 * and zero-length traces are errors, as are references that point outside
 * the bucket.
 *
 * Memory: before the library reads a dataset, a slice of one or an
 * attribute, the elements its header declares times their width must fit in
 * `decodedBytesBound(file size)` (16 x the file + 16 MiB), so a header
 * claiming 1e8 x 1e8 samples is refused instead of allocated. Every library
 * call goes through `hdf5Call`, which turns HDF5's errors (and an abort of
 * the WebAssembly module) into a DataError naming the file and the object.
 *
 * The library itself comes from the host (`host().hdf5`): loading it and
 * opening a path are the host's business, reading what is in the file this
 * module's.
 */
import type { Dataset, File as H5File, Metadata, OutputData } from 'h5wasm';
import { DataError, assertFiniteSamples } from '../../common/errors.js';
import { latin1 } from '../../common/text.js';
import { wasm, type WasmMemory } from '../../common/webassembly.js';
import type { Hdf5Library } from '../../host/hdf5.js';
import { host } from '../../host/host.js';
import { decodedBytesBound, openRegularFile } from '../files.js';

export type Hdf5AttributeValue = string | number | boolean | Hdf5AttributeValue[];

export interface Hdf5Trace {
  /** Dataset path (STEAD layout) or bucket reference (SeisBench layout). */
  key: string;
  /** One array per component, in the order stored. */
  components: Float64Array[];
  /** Component letters in stored order where the file says (SeisBench `component_order`). */
  componentOrder?: string;
  /** Sampling rate (Hz) where the file says (`data_format/sampling_rate`, or a `sampling_rate` attribute). */
  samplingRate?: number;
  /**
   * The dataset's attributes (STEAD). Attributes that are not numbers,
   * strings or arrays of them (object references) are left out.
   */
  attributes: Record<string, Hdf5AttributeValue>;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const SEISBENCH_DEFAULT_DIMENSION_ORDER = 'CW';
const WASM_PAGE_BYTES = 65536;
const SEISBENCH_DEFAULT_COMPONENT_ORDER = 'ZNE';

/** The host's HDF5 library; a host without one is no fault of the file, so the error is no DataError. */
async function loadLibrary(path: string): Promise<Hdf5Library> {
  try {
    return await host().hdf5.library();
  } catch (error) {
    throw new Error(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Whether `bytes` start with the HDF5 signature. */
export function looksLikeHdf5(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * An open HDF5 waveform file. Open with `openHdf5`, close with `close()`;
 * traces are read one at a time, so a 100 GB archive is never loaded whole.
 */
export class Hdf5Waveforms {
  readonly path: string;
  private readonly library: Hdf5Library;
  private readonly file: H5File;
  /** Most bytes one read may decode (see the file comment). */
  private readonly readBound: number;

  private constructor(path: string, library: Hdf5Library, file: H5File, size: number) {
    this.path = path;
    this.library = library;
    this.file = file;
    this.readBound = decodedBytesBound(size);
  }

  /** Opens `path` read-only after checking it is a regular file with the HDF5 signature. */
  static async open(path: string): Promise<Hdf5Waveforms> {
    const library = await loadLibrary(path);
    const size = await checkSignature(path);
    const file = hdf5Call(library, decodedBytesBound(size), path, 'file', path, () => library.open(path));
    return new Hdf5Waveforms(path, library, file, size);
  }

  /** `hdf5Call` for this file: a library call bounded by the file's read bound, its errors naming `field` and `value`. */
  private call<T>(field: string, value: unknown, call: () => T): T {
    return hdf5Call(this.library, this.readBound, this.path, field, value, call);
  }

  /** Paths of the per-trace datasets (STEAD layout): every dataset except SeisBench buckets and `data_format`. */
  traceKeys(): string[] {
    return this.call('file', '/', () =>
      this.file
        .paths()
        .map((p) => p.replace(/^\//, ''))
        .filter((p) => !p.startsWith('data_format/') && !/^data\/bucket\d+$/.test(p))
        .filter((p) => this.file.get(p) instanceof this.library.Dataset),
    );
  }

  /** Names of the SeisBench bucket arrays (`bucket0`, ...) under `data/`. */
  bucketNames(): string[] {
    const data = this.call('data', 'data', () => this.file.get('data'));
    if (!(data instanceof this.library.Group)) return [];
    return this.call('data', 'data', () => data.keys()).filter((k) => /^bucket\d+$/.test(k));
  }

  /**
   * Reads one trace: a dataset path (STEAD layout) or a SeisBench bucket
   * reference such as `bucket0$3,:3,:6000`.
   */
  readTrace(key: string): Hdf5Trace {
    return key.includes('$') ? this.readBucketTrace(key) : this.readDatasetTrace(key);
  }

  close(): void {
    this.call('file', this.path, () => this.file.close());
  }

  /** Refuses a read whose declared size is past the bound, before the library allocates it. */
  private checkReadSize(elements: number, metadata: Metadata, field: string, value: unknown): void {
    const bytes = elements * Math.max(metadata.size, 8);
    if (!(bytes <= this.readBound)) {
      const problem = `declares ${elements} elements (${bytes} bytes), more than the ${this.readBound} bytes a read of this file may take (16 x its size + 16 MiB)`;
      throw new DataError(this.path, field, value, problem);
    }
  }

  private dataset(path: string, field: string): { dataset: Dataset; metadata: Metadata; shape: number[] } {
    const entity = this.call(field, path, () => this.file.get(path));
    if (!(entity instanceof this.library.Dataset)) {
      throw new DataError(this.path, field, path, entity === null ? 'no such dataset in the file' : 'not a dataset');
    }
    const metadata = this.call(field, path, () => entity.metadata);
    const { type } = metadata;
    if (type !== H5T_FLOAT && type !== H5T_INTEGER) {
      throw new DataError(this.path, field, path, `not a numeric array (HDF5 type class ${type})`);
    }
    return { dataset: entity, metadata, shape: metadata.shape ?? [] };
  }

  private readDatasetTrace(key: string): Hdf5Trace {
    const { dataset, metadata, shape } = this.dataset(key, 'trace');
    this.checkReadSize(
      shape.reduce((n, d) => n * d, 1),
      metadata,
      `${key} shape`,
      shape,
    );
    const values = toFloat64(
      this.call(key, key, () => dataset.value),
      this.path,
      key,
    );
    const attributes = this.readAttributes(dataset, key);
    let components: Float64Array[];
    if (shape.length === 1) components = [values];
    else if (shape.length === 2) {
      const [rows, columns] = shape as [number, number];
      // STEAD stores samples x components; some exports store components x samples. The shorter axis is the components.
      if (rows === columns) {
        throw new DataError(this.path, `${key} shape`, shape, 'cannot tell the component axis from the sample axis');
      }
      components = rows > columns ? splitColumns(values, rows, columns) : splitRows(values, rows, columns);
    } else {
      throw new DataError(this.path, `${key} shape`, shape, 'a trace must be 1-D or 2-D (samples x components)');
    }
    checkSamples(components, this.path, key);
    const rate = attributes.sampling_rate ?? attributes.trace_sampling_rate_hz;
    const trace: Hdf5Trace = { key, components, attributes };
    if (typeof rate === 'number') trace.samplingRate = rate;
    const order = attributes.component_order;
    if (typeof order === 'string') trace.componentOrder = order;
    return trace;
  }

  private readBucketTrace(reference: string): Hdf5Trace {
    const [bucket, locator, extra] = reference.split('$');
    if (!bucket || locator === undefined || extra !== undefined) {
      throw new DataError(this.path, 'trace_name', reference, 'expected "bucket<N>$<index>,<slice>,<slice>"');
    }
    const { dataset, metadata, shape } = this.dataset(`data/${bucket}`, 'trace_name');
    if (shape.length !== 3) {
      throw new DataError(this.path, `data/${bucket} shape`, shape, 'a SeisBench bucket must be traces x (components, samples)');
    }
    const ranges = parseLocator(reference, locator, shape, this.path);
    this.checkReadSize(
      ranges.reduce((n, [from, to]) => n * (to - from), 1),
      metadata,
      'trace_name',
      reference,
    );
    const values = toFloat64(
      this.call('trace_name', reference, () => dataset.slice(ranges)),
      this.path,
      reference,
    );
    const dimensionOrder = this.formatString('dimension_order') ?? SEISBENCH_DEFAULT_DIMENSION_ORDER;
    const componentOrder = this.formatString('component_order') ?? SEISBENCH_DEFAULT_COMPONENT_ORDER;
    if (dimensionOrder !== 'CW' && dimensionOrder !== 'WC') {
      throw new DataError(this.path, 'data_format/dimension_order', dimensionOrder, 'expected "CW" or "WC"');
    }
    const [, first, second] = ranges as [[number, number], [number, number], [number, number]];
    const [[c0, c1], [w0, w1]] = dimensionOrder === 'CW' ? [first, second] : [second, first];
    const components = dimensionOrder === 'CW' ? splitRows(values, c1 - c0, w1 - w0) : splitColumns(values, w1 - w0, c1 - c0);
    checkSamples(components, this.path, reference);
    const trace: Hdf5Trace = { key: reference, components, attributes: {} };
    // The slice picks components c0..c1 of the stored order.
    trace.componentOrder = componentOrder.slice(c0, c1);
    const rate = this.formatNumber('sampling_rate');
    if (rate !== undefined) trace.samplingRate = rate;
    return trace;
  }

  private formatEntry(name: string): OutputData | null {
    const field = `data_format/${name}`;
    const entity = this.call(field, name, () => this.file.get(field));
    if (!(entity instanceof this.library.Dataset)) return null;
    const metadata = this.call(field, name, () => entity.metadata);
    this.checkReadSize(
      (metadata.shape ?? []).reduce((n, d) => n * d, 1),
      metadata,
      field,
      metadata.shape ?? [],
    );
    return this.call(field, name, () => entity.value);
  }

  /** The dataset's attributes that are numbers, strings or arrays of them; each read is bounded and wrapped like a dataset read. */
  private readAttributes(dataset: Dataset, key: string): Record<string, Hdf5AttributeValue> {
    const out: Record<string, Hdf5AttributeValue> = {};
    for (const [name, attribute] of Object.entries(this.call(`${key} attributes`, key, () => dataset.attrs))) {
      const field = `${key} attribute ${name}`;
      const metadata = this.call(field, name, () => attribute.metadata);
      this.checkReadSize(
        (metadata.shape ?? []).reduce((n, d) => n * d, 1),
        metadata,
        field,
        metadata.shape ?? [],
      );
      const value = attributeValue(this.call(field, name, () => attribute.value));
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  private formatString(name: string): string | undefined {
    const value = this.formatEntry(name);
    return typeof value === 'string' ? value : undefined;
  }

  private formatNumber(name: string): number | undefined {
    const value = this.formatEntry(name);
    if (value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new DataError(this.path, `data_format/${name}`, String(value), 'must be a positive number');
    }
    return value;
  }
}

/** Opens an HDF5 waveform file (see `Hdf5Waveforms`). */
export function openHdf5(path: string): Promise<Hdf5Waveforms> {
  return Hdf5Waveforms.open(path);
}

/**
 * Parses `3,:3,:6000` (trace index, then one slice per remaining axis; a
 * missing slice means the whole axis) into h5wasm ranges, checked against the
 * bucket's shape.
 */
function parseLocator(reference: string, locator: string, shape: number[], file: string): [number, number][] {
  const parts = locator.split(',').map((p) => p.trim());
  if (parts.length > shape.length) {
    throw new DataError(file, 'trace_name', reference, `more indices than the bucket's ${shape.length} axes`);
  }
  const ranges: [number, number][] = [];
  for (let axis = 0; axis < shape.length; axis++) {
    const size = shape[axis] as number;
    const part = parts[axis] ?? ':';
    let range: [number, number];
    const single = /^\d+$/.exec(part);
    const slice = /^(\d*):(\d*)$/.exec(part);
    if (single) range = [Number(part), Number(part) + 1];
    else if (slice) range = [slice[1] ? Number(slice[1]) : 0, slice[2] ? Number(slice[2]) : size];
    else throw new DataError(file, 'trace_name', reference, `cannot read index "${part}" (expected n, a:b, :b or a:)`);
    if (axis === 0 && !single) throw new DataError(file, 'trace_name', reference, 'the first index must pick one trace');
    if (range[0] >= range[1] || range[1] > size) {
      throw new DataError(file, 'trace_name', reference, `index "${part}" is empty or outside axis ${axis} of length ${size}`);
    }
    ranges.push(range);
  }
  return ranges;
}

function toFloat64(value: OutputData | null, file: string, field: string): Float64Array {
  if (value instanceof Float64Array) return value;
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) {
    const out = new Float64Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const v = value[i] as bigint;
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new DataError(file, `${field}[${i}]`, v, '64-bit integer too large for a float64');
      }
      out[i] = Number(v);
    }
    return out;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Float64Array.from(value as ArrayLike<number>);
  throw new DataError(file, field, typeof value, 'expected a numeric array');
}

function checkSamples(components: Float64Array[], file: string, key: string): void {
  if (components.length === 0 || (components[0] as Float64Array).length === 0) {
    throw new DataError(file, key, 0, 'zero-length trace');
  }
  components.forEach((c, i) => assertFiniteSamples(file, `${key} component ${i}`, c));
}

/** Rows x columns array, one component per column (samples x components). */
function splitColumns(values: Float64Array, rows: number, columns: number): Float64Array[] {
  return Array.from({ length: columns }, (_, c) => {
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) out[r] = values[r * columns + c] as number;
    return out;
  });
}

/** Rows x columns array, one component per row (components x samples). */
function splitRows(values: Float64Array, rows: number, columns: number): Float64Array[] {
  return Array.from({ length: rows }, (_, r) => values.slice(r * columns, (r + 1) * columns));
}

function attributeValue(value: OutputData | null): Hdf5AttributeValue | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v));
  }
  if (Array.isArray(value)) {
    const items = value.map(attributeValue);
    return items.every((v) => v !== undefined) ? (items as Hdf5AttributeValue[]) : undefined;
  }
  return undefined;
}

/**
 * Checks the HDF5 signature before handing the file to the C library, whose
 * errors name no file. The signature sits at offset 0, or after a user block
 * of 512, 1024, 2048, ... bytes.
 */
async function checkSignature(path: string): Promise<number> {
  const { handle, size } = await openRegularFile(path);
  try {
    let first = '';
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      const head = await handle.read(offset, 8);
      if (looksLikeHdf5(head)) return size;
      if (offset === 0) first = latin1(head);
    }
    throw new DataError(path, 'signature', first, 'not an HDF5 file (expected "\\x89HDF\\r\\n\\x1a\\n")');
  } finally {
    await handle.close();
  }
}

/**
 * Runs an h5wasm call and turns a library error into a DataError whose
 * problem is the innermost HDF5 message (e.g. "truncated file: eof = ...").
 * The library's own memory may grow by at most `bound` bytes meanwhile
 * (`withGrowthCeiling`).
 */
function hdf5Call<T>(library: Hdf5Library, bound: number, file: string, field: string, value: unknown, call: () => T): T {
  const growth = { refused: 0 };
  try {
    // The library reports each refused growth and its abort itself; the DataError says it in one line instead.
    return library.quietly(() => withGrowthCeiling(bound, growth, call));
  } catch (error) {
    if (error instanceof DataError) throw error;
    if (growth.refused > 0) {
      throw new DataError(
        file,
        field,
        value,
        `HDF5 error: the file's metadata made the library ask for ${growth.refused} more bytes, past the ${bound} a read of this file may take (16 x its size + 16 MiB)`,
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    const frames = message.split('\n').filter((line) => /#\d+:/.test(line));
    const innermost = frames.length > 0 ? (frames[frames.length - 1] as string).replace(/^.* in [\w.]+\(\): /, '') : message;
    throw new DataError(file, field, value, `HDF5 error: ${innermost.trim()}`);
  }
}

/**
 * Runs `call` with every WebAssembly memory allowed to grow by at most
 * `bytes` past its size when the call began. The HDF5 library allocates in
 * its own WebAssembly memory while it parses a file's metadata, where the
 * declared-size checks above cannot look; corrupt metadata can make it ask
 * for gigabytes. A refused growth is an allocation failure to the library,
 * which then fails the call; `growth.refused` keeps the largest growth
 * refused. h5wasm calls are synchronous, so nothing else on this thread
 * grows a memory meanwhile (workers have their own).
 */
function withGrowthCeiling<T>(bytes: number, growth: { refused: number }, call: () => T): T {
  const prototype = wasm.Memory.prototype;
  const grow = prototype.grow;
  const startSize = new WeakMap<WasmMemory, number>();
  prototype.grow = function growWithinCeiling(this: WasmMemory, pages: number): number {
    const size = this.buffer.byteLength;
    if (!startSize.has(this)) startSize.set(this, size);
    const grown = size + pages * WASM_PAGE_BYTES - startSize.get(this)!;
    if (grown > bytes) {
      growth.refused = Math.max(growth.refused, grown);
      throw new RangeError(`memory growth past ${bytes} bytes refused`);
    }
    return grow.call(this, pages);
  };
  try {
    return call();
  } finally {
    prototype.grow = grow;
  }
}
