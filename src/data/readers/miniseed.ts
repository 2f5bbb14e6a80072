/**
 * miniSEED 2 (SEED 2.4 data-only records), read and written by this module.
 *
 * A file is a sequence of records. Each record has a 48-byte fixed header
 * (station, location, channel, network, start time, sample count, sample
 * rate), a chain of blockettes, and a data section. Blockette 1000 is
 * required (it gives the record length, the encoding and the byte order of
 * the data); blockette 1001 adds microseconds to the start time. The fixed
 * header's own byte order is found the way libmseed does it: the start year
 * and day of year are plausible in only one order.
 *
 * Supported encodings: int16 (1), int32 (3), float32 (4), float64 (5),
 * Steim-1 (10), Steim-2 (11). Records with no samples or a sample rate of 0
 * (log, detection and other non-waveform records) hold no time series and are
 * skipped; any other unknown encoding is an error.
 *
 * Records are grouped into one trace per NET.STA.LOC.CHA id, sorted by start
 * time, and joined into contiguous segments. A record whose first sample is
 * more than half a sample interval away from where the previous one ended
 * starts a new segment, and the break is reported as a gap (or an overlap,
 * with negative seconds) instead of being papered over.
 *
 * Times are seconds since 1970-01-01T00:00:00Z (float64: about 0.2 us
 * resolution at present-day epochs, finer than SEED's 1 us).
 */
import { host } from '../../host/host.js';
import { readRegularFile } from '../files.js';
import { DataError, assertFiniteSamples } from '../../common/errors.js';

const FIXED_HEADER_BYTES = 48;
const STEIM_FRAME_BYTES = 64;
/** SEED times are in units of 0.0001 s. */
const TICKS_PER_SECOND = 10_000;

export type MiniSeedEncoding = 'int16' | 'int32' | 'float32' | 'float64' | 'steim1' | 'steim2';

const ENCODING_BY_CODE: ReadonlyMap<number, MiniSeedEncoding> = new Map([
  [1, 'int16'],
  [3, 'int32'],
  [4, 'float32'],
  [5, 'float64'],
  [10, 'steim1'],
  [11, 'steim2'],
]);

/** The time series of one data record. */
export interface MiniSeedRecord {
  network: string;
  station: string;
  location: string;
  channel: string;
  /** Time of the first sample (s since 1970), time correction and blockette 1001 applied. */
  startTime: number;
  samplingRate: number;
  encoding: MiniSeedEncoding;
  samples: Float64Array;
}

/** A stretch of a trace with no gap or overlap inside. */
export interface MiniSeedSegment {
  /** Time of the first sample (s since 1970). */
  startTime: number;
  samples: Float64Array;
}

/**
 * A break between two segments. `start` is when the next sample was due
 * (the previous segment's last sample plus one interval), `end` is when the
 * next segment's first sample is; `seconds` = end - start, negative for an
 * overlap.
 */
export interface MiniSeedGap {
  start: number;
  end: number;
  seconds: number;
}

/** All records of one NET.STA.LOC.CHA id. */
export interface MiniSeedTrace {
  /** `NET.STA.LOC.CHA`, blank location kept empty (e.g. `IU.ANMO..BHZ`). */
  id: string;
  network: string;
  station: string;
  location: string;
  channel: string;
  samplingRate: number;
  encoding: MiniSeedEncoding;
  segments: MiniSeedSegment[];
  gaps: MiniSeedGap[];
}

/** Reads every waveform record of a miniSEED file and assembles them into traces. */
export async function readMiniSeed(path: string): Promise<MiniSeedTrace[]> {
  return decodeMiniSeed(await readRegularFile(path), path);
}

/** Decodes a miniSEED file held in memory; `file` names it in error messages. */
export function decodeMiniSeed(bytes: Uint8Array, file: string): MiniSeedTrace[] {
  if (bytes.length === 0) throw new DataError(file, 'file size', 0, 'empty file: no miniSEED records');
  const records: MiniSeedRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const { record, recordLength } = decodeMiniSeedRecord(bytes, offset, file);
    if (record) records.push(record);
    offset += recordLength;
  }
  if (records.length === 0) {
    throw new DataError(file, 'records', 0, 'no record holds waveform samples (zero-length trace)');
  }
  return assembleTraces(records, file);
}

