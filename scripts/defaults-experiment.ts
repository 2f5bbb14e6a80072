/**
 * How the preparation defaults were chosen (README, "Defaults and how they
 * were chosen"): every candidate preparation is scored by unsupervised
 * training on many compositions of labelled records that mimic a new archive,
 * with the `train` command's own defaults, over several seeds.
 *
 *   npx tsx scripts/defaults-experiment.ts --task A|B [--candidates 'a;b;...'] [--seeds 3] [--first-seed 0]
 *       [--stress <manifest.csv>] [--new-archives <a.csv,b.csv,...> [--only-new-archives]]
 *       [--out results.json] [--threads 1] [--quick] [--inputs-only] [--match <regex>]
 *
 * Task A compositions (from ../shared/data/real/distance/manifest.csv, by its
 * `dataset` and `event_id` columns): each local data set against each pair of
 * the four teleseismic events (aimbat_chile_2012 subsampled to 100 records, a
 * seeded choice, so that one event does not dominate), plus the whole set with
 * the same subsample; with --stress, the stress manifest whole and with each
 * teleseismic event left out in turn; with --new-archives, one composition
 * per stress manifest that mimics a new user's archive (newArchiveComposition;
 * --only-new-archives runs those alone). Task B compositions (polarity
 * manifest, one event, 16 up / 34 down): three seeded 3:1 subsamples each way
 * (up-heavy, down-heavy) plus the whole set, each with the given picks and with
 * STA/LTA picks (`picks: 'estimate'`); with --stress, the stress manifest.
 *
 * Per candidate it prints and writes, over compositions and seeds: the mean
 * fine-tuning ACC, the worst composition's mean, the mean and the largest
 * s.d. over seeds within a composition, the runs below 0.6 (collapsed), and
 * the same compositions' k-means on the inputs and trivial cue. Labels only
 * score; every run is `train` with its defaults (runPipeline, no report).
 * --quick: 2 compositions and 1 seed, to check the script. --inputs-only:
 * k-means on the inputs and the trivial cue per composition, no training (a
 * preparation candidate's quick screen, seconds a composition). --match: only
 * the compositions whose name matches the regular expression (to finish or
 * split a long run).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// On the Node host: the disk, worker threads for the compiled kernels.
import '../src/node/install.js';
import { realDataDir } from '../test/helpers/real-data.js';
import { parseArgs } from '../src/cli/args.js';
import { trainSpec } from '../src/cli/commands/train.js';
import { settingsFrom } from '../src/cli/commands/training-options.js';
import { recordSize, type PipelineData } from '../src/pipeline/data.js';
import { runPipeline } from '../src/pipeline/run.js';
import { preparedData } from '../src/pipeline/sources.js';
import type { PreparationOverrides, PresetName } from '../src/data/preparation.js';
import { prepareDataset, type PickPolicy } from '../src/data/prepare.js';
import { readManifest, type ManifestRow } from '../src/data/readers/manifest.js';
import { networkA, networkAWith, networkB, networkBWith } from '../src/model/networks.js';
import { defaultNetwork } from '../src/pipeline/defaults.js';
import type { ModelDescription } from '../src/model/description.js';
import { readDatasetHeader } from '../src/data/dataset.js';
import { cpu, CpuBackend } from '../src/kernels/cpu.js';
import { trivialCueFeatures } from '../src/cluster/baselines.js';
import { baselineRow } from '../src/pipeline/rows.js';
import { Rng } from '../src/tensor/random.js';

interface Candidate extends PreparationOverrides {
  readonly name: string;
  readonly preset: PresetName;
  /** Fine-tuning's target balance (`train --target-balance`); absent: the default for the preset. */
  readonly targetBalance?: number;
  /** Pre-training epochs (`train --epochs`); absent: train's default. */
  readonly epochs?: number;
  /** Whole-run restarts (`train --restarts`); absent: train's default. */
  readonly restarts?: number;
  /** Fine-tuning's end kept always or by silhouette (`train --keep-fine-tuning`); absent: train's default. */
  readonly keepFineTuning?: 'always' | 'silhouette';
  /** Pre-training Adam steps at least (epochs = max(100, steps / batches per epoch)); absent: `epochs`. */
  readonly steps?: number;
  /** The autoencoder (`train --model`); absent: train's default for the task and preparation. */
  readonly network?: () => ModelDescription;
}

