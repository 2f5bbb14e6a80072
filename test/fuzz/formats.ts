/**
 * The fuzzed formats: for each, a small valid seed file (made by the
 * project's own writers), its layout for the mutation operators, and the read
 * the command does, with the invariants a successful read must keep.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { zipSync } from 'fflate';
import { encodeCheckpoint, readCheckpoint, restoreModel } from '../../src/cluster/checkpoint.js';
import { predict } from '../../src/cluster/predict.js';
import { iterateDataset, readDataset } from '../../src/data/dataset.js';
import { DataError } from '../../src/common/errors.js';
import { prepareDataset, prepareSynthetic } from '../../src/data/prepare.js';
import { encodeMiniSeed, encodeNpy, encodeSac, readSeismogram, type Seismogram } from '../../src/data/readers/index.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import { networkB } from '../../src/model/networks.js';
import { MutationRng, type Layout, type Operator } from './mutate.js';

/** A successful read that breaks what the format guarantees: a silently wrong result. */
export class WrongRead extends Error {}

function expectThat(ok: boolean, what: string): void {
  if (!ok) throw new WrongRead(what);
}

export interface FuzzFormat {
  name: string;
  /** The mutant's file name in the scratch folder. */
  fileName: string;
  /** Writes companion files into `dir`; returns the seed's bytes and layout. */
  seed(dir: string): Promise<{ bytes: Uint8Array; layout: Layout }>;
  /** Reads `dir/fileName` as the command does: 'read' (invariants checked) or 'skipped'; throws on rejection. */
  read(dir: string): Promise<'read' | 'skipped'>;
}

const RATE = 100;
const LENGTH = 1500;
const ONSET = 500;

/** A noisy trace with an impulsive onset at sample 500. */
function trace(seed: number): Float64Array {
  const rng = new MutationRng(seed);
  return Float64Array.from({ length: LENGTH }, (_, i) =>
    Math.round(200 * (rng.next() - 0.5) + (i >= ONSET ? 4000 * Math.exp(-(i - ONSET) / 80) * Math.sin((i - ONSET) / 3) : 0)),
  );
}

function allFinite(values: ArrayLike<number | bigint>): boolean {
  for (let i = 0; i < values.length; i++) if (typeof values[i] === 'number' && !Number.isFinite(values[i] as number)) return false;
  return true;
}

function checkSeismogram(s: Seismogram): void {
  const rateOk = (r: number | undefined): boolean => r === undefined || (Number.isFinite(r) && r > 0);
  switch (s.format) {
    case 'sac':
      expectThat(rateOk(s.trace.samplingRate) && s.trace.samples.length === s.trace.header.npts && allFinite(s.trace.samples), 'SAC trace');
      break;
    case 'mseed':
      for (const t of s.traces) expectThat(rateOk(t.samplingRate) && t.segments.every((g) => g.samples.length > 0 && allFinite(g.samples)), `miniSEED ${t.id}`);
      break;
    case 'npy':
      expectThat(s.array.data.length === s.array.shape.reduce((n, d) => n * d, 1) && (s.array.kind === 'string' || allFinite(s.array.data)), 'npy array');
      break;
    case 'npz':
      for (const [name, a] of s.arrays)
        expectThat(a.data.length === a.shape.reduce((n, d) => n * d, 1) && (a.kind === 'string' || allFinite(a.data)), `npz ${name}`);
      break;
    case 'hdf5':
      for (const t of s.traces) {
        const n = t.components[0]?.length ?? 0;
        expectThat(n > 0 && t.components.every((c) => c.length === n && allFinite(c)) && rateOk(t.samplingRate), `HDF5 ${t.key}`);
      }
  }
}

/** `prepare` on the file (task B), then the prepared set's and the reader's invariants. */
async function prepareRead(dir: string, input: string): Promise<'read' | 'skipped'> {
  const out = join(dir, 'out', 'set.scds');
  try {
    await prepareDataset({ task: 'B', inputs: [input], out, samplingRate: RATE });
  } catch (error) {
    if (error instanceof DataError && /no record could be prepared: all \d+ skipped/.test(error.message)) return 'skipped';
    throw error;
  }
  const set = await readDataset(out);
  expectThat(allFinite(set.inputs) && set.inputs.length === set.header.rows * 32, 'prepared rows');
  if (!input.endsWith('.csv')) {
    try {
      checkSeismogram(await readSeismogram(input));
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
    }
  }
  return 'read';
}

