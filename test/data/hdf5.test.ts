import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHdf5 } from '../../src/data/readers/hdf5.js';
import { iterateSeisBenchTraces, readCsv, type SeisBenchTrace } from '../../src/data/readers/manifest.js';
import { expectDataError, scratch } from './helpers.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const noRealData = skipWithoutRealData('HDF5 tests on the STEAD sample');

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
  await h5wasm.ready;
});
afterAll(async () => {
  await tmp.remove();
});

const steadFolder = join(realDataDir, 'distance/local/stead_eqtransformer');
const steadFile = join(steadFolder, 'waveforms.hdf5');

/** Sample value that says where it came from: trace t, component c, sample s. */
const tag = (t: number, c: number, s: number): number => t * 1000 + c * 100 + s;

/**
 * Writes a SeisBench-layout file: `data/bucket0` with two traces of three
 * components x 100 samples (or 100 x 3 for "WC"), and a `data_format` group.
 */
function writeSeisBench(file: string, dimensionOrder: 'CW' | 'WC', samplingRate = 100): void {
  const f = new h5wasm.File(file, 'w');
  const values = new Float32Array(2 * 3 * 100);
  for (let t = 0; t < 2; t++) {
    for (let c = 0; c < 3; c++) {
      for (let s = 0; s < 100; s++) {
        const at = dimensionOrder === 'CW' ? t * 300 + c * 100 + s : t * 300 + s * 3 + c;
        values[at] = tag(t, c, s);
      }
    }
  }
  f.create_group('data').create_dataset({
    name: 'bucket0',
    data: values,
    shape: dimensionOrder === 'CW' ? [2, 3, 100] : [2, 100, 3],
    dtype: '<f4',
  });
  const format = f.create_group('data_format');
  format.create_dataset({ name: 'component_order', data: 'ZNE' });
  format.create_dataset({ name: 'dimension_order', data: dimensionOrder });
  format.create_dataset({ name: 'sampling_rate', data: samplingRate });
  f.close();
}

async function collect(metadata: string, hdf5?: string): Promise<SeisBenchTrace[]> {
  const out: SeisBenchTrace[] = [];
  for await (const trace of iterateSeisBenchTraces(metadata, hdf5)) out.push(trace);
  return out;
}

describe('HDF5 reader, STEAD layout', () => {
  it.skipIf(noRealData)('lists and reads all 50 traces of the EQTransformer STEAD sample, with their attributes', async () => {
    const h5 = await openHdf5(steadFile);
    try {
      const keys = h5.traceKeys();
      expect(keys).toHaveLength(50);
      expect(keys.every((k) => k.startsWith('earthquake/local/'))).toBe(true);
      const { records } = await readCsv(join(steadFolder, 'metadata.csv'));
      const pickByName = new Map(records.map((r) => [r.values.trace_name, Number(r.values.p_arrival_sample)]));
      for (const key of keys) {
        const trace = h5.readTrace(key);
        expect(trace.components).toHaveLength(3);
        expect(trace.components.every((c) => c.length === 6000)).toBe(true);
        const name = key.slice('earthquake/local/'.length);
        expect(trace.attributes.trace_name).toBe(name);
        expect(trace.attributes.p_arrival_sample).toBe(pickByName.get(name));
        expect(trace.attributes.receiver_code).toBe('109C');
      }
    } finally {
      h5.close();
    }
  });

  it('reads per-trace datasets stored samples x components or components x samples', async () => {
    const file = tmp.path('stead-like.hdf5');
    const f = new h5wasm.File(file, 'w');
    const data = f.create_group('data');
    const byRow = Float64Array.from({ length: 300 }, (_, i) => tag(0, i % 3, Math.floor(i / 3)));
    const byColumn = Float64Array.from({ length: 300 }, (_, i) => tag(0, Math.floor(i / 100), i % 100));
    const first = data.create_dataset({ name: 'A.STA_1_EV', data: byRow, shape: [100, 3], dtype: '<f8' });
    data.create_dataset({ name: 'A.STA_2_EV', data: byColumn, shape: [3, 100], dtype: '<f8' });
    first.create_attribute('p_arrival_sample', 40);
    first.create_attribute('sampling_rate', 100);
    f.close();
    const h5 = await openHdf5(file);
    try {
      expect(h5.traceKeys().sort()).toEqual(['data/A.STA_1_EV', 'data/A.STA_2_EV']);
      for (const key of h5.traceKeys()) {
        const trace = h5.readTrace(key);
        for (let c = 0; c < 3; c++) expect(trace.components[c]?.[57]).toBe(tag(0, c, 57));
      }
      const trace = h5.readTrace('data/A.STA_1_EV');
      expect(trace.attributes.p_arrival_sample).toBe(40);
      expect(trace.samplingRate).toBe(100);
    } finally {
      h5.close();
    }
  });
});

