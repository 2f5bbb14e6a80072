/**
 * A few seeded SIGKILLs of the real binary (the long version:
 * `npm run killtest -- --n 50`): the output is the previous complete one or
 * the new one, and the next run leaves no temporary file. Needs `npm run build`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, execute, killTrials, temps } from '../../scripts/killtest.js';

describe('a hard stop loses nothing', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seiscluster-kill-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('prepare killed at three random moments: complete output or the previous one, no temporary left', async () => {
    const prepare = cases('', '').find((c) => c.command === 'prepare')!;
    const trials = await killTrials(prepare, 3, 7, dir);
    expect(trials.map((t) => [t.corrupt, t.mixed, t.tempsLeft])).toEqual([
      [false, false, 0],
      [false, false, 0],
      [false, false, 0],
    ]);
  }, 60_000);

  it('two prepare runs writing the same set at once leave one of the two whole, and no temporary', async () => {
    const prepare = (out: string, seed: number): Promise<number | null> =>
      execute(['prepare', '--task', 'A', '--out', out, '--synthetic', '1500', '--seed', String(seed)], null);
    const shared = join(dir, 'together', 'set.scds');
    expect(await Promise.all([prepare(shared, 1), prepare(shared, 2)])).toEqual([0, 0]);
    expect(await Promise.all([prepare(join(dir, 'alone', 'one.scds'), 1), prepare(join(dir, 'alone', 'two.scds'), 2)])).toEqual([0, 0]);
    const [together, one, two] = await Promise.all([shared, join(dir, 'alone', 'one.scds'), join(dir, 'alone', 'two.scds')].map((p) => readFile(p)));
    expect(together!.equals(one!) || together!.equals(two!)).toBe(true);
    expect(await temps(join(dir, 'together'))).toBe(0);
  }, 60_000);
});
