import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './run.js';

/** Settings small enough for a test: the scores are checked for their form here, the method in test/cluster/select-k.test.ts. */
const tiny = ['--backend', 'cpu', '--epochs', '2', '--n-init', '2'];

let dir: string;
let three: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seiscluster-select-k-'));
  three = join(dir, 'three.scds');
  const prepared = await run('prepare', '--task', 'A', '--synthetic', '120', '--classes', '3', '--seed', '2', '--out', three, '--json');
  expect(prepared.code, prepared.stderr).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prepare --classes 3', () => {
  it('writes local, regional and teleseismic records in equal shares', async () => {
    const r = await run('prepare', '--task', 'A', '--synthetic', '90', '--classes', '3', '--out', join(dir, 'ninety.scds'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).labelCounts).toEqual({ local: 30, regional: 30, teleseismic: 30 });
  });

  it('is a task A set only', async () => {
    const r = await run('prepare', '--task', 'B', '--synthetic', '90', '--classes', '3', '--out', join(dir, 'b.scds'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--classes 3');
  });
});

describe('seiscluster select-k', () => {
  it('--help shows the rule of the range, the options and examples', async () => {
    const r = await run('select-k', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: seiscluster select-k --data <set.scds> [--k FROM..TO]');
    expect(r.stdout).toContain('--fine-tune');
    expect(r.stdout).toContain('Examples:');
  });

  for (const [k, message] of [
    ['1..3', '--k = "1..3": k starts at 2'],
    ['5..2', '--k = "5..2": FROM must not be above TO'],
    ['2-8', '--k = "2-8": expects a range FROM..TO'],
    ['2..300', '--k = "2..300": TO must be at most 256'],
  ] as const)
    it(`refuses --k ${k} with exit 1, naming the flag and the value`, async () => {
      const r = await run('select-k', '--data', three, '--k', k, ...tiny);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });

  it('refuses more clusters than records, naming the set, the records and --k', async () => {
    const r = await run('select-k', '--data', three, '--k', '2..121', ...tiny);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${three}: records = 120: --k 2..121: 121 clusters need at least 121 records`);
  });

  it('scores every k, recommends one by its stated rule, writes the report, and one --seed reproduces the scores bit for bit', async () => {
    const out = join(dir, 'report');
    const args = ['select-k', '--data', three, '--k', '2..4', '--seed', '3', '--json', ...tiny];
    const r = await run(...args, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { recommended: number; rule: string; scores: Record<string, number>[]; labels: unknown[] };
    expect([2, 3, 4]).toContain(result.recommended);
    expect(result.rule).toContain('silhouette');
    expect(result.scores.map((s) => Object.keys(s))).toEqual(Array(3).fill(['k', 'inertia', 'silhouette', 'gap', 'gapSe', 'stability']));
    expect(result.labels).toHaveLength(3);

    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain(`Recommended: k = ${result.recommended}`);
    expect(html).toContain('Gap statistic against k');
    expect((await readdir(join(out, 'figures'))).filter((f) => f.endsWith('.png'))).toHaveLength(5);

    const again = await run(...args);
    expect(JSON.parse(again.stdout).scores).toEqual(result.scores);
  });

  it('--fine-tune scores the codes each k ends its fine-tuning with', async () => {
    const out = join(dir, 'fine-tuned');
    const r = await run('select-k', '--data', three, '--k', '2..3', '--fine-tune', '--max-iter', '20', '--update-interval', '10', '--out', out, ...tiny);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/recommended k = [23]: /);
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('Scores of k-means on the codes after fine-tuning with that k');
  });
});

describe('train --k auto', () => {
  it('chooses k with select-k, says which and why, and trains with it', async () => {
    const runDir = join(dir, 'run');
    const r = await run(
      'train',
      ...['--data', three, '--out', runDir, '--k', 'auto', '--json', ...tiny],
      ...['--max-iter', '20', '--update-interval', '10', '--tsne-points', '60', '--tsne-iterations', '100'],
    );
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { kChoice: { recommended: number; reason: string }; evaluation: { confusion: { predLabels: number[] } } };
    expect(r.stderr).toContain(`k = ${result.kChoice.recommended}, chosen by select-k: ${result.kChoice.reason}`);
    expect(result.evaluation.confusion.predLabels.length).toBeLessThanOrEqual(result.kChoice.recommended);
    expect(existsSync(join(runDir, 'select-k', 'report.html'))).toBe(true);
    expect(existsSync(join(runDir, 'report', 'report.html'))).toBe(true);
  });

  it('refuses a word other than auto', async () => {
    const r = await run('train', '--data', three, '--out', join(dir, 'never'), '--k', 'many');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--k = "many": expects an integer (digits, or digits with a power of ten such as 1e4) or auto');
  });
});
