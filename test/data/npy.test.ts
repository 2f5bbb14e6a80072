import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy, readNpy, readNpz, writeNpy, type NpyTypedArray } from '../../src/data/readers/npy.js';
import { expectDataError, scratch } from './helpers.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const noRealData = skipWithoutRealData('the real PhaseNet npz test');

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(async () => {
  await tmp.remove();
});

/**
 * A `.npy` file built by hand from the format description, so the reader is
 * not only tested against our own writer: magic, version, header length
 * (2 bytes in v1, 4 in v2/v3), the dict literal padded to 64 bytes, data.
 */
function handMadeNpy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const lengthBytes = version === 1 ? 2 : 4;
  const prefix = 8 + lengthBytes;
  let text = header;
  text += `${' '.repeat((64 - ((prefix + text.length + 1) % 64)) % 64)}\n`;
  const headerBytes = new TextEncoder().encode(text);
  const out = new Uint8Array(prefix + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(data, prefix + headerBytes.length);
  return out;
}

function float64Bytes(values: number[], little: boolean): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  values.forEach((v, i) => new DataView(bytes.buffer).setFloat64(i * 8, v, little));
  return bytes;
}

describe('npy reader and writer', () => {
  const cases: [string, NpyTypedArray, number[]][] = [
    ['<f4', Float32Array.from({ length: 2 * 16 * 48 }, (_, i) => i / 3), [2, 16, 48]],
    ['<f8', Float64Array.from({ length: 4 * 50 * 3 }, (_, i) => Math.sin(i)), [4, 50, 3]],
    ['<i2', Int16Array.from([-32768, -1, 0, 1, 32767, 5]), [2, 3]],
    ['<i4', Int32Array.from([-(2 ** 31), 7, 2 ** 31 - 1]), [3]],
    ['<i8', BigInt64Array.from([-(2n ** 62n), 3000n]), [2]],
    ['|u1', Uint8Array.from([0, 255, 17]), [3]],
    ['|i1', Int8Array.from([-128, 127]), [2]],
    ['<u2', Uint16Array.from([0, 65535]), [1, 2]],
    ['<u4', Uint32Array.from([0, 2 ** 32 - 1]), [2, 1]],
  ];
  for (const [dtype, data, shape] of cases) {
    it(`writes and reads back ${dtype} with shape (${shape.join(', ')})`, async () => {
      const file = tmp.path(`roundtrip${dtype.replace(/[<|>]/, '_')}.npy`);
      await writeNpy(file, data, shape);
      const array = await readNpy(file);
      expect(array.kind).toBe('numeric');
      expect(array.dtype).toBe(dtype);
      expect(array.shape).toEqual(shape);
      expect(array.data).toEqual(data);
    });
  }

  it('writes the data on a 64-byte boundary, as numpy does', () => {
    const bytes = encodeNpy(new Float32Array(6), [2, 3]);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    expect(bytes.length).toBe(10 + headerLength + 24);
  });

  it('reads a scalar (shape ())', async () => {
    const file = tmp.path('scalar.npy');
    await writeFile(file, handMadeNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", new Uint8Array([184, 11, 0, 0, 0, 0, 0, 0])));
    const array = await readNpy(file);
    expect(array.shape).toEqual([]);
    expect(array.data).toEqual(BigInt64Array.from([3000n]));
  });

  it('reads big-endian >f8 and >f4', async () => {
    const f8 = tmp.path('big8.npy');
    await writeFile(f8, handMadeNpy("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }", float64Bytes([1.5, -2, 1e300], false)));
    expect((await readNpy(f8)).data).toEqual(Float64Array.from([1.5, -2, 1e300]));
    const f4 = tmp.path('big4.npy');
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat32(0, 0.25, false);
    new DataView(bytes.buffer).setFloat32(4, -8, false);
    await writeFile(f4, handMadeNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }", bytes));
    const array = await readNpy(f4);
    expect(array.shape).toEqual([1, 2]);
    expect(array.data).toEqual(Float32Array.from([0.25, -8]));
  });

  it('reads version 2.0 and 3.0 headers', async () => {
    for (const version of [2, 3]) {
      const file = tmp.path(`v${version}.npy`);
      await writeFile(file, handMadeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", float64Bytes([3, 4], true), version));
      const array = await readNpy(file);
      expect(array.data).toEqual(Float64Array.from([3, 4]));
    }
  });

  it('reads fixed-width unicode strings (<U11)', async () => {
    const text = 'HHE_HHN_HHZ';
    const data = new Uint8Array(44);
    [...text].forEach((c, i) => new DataView(data.buffer).setUint32(i * 4, c.charCodeAt(0), true));
    const file = tmp.path('channels.npy');
    await writeFile(file, handMadeNpy("{'descr': '<U11', 'fortran_order': False, 'shape': (), }", data));
    const array = await readNpy(file);
    expect(array).toEqual({ kind: 'string', dtype: '<U11', shape: [], data: [text] });
  });

  it.skipIf(noRealData)('reads a real PhaseNet npz: 9001 x 3 float64 data, itp, channels', async () => {
    const arrays = await readNpz(join(realDataDir, 'distance/local/phasenet_ncedc/waveform_train/BG_ACR_2012082505145960.npz'));
    expect([...arrays.keys()].sort()).toEqual(['channels', 'data', 'itp', 'its']);
    const data = arrays.get('data');
    expect(data?.dtype).toBe('<f8');
    expect(data?.shape).toEqual([9001, 3]);
    expect(arrays.get('itp')?.data).toEqual(BigInt64Array.from([3000n]));
    const channels = arrays.get('channels');
    expect(channels?.kind === 'string' && channels.data[0]?.endsWith('Z')).toBe(true);
  });

  it('reads stored and deflated npz members, and only the members asked for', async () => {
    const x = encodeNpy(
      Float32Array.from({ length: 5 * 16 * 48 }, (_, i) => i % 17),
      [5, 16, 48],
    );
    const y = encodeNpy(Int32Array.from([0, 1, 1, 0, 1]), [5]);
    for (const level of [0, 6] as const) {
      const file = tmp.path(`set-${level}.npz`);
      await writeFile(file, zipSync({ 'x.npy': x, 'y.npy': y }, { level }));
      const all = await readNpz(file);
      expect(all.get('x')?.shape).toEqual([5, 16, 48]);
      expect(all.get('y')?.data).toEqual(Int32Array.from([0, 1, 1, 0, 1]));
      const onlyY = await readNpz(file, ['y']);
      expect([...onlyY.keys()]).toEqual(['y']);
    }
  });
});

describe('npy/npz readers reject bad files, naming file, field and value', () => {
  const ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }";

  it('Fortran-order arrays, with a clear message', async () => {
    const file = tmp.path('fortran.npy');
    await writeFile(file, handMadeNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", float64Bytes([1, 2, 3, 4], true)));
    await expectDataError(readNpy(file), { file, field: 'fortran_order', value: '"True"', problem: /Fortran-order arrays are not supported/ });
  });

  it('an unsupported dtype', async () => {
    const file = tmp.path('complex.npy');
    await writeFile(file, handMadeNpy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(16)));
    await expectDataError(readNpy(file), { file, field: 'descr', value: '"<c16"', problem: /unsupported dtype/ });
  });

  it('a structured dtype', async () => {
    const file = tmp.path('record.npy');
    await writeFile(file, handMadeNpy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)));
    await expectDataError(readNpy(file), { file, field: 'descr', value: '"structured"' });
  });

  it('a wrong magic', async () => {
    const file = tmp.path('magic.npy');
    await writeFile(file, 'NUMPY?? not really');
    await expectDataError(readNpy(file), { file, field: 'magic', value: '"NUMPY?"', problem: /not a .npy file/ });
  });

  it('an unknown format version', async () => {
    const file = tmp.path('v9.npy');
    await writeFile(file, handMadeNpy(ok, float64Bytes([1, 2, 3, 4], true), 9));
    await expectDataError(readNpy(file), { file, field: 'version', value: '"9.0"' });
  });

  it('a file cut inside the data', async () => {
    const file = tmp.path('cut.npy');
    await writeFile(file, handMadeNpy(ok, float64Bytes([1, 2, 3], true)));
    await expectDataError(readNpy(file), { file, field: 'shape', value: '[2, 2]', problem: /truncated: the array needs 160 bytes, the file has 152/ });
  });

  it('a file cut inside the header', async () => {
    const file = tmp.path('cut-header.npy');
    await writeFile(file, handMadeNpy(ok, new Uint8Array(0)).subarray(0, 30));
    await expectDataError(readNpy(file), { file, field: 'header length', value: '118', problem: /truncated: the file has 30 bytes/ });
  });

  it('a NaN or infinite element, named by its index', async () => {
    const nan = tmp.path('nan.npy');
    await writeFile(nan, handMadeNpy(ok, float64Bytes([1, 2, Number.NaN, 4], true)));
    await expectDataError(readNpy(nan), { file: nan, field: 'element [1, 0]', value: 'NaN' });
    const inf = tmp.path('inf.npy');
    await writeNpy(inf, Float32Array.from([0, -Infinity]), [2]);
    await expectDataError(readNpy(inf), { file: inf, field: 'element [1]', value: '-Infinity' });
  });

  it('a missing npz member', async () => {
    const file = tmp.path('members.npz');
    await writeFile(file, zipSync({ 'x.npy': encodeNpy(new Float64Array(2), [2]) }));
    await expectDataError(readNpz(file, ['data']), { file, field: 'member', value: '"data"', problem: /it holds: x/ });
  });

  it('an npz member that is a broken npy', async () => {
    const file = tmp.path('broken-member.npz');
    await writeFile(file, zipSync({ 'data.npy': handMadeNpy(ok, float64Bytes([1], true)) }));
    await expectDataError(readNpz(file), { file: `${file}:data.npy`, field: 'shape', value: '[2, 2]' });
  });

  it('a truncated or foreign npz', async () => {
    const cut = tmp.path('cut.npz');
    const whole = zipSync({ 'x.npy': encodeNpy(new Float64Array(100), [100]) }, { level: 6 });
    await writeFile(cut, whole.subarray(0, whole.length - 30));
    await expectDataError(readNpz(cut), { file: cut, field: 'zip end record', value: String(whole.length - 30), problem: /truncated or not a zip archive/ });
    const foreign = tmp.path('foreign.npz');
    await writeFile(foreign, 'just text');
    await expectDataError(readNpz(foreign), { file: foreign, field: 'magic', value: '"just"' });
  });
});