const band = (lowHz: number, highHz = 20) => ({ bandpass: { lowHz, highHz, order: 4, zeroPhase: true } });
const dbWide = { scale: 'db', floorDb: 60, segment: 64 } as const;

/** The candidates, named for the table. */
const CANDIDATES: readonly Candidate[] = [
  { name: 'paper', preset: 'paper' },
  { name: 'dB 60', preset: 'paper', spectrogram: { scale: 'db', floorDb: 60 } },
  { name: 'dB 60, 0.5 Hz', preset: 'paper', preprocess: band(0.5), spectrogram: { scale: 'db', floorDb: 60 } },
  { name: 'dB 60, seg 64, 0.5 Hz', preset: 'paper', preprocess: band(0.5), spectrogram: { ...dbWide, hop: 13 } },
  { name: 'dB 60, seg 64, 0.5 Hz, 20 s', preset: 'paper', preprocess: band(0.5), spectrogram: { ...dbWide, preP: 200, windowSamples: 2000, hop: 42 } },
  {
    name: 'dB 40, seg 64, 0.5 Hz, 20 s',
    preset: 'paper',
    preprocess: band(0.5),
    spectrogram: { ...dbWide, floorDb: 40, preP: 200, windowSamples: 2000, hop: 42 },
  },
  { name: 'linear, seg 64, 0.5 Hz, 20 s', preset: 'paper', preprocess: band(0.5), spectrogram: { segment: 64, preP: 200, windowSamples: 2000, hop: 42 } },
  { name: 'dB 60, seg 64, 1 Hz, 20 s', preset: 'paper', spectrogram: { ...dbWide, preP: 200, windowSamples: 2000, hop: 42 } },
  {
    name: 'dB std, seg 64, 0.5 Hz, 20 s',
    preset: 'paper',
    preprocess: band(0.5),
    spectrogram: { ...dbWide, normalize: 'standardize', preP: 200, windowSamples: 2000, hop: 42 },
  },
  { name: 'dB 60, seg 64, 0.5 Hz, 30 s', preset: 'paper', preprocess: band(0.5), spectrogram: { ...dbWide, preP: 300, windowSamples: 3000, hop: 63 } },
  { name: 'default', preset: 'default' },
  { name: 'default, max', preset: 'default', spectrogram: { normalize: 'max' } },
  { name: 'default, 1 run', preset: 'default', restarts: 1 },
  { name: 'default, fine-tuning kept always', preset: 'default', keepFineTuning: 'always' },
  { name: 'default, 5 runs', preset: 'default', restarts: 5 },
  { name: 'default, 100 epochs', preset: 'default', epochs: 100 },
  { name: 'default, network A 4-2-1', preset: 'default', network: networkA },
  { name: 'default, network A 8-4-1', preset: 'default', network: () => networkAWith([8, 4, 1]) },
  { name: 'default, network A 4-2-2', preset: 'default', network: () => networkAWith([4, 2, 2]) },
  { name: 'default, network A 16-8-4', preset: 'default', network: () => networkAWith([16, 8, 4]) },
  // Measured with fine-tuning's end always kept, the default of the time (README, "Pre-training steps").
  { name: 'default, 1000 epochs', preset: 'default', epochs: 1000, keepFineTuning: 'always' },
  { name: 'default, 7200 steps', preset: 'default', steps: 7200, keepFineTuning: 'always' },
  { name: 'default, 3000 steps', preset: 'default', steps: 3000, keepFineTuning: 'always' },
  // The former default's 30-sample STFT segment (the paper's); the default is 64 (README, "A 64-sample STFT segment").
  { name: 'default, STFT 30', preset: 'default', spectrogram: { segment: 30 } },
  { name: 'default, 100 epochs, balance 1', preset: 'default', epochs: 100, targetBalance: 1 },
  { name: 'default, 100 epochs, balance 0', preset: 'default', epochs: 100, targetBalance: 0 },
  { name: 'B default', preset: 'default' },
  { name: 'B default, balance 1', preset: 'default', targetBalance: 1 },
  { name: 'B default, 1 run', preset: 'default', restarts: 1 },
  { name: 'B default, 5 runs', preset: 'default', restarts: 5 },
  { name: 'B default, 300 epochs', preset: 'default', epochs: 300 },
  { name: 'B default, network B 8-4-2-1', preset: 'default', network: networkB },
  { name: 'B default, network B 8-4-4-4', preset: 'default', network: () => networkBWith([8, 4, 4, 4]) },
  { name: 'B default, network B 16-8-4-2', preset: 'default', network: () => networkBWith([16, 8, 4, 2]) },
  { name: 'B paper', preset: 'paper' },
  { name: 'B rms', preset: 'paper', pWindow: { normalize: 'rms' } },
  { name: 'B pick at 5', preset: 'paper', pWindow: { preP: 5 } },
  { name: 'B pick at 5, rms', preset: 'paper', pWindow: { preP: 5, normalize: 'rms' } },
  { name: 'B pick at 16', preset: 'paper', pWindow: { preP: 16 } },
  // The P window's decay after the pick; the default is 4 (README, "First motion first").
  { name: 'B default, decay none', preset: 'default', pWindow: { decay: null } },
  { name: 'B default, decay 3', preset: 'default', pWindow: { decay: 3 } },
  { name: 'B default, decay 6', preset: 'default', pWindow: { decay: 6 } },
];

