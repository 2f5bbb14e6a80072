/**
 * Binary SAC (Seismic Analysis Code) files, header version 6.
 *
 * Layout: a 632-byte header of 70 float32 words, 40 int32 words (integers,
 * enumerations, logicals) and 192 bytes of 8-character strings (`kevnm` has
 * 16), then `npts` float32 samples. Files come in either byte order and carry
 * no magic number, so the byte order is found from the header version `nvhdr`
 * (word 76), which is 6 in every version-6 file: read it little-endian, then
 * big-endian, and keep the order that gives 6.
 *
 * SAC marks an unset value with -12345 (numbers) or "-12345  " (strings);
 * those become `undefined` here, so a missing pick can never be taken for a
 * time of -12345 s. Only evenly sampled time series (`iftype` = ITIME,
 * `leven` = true) are accepted: spectra and x-y files are not seismograms.
 *
 * Memory: `npts` must match the file's size exactly before the samples are
 * allocated, so a read holds the file plus 2 bytes per stored byte.
 */
import { DataError, assertFiniteSamples } from '../../common/errors.js';
import { latin1 } from '../../common/text.js';
import { host } from '../../host/host.js';
import { readRegularFile } from '../files.js';

const HEADER_BYTES = 632;
const UNDEFINED_NUMBER = -12345;
const UNDEFINED_STRING = '-12345';
const NVHDR_WORD = 76;
const SUPPORTED_NVHDR = 6;
/** iftype enumeration value of an evenly or unevenly sampled time series. */
const ITIME = 1;

/** Word index of every named float32 header variable (words 63-69 are unused). */
const FLOAT_WORDS = {
  delta: 0,
  depmin: 1,
  depmax: 2,
  scale: 3,
  odelta: 4,
  b: 5,
  e: 6,
  o: 7,
  a: 8,
  fmt: 9,
  t0: 10,
  t1: 11,
  t2: 12,
  t3: 13,
  t4: 14,
  t5: 15,
  t6: 16,
  t7: 17,
  t8: 18,
  t9: 19,
  f: 20,
  resp0: 21,
  resp1: 22,
  resp2: 23,
  resp3: 24,
  resp4: 25,
  resp5: 26,
  resp6: 27,
  resp7: 28,
  resp8: 29,
  resp9: 30,
  stla: 31,
  stlo: 32,
  stel: 33,
  stdp: 34,
  evla: 35,
  evlo: 36,
  evel: 37,
  evdp: 38,
  mag: 39,
  user0: 40,
  user1: 41,
  user2: 42,
  user3: 43,
  user4: 44,
  user5: 45,
  user6: 46,
  user7: 47,
  user8: 48,
  user9: 49,
  dist: 50,
  az: 51,
  baz: 52,
  gcarc: 53,
  sb: 54,
  sdelta: 55,
  depmen: 56,
  cmpaz: 57,
  cmpinc: 58,
  xminimum: 59,
  xmaximum: 60,
  yminimum: 61,
  ymaximum: 62,
} as const;

/**
 * Word index of every named int32 header variable: integers (70-83) and
 * enumerations (85-97, kept as their numeric codes, e.g. iftype 1 = ITIME).
 */
const INTEGER_WORDS = {
  nzyear: 70,
  nzjday: 71,
  nzhour: 72,
  nzmin: 73,
  nzsec: 74,
  nzmsec: 75,
  nvhdr: 76,
  norid: 77,
  nevid: 78,
  npts: 79,
  nsnpts: 80,
  nwfid: 81,
  nxsize: 82,
  nysize: 83,
  iftype: 85,
  idep: 86,
  iztype: 87,
  iinst: 89,
  istreg: 90,
  ievreg: 91,
  ievtyp: 92,
  iqual: 93,
  isynth: 94,
  imagtyp: 95,
  imagsrc: 96,
  ibody: 97,
} as const;

/** Word index of the logical (0/1) header variables. */
const LOGICAL_WORDS = { leven: 105, lpspol: 106, lovrok: 107, lcalda: 108 } as const;

