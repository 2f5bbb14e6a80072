import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceSlice } from '../data/helpers.js';
import { skipWithoutRealData } from '../helpers/real-data.js';
import { run } from './run.js';

const tiny = ['--backend', 'cpu', '--threads', '1', '--epochs', '2', '--max-iter', '20', '--update-interval', '10', '--n-init', '2'];
const sets = ['phasenet_ncedc', 'mtuq_alaska_2009', 'aimbat_chile_2012'];
const noRealData = skipWithoutRealData('grouped evaluation on the real distance slice');

let dir: string;
let set: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seiscluster-groups-'));
  const manifest = await distanceSlice(join(dir, 'slice.csv'), sets, 16);
  set = join(dir, 'slice.scds');
  const r = await run('prepare', '--task', 'A', '--out', set, manifest);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(noRealData)('grouped evaluation on a slice of the real distance set (16 records of 3 data sets)', () => {
  it('reproduce --leave-out dataset: every data set held out exactly once, with records and ACC, then pooled and worst', async () => {
    const r = await run('reproduce', '--task', 'A', '--data', set, '--leave-out', 'dataset', '--seeds', '2', '--json', ...tiny);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as {
      leaveOut: string;
      groups: { group: string; records: number; acc: { mean: number; runs: number } }[];
      pooled: { mean: number; runs: number };
      worst: { group: string };
    };
    expect(json.leaveOut).toBe('dataset');
    expect(json.groups.map((g) => g.group).sort()).toEqual([...sets].sort());
    for (const g of json.groups) {
      expect(g.records).toBe(16);
      expect(g.acc.runs).toBe(2);
      expect(g.acc.mean).toBeGreaterThanOrEqual(0);
      expect(g.acc.mean).toBeLessThanOrEqual(1);
    }
    expect(json.pooled.runs).toBe(2);
    expect(json.pooled.mean).toBeGreaterThanOrEqual(0);
    expect(json.pooled.mean).toBeLessThanOrEqual(1);
    expect(sets).toContain(json.worst.group);
    expect(r.stderr).toMatch(/leave out dataset = aimbat_chile_2012 \(3 of 3\), seed 1 \(2 of 2\): training on 32 records, holding out 16/);
  });

  it('reproduce --leave-out names the missing column, and a column of one group is refused', async () => {
    const missing = await run('reproduce', '--task', 'A', '--data', set, '--leave-out', 'magnitude', '--seeds', '1', ...tiny);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/groups = "magnitude": no such grouping column \(the set has dataset, event_id, network, station/);
    const one = join(dir, 'one.scds');
    expect((await run('prepare', '--task', 'A', '--out', one, await distanceSlice(join(dir, 'one.csv'), ['mtuq_alaska_2009'], 6))).code).toBe(0);
    const single = await run('reproduce', '--task', 'A', '--data', one, '--leave-out', 'dataset', '--seeds', '1', ...tiny);
    expect(single.code).toBe(1);
    expect(single.stderr).toMatch(/groups.dataset = "1 group": leave-one-group-out needs at least 2 groups/);
  });

  it('train --json keeps evaluation.acc where it was and adds the grouping per column and the five whole runs; the report shows both', async () => {
    const out = join(dir, 'run');
    const r = await run('train', '--data', set, '--out', out, '--json', '--tsne-points', '48', '--tsne-iterations', '50', ...tiny);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as {
      evaluation: { acc: number };
      grouping: { column: string; groups: number; nmi: number; labelNmi: number; perGroup: { group: string; records: number; acc: number }[] }[];
      warnings: string[];
      restarts: { rule: string; seeds: number[]; scores: number[]; kept: number; passedOver: number[] };
    };
    // A set prepared with the default preset gets five whole runs, the one kept named with every run's silhouette.
    expect(json.restarts.rule).toBe('silhouette');
    expect(json.restarts.seeds).toEqual([0, 7919, 15838, 23757, 31676]);
    expect(json.restarts.scores).toHaveLength(5);
    expect(json.restarts.seeds).toContain(json.restarts.kept);
    expect(r.stderr).toContain(`whole-run restarts: 5, seeds 0, 7919, 15838, 23757, 31676; kept ${json.restarts.kept}`);
    // An accuracy over two classes with the best cluster-to-class mapping is at least 1/2.
    expect(json.evaluation.acc).toBeGreaterThanOrEqual(0.5);
    expect(json.evaluation.acc).toBeLessThanOrEqual(1);
    expect(json.grouping.map((g) => g.column)).toEqual(['dataset', 'event_id', 'network', 'station']);
    const byDataset = json.grouping[0]!;
    expect(byDataset.perGroup.map((g) => g.group).sort()).toEqual([...sets].sort());
    expect(byDataset.perGroup.every((g) => g.records === 16 && g.acc >= 0 && g.acc <= 1)).toBe(true);
    for (const w of json.warnings) expect(r.stderr).toContain(`warning: ${w}`);
    const html = await readFile(join(out, 'report', 'report.html'), 'utf8');
    expect(html).toContain('Clusters by group');
    expect(html).toContain('whole-run restarts');
    // A warning, when one fires, comes before the results table.
    if (json.warnings.length > 0) expect(html.indexOf('class="alert"')).toBeLessThan(html.indexOf('<h2>Results</h2>'));
  });

  it('evaluate takes the groups from the prepared set given as --labels', async () => {
    const predictions = join(dir, 'predictions.csv');
    expect((await run('predict', '--checkpoint', join(dir, 'run', 'model.ckpt'), '--data', set, '--out', predictions, '--backend', 'cpu')).code).toBe(0);
    const r = await run('evaluate', '--predictions', predictions, '--labels', set, '--json');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { acc: number; grouping: { column: string; records: number }[]; warnings: string[] };
    expect(json.grouping.find((g) => g.column === 'dataset')!.records).toBe(48);
    expect(Array.isArray(json.warnings)).toBe(true);
  });
});
