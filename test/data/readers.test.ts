import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat, readManifest, readSeismogram } from '../../src/data/readers/index.js';
import { encodeMiniSeed } from '../../src/data/readers/miniseed.js';
import { encodeNpy } from '../../src/data/readers/npy.js';
import { encodeSac } from '../../src/data/readers/sac.js';
import { expectDataError, scratch } from './helpers.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const noRealData = skipWithoutRealData('readSeismogram tests on the real files');

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(async () => {
  await tmp.remove();
});

describe('readSeismogram', () => {
  it.skipIf(noRealData)('recognises every file the real manifests list as the format the manifest names', async () => {
    const files = new Map<string, string>();
    for (const task of ['distance', 'polarity']) {
      for (const row of await readManifest(join(realDataDir, task, 'manifest.csv'))) files.set(join(realDataDir, task, row.path), row.format);
    }
    // Distance: 625 SAC, 154 npz and one HDF5 file for 50 rows; polarity: 50 SAC.
    expect(files.size).toBe(625 + 154 + 1 + 50);
    for (const [file, format] of files) expect(await detectFormat(file), file).toBe(format);
  });

  it.skipIf(noRealData)('reads the STEAD sample HDF5 file whole: 50 three-component traces', async () => {
    const result = await readSeismogram(join(realDataDir, 'distance/local/stead_eqtransformer/waveforms.hdf5'));
    expect(result.format).toBe('hdf5');
    if (result.format !== 'hdf5') return;
    expect(result.traces).toHaveLength(50);
    expect(result.traces.every((t) => t.components.length === 3 && t.components[2]?.length === 6000)).toBe(true);
  });

  it('dispatches by content, whatever the extension', async () => {
    const sac = tmp.path('trace.data');
    await writeFile(sac, encodeSac({ delta: 0.01, kstnm: 'ABC' }, [1, 2, 3]));
    const mseed = tmp.path('trace.bin');
    await writeFile(
      mseed,
      encodeMiniSeed(
        { network: 'XX', station: 'ABC', location: '', channel: 'HHZ', samplingRate: 100, startTime: 1.5e9, samples: [1, 2, 3] },
        { encoding: 'steim1' },
      ),
    );
    const npy = tmp.path('array.dat');
    await writeFile(npy, encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]));
    const npz = tmp.path('arrays.dat');
    await writeFile(npz, zipSync({ 'data.npy': encodeNpy(Float64Array.from([1, 2]), [2]) }));

    const a = await readSeismogram(sac);
    expect(a.format === 'sac' && a.trace.header.kstnm).toBe('ABC');
    const b = await readSeismogram(mseed);
    expect(b.format === 'mseed' && b.traces[0]?.id).toBe('XX.ABC..HHZ');
    const c = await readSeismogram(npy);
    expect(c.format === 'npy' && c.array.shape).toEqual([2, 3]);
    const d = await readSeismogram(npz);
    expect(d.format === 'npz' && [...d.arrays.keys()]).toEqual(['data']);
  });

  it('reads a SeisBench bucket file through the metadata.csv beside it', async () => {
    const folder = tmp.path('seisbench');
    await mkdir(folder);
    await h5wasm.ready;
    const f = new h5wasm.File(join(folder, 'waveforms.hdf5'), 'w');
    f.create_group('data').create_dataset({ name: 'bucket0', data: Float32Array.from({ length: 2 * 3 * 10 }, (_, i) => i), shape: [2, 3, 10], dtype: '<f4' });
    f.close();
    await writeFile(join(folder, 'metadata.csv'), 'trace_name,trace_sampling_rate_hz\n"bucket0$1,:3,:10",100\n');
    const result = await readSeismogram(join(folder, 'waveforms.hdf5'));
    expect(result.format === 'hdf5' && result.traces.map((t) => [t.key, t.components[0]?.[0], t.samplingRate])).toEqual([['bucket0$1,:3,:10', 30, 100]]);

    const lonely = tmp.path('lonely.hdf5');
    const g = new h5wasm.File(lonely, 'w');
    g.create_group('data').create_dataset({ name: 'bucket0', data: new Float32Array(6), shape: [1, 3, 2], dtype: '<f4' });
    g.close();
    await expectDataError(readSeismogram(lonely), {
      file: lonely,
      field: 'metadata',
      value: JSON.stringify(tmp.path('metadata.csv')),
      problem: /SeisBench buckets \(bucket0\) need the metadata CSV/,
    });
  });

  it("falls back on the extension, so a damaged .sac file gets the SAC reader's complaint", async () => {
    const file = tmp.path('damaged.sac');
    const bytes = encodeSac({ delta: 0.01 }, [1, 2, 3]);
    new DataView(bytes.buffer).setInt32(76 * 4, 7, true);
    await writeFile(file, bytes);
    await expectDataError(readSeismogram(file), { file, field: 'nvhdr', value: '7' });
  });

  it('rejects a file of no known format, and an empty file', async () => {
    const file = tmp.path('notes.txt');
    await writeFile(file, 'station notes, not a seismogram');
    await expectDataError(readSeismogram(file), { file, field: 'format', value: '"73746174696f6e20"', problem: /not recognised/ });
    const empty = tmp.path('empty');
    await writeFile(empty, '');
    await expectDataError(readSeismogram(empty), { file: empty, field: 'file size', value: '0', problem: /empty file/ });
  });
});
