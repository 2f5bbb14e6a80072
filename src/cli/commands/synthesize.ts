import type { StressArchiveSummary } from '../../data/stress-archive.js';
import { STRESS_DEFAULT_RECORDS, type StressTask } from '../../data/stress.js';
import { synthesize as pipelineSynthesize } from '../../pipeline/synthesize.js';
import { commonOptions, flag, num, str, UsageError, type CommandSpec, type ParsedArgs } from '../args.js';
import { output, table } from '../context.js';
import { renderProgress } from '../progress.js';

export const synthesizeSpec: CommandSpec = {
  name: 'synthesize',
  summary: 'write a synthetic stress set as an archive (SAC files + manifest.csv): many events, networks, instruments and rates',
  usage: 'seiscluster synthesize --task A|B --stress --out <folder> [--records N] [--seed S]',
  options: [
    { name: 'task', type: 'string', choices: ['A', 'B'], required: true, help: 'A: local vs teleseismic records; B: first-motion polarity records' },
    {
      name: 'stress',
      type: 'boolean',
      help: 'the stress set (events with their own depth, magnitude and mechanism; stations with their own instrument, rate, gain and noise); required, it is the set this command writes',
    },
    { name: 'out', type: 'path', required: true, help: 'folder to write (one folder per event, manifest.csv last); must be absent or empty' },
    { name: 'records', type: 'int', help: `number of records (default ${STRESS_DEFAULT_RECORDS.A} for A, ${STRESS_DEFAULT_RECORDS.B} for B)` },
    { name: 'up-per-down', type: 'number', default: 3, help: 'task B: up records per down record (real polarity sets are unbalanced)' },
    { name: 'local-fraction', type: 'number', default: 0.5, help: 'task A: fraction of local records' },
    { name: 'force', type: 'boolean', help: 'replace a folder that is not empty' },
    ...commonOptions.filter((o) => o.name === 'seed' || o.name === 'json'),
  ],
  examples: [
    'seiscluster synthesize --task A --stress --out stress-a',
    'seiscluster prepare --task A --out stress-a.scds stress-a/manifest.csv',
    'seiscluster synthesize --task B --stress --records 400 --up-per-down 2 --seed 3 --out stress-b --json',
  ],
};

export async function synthesize(args: ParsedArgs): Promise<void> {
  if (!flag(args, 'stress')) {
    throw new UsageError('only the stress set is written as files (--stress); the paper-calibrated set is `prepare --synthetic N`');
  }
  const task = str(args, 'task') as StressTask;
  const records = num(args, 'records') ?? STRESS_DEFAULT_RECORDS[task];
  if (records < 2) throw new UsageError(`--records must be at least 2, got ${records}`);
  const upPerDown = num(args, 'up-per-down')!;
  if (!(upPerDown > 0)) throw new UsageError(`--up-per-down must be positive, got ${upPerDown}`);
  const localFraction = num(args, 'local-fraction')!;
  if (!(localFraction > 0 && localFraction < 1)) throw new UsageError(`--local-fraction must be between 0 and 1, got ${localFraction}`);
  const summary = await pipelineSynthesize({
    task,
    records,
    seed: num(args, 'seed')!,
    upPerDown,
    localFraction,
    out: str(args, 'out')!,
    force: flag(args, 'force'),
    onProgress: renderProgress(),
  });
  output(args, summary, () => formatSummary(summary));
}

function formatSummary(s: StressArchiveSummary): string {
  const counts = (t: Record<string, number>): string =>
    Object.entries(t)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return [
    `wrote ${s.records} records (task ${s.task}, seed ${s.seed}) to ${s.out} in ${s.seconds.toFixed(1)} s; manifest ${s.manifest}`,
    table(
      ['what', 'counts'],
      [
        ['labels', counts(s.labels)],
        ['events', `${s.events}: ${counts(s.eventKinds)}`],
        ['networks', `${Object.keys(s.networks).length} (${s.stations} stations): ${counts(s.networks)}`],
        ['sampling rates (Hz)', counts(s.samplingRates)],
        ['instruments', counts(s.instruments)],
        ['P picks', `${s.picks.analyst} analyst, ${s.picks.estimateOnly} estimate only`],
      ],
    ),
  ].join('\n');
}