const be = (name: string, offset: number, width: 2 | 4 | 8, kind: 'int' | 'float' = 'int') => ({ name, offset, width, kind, littleEndian: false });
const le = (name: string, offset: number, width: 2 | 4 | 8, kind: 'int' | 'float' = 'int') => ({ name, offset, width, kind, littleEndian: true });

function sacSeed(): Uint8Array {
  return encodeSac({ delta: 0.01, b: 0, a: 5, ka: 'P', kcmpnm: 'HHZ' }, trace(1));
}

const sac: FuzzFormat = {
  name: 'sac',
  fileName: 'trace.sac',
  async seed() {
    const bytes = sacSeed();
    const fields = [
      le('delta', 0, 4, 'float'),
      le('b', 20, 4, 'float'),
      le('a', 32, 4, 'float'),
      le('npts', 316, 4),
      le('nvhdr', 304, 4),
      le('iftype', 340, 4),
      le('leven', 420, 4),
    ];
    return { bytes, layout: { boundaries: [632, 636, bytes.length - 4], fields, samples: { offset: 632, width: 4, count: LENGTH, littleEndian: true } } };
  },
  read: (dir) => prepareRead(dir, join(dir, 'trace.sac')),
};

const mseed: FuzzFormat = {
  name: 'mseed',
  fileName: 'trace.mseed',
  async seed() {
    const bytes = encodeMiniSeed(
      { network: 'XX', station: 'STA', location: '', channel: 'HHZ', samplingRate: RATE, startTime: 1.6e9, samples: trace(2) },
      { encoding: 'steim1', recordLength: 512 },
    );
    const boundaries = Array.from({ length: bytes.length / 512 }, (_, r) => [r * 512, r * 512 + 48, r * 512 + 64]).flat();
    const fields = [
      be('samples', 30, 2),
      be('rate factor', 32, 2),
      be('rate multiplier', 34, 2),
      be('data offset', 44, 2),
      be('first blockette', 46, 2),
      be('year', 20, 2),
      { name: 'record length', offset: 54, width: 2 as const, kind: 'int' as const, littleEndian: false },
    ];
    return { bytes, layout: { boundaries, fields } };
  },
  read: (dir) => prepareRead(dir, join(dir, 'trace.mseed')),
};

const npy: FuzzFormat = {
  name: 'npy',
  fileName: 'trace.npy',
  async seed() {
    const bytes = encodeNpy(Float32Array.from(trace(3)), [LENGTH]);
    const start = bytes.length - 4 * LENGTH;
    const text = {
      read: (b: Uint8Array) => Buffer.from(b.subarray(10, Math.min(b.length, start))).toString('latin1'),
      write: (b: Uint8Array, t: string) => {
        const header = Buffer.from(t, 'latin1');
        const out = new Uint8Array(10 + header.length + Math.max(0, b.length - start));
        out.set(b.subarray(0, 10));
        new DataView(out.buffer).setUint16(8, header.length, true);
        out.set(header, 10);
        out.set(b.subarray(start), 10 + header.length);
        return out;
      },
    };
    return {
      bytes,
      layout: {
        boundaries: [6, 8, 10, start],
        fields: [le('header length', 8, 2), le('version', 6, 2)],
        samples: { offset: start, width: 4, count: LENGTH, littleEndian: true },
        text,
      },
    };
  },
  read: (dir) => prepareRead(dir, join(dir, 'trace.npy')),
};

/** Central-directory entries that all point at the first member: the overlapping-entries archive. */
function overlappingEntries(bytes: Uint8Array, copies: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 22;
  if (end < 0 || view.getUint32(end, true) !== 0x06054b50) return bytes;
  const cdOffset = view.getUint32(end + 16, true);
  if (cdOffset + 46 > end) return bytes;
  const first = view.getUint16(cdOffset + 28, true) + view.getUint16(cdOffset + 30, true) + view.getUint16(cdOffset + 32, true) + 46;
  if (cdOffset + first > end) return bytes;
  const entry = bytes.subarray(cdOffset, cdOffset + first);
  const out = new Uint8Array(cdOffset + first * copies + 22);
  out.set(bytes.subarray(0, cdOffset));
  for (let i = 0; i < copies; i++) {
    out.set(entry, cdOffset + i * first);
    out[cdOffset + i * first + 46] = 0x61 + (i % 26); // distinct names
  }
  out.set(bytes.subarray(end), cdOffset + first * copies);
  const v = new DataView(out.buffer);
  v.setUint16(cdOffset + first * copies + 8, copies, true);
  v.setUint16(cdOffset + first * copies + 10, copies, true);
  v.setUint32(cdOffset + first * copies + 12, first * copies, true);
  return out;
}

