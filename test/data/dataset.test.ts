import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetWriter,
  decodeDataset,
  encodeDataset,
  iterateDataset,
  readDataset,
  readDatasetHeader,
  type DatasetMeta,
  type DatasetRow,
} from '../../src/data/dataset.js';
import { Rng } from '../../src/tensor/random.js';
import { expectDataError, scratch } from './helpers.js';

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(async () => {
  await tmp.remove();
});

const taskA: DatasetMeta = {
  task: 'A',
  inputShape: [16, 48],
  samplingRate: 100,
  window: { startFromP: -100, length: 600 },
  preprocessing: { bandpassHz: [1, 20], order: 4, zeroPhase: true, normalise: 'maxabs', stft: { window: 'hann', length: 30, hop: 13 } },
};

function makeRows(count: number, seed: number, labelled = true): DatasetRow[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const row: DatasetRow = { input: Float64Array.from({ length: 16 * 48 }, () => rng.normal()), sourceId: `set-${seed}/trace-${i}` };
    if (labelled && i % 5 !== 4) row.label = i % 2 === 0 ? 'local' : 'teleseismic';
    if (i % 3 === 0) row.snr = 1 + i / 10;
    return row;
  });
}

async function writeSet(path: string, chunks: DatasetRow[][], meta: DatasetMeta = taskA): Promise<void> {
  const writer = await DatasetWriter.create(path, meta);
  for (const chunk of chunks) await writer.append(chunk);
  await writer.finish();
}

describe('prepared data-set file', () => {
  const chunks = Array.from({ length: 6 }, (_, c) => makeRows(7, c));
  const all = chunks.flat();

  it('as bytes: encodeDataset gives the bytes the writer streams, decodeDataset what readDataset reads', async () => {
    const file = tmp.path('bytes.scds');
    await writeSet(file, chunks);
    const bytes = encodeDataset(taskA, all, file);
    expect(Buffer.from(bytes).equals(await readFile(file))).toBe(true);
    expect(decodeDataset(bytes, file)).toEqual(await readDataset(file));
    expect(() => decodeDataset(bytes.subarray(0, bytes.length - 1), 'cut.scds')).toThrow(/^cut\.scds: end marker = .*truncated or unfinished/);
  });

  it('writes rows in chunks and reads them all back, labels apart from inputs', async () => {
    const file = tmp.path('a.scds');
    await writeSet(file, chunks);
    const { header, inputs, labels } = await readDataset(file);
    expect(header.rows).toBe(42);
    expect(header.task).toBe('A');
    expect(header.inputShape).toEqual([16, 48]);
    expect(header.samplingRate).toBe(100);
    expect(header.window).toEqual(taskA.window);
    expect(header.preprocessing).toEqual(taskA.preprocessing);
    expect(header.sourceIds).toEqual(all.map((r) => r.sourceId));
    expect(header.snr).toEqual(all.map((r) => r.snr ?? null));
    expect(header.labelNames).toEqual(['local', 'teleseismic']);
    expect(inputs).toHaveLength(42 * 768);
    all.forEach((row, r) => {
      expect(inputs.subarray(r * 768, (r + 1) * 768)).toEqual(Float32Array.from(row.input));
      const expected = row.label === undefined ? -1 : header.labelNames?.indexOf(row.label);
      expect(labels?.[r]).toBe(expected);
    });
  });

  it('iterates in chunks that together equal the whole set', async () => {
    const file = tmp.path('chunks.scds');
    await writeSet(file, chunks);
    const whole = await readDataset(file);
    const starts: number[] = [];
    const inputs = new Float32Array(whole.inputs.length);
    const labels = new Int32Array(42);
    for await (const chunk of iterateDataset(file, 10)) {
      starts.push(chunk.start);
      inputs.set(chunk.inputs, chunk.start * 768);
      labels.set(chunk.labels ?? [], chunk.start);
      expect(chunk.rows).toBe(Math.min(10, 42 - chunk.start));
    }
    expect(starts).toEqual([0, 10, 20, 30, 40]);
    expect(inputs).toEqual(whole.inputs);
    expect(labels).toEqual(whole.labels);
  });

  it('stores an unlabelled set without a labels array or SNR', async () => {
    const file = tmp.path('unlabelled.scds');
    const taskB: DatasetMeta = { task: 'B', inputShape: [32], samplingRate: 100, window: { startFromP: -16, length: 32 }, preprocessing: {} };
    const rows = Array.from({ length: 4 }, (_, r) => ({ input: Float32Array.from({ length: 32 }, (_, i) => r - i / 32), sourceId: `b-${r}` }));
    await writeSet(file, [rows], taskB);
    const { header, inputs, labels } = await readDataset(file);
    expect(header.task).toBe('B');
    expect(header.inputShape).toEqual([32]);
    expect(inputs.subarray(96, 128)).toEqual(rows[3]?.input);
    expect(labels).toBeUndefined();
    expect(header.arrays.labels).toBeUndefined();
    expect(header.labelNames).toBeUndefined();
    expect(header.snr).toBeUndefined();
  });

  it('reads an empty set', async () => {
    const file = tmp.path('empty.scds');
    await writeSet(file, []);
    const { header, inputs } = await readDataset(file);
    expect(header.rows).toBe(0);
    expect(inputs).toHaveLength(0);
  });

  it('streams rows to disk and only shows the file under its name once finished', async () => {
    const file = tmp.path('streamed.scds');
    const writer = await DatasetWriter.create(file, taskA);
    const partial = async (): Promise<string[]> => (await readdir(tmp.dir)).filter((n) => n.startsWith('.streamed.scds.tmp-'));
    const [temp] = await partial();
    expect(temp).toMatch(/^\.streamed\.scds\.tmp-./);
    await writer.append(makeRows(10, 1));
    expect((await stat(tmp.path(temp as string))).size).toBe(16 + 10 * 768 * 4);
    await writer.append(makeRows(10, 2));
    expect((await stat(tmp.path(temp as string))).size).toBe(16 + 20 * 768 * 4);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    await writer.finish();
    expect(await partial()).toEqual([]);
    expect((await readDatasetHeader(file)).rows).toBe(20);
    await expect(writer.append(makeRows(1, 3))).rejects.toThrow(/already finished/);
  });

  it('leaves nothing behind when aborted', async () => {
    const file = tmp.path('aborted.scds');
    const writer = await DatasetWriter.create(file, taskA);
    await writer.append(makeRows(3, 1));
    await writer.abort();
    expect((await readdir(tmp.dir)).filter((n) => n.includes('aborted.scds'))).toEqual([]);
  });
});

