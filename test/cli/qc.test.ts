import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/cluster/checkpoint.js';
import { DatasetWriter } from '../../src/data/dataset.js';
import { syntheticTaskB, TASK_B_CLASSES } from '../../src/data/synthetic.js';
import { run } from './run.js';

const tiny = ['--backend', 'cpu', '--epochs', '2', '--max-iter', '20', '--update-interval', '10', '--n-init', '2'];
/** A loose rule, so a model trained for seconds still has labels to flag: 0.6 of 10 neighbours by input and 10 by code, however far out; the model backs any vote of its cluster's class. */
const loose = [
  '--neighbours',
  '10',
  '--code-neighbours',
  '10',
  '--min-agreement',
  '0.6',
  '--max-reach',
  '1000',
  '--max-isolation',
  '1000',
  '--min-confidence',
  '0',
  '--max-distance',
  '1000',
];
/** The same with the model as the only witness: any label against its cluster. */
const modelAlone = ['--neighbours', '0', '--min-confidence', '0', '--max-distance', '1000'];

interface QcJson {
  flagged: {
    rank: number;
    index: number;
    sourceId: string;
    label: string;
    neighbourLabel: string | null;
    agreement: number;
    reach: number;
    isolation: number;
    backed: boolean;
    cluster: number;
    mappedLabel: string;
    q: number;
    confidence: number;
    flipped?: boolean;
  }[];
  threshold: {
    neighbours: number;
    codeNeighbours: number;
    codeVote: string;
    minAgreement: number;
    maxReach: number;
    maxIsolation: number;
    minConfidence: number;
    maxDistance: number;
  };
  labelMap: (string | null)[];
  witnesses: { input: number | null; code: number | null; joint: number | null; z: number | null; codeVoted: boolean };
  flip?: { flipped: number; flagged: number; found: number; precision: number | null; recall: number | null };
}

let dir: string;
let set: string;
let checkpoint: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seiscluster-qc-'));
  set = join(dir, 'b.scds');
  expect((await run('prepare', '--task', 'B', '--synthetic', '200', '--seed', '4', '--out', set)).code).toBe(0);
  const trained = await run('train', '--data', set, '--out', join(dir, 'run'), '--seed', '4', '--tsne-points', '40', '--tsne-iterations', '50', ...tiny);
  expect(trained.code, trained.stderr).toBe(0);
  checkpoint = join(dir, 'run', 'model.ckpt');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seiscluster qc', () => {
  it('is listed with its options and examples', async () => {
    expect((await run('--help')).stdout).toContain('  qc ');
    const help = await run('qc', '--help');
    expect(help.code).toBe(0);
    for (const flag of [
      '--checkpoint',
      '--data',
      '--labels',
      '--out',
      '--report',
      '--neighbours',
      '--code-neighbours',
      '--code-vote',
      '--min-agreement',
      '--max-reach',
      '--max-isolation',
      '--min-confidence',
      '--flip-labels',
      '--json',
    ])
      expect(help.stdout).toContain(flag);
    expect(help.stdout).toContain('Examples:');
  });

  it('writes the flagged records as CSV and a report page, and --json gives the same records', async () => {
    const csv = join(dir, 'flagged.csv');
    const report = join(dir, 'qc-report');
    const r = await run(
      'qc',
      '--checkpoint',
      checkpoint,
      '--data',
      set,
      '--out',
      csv,
      '--report',
      report,
      '--figures',
      '4',
      '--flip-labels',
      '0.2',
      '--json',
      ...loose,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as QcJson;
    expect(out.threshold).toEqual({
      neighbours: 10,
      codeNeighbours: 10,
      codeVote: 'auto',
      minAgreement: 0.6,
      maxReach: 1000,
      maxIsolation: 1000,
      minConfidence: 0,
      maxDistance: 1000,
    });
    expect(out.labelMap.every((c) => c === 'up' || c === 'down')).toBe(true);
    // Each read-out is a share of the labelled records, and the codes vote unless the inputs alone read measurably better.
    const { input, code, joint, z, codeVoted } = out.witnesses;
    for (const share of [input!, code!, joint!]) expect(share >= 0 && share <= 1).toBe(true);
    expect(codeVoted).toBe(z! <= 2);
    expect(out.flagged.length).toBeGreaterThan(0);
    out.flagged.forEach((f, k) => {
      expect(f.rank).toBe(k + 1);
      // Every flag is a vote of the neighbours against the label, at least as strong as the rule asks; the model backs it where its cluster's class is the vote.
      expect(f.neighbourLabel).not.toBe(f.label);
      expect(f.agreement).toBeGreaterThanOrEqual(0.6);
      expect(f.backed).toBe(f.mappedLabel === f.neighbourLabel);
      expect(f.mappedLabel).toBe(out.labelMap[f.cluster]);
      expect(f.q).toBeGreaterThanOrEqual(0.5);
      expect(f.confidence).toBeGreaterThanOrEqual(0);
    });

    const lines = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe(
      'rank,index,source_id,label,neighbour_label,agreement,reach,isolation,cluster,mapped_label,backed,q,confidence,distance,score,flipped',
    );
    expect(lines).toHaveLength(out.flagged.length + 1);
    const first = out.flagged[0]!;
    expect(lines[1]!.split(',').slice(0, 11)).toEqual(
      [
        first.rank,
        first.index,
        first.sourceId,
        first.label,
        first.neighbourLabel,
        first.agreement,
        first.reach,
        first.isolation,
        first.cluster,
        first.mappedLabel,
        first.backed,
      ].map(String),
    );

    const html = await readFile(join(report, 'report.html'), 'utf8');
    expect(html).toContain('Suspect labels');
    expect(html).toContain(out.flagged[0]!.sourceId);
    const figures = (await readdir(join(report, 'figures'))).filter((f) => f.endsWith('.png'));
    expect(figures).toContain('01-flagged-1-4.png');
    expect(figures).toContain('02-confidence-and-distance.png');
  });

  it('--flip-labels is seeded and scores the flags against the flipped records', async () => {
    const flip = (seed: string): Promise<{ code: number; stdout: string }> =>
      run('qc', '--checkpoint', checkpoint, '--data', set, '--flip-labels', '0.1', '--seed', seed, '--backend', 'cpu', '--json', ...loose);
    const [a, again, other] = [await flip('1'), await flip('1'), await flip('2')];
    expect(a.code).toBe(0);
    expect(again.stdout).toBe(a.stdout);
    const first = JSON.parse(a.stdout) as QcJson;
    expect(first.flip!.flipped).toBe(20);
    const found = first.flagged.filter((f) => f.flipped).length;
    expect(first.flip!.found).toBe(found);
    expect(first.flip!.precision).toBeCloseTo(found / first.flagged.length, 12);
    expect(first.flip!.recall).toBeCloseTo(found / 20, 12);
    expect((JSON.parse(other.stdout) as QcJson).flagged.map((f) => f.index)).not.toEqual(first.flagged.map((f) => f.index));
  });

  it('checks the labels of a CSV of source_id,label instead of the set; records it leaves out are not checked', async () => {
    // The set's own labels for its first 100 records, in a file of source_id,label.
    const labels = join(dir, 'first-100.csv');
    const { labels: truth } = syntheticTaskB({ n: 200, seed: 4 });
    const rows = Array.from(truth.subarray(0, 100), (l, i) => `synthetic-B#${i},${TASK_B_CLASSES[l]}`);
    await writeFile(labels, `source_id,label\n${rows.join('\n')}\n`);
    const r = await run('qc', '--checkpoint', checkpoint, '--data', set, '--labels', labels, '--json', ...loose);
    expect(r.code, r.stderr).toBe(0);
    const fromCsv = JSON.parse(r.stdout) as QcJson & { labelled: number };
    expect(fromCsv.labelled).toBe(100);
    expect(fromCsv.flagged.length).toBeGreaterThan(0);
    expect(fromCsv.flagged.every((f) => f.index < 100)).toBe(true);
    // The model alone judges each record apart from the others: the same flags as the set's own labels, among the first 100.
    const alone = async (...more: string[]): Promise<number[]> =>
      (JSON.parse((await run('qc', '--checkpoint', checkpoint, '--data', set, '--json', ...modelAlone, ...more)).stdout) as QcJson).flagged
        .map((f) => f.index)
        .sort((a, b) => a - b);
    expect(await alone('--labels', labels)).toEqual((await alone()).filter((i) => i < 100));
  });
});

