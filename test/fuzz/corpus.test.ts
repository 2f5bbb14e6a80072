import { execFile } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHdf5 } from '../../src/data/readers/hdf5.js';
import { readSeismogram } from '../../src/data/readers/index.js';
import { FORMATS } from './formats.js';
import { prepareFormat, runSeed, type Prepared } from './run.js';

const corpus = resolve(fileURLToPath(import.meta.url), '../corpus');
const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const run = promisify(execFile);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'seiscluster-corpus-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The format's scratch folder with `fixture` as its input (companion files from the format's seed). */
async function withFixture(formatName: string, fixture: string): Promise<Prepared> {
  const p = await prepareFormat(FORMATS.find((f) => f.name === formatName)!, root);
  await runSeed(p); // writes the seed, then the fixture replaces it
  await copyFile(join(corpus, fixture), join(p.dir, p.format.fileName));
  return p;
}

/** The message the read gives; seismogram files go to the reader itself, since `prepare` lists them as skipped. */
async function rejection(p: Prepared): Promise<string> {
  const seismogram = ['npz', 'hdf5 STEAD'].includes(p.format.name);
  try {
    await (seismogram ? readSeismogram(join(p.dir, p.format.fileName)) : p.format.read(p.dir));
  } catch (error) {
    return (error as Error).message;
  }
  return 'read';
}

/** Mutants that once broke a reader, each with the one-line rejection it now gets. */
const CASES: [format: string, fixture: string, message: RegExp][] = [
  ['npz', 'npz-300-overlapping-entries.npz', /trace\.npz:bata\.npy: zip local header offset = 0: overlaps member "aata\.npy"/],
  ['hdf5 STEAD', 'hdf5-extent-1e8.hdf5', /file = "\/": HDF5 error: incorrect metadata checksum/],
  ['prepared set', 'scds-null-arrays.scds', /header\.arrays\.inputs = null: expected/],
  ['prepared set', 'scds-null-window.scds', /header\.window = null: startFromP must be an integer/],
  ['prepared set', 'scds-deep-preprocessing.scds', /header = "\d+ bytes": nested deeper than 64 levels/],
  ['prepared set', 'scds-binary-header.scds', /header = "Bad control character in string literal.*": not valid JSON/],
  ['checkpoint', 'checkpoint-weight-nan.ckpt', /tensor encoder\.0\.weight \[2\] = NaN: not finite/],
  ['checkpoint', 'checkpoint-weight-inf.ckpt', /tensor encoder\.0\.weight \[2\] = Infinity: not finite/],
  ['checkpoint', 'checkpoint-weight-3.4e38.ckpt', /tensor encoder\.0\.weight \[2\] = 3\.39\d*e\+38: larger in magnitude than 1000000/],
  ['checkpoint', 'checkpoint-null-clustering.ckpt', /__metadata__\.clustering is not an object: null/],
  ['checkpoint', 'checkpoint-null-progress.ckpt', /__metadata__\.progress is not an object: null/],
  ['checkpoint', 'checkpoint-deep-header.ckpt', /the header nests deeper than 64 levels/],
];

describe('regression corpus: mutants that once broke a reader are rejected in one line naming the file', () => {
  for (const [format, fixture, message] of CASES) {
    it(`${fixture}`, async () => {
      const p = await withFixture(format, fixture);
      const text = await rejection(p);
      expect(text).toMatch(message);
      expect(text).toContain(p.dir);
      expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    });
  }
});

describe('regression corpus: metadata that makes the HDF5 library itself allocate', () => {
  it('hdf5-seisbench-heap-1.4GB.hdf5: the library asks for 1.4 GB to read a 42 kB file; the growth is refused and the read rejected', async () => {
    const file = join(corpus, 'hdf5-seisbench-heap-1.4GB.hdf5');
    const archive = await openHdf5(file);
    const rssBefore = process.memoryUsage().rss;
    expect(() => archive.readTrace('bucket0$0,:3,:1500')).toThrow(
      /hdf5-seisbench-heap-1\.4GB\.hdf5: .*HDF5 error: the file's metadata made the library ask for \d+ more bytes, past the 17460640 a read of this file may take/,
    );
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 2 ** 20);
    archive.close();
  });
});

describe('hostile inputs through the seiscluster binary exit 1 with one line, never 2 or a hang', () => {
  const cli = async (args: string[]): Promise<{ code: number; stderr: string }> => {
    try {
      await run(process.execPath, [join(repoRoot, 'bin/seiscluster.js'), ...args], { timeout: 30_000 });
      return { code: 0, stderr: '' };
    } catch (error) {
      const e = error as { code?: number; stderr?: string };
      return { code: e.code ?? -1, stderr: e.stderr ?? '' };
    }
  };
  it('prepare: a FIFO, /dev/zero and a folder named in a manifest, and a FIFO given as input', async () => {
    const dir = await mkdtemp(join(root, 'cli-'));
    execFileSync('mkfifo', [join(dir, 'pipe.sac')]);
    for (const target of ['pipe.sac', '/dev/zero', '.']) {
      await writeFile(join(dir, 'manifest.csv'), `path,format,sampling_rate_hz\n${target},sac,100\n`);
      const r = await cli(['prepare', '--task', 'B', '--out', join(dir, 'o.scds'), join(dir, 'manifest.csv')]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/manifest\.csv:2: path = .*(FIFO|character device|folder)/);
    }
    const r = await cli(['prepare', '--task', 'B', '--out', join(dir, 'o.scds'), join(dir, 'pipe.sac')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pipe\.sac: inputs = 1: no record could be prepared: all 1 skipped \(unreadable: 1\)/);
  });
  it('predict refuses a checkpoint with a NaN weight; train and evaluate refuse a corrupt or too small set', async () => {
    const dir = await mkdtemp(join(root, 'cli-'));
    const set = join(dir, 'one.scds');
    expect((await cli(['prepare', '--task', 'B', '--out', set, '--synthetic', '2'])).code).toBe(0);
    const small = await cli(['train', '--data', set, '--out', join(dir, 'run'), '--k', '3']);
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(/one\.scds: records = 2: --k 3 clusters need at least 3 records/);
    const nan = await cli(['predict', '--checkpoint', join(corpus, 'checkpoint-weight-nan.ckpt'), '--data', set, '--out', join(dir, 'p.csv')]);
    expect(nan.code).toBe(1);
    expect(nan.stderr).toMatch(/= NaN: not finite/);
    for (const command of [
      ['train', '--data', join(corpus, 'scds-null-arrays.scds'), '--out', join(dir, 'run')],
      ['evaluate', '--predictions', join(dir, 'p.csv'), '--labels', join(corpus, 'scds-binary-header.scds')],
    ]) {
      const r = await cli(command);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 60_000);
});