/** Whether `bytes` (the start of a file) look like a miniSEED 2 fixed header. */
export function looksLikeMiniSeed(bytes: Uint8Array): boolean {
  if (bytes.length < FIXED_HEADER_BYTES) return false;
  for (let i = 0; i < 6; i++) {
    const c = bytes[i] as number;
    if (!((c >= 0x30 && c <= 0x39) || c === 0x20 || c === 0)) return false;
  }
  if (!'DRQM'.includes(String.fromCharCode(bytes[6] as number))) return false;
  if (bytes[7] !== 0x20 && bytes[7] !== 0) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return headerByteOrder(view, 0) !== undefined;
}

/** The fixed header is big-endian when year and day of year read sensibly that way, else little-endian. */
function headerByteOrder(view: DataView, offset: number): 'big' | 'little' | undefined {
  const plausible = (little: boolean): boolean => {
    const year = view.getUint16(offset + 20, little);
    const day = view.getUint16(offset + 22, little);
    return year >= 1900 && year <= 2100 && day >= 1 && day <= 366;
  };
  if (plausible(false)) return 'big';
  if (plausible(true)) return 'little';
  return undefined;
}

/**
 * Decodes the record at `offset` of `bytes`; `record` is undefined for
 * records that hold no time series. `position` is where `bytes[offset]` lies
 * in the file, for messages (a reader holding only part of a stream passes it).
 */