const ZIP_SPECIAL: Operator[] = [
  { name: 'zip entries overlapping', apply: (b, rng) => overlappingEntries(b, 2 + rng.below(300)) },
  { name: 'zip nested in zip', apply: (b) => zipSync({ 'data.npy': b }) },
];

const npz: FuzzFormat = {
  name: 'npz',
  fileName: 'trace.npz',
  async seed() {
    const data = new Float32Array(LENGTH * 3);
    const z = trace(4);
    for (let i = 0; i < LENGTH; i++) data[i * 3 + 2] = z[i]!;
    const bytes = zipSync({ 'data.npy': encodeNpy(data, [LENGTH, 3]), 'itp.npy': encodeNpy(new Int32Array([ONSET]), [1]) }, { level: 6 });
    return {
      bytes,
      layout: {
        boundaries: [4, 30, bytes.length - 22],
        fields: [
          le('member size', 22, 4),
          le('member compressed size', 18, 4),
          le('directory offset', bytes.length - 6, 4),
          le('entries', bytes.length - 12, 2),
        ],
        special: ZIP_SPECIAL,
      },
    };
  },
  read: (dir) => prepareRead(dir, join(dir, 'trace.npz')),
};

/** Little-endian uint64 occurrences of `value` in `bytes` set to `to`: an HDF5 dataspace extent. */
function extent(bytes: Uint8Array, value: number, to: bigint): Uint8Array {
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  for (let at = 0; at + 8 <= out.length; at++) if (view.getBigUint64(at, true) === BigInt(value)) view.setBigUint64(at, to, true);
  return out;
}

const HDF5_SPECIAL: Operator[] = [
  { name: 'HDF5 extent 1e8', apply: (b) => extent(b, LENGTH, 100_000_000n) },
  { name: 'HDF5 extent 2^40', apply: (b) => extent(b, 3, 2n ** 40n) },
];

async function hdf5Layout(bytes: Uint8Array): Promise<Layout> {
  return { boundaries: [8, 512, 1024, 2048, bytes.length - 4 * LENGTH * 3], fields: [], special: HDF5_SPECIAL };
}

const stead: FuzzFormat = {
  name: 'hdf5 STEAD',
  fileName: 'stead.hdf5',
  async seed(dir) {
    await h5wasm.ready;
    const path = join(dir, 'seed-stead.hdf5');
    const f = new h5wasm.File(path, 'w');
    const values = new Float32Array(LENGTH * 3);
    const z = trace(5);
    for (let i = 0; i < LENGTH; i++) values[i * 3 + 2] = z[i]!;
    const d = f.create_group('data').create_dataset({ name: 'TR1', data: values, shape: [LENGTH, 3], dtype: '<f4' });
    d.create_attribute('p_arrival_sample', ONSET);
    d.create_attribute('sampling_rate', RATE);
    d.create_attribute('component_order', 'ENZ');
    f.close();
    const { readFile } = await import('node:fs/promises');
    const bytes = new Uint8Array(await readFile(path));
    return { bytes, layout: await hdf5Layout(bytes) };
  },
  read: (dir) => prepareRead(dir, join(dir, 'stead.hdf5')),
};

async function seisBenchFile(dir: string): Promise<Uint8Array> {
  await h5wasm.ready;
  const path = join(dir, 'seed-bucket.hdf5');
  const f = new h5wasm.File(path, 'w');
  const values = new Float32Array(2 * 3 * LENGTH);
  for (let t = 0; t < 2; t++) values.set(Float32Array.from(trace(6 + t)), t * 3 * LENGTH);
  f.create_group('data').create_dataset({ name: 'bucket0', data: values, shape: [2, 3, LENGTH], dtype: '<f4' });
  const format = f.create_group('data_format');
  format.create_dataset({ name: 'component_order', data: 'ZNE' });
  format.create_dataset({ name: 'dimension_order', data: 'CW' });
  format.create_dataset({ name: 'sampling_rate', data: RATE });
  f.close();
  const { readFile } = await import('node:fs/promises');
  return new Uint8Array(await readFile(path));
}

