/**
 * The members of a zip archive (the container of `.npz`), read from the
 * central directory and checked before anything is inflated:
 *
 * - every member's local header and data lie inside the file, before the
 *   central directory, and no two members share a byte (a directory of 300
 *   entries that all point at one 8 MiB member would otherwise inflate it
 *   300 times);
 * - the uncompressed sizes the directory declares add up to at most
 *   `decodedBytesBound(file size)`, and no member inflates past its declared
 *   size (the inflater stops there) or to a different CRC-32;
 * - only stored and deflated members, unencrypted, on one disk.
 *
 * ZIP64 sizes and offsets (numpy's `savez` writes ZIP64 local headers) are
 * read from the central directory's ZIP64 extra field. Memory: the archive
 * once plus the members asked for, each at most its declared size.
 */
import { Inflate } from 'fflate';
import { crc32 } from '../../common/crc32.js';
import { decodedBytesBound } from '../files.js';
import { DataError } from '../../common/errors.js';

const END_SIGNATURE = 0x06054b50;
const ZIP64_END_SIGNATURE = 0x06064b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const END_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
const STORED = 0;
const DEFLATED = 8;

/** One member as the central directory describes it. */
export interface ZipMember {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the member's local header. */
  localOffset: number;
}

/**
 * The members of the archive `bytes` (from `file`), checked as the file
 * comment says; `inflate` then gives one member's content.
 */
export function zipMembers(bytes: Uint8Array, file: string): ZipMember[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndRecord(view, file);
  let count = view.getUint16(end + 10, true);
  let directorySize = view.getUint32(end + 12, true);
  let directoryOffset = view.getUint32(end + 16, true);
  if (view.getUint16(end + 4, true) !== 0 || view.getUint16(end + 6, true) !== 0) {
    throw new DataError(file, 'zip disk number', view.getUint16(end + 4, true), 'multi-disk archives are not supported');
  }
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    ({ count, directorySize, directoryOffset } = zip64End(view, end, file));
  }
  if (directoryOffset + directorySize > end) {
    throw new DataError(file, 'zip central directory offset', directoryOffset, `the directory of ${directorySize} bytes runs past the end record at ${end}`);
  }
  if (count * CENTRAL_BYTES > directorySize) {
    throw new DataError(file, 'zip entry count', count, `${count} entries cannot fit in a ${directorySize}-byte central directory`);
  }
  const members: ZipMember[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    const member = centralEntry(view, at, directoryOffset + directorySize, file);
    members.push(member.entry);
    at = member.next;
  }
  checkLayout(view, members, directoryOffset, file);
  return members;
}

/** The content of one member, inflated to exactly its declared size and checked against its CRC-32. */
export function inflateMember(bytes: Uint8Array, member: ZipMember, file: string): Uint8Array {
  const where = `${file}:${member.name}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = dataStart(view, member, file);
  const raw = bytes.subarray(start, start + member.compressedSize);
  let content: Uint8Array;
  if (member.method === STORED) content = raw;
  else {
    let inflated: Uint8Array | undefined;
    try {
      inflated = inflateWithin(raw, member.size);
    } catch (error) {
      throw new DataError(where, 'uncompressed size', member.size, `corrupt deflate data (${(error as Error).message})`);
    }
    if (inflated === undefined) throw new DataError(where, 'uncompressed size', member.size, 'inflates past its declared size');
    content = inflated;
  }
  if (content.length !== member.size) {
    throw new DataError(where, 'uncompressed size', member.size, `the member holds ${content.length} bytes`);
  }
  const crc = crc32(content);
  if (crc !== member.crc) throw new DataError(where, 'crc32', member.crc, `the content's CRC-32 is ${crc} (corrupt member)`);
  return content;
}

/** Compressed bytes fed to the inflater at a time: at most ~16 MiB come out of them (deflate's ratio is at most 1032). */
const INFLATE_STEP = 16384;

/**
 * Inflates raw deflate data into at most `size` bytes, feeding it piece by
 * piece so that a member which inflates further is stopped within a piece,
 * not decoded to its end; undefined when it would pass `size`. Throws the
 * inflater's error for corrupt data.
 */
function inflateWithin(raw: Uint8Array, size: number): Uint8Array | undefined {
  const out = new Uint8Array(size);
  let filled = 0;
  let over = false;
  const inflater = new Inflate((chunk) => {
    if (over || filled + chunk.length > size) over = true;
    else {
      out.set(chunk, filled);
      filled += chunk.length;
    }
  });
  let at = 0;
  do {
    const end = Math.min(raw.length, at + INFLATE_STEP);
    inflater.push(raw.subarray(at, end), end === raw.length);
    at = end;
  } while (at < raw.length && !over);
  return over ? undefined : out.subarray(0, filled);
}

function findEndRecord(view: DataView, file: string): number {
  // The end record is the last 22 bytes, or precedes a comment of at most 65,535 bytes.
  const lowest = Math.max(0, view.byteLength - END_BYTES - 0xffff);
  for (let at = view.byteLength - END_BYTES; at >= lowest; at--) {
    if (view.getUint32(at, true) === END_SIGNATURE && at + END_BYTES + view.getUint16(at + 20, true) === view.byteLength) return at;
  }
  throw new DataError(file, 'zip end record', view.byteLength, 'no end-of-central-directory record (truncated or not a zip archive)');
}

