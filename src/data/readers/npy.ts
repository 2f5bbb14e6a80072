/**
 * NumPy `.npy` arrays and `.npz` archives.
 *
 * `.npy` (format versions 1.0, 2.0, 3.0): the magic "\x93NUMPY", the
 * version, a header length (2 bytes in v1, 4 in v2/v3), a Python dict literal
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (9001, 3), }` and the raw
 * array. Numeric dtypes `<f4 <f8 >f4 >f8 <i2 <i4 <i8 |u1 |i1 <u2 <u4` and
 * fixed-width unicode strings `<U<n>` (PhaseNet's npz files name their
 * channels that way) are read; C order only, because a Fortran-order array
 * read as C order silently transposes the data.
 *
 * `.npz` is a zip archive (stored or deflated) of `.npy` members; members
 * are named without the `.npy` suffix, as `numpy.load` does.
 *
 * Float samples are checked: a NaN or infinity anywhere is an error that
 * names the element.
 *
 * Memory: the declared shape must match the bytes present before anything is
 * allocated, so a `.npy` decodes to at most 8 bytes per stored byte; an
 * `.npz` is checked member by member before inflating (see `zip.ts`: members
 * may not overlap and inflate to at most 16 x the archive + 16 MiB).
 */
import { DataError } from '../../common/errors.js';
import { latin1 } from '../../common/text.js';
import { host } from '../../host/host.js';
import { readRegularFile } from '../files.js';
import { inflateMember, zipMembers } from './zip.js';

export type NpyNumericDtype = '<f4' | '<f8' | '>f4' | '>f8' | '<i2' | '<i4' | '<i8' | '|u1' | '|i1' | '<u2' | '<u4';

export type NpyTypedArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array;

export interface NpyNumericArray {
  kind: 'numeric';
  dtype: NpyNumericDtype;
  /** C-order shape; `[]` for a scalar. */
  shape: number[];
  data: NpyTypedArray;
}

export interface NpyStringArray {
  kind: 'string';
  /** `<U<n>`: unicode strings of at most n characters. */
  dtype: string;
  shape: number[];
  data: string[];
}

export type NpyArray = NpyNumericArray | NpyStringArray;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface DtypeCodec {
  size: number;
  read(view: DataView, count: number): NpyTypedArray;
}

function codec<T extends NpyTypedArray>(size: number, make: (n: number) => T, get: (view: DataView, at: number) => T[number]): DtypeCodec {
  return {
    size,
    read(view, count) {
      const out = make(count);
      for (let i = 0; i < count; i++) out[i] = get(view, i * size);
      return out;
    },
  };
}

/** Decoding through DataView keeps the result right whatever the host byte order. */
const CODECS: Record<NpyNumericDtype, DtypeCodec> = {
  '<f4': codec(
    4,
    (n) => new Float32Array(n),
    (v, at) => v.getFloat32(at, true),
  ),
  '>f4': codec(
    4,
    (n) => new Float32Array(n),
    (v, at) => v.getFloat32(at, false),
  ),
  '<f8': codec(
    8,
    (n) => new Float64Array(n),
    (v, at) => v.getFloat64(at, true),
  ),
  '>f8': codec(
    8,
    (n) => new Float64Array(n),
    (v, at) => v.getFloat64(at, false),
  ),
  '<i2': codec(
    2,
    (n) => new Int16Array(n),
    (v, at) => v.getInt16(at, true),
  ),
  '<i4': codec(
    4,
    (n) => new Int32Array(n),
    (v, at) => v.getInt32(at, true),
  ),
  '<i8': codec(
    8,
    (n) => new BigInt64Array(n),
    (v, at) => v.getBigInt64(at, true),
  ),
  '|u1': codec(
    1,
    (n) => new Uint8Array(n),
    (v, at) => v.getUint8(at),
  ),
  '|i1': codec(
    1,
    (n) => new Int8Array(n),
    (v, at) => v.getInt8(at),
  ),
  '<u2': codec(
    2,
    (n) => new Uint16Array(n),
    (v, at) => v.getUint16(at, true),
  ),
  '<u4': codec(
    4,
    (n) => new Uint32Array(n),
    (v, at) => v.getUint32(at, true),
  ),
};

function isNumericDtype(descr: string): descr is NpyNumericDtype {
  return Object.hasOwn(CODECS, descr);
}

/** Reads a `.npy` file. */
export async function readNpy(path: string): Promise<NpyArray> {
  return decodeNpy(await readRegularFile(path), path);
}

