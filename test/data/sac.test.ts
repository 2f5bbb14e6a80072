import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSac, readSac, writeSac, type SacHeaderInput } from '../../src/data/readers/sac.js';
import { expectDataError, scratch } from './helpers.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const noRealData = skipWithoutRealData('SAC reader tests on real files');

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(async () => {
  await tmp.remove();
});

const header: SacHeaderInput = {
  delta: 0.01,
  b: -5,
  t1: 2.5,
  kt1: 'P',
  t2: 4.25,
  kt2: 'S',
  gcarc: 0.42,
  dist: 46.7,
  az: 120.5,
  baz: 300.25,
  evla: 35.5,
  evlo: -117.75,
  evdp: 8,
  stla: 35.875,
  stlo: -117.25,
  mag: 3.5,
  kstnm: 'PAS',
  knetwk: 'CI',
  kcmpnm: 'HHZ',
  khole: '00',
  kevnm: 'ridgecrest-test',
  nzyear: 2019,
  nzjday: 186,
  nzhour: 3,
  nzmin: 19,
  nzsec: 53,
  nzmsec: 40,
};
const samples = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7) * 100 + (i % 13));

/** A big-endian copy of a little-endian SAC file: every 4-byte word swapped, the strings (bytes 440-631) left alone. */
function toBigEndian(little: Uint8Array): Uint8Array {
  const big = little.slice();
  for (let at = 0; at < big.length; at += 4) {
    if (at >= 440 && at < 632) continue;
    big[at] = little[at + 3] as number;
    big[at + 1] = little[at + 2] as number;
    big[at + 2] = little[at + 1] as number;
    big[at + 3] = little[at] as number;
  }
  return big;
}

/** A valid little-endian file with one header word replaced. */
function withWord(word: number, value: number, kind: 'int' | 'float'): Uint8Array {
  const bytes = encodeSac(header, samples);
  const view = new DataView(bytes.buffer);
  if (kind === 'int') view.setInt32(word * 4, value, true);
  else view.setFloat32(word * 4, value, true);
  return bytes;
}