/** A named subset of a prepared set's rows. */
interface Composition {
  readonly name: string;
  readonly rows: readonly number[];
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const task = option('task') as 'A' | 'B' | undefined;
if (task !== 'A' && task !== 'B') throw new Error('--task A or B');
const seeds = Number(option('seeds') ?? 3);
/** Training seeds run: `--first-seed` to `--first-seed` + `--seeds` - 1 (so more seeds can be added to an earlier run). */
const firstSeed = Number(option('first-seed') ?? 0);
const quick = process.argv.includes('--quick');
const inputsOnly = process.argv.includes('--inputs-only');
const wanted = option('candidates')?.split(';');
const candidates = wanted === undefined ? CANDIDATES.filter((c) => c.name.startsWith('B ') === (task === 'B')) : wanted.map(findCandidate);
const threads = Number(option('threads') ?? 0);
const backend = threads > 0 ? new CpuBackend({ threads }) : cpu;
// The real data folder as the tests find it (SEISCLUSTER_REAL_DATA, else ../shared/data/real).
const realRoot = realDataDir;
const manifest = join(realRoot, task === 'A' ? 'distance/manifest.csv' : 'polarity/manifest.csv');
const stress = option('stress');
const newArchives = option('new-archives')?.split(',') ?? [];
const onlyNewArchives = process.argv.includes('--only-new-archives');
const outPath = option('out');
/** Compositions run: those whose name matches `--match` (the empty pattern matches all). */
const matching = new RegExp(option('match') ?? '');

function findCandidate(name: string): Candidate {
  const c = CANDIDATES.find((x) => x.name === name);
  if (c === undefined) throw new Error(`unknown candidate "${name}"; known: ${CANDIDATES.map((x) => x.name).join(', ')}`);
  return c;
}

/** The manifest row behind each prepared row, by the id prepare gives it. */
async function rowsBySource(manifestPath: string, sourceIds: readonly string[]): Promise<ManifestRow[]> {
  const byId = new Map((await readManifest(manifestPath)).map((r) => [r.trace_key === undefined ? r.path : `${r.path}#${r.trace_key}`, r]));
  return sourceIds.map((id) => {
    const row = byId.get(id);
    if (row === undefined) throw new Error(`${id} is not in ${manifestPath}`);
    return row;
  });
}

/** `count` of `rows` chosen by a seeded shuffle, in their original order. */
function subsample(rows: readonly number[], count: number, seed: number): number[] {
  if (rows.length <= count) return [...rows];
  const order = new Rng(seed).permutation(rows.length);
  return Array.from(order.subarray(0, count), (i) => rows[i]!).sort((a, b) => a - b);
}

function distanceCompositions(meta: readonly ManifestRow[]): Composition[] {
  const where = (test: (r: ManifestRow) => boolean): number[] => meta.flatMap((r, i) => (test(r) ? [i] : []));
  const events = [...new Set(meta.filter((r) => r.label === 'teleseismic').map((r) => r.event_id!))].sort();
  const eventRows = new Map(
    events.map((e) => [
      e,
      subsample(
        where((r) => r.event_id === e),
        100,
        1,
      ),
    ]),
  );
  const locals = [...new Set(meta.filter((r) => r.label === 'local').map((r) => r.dataset!))].sort();
  const out: Composition[] = [];
  for (const local of locals) {
    for (let a = 0; a < events.length; a++) {
      for (let b = a + 1; b < events.length; b++) {
        const rows = [...where((r) => r.dataset === local), ...eventRows.get(events[a]!)!, ...eventRows.get(events[b]!)!].sort((x, y) => x - y);
        out.push({ name: `${local} + ${shortEvent(meta, events[a]!)} + ${shortEvent(meta, events[b]!)}`, rows });
      }
    }
  }
  out.push({ name: 'all (aimbat 100)', rows: [...where((r) => r.label === 'local'), ...[...eventRows.values()].flat()].sort((x, y) => x - y) });
  return out;
}

function shortEvent(meta: readonly ManifestRow[], event: string): string {
  const row = meta.find((r) => r.event_id === event)!;
  return `${row.dataset!.split('_')[1]} M${row.magnitude ?? '?'}`;
}

function polarityCompositions(meta: readonly ManifestRow[]): Composition[] {
  const up = meta.flatMap((r, i) => (r.label === 'up' ? [i] : []));
  const down = meta.flatMap((r, i) => (r.label === 'down' ? [i] : []));
  const out: Composition[] = [{ name: 'all 16 up / 34 down', rows: meta.map((_, i) => i) }];
  for (let k = 0; k < 3; k++) {
    out.push({ name: `3 up : 1 down #${k}`, rows: [...up, ...subsample(down, Math.round(up.length / 3), 10 + k)].sort((a, b) => a - b) });
    out.push({ name: `3 down : 1 up #${k}`, rows: [...down, ...subsample(up, Math.round(down.length / 3), 20 + k)].sort((a, b) => a - b) });
  }
  return out;
}

/**
 * A new archive as the one a new user brings (`--new-archives`, task A): from
 * a stress set drawn with a seed of its own, the local records of the dense
 * short-period 100 Hz network (the network with the most local records on
 * EHZ / SHZ channels at 100 Hz) against the broadband records (HHZ / BHZ) of
 * two teleseismic earthquakes of different depth and size: the deepest, and
 * the largest shallower than 60 km.
 */
function newArchiveComposition(meta: readonly ManifestRow[], name: string): Composition[] {
  const where = (test: (r: ManifestRow) => boolean): number[] => meta.flatMap((r, i) => (test(r) ? [i] : []));
  const shortPeriod = (r: ManifestRow): boolean => /^[ES]HZ$/.test(r.channel ?? '') && r.sampling_rate_hz === 100;
  const localNetworks = new Map<string, number>();
  for (const r of meta) if (r.label === 'local' && shortPeriod(r)) localNetworks.set(r.network!, (localNetworks.get(r.network!) ?? 0) + 1);
  const network = [...localNetworks].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  const broadband = (r: ManifestRow): boolean => r.label === 'teleseismic' && /^[HB]HZ$/.test(r.channel ?? '');
  const events = [...new Map(meta.filter(broadband).map((r) => [r.event_id!, r])).values()];
  const deepest = events.reduce((a, b) => (b.depth_km! > a.depth_km! ? b : a));
  const largest = events.filter((r) => r.depth_km! < 60).reduce((a, b) => (b.magnitude! > a.magnitude! ? b : a));
  if (network === undefined) throw new Error(`${name}: no short-period 100 Hz network recorded a local event`);
  const rows = where(
    (r) =>
      (r.label === 'local' && r.network === network && shortPeriod(r)) ||
      (broadband(r) && (r.event_id === deepest.event_id || r.event_id === largest.event_id)),
  );
  return [{ name: `${name}: ${network} locals + M${deepest.magnitude} at ${deepest.depth_km} km + M${largest.magnitude} at ${largest.depth_km} km`, rows }];
}

/** The whole stress set, and with each teleseismic (task A) or each event (task B) left out in turn. */
function stressCompositions(meta: readonly ManifestRow[]): Composition[] {
  const events = [...new Set(meta.filter((r) => task === 'B' || r.label === 'teleseismic').map((r) => r.event_id ?? ''))].filter((e) => e !== '').sort();
  const out: Composition[] = [{ name: 'stress: all', rows: meta.map((_, i) => i) }];
  if (events.length > 2) for (const e of events) out.push({ name: `stress: without ${e}`, rows: meta.flatMap((r, i) => (r.event_id === e ? [] : [i])) });
  return out;
}

function subset(data: PipelineData, rows: readonly number[], name: string): PipelineData {
  const size = data.inputShape.reduce((a, b) => a * b, 1);
  const inputs = new Float32Array(rows.length * size);
  rows.forEach((r, i) => inputs.set(data.inputs.subarray(r * size, (r + 1) * size), i * size));
  return {
    ...data,
    name,
    inputs,
    labels: Int32Array.from(rows, (r) => data.labels![r]!),
    ...(data.snr && { snr: rows.map((r) => data.snr![r]!) }),
  };
}

interface RunScores {
  composition: string;
  seed: number;
  records: number;
  fineTuning: number;
  kMeansCodes: number;
  kMeansInputs: number;
  trivialCue: number;
}

async function scoreCandidate(candidate: Candidate, picks: PickPolicy | undefined, scratch: string): Promise<RunScores[]> {
  const sets: { manifest: string; compose: (meta: readonly ManifestRow[]) => Composition[] }[] = [
    ...(onlyNewArchives ? [] : [{ manifest, compose: task === 'A' ? distanceCompositions : polarityCompositions }]),
    ...(stress !== undefined ? [{ manifest: stress, compose: stressCompositions }] : []),
    ...newArchives.map((m) => ({ manifest: m, compose: (meta: readonly ManifestRow[]) => newArchiveComposition(meta, m) })),
  ];
  const runs: RunScores[] = [];
  for (const [s, set] of sets.entries()) {
    const out = join(scratch, `${s}.scds`);
    const { preset, preprocess, spectrogram, pWindow } = candidate;
    await prepareDataset({
      task: task!,
      inputs: [set.manifest],
      out,
      preset,
      ...(preprocess && { preprocess }),
      ...(spectrogram && { spectrogram }),
      ...(pWindow && { pWindow }),
      ...(picks && { picks }),
    });
    const data = await preparedData(out);
    const meta = await rowsBySource(set.manifest, (await readDatasetHeader(out)).sourceIds);
    let compositions = set.compose(meta);
    compositions = compositions.filter((c) => matching.test(c.name));
    if (quick) compositions = compositions.slice(0, 2);
    const args = parseArgs(trainSpec, ['--data', out, '--out', scratch]);
    const baselineSettings = { ...settingsFrom(args), seed: 0 };
    for (const composition of compositions) {
      const part = subset(data, composition.rows, composition.name);
      if (inputsOnly) {
        const row = (stage: string, features: Float32Array | Float64Array, d: number): number =>
          Number(baselineRow(stage, features, composition.rows.length, d, part, baselineSettings).acc);
        const run: RunScores = {
          composition: composition.name,
          seed: 0,
          records: composition.rows.length,
          fineTuning: Number.NaN,
          kMeansCodes: Number.NaN,
          kMeansInputs: row('k-means on inputs', part.inputs, recordSize(part)),
          trivialCue: row('trivial cue', trivialCueFeatures(part.inputs, composition.rows.length, part.inputShape), 2),
        };
        runs.push(run);
        console.error(
          `  ${candidate.name} | ${composition.name} (${run.records}): k-means inputs ${run.kMeansInputs.toFixed(3)}, trivial cue ${run.trivialCue.toFixed(3)}`,
        );
        continue;
      }
      for (let seed = firstSeed; seed < firstSeed + (quick ? 1 : seeds); seed++) {
        const settings = {
          ...settingsFrom(args),
          description: candidate.network?.() ?? defaultNetwork(data.preprocessing, task!),
          backend,
          outDir: null,
          command: 'defaults-experiment',
          seed,
          ...(candidate.targetBalance !== undefined && { targetBalance: candidate.targetBalance }),
          ...(candidate.epochs !== undefined && { epochs: candidate.epochs }),
          ...(candidate.steps !== undefined && { epochs: Math.max(100, Math.ceil(candidate.steps / Math.ceil(composition.rows.length / 128))) }),
          ...(candidate.restarts !== undefined && { restarts: candidate.restarts }),
          ...(candidate.keepFineTuning !== undefined && { keepFineTuning: candidate.keepFineTuning }),
        };
        const result = await runPipeline(part, settings);
        const acc = (stage: string): number => Number(result.rows.find((r) => r.stage === stage)?.acc ?? Number.NaN);
        const run: RunScores = {
          composition: composition.name,
          seed,
          records: composition.rows.length,
          fineTuning: acc('fine-tuning'),
          kMeansCodes: acc('k-means on codes'),
          kMeansInputs: acc(task === 'A' ? 'k-means on spectrograms' : 'k-means on P windows'),
          trivialCue: acc('trivial cue (centroid, energy)'),
        };
        runs.push(run);
        console.error(
          `  ${candidate.name}${picks ? ` (${picks} picks)` : ''} | ${composition.name} (${run.records}) seed ${seed}: fine-tuning ${run.fineTuning.toFixed(3)}, codes ${run.kMeansCodes.toFixed(3)}, k-means inputs ${run.kMeansInputs.toFixed(3)}, trivial cue ${run.trivialCue.toFixed(3)}`,
        );
      }
    }
  }
  return runs;
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: readonly number[]): number => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));

