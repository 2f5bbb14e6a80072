import { writeFileAtomic } from '../../node/atomic.js';
import { join } from 'node:path';
import { groupingWarnings } from '../../cluster/grouping.js';
import type { Metric, ResultRow } from '../../report/html.js';
import { commonOptions, num, SEED_RANGE, str, type CommandSpec, type ParsedArgs, UsageError } from '../args.js';
import { note, openBackend, output, table } from '../context.js';
import { aggregateGrouping, formatGrouping } from '../grouping-report.js';
import { formatLeaveOut, leaveOneGroupOut } from '../leave-out.js';
import { formatRows, paperClassText, runPipeline, type PipelineData, type PipelineResult } from '../pipeline.js';
import { preparedData, syntheticData } from '../sources.js';
import { percentSpread, summarise, type Spread } from '../spread.js';
import { printable } from '../terminal.js';
import { modelFor, settingsFrom, SYNTHETIC_RECORDS, trainingOptions } from './training-options.js';

export const reproduceSpec: CommandSpec = {
  name: 'reproduce',
  summary:
    "the paper's comparison (k-means on raw series, on spectrograms, on pre-trained codes, deep clustering) plus a trivial-cue baseline, as mean and spread over several seeds",
  usage: 'seiscluster reproduce --task A|B [--data synthetic | <set.scds>] [--seeds 5] [--leave-out <column>] [options]',
  options: [
    { name: 'task', type: 'string', choices: ['A', 'B'], required: true, help: 'A: local vs teleseismic; B: first-motion polarity' },
    { name: 'data', type: 'string', default: 'synthetic', help: "'synthetic' (the embedded set) or a prepared data set with labels" },
    { name: 'records', type: 'int', ...SYNTHETIC_RECORDS, help: 'synthetic records (default 9,200 for A, 10,000 for B)' },
    { name: 'data-seed', type: 'int', default: 0, ...SEED_RANGE, help: 'seed of the synthetic set (fixed across the training seeds)' },
    {
      name: 'pick-error',
      type: 'number',
      min: 0,
      max: 16,
      help: 'synthetic task B: the pick error of the windows in samples, s.d. (default 1.5; README: what it changes)',
    },
    { name: 'seeds', type: 'int', default: 5, min: 1, max: 100, help: 'training seeds: seed, seed + 1, ...' },
    {
      name: 'leave-out',
      type: 'string',
      help: 'leave-one-group-out by this grouping column of a prepared set (e.g. dataset, event_id, network): each group held out in turn, trained on the others',
    },
    { name: 'out', type: 'path', role: 'output-folder', help: "folder for reproduce.json (every seed's rows and the summary)" },
    ...trainingOptions.filter((o) => !o.name.startsWith('tsne')),
    ...commonOptions,
  ],
  examples: [
    'seiscluster reproduce --task A',
    'seiscluster reproduce --task A --data distance.scds --seeds 5 --out runs/reproduce-distance',
    'seiscluster reproduce --task B --data polarity.scds --epochs 50',
    'seiscluster reproduce --task B --pick-error 0.5',
    'seiscluster reproduce --task A --data distance.scds --leave-out dataset --seeds 3',
  ],
};

async function loadData(args: ParsedArgs, task: 'A' | 'B'): Promise<PipelineData> {
  const source = str(args, 'data')!;
  const pickError = num(args, 'pick-error');
  if (pickError !== undefined && (task !== 'B' || source !== 'synthetic')) throw new UsageError('--pick-error: only for the synthetic task B set');
  if (source === 'synthetic') return syntheticData(task, num(args, 'records') ?? (task === 'A' ? 9200 : 10000), num(args, 'data-seed')!, pickError);
  const data = await preparedData(source);
  if (data.task !== task) throw new UsageError(`${source} is a task ${data.task} set, not task ${task}`);
  if (!data.labels) throw new UsageError(`${source} has no labels to score against`);
  return data;
}

/** Mean and sample standard deviation of each stage's scores over the runs. */
export function aggregateRows(runs: readonly (readonly ResultRow[])[]): ResultRow[] {
  const first = runs[0] ?? [];
  return first.map((row, i) => {
    const pick = (m: 'acc' | 'nmi' | 'ari'): Metric => summarise(runs.map((r) => r[i]?.[m]));
    return { stage: row.stage, acc: pick('acc'), nmi: pick('nmi'), ari: pick('ari'), paperAcc: row.paperAcc ?? null };
  });
}

