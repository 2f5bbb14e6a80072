/**
 * A run folder (train's and demo's --out) holds one run, whole: the run is
 * built in a temporary folder beside it and swapped in when complete, so a
 * kill at any moment leaves the previous run's folder, or none, at --out, and
 * never a checkpoint of one run beside the report of another.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { replaceFolder, tempPathFor } from '../node/atomic.js';
import { UsageError } from './args.js';
import { printable } from './terminal.js';

/** Every name a run writes at the top of its folder: a folder holding only these is a previous run, safe to replace. */
const RUN_ENTRIES: ReadonlySet<string> = new Set(['model.ckpt', 'fine-tuning.csv', 'report', 'task-a', 'task-b']);

/** Refuses to replace a folder that holds anything a run did not write (the user's own files). */
export async function checkReplaceable(out: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const foreign = names.find((name) => !RUN_ENTRIES.has(name));
  if (foreign !== undefined)
    throw new UsageError(
      `--out = ${JSON.stringify(printable(out))}: holds ${JSON.stringify(printable(foreign))}, which no run wrote; the run replaces its folder whole, so name a new or previous run folder`,
    );
}

/**
 * Runs `build` on a fresh temporary folder and puts that folder at `out`
 * when `build` finishes; on failure the temporary folder is removed and `out`
 * is left as it was. Paths in the result that point into the temporary folder
 * are given as their final paths by `finalPath`.
 */
export async function buildRunFolder<T>(out: string, build: (staging: string, finalPath: (p: string) => string) => Promise<T>): Promise<T> {
  await checkReplaceable(out);
  const staging = tempPathFor(out);
  await mkdir(staging, { recursive: true });
  const finalPath = (p: string): string => `${out}${p.slice(staging.length)}`;
  try {
    const result = await build(staging, finalPath);
    await replaceFolder(staging, out);
    return result;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
