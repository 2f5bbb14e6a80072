/**
 * A folder of synthetic data written whole: the destination is checked
 * first (absent, or an empty folder unless forced), the files are written
 * into a staging folder beside it (`host().files.stagingFolder`), and the
 * staging folder replaces the destination only when complete, so a failed
 * or interrupted run leaves nothing half-written under its name.
 */
import { DataError } from '../common/errors.js';
import { host } from '../host/host.js';

/** Writes the folder `out` through `write`, which fills the staging folder it is given (see the file comment). */
export async function writeFolderWhole(out: string, force: boolean, write: (staging: string) => Promise<void>): Promise<void> {
  await checkDestination(out, force);
  const files = host().files;
  const staging = await files.stagingFolder(out);
  try {
    await write(staging);
    await files.replaceFolder(staging, out);
  } catch (error) {
    await files.remove(staging);
    throw error;
  }
}

/** Refuses a destination that is not a folder, or a folder that holds anything (unless `force`), before anything is made. */
async function checkDestination(out: string, force: boolean): Promise<void> {
  const kind = await host().files.kind(out);
  if (kind === null) return;
  if (kind !== 'folder') throw new DataError(out, 'out', out, 'exists and is not a folder');
  const entries = await host().files.list(out);
  if (entries.length > 0 && !force) {
    throw new DataError(out, 'out', entries.length, 'the folder is not empty: it holds that many entries (--force replaces it)');
  }
}
