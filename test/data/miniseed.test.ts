import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSteim1, decodeSteim2, encodeMiniSeed, readMiniSeed, writeMiniSeed, type MiniSeedWriteTrace } from '../../src/data/readers/miniseed.js';
import { Rng } from '../../src/tensor/random.js';
import { expectDataError, scratch } from './helpers.js';

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(async () => {
  await tmp.remove();
});

const START = Date.UTC(2019, 6, 6, 3, 19, 53) / 1000 + 0.04;

/** Integer samples whose differences need 8, 16 and 32 bits, so every Steim-1 word type is used. */
function mixedSamples(n: number): Float64Array {
  const rng = new Rng(7);
  let x = 0;
  return Float64Array.from({ length: n }, (_, i) => {
    const scale = i % 300 < 200 ? 50 : i % 300 < 280 ? 20_000 : 3_000_000;
    x = Math.round(x * 0.5 + rng.normal() * scale) || 0; // no -0: integers stored by int32 / Steim come back as +0
    return x;
  });
}

function trace(samples: ArrayLike<number>, overrides: Partial<MiniSeedWriteTrace> = {}): MiniSeedWriteTrace {
  return { network: 'XX', station: 'STA1', location: '00', channel: 'HHZ', samplingRate: 100, startTime: START, samples, ...overrides };
}

interface RawRecord {
  station?: string;
  channel?: string;
  year?: number;
  day?: number;
  time?: [number, number, number, number];
  sampleCount: number;
  factor?: number;
  multiplier?: number;
  encoding: number;
  /** Word order of the data (blockette 1000): true = little-endian. */
  dataLittle?: boolean;
  /** Byte order of the fixed header and blockettes. */
  headerLittle?: boolean;
  /** Adds blockette 1001 with this microsecond offset. */
  microseconds?: number;
  exponent?: number;
  data: Uint8Array;
  quality?: string;
  blockette1000?: boolean;
}

/** Builds one data record by hand, field by field from the SEED 2.4 manual, independent of the writer. */
function rawRecord(r: RawRecord): Uint8Array {
  const length = 2 ** (r.exponent ?? 9);
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  const little = r.headerLittle ?? false;
  const text = (at: number, value: string, width: number): void => {
    for (let i = 0; i < width; i++) bytes[at + i] = i < value.length ? value.charCodeAt(i) : 0x20;
  };
  text(0, '000001', 6);
  text(6, r.quality ?? 'D', 1);
  text(7, ' ', 1);
  text(8, r.station ?? 'HAND', 5);
  text(13, '', 2);
  text(15, r.channel ?? 'BHZ', 3);
  text(18, 'XX', 2);
  const [hour, minute, second, ticks] = r.time ?? [12, 30, 15, 1234];
  view.setUint16(20, r.year ?? 2020, little);
  view.setUint16(22, r.day ?? 60, little);
  view.setUint8(24, hour);
  view.setUint8(25, minute);
  view.setUint8(26, second);
  view.setUint16(28, ticks, little);
  view.setUint16(30, r.sampleCount, little);
  view.setInt16(32, r.factor ?? 40, little);
  view.setInt16(34, r.multiplier ?? 1, little);
  view.setUint8(39, r.microseconds === undefined ? 1 : 2);
  view.setUint16(44, 64, little);
  if (r.blockette1000 ?? true) {
    view.setUint16(46, 48, little);
    view.setUint16(48, 1000, little);
    view.setUint16(50, r.microseconds === undefined ? 0 : 56, little);
    view.setUint8(52, r.encoding);
    view.setUint8(53, r.dataLittle ? 0 : 1);
    view.setUint8(54, r.exponent ?? 9);
  }
  if (r.microseconds !== undefined) {
    view.setUint16(56, 1001, little);
    view.setUint16(58, 0, little);
    view.setInt8(61, r.microseconds);
  }
  bytes.set(r.data, 64);
  return bytes;
}

function words(values: number[], little = false): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, little));
  return bytes;
}

