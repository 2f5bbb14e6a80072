import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './run.js';
import { DatasetWriter } from '../../src/data/dataset.js';
import { TASK_B_CLASSES, syntheticTaskB } from '../../src/data/synthetic.js';
import { Rng } from '../../src/tensor/random.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const tiny = [
  '--backend',
  'cpu',
  '--epochs',
  '2',
  '--max-iter',
  '20',
  '--update-interval',
  '10',
  '--n-init',
  '2',
  '--tsne-points',
  '60',
  '--tsne-iterations',
  '100',
];
const commands = ['demo', 'synthesize', 'prepare', 'train', 'select-k', 'predict', 'stream', 'evaluate', 'qc', 'reproduce', 'serve', 'info'];
const polarityManifest = join(realDataDir, 'polarity/manifest.csv');
const noRealData = skipWithoutRealData('the CLI run on the real polarity set');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seiscluster-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seiscluster --help', () => {
  it('lists every command and the exit codes', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const c of commands) expect(r.stdout).toContain(`  ${c} `);
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 bad input');
  });
  for (const c of commands)
    it(`${c} --help shows its options and examples`, async () => {
      const r = await run(c, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: seiscluster ${c}`);
      expect(r.stdout).toContain('Examples:');
    });
});

describe('bad input exits with code 1 and says what is wrong', () => {
  it('an unknown command', async () => {
    const r = await run('cluster');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown command "cluster"');
  });
  it('an unknown option, on one line pointing to --help', async () => {
    const r = await run('train', '--data', 'x.scds', '--out', dir, '--epoch', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown option --epoch');
    expect(r.stderr).toContain('seiscluster train --help lists the options');
  });
  it('a value of the wrong type', async () => {
    const r = await run('train', '--data', 'x.scds', '--out', dir, '--epochs', 'many');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--epochs = "many": expects an integer');
  });
  it('a missing input file, named', async () => {
    const missing = join(dir, 'nowhere.csv');
    const r = await run('prepare', '--task', 'A', '--out', join(dir, 'x.scds'), missing);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(missing);
  });
  it('a data set file that is not one, named with the field', async () => {
    const notASet = join(dir, 'not-a-set.scds');
    await import('node:fs/promises').then((fs) => fs.writeFile(notASet, 'hello'));
    const r = await run('train', '--data', notASet, '--out', join(dir, 'never'), ...tiny);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(notASet);
    expect(existsSync(join(dir, 'never', 'model.ckpt'))).toBe(false);
  });
});

describe('prepare, train, predict, evaluate', () => {
  it('run end to end on a small synthetic task A set, and one seed reproduces a CPU run bit for bit', async () => {
    const set = join(dir, 'a.scds');
    expect((await run('prepare', '--task', 'A', '--synthetic', '160', '--seed', '3', '--out', set)).code).toBe(0);

    const runDir = join(dir, 'run');
    const trained = await run('train', '--data', set, '--out', runDir, '--seed', '5', ...tiny);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toContain('k-means on codes');
    expect(trained.stdout).toContain('fine-tuning');
    expect(trained.stdout).toContain('confusion matrix');
    for (const f of ['model.ckpt', 'fine-tuning.csv', 'report/report.html']) expect(existsSync(join(runDir, f)), f).toBe(true);
    const figures = await readdir(join(runDir, 'report', 'figures'));
    expect(figures.filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(8);
    const html = await readFile(join(runDir, 'report', 'report.html'), 'utf8');
    expect(html).toContain('Codes after pre-training');
    expect(html).toContain('Confusion matrix after fine-tuning');
    expect(html).toContain('Accuracy per SNR bin');

    const csv = join(dir, 'predictions.csv');
    const predicted = await run('predict', '--checkpoint', join(runDir, 'model.ckpt'), '--data', set, '--out', csv, '--backend', 'cpu', '--chunk', '50');
    expect(predicted.code, predicted.stderr).toBe(0);
    const lines = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('source_id,cluster,q_0,q_1,z_0,z_1,z_2,z_3,z_4,z_5,z_6,z_7,z_8,z_9,z_10,z_11');
    expect(lines).toHaveLength(161);

    const json = join(dir, 'predictions.json');
    expect((await run('predict', '--checkpoint', join(runDir, 'model.ckpt'), '--data', set, '--out', json, '--backend', 'cpu', '--chunk', '64')).code).toBe(0);
    const parsed = JSON.parse(await readFile(json, 'utf8')) as { source_id: string; cluster: number; q: number[]; z: number[] }[];
    expect(parsed).toHaveLength(160);
    expect(parsed[0]!.q).toHaveLength(2);

    const evaluated = await run('evaluate', '--predictions', csv, '--labels', set, '--json');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const e = JSON.parse(evaluated.stdout) as { n: number; acc: number; classNames: string[]; bySnr: unknown[] };
    expect(e.n).toBe(160);
    expect(e.acc).toBeGreaterThanOrEqual(0.5);
    expect(e.acc).toBeLessThanOrEqual(1);
    expect(e.classNames).toEqual(['local', 'teleseismic']);
    expect(e.bySnr).toHaveLength(5);

    const again = join(dir, 'again');
    expect((await run('train', '--data', set, '--out', again, '--seed', '5', ...tiny)).code).toBe(0);
    const csv2 = join(dir, 'predictions-again.csv');
    expect((await run('predict', '--checkpoint', join(again, 'model.ckpt'), '--data', set, '--out', csv2, '--backend', 'cpu')).code).toBe(0);
    expect(await readFile(csv2, 'utf8')).toBe(await readFile(csv, 'utf8'));
  });

  it('train on a partly labelled set scores the labelled records only', async () => {
    const set = join(dir, 'partly.scds');
    const { inputs, labels } = syntheticTaskB({ n: 80, seed: 2 });
    const writer = await DatasetWriter.create(set, {
      task: 'B',
      inputShape: [32],
      samplingRate: 100,
      window: { startFromP: -10, length: 32 },
      preprocessing: {},
    });
    await writer.append(
      Array.from({ length: 80 }, (_, i) => ({
        input: inputs.subarray(i * 32, (i + 1) * 32),
        sourceId: `record-${i}`,
        ...(i % 3 !== 0 && { label: TASK_B_CLASSES[labels[i]!]! }),
      })),
    );
    await writer.finish();
    const r = await run('train', '--data', set, '--out', join(dir, 'partly'), '--json', ...tiny);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: { stage: string; acc: number | null }[]; evaluation: { n: number } };
    expect(out.evaluation.n).toBe(53);
    for (const row of out.rows) {
      // Two clusters matched to two classes at best: at least half the labelled records are right.
      expect(row.acc, row.stage).toBeGreaterThanOrEqual(0.5);
      expect(row.acc, row.stage).toBeLessThanOrEqual(1);
    }
  });

  it("a task A set prepared with the default preset trains network A widened (a 24-number code); --model network-a trains the paper's (12)", async () => {
    const set = join(dir, 'archive-a.scds');
    const writer = await DatasetWriter.create(set, {
      task: 'A',
      inputShape: [16, 48],
      samplingRate: 100,
      window: { startFromP: -100, length: 600 },
      preprocessing: { preset: 'default' },
    });
    const rng = new Rng(4);
    await writer.append(Array.from({ length: 40 }, (_, i) => ({ input: Float32Array.from({ length: 768 }, () => rng.normal() + (i % 2)), sourceId: `r${i}` })));
    await writer.finish();
    const codeSize = async (name: string, ...model: string[]): Promise<number> => {
      const runDir = join(dir, name);
      const trained = await run('train', '--data', set, '--out', runDir, '--restarts', '1', ...model, ...tiny);
      expect(trained.code, trained.stderr).toBe(0);
      const csv = join(dir, `${name}.csv`);
      expect((await run('predict', '--checkpoint', join(runDir, 'model.ckpt'), '--data', set, '--out', csv, '--backend', 'cpu')).code).toBe(0);
      return (await readFile(csv, 'utf8'))
        .split('\n')[0]!
        .split(',')
        .filter((c) => c.startsWith('z_')).length;
    };
    expect(await codeSize('archive-default')).toBe(24);
    expect(await codeSize('archive-paper-width', '--model', 'network-a')).toBe(12);
    const unknown = await run('train', '--data', set, '--out', join(dir, 'never'), '--model', 'network-c', ...tiny);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--model = "network-c": no such file, nor one of network-a, network-a-wide, network-b, network-b-wide');
  });

  it.skipIf(noRealData)('prepare and train on the real polarity set (50 records, task B)', async () => {
    const set = join(dir, 'polarity.scds');
    const prepared = await run('prepare', '--task', 'B', '--out', set, polarityManifest, '--json');
    expect(prepared.code, prepared.stderr).toBe(0);
    expect((JSON.parse(prepared.stdout) as { labelCounts: Record<string, number> }).labelCounts).toEqual({ down: 34, up: 16 });
    const r = await run('train', '--data', set, '--out', join(dir, 'polarity'), '--json', ...tiny);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: { stage: string }[] };
    expect(out.rows.map((row) => row.stage)).toEqual(['k-means on P windows', 'trivial cue (centroid, energy)', 'k-means on codes', 'fine-tuning']);

    // Seismograms straight into predict (prepared as the training data were), scored against the manifest's labels.
    const csv = join(dir, 'polarity-predictions.csv');
    const predicted = await run('predict', '--checkpoint', join(dir, 'polarity', 'model.ckpt'), '--out', csv, '--backend', 'cpu', polarityManifest);
    expect(predicted.code, predicted.stderr).toBe(0);
    expect((await readFile(csv, 'utf8')).trim().split('\n')).toHaveLength(51);
    const evaluated = await run('evaluate', '--predictions', csv, '--labels', polarityManifest, '--json');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout) as { n: number; classNames: string[] }).toMatchObject({ n: 50, classNames: ['down', 'up'] });
  });

  it('predict wants a prepared set or seismograms, not both', async () => {
    // Any existing file will do: the choice is refused before anything is read.
    const file = join(dir, 'any.csv');
    await writeFile(file, 'path\n');
    const r = await run('predict', '--checkpoint', file, '--out', join(dir, 'p.csv'), '--data', file, file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('give either --data <prepared set> or seismogram files');
  });
});

describe('demo and reproduce', () => {
  it('demo runs both experiments and writes both reports', async () => {
    const out = join(dir, 'demo');
    const r = await run('demo', '--out', out, '--records-a', '120', '--records-b', '120', ...tiny);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('task A (local vs teleseismic; synthetic, preset paper)');
    expect(r.stdout).toContain('task B (polarity; synthetic, preset paper)');
    expect(existsSync(join(out, 'task-a', 'report', 'report.html'))).toBe(true);
    expect(existsSync(join(out, 'task-b', 'report', 'report.html'))).toBe(true);
  });
  it('reproduce reports mean and spread over seeds', async () => {
    const r = await run(
      'reproduce',
      '--task',
      'B',
      '--records',
      '120',
      '--seeds',
      '2',
      '--json',
      ...tiny.filter((_, i, a) => !a[i]?.startsWith('--tsne') && !a[i - 1]?.startsWith('--tsne')),
    );
    expect(r.code, r.stderr).toBe(0);
    type Spread = { mean: number; sd: number; runs: number };
    const s = JSON.parse(r.stdout) as { rows: { stage: string; acc: Spread }[]; perClass: { class: string; records: number; recall: Spread }[] };
    const fine = s.rows.find((row) => row.stage === 'fine-tuning')!;
    expect(fine.acc.runs).toBe(2);
    // Two seeds of 120 records train to different accuracies: a spread of 0 would mean one run was counted twice.
    expect(Number.isFinite(fine.acc.sd), `sd ${fine.acc.sd}`).toBe(true);
    expect(fine.acc.sd).toBeGreaterThan(0);
    expect(fine.acc.mean).toBeGreaterThanOrEqual(0.5);
    expect(fine.acc.mean).toBeLessThanOrEqual(1);
    // Per class over the same runs: the records-weighted recall is the accuracy.
    expect(s.perClass.map((c) => c.class).sort()).toEqual(['down', 'up']);
    expect(s.perClass.reduce((a, c) => a + c.records, 0)).toBe(120);
    expect(s.perClass.reduce((a, c) => a + c.recall.mean * c.records, 0) / 120).toBeCloseTo(fine.acc.mean, 10);
  });
  it('--threads outside 0 (every core) to 28 is refused, naming the option and the value', async () => {
    const r = await run('reproduce', '--task', 'B', '--threads', '99', '--seeds', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--threads = 99: must be 0 to 28');
  });
  it('reproduce --pick-error changes the synthetic task B set only, and is refused for task A', async () => {
    const refused = await run('reproduce', '--task', 'A', '--pick-error', '1', '--seeds', '1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--pick-error: only for the synthetic task B set');
    const args = ['--task', 'B', '--records', '120', '--seeds', '1', '--json', '--epochs', '1', '--max-iter', '1', '--n-init', '1'];
    const rows = async (...extra: string[]): Promise<unknown> => {
      const r = await run('reproduce', ...args, ...extra);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { rows: { stage: string }[] }).rows.find((row) => row.stage === 'k-means on P windows');
    };
    expect(await rows('--pick-error', '1.5')).toEqual(await rows());
    expect(await rows('--pick-error', '0')).not.toEqual(await rows());
  });
});