export function decodeMiniSeedRecord(
  bytes: Uint8Array,
  offset: number,
  file: string,
  position = offset,
): { record: MiniSeedRecord | undefined; recordLength: number } {
  const where = `record at byte ${position}`;
  if (bytes.length - offset < FIXED_HEADER_BYTES) {
    throw new DataError(file, `${where}: fixed header`, bytes.length - offset, 'truncated: a fixed header needs 48 bytes');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const quality = String.fromCharCode(bytes[offset + 6] as number);
  if (!'DRQM'.includes(quality)) {
    throw new DataError(file, `${where}: data quality indicator`, quality, 'not a miniSEED data record (expected D, R, Q or M)');
  }
  const order = headerByteOrder(view, offset);
  if (order === undefined) {
    throw new DataError(
      file,
      `${where}: start year`,
      view.getUint16(offset + 20, false),
      'no byte order gives a start year in 1900-2100 and a day of year in 1-366',
    );
  }
  const little = order === 'little';
  const u8 = (at: number): number => view.getUint8(offset + at);
  const u16 = (at: number): number => view.getUint16(offset + at, little);
  const i16 = (at: number): number => view.getInt16(offset + at, little);

  const station = ascii(bytes, offset + 8, 5);
  const location = ascii(bytes, offset + 13, 2);
  const channel = ascii(bytes, offset + 15, 3);
  const network = ascii(bytes, offset + 18, 2);

  const year = u16(20);
  const dayOfYear = u16(22);
  const hour = u8(24);
  const minute = u8(25);
  const second = u8(26);
  const ticks = u16(28);
  if (hour > 23 || minute > 59 || second > 60 || ticks >= TICKS_PER_SECOND) {
    throw new DataError(file, `${where}: start time`, `${year},${dayOfYear},${hour}:${minute}:${second}.${ticks}`, 'not a valid SEED time');
  }
  let startTime = Date.UTC(year, 0, 1, hour, minute, second) / 1000 + (dayOfYear - 1) * 86_400 + ticks / TICKS_PER_SECOND;
  const sampleCount = u16(30);
  const samplingRate = sampleRate(i16(32), i16(34));
  const activityFlags = u8(36);
  const timeCorrection = view.getInt32(offset + 40, little);
  // Bit 1 set means the correction is already in the start time.
  if ((activityFlags & 0x02) === 0) startTime += timeCorrection / TICKS_PER_SECOND;
  const dataOffset = u16(44);

  let encodingCode: number | undefined;
  let dataLittle = false;
  let recordLength: number | undefined;
  let blockette = u16(46);
  const seen = new Set<number>();
  while (blockette !== 0) {
    if (seen.has(blockette) || blockette < FIXED_HEADER_BYTES || offset + blockette + 4 > bytes.length) {
      throw new DataError(file, `${where}: blockette offset`, blockette, 'blockette chain points outside the record or loops');
    }
    seen.add(blockette);
    const type = u16(blockette);
    const next = u16(blockette + 2);
    if (type === 1000) {
      if (offset + blockette + 8 > bytes.length) {
        throw new DataError(file, `${where}: blockette 1000`, blockette, 'truncated blockette');
      }
      encodingCode = u8(blockette + 4);
      const wordOrder = u8(blockette + 5);
      if (wordOrder > 1) {
        throw new DataError(file, `${where}: blockette 1000 word order`, wordOrder, 'must be 0 (little-endian) or 1 (big-endian)');
      }
      dataLittle = wordOrder === 0;
      const exponent = u8(blockette + 6);
      if (exponent < 7 || exponent > 20) {
        throw new DataError(file, `${where}: blockette 1000 record length exponent`, exponent, 'record length must be 2^7 to 2^20 bytes');
      }
      recordLength = 2 ** exponent;
    } else if (type === 1001) {
      // Microseconds beyond the 0.0001 s of the fixed header, -50 to +49.
      startTime += view.getInt8(offset + blockette + 5) / 1_000_000;
    }
    blockette = next;
  }
  if (recordLength === undefined || encodingCode === undefined) {
    throw new DataError(file, `${where}: blockette 1000`, 'missing', 'miniSEED needs blockette 1000 (record length, encoding, byte order)');
  }
  if (offset + recordLength > bytes.length) {
    throw new DataError(file, `${where}: record length`, recordLength, `truncated: the file ends ${bytes.length - offset} bytes into this record`);
  }
  if (sampleCount === 0 || samplingRate === 0) return { record: undefined, recordLength };
  const encoding = ENCODING_BY_CODE.get(encodingCode);
  if (encoding === undefined) {
    throw new DataError(
      file,
      `${where}: encoding`,
      encodingCode,
      'unsupported encoding (supported: 1 int16, 3 int32, 4 float32, 5 float64, 10 Steim-1, 11 Steim-2)',
    );
  }
  if (dataOffset < FIXED_HEADER_BYTES || dataOffset >= recordLength) {
    throw new DataError(file, `${where}: beginning of data`, dataOffset, `must lie inside the ${recordLength}-byte record`);
  }
  const data = bytes.subarray(offset + dataOffset, offset + recordLength);
  const samples = decodeSamples(data, encoding, sampleCount, dataLittle, file, `${where}: data`);
  assertFiniteSamples(file, `${where}: data`, samples);
  const record = { network, station, location, channel, startTime, samplingRate, encoding, samples };
  return { record, recordLength };
}

/** SEED's sample rate factor / multiplier pair (SEED 2.4 manual, fixed header field 10). */
function sampleRate(factor: number, multiplier: number): number {
  if (factor === 0 || multiplier === 0) return 0;
  if (factor > 0) return multiplier > 0 ? factor * multiplier : -factor / multiplier;
  return multiplier > 0 ? -multiplier / factor : 1 / (factor * multiplier);
}

function decodeSamples(data: Uint8Array, encoding: MiniSeedEncoding, count: number, little: boolean, file: string, field: string): Float64Array {
  if (encoding === 'steim1') return Float64Array.from(decodeSteim1(data, count, little, file, field));
  if (encoding === 'steim2') return Float64Array.from(decodeSteim2(data, count, little, file, field));
  const width = { int16: 2, int32: 4, float32: 4, float64: 8 }[encoding];
  if (count * width > data.length) {
    const problem = `${count} ${encoding} samples need ${count * width} bytes, the record holds ${data.length}`;
    throw new DataError(file, `${field} sample count`, count, problem);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * width;
    samples[i] =
      encoding === 'int16'
        ? view.getInt16(at, little)
        : encoding === 'int32'
          ? view.getInt32(at, little)
          : encoding === 'float32'
            ? view.getFloat32(at, little)
            : view.getFloat64(at, little);
  }
  return samples;
}

/**
 * Steim-1: 64-byte frames of 16 words. Word 0 of each frame holds 2-bit codes
 * for words 0-15 (most significant bits first): 0 = no data, 1 = four 8-bit
 * differences, 2 = two 16-bit, 3 = one 32-bit. Words 1 and 2 of frame 0 are
 * the first sample (X0) and the last sample (Xn) of the record. The first
 * difference refers to the previous record and is not used; Xn is checked.
 */
export function decodeSteim1(data: Uint8Array, count: number, little: boolean, file: string, field = 'data'): Int32Array {
  return integrate(steimDifferences(data, count, little, file, field, steim1Word), count, file, field);
}

/**
 * Steim-2: as Steim-1, but codes 2 and 3 use the top two bits of the data
 * word (dnib) to choose among 1 x 30, 2 x 15, 3 x 10 bits (code 2) and
 * 5 x 6, 6 x 5, 7 x 4 bits (code 3).
 */
export function decodeSteim2(data: Uint8Array, count: number, little: boolean, file: string, field = 'data'): Int32Array {
  return integrate(steimDifferences(data, count, little, file, field, steim2Word), count, file, field);
}

interface SteimDifferences {
  first: number;
  last: number;
  differences: number[];
}

type SteimWordDecoder = (code: number, word: number, out: number[], file: string, field: string) => void;

function steimDifferences(data: Uint8Array, count: number, little: boolean, file: string, field: string, decodeWord: SteimWordDecoder): SteimDifferences {
  const frames = Math.floor(data.length / STEIM_FRAME_BYTES);
  if (frames === 0) throw new DataError(file, `${field} Steim frames`, 0, 'the record has no room for a Steim frame');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const differences: number[] = [];
  let first = 0;
  let last = 0;
  for (let frame = 0; frame < frames && differences.length < count; frame++) {
    const base = frame * STEIM_FRAME_BYTES;
    const control = view.getUint32(base, little);
    for (let w = 1; w < 16; w++) {
      const word = view.getInt32(base + 4 * w, little);
      if (frame === 0 && w === 1) first = word;
      else if (frame === 0 && w === 2) last = word;
      else decodeWord((control >>> (30 - 2 * w)) & 3, word, differences, file, `${field} frame ${frame} word ${w}`);
    }
  }
  if (differences.length < count) {
    throw new DataError(file, `${field} sample count`, count, `the Steim frames hold only ${differences.length} differences`);
  }
  return { first, last, differences };
}

function steim1Word(code: number, word: number, out: number[]): void {
  if (code === 1) pushFields(word, 8, 4, 32, out);
  else if (code === 2) pushFields(word, 16, 2, 32, out);
  else if (code === 3) out.push(word);
}

function steim2Word(code: number, word: number, out: number[], file: string, field: string): void {
  const dnib = word >>> 30;
  if (code === 1) pushFields(word, 8, 4, 32, out);
  else if (code === 2) {
    if (dnib === 1) pushFields(word, 30, 1, 30, out);
    else if (dnib === 2) pushFields(word, 15, 2, 30, out);
    else if (dnib === 3) pushFields(word, 10, 3, 30, out);
    else throw new DataError(file, `${field} dnib`, dnib, 'invalid Steim-2 sub-code for code 2');
  } else if (code === 3) {
    if (dnib === 0) pushFields(word, 6, 5, 30, out);
    else if (dnib === 1) pushFields(word, 5, 6, 30, out);
    else if (dnib === 2) pushFields(word, 4, 7, 28, out);
    else throw new DataError(file, `${field} dnib`, dnib, 'invalid Steim-2 sub-code for code 3');
  }
}

/**
 * Pushes `count` signed `bits`-bit differences packed into the low `span`
 * bits of `word`, most significant first (shift the field to the top, then
 * arithmetic-shift it down to sign-extend it).
 */
function pushFields(word: number, bits: number, count: number, span: number, out: number[]): void {
  for (let k = 0; k < count; k++) out.push((word << (32 - span + k * bits)) >> (32 - bits));
}

function integrate({ first, last, differences }: SteimDifferences, count: number, file: string, field: string): Int32Array {
  const samples = new Int32Array(count);
  samples[0] = first;
  for (let i = 1; i < count; i++) samples[i] = ((samples[i - 1] as number) + (differences[i] as number)) | 0;
  if (samples[count - 1] !== last) {
    throw new DataError(file, `${field} reverse integration constant`, last, `the decoded last sample is ${samples[count - 1]}: corrupt Steim frames`);
  }
  return samples;
}

function assembleTraces(records: MiniSeedRecord[], file: string): MiniSeedTrace[] {
  const byId = new Map<string, MiniSeedRecord[]>();
  for (const record of records) {
    const id = `${record.network}.${record.station}.${record.location}.${record.channel}`;
    const list = byId.get(id);
    if (list) list.push(record);
    else byId.set(id, [record]);
  }
  const traces: MiniSeedTrace[] = [];
  for (const [id, list] of byId) {
    list.sort((a, b) => a.startTime - b.startTime);
    const head = list[0] as MiniSeedRecord;
    const rates = [...new Set(list.map((r) => r.samplingRate))];
    if (rates.length > 1) {
      throw new DataError(file, `${id} sampling rate`, rates, 'mismatched sampling rates in one trace');
    }
    const interval = 1 / head.samplingRate;
    const segments: MiniSeedSegment[] = [];
    const gaps: MiniSeedGap[] = [];
    let parts: Float64Array[] = [];
    let segmentStart = head.startTime;
    let nextDue = head.startTime;
    for (const record of list) {
      const mismatch = record.startTime - nextDue;
      if (parts.length > 0 && Math.abs(mismatch) > interval / 2) {
        segments.push({ startTime: segmentStart, samples: concat(parts) });
        gaps.push({ start: nextDue, end: record.startTime, seconds: mismatch });
        parts = [];
        segmentStart = record.startTime;
      }
      parts.push(record.samples);
      nextDue = record.startTime + record.samples.length * interval;
    }
    segments.push({ startTime: segmentStart, samples: concat(parts) });
    traces.push({
      id,
      network: head.network,
      station: head.station,
      location: head.location,
      channel: head.channel,
      samplingRate: head.samplingRate,
      encoding: head.encoding,
      segments,
      gaps,
    });
  }
  return traces;
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function ascii(bytes: Uint8Array, offset: number, width: number): string {
  let text = '';
  for (let i = 0; i < width; i++) text += String.fromCharCode(bytes[offset + i] as number);
  return text.replace(/[\0 ]+$/, '').replace(/^[\0 ]+/, '');
}

/* ------------------------------------------------------------------ writer */

export type MiniSeedWriteEncoding = 'int32' | 'float32' | 'steim1';

export interface MiniSeedWriteTrace {
  network: string;
  station: string;
  location: string;
  channel: string;
  samplingRate: number;
  /** Time of the first sample (s since 1970); stored to 0.0001 s. */
  startTime: number;
  samples: ArrayLike<number>;
}

export interface MiniSeedWriteOptions {
  encoding: MiniSeedWriteEncoding;
  /** Bytes per record, a power of two from 256 to 65536; 512 by default. */
  recordLength?: number;
  /** Sequence number of the first record (1 by default): a file written trace part by trace part numbers its records on. */
  firstSequence?: number;
}

const WRITE_ENCODING_CODES: Record<MiniSeedWriteEncoding, number> = { int32: 3, float32: 4, steim1: 10 };
/** Data start after the fixed header and one 8-byte blockette 1000, rounded up to 64 bytes as Steim frames require. */
const WRITE_DATA_OFFSET = 64;

/**
 * Encodes one trace as big-endian miniSEED 2 records with blockette 1000
 * (the SEED default byte order). int32 and Steim-1 store integers only, so
 * samples must be whole numbers in the int32 range for those encodings.
 */
export function encodeMiniSeed(trace: MiniSeedWriteTrace, options: MiniSeedWriteOptions, file = '<miniSEED being written>'): Uint8Array {
  const recordLength = options.recordLength ?? 512;
  const exponent = Math.log2(recordLength);
  if (!Number.isInteger(exponent) || exponent < 8 || exponent > 16) {
    throw new DataError(file, 'record length', recordLength, 'must be a power of two from 256 to 65536');
  }
  const codes: [string, string, number][] = [
    ['network', trace.network, 2],
    ['station', trace.station, 5],
    ['location', trace.location, 2],
    ['channel', trace.channel, 3],
  ];
  for (const [name, value, width] of codes) {
    if (value.length > width || !/^[A-Za-z0-9 ]*$/.test(value)) {
      throw new DataError(file, name, value, `must be at most ${width} letters or digits`);
    }
  }
  const [factor, multiplier] = rateFactorMultiplier(trace.samplingRate, file);
  const samples = trace.samples;
  if (samples.length === 0) throw new DataError(file, 'samples', 0, 'zero-length trace: nothing to write');
  assertFiniteSamples(file, 'data', samples);
  if (options.encoding !== 'float32') {
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i] as number;
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
        throw new DataError(file, `data[${i}]`, v, `${options.encoding} stores 32-bit integers only`);
      }
    }
  }

  const records: Uint8Array[] = [];
  let first = 0;
  while (first < samples.length) {
    const record = new Uint8Array(recordLength);
    const view = new DataView(record.buffer);
    const data = record.subarray(WRITE_DATA_OFFSET);
    const written = options.encoding === 'steim1' ? packSteim1(samples, first, data, file) : packFlat(samples, first, data, options.encoding);
    writeFixedHeader(view, record, {
      sequence: records.length + (options.firstSequence ?? 1),
      trace,
      startTime: trace.startTime + first / trace.samplingRate,
      sampleCount: written,
      factor,
      multiplier,
    });
    // Blockette 1000 at byte 48: encoding, word order 1 (big-endian), record length exponent.
    view.setUint16(48, 1000);
    view.setUint16(50, 0);
    view.setUint8(52, WRITE_ENCODING_CODES[options.encoding]);
    view.setUint8(53, 1);
    view.setUint8(54, exponent);
    records.push(record);
    first += written;
  }
  const out = new Uint8Array(records.length * recordLength);
  records.forEach((r, i) => out.set(r, i * recordLength));
  return out;
}