/** Whether `bytes` start with the `.npy` magic. */
export function looksLikeNpy(bytes: Uint8Array): boolean {
  return MAGIC.every((b, i) => bytes[i] === b);
}

/** Decodes a `.npy` file held in memory; `file` names it (e.g. `archive.npz:data.npy`) in error messages. */
export function decodeNpy(bytes: Uint8Array, file: string): NpyArray {
  if (!looksLikeNpy(bytes)) {
    throw new DataError(file, 'magic', latin1(bytes.subarray(0, 6)), 'not a .npy file (expected "\\x93NUMPY")');
  }
  if (bytes.length < 10) throw new DataError(file, 'file size', bytes.length, 'truncated .npy header');
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataError(file, 'file size', bytes.length, 'truncated .npy header');
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw new DataError(file, 'version', `${major}.${bytes[7]}`, 'unsupported .npy format version (1.0, 2.0 and 3.0 are read)');
  }
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) {
    throw new DataError(file, 'header length', headerLength, `truncated: the file has ${bytes.length} bytes`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  // v1/v2 headers are latin-1, v3 headers UTF-8; the keys and values read here are ASCII either way.
  const header = major === 3 ? new TextDecoder().decode(headerBytes) : latin1(headerBytes);
  const { descr, shape } = parseHeader(header, file);

  const count = shape.reduce((n, d) => n * d, 1);
  const stringWidth = /^[<>|]U(\d+)$/.exec(descr);
  const itemSize = stringWidth ? 4 * Number(stringWidth[1]) : isNumericDtype(descr) ? CODECS[descr].size : undefined;
  if (itemSize === 0) throw new DataError(file, 'descr', descr, 'a string dtype needs a width of at least one character');
  if (itemSize === undefined) {
    throw new DataError(file, 'descr', descr, 'unsupported dtype (supported: <f4 <f8 >f4 >f8 <i2 <i4 <i8 |u1 |i1 <u2 <u4 and <U strings)');
  }
  const expected = dataStart + count * itemSize;
  if (bytes.length < expected) {
    throw new DataError(file, 'shape', shape, `truncated: the array needs ${expected} bytes, the file has ${bytes.length}`);
  }
  if (bytes.length > expected) {
    throw new DataError(file, 'shape', shape, `the file has ${bytes.length - expected} bytes beyond the array`);
  }
  const dataView = new DataView(bytes.buffer, bytes.byteOffset + dataStart, count * itemSize);
  if (stringWidth) {
    const width = Number(stringWidth[1]);
    const little = descr[0] !== '>';
    const data: string[] = [];
    for (let i = 0; i < count; i++) {
      let text = '';
      for (let c = 0; c < width; c++) {
        const code = dataView.getUint32((i * width + c) * 4, little);
        if (code === 0) break; // numpy pads short strings with NULs
        text += String.fromCodePoint(code);
      }
      data.push(text);
    }
    return { kind: 'string', dtype: descr, shape, data };
  }
  const dtype = descr as NpyNumericDtype;
  const data = CODECS[dtype].read(dataView, count);
  if (data instanceof Float32Array || data instanceof Float64Array) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (!Number.isFinite(v)) throw new DataError(file, `element [${multiIndex(i, shape)}]`, v, 'samples must be finite numbers');
    }
  }
  return { kind: 'numeric', dtype, shape, data };
}