describe('seiscluster qc refuses, exit 1, naming the file', () => {
  it('a set without labels and no --labels', async () => {
    const unlabelled = join(dir, 'unlabelled.scds');
    const { inputs } = syntheticTaskB({ n: 10, seed: 1 });
    const writer = await DatasetWriter.create(unlabelled, {
      task: 'B',
      inputShape: [32],
      samplingRate: 100,
      window: { startFromP: -10, length: 32 },
      preprocessing: {},
    });
    await writer.append(Array.from({ length: 10 }, (_, i) => ({ input: inputs.subarray(i * 32, (i + 1) * 32), sourceId: `record-${i}` })));
    await writer.finish();
    const r = await run('qc', '--checkpoint', checkpoint, '--data', unlabelled);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(unlabelled);
    expect(r.stderr).toContain('no labels to check; give --labels');
  });

  it('a checkpoint without a clustering layer', async () => {
    const { clustering: _, progress: __, optimizer: ___, ...pretrained } = decodeCheckpoint(await readFile(checkpoint));
    const path = join(dir, 'pretrained.ckpt');
    await writeFile(path, encodeCheckpoint(pretrained));
    const r = await run('qc', '--checkpoint', path, '--data', set, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toContain('no clustering layer');
  });

  // Each file: what it holds, and what the message must say after its path.
  const badLabels: [string, string, (path: string) => string][] = [
    [
      'rows that name no record of the set',
      'source_id,label\nsynthetic-B#0,up\nstation-XYZ,down\nsynthetic-B#1,down\n',
      (path) => `${path}:3: source_id = "station-XYZ": 1 of 3 rows name no record`,
    ],
    ['no label column', 'source_id,class\nsynthetic-B#0,up\n', (path) => `${path}: columns = "source_id,class": no 'label' column`],
    [
      'one record given two labels',
      'source_id,label\nsynthetic-B#0,up\nsynthetic-B#0,down\n',
      (path) => `${path}:3: label = "down": line 2 gives "synthetic-B#0" the label "up"`,
    ],
  ];
  for (const [what, content, message] of badLabels)
    it(`--labels with ${what}`, async () => {
      const path = join(dir, `${what.replace(/ /g, '-')}.csv`);
      await writeFile(path, content);
      const r = await run('qc', '--checkpoint', checkpoint, '--data', set, '--labels', path);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message(path));
    });
});
