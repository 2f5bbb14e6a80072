import type { ContinuousSummary } from '../../data/continuous.js';
import type { StressArchiveSummary } from '../../data/stress-archive.js';
import { STRESS_DEFAULT_RECORDS, type StressTask } from '../../data/stress.js';
import { synthesize as pipelineSynthesize, synthesizeContinuous } from '../../pipeline/synthesize.js';
import { commonOptions, flag, num, str, UsageError, type CommandSpec, type ParsedArgs } from '../args.js';
import { output, table } from '../context.js';
import { renderProgress } from '../progress.js';

export const synthesizeSpec: CommandSpec = {
  name: 'synthesize',
  summary:
    'write a synthetic stress set as an archive (SAC files + manifest.csv): many events, networks, instruments and rates; or a continuous day per station (miniSEED + events.csv)',
  usage:
    'seiscluster synthesize --task A|B --stress --out <folder> [--records N] [--seed S]\n       seiscluster synthesize --task A --continuous --out <folder> [--hours H] [--stations N] [--seed S]',
  options: [
    { name: 'task', type: 'string', choices: ['A', 'B'], required: true, help: 'A: local vs teleseismic records; B: first-motion polarity records' },
    {
      name: 'stress',
      type: 'boolean',
      help: 'the stress set (events with their own depth, magnitude and mechanism; stations with their own instrument, rate, gain and noise); this or --continuous',
    },
    {
      name: 'continuous',
      type: 'boolean',
      help: 'task A: one continuous 100 Hz trace per station, local and teleseismic events at known times on noise, as Steim-1 miniSEED, and events.csv with their times and classes (for `seiscluster stream`)',
    },
    {
      name: 'out',
      type: 'path',
      required: true,
      help: 'folder to write (--stress: a folder per event, manifest.csv last; --continuous: a miniSEED file per station, events.csv); must be absent or empty',
    },
    { name: 'records', type: 'int', help: `number of records (default ${STRESS_DEFAULT_RECORDS.A} for A, ${STRESS_DEFAULT_RECORDS.B} for B)` },
    { name: 'up-per-down', type: 'number', default: 3, help: 'task B: up records per down record (real polarity sets are unbalanced)' },
    { name: 'local-fraction', type: 'number', default: 0.5, help: 'task A: fraction of local records (or events)' },
    { name: 'hours', type: 'number', default: 24, min: 0, aboveMin: true, max: 744, help: '--continuous: length of each trace' },
    { name: 'stations', type: 'int', default: 2, min: 1, max: 99, help: '--continuous: stations, each with its own noise and events' },
    { name: 'mean-gap', type: 'number', default: 300, min: 60, max: 86_400, help: '--continuous: mean seconds between two events of a station' },
    { name: 'force', type: 'boolean', help: 'replace a folder that is not empty' },
    ...commonOptions.filter((o) => o.name === 'seed' || o.name === 'json'),
  ],
  examples: [
    'seiscluster synthesize --task A --stress --out stress-a',
    'seiscluster prepare --task A --out stress-a.scds stress-a/manifest.csv',
    'seiscluster synthesize --task B --stress --records 400 --up-per-down 2 --seed 3 --out stress-b --json',
    'seiscluster synthesize --task A --continuous --hours 24 --stations 2 --seed 3 --out day',
  ],
};

export async function synthesize(args: ParsedArgs): Promise<void> {
  if (flag(args, 'continuous')) return continuous(args);
  if (!flag(args, 'stress')) {
    throw new UsageError('write the stress set (--stress) or a continuous day (--continuous); the paper-calibrated set is `prepare --synthetic N`');
  }
  for (const name of ['hours', 'stations', 'mean-gap']) if (args.given.has(name)) throw new UsageError(`--${name} goes with --continuous`);
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

async function continuous(args: ParsedArgs): Promise<void> {
  if (flag(args, 'stress')) throw new UsageError('--stress and --continuous write different sets: give one');
  if (str(args, 'task') !== 'A') throw new UsageError('the continuous day holds task A events (local, teleseismic): use --task A');
  for (const name of ['records', 'up-per-down']) if (args.given.has(name)) throw new UsageError(`--${name} goes with --stress`);
  const localFraction = num(args, 'local-fraction')!;
  if (!(localFraction >= 0 && localFraction <= 1)) throw new UsageError(`--local-fraction must be from 0 to 1, got ${localFraction}`);
  const summary = await synthesizeContinuous({
    seed: num(args, 'seed')!,
    hours: num(args, 'hours')!,
    stations: num(args, 'stations')!,
    meanGapSeconds: num(args, 'mean-gap')!,
    localFraction,
    out: str(args, 'out')!,
    force: flag(args, 'force'),
    onProgress: renderProgress(),
  });
  output(args, summary, () => formatContinuous(summary));
}

function formatContinuous(s: ContinuousSummary): string {
  const events = Object.entries(s.labels)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `wrote ${s.stations} stations x ${s.hours} hours (seed ${s.seed}) to ${s.out} in ${s.seconds.toFixed(1)} s`,
    `events: ${events || 'none'} (truth in ${s.events})`,
    ...s.files.map((f) => `  ${f}`),
  ].join('\n');
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