describe('SAC reader', () => {
  it('reads back a little-endian file written by writeSac, header and samples', async () => {
    const file = tmp.path('roundtrip.sac');
    await writeSac(file, header, samples);
    const sac = await readSac(file);
    expect(sac.byteOrder).toBe('little');
    expect(sac.header.npts).toBe(1000);
    expect(sac.header.nvhdr).toBe(6);
    expect(sac.header.iftype).toBe(1);
    expect(sac.header.leven).toBe(true);
    expect(sac.header.delta).toBeCloseTo(0.01, 9);
    expect(sac.samplingRate).toBe(100);
    expect(sac.header.b).toBe(-5);
    expect(sac.header.e).toBeCloseTo(-5 + 999 * 0.01, 4);
    expect(sac.header.t1).toBe(2.5);
    expect(sac.header.kt1).toBe('P');
    expect(sac.header.t2).toBe(4.25);
    expect(sac.header.kt2).toBe('S');
    expect(sac.header.gcarc).toBeCloseTo(0.42, 6);
    expect(sac.header.dist).toBeCloseTo(46.7, 4);
    expect(sac.header.az).toBe(120.5);
    expect(sac.header.baz).toBe(300.25);
    expect(sac.header.evla).toBe(35.5);
    expect(sac.header.evlo).toBe(-117.75);
    expect(sac.header.evdp).toBe(8);
    expect(sac.header.stla).toBe(35.875);
    expect(sac.header.stlo).toBe(-117.25);
    expect(sac.header.mag).toBe(3.5);
    expect(sac.header.kstnm).toBe('PAS');
    expect(sac.header.knetwk).toBe('CI');
    expect(sac.header.kcmpnm).toBe('HHZ');
    expect(sac.header.khole).toBe('00');
    expect(sac.header.kevnm).toBe('ridgecrest-test');
    expect([sac.header.nzyear, sac.header.nzjday, sac.header.nzhour, sac.header.nzmin, sac.header.nzsec, sac.header.nzmsec]).toEqual([
      2019, 186, 3, 19, 53, 40,
    ]);
    expect(sac.samples).toEqual(Float64Array.from(samples, Math.fround));
  });

  it('reads a big-endian file to the same header and samples', async () => {
    const little = encodeSac(header, samples);
    await writeFile(tmp.path('little.sac'), little);
    await writeFile(tmp.path('big.sac'), toBigEndian(little));
    const reference = await readSac(tmp.path('little.sac'));
    const big = await readSac(tmp.path('big.sac'));
    expect(big.byteOrder).toBe('big');
    expect(big.header).toEqual(reference.header);
    expect(big.samples).toEqual(reference.samples);
  });

  it('maps the undefined markers -12345 and "-12345  " to undefined', async () => {
    const file = tmp.path('sparse.sac');
    await writeSac(file, { delta: 0.025 }, [1, 2, 3]);
    const { header: h } = await readSac(file);
    for (const name of ['a', 'o', 't0', 't9', 'gcarc', 'evla', 'mag', 'nzyear', 'norid', 'kstnm', 'kcmpnm', 'ka', 'kt0', 'kevnm', 'lpspol'] as const) {
      expect(h[name], name).toBeUndefined();
    }
    expect(h.b).toBe(0);
  });

  it('gives the sampling rate the float32 delta was rounded from (40 Hz, not 39.9999994)', async () => {
    const file = tmp.path('forty.sac');
    await writeSac(file, { delta: 0.025 }, [0, 1]);
    const sac = await readSac(file);
    expect(sac.header.delta).toBe(Math.fround(0.025));
    expect(sac.samplingRate).toBe(40);
  });

  it.skipIf(noRealData)('reads a real teleseismic file (aimbat Chile 2012, little-endian, no P pick)', async () => {
    const sac = await readSac(join(realDataDir, 'distance/teleseismic/aimbat_chile_2012/Event_2012.01.23.16.04.52.980/CI.ADO.__.BHZ'));
    expect(sac.byteOrder).toBe('little');
    expect(sac.header.npts).toBe(4001);
    expect(sac.samples.length).toBe(4001);
    expect(sac.samplingRate).toBeCloseTo(40, 3);
    for (const pick of ['a', 'o', 't0', 't1', 't5', 't9'] as const) expect(sac.header[pick]).toBeUndefined();
    expect(sac.header.kcmpnm).toBeUndefined();
    expect(sac.header.evla).toBeCloseTo(-36.41, 2);
    expect(sac.header.evlo).toBeCloseTo(-73.03, 2);
    expect(sac.header.evdp).toBeCloseTo(20, 3);
    expect(sac.header.mag).toBeCloseTo(6.2, 5);
    // The manifest's distance_km for CI.ADO is gcarc x 111.19 = 9098.921.
    expect((sac.header.gcarc as number) * 111.19).toBeCloseTo(9098.921, 1);
    expect(sac.header.kstnm).toBe('ADO');
    expect(sac.header.knetwk).toBe('CI');
  });

  it.skipIf(noRealData)('reads the P pick of a real ToC2ME file from t1 / kt1', async () => {
    const sac = await readSac(join(realDataDir, 'polarity/toc2me_event1/20161104064824.680/5B.1107.DHZ.SAC'));
    expect(sac.samplingRate).toBe(500);
    expect(sac.header.kt1).toBe('P');
    expect(sac.header.kt2).toBe('S');
    expect(sac.header.kcmpnm).toBe('DHZ');
    expect(Math.round(((sac.header.t1 as number) - sac.header.b) / sac.header.delta)).toBe(2500);
  });
});