/** Frame-0 control word: the 2-bit code of word w sits at bits 31-2w..30-2w. */
function control(codes: Record<number, number>): number {
  let c = 0;
  for (const [w, code] of Object.entries(codes)) c |= code << (30 - 2 * Number(w));
  return c >>> 0;
}

describe('miniSEED reader and writer', () => {
  for (const encoding of ['int32', 'float32', 'steim1'] as const) {
    it(`reads back ${encoding} records written by writeMiniSeed`, async () => {
      const samples = encoding === 'float32' ? Float64Array.from(mixedSamples(1000), (v) => v / 7) : mixedSamples(1000);
      const file = tmp.path(`roundtrip-${encoding}.mseed`);
      await writeMiniSeed(file, trace(samples), { encoding });
      const traces = await readMiniSeed(file);
      expect(traces).toHaveLength(1);
      const [t] = traces;
      expect(t?.id).toBe('XX.STA1.00.HHZ');
      expect(t?.encoding).toBe(encoding);
      expect(t?.samplingRate).toBe(100);
      expect(t?.gaps).toEqual([]);
      expect(t?.segments).toHaveLength(1);
      expect(t?.segments[0]?.startTime).toBeCloseTo(START, 4);
      const expected = encoding === 'float32' ? Float64Array.from(samples, Math.fround) : samples;
      expect(t?.segments[0]?.samples).toEqual(expected);
    });
  }

  it('packs Steim-1 tighter than int32 and spreads 1000 samples over several 512-byte records', () => {
    const samples = mixedSamples(1000);
    const steim = encodeMiniSeed(trace(samples), { encoding: 'steim1' });
    const flat = encodeMiniSeed(trace(samples), { encoding: 'int32' });
    expect(flat.length).toBe(Math.ceil(1000 / 112) * 512);
    expect(steim.length).toBeLessThan(flat.length);
    expect(steim.length % 512).toBe(0);
  });

  it('stores a fractional sampling rate as factor / multiplier (0.1 Hz)', async () => {
    const file = tmp.path('slow.mseed');
    await writeMiniSeed(file, trace([1, 2, 3], { samplingRate: 0.1, channel: 'LHZ' }), { encoding: 'int32' });
    const [t] = await readMiniSeed(file);
    expect(t?.samplingRate).toBeCloseTo(0.1, 12);
  });

  it('decodes a hand-built Steim-1 frame: 8-, 16- and 32-bit differences', () => {
    // Samples 100, 98, 101, 101, 1101, 801, 100801.
    // w1 = X0 = 100, w2 = Xn = 100801.
    // w3 (code 1): four 8-bit differences 7 (refers to the previous record, unused), -2, +3, 0.
    // w4 (code 2): two 16-bit differences +1000, -300.
    // w5 (code 3): one 32-bit difference +100000.
    const frame = words([control({ 3: 1, 4: 2, 5: 3 }), 100, 100801, 0x07fe0300, (1000 << 16) | (-300 & 0xffff), 100000, ...new Array<number>(10).fill(0)]);
    expect(Array.from(decodeSteim1(frame, 7, false, 'hand-built'))).toEqual([100, 98, 101, 101, 1101, 801, 100801]);
  });

  it('rejects Steim-1 frames whose last sample disagrees with the reverse integration constant', async () => {
    const frame = words([control({ 3: 1 }), 100, 999, 0x00010203, ...new Array<number>(12).fill(0)]);
    await expectDataError(() => decodeSteim1(frame, 4, false, 'hand-built.mseed'), {
      file: 'hand-built.mseed',
      field: 'data reverse integration constant',
      value: '999',
      problem: /decoded last sample is 106/,
    });
  });

  /**
   * One Steim-2 frame using every difference width. X0 = 1000; differences
   * (after the unused first one) and the samples they give:
   *   w3  code 1          0 (unused), +10, +20, -30      -> 1010, 1030, 1000
   *   w4  code 2 dnib 1   -200000                         -> -199000
   *   w5  code 2 dnib 2   +5000, -5000                    -> -194000, -199000
   *   w6  code 2 dnib 3   +100, -100, +511                -> -198900, -199000, -198489
   *   w7  code 3 dnib 0   +1, -1, +2, -2, +31             -> -198488, -198489, -198487, -198489, -198458
   *   w8  code 3 dnib 1   +15, -16, +1, 0, -1, +3         -> -198443, -198459, -198458, -198458, -198459, -198456
   *   w9  code 3 dnib 2   +7, -8, +1, -1, 0, +2, -2       -> -198449, -198457, -198456, -198457, -198457, -198455, -198457
   * Xn = -198457, 28 samples.
   */
  const steim2Samples = [
    1000, 1010, 1030, 1000, -199000, -194000, -199000, -198900, -199000, -198489, -198488, -198489, -198487, -198489, -198458, -198443, -198459, -198458,
    -198458, -198459, -198456, -198449, -198457, -198456, -198457, -198457, -198455, -198457,
  ];
  const pack = (dnib: number, bits: number, values: number[]): number => {
    let word = dnib << 30;
    const top = dnib === 2 && bits === 4 ? 28 : 30;
    values.forEach((v, k) => (word |= (v & (2 ** bits - 1)) << (top - bits * (k + 1))));
    return word >>> 0;
  };
  const steim2Frame = words([
    control({ 3: 1, 4: 2, 5: 2, 6: 2, 7: 3, 8: 3, 9: 3 }),
    1000,
    -198457,
    ((0 & 0xff) << 24) | ((10 & 0xff) << 16) | ((20 & 0xff) << 8) | (-30 & 0xff),
    pack(1, 30, [-200000]),
    pack(2, 15, [5000, -5000]),
    pack(3, 10, [100, -100, 511]),
    pack(0, 6, [1, -1, 2, -2, 31]),
    pack(1, 5, [15, -16, 1, 0, -1, 3]),
    pack(2, 4, [7, -8, 1, -1, 0, 2, -2]),
    0,
    0,
    0,
    0,
    0,
    0,
  ]);

  it('decodes a hand-built Steim-2 frame: 4- to 30-bit differences', () => {
    expect(Array.from(decodeSteim2(steim2Frame, 28, false, 'hand-built'))).toEqual(steim2Samples);
  });

  it('reads a hand-built Steim-2 record with blockette 1001 microseconds', async () => {
    const file = tmp.path('steim2.mseed');
    await writeFile(file, rawRecord({ sampleCount: 28, encoding: 11, exponent: 7, microseconds: 25, data: steim2Frame, time: [12, 30, 15, 1234] }));
    const [t] = await readMiniSeed(file);
    expect(t?.id).toBe('XX.HAND..BHZ');
    expect(t?.encoding).toBe('steim2');
    expect(t?.samplingRate).toBe(40);
    expect(Array.from(t?.segments[0]?.samples ?? [])).toEqual(steim2Samples);
    const expectedStart = Date.UTC(2020, 0, 1, 12, 30, 15) / 1000 + 59 * 86_400 + 0.1234 + 0.000025;
    expect(t?.segments[0]?.startTime).toBeCloseTo(expectedStart, 6);
  });

  it('reads little-endian headers with little-endian int16 data, and big-endian float64 data', async () => {
    const int16 = new Uint8Array(8);
    [3, -4, 32767, -32768].forEach((v, i) => new DataView(int16.buffer).setInt16(i * 2, v, true));
    const float64 = new Uint8Array(16);
    [1.5, -2.25].forEach((v, i) => new DataView(float64.buffer).setFloat64(i * 8, v, false));
    const file = tmp.path('mixed-encodings.mseed');
    const a = rawRecord({ channel: 'EHZ', sampleCount: 4, encoding: 1, headerLittle: true, dataLittle: true, data: int16 });
    const b = rawRecord({ channel: 'HNZ', sampleCount: 2, encoding: 5, data: float64 });
    await writeFile(file, Buffer.concat([a, b]));
    const traces = await readMiniSeed(file);
    expect(traces.map((t) => t.id)).toEqual(['XX.HAND..EHZ', 'XX.HAND..HNZ']);
    expect(Array.from(traces[0]?.segments[0]?.samples ?? [])).toEqual([3, -4, 32767, -32768]);
    expect(Array.from(traces[1]?.segments[0]?.samples ?? [])).toEqual([1.5, -2.25]);
  });

  it('assembles one trace per NET.STA.LOC.CHA from interleaved records', async () => {
    const z = encodeMiniSeed(trace(mixedSamples(300)), { encoding: 'steim1' });
    const n = encodeMiniSeed(trace(mixedSamples(300), { channel: 'HHN' }), { encoding: 'steim1' });
    const file = tmp.path('two-channels.mseed');
    // Interleave the 512-byte records of the two channels.
    const parts: Uint8Array[] = [];
    for (let at = 0; at < Math.max(z.length, n.length); at += 512) parts.push(z.subarray(at, at + 512), n.subarray(at, at + 512));
    await writeFile(file, Buffer.concat(parts));
    const traces = await readMiniSeed(file);
    expect(traces.map((t) => t.id)).toEqual(['XX.STA1.00.HHZ', 'XX.STA1.00.HHN']);
    for (const t of traces) {
      expect(t.segments).toHaveLength(1);
      expect(t.segments[0]?.samples).toEqual(mixedSamples(300));
    }
  });

  it('reports a gap instead of joining across it', async () => {
    const first = encodeMiniSeed(trace(mixedSamples(100)), { encoding: 'int32' });
    // 100 samples at 100 Hz: the next sample is due at START + 1 s; this record starts 2.5 s later.
    const afterGap = encodeMiniSeed(trace([1, 2, 3], { startTime: START + 1 + 2.5 }), { encoding: 'int32' });
    const file = tmp.path('gap.mseed');
    await writeFile(file, Buffer.concat([first, afterGap]));
    const [t] = await readMiniSeed(file);
    expect(t?.segments.map((s) => s.samples.length)).toEqual([100, 3]);
    expect(t?.segments[1]?.startTime).toBeCloseTo(START + 3.5, 4);
    expect(t?.gaps).toHaveLength(1);
    expect(t?.gaps[0]?.start).toBeCloseTo(START + 1, 4);
    expect(t?.gaps[0]?.end).toBeCloseTo(START + 3.5, 4);
    expect(t?.gaps[0]?.seconds).toBeCloseTo(2.5, 4);
  });

  it('reports an overlap as a gap of negative seconds', async () => {
    const first = encodeMiniSeed(trace(mixedSamples(100)), { encoding: 'int32' });
    const overlapping = encodeMiniSeed(trace([4, 5], { startTime: START + 0.6 }), { encoding: 'int32' });
    const file = tmp.path('overlap.mseed');
    await writeFile(file, Buffer.concat([first, overlapping]));
    const [t] = await readMiniSeed(file);
    expect(t?.segments.map((s) => s.samples.length)).toEqual([100, 2]);
    expect(t?.gaps[0]?.seconds).toBeCloseTo(-0.4, 4);
  });

  it('joins records that follow each other within half a sample', async () => {
    const a = encodeMiniSeed(trace([1, 2, 3, 4]), { encoding: 'int32' });
    // 0.3 sample late: still contiguous.
    const b = encodeMiniSeed(trace([5, 6], { startTime: START + 0.04 + 0.003 }), { encoding: 'int32' });
    const file = tmp.path('jitter.mseed');
    await writeFile(file, Buffer.concat([a, b]));
    const [t] = await readMiniSeed(file);
    expect(t?.gaps).toEqual([]);
    expect(Array.from(t?.segments[0]?.samples ?? [])).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('miniSEED reader rejects bad files, naming file, field and value', () => {
  it('a file cut inside a record', async () => {
    const file = tmp.path('cut.mseed');
    await writeFile(file, encodeMiniSeed(trace(mixedSamples(300)), { encoding: 'int32' }).subarray(0, 512 + 200));
    await expectDataError(readMiniSeed(file), {
      file,
      field: 'record at byte 512: record length',
      value: '512',
      problem: /truncated: the file ends 200 bytes into this record/,
    });
  });

  it('an unsupported encoding (Steim-3, code 19)', async () => {
    const file = tmp.path('steim3.mseed');
    await writeFile(file, rawRecord({ sampleCount: 4, encoding: 19, data: new Uint8Array(64) }));
    await expectDataError(readMiniSeed(file), { file, field: 'record at byte 0: encoding', value: '19', problem: /unsupported encoding/ });
  });

  it('a record without blockette 1000', async () => {
    const file = tmp.path('no1000.mseed');
    await writeFile(file, rawRecord({ sampleCount: 1, encoding: 3, data: words([5]), blockette1000: false }));
    await expectDataError(readMiniSeed(file), { file, field: 'record at byte 0: blockette 1000', value: '"missing"' });
  });

  it('a NaN sample', async () => {
    const data = new Uint8Array(16);
    [1, 2, Number.NaN, 4].forEach((v, i) => new DataView(data.buffer).setFloat32(i * 4, v, false));
    const file = tmp.path('nan.mseed');
    await writeFile(file, rawRecord({ sampleCount: 4, encoding: 4, data }));
    await expectDataError(readMiniSeed(file), { file, field: 'record at byte 0: data[2]', value: 'NaN' });
  });

  it('more samples than the record holds', async () => {
    const file = tmp.path('overfull.mseed');
    await writeFile(file, rawRecord({ sampleCount: 200, encoding: 3, exponent: 8, data: new Uint8Array(0) }));
    await expectDataError(readMiniSeed(file), { file, field: 'record at byte 0: data sample count', value: '200' });
  });

  it('records of one channel at two sampling rates', async () => {
    const file = tmp.path('two-rates.mseed');
    const a = rawRecord({ sampleCount: 1, encoding: 3, factor: 100, data: words([1]) });
    const b = rawRecord({ sampleCount: 1, encoding: 3, factor: 40, data: words([2]), time: [13, 0, 0, 0] });
    await writeFile(file, Buffer.concat([a, b]));
    await expectDataError(readMiniSeed(file), { file, field: 'XX.HAND..BHZ sampling rate', value: '[100, 40]', problem: /mismatched sampling rates/ });
  });

  it('a record that is not a data record', async () => {
    const file = tmp.path('quality.mseed');
    await writeFile(file, rawRecord({ sampleCount: 1, encoding: 3, data: words([1]), quality: 'V' }));
    await expectDataError(readMiniSeed(file), { file, field: 'record at byte 0: data quality indicator', value: '"V"' });
  });

  it('an implausible start time in either byte order', async () => {
    const file = tmp.path('year.mseed');
    await writeFile(file, rawRecord({ sampleCount: 1, encoding: 3, data: words([1]), year: 0, day: 0 }));
    await expectDataError(readMiniSeed(file), { file, field: 'record at byte 0: start year', value: '0' });
  });

  it('a file with no waveform samples', async () => {
    const file = tmp.path('log-only.mseed');
    await writeFile(file, rawRecord({ sampleCount: 0, encoding: 3, data: new Uint8Array(0) }));
    await expectDataError(readMiniSeed(file), { file, field: 'records', value: '0', problem: /zero-length/ });
  });

  it('the writer refuses non-integer samples for Steim-1 and int32', async () => {
    const file = tmp.path('fraction.mseed');
    await expectDataError(writeMiniSeed(file, trace([1, 2.5]), { encoding: 'steim1' }), { file, field: 'data[1]', value: '2.5' });
    await expectDataError(writeMiniSeed(file, trace([Number.NaN]), { encoding: 'float32' }), { file, field: 'data[0]', value: 'NaN' });
  });
});