/** The table's numbers for one candidate. */
function summarise(runs: readonly RunScores[]): Record<string, number | string> {
  const byComposition = new Map<string, RunScores[]>();
  for (const r of runs) byComposition.set(r.composition, [...(byComposition.get(r.composition) ?? []), r]);
  const groups = [...byComposition.values()];
  const worst = groups.reduce((w, g) => (mean(g.map((r) => r.fineTuning)) < mean(w.map((r) => r.fineTuning)) ? g : w));
  const of = (key: 'kMeansInputs' | 'trivialCue'): string =>
    `${mean(runs.map((r) => r[key])).toFixed(3)} / ${Math.min(...groups.map((g) => mean(g.map((r) => r[key])))).toFixed(3)}`;
  return {
    compositions: groups.length,
    runs: runs.length,
    meanAcc: mean(runs.map((r) => r.fineTuning)),
    worstComposition: mean(worst.map((r) => r.fineTuning)),
    worstName: worst[0]!.composition,
    meanSeedSd: mean(groups.map((g) => sd(g.map((r) => r.fineTuning)))),
    maxSeedSd: Math.max(...groups.map((g) => sd(g.map((r) => r.fineTuning)))),
    collapsed: runs.filter((r) => r.fineTuning < 0.6).length,
    kMeansInputs: of('kMeansInputs'),
    trivialCue: of('trivialCue'),
  };
}