const METADATA =
  `trace_name,trace_sampling_rate_hz,trace_p_arrival_sample\nbucket0$0,:3,:${LENGTH},${RATE},${ONSET}\nbucket0$1,:3,:${LENGTH},${RATE},${ONSET + 100}\n`.replace(
    /bucket0\$(\d),:3,:(\d+)/g,
    '"bucket0$$$1,:3,:$2"',
  );

const textLayout = (bytes: Uint8Array, special: Operator[] = []): Layout => ({
  boundaries: [...Buffer.from(bytes).toString('utf8').matchAll(/\n/g)].map((m) => (m.index ?? 0) + 1),
  fields: [],
  text: { read: (b) => Buffer.from(b).toString('utf8'), write: (_, t) => new Uint8Array(Buffer.from(t, 'utf8')) },
  special,
});

const seisBench: FuzzFormat = {
  name: 'hdf5 SeisBench',
  fileName: 'waveforms.hdf5',
  async seed(dir) {
    await writeFile(join(dir, 'metadata.csv'), METADATA);
    const bytes = await seisBenchFile(dir);
    return { bytes, layout: await hdf5Layout(bytes) };
  },
  read: (dir) => prepareRead(dir, join(dir, 'waveforms.hdf5')),
};

const seisBenchCsv: FuzzFormat = {
  name: 'SeisBench metadata.csv',
  fileName: 'metadata.csv',
  async seed(dir) {
    await writeFile(join(dir, 'waveforms.hdf5'), await seisBenchFile(dir));
    const bytes = new Uint8Array(Buffer.from(METADATA));
    return { bytes, layout: textLayout(bytes) };
  },
  read: (dir) => prepareRead(dir, join(dir, 'waveforms.hdf5')),
};

/** Paths a manifest row may name that are no data file: an endless device, a FIFO, a folder, nothing. */
const HOSTILE_PATHS = ['/dev/zero', 'fifo', 'folder', 'missing.sac', '/dev/null'];

const MANIFEST_SPECIAL: Operator[] = [
  {
    name: 'manifest row names a non-file',
    apply: (b, rng) => {
      const lines = Buffer.from(b).toString('utf8').split('\n');
      const row = 1 + rng.below(Math.max(1, lines.length - 2));
      lines[row] = (lines[row] ?? '').replace(/^[^,]*/, rng.pick(HOSTILE_PATHS));
      return new Uint8Array(Buffer.from(lines.join('\n')));
    },
  },
];

const manifest: FuzzFormat = {
  name: 'manifest csv',
  fileName: 'manifest.csv',
  async seed(dir) {
    await writeFile(join(dir, 'a.sac'), sacSeed());
    await writeFile(join(dir, 'b.npy'), encodeNpy(Float32Array.from(trace(8)), [LENGTH]));
    await mkdir(join(dir, 'folder'), { recursive: true });
    try {
      execFileSync('mkfifo', [join(dir, 'fifo')]);
    } catch {
      // already there from an earlier seed
    }
    const text = [
      'path,format,trace_key,component_index,sampling_rate_hz,npts,label,p_arrival_sample',
      `a.sac,sac,,,${RATE},${LENGTH},up,${ONSET}`,
      `b.npy,npy,,,${RATE},${LENGTH},down,${ONSET}`,
      `a.sac,sac,,,,,down,`,
      '',
    ].join('\n');
    const bytes = new Uint8Array(Buffer.from(text));
    return { bytes, layout: textLayout(bytes, MANIFEST_SPECIAL) };
  },
  read: (dir) => prepareRead(dir, join(dir, 'manifest.csv')),
};