describe('HDF5 reader, SeisBench layout', () => {
  for (const order of ['CW', 'WC'] as const) {
    it(`reads traces located by metadata.csv trace_name in a ${order} bucket`, async () => {
      const folder = tmp.path(`seisbench-${order}`);
      await mkdir(folder);
      writeSeisBench(join(folder, 'waveforms.hdf5'), order);
      // The locator follows the stored axes; trace_name holds commas, so SeisBench quotes it.
      const axes = order === 'CW' ? ':3,:100' : ':100,:3';
      await writeFile(
        join(folder, 'metadata.csv'),
        `trace_name,trace_sampling_rate_hz,trace_p_arrival_sample,station_code\n"bucket0$0,${axes}",100,30,ST1\n"bucket0$1,${axes}",100,,ST2\n`,
      );
      const traces = await collect(join(folder, 'metadata.csv'));
      expect(traces.map((t) => t.key)).toEqual([`bucket0$0,${axes}`, `bucket0$1,${axes}`]);
      for (const [t, trace] of traces.entries()) {
        expect(trace.componentOrder).toBe('ZNE');
        expect(trace.samplingRate).toBe(100);
        expect(trace.components).toHaveLength(3);
        for (let c = 0; c < 3; c++) {
          expect(Array.from(trace.components[c] ?? [])).toEqual(Array.from({ length: 100 }, (_, s) => tag(t, c, s)));
        }
      }
      expect(traces[1]?.metadata.station_code).toBe('ST2');
    });
  }

  it('reads a sub-range of components and samples', async () => {
    const file = tmp.path('slices.hdf5');
    writeSeisBench(file, 'CW');
    const h5 = await openHdf5(file);
    try {
      const trace = h5.readTrace('bucket0$1,1:3,10:60');
      expect(trace.componentOrder).toBe('NE');
      expect(trace.components.map((c) => c.length)).toEqual([50, 50]);
      expect(trace.components[0]?.[0]).toBe(tag(1, 1, 10));
      expect(trace.components[1]?.[49]).toBe(tag(1, 2, 59));
    } finally {
      h5.close();
    }
  });
});

describe('HDF5 reader rejects bad input, naming file, field and value', () => {
  it('a file that is not HDF5', async () => {
    const file = tmp.path('not.hdf5');
    await writeFile(file, 'plain text, no signature');
    await expectDataError(openHdf5(file), { file, field: 'signature', value: '"plain te"', problem: /not an HDF5 file/ });
  });

  it.skipIf(noRealData)("a truncated HDF5 file, with the HDF5 library's reason", async () => {
    const file = tmp.path('truncated.hdf5');
    const bytes = await readFile(steadFile);
    await writeFile(file, bytes.subarray(0, bytes.length / 2));
    await expectDataError(openHdf5(file), { file, field: 'file', value: `"${file}"`, problem: /HDF5 error: truncated file/ });
  });

  it.skipIf(noRealData)('a dataset that does not exist', async () => {
    const h5 = await openHdf5(steadFile);
    try {
      await expectDataError(() => h5.readTrace('earthquake/local/NOPE'), {
        file: steadFile,
        field: 'trace',
        value: '"earthquake/local/NOPE"',
        problem: /no such dataset/,
      });
    } finally {
      h5.close();
    }
  });

  it('bucket references outside the bucket or badly written', async () => {
    const file = tmp.path('refs.hdf5');
    writeSeisBench(file, 'CW');
    const h5 = await openHdf5(file);
    try {
      await expectDataError(() => h5.readTrace('bucket0$2,:3,:100'), {
        file,
        field: 'trace_name',
        value: '"bucket0$2,:3,:100"',
        problem: /outside axis 0 of length 2/,
      });
      await expectDataError(() => h5.readTrace('bucket0$0,:3,:6000'), {
        file,
        field: 'trace_name',
        value: '"bucket0$0,:3,:6000"',
        problem: /outside axis 2 of length 100/,
      });
      await expectDataError(() => h5.readTrace('bucket0$0,::2'), { file, field: 'trace_name', value: '"bucket0$0,::2"', problem: /cannot read index/ });
      await expectDataError(() => h5.readTrace('bucket7$0'), { file, field: 'trace_name', value: '"data/bucket7"' });
    } finally {
      h5.close();
    }
  });

  it('NaN samples', async () => {
    const file = tmp.path('nan.hdf5');
    const f = new h5wasm.File(file, 'w');
    f.create_group('data').create_dataset({ name: 'X_EV', data: Float32Array.from([1, 2, Number.NaN, 4, 5, 6]), shape: [3, 2], dtype: '<f4' });
    f.close();
    const h5 = await openHdf5(file);
    try {
      await expectDataError(() => h5.readTrace('data/X_EV'), { file, field: 'data/X_EV component 0[1]', value: 'NaN' });
    } finally {
      h5.close();
    }
  });

  it('a metadata sampling rate that disagrees with data_format', async () => {
    const folder = tmp.path('seisbench-rates');
    await mkdir(folder);
    writeSeisBench(join(folder, 'waveforms.hdf5'), 'CW', 100);
    const metadata = join(folder, 'metadata.csv');
    await writeFile(metadata, 'trace_name,trace_sampling_rate_hz\nbucket0$0,100\nbucket0$1,40\n');
    await expectDataError(collect(metadata), { file: `${metadata}:3`, field: 'trace_sampling_rate_hz', value: '"40"', problem: /mismatched sampling rate/ });
  });

  it('a P pick outside a SeisBench trace', async () => {
    const folder = tmp.path('seisbench-pick');
    await mkdir(folder);
    await copyFile(join(folder, '..', 'slices.hdf5'), join(folder, 'waveforms.hdf5'));
    const metadata = join(folder, 'metadata.csv');
    await writeFile(metadata, 'trace_name,trace_p_arrival_sample\n"bucket0$0,:3,:100",100\n');
    await expectDataError(collect(metadata), {
      file: `${metadata}:2`,
      field: 'trace_p_arrival_sample',
      value: '100',
      problem: /outside the trace of 100 samples/,
    });
  });
});