describe('data-set writer rejects bad rows before writing them', () => {
  it('a NaN input, a wrong input length, a missing source id, a bad SNR', async () => {
    const file = tmp.path('bad-rows.scds');
    const writer = await DatasetWriter.create(file, taskA);
    await writer.append(makeRows(2, 1));
    const rows = makeRows(3, 2);
    (rows[1]?.input as Float64Array)[5] = Number.NaN;
    await expectDataError(writer.append(rows), { file, field: 'row 3 (set-2/trace-1) input[5]', value: 'NaN', problem: /finite/ });
    expect(writer.rows).toBe(2);
    await expectDataError(writer.append([{ input: new Float32Array(10), sourceId: 'short' }]), {
      file,
      field: 'row 2 (short) input length',
      value: '10',
      problem: /needs 768 values/,
    });
    await expectDataError(writer.append([{ input: new Float32Array(768), sourceId: '' }]), { file, field: 'row 2 sourceId', value: '""' });
    await expectDataError(writer.append([{ input: new Float32Array(768), sourceId: 'x', snr: Infinity }]), { file, field: 'row 2 (x) snr', value: 'Infinity' });
    await expectDataError(writer.append([{ input: new Float64Array(768).fill(1e39), sourceId: 'huge' }]), {
      file,
      field: 'row 2 (huge) input[0]',
      value: '1e+39',
    });
    await writer.finish();
    expect((await readDataset(file)).header.rows).toBe(2);
  });

  it('bad metadata', async () => {
    const file = tmp.path('bad-meta.scds');
    await expectDataError(DatasetWriter.create(file, { ...taskA, inputShape: [16, 0] }), { file, field: 'inputShape', value: '[16, 0]' });
    await expectDataError(DatasetWriter.create(file, { ...taskA, inputShape: [1, 16, 48] }), { file, field: 'inputShape', value: '[1, 16, 48]' });
    await expectDataError(DatasetWriter.create(file, { ...taskA, task: 'B', inputShape: [16, 48] }), { file, field: 'inputShape', value: '[16, 48]' });
    await expectDataError(DatasetWriter.create(file, { ...taskA, samplingRate: 0 }), { file, field: 'samplingRate', value: '0' });
    await expectDataError(DatasetWriter.create(file, { ...taskA, task: 'C' as 'A' }), { file, field: 'task', value: '"C"' });
    await expectDataError(DatasetWriter.create(file, { ...taskA, preprocessing: { bandpassHz: [1, Number.NaN] } }), {
      file,
      field: 'preprocessing.bandpassHz[1]',
      value: 'NaN',
      problem: /JSON numbers must be finite/,
    });
    expect(await readdir(tmp.dir)).not.toContain('bad-meta.scds');
  });
});