/** Byte offset and width of the character header variables. */
const STRING_FIELDS = {
  kstnm: [440, 8],
  kevnm: [448, 16],
  khole: [464, 8],
  ko: [472, 8],
  ka: [480, 8],
  kt0: [488, 8],
  kt1: [496, 8],
  kt2: [504, 8],
  kt3: [512, 8],
  kt4: [520, 8],
  kt5: [528, 8],
  kt6: [536, 8],
  kt7: [544, 8],
  kt8: [552, 8],
  kt9: [560, 8],
  kf: [568, 8],
  kuser0: [576, 8],
  kuser1: [584, 8],
  kuser2: [592, 8],
  kcmpnm: [600, 8],
  knetwk: [608, 8],
  kdatrd: [616, 8],
  kinst: [624, 8],
} as const;

export type SacFloatField = keyof typeof FLOAT_WORDS;
export type SacIntegerField = keyof typeof INTEGER_WORDS;
export type SacLogicalField = keyof typeof LOGICAL_WORDS;
export type SacStringField = keyof typeof STRING_FIELDS;

/**
 * Every SAC header variable by its SAC name; `undefined` where the file holds
 * the "unset" marker. `delta`, `b`, `npts` and `nvhdr` are always present in
 * a file this module accepts.
 */
export type SacHeader = { [K in SacFloatField]?: number } & { [K in SacIntegerField]?: number } & {
  [K in SacLogicalField]?: boolean;
} & { [K in SacStringField]?: string } & {
  /** Sampling interval (s). */
  delta: number;
  /** Time of the first sample relative to the reference time (s). */
  b: number;
  npts: number;
  nvhdr: number;
};

export interface SacTrace {
  header: SacHeader;
  /** The `npts` samples, widened from float32. */
  samples: Float64Array;
  /** Sampling rate (Hz): 1 / delta, read as the decimal the float32 `delta` was rounded from (40, not 39.9999994). */
  samplingRate: number;
  byteOrder: 'little' | 'big';
}

/**
 * What a caller may set when writing: any header variable except those the
 * writer derives from the samples (npts, e, depmin/depmax/depmen) or fixes
 * (nvhdr 6, iftype ITIME, leven true). `b` defaults to 0.
 */
export type SacHeaderInput = Omit<Partial<SacHeader>, 'npts' | 'nvhdr' | 'e' | 'depmin' | 'depmax' | 'depmen' | 'iftype' | 'leven'> & { delta: number };

/** Reads a SAC file in either byte order. */
export async function readSac(path: string): Promise<SacTrace> {
  return decodeSac(await readRegularFile(path), path);
}

/** Whether `bytes` (at least the first 632 of a file) look like a version-6 SAC header in either byte order. */
export function looksLikeSac(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_BYTES) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getInt32(NVHDR_WORD * 4, true) === SUPPORTED_NVHDR || view.getInt32(NVHDR_WORD * 4, false) === SUPPORTED_NVHDR;
}

/** A SAC header as `decodeSacHeader` reads it: every variable, the rate, the byte order of the samples. */
export interface SacHeaderRead {
  header: SacHeader;
  samplingRate: number;
  littleEndian: boolean;
}