/** Writes one trace as a miniSEED file (see `encodeMiniSeed`), whole or not at all. */
export async function writeMiniSeed(path: string, trace: MiniSeedWriteTrace, options: MiniSeedWriteOptions): Promise<void> {
  await host().files.writeAtomic(path, encodeMiniSeed(trace, options, path));
}

interface FixedHeaderFields {
  sequence: number;
  trace: MiniSeedWriteTrace;
  startTime: number;
  sampleCount: number;
  factor: number;
  multiplier: number;
}

function writeFixedHeader(view: DataView, record: Uint8Array, h: FixedHeaderFields): void {
  putAscii(record, 0, String(h.sequence % 1_000_000).padStart(6, '0'), 6);
  putAscii(record, 6, 'D ', 2);
  putAscii(record, 8, h.trace.station, 5);
  putAscii(record, 13, h.trace.location, 2);
  putAscii(record, 15, h.trace.channel, 3);
  putAscii(record, 18, h.trace.network, 2);
  const ticks = Math.round(h.startTime * TICKS_PER_SECOND);
  const ticksPerDay = 86_400 * TICKS_PER_SECOND;
  const days = Math.floor(ticks / ticksPerDay);
  let rest = ticks - days * ticksPerDay;
  const date = new Date(days * 86_400_000);
  const year = date.getUTCFullYear();
  const dayOfYear = days - Math.floor(Date.UTC(year, 0, 1) / 86_400_000) + 1;
  view.setUint16(20, year);
  view.setUint16(22, dayOfYear);
  view.setUint8(24, Math.floor(rest / (3600 * TICKS_PER_SECOND)));
  rest %= 3600 * TICKS_PER_SECOND;
  view.setUint8(25, Math.floor(rest / (60 * TICKS_PER_SECOND)));
  rest %= 60 * TICKS_PER_SECOND;
  view.setUint8(26, Math.floor(rest / TICKS_PER_SECOND));
  view.setUint16(28, rest % TICKS_PER_SECOND);
  view.setUint16(30, h.sampleCount);
  view.setInt16(32, h.factor);
  view.setInt16(34, h.multiplier);
  view.setUint8(39, 1); // one blockette follows
  view.setUint16(44, WRITE_DATA_OFFSET);
  view.setUint16(46, FIXED_HEADER_BYTES);
}

