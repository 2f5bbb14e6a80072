/**
 * Output that a hard stop (SIGKILL, power loss, a full disk) cannot leave
 * half-written: everything is written under a temporary name beside its
 * target and renamed over it when complete, so the target holds either the
 * previous complete output or the new one, never a mix; of two runs writing
 * the same target at once, the last rename wins whole.
 *
 * Temporary names are `.<target name>.tmp-<pid>-<random>`: the pid tells a
 * later run whether the writer is still alive, so the temporaries of a killed
 * run are removed by the next run that writes the same target.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_MARK = '.tmp-';

/** A fresh temporary name beside `target`, owned by this process. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** The pid of the writer of a temporary of `target`, or null when `name` is not one. */
function writerOf(name: string, target: string): number | null {
  const prefix = `.${basename(target)}${TEMP_MARK}`;
  if (!name.startsWith(prefix)) return null;
  const match = /^(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
  return match === null ? null : Number(match[1]);
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporaries of `target` (files or folders) left by writers that
 * are no longer running; returns how many were removed.
 */
export async function removeStaleTemps(target: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dirname(target));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    const pid = writerOf(name, target);
    if (pid === null || isAlive(pid)) continue;
    await rm(join(dirname(target), name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * Writes `data` to `path` through a temporary beside it, flushed to disk
 * before the rename; creates the folder and removes stale temporaries of
 * `path` first.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await removeStaleTemps(path);
  const tmp = tempPathFor(path);
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw naming(err, path);
  }
}

/**
 * A write through a file handle fails without a path (ENOSPC on `write`):
 * the error is given the path of the output it was writing, for the message.
 */
export function naming(err: unknown, path: string): unknown {
  if (err instanceof Error && 'code' in err && (err as NodeJS.ErrnoException).path === undefined) (err as NodeJS.ErrnoException).path = path;
  return err;
}

/**
 * Puts the complete folder `staging` at `target`, replacing what was there.
 * The previous folder is first renamed to a temporary name, so a stop between
 * the two renames leaves no folder at `target` (and a stale temporary the
 * next run removes), never a mix. If another run puts its folder in place
 * between the renames, that one is moved aside too: the last run wins whole.
 */
export async function replaceFolder(staging: string, target: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const aside = tempPathFor(target);
    let moved = false;
    try {
      await rename(target, aside);
      moved = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      await rename(staging, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && attempt < 10) continue;
      if (moved) await rename(aside, target).catch(() => undefined);
      throw err;
    } finally {
      if (moved) await rm(aside, { recursive: true, force: true });
    }
    return;
  }
}