function parseHeader(header: string, file: string): { descr: string; shape: number[] } {
  const text = header.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) {
    throw new DataError(file, 'header', text.slice(0, 60), 'not a Python dict literal');
  }
  if (/['"]descr['"]\s*:\s*\[/.test(text)) {
    throw new DataError(file, 'descr', 'structured', 'structured (record) dtypes are not supported');
  }
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  if (descr === undefined) throw new DataError(file, 'descr', 'missing', 'the header names no dtype');
  const fortran = /['"]fortran_order['"]\s*:\s*(\w+)/.exec(text)?.[1];
  if (fortran === 'True') {
    throw new DataError(file, 'fortran_order', 'True', 'Fortran-order arrays are not supported; save the array in C order');
  }
  if (fortran !== 'False') throw new DataError(file, 'fortran_order', fortran ?? 'missing', 'must be False');
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (shapeText === undefined) throw new DataError(file, 'shape', 'missing', 'the header gives no shape tuple');
  const shape: number[] = [];
  for (const part of shapeText.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    if (!/^\d+L?$/.test(item)) throw new DataError(file, 'shape', `(${shapeText})`, 'dimensions must be non-negative integers');
    shape.push(Number.parseInt(item, 10));
  }
  return { descr, shape };
}

/**
 * Reads the members of an `.npz` archive, by name without `.npy`. With
 * `members`, only those are inflated and decoded, and each must be present.
 */
export async function readNpz(path: string, members?: readonly string[]): Promise<Map<string, NpyArray>> {
  const bytes = await readRegularFile(path);
  if (!looksLikeZip(bytes)) {
    throw new DataError(path, 'magic', latin1(bytes.subarray(0, 4)), 'not an .npz file (expected a zip archive, "PK\\x03\\x04")');
  }
  const entries = zipMembers(bytes, path).filter((entry) => !entry.name.endsWith('/')); // directory entries hold nothing
  const present = entries.map((entry) => memberName(entry.name));
  for (const name of members ?? []) {
    if (!present.includes(name)) {
      throw new DataError(path, 'member', name, `not in the archive (it holds: ${present.join(', ') || 'nothing'})`);
    }
  }
  const arrays = new Map<string, NpyArray>();
  for (const entry of entries) {
    const name = memberName(entry.name);
    if (members !== undefined && !members.includes(name)) continue;
    if (arrays.has(name)) throw new DataError(path, 'member', name, 'the archive holds two members of this name');
    arrays.set(name, decodeNpy(inflateMember(bytes, entry, path), `${path}:${entry.name}`));
  }
  return arrays;
}

/** Whether `bytes` start like a zip archive (a local file header, or the end record of an empty archive). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

function memberName(entry: string): string {
  return entry.endsWith('.npy') ? entry.slice(0, -4) : entry;
}

/**
 * Converts a numeric array to float64, refusing int64 values that a double
 * cannot hold exactly (beyond 2^53).
 */
export function npyToFloat64(array: NpyNumericArray, file: string, field: string): Float64Array {
  const { data } = array;
  if (data instanceof Float64Array) return data;
  const out = new Float64Array(data.length);
  if (data instanceof BigInt64Array) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as bigint;
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new DataError(file, `${field}[${multiIndex(i, array.shape)}]`, v, 'int64 value too large for a float64');
      }
      out[i] = Number(v);
    }
    return out;
  }
  out.set(data);
  return out;
}

/** Data types the writer stores, by the typed array that holds them. */
function dtypeOf(data: NpyTypedArray): NpyNumericDtype {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int8Array) return '|i1';
  if (data instanceof Uint8Array) return '|u1';
  if (data instanceof Int16Array) return '<i2';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint32Array) return '<u4';
  return '<i8';
}

/**
 * Encodes a C-order `.npy` (format 1.0, little-endian) whose dtype follows
 * the typed array (Float32Array -> `<f4`, Float64Array -> `<f8`, ...).
 */
export function encodeNpy(data: NpyTypedArray, shape: readonly number[], file = '<npy being written>'): Uint8Array {
  const count = shape.reduce((n, d) => n * d, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || count !== data.length) {
    throw new DataError(file, 'shape', [...shape], `must be non-negative integers whose product is the ${data.length} elements`);
  }
  const dtype = dtypeOf(data);
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // Pad with spaces and end with a newline so that the data starts on a 64-byte boundary, as numpy does.
  const unpadded = 10 + header.length + 1;
  header += `${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const size = CODECS[dtype].size;
  const bytes = new Uint8Array(10 + header.length + count * size);
  bytes.set(MAGIC, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  const view = new DataView(bytes.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  for (let i = 0; i < count; i++) {
    const at = start + i * size;
    const v = data[i] as number | bigint;
    if (typeof v === 'bigint') view.setBigInt64(at, v, true);
    else if (dtype === '<f4') view.setFloat32(at, v, true);
    else if (dtype === '<f8') view.setFloat64(at, v, true);
    else if (dtype === '|i1') view.setInt8(at, v);
    else if (dtype === '|u1') view.setUint8(at, v);
    else if (dtype === '<i2') view.setInt16(at, v, true);
    else if (dtype === '<u2') view.setUint16(at, v, true);
    else if (dtype === '<i4') view.setInt32(at, v, true);
    else view.setUint32(at, v, true);
  }
  return bytes;
}

/** Writes a `.npy` file (see `encodeNpy`). */
export async function writeNpy(path: string, data: NpyTypedArray, shape: readonly number[]): Promise<void> {
  await host().files.writeAtomic(path, encodeNpy(data, shape, path));
}

/** `i` as a C-order index into `shape`, e.g. "411, 1", so a bad element can be found. */
function multiIndex(i: number, shape: readonly number[]): string {
  if (shape.length <= 1) return String(i);
  const index: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d] as number;
    index.unshift(rest % size);
    rest = Math.floor(rest / size);
  }
  return index.join(', ');
}