export async function reproduce(args: ParsedArgs): Promise<void> {
  const task = str(args, 'task') as 'A' | 'B';
  const seeds = num(args, 'seeds')!;
  const column = str(args, 'leave-out');
  if (column !== undefined && str(args, 'data') === 'synthetic')
    throw new UsageError('--leave-out needs a prepared set with grouping columns (--data <set.scds>)');
  const data = await loadData(args, task);
  const description = await modelFor(args, task);
  const { backend, description: where } = await openBackend(args);
  const base = num(args, 'seed')!;
  const seedList = Array.from({ length: seeds }, (_, i) => base + i);
  if (column !== undefined) {
    const result = await leaveOneGroupOut(data, column, (seed) => ({ ...settingsFrom(args, description, backend, null, args.commandLine), seed }), seedList);
    const summary = { task, data: data.name, backend: where, seeds: seedList, leaveOut: column, ...result };
    await writeSummary(str(args, 'out'), summary);
    output(args, summary, () => [`${data.name}, task ${task}, ${seeds} seeds`, formatLeaveOut(result)].join('\n'));
    return;
  }
  const runs: PipelineResult[] = [];
  for (let i = 0; i < seeds; i++) {
    note(`seed ${base + i} (${i + 1} of ${seeds})`);
    const settings = { ...settingsFrom(args, description, backend, null, args.commandLine), seed: base + i };
    const result = await runPipeline(data, settings);
    note(formatRows(result.rows));
    for (const w of groupingWarnings(result.grouping ?? [])) note(`warning: seed ${base + i}: ${w}`);
    runs.push(result);
  }
  const rows = aggregateRows(runs.map((r) => r.rows));
  const bins = runs[0]?.evaluation?.bySnr?.map((b, j) => ({
    bin: b.bin,
    records: b.count,
    acc: summarise(runs.map((r) => r.evaluation?.bySnr?.[j]?.acc)),
  }));
  const perClass = runs[0]?.evaluation?.perClass.map((c, j) => ({
    class: data.classNames?.[c.label] ?? String(c.label),
    records: c.support,
    precision: summarise(runs.map((r) => r.evaluation?.perClass[j]?.precision)),
    recall: summarise(runs.map((r) => r.evaluation?.perClass[j]?.recall)),
    f1: summarise(runs.map((r) => r.evaluation?.perClass[j]?.f1)),
  }));
  const grouping = data.groups === undefined ? undefined : aggregateGrouping(runs.map((r) => r.grouping ?? []));
  const warnings = runs.flatMap((r, i) => groupingWarnings(r.grouping ?? []).map((w) => `seed ${base + i}: ${w}`));
  const preset = data.preprocessing.preset;
  const summary = {
    task,
    data: data.name,
    ...(typeof preset === 'string' && { preset }),
    backend: where,
    seeds: seedList,
    rows,
    bySnr: bins,
    perClass,
    ...(grouping && { grouping }),
    warnings,
    runs: runs.map((r) => r.rows),
  };
  const spread = (m: Spread): string => (m === null ? '-' : `${m.mean.toFixed(3)} ± ${m.sd.toFixed(3)}`);
  await writeSummary(str(args, 'out'), summary);
  output(args, summary, () =>
    [
      `${printable(data.name)}, task ${task}${typeof preset === 'string' ? `, preset ${preset}` : ''}, ${seeds} seeds (mean ± sd)`,
      formatRows(rows),
      ...(bins
        ? [
            '',
            'accuracy of deep clustering per SNR bin',
            table(
              ['SNR', 'records', 'ACC'],
              bins.map((b) => [b.bin, String(b.records), percentSpread(b.acc)]),
            ),
          ]
        : []),
      ...(perClass
        ? [
            '',
            'deep clustering per class (clusters mapped to classes by the Hungarian algorithm)',
            table(
              ['class', 'records', 'precision', 'recall', 'F', 'paper P / R / F'],
              perClass.map((c) => [c.class, String(c.records), spread(c.precision), spread(c.recall), spread(c.f1), paperClassText(c.class)]),
            ),
          ]
        : []),
      ...(grouping ? ['', 'deep clustering per group (mean ± sd over seeds)', formatGrouping(grouping)] : []),
    ].join('\n'),
  );
}

/** Writes `out`/reproduce.json when a folder was given. */
async function writeSummary(out: string | undefined, summary: object): Promise<void> {
  if (out === undefined) return;
  await writeFileAtomic(join(out, 'reproduce.json'), `${JSON.stringify(summary, null, 2)}\n`);
  note(`wrote ${join(out, 'reproduce.json')}`);
}
