import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset, type Dataset } from '../../src/data/dataset.js';
import { prepareDataset, prepareSynthetic, type PrepareSummary, type SkipReason } from '../../src/data/prepare.js';
import { readManifest, type ManifestRow } from '../../src/data/readers/manifest.js';
import { encodeMiniSeed } from '../../src/data/readers/miniseed.js';
import { writeNpy } from '../../src/data/readers/npy.js';
import { writeSac } from '../../src/data/readers/sac.js';
import { PAPER_PREPROCESS, preprocess } from '../../src/data/signal/preprocess.js';
import { spectrogram } from '../../src/data/signal/spectrogram.js';
import { TASK_A_CLASSES, TASK_B_CLASSES, syntheticTaskA, syntheticTaskB } from '../../src/data/synthetic.js';
import { Rng } from '../../src/tensor/random.js';
import { expectDataError, scratch } from './helpers.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const noRealData = skipWithoutRealData('prepareDataset tests on real files');

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(async () => {
  await tmp.remove();
});

const REASONS: readonly SkipReason[] = ['unreadable', 'no P pick', 'pick outside trace', 'window past the edge', 'all zeros', 'preprocessing failed'];

/** Noise, then from `onset` (a sample index) a decaying 6 Hz arrival 20 times the noise level. */
function onsetTrace(seed: number, length: number, onset: number, rate: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length }, (_, i) => {
    const t = (i - onset) / rate;
    return rng.normal() + (i >= onset ? 20 * Math.exp(-t / 3) * Math.sin(2 * Math.PI * 6 * t) : 0);
  });
}

function countReasons(summary: PrepareSummary): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of summary.skipped) counts[s.reason] = (counts[s.reason] ?? 0) + 1;
  return counts;
}

/** Row r's input. */
function row(set: Dataset, r: number): Float32Array {
  const size = set.header.inputShape.reduce((n, d) => n * d, 1);
  return set.inputs.subarray(r * size, (r + 1) * size);
}

