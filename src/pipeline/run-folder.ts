/**
 * A run folder (train's and demo's output) holds one run, whole: the run is
 * built in a staging folder beside it and swapped in when complete, so a
 * kill at any moment leaves the previous run's folder, or none, in place,
 * and never a checkpoint of one run beside the report of another.
 */
import { host } from '../host/host.js';
import { OptionError } from './errors.js';

/** Every name a run writes at the top of its folder: a folder holding only these is a previous run, safe to replace. */
const RUN_ENTRIES: ReadonlySet<string> = new Set(['model.ckpt', 'fine-tuning.csv', 'report', 'select-k', 'task-a', 'task-b']);

/** The first name in `folder` that no run wrote (the user's own files), or null when it holds none or does not exist. */
export async function foreignEntry(folder: string): Promise<string | null> {
  const files = host().files;
  if ((await files.kind(folder)) === null) return null;
  return (await files.list(folder)).find((name) => !RUN_ENTRIES.has(name)) ?? null;
}

/**
 * Runs `build` on a fresh staging folder and puts that folder at `out` when
 * `build` finishes; on failure the staging folder is removed and `out` is
 * left as it was. A folder at `out` holding anything a run did not write is
 * refused before anything starts. Paths in the result that point into the
 * staging folder are given as their final paths by `finalPath`.
 */
export async function buildRunFolder<T>(out: string, build: (staging: string, finalPath: (p: string) => string) => Promise<T>): Promise<T> {
  const foreign = await foreignEntry(out);
  if (foreign !== null)
    throw new OptionError(
      `${JSON.stringify(out)}: holds ${JSON.stringify(foreign)}, which no run wrote; a run replaces its folder whole, so name a new or previous run folder`,
    );
  const files = host().files;
  const staging = await files.stagingFolder(out);
  const finalPath = (p: string): string => `${out}${p.slice(staging.length)}`;
  try {
    const result = await build(staging, finalPath);
    await files.replaceFolder(staging, out);
    return result;
  } catch (err) {
    await files.remove(staging);
    throw err;
  }
}