/** The factor / multiplier pair for a rate: rate = factor, or factor / divisor for fractional rates. */
function rateFactorMultiplier(rate: number, file: string): [number, number] {
  if (Number.isFinite(rate) && rate > 0) {
    for (let divisor = 1; divisor <= 32_767; divisor++) {
      const factor = Math.round(rate * divisor);
      if (factor >= 1 && factor <= 32_767 && Math.abs(factor / divisor - rate) <= 1e-9 * rate) {
        return divisor === 1 ? [factor, 1] : [factor, -divisor];
      }
    }
  }
  throw new DataError(file, 'sampling rate', rate, 'must be a positive rate expressible as n / m with n, m <= 32767');
}

function packFlat(samples: ArrayLike<number>, first: number, data: Uint8Array, encoding: 'int32' | 'float32'): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = Math.min(samples.length - first, Math.floor(data.length / 4), 65_535);
  for (let i = 0; i < count; i++) {
    const v = samples[first + i] as number;
    if (encoding === 'int32') view.setInt32(4 * i, v);
    else view.setFloat32(4 * i, v);
  }
  return count;
}

/**
 * Packs as many samples as fit into the record's Steim-1 frames, greedily
 * using four 8-bit, two 16-bit or one 32-bit difference per word. The first
 * difference is taken from the previous sample (0 for the first record), as
 * libmseed does. Returns the number of samples written.
 */