function zip64End(view: DataView, end: number, file: string): { count: number; directorySize: number; directoryOffset: number } {
  const locator = end - 20;
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) {
    throw new DataError(file, 'zip64 locator', locator, 'the end record defers to a ZIP64 record that is missing');
  }
  const record = safeNumber(view.getBigUint64(locator + 8, true), file, 'zip64 end record offset');
  if (record + 56 > locator || view.getUint32(record, true) !== ZIP64_END_SIGNATURE) {
    throw new DataError(file, 'zip64 end record offset', record, 'no ZIP64 end record there');
  }
  return {
    count: safeNumber(view.getBigUint64(record + 32, true), file, 'zip64 entry count'),
    directorySize: safeNumber(view.getBigUint64(record + 40, true), file, 'zip64 central directory size'),
    directoryOffset: safeNumber(view.getBigUint64(record + 48, true), file, 'zip64 central directory offset'),
  };
}

function safeNumber(value: bigint, file: string, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DataError(file, field, value, 'larger than any file');
  return Number(value);
}

function centralEntry(view: DataView, at: number, limit: number, file: string): { entry: ZipMember; next: number } {
  if (at + CENTRAL_BYTES > limit || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
    throw new DataError(file, 'zip central directory', at, 'no central directory entry at this offset (corrupt archive)');
  }
  const flags = view.getUint16(at + 8, true);
  const method = view.getUint16(at + 10, true);
  const nameLength = view.getUint16(at + 28, true);
  const extraLength = view.getUint16(at + 30, true);
  const commentLength = view.getUint16(at + 32, true);
  const next = at + CENTRAL_BYTES + nameLength + extraLength + commentLength;
  if (next > limit) throw new DataError(file, 'zip central directory', at, 'an entry runs past the end of the directory');
  const name = new TextDecoder().decode(new Uint8Array(view.buffer, view.byteOffset + at + CENTRAL_BYTES, nameLength));
  const where = `${file}:${name}`;
  if (flags & 1) throw new DataError(where, 'zip flags', flags, 'encrypted members are not supported');
  if (method !== STORED && method !== DEFLATED) throw new DataError(where, 'zip method', method, 'only stored (0) and deflated (8) members are read');
  let compressedSize = view.getUint32(at + 20, true);
  let size = view.getUint32(at + 24, true);
  let localOffset = view.getUint32(at + 42, true);
  // ZIP64: the fields that hold 0xffffffff are in the extra field, in this order.
  const wide = [size === 0xffffffff, compressedSize === 0xffffffff, localOffset === 0xffffffff];
  if (wide.some(Boolean)) {
    const values = zip64Extra(view, at + CENTRAL_BYTES + nameLength, extraLength, wide.filter(Boolean).length, where);
    if (wide[0]) size = values.shift() as number;
    if (wide[1]) compressedSize = values.shift() as number;
    if (wide[2]) localOffset = values.shift() as number;
  }
  if (method === STORED && compressedSize !== size) {
    throw new DataError(where, 'zip compressed size', compressedSize, `a stored member must be as large as its content (${size})`);
  }
  return { entry: { name, method, crc: view.getUint32(at + 16, true), compressedSize, size, localOffset }, next };
}

function zip64Extra(view: DataView, start: number, length: number, wanted: number, where: string): number[] {
  for (let at = start; at + 4 <= start + length; ) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === ZIP64_EXTRA_ID) {
      if (size < 8 * wanted || at + 4 + size > start + length) throw new DataError(where, 'zip64 extra field', size, `too short for ${wanted} values`);
      return Array.from({ length: wanted }, (_, i) => safeNumber(view.getBigUint64(at + 4 + 8 * i, true), where, 'zip64 extra field'));
    }
    at += 4 + size;
  }
  throw new DataError(where, 'zip64 extra field', 'missing', 'the directory entry defers its sizes to a ZIP64 field that is absent');
}

function dataStart(view: DataView, member: ZipMember, file: string): number {
  const at = member.localOffset;
  if (at + LOCAL_BYTES > view.byteLength || view.getUint32(at, true) !== LOCAL_SIGNATURE) {
    throw new DataError(`${file}:${member.name}`, 'zip local header offset', at, 'no local file header there (corrupt archive)');
  }
  return at + LOCAL_BYTES + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
}

/** Members lie before the central directory, one after another without sharing bytes, and declare a bounded total. */
function checkLayout(view: DataView, members: ZipMember[], directoryOffset: number, file: string): void {
  const spans = members
    .map((member) => {
      const start = dataStart(view, member, file);
      return { member, start: member.localOffset, end: start + member.compressedSize };
    })
    .sort((a, b) => a.start - b.start);
  let previous: (typeof spans)[number] | undefined;
  for (const span of spans) {
    if (span.end > directoryOffset) {
      throw new DataError(`${file}:${span.member.name}`, 'zip compressed size', span.member.compressedSize, 'the member runs into the central directory');
    }
    if (previous !== undefined && span.start < previous.end) {
      const problem = `overlaps member "${previous.member.name}" (bytes ${previous.start}-${previous.end})`;
      throw new DataError(`${file}:${span.member.name}`, 'zip local header offset', span.start, problem);
    }
    previous = span;
  }
  const declared = members.reduce((sum, m) => sum + m.size, 0);
  const bound = decodedBytesBound(view.byteLength);
  if (declared > bound) {
    throw new DataError(file, 'zip uncompressed size', declared, `the members would inflate past ${bound} bytes (16 x the file + 16 MiB)`);
  }
}
