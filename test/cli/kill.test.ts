/**
 * A few seeded SIGKILLs of the real binary (the long version:
 * `npm run killtest -- --n 50`): the output is the previous complete one or
 * the new one, and the next run leaves no temporary file. Needs `npm run build`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, killTrials } from '../../scripts/killtest.js';

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
});