/** Decodes a SAC file held in memory; `file` names it in error messages. */
export function decodeSac(bytes: Uint8Array, file: string): SacTrace {
  const { header, samplingRate, littleEndian } = decodeSacHeader(bytes, file);
  const { npts } = header;
  const expectedBytes = HEADER_BYTES + 4 * npts;
  if (bytes.length < expectedBytes) {
    throw new DataError(file, 'npts', npts, `truncated: ${npts} samples need ${expectedBytes} bytes, the file has ${bytes.length}`);
  }
  if (bytes.length > expectedBytes) {
    throw new DataError(
      file,
      'npts',
      npts,
      `the file has ${bytes.length - expectedBytes} bytes after the ${npts} samples (wrong npts, or not a version-6 file)`,
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Float64Array(npts);
  for (let i = 0; i < npts; i++) samples[i] = view.getFloat32(HEADER_BYTES + 4 * i, littleEndian);
  assertFiniteSamples(file, 'data', samples);
  return { header, samples, samplingRate, byteOrder: littleEndian ? 'little' : 'big' };
}

/** Bytes of a SAC header; the samples follow, float32 in the header's byte order. */
export const SAC_HEADER_BYTES = HEADER_BYTES;

/**
 * Decodes the header at the start of `bytes` (at least its 632 bytes; the
 * samples need not be there: a stream reader reads them as they come) and
 * checks it describes an evenly sampled time series.
 */
export function decodeSacHeader(bytes: Uint8Array, file: string): SacHeaderRead {
  if (bytes.length < HEADER_BYTES) {
    throw new DataError(file, 'file size', bytes.length, `truncated: a SAC header needs ${HEADER_BYTES} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nvhdrLittle = view.getInt32(NVHDR_WORD * 4, true);
  const nvhdrBig = view.getInt32(NVHDR_WORD * 4, false);
  let littleEndian: boolean;
  if (nvhdrLittle === SUPPORTED_NVHDR) littleEndian = true;
  else if (nvhdrBig === SUPPORTED_NVHDR) littleEndian = false;
  else {
    throw new DataError(
      file,
      'nvhdr',
      nvhdrLittle,
      `not a SAC version-${SUPPORTED_NVHDR} file (header version read little-endian ${nvhdrLittle}, big-endian ${nvhdrBig})`,
    );
  }

  const floats: { [K in SacFloatField]?: number } = {};
  for (const [name, word] of entries(FLOAT_WORDS)) {
    const v = view.getFloat32(word * 4, littleEndian);
    if (v !== UNDEFINED_NUMBER) floats[name] = v;
  }
  const integers: { [K in SacIntegerField]?: number } = {};
  for (const [name, word] of entries(INTEGER_WORDS)) {
    const v = view.getInt32(word * 4, littleEndian);
    if (v !== UNDEFINED_NUMBER) integers[name] = v;
  }
  const logicals: { [K in SacLogicalField]?: boolean } = {};
  for (const [name, word] of entries(LOGICAL_WORDS)) {
    const v = view.getInt32(word * 4, littleEndian);
    if (v === UNDEFINED_NUMBER) continue;
    if (v !== 0 && v !== 1) throw new DataError(file, name, v, 'a SAC logical must be 0 or 1');
    logicals[name] = v === 1;
  }
  const strings: { [K in SacStringField]?: string } = {};
  for (const [name, [offset, width]] of entries(STRING_FIELDS)) {
    const text = latin1(bytes.subarray(offset, offset + width)).replace(/[\0 ]+$/, '');
    if (text !== '' && text !== UNDEFINED_STRING) strings[name] = text;
  }

  const { delta, b } = floats;
  const { npts, iftype } = integers;
  if (delta === undefined || !Number.isFinite(delta) || delta <= 0) {
    throw new DataError(file, 'delta', delta ?? UNDEFINED_NUMBER, 'the sampling interval must be a positive number of seconds');
  }
  if (b === undefined || !Number.isFinite(b)) {
    throw new DataError(file, 'b', b ?? UNDEFINED_NUMBER, 'the begin time must be set');
  }
  if (npts === undefined || npts <= 0) {
    throw new DataError(file, 'npts', npts ?? UNDEFINED_NUMBER, 'zero-length trace: a SAC file must hold at least one sample');
  }
  if (iftype !== ITIME) {
    throw new DataError(file, 'iftype', iftype ?? UNDEFINED_NUMBER, `only time series (ITIME = ${ITIME}) are seismograms`);
  }
  if (logicals.leven !== true) {
    throw new DataError(file, 'leven', logicals.leven ?? UNDEFINED_NUMBER, 'only evenly sampled time series are supported');
  }
  const header: SacHeader = { ...floats, ...integers, ...logicals, ...strings, delta, b, npts, nvhdr: SUPPORTED_NVHDR };
  return { header, samplingRate: rateFromFloat32Interval(delta), littleEndian };
}

/**
 * The header's reference time (nzyear, nzjday, nzhour, nzmin, nzsec, nzmsec)
 * in seconds since 1970-01-01T00:00:00Z, or undefined when a part is unset;
 * SAC's times (b, picks) count from it.
 */
export function sacReferenceTime(header: SacHeader): number | undefined {
  const { nzyear, nzjday, nzhour, nzmin, nzsec, nzmsec } = header;
  if (nzyear === undefined || nzjday === undefined || nzhour === undefined || nzmin === undefined || nzsec === undefined || nzmsec === undefined) {
    return undefined;
  }
  return Date.UTC(nzyear, 0, 1, nzhour, nzmin, nzsec, nzmsec) / 1000 + (nzjday - 1) * 86_400;
}

/**
 * SAC stores the interval as float32, so a 40 Hz file holds 0.025000000372...
 * and 1 / delta is 39.9999994 Hz. The rate a writer meant is the shortest
 * decimal whose interval rounds to the same float32; fall back to 1 / delta
 * when no decimal of up to 9 significant digits does.
 */
function rateFromFloat32Interval(delta: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const rate = Number((1 / delta).toPrecision(digits));
    if (Math.fround(1 / rate) === delta) return rate;
  }
  return 1 / delta;
}

/**
 * Encodes a little-endian SAC version-6 file of an evenly sampled time series.
 * Samples are stored as float32 (SAC's only sample type).
 */
export function encodeSac(input: SacHeaderInput, samples: ArrayLike<number>, file = '<SAC being written>'): Uint8Array {
  if (!Number.isFinite(input.delta) || input.delta <= 0) {
    throw new DataError(file, 'delta', input.delta, 'the sampling interval must be a positive number of seconds');
  }
  if (samples.length === 0) throw new DataError(file, 'npts', 0, 'zero-length trace: nothing to write');
  assertFiniteSamples(file, 'data', samples);

  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const b = input.b ?? 0;
  const header: Partial<SacHeader> = {
    ...input,
    b,
    e: b + (samples.length - 1) * input.delta,
    depmin: min,
    depmax: max,
    depmen: sum / samples.length,
    npts: samples.length,
    nvhdr: SUPPORTED_NVHDR,
    iftype: ITIME,
    leven: true,
  };

  const bytes = new Uint8Array(HEADER_BYTES + 4 * samples.length);
  const view = new DataView(bytes.buffer);
  for (const [name, word] of entries(FLOAT_WORDS)) {
    const v = header[name];
    if (v !== undefined && !Number.isFinite(v)) throw new DataError(file, name, v, 'header values must be finite');
    view.setFloat32(word * 4, v ?? UNDEFINED_NUMBER, true);
  }
  for (let word = 63; word < 70; word++) view.setFloat32(word * 4, UNDEFINED_NUMBER, true);
  for (let word = 70; word < 110; word++) view.setInt32(word * 4, UNDEFINED_NUMBER, true);
  for (const [name, word] of entries(INTEGER_WORDS)) {
    const v = header[name];
    if (v !== undefined && !Number.isInteger(v)) throw new DataError(file, name, v, 'must be an integer');
    if (v !== undefined) view.setInt32(word * 4, v, true);
  }
  for (const [name, word] of entries(LOGICAL_WORDS)) {
    const v = header[name];
    if (v !== undefined) view.setInt32(word * 4, v ? 1 : 0, true);
  }
  for (const [name, [offset, width]] of entries(STRING_FIELDS)) {
    const text = header[name] ?? UNDEFINED_STRING;
    if (text.length > width || !/^[\x20-\x7e]*$/.test(text)) {
      throw new DataError(file, name, text, `must be printable ASCII of at most ${width} characters`);
    }
    for (let i = 0; i < width; i++) bytes[offset + i] = i < text.length ? text.charCodeAt(i) : 0x20;
  }
  for (let i = 0; i < samples.length; i++) view.setFloat32(HEADER_BYTES + 4 * i, samples[i] as number, true);
  return bytes;
}

/** Writes a little-endian SAC version-6 file (see `encodeSac`), whole or not at all. */
export async function writeSac(path: string, header: SacHeaderInput, samples: ArrayLike<number>): Promise<void> {
  await host().files.writeAtomic(path, encodeSac(header, samples, path));
}

/** `Object.entries` that keeps the key type of a constant table. */
function entries<T extends Record<string, unknown>>(table: T): [keyof T & string, T[keyof T]][] {
  return Object.entries(table) as [keyof T & string, T[keyof T]][];
}