const scratch = await mkdtemp(join(tmpdir(), 'seiscluster-defaults-'));
const results: { candidate: string; picks: string; summary: Record<string, number | string>; runs: RunScores[] }[] = [];
try {
  for (const candidate of candidates) {
    for (const picks of task === 'B' ? (['given', 'estimate'] as const) : [undefined]) {
      const runs = await scoreCandidate(candidate, picks, scratch);
      const summary = summarise(runs);
      results.push({ candidate: candidate.name, picks: picks ?? 'given, else estimate', summary, runs });
      if (inputsOnly)
        console.log(`| ${candidate.name}${picks ? ` | ${picks}` : ''} | k-means on inputs ${summary.kMeansInputs} | trivial cue ${summary.trivialCue} |`);
      else
        console.log(
          `| ${candidate.name}${picks ? ` | ${picks}` : ''} | ${(summary.meanAcc as number).toFixed(3)} | ${(summary.worstComposition as number).toFixed(3)} (${summary.worstName}) | ${(summary.meanSeedSd as number).toFixed(3)} / ${(summary.maxSeedSd as number).toFixed(3)} | ${summary.collapsed} of ${summary.runs} | ${summary.kMeansInputs} | ${summary.trivialCue} |`,
        );
      if (outPath !== undefined) await writeFile(outPath, `${JSON.stringify({ task, seeds, stress: stress ?? null, results }, null, 1)}\n`);
    }
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
