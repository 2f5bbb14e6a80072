/**
 * `seiscluster predict --data <set>` streams the set: it reads, predicts and
 * writes `--chunk` records at a time, so the memory it needs must not grow
 * with the size of the set. Measured on the real command line in a child
 * process (test/helpers/cli-peak-rss.mjs): a set of ~37 MB and one four times
 * larger, same checkpoint, same chunk; the larger run's peak resident set may
 * exceed the smaller one's by less than 15 % of the 110 MB of extra data
 * (collecting the output in memory, ~290 bytes a record, already fails that).
 *
 * The child's garbage collector is kept tight (a capped old space and a
 * small young generation): left to itself V8 grows its heap lazily with the
 * garbage a long run makes (every chunk's buffers and CSV text), which reads
 * as growth with the set though nothing is kept (uncapped, such runs differ
 * by tens of MB). Under the cap a run that kept its records would
 * either die out of memory or show them in its resident set; a streaming run
 * fits, whatever the size of the set. Two threads (--threads 2) whatever the
 * machine, so that runs compare alike everywhere.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCheckpoint, saveCheckpoint } from '../../src/cluster/checkpoint.js';
import { ClusteringLayer } from '../../src/cluster/clustering.js';
import { DatasetWriter } from '../../src/data/dataset.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import { networkA } from '../../src/model/networks.js';

const ROOT = resolve(__dirname, '../..');
const SHAPE = [16, 48] as const;
const ROW = SHAPE[0] * SHAPE[1]; // 3,072 bytes a record
const SMALL = 12_000; // ~37 MB of inputs, 12 chunks: past the first garbage collections
const LARGE = 48_000; // ~147 MB of inputs
const CHUNK = 1024;
const HEAP_MB = 64;
const GC_FLAGS = [`--max-old-space-size=${HEAP_MB}`, '--max-semi-space-size=1', '--expose-gc'];
const MB = 1e6;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seiscluster-predict-memory-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A network-A checkpoint with a two-cluster layer: untrained weights cost prediction what trained ones do. */
async function writeCheckpoint(path: string): Promise<void> {
  const model = new Autoencoder(networkA(), { seed: 1 });
  const k = 2;
  const centroids = Float32Array.from({ length: k * model.codeSize }, (_, i) => Math.sin(i + 1) * 0.5);
  const clustering = new ClusteringLayer(centroids, k, model.codeSize, { backend: model.backend });
  await saveCheckpoint(path, await captureCheckpoint({ model, clustering }));
  model.dispose();
  clustering.dispose();
}

/** A task-A set of `rows` uniform random records in [-1, 1), written a block at a time. */
async function writeRandomSet(path: string, rows: number, seed: number): Promise<void> {
  const writer = await DatasetWriter.create(path, {
    task: 'A',
    inputShape: [...SHAPE],
    samplingRate: 100,
    window: { startFromP: -100, length: 3000 },
    preprocessing: {},
  });
  let state = seed >>> 0 || 1;
  const block = 1000;
  const values = new Float32Array(block * ROW);
  for (let start = 0; start < rows; start += block) {
    const count = Math.min(block, rows - start);
    for (let i = 0; i < count * ROW; i++) {
      state ^= state << 13; // xorshift32
      state ^= state >>> 17;
      state ^= state << 5;
      values[i] = (state >>> 0) / 2 ** 31 - 1;
    }
    const batch = Array.from({ length: count }, (_, r) => ({
      input: values.subarray(r * ROW, (r + 1) * ROW),
      sourceId: `rec-${String(start + r).padStart(6, '0')}`,
    }));
    await writer.append(batch);
  }
  await writer.finish();
}

interface PeakRss {
  code: number | null;
  stderr: string;
  /** Resident set just before the command ran, and its peak from then on (bytes). */
  startRss: number;
  peakRss: number;
}

/** Runs the command line from the sources in a fresh Node process that reports its peak resident set. */
function runCli(argv: readonly string[]): Promise<PeakRss> {
  const args = [...GC_FLAGS, join(ROOT, 'test/helpers/cli-peak-rss.mjs'), ...argv];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      const m = /peak-rss (\{.*\})\s*$/.exec(stderr);
      const r = m ? (JSON.parse(m[1]!) as { startRss: number; peakRss: number }) : { startRss: NaN, peakRss: NaN };
      done({ code, stderr, startRss: r.startRss, peakRss: r.peakRss });
    });
  });
}

/** Newlines in a file, counted as it streams by. */
async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) for (const b of chunk) if (b === 10) n++;
  return n;
}

describe('seiscluster predict over a prepared set', () => {
  it('runs in memory that does not grow with the size of the set', async () => {
    const checkpoint = join(dir, 'model.ckpt');
    const small = join(dir, 'small.scds');
    const large = join(dir, 'large.scds');
    await writeCheckpoint(checkpoint);
    await writeRandomSet(small, SMALL, 1);
    await writeRandomSet(large, LARGE, 2);
    const largeBytes = (await stat(large)).size;
    const extraBytes = largeBytes - (await stat(small)).size;
    expect(extraBytes).toBeGreaterThan(100 * MB);

    const runs: Record<string, PeakRss> = {};
    for (const [name, set, rows] of [
      ['small', small, SMALL],
      ['large', large, LARGE],
    ] as const) {
      const out = join(dir, `${name}.csv`);
      const r = await runCli([
        'predict',
        '--checkpoint',
        checkpoint,
        '--data',
        set,
        '--out',
        out,
        '--chunk',
        String(CHUNK),
        '--backend',
        'cpu',
        '--threads',
        '2',
        '--format',
        'csv',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.peakRss, r.stderr).toBeGreaterThan(0);
      expect(await countLines(out)).toBe(rows + 1); // the column names, then one line per record
      await rm(out);
      await rm(set); // frees the disk early
      runs[name] = r;
    }

    const { small: s, large: l } = runs as { small: PeakRss; large: PeakRss };
    const own = (r: PeakRss): number => r.peakRss - r.startRss;
    const growth = l.peakRss - s.peakRss;
    const f = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
    console.log(
      `predict --chunk ${CHUNK} (${GC_FLAGS.slice(0, 2).join(' ')}): ` +
        `${SMALL} records (${f(largeBytes - extraBytes)}): peak RSS ${f(s.peakRss)}, ${f(own(s))} above the ${f(s.startRss)} before the command; ` +
        `${LARGE} records (${f(largeBytes)}): peak RSS ${f(l.peakRss)}, ${f(own(l))} above ${f(l.startRss)}; ` +
        `peak RSS grew by ${f(growth)} for ${f(extraBytes)} more data`,
    );
    expect(growth).toBeLessThan(0.15 * extraBytes);
    // The command holds far less than it reads: the set is never in memory whole.
    expect(own(l)).toBeLessThan(0.5 * largeBytes);
  });
});