/** Rows per label name, read back from the file. */
function labelsOf(set: Dataset): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const index of set.labels ?? []) {
    const name = set.header.labelNames![index]!;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** The id `prepareDataset` gives a manifest row (the manifest reader's trace id). */
const manifestId = (r: ManifestRow): string => (r.trace_key === undefined ? r.path : `${r.path}#${r.trace_key}`);

/**
 * Checks a prepared real set against its manifest: every row either written
 * or skipped with a reason, label counts of the written rows equal to the
 * manifest's minus the skipped, rows in manifest order, and the header's
 * record of what was done.
 */
async function checkAgainstManifest(manifestPath: string, summary: PrepareSummary, set: Dataset): Promise<void> {
  const rows = await readManifest(manifestPath);
  expect(summary.rows + summary.skipped.length).toBe(rows.length);
  const skippedIds = new Set(summary.skipped.map((s) => s.id));
  for (const s of summary.skipped) {
    expect(REASONS).toContain(s.reason);
    expect(s.detail).toContain(manifestPath);
  }
  const kept = rows.filter((r) => !skippedIds.has(manifestId(r)));
  const expected: Record<string, number> = {};
  for (const r of kept) expected[r.label!] = (expected[r.label!] ?? 0) + 1;
  expect(summary.labelCounts).toEqual(expected);
  expect(labelsOf(set)).toEqual(expected);
  expect(set.header.sourceIds).toEqual(kept.map(manifestId));

  // Every manifest row has a pick or an estimate, so the picker never runs.
  const pick = kept.filter((r) => r.p_arrival_sample !== undefined).length;
  expect(summary.pickSources).toEqual({ pick, estimated: kept.length - pick, staLta: 0 });
  expect(set.header.preprocessing.pickSources).toEqual(summary.pickSources);
  expect(set.header.preprocessing.preprocess).toEqual(PAPER_PREPROCESS);
  expect(set.header.samplingRate).toBe(100);

  // Every real trace has 3.5 s before P and 2 s after it, so every row has an SNR.
  expect(set.header.snr).toHaveLength(summary.rows);
  expect(set.header.snr!.every((v) => v !== null && v >= 0)).toBe(true);
  expect(set.inputs.every((v) => Number.isFinite(v))).toBe(true);
}

describe.skipIf(noRealData)('prepareDataset on the real manifests', () => {
  it('task A: the 829 distance traces to 16 x 48 spectrograms, local and teleseismic counts as in the manifest', async () => {
    const manifest = join(realDataDir, 'distance/manifest.csv');
    const progress: [number, number | undefined][] = [];
    const started = performance.now();
    const summary = await prepareDataset({
      task: 'A',
      inputs: [manifest],
      out: tmp.path('distance.ds'),
      preset: 'paper',
      onProgress: (done, total) => progress.push([done, total]),
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `distance/manifest.csv, task A: ${summary.rows} rows ${JSON.stringify(summary.labelCounts)}, ` +
        `skipped ${JSON.stringify(countReasons(summary))}, picks ${JSON.stringify(summary.pickSources)}, ${seconds.toFixed(2)} s`,
    );
    const set = await readDataset(summary.out);
    expect(set.header.task).toBe('A');
    expect(set.header.inputShape).toEqual([16, 48]);
    expect(set.header.window).toEqual({ startFromP: -100, length: 600 });
    expect(set.inputs).toHaveLength(summary.rows * 16 * 48);
    await checkAgainstManifest(manifest, summary, set);
    for (let r = 0; r < summary.rows; r++) {
      // Each spectrogram is scaled to its own maximum.
      expect(Math.max(...row(set, r))).toBe(1);
      expect(Math.min(...row(set, r))).toBeGreaterThanOrEqual(0);
    }
    expect(progress).toHaveLength(829);
    expect(progress.at(-1)).toEqual([829, 829]);
  });

  it('task B: the 50 polarity traces to 32-sample P windows labelled up and down', async () => {
    const manifest = join(realDataDir, 'polarity/manifest.csv');
    const summary = await prepareDataset({ task: 'B', inputs: [manifest], out: tmp.path('polarity.ds'), preset: 'paper' });
    console.log(
      `polarity/manifest.csv, task B: ${summary.rows} rows ${JSON.stringify(summary.labelCounts)}, ` +
        `skipped ${JSON.stringify(countReasons(summary))}, picks ${JSON.stringify(summary.pickSources)}, ${summary.seconds.toFixed(2)} s`,
    );
    const set = await readDataset(summary.out);
    expect(set.header.inputShape).toEqual([32]);
    expect(set.header.window).toEqual({ startFromP: -10, length: 32 });
    expect(new Set(set.header.labelNames)).toEqual(new Set(['up', 'down']));
    await checkAgainstManifest(manifest, summary, set);
    for (let r = 0; r < summary.rows; r++) expect(Math.max(...row(set, r).map(Math.abs))).toBeCloseTo(1, 6);
  });
});

describe('prepareDataset on SAC files', () => {
  let folder: string;
  const rate40 = { delta: 0.025 };
  beforeAll(async () => {
    folder = tmp.path('sac');
    await mkdir(join(folder, 'nested'), { recursive: true });
    // 30 s traces with an arrival at 10 s.
    const at100 = onsetTrace(1, 3000, 1000, 100);
    await writeSac(join(folder, 'with-a.sac'), { ...rate40, b: 5, a: 15 }, onsetTrace(2, 1200, 400, 40));
    await writeSac(join(folder, 'nested/no-pick.sac'), { delta: 0.01 }, onsetTrace(3, 3000, 1000, 100));
    await writeSac(join(folder, 't1.sac'), { delta: 0.01, t0: 14, kt0: 'S', t1: 10, kt1: 'P' }, at100);
    await writeSac(join(folder, 'late-a.sac'), { delta: 0.01, a: 45 }, at100);
    await writeSac(join(folder, 'edge.sac'), { delta: 0.01, a: 0.5 }, at100);
    await writeSac(join(folder, 'flat.sac'), { delta: 0.01, a: 10 }, new Float64Array(3000));
    await writeFile(join(folder, 'README.txt'), 'Test traces written by prepare.test.ts; not a seismogram.\n'.repeat(20));
  });

  it('recurses folders, takes the pick from a or a t<n> marked P, else STA/LTA, and explains every skip', async () => {
    const summary = await prepareDataset({ task: 'A', inputs: [folder], out: tmp.path('sac.ds'), preset: 'paper' });
    expect(summary.skipped.map((s) => [s.id, s.reason])).toEqual([
      [join(folder, 'edge.sac'), 'window past the edge'],
      [join(folder, 'flat.sac'), 'all zeros'],
      [join(folder, 'late-a.sac'), 'pick outside trace'],
    ]);
    expect(summary.skipped[2]!.detail).toMatch(/late-a\.sac: a = 4500: pick outside the trace of 3000 samples/);
    expect(summary.pickSources).toEqual({ pick: 2, estimated: 0, staLta: 1 });
    expect(summary.labelCounts).toEqual({});

    const set = await readDataset(summary.out);
    expect(set.header.sourceIds).toEqual(['nested/no-pick.sac', 't1.sac', 'with-a.sac'].map((f) => join(folder, f)));
    expect(set.labels).toBeUndefined();
    // with-a.sac: 40 Hz, b = 5 s, a = 15 s: the P is 10 s in, sample 1000 at 100 Hz.
    const raw = Float64Array.from(Float32Array.from(onsetTrace(2, 1200, 400, 40))); // SAC stores float32
    expect(row(set, 2)).toEqual(spectrogram(preprocess(raw, 40).samples, 1000));
  });

  it("picks: 'given' never runs the picker; 'estimate' ignores the given picks", async () => {
    const given = await prepareDataset({ task: 'A', inputs: [folder], out: tmp.path('sac-given.ds'), picks: 'given' });
    expect(given.pickSources).toEqual({ pick: 2, estimated: 0, staLta: 0 });
    expect(given.skipped.find((s) => s.id.endsWith('no-pick.sac'))?.reason).toBe('no P pick');

    const estimate = await prepareDataset({ task: 'A', inputs: [folder], out: tmp.path('sac-estimate.ds'), picks: 'estimate' });
    expect(estimate.pickSources).toEqual({ pick: 0, estimated: 0, staLta: 5 });
    expect(countReasons(estimate)).toEqual({ 'all zeros': 1 });
    const header = (await readDataset(estimate.out)).header;
    expect(header.preprocessing.picks).toBe('STA/LTA only');
  });

  it("onError: 'fail' turns the first skip into a DataError naming file, field and value", async () => {
    await expectDataError(prepareDataset({ task: 'A', inputs: [folder], out: tmp.path('sac-fail/x.ds'), onError: 'fail' }), {
      file: join(folder, 'edge.sac'),
      field: 'P pick (100 Hz sample)',
      value: '50',
      problem: /runs past the trace's 3000 samples/,
    });
    expect(await readdir(tmp.path('sac-fail'))).toEqual([]);
  });
});

describe('prepareDataset on other formats', () => {
  it('miniSEED: every segment of the vertical channels is a record, and gaps are reported', async () => {
    const start = Date.UTC(2020, 0, 1) / 1000;
    const trace = (channel: string, seed: number, at: number) => ({
      network: 'XX',
      station: 'STA',
      location: '',
      channel,
      samplingRate: 100,
      startTime: at,
      samples: Array.from(onsetTrace(seed, 2000, 800, 100), (v) => Math.round(v * 100)),
    });
    const file = tmp.path('two-segments.mseed');
    // Z from 0 to 20 s and from 30 s (a 10 s gap), N beside it.
    const parts = [trace('BHZ', 1, start), trace('BHZ', 2, start + 30), trace('BHN', 3, start)];
    await writeFile(file, Buffer.concat(parts.map((t) => encodeMiniSeed(t, { encoding: 'steim1' }))));
    const horizontal = tmp.path('horizontal-only.mseed');
    await writeFile(horizontal, encodeMiniSeed(trace('BHE', 4, start), { encoding: 'int32' }));

    const summary = await prepareDataset({ task: 'B', inputs: [file, horizontal], out: tmp.path('mseed.ds') });
    const set = await readDataset(summary.out);
    expect(set.header.sourceIds).toEqual([`${file}#XX.STA..BHZ[0]`, `${file}#XX.STA..BHZ[1]`, `${horizontal}#XX.STA..BHE`]);
    expect(summary.pickSources.staLta).toBe(3);
    expect(summary.gaps).toHaveLength(1);
    expect(summary.gaps[0]).toMatchObject({ id: `${file}#XX.STA..BHZ` });
    expect(summary.gaps[0]!.seconds).toBeCloseTo(10, 6);
  });

  it('a bare npy needs a sampling rate: without it, a DataError names the file, the field and the --sampling-rate flag', async () => {
    const file = tmp.path('traces.npy');
    const rows = [1, 2, 3].map((seed) => onsetTrace(seed, 1500, 700, 100));
    await writeNpy(file, Float32Array.from(rows.flatMap((r) => [...r])), [3, 1500]);
    await expectDataError(prepareDataset({ task: 'B', inputs: [file], out: tmp.path('npy.ds') }), {
      file,
      field: 'sampling rate',
      value: '""',
      problem: /carries no sampling rate: give one with --sampling-rate /,
    });
    const summary = await prepareDataset({ task: 'B', inputs: [file], out: tmp.path('npy.ds'), samplingRate: 100 });
    expect((await readDataset(summary.out)).header.sourceIds).toEqual([0, 1, 2].map((r) => `${file}[${r}]`));
  });

  it.skipIf(noRealData)('PhaseNet npz (itp) and STEAD HDF5 (p_arrival_sample) as plain files; their metadata is never a label', async () => {
    const npz = join(realDataDir, 'distance/local/phasenet_ncedc/waveform_train/BG_ACR_2012082505145960.npz');
    const stead = join(realDataDir, 'distance/local/stead_eqtransformer');
    const summary = await prepareDataset({ task: 'A', inputs: [npz, stead], out: tmp.path('npz-h5.ds'), samplingRate: 100 });
    expect(summary.rows).toBe(51);
    expect(summary.pickSources).toEqual({ pick: 51, estimated: 0, staLta: 0 });
    const set = await readDataset(summary.out);
    expect(set.labels).toBeUndefined();
    expect(set.header.sourceIds[0]).toBe(npz);
    expect(set.header.sourceIds[1]).toMatch(/waveforms\.hdf5#earthquake\/local\/109C\.TA_/);
  });

  it('SeisBench HDF5: the traces metadata.csv lists, Z from component_order, pick from trace_p_arrival_sample', async () => {
    await h5wasm.ready;
    const folder = tmp.path('seisbench');
    await mkdir(folder);
    const values = new Float32Array(2 * 3 * 3000);
    // Component order ZNE: Z is component 0; N and E are left at zero.
    values.set(onsetTrace(1, 3000, 1200, 100), 0);
    values.set(onsetTrace(2, 3000, 1200, 100), 3 * 3000);
    const f = new h5wasm.File(join(folder, 'waveforms.hdf5'), 'w');
    f.create_group('data').create_dataset({ name: 'bucket0', data: values, shape: [2, 3, 3000], dtype: '<f4' });
    f.create_group('data_format').create_dataset({ name: 'sampling_rate', data: 100 });
    f.close();
    await writeFile(join(folder, 'metadata.csv'), 'trace_name,trace_p_arrival_sample\n"bucket0$0,:3,:3000",1200\n"bucket0$1,:3,:3000",\n');

    const summary = await prepareDataset({ task: 'B', inputs: [folder], out: tmp.path('seisbench.ds') });
    expect(summary.rows).toBe(2);
    expect(summary.pickSources).toEqual({ pick: 1, estimated: 0, staLta: 1 });
  });
});

describe('prepareDataset failures', () => {
  it('a broken file among good ones: skipped as unreadable, or with onError fail a DataError and no output at all', async () => {
    const folder = tmp.path('broken');
    await mkdir(folder);
    await writeSac(join(folder, 'a.sac'), { delta: 0.01, a: 10 }, onsetTrace(1, 3000, 1000, 100));
    await writeSac(join(folder, 'b.sac'), { delta: 0.01, a: 10 }, onsetTrace(2, 3000, 1000, 100));
    await writeFile(join(folder, 'c.sac'), 'not a SAC');
    await writeSac(join(folder, 'd.sac'), { delta: 0.01, a: 10 }, onsetTrace(3, 3000, 1000, 100));

    const skipped = await prepareDataset({ task: 'B', inputs: [folder], out: tmp.path('broken-skip/x.ds') });
    expect(skipped.rows).toBe(3);
    expect(skipped.skipped).toEqual([{ id: join(folder, 'c.sac'), reason: 'unreadable', detail: expect.stringMatching(/c\.sac: file size = 9: truncated/) }]);

    const out = tmp.path('broken-fail');
    await expectDataError(prepareDataset({ task: 'B', inputs: [folder], out: join(out, 'x.ds'), onError: 'fail' }), {
      file: join(folder, 'c.sac'),
      field: 'file size',
      value: '9',
    });
    // Two rows were prepared before c.sac: neither the data set, its partial file nor the staged rows remain.
    expect(await readdir(out)).toEqual([]);
  });

  it.skipIf(noRealData)('refuses to write an empty set, a manifest mixed with files, and a rate other than 100 Hz', async () => {
    const flat = tmp.path('flat-only.sac');
    await writeSac(flat, { delta: 0.01, a: 10 }, new Float64Array(3000));
    await expectDataError(prepareDataset({ task: 'A', inputs: [flat], out: tmp.path('empty.ds') }), {
      file: flat,
      field: 'inputs',
      value: '1',
      problem: /no record could be prepared: all 1 skipped \(all zeros: 1\)/,
    });
    const manifest = join(realDataDir, 'polarity/manifest.csv');
    await expectDataError(prepareDataset({ task: 'B', inputs: [manifest, flat], out: tmp.path('mixed.ds') }), {
      file: manifest,
      field: 'inputs',
      value: '2',
      problem: /must be the only input/,
    });
    await expectDataError(prepareDataset({ task: 'B', inputs: [manifest], out: tmp.path('rate.ds'), preprocess: { targetRateHz: 50 } }), {
      file: 'prepare options',
      field: 'preprocess.targetRateHz',
      value: '50',
    });
  });
});

describe('prepareSynthetic', () => {
  it('writes the synthetic sets through the same writer: inputs, labels and SNR round-trip', async () => {
    for (const task of ['A', 'B'] as const) {
      const made = (task === 'A' ? syntheticTaskA : syntheticTaskB)({ n: 24, seed: 5 });
      const classes: readonly string[] = task === 'A' ? TASK_A_CLASSES : TASK_B_CLASSES;
      const summary = await prepareSynthetic({ task, n: 24, seed: 5, out: tmp.path(`synthetic-${task}.ds`) });
      const set = await readDataset(summary.out);
      expect(set.header.task).toBe(task);
      expect(set.header.inputShape).toEqual([...made.inputShape]);
      expect(set.inputs).toEqual(made.inputs);
      expect([...set.labels!].map((l) => set.header.labelNames![l])).toEqual([...made.labels].map((l) => classes[l]));
      expect(set.header.snr).toEqual([...made.snr]);
      expect(summary.labelCounts).toEqual(labelsOf(set));
      expect(set.header.preprocessing.source).toBe('synthetic');
    }
  });
});
