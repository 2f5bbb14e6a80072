import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/data/dataset.js';
import { prepareDataset, type PrepareSummary } from '../../src/data/prepare.js';
import { loadManifestTraces, readCsv, readManifest, type ManifestRow } from '../../src/data/readers/manifest.js';
import { readSac } from '../../src/data/readers/sac.js';
import { MANIFEST_COLUMNS, writeStressArchive, type StressArchiveSummary } from '../../src/data/stress-archive.js';
import { stressSet } from '../../src/data/stress.js';
import { expectDataError, scratch } from './helpers.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const noRealData = skipWithoutRealData('the stress archive column check against the real manifests');

let work: Awaited<ReturnType<typeof scratch>>;
let a: StressArchiveSummary;
let b: StressArchiveSummary;
let rowsA: ManifestRow[];
let rowsB: ManifestRow[];
let preparedA: PrepareSummary;
let preparedB: PrepareSummary;

/** Groups rows by a key and returns the distinct values of `value` per group. */
function distinctPerGroup(rows: readonly ManifestRow[], key: (r: ManifestRow) => string, value: (r: ManifestRow) => string): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = groups.get(key(r)) ?? new Set<string>();
    set.add(value(r));
    groups.set(key(r), set);
  }
  return groups;
}

beforeAll(async () => {
  work = await scratch();
  a = await writeStressArchive({ task: 'A', records: 80, seed: 5, out: work.path('a') });
  b = await writeStressArchive({ task: 'B', records: 60, seed: 5, out: work.path('b') });
  rowsA = await readManifest(a.manifest);
  rowsB = await readManifest(b.manifest);
  preparedA = await prepareDataset({ task: 'A', inputs: [a.manifest], out: work.path('a.scds') });
  preparedB = await prepareDataset({ task: 'B', inputs: [b.manifest], out: work.path('b.scds') });
}, 120_000);
afterAll(async () => {
  await work.remove();
});