describe('data-set reader rejects foreign, truncated and corrupt files', () => {
  let good: Uint8Array;
  beforeAll(async () => {
    const file = tmp.path('good.scds');
    await writeSet(file, [makeRows(5, 3)]);
    // A copy, not a Buffer: Buffer.slice would share memory and the tests below edit their copies.
    good = new Uint8Array(await readFile(file));
  });

  it('a foreign file', async () => {
    const file = tmp.path('foreign.scds');
    await writeFile(file, '{"not": "a data set, but long enough to have a header and trailer"}');
    await expectDataError(readDataset(file), { file, field: 'magic', value: '"{\\"not\\": "', problem: /not a seiscluster data set/ });
  });

  it('a truncated file', async () => {
    const file = tmp.path('truncated.scds');
    const cut = good.subarray(0, good.length - 100);
    await writeFile(file, cut);
    const endBytes = JSON.stringify(Buffer.from(cut.subarray(cut.length - 8)).toString('latin1'));
    await expectDataError(readDataset(file), { file, field: 'end marker', value: endBytes, problem: /truncated or unfinished data set/ });
  });

  it('a file too small to hold the format', async () => {
    const file = tmp.path('tiny.scds');
    await writeFile(file, 'SEISCLDS');
    await expectDataError(readDataset(file), { file, field: 'file size', value: '8' });
  });

  it('a newer format version', async () => {
    const file = tmp.path('v2.scds');
    const bytes = good.slice();
    new DataView(bytes.buffer).setUint32(8, 2, true);
    await writeFile(file, bytes);
    await expectDataError(readDataset(file), { file, field: 'version', value: '2' });
  });

  it('rows cut out of the middle (header and arrays no longer line up)', async () => {
    const file = tmp.path('spliced.scds');
    await writeFile(file, Buffer.concat([good.subarray(0, 16 + 768 * 4), good.subarray(16 + 2 * 768 * 4)]));
    await expectDataError(readDataset(file), {
      file,
      field: 'file size',
      value: String(good.length - 768 * 4 - 16 - rowsJsonLength(good)),
      problem: /truncated or corrupt/,
    });
  });

  it('a NaN stored in the inputs', async () => {
    const file = tmp.path('nan.scds');
    const bytes = good.slice();
    new DataView(bytes.buffer).setFloat32(16 + (2 * 768 + 7) * 4, Number.NaN, true);
    await writeFile(file, bytes);
    await expectDataError(readDataset(file), { file, field: 'inputs row 2 (set-3/trace-2) [7]', value: 'NaN' });
  });

  it('a label index with no class name', async () => {
    const file = tmp.path('label.scds');
    const bytes = good.slice();
    const labelsAt = 16 + 5 * 768 * 4;
    new DataView(bytes.buffer).setInt32(labelsAt + 4, 9, true);
    await writeFile(file, bytes);
    await expectDataError(readDataset(file), { file, field: 'labels row 1', value: '9', problem: /class index below 2/ });
  });
});

/** Length of the JSON header of a data-set file, from its trailer. */
function rowsJsonLength(bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(bytes.length - 16, true));
}