describe('SAC reader rejects bad files, naming file, field and value', () => {
  it('a file shorter than the header', async () => {
    const file = tmp.path('short.sac');
    await writeFile(file, new Uint8Array(100));
    await expectDataError(readSac(file), { file, field: 'file size', value: '100', problem: /truncated/ });
  });

  it('a file cut inside the samples', async () => {
    const file = tmp.path('cut.sac');
    await writeFile(file, encodeSac(header, samples).subarray(0, 632 + 400));
    await expectDataError(readSac(file), { file, field: 'npts', value: '1000', problem: /truncated: 1000 samples need 4632 bytes, the file has 1032/ });
  });

  it('bytes after the samples', async () => {
    const file = tmp.path('long.sac');
    const bytes = encodeSac(header, samples);
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    await writeFile(file, longer);
    await expectDataError(readSac(file), { file, field: 'npts', value: '1000', problem: /8 bytes after/ });
  });

  it('a header version other than 6 in either byte order', async () => {
    const file = tmp.path('v7.sac');
    await writeFile(file, withWord(76, 7, 'int'));
    await expectDataError(readSac(file), { file, field: 'nvhdr', value: '7', problem: /not a SAC version-6 file/ });
  });

  it('a zero-length trace', async () => {
    const file = tmp.path('empty.sac');
    await writeFile(file, withWord(79, 0, 'int').subarray(0, 632));
    await expectDataError(readSac(file), { file, field: 'npts', value: '0', problem: /zero-length/ });
  });

  it('a NaN sample', async () => {
    const file = tmp.path('nan.sac');
    await writeFile(file, withWord(158 + 3, Number.NaN, 'float'));
    await expectDataError(readSac(file), { file, field: 'data[3]', value: 'NaN', problem: /finite/ });
  });

  it('an infinite sample', async () => {
    const file = tmp.path('inf.sac');
    await writeFile(file, withWord(158 + 999, Number.POSITIVE_INFINITY, 'float'));
    await expectDataError(readSac(file), { file, field: 'data[999]', value: 'Infinity' });
  });

  it('a non-positive sampling interval', async () => {
    const file = tmp.path('delta.sac');
    await writeFile(file, withWord(0, 0, 'float'));
    await expectDataError(readSac(file), { file, field: 'delta', value: '0' });
  });

  it('a spectral file (iftype IRLIM) instead of a time series', async () => {
    const file = tmp.path('spectrum.sac');
    await writeFile(file, withWord(85, 2, 'int'));
    await expectDataError(readSac(file), { file, field: 'iftype', value: '2', problem: /time series/ });
  });

  it('an unevenly sampled file', async () => {
    const file = tmp.path('uneven.sac');
    await writeFile(file, withWord(105, 0, 'int'));
    await expectDataError(readSac(file), { file, field: 'leven', value: 'false' });
  });
});

describe('SAC writer', () => {
  it('refuses NaN samples, empty traces and over-long station names', async () => {
    const file = tmp.path('bad-write.sac');
    await expectDataError(writeSac(file, { delta: 0.01 }, [1, Number.NaN]), { file, field: 'data[1]', value: 'NaN' });
    await expectDataError(writeSac(file, { delta: 0.01 }, []), { file, field: 'npts', value: '0' });
    await expectDataError(writeSac(file, { delta: 0.01, kstnm: 'TOOLONGNAME' }, [1]), { file, field: 'kstnm', value: '"TOOLONGNAME"' });
    await expectDataError(writeSac(file, { delta: -1 }, [1]), { file, field: 'delta', value: '-1' });
  });

  it('writes little-endian version 6 bytes that start with delta', async () => {
    const bytes = encodeSac({ delta: 0.5 }, [1, 2]);
    const view = new DataView(bytes.buffer);
    expect(bytes.length).toBe(632 + 8);
    expect(view.getFloat32(0, true)).toBe(0.5);
    expect(view.getInt32(76 * 4, true)).toBe(6);
    expect(view.getFloat32(632 + 4, true)).toBe(2);
    const file = tmp.path('small.sac');
    await writeFile(file, bytes);
    expect((await readFile(file)).length).toBe(640);
  });
});
