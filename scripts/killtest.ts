/**
 * SIGKILL at seeded random moments of `prepare`, `predict`, `train`, `demo`
 * and `reproduce` (the real binary, small synthetic data), then checks what
 * is left: the final path holds a complete output (the previous one or the
 * new one) or none, a run folder holds one run, and the next run leaves no
 * temporary file. `npm run killtest -- --n 50` prints a table.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import '../src/node/install.js';
import { readDatasetHeader } from '../src/data/dataset.js';
import { readCheckpoint } from '../src/cluster/checkpoint.js';

const BIN = resolve(import.meta.dirname, '../bin/seiscluster.js');
const TINY = [
  '--backend',
  'cpu',
  '--epochs',
  '2',
  '--max-iter',
  '20',
  '--update-interval',
  '10',
  '--n-init',
  '2',
  '--tsne-points',
  '40',
  '--tsne-iterations',
  '50',
];

export interface Trial {
  command: string;
  /** The final output exists but cannot be read whole. */
  corrupt: boolean;
  /** A run folder holding files of two runs. */
  mixed: boolean;
  /** Temporary files left after the next, complete run. */
  tempsLeft: number;
}

interface Case {
  command: string;
  /** The arguments; `out` is the final path. */
  argv: (out: string, seed: number) => string[];
  out: string;
  /** Throws when the output at `out` is not complete; `marker` tells the two runs apart where they differ. */
  check: (out: string) => Promise<void>;
  /** Milliseconds over which the kill moment is drawn. */
  window: number;
}

/** Runs the binary; with `killAfter`, SIGKILLs it that many milliseconds in. Resolves to the exit code (null when killed). */
export function execute(argv: readonly string[], killAfter: number | null): Promise<number | null> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...argv], { stdio: 'ignore' });
    const timer = killAfter === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfter);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      done(code);
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Files under `dir` whose names mark them as temporaries (`.name.tmp-<pid>-<hex>`). */
export async function temps(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => /\.tmp-\d+-[0-9a-f]+$/.test(e)).length;
}

/** Thrown when a run folder holds the checkpoint of one run and the report of another (their seeds differ). */
class MixedRun extends Error {}

async function checkRun(out: string): Promise<void> {
  const checkpoint = await readCheckpoint(join(out, 'model.ckpt'));
  const log = await readFile(join(out, 'fine-tuning.csv'), 'utf8');
  if (!log.endsWith('\n')) throw new Error('log cut short');
  const html = await readFile(join(out, 'report', 'report.html'), 'utf8');
  if (!html.includes('</html>')) throw new Error('report cut short');
  if (!html.includes(`--seed ${String(checkpoint.settings?.seed)}`)) throw new MixedRun();
}

export const cases = (data: string, checkpoint: string): Case[] => [
  {
    command: 'prepare',
    out: 'set.scds',
    window: 1500,
    argv: (out, seed) => ['prepare', '--task', 'A', '--out', out, '--synthetic', '2000', '--seed', String(seed)],
    check: async (out) => void (await readDatasetHeader(out)),
  },
  {
    command: 'predict',
    out: 'p.csv',
    window: 1500,
    argv: (out) => ['predict', '--checkpoint', checkpoint, '--data', data, '--out', out, '--backend', 'cpu'],
    check: async (out) => {
      const lines = (await readFile(out, 'utf8')).trim().split('\n');
      if (lines.length !== 301) throw new Error(`${lines.length} lines`);
    },
  },
  {
    command: 'train',
    out: 'run',
    window: 12000,
    argv: (out, seed) => ['train', '--data', data, '--out', out, ...TINY, '--seed', String(seed)],
    check: checkRun,
  },
  {
    command: 'demo',
    out: 'demo',
    window: 25000,
    argv: (out, seed) => ['demo', '--out', out, '--records-a', '100', '--records-b', '100', ...TINY, '--seed', String(seed)],
    check: async (out) => {
      await checkRun(join(out, 'task-a'));
      await checkRun(join(out, 'task-b'));
    },
  },
  {
    command: 'reproduce',
    out: 'repro',
    window: 8000,
    argv: (out, seed) => [
      'reproduce',
      '--task',
      'B',
      '--records',
      '100',
      '--seeds',
      '1',
      '--out',
      out,
      ...TINY.filter((_, i) => i < 10),
      '--seed',
      String(seed),
    ],
    check: async (out) => void JSON.parse(await readFile(join(out, 'reproduce.json'), 'utf8')),
  },
];

/** A small seeded generator for the kill moments (mulberry32). */
function moments(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` kills of one case, each after a complete previous run at the same path. */
export async function killTrials(c: Case, n: number, seed: number, dir: string): Promise<Trial[]> {
  const out = join(dir, c.out);
  const draw = moments(seed);
  const trials: Trial[] = [];
  if ((await execute(c.argv(out, 0), null)) !== 0) throw new Error(`${c.command}: the first run failed`);
  for (let i = 0; i < n; i++) {
    // The killed run has another seed than the complete one before it, so a mix of the two shows.
    await execute(c.argv(out, (i % 2) + 1), Math.floor(draw() * c.window));
    let corrupt = false;
    let mixed = false;
    if (await exists(out))
      await c.check(out).catch((err: unknown) => {
        if (err instanceof MixedRun) mixed = true;
        else corrupt = true;
      });
    if ((await execute(c.argv(out, 0), null)) !== 0) corrupt = true;
    trials.push({ command: c.command, corrupt, mixed, tempsLeft: await temps(dir) });
  }
  return trials;
}

async function cli(): Promise<void> {
  const at = process.argv.indexOf('--n');
  const n = at >= 0 ? Number(process.argv[at + 1]) : 50;
  const dir = await mkdtemp(join(tmpdir(), 'seiscluster-killtest-'));
  try {
    const data = join(dir, 'data.scds');
    const checkpoint = join(dir, 'base', 'model.ckpt');
    if ((await execute(['prepare', '--task', 'A', '--out', data, '--synthetic', '300'], null)) !== 0) throw new Error('prepare failed');
    if ((await execute(['train', '--data', data, '--out', join(dir, 'base'), ...TINY], null)) !== 0) throw new Error('train failed');
    const rows: string[] = ['command    trials  corrupt  mixed  temp files left'];
    for (const c of cases(data, checkpoint)) {
      const t = await killTrials(c, n, 1, dir);
      const row = [
        c.command.padEnd(9),
        String(t.length).padStart(6),
        String(t.filter((x) => x.corrupt).length).padStart(8),
        String(t.filter((x) => x.mixed).length).padStart(6),
        String(t.reduce((a, x) => a + x.tempsLeft, 0)).padStart(16),
      ];
      rows.push(row.join('  '));
      console.log(rows.at(-1));
    }
    console.log(`\n${rows.join('\n')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) await cli();
