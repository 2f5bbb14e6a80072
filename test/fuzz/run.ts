/**
 * Runs seeded mutants through a format's read and classifies each: read,
 * skipped, rejected (a one-line DataError or CheckpointError naming a file in
 * the scratch folder), or a failure: crash (any other error, or a message
 * that breaks the line or names no file), hang (past the time limit), wrong
 * (a read that breaks the format's invariants), over-bound (peak resident
 * memory grew by more than 16 x the files' size + 64 MiB during the read).
 */
import { mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../../src/cluster/checkpoint.js';
import { DataError } from '../../src/common/errors.js';
import { WrongRead, type FuzzFormat } from './formats.js';
import { MutationRng, mutate, type Layout } from './mutate.js';

export const OUTCOMES = ['read', 'skipped', 'rejected', 'crash', 'hang', 'over-bound', 'wrong'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const FAILURES: readonly Outcome[] = ['crash', 'hang', 'over-bound', 'wrong'];

export interface MutantResult {
  format: string;
  seed: number;
  outcome: Outcome;
  operators: string[];
  detail: string;
}

/** Per-mutant time limit. */
export const TIME_LIMIT_MS = 5000;
const MEMORY_SLACK = 64 * 2 ** 20;

/** A format with its seed written into its own scratch folder. */
export interface Prepared {
  format: FuzzFormat;
  dir: string;
  bytes: Uint8Array;
  layout: Layout;
}

export async function prepareFormat(format: FuzzFormat, root: string): Promise<Prepared> {
  const dir = join(root, format.name.replace(/[^a-z0-9]+/gi, '-'));
  await mkdir(dir, { recursive: true });
  const { bytes, layout } = await format.seed(dir);
  return { format, dir, bytes, layout };
}

function cleanRejection(error: unknown, dir: string): boolean {
  if (!(error instanceof DataError) && !(error instanceof CheckpointError)) return false;
  return !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(error.message) && error.message.includes(dir);
}

async function filesBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) if (entry.isFile()) total += (await stat(join(dir, entry.name))).size;
  return total;
}

/** Writes the mutant (or, now and then, a FIFO, a link to /dev/zero or a folder in its place) and reads it. */
export async function runMutant(p: Prepared, seed: number): Promise<MutantResult> {
  const rng = new MutationRng(seed);
  const path = join(p.dir, p.format.fileName);
  await rm(path, { recursive: true, force: true });
  await rm(join(p.dir, 'out'), { recursive: true, force: true });
  let operators: string[];
  const roll = rng.next();
  if (roll < 0.01) {
    operators = ['a link to /dev/zero'];
    await symlink('/dev/zero', path);
  } else if (roll < 0.02) {
    operators = ['a folder'];
    await mkdir(path);
  } else {
    const mutant = mutate(p.bytes, p.layout, rng);
    operators = mutant.operators;
    await writeFile(path, mutant.bytes);
  }
  return { format: p.format.name, seed, operators, ...(await classify(p, path)) };
}

/** Reads the unmutated seed: every format's seed must read. */
export async function runSeed(p: Prepared): Promise<MutantResult> {
  const path = join(p.dir, p.format.fileName);
  await rm(path, { recursive: true, force: true });
  await rm(join(p.dir, 'out'), { recursive: true, force: true });
  await writeFile(path, p.bytes);
  return { format: p.format.name, seed: -1, operators: ['none'], ...(await classify(p, path)) };
}

async function classify(p: Prepared, path: string): Promise<{ outcome: Outcome; detail: string }> {
  const bound = 16 * (await filesBytes(p.dir)) + MEMORY_SLACK;
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), TIME_LIMIT_MS)));
  let outcome: Outcome;
  let detail = '';
  try {
    const result = await Promise.race([p.format.read(p.dir), timeout]);
    outcome = result;
  } catch (error) {
    detail = error instanceof Error ? error.message : String(error);
    if (error instanceof WrongRead) outcome = 'wrong';
    else if (cleanRejection(error, p.dir)) outcome = 'rejected';
    else {
      outcome = 'crash';
      detail = error instanceof Error ? `${error.name}: ${error.stack ?? error.message}` : detail;
    }
  } finally {
    clearTimeout(timer);
  }
  const ms = performance.now() - started;
  const grown = process.resourceUsage().maxRSS * 1024 - rssBefore;
  if (outcome !== 'crash' && ms > TIME_LIMIT_MS) outcome = 'hang';
  if (grown > bound) {
    outcome = 'over-bound';
    detail = `peak RSS grew by ${grown} bytes, bound ${bound} (${path})`;
  }
  return { outcome, detail: detail.slice(0, 2000) };
}