/** The JSON header at the end of a prepared set, rewritten with a matching length. */
const scdsText = {
  read(b: Uint8Array): string {
    if (b.length < 32) return '';
    const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(b.length - 16, true));
    return n > b.length - 16 ? '' : Buffer.from(b.subarray(b.length - 16 - n, b.length - 16)).toString('utf8');
  },
  write(b: Uint8Array, t: string): Uint8Array {
    const old = scdsText.read(b);
    const json = Buffer.from(t, 'utf8');
    const head = b.subarray(0, Math.max(0, b.length - 16 - Buffer.byteLength(old)));
    const out = new Uint8Array(head.length + json.length + 16);
    out.set(head);
    out.set(json, head.length);
    new DataView(out.buffer).setBigUint64(head.length + json.length, BigInt(json.length), true);
    out.set(Buffer.from('SEISCLDS'), head.length + json.length + 8);
    return out;
  },
};

const scds: FuzzFormat = {
  name: 'prepared set',
  fileName: 'set.scds',
  async seed(dir) {
    const path = join(dir, 'seed.scds');
    await prepareSynthetic({ task: 'B', n: 6, seed: 1, out: path });
    const { readFile } = await import('node:fs/promises');
    const bytes = new Uint8Array(await readFile(path));
    const fields = [le('version', 8, 4), le('header length', bytes.length - 16, 8)];
    return {
      bytes,
      layout: {
        boundaries: [8, 16, 16 + 6 * 128, 16 + 6 * 132, bytes.length - 16],
        fields,
        samples: { offset: 16, width: 4, count: 6 * 32, littleEndian: true },
        text: scdsText,
      },
    };
  },
  async read(dir) {
    const path = join(dir, 'set.scds');
    const set = await readDataset(path);
    const { header } = set;
    const names = header.labelNames?.length ?? 0;
    expectThat(allFinite(set.inputs) && set.inputs.length === header.rows * header.inputShape.reduce((n, d) => n * d, 1), 'inputs');
    expectThat(set.labels === undefined || set.labels.every((l) => l >= -1 && l < names), 'labels');
    let rows = 0;
    for await (const chunk of iterateDataset(path, 4)) rows += chunk.rows;
    expectThat(rows === header.rows, 'chunked rows');
    return 'read';
  },
};

/** The JSON header at the start of a checkpoint, rewritten with a matching length. */
const checkpointText = {
  read(b: Uint8Array): string {
    if (b.length < 8) return '';
    const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
    return n > b.length - 8 ? '' : Buffer.from(b.subarray(8, 8 + n)).toString('utf8');
  },
  write(b: Uint8Array, t: string): Uint8Array {
    const old = Buffer.byteLength(checkpointText.read(b));
    const json = Buffer.from(t, 'utf8');
    const out = new Uint8Array(8 + json.length + Math.max(0, b.length - 8 - old));
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(b.subarray(8 + old), 8 + json.length);
    return out;
  },
};

const checkpoint: FuzzFormat = {
  name: 'checkpoint',
  fileName: 'model.ckpt',
  async seed() {
    const model = new Autoencoder(networkB(), { seed: 0 });
    const weights = new Map<string, Float32Array>();
    for (const [name, values] of await model.weights()) weights.set(name, Float32Array.from(values));
    const bytes = encodeCheckpoint({ description: networkB(), weights, clustering: { k: 2, alpha: 1, centroids: Float32Array.from([0.5, -0.5, -0.5, 0.5]) } });
    const dataStart = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const layout: Layout = {
      boundaries: [8, dataStart, bytes.length - 16],
      fields: [le('header length', 0, 8)],
      samples: { offset: dataStart, width: 4, count: (bytes.length - dataStart) / 4, littleEndian: true },
      text: checkpointText,
    };
    return { bytes, layout };
  },
  async read(dir) {
    const c = await readCheckpoint(join(dir, 'model.ckpt'));
    const { model, clustering } = restoreModel(c);
    if (clustering === null) return 'read';
    const inputs = Float32Array.from({ length: 4 * model.recordSize }, (_, i) => Math.sin(i));
    const p = await predict(model, clustering, inputs);
    expectThat(allFinite(p.q) && allFinite(p.codes) && p.clusters.every((k) => k >= 0 && k < clustering.k), 'predictions');
    return 'read';
  },
};

export const FORMATS: readonly FuzzFormat[] = [sac, mseed, npy, npz, stead, seisBench, seisBenchCsv, manifest, scds, checkpoint];