function packSteim1(samples: ArrayLike<number>, first: number, data: Uint8Array, file: string): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frames = Math.floor(data.length / STEIM_FRAME_BYTES);
  const at = (i: number): number => samples[i] as number;
  const difference = (i: number): number => {
    const d = i === 0 ? 0 : at(i) - at(i - 1);
    if (d < -(2 ** 31) || d >= 2 ** 31) {
      throw new DataError(file, `data[${i}]`, at(i), 'Steim-1 differences must fit in 32 bits');
    }
    return d;
  };
  const fits = (from: number, n: number, bits: number): boolean => {
    if (from + n > samples.length) return false;
    const limit = 2 ** (bits - 1);
    for (let k = 0; k < n; k++) {
      const d = difference(from + k);
      if (d < -limit || d >= limit) return false;
    }
    return true;
  };
  let next = first;
  for (let frame = 0; frame < frames && next < samples.length; frame++) {
    const base = frame * STEIM_FRAME_BYTES;
    let control = 0;
    for (let w = frame === 0 ? 3 : 1; w < 16 && next < samples.length && next - first < 65_535; w++) {
      let code: number;
      let word: number;
      if (next - first + 4 <= 65_535 && fits(next, 4, 8)) {
        code = 1;
        word = 0;
        for (let k = 0; k < 4; k++) word |= (difference(next + k) & 0xff) << (24 - 8 * k);
        next += 4;
      } else if (next - first + 2 <= 65_535 && fits(next, 2, 16)) {
        code = 2;
        word = ((difference(next) & 0xffff) << 16) | (difference(next + 1) & 0xffff);
        next += 2;
      } else {
        code = 3;
        word = difference(next);
        next += 1;
      }
      control |= code << (30 - 2 * w);
      view.setInt32(base + 4 * w, word | 0);
    }
    view.setUint32(base, control >>> 0);
  }
  view.setInt32(4, at(first));
  view.setInt32(8, at(next - 1));
  return next - first;
}

function putAscii(record: Uint8Array, offset: number, text: string, width: number): void {
  for (let i = 0; i < width; i++) record[offset + i] = i < text.length ? text.charCodeAt(i) : 0x20;
}
