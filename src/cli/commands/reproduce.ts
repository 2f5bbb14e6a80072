import { paperClassText } from '../../pipeline/paper.js';
import { reproduce as pipelineReproduce } from '../../pipeline/reproduce.js';
import type { Spread } from '../../pipeline/spread.js';
import { commonOptions, num, SEED_RANGE, str, type CommandSpec, type ParsedArgs, UsageError } from '../args.js';
import { note, openBackend, output, table } from '../context.js';
import { formatGrouping, formatLeaveOut, formatRows, percentSpread } from '../format.js';
import { renderProgress } from '../progress.js';
import { printable } from '../terminal.js';
import { settingsFrom, SYNTHETIC_RECORDS, trainingOptions } from './training-options.js';

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

export async function reproduce(args: ParsedArgs): Promise<void> {
  const task = str(args, 'task') as 'A' | 'B';
  const column = str(args, 'leave-out');
  const source = str(args, 'data')!;
  if (column !== undefined && source === 'synthetic') throw new UsageError('--leave-out needs a prepared set with grouping columns (--data <set.scds>)');
  const pickError = num(args, 'pick-error');
  if (pickError !== undefined && (task !== 'B' || source !== 'synthetic')) throw new UsageError('--pick-error: only for the synthetic task B set');
  const result = await pipelineReproduce({
    task,
    data:
      source === 'synthetic'
        ? { records: num(args, 'records') ?? (task === 'A' ? 9200 : 10000), seed: num(args, 'data-seed')!, pickErrorSamples: pickError }
        : source,
    seeds: num(args, 'seeds')!,
    leaveOut: column,
    out: str(args, 'out'),
    model: str(args, 'model'),
    settings: settingsFrom(args),
    backend: () => openBackend(args),
    command: args.commandLine,
    onProgress: renderProgress(),
  });
  if (result.file !== undefined) note(`wrote ${result.file}`);
  if (result.mode === 'leave-out') {
    const s = result.summary;
    output(args, s, () => [`${s.data}, task ${s.task}, ${s.seeds.length} seeds`, formatLeaveOut(s)].join('\n'));
    return;
  }
  const s = result.summary;
  const spread = (m: Spread): string => (m === null ? '-' : `${m.mean.toFixed(3)} ± ${m.sd.toFixed(3)}`);
  output(args, s, () =>
    [
      `${printable(s.data)}, task ${s.task}${s.preset !== undefined ? `, preset ${s.preset}` : ''}, ${s.seeds.length} seeds (mean ± sd)`,
      formatRows(s.rows),
      ...(s.bySnr
        ? [
            '',
            'accuracy of deep clustering per SNR bin',
            table(
              ['SNR', 'records', 'ACC'],
              s.bySnr.map((b) => [b.bin, String(b.records), percentSpread(b.acc)]),
            ),
          ]
        : []),
      ...(s.perClass
        ? [
            '',
            'deep clustering per class (clusters mapped to classes by the Hungarian algorithm)',
            table(
              ['class', 'records', 'precision', 'recall', 'F', 'paper P / R / F'],
              s.perClass.map((c) => [c.class, String(c.records), spread(c.precision), spread(c.recall), spread(c.f1), paperClassText(c.class)]),
            ),
          ]
        : []),
      ...(s.grouping ? ['', 'deep clustering per group (mean ± sd over seeds)', formatGrouping(s.grouping)] : []),
    ].join('\n'),
  );
}
