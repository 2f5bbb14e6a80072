import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMATS } from './formats.js';
import { FAILURES, prepareFormat, runMutant, runSeed, type MutantResult } from './run.js';

/** Mutants per format in the suite; `npm run fuzz -- --n 10000` runs more. */
const MUTANTS = 120;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'seiscluster-fuzz-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('every reader survives seeded mutants of a valid file: a read, a listed skip or a one-line rejection, never a crash, hang, wrong read or unbounded memory', () => {
  for (const format of FORMATS) {
    it(`${format.name}: ${MUTANTS} mutants`, async () => {
      const p = await prepareFormat(format, root);
      expect((await runSeed(p)).outcome, 'the unmutated seed reads').toBe('read');
      const failures: MutantResult[] = [];
      for (let seed = 1; seed <= MUTANTS; seed++) {
        const r = await runMutant(p, seed);
        if (FAILURES.includes(r.outcome)) failures.push(r);
      }
      // After every mutant the reader still reads the seed (an HDF5 abort would leave the library unusable).
      expect((await runSeed(p)).outcome).toBe('read');
      expect(failures.map((f) => `${f.format} seed ${f.seed} (${f.operators.join(' + ')}): ${f.outcome}: ${f.detail.slice(0, 300)}`)).toEqual([]);
    }, 60_000);
  }
});