describe('stress set archive', () => {
  it.skipIf(noRealData)('has exactly the columns of the real manifests', async () => {
    const real = await readCsv(join(realDataDir, 'distance/manifest.csv'));
    expect([...MANIFEST_COLUMNS]).toEqual(real.columns);
    expect((await readCsv(a.manifest)).columns).toEqual(real.columns);
  });

  it('same seed, same bytes: the manifest and every SAC file', async () => {
    const again = await writeStressArchive({ task: 'B', records: 60, seed: 5, out: work.path('b-again') });
    expect(await readFile(again.manifest)).toEqual(await readFile(b.manifest));
    for (const row of rowsB.slice(0, 5)) {
      expect(await readFile(join(work.path('b-again'), row.path))).toEqual(await readFile(join(work.path('b'), row.path)));
    }
    const other = await writeStressArchive({ task: 'B', records: 60, seed: 6, out: work.path('b-other') });
    expect(await readFile(other.manifest, 'utf8')).not.toEqual(await readFile(b.manifest, 'utf8'));
  }, 60_000);

  it('task A: local and teleseismic in the configured fraction, deep and great teleseismic events, several rates and instruments', () => {
    expect(a.labels).toEqual({ local: 40, teleseismic: 40 });
    const tele = rowsA.filter((r) => r.label === 'teleseismic');
    expect(tele.some((r) => r.depth_km! >= 100)).toBe(true);
    expect(tele.some((r) => r.magnitude! >= 8)).toBe(true);
    expect(tele.every((r) => r.distance_km! >= 30 * 111.19 - 1e-3 && r.distance_km! <= 90 * 111.19 + 1e-3)).toBe(true);
    expect(rowsA.filter((r) => r.label === 'local').every((r) => r.hypocentral_km! < 150)).toBe(true);
    expect(new Set(rowsA.map((r) => r.sampling_rate_hz)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(rowsA.map((r) => r.channel)).size).toBeGreaterThanOrEqual(4);
    expect(Object.keys(a.instruments).sort()).toEqual(['accelerometer', 'broadband', 'short-period']);
  });

  it('task A at the default size finds stations for every local record where the planned events reach too few (seed 11)', () => {
    // Seed 11's planned local events reach fewer stations than their shares; the records left go to further events.
    const set = stressSet({ task: 'A', seed: 11 });
    expect(set.count).toBe(2000);
    const local = set.events.filter((e) => e.kind === 'local');
    expect(local.length).toBeGreaterThan(Math.round(1000 / 45));
  });

  it('task B: up and down at the configured 3:1 ratio, and another ratio on request', async () => {
    expect(b.labels).toEqual({ up: 45, down: 15 });
    const even = await writeStressArchive({ task: 'B', records: 40, seed: 1, upPerDown: 1, out: work.path('b-even') });
    expect(even.labels).toEqual({ up: 20, down: 20 });
  }, 60_000);

  it('grouping columns are consistent: one depth, magnitude and time per event; one network, channel, rate and data set per station', () => {
    for (const rows of [rowsA, rowsB]) {
      expect(rows.every((r) => r.event_id && r.network && r.station && r.dataset?.startsWith('stress-'))).toBe(true);
      for (const values of distinctPerGroup(
        rows,
        (r) => r.event_id!,
        (r) => `${r.depth_km}|${r.magnitude}|${r.event_time}`,
      ).values()) {
        expect(values.size).toBe(1);
      }
      for (const values of distinctPerGroup(
        rows,
        (r) => `${r.network}.${r.station}`,
        (r) => `${r.channel}|${r.sampling_rate_hz}|${r.dataset}`,
      ).values()) {
        expect(values.size).toBe(1);
      }
    }
    expect(new Set(rowsA.map((r) => r.event_id)).size).toBe(a.events);
    expect(new Set(rowsA.map((r) => r.dataset)).size).toBeGreaterThanOrEqual(5);
  });

  it('analyst picks sit in the SAC header as t0 = P; estimate-only records carry no pick there', async () => {
    const withPick = rowsA.find((r) => r.p_arrival_sample !== undefined)!;
    const estimateOnly = rowsA.find((r) => r.p_arrival_sample === undefined)!;
    expect(Number.isInteger(estimateOnly.p_arrival_sample_estimated), 'an estimate-only row has an estimated sample').toBe(true);
    expect(estimateOnly.p_arrival_sample_estimated).toBeGreaterThanOrEqual(0);
    expect(estimateOnly.p_arrival_sample_estimated).toBeLessThan(estimateOnly.npts!);
    const picked = await readSac(join(work.path('a'), withPick.path));
    expect(picked.header.kt0).toBe('P');
    expect(picked.header.knetwk).toBe(withPick.network);
    expect(picked.header.kstnm).toBe(withPick.station);
    expect(picked.header.kcmpnm).toBe(withPick.channel);
    expect(Math.round((picked.header.t0! - picked.header.b) * picked.samplingRate)).toBe(withPick.p_arrival_sample);
    const unpicked = await readSac(join(work.path('a'), estimateOnly.path));
    expect(unpicked.header.t0).toBeUndefined();
    expect(unpicked.header.kt0).toBeUndefined();
  });

  it('reads back through the manifest reader and prepares with no record skipped', async () => {
    const traces = await loadManifestTraces(b.manifest);
    expect(traces).toHaveLength(60);
    expect(traces.every((t) => t.samples.length === t.meta.npts && t.samplingRate === t.meta.sampling_rate_hz)).toBe(true);
    expect(preparedA.skipped).toEqual([]);
    expect(preparedB.skipped).toEqual([]);
    expect(preparedA.rows).toBe(80);
    expect(preparedA.pickSources.pick + preparedA.pickSources.estimated).toBe(80);
  });

  it('local S-P time matches the hypocentral distance (d / 8 s, within the analyst pick error)', () => {
    const locals = rowsA.filter((r) => r.label === 'local' && r.s_arrival_sample !== undefined && r.p_arrival_sample !== undefined);
    expect(locals.length).toBeGreaterThan(10);
    for (const r of locals) {
      const sMinusP = (r.s_arrival_sample! - r.p_arrival_sample!) / r.sampling_rate_hz!;
      expect(Math.abs(sMinusP - r.hypocentral_km! / 8)).toBeLessThan(0.1);
    }
  });

  it('teleseismic spectra sit lower than local ones on average (spectral centroid of the prepared spectrograms)', async () => {
    const set = await readDataset(work.path('a.scds'));
    const [bins, frames] = set.header.inputShape as [number, number];
    const centroid = { local: [] as number[], teleseismic: [] as number[] };
    for (let r = 0; r < set.header.rows; r++) {
      // Weights from the record's own floor up: the default spectrograms are standardised, so some values are negative.
      const record = set.inputs.subarray(r * bins * frames, (r + 1) * bins * frames);
      const floor = Math.min(...record);
      let weighted = 0;
      let total = 0;
      for (let f = 0; f < bins; f++) {
        for (let t = 0; t < frames; t++) {
          const v = record[f * frames + t]! - floor;
          weighted += f * v;
          total += v;
        }
      }
      centroid[set.header.labelNames![set.labels![r]!] as 'local' | 'teleseismic'].push(weighted / total);
    }
    const mean = (x: number[]): number => x.reduce((s, v) => s + v, 0) / x.length;
    expect(mean(centroid.teleseismic)).toBeLessThan(mean(centroid.local));
  });

  it('refuses to write into a folder that is not empty, and replaces it with force', async () => {
    const entries = (await readdir(work.path('b'))).length;
    await expectDataError(writeStressArchive({ task: 'B', records: 10, seed: 0, out: work.path('b') }), {
      file: work.path('b'),
      field: 'out',
      value: String(entries),
      problem: /not empty/,
    });
    const replaced = await writeStressArchive({ task: 'B', records: 10, seed: 0, out: work.path('b'), force: true });
    expect(replaced.records).toBe(10);
    expect((await readManifest(replaced.manifest)).length).toBe(10);
    expect((await readdir(work.dir)).filter((name) => name.startsWith('.'))).toEqual([]);
  }, 60_000);
});
