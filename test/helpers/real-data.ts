/**
 * Where the labelled development set (README.md in that folder) lives, for
 * the tests that read it. SEISCLUSTER_REAL_DATA names the folder; without it,
 * ../shared/data/real beside the repository, found from this file rather than
 * the working directory so a test run from anywhere finds the same folder.
 * Without the folder those tests fail in CI (CI=true), where the set is always
 * provided, and are skipped elsewhere with the reason logged.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const fromEnvironment = process.env.SEISCLUSTER_REAL_DATA;

/** The real data folder, absolute; a relative SEISCLUSTER_REAL_DATA is taken from the repository root. */
export const realDataDir = resolve(repoRoot, fromEnvironment !== undefined && fromEnvironment !== '' ? fromEnvironment : '../shared/data/real');

const available = existsSync(realDataDir);
const inCi = process.env.CI === 'true';

/**
 * True where the tests of `what` are skipped (no real data, not in CI), and
 * says why. In CI without the folder it is false and says so, so the tests run
 * and fail on the missing files rather than passing unseen.
 */
export function skipWithoutRealData(what: string): boolean {
  if (available) return false;
  if (inCi) {
    console.error(`CI=true and the real data folder ${realDataDir} is missing: ${what} will fail (set SEISCLUSTER_REAL_DATA)`);
    return false;
  }
  console.warn(`${what} skipped: the real data folder ${realDataDir} is missing (set SEISCLUSTER_REAL_DATA to where it lies)`);
  return true;
}
