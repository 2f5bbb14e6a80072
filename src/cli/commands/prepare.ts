import type { PrepareSummary } from '../../data/prepare.js';
import { prepare as pipelinePrepare } from '../../pipeline/prepare.js';
import { commonOptions, num, SEED_RANGE, str, type CommandSpec, type ParsedArgs, UsageError } from '../args.js';
import { note, output, table } from '../context.js';
import { renderProgress } from '../progress.js';
import { printable } from '../terminal.js';
import { preparationFrom, preparationOptions } from './preparation-options.js';
import { SYNTHETIC_RECORDS } from './training-options.js';

export const prepareSpec: CommandSpec = {
  name: 'prepare',
  summary: 'seismograms (SAC, miniSEED, npy/npz, HDF5, a manifest CSV) to a prepared data set of task A spectrograms or task B P windows',
  usage: 'seiscluster prepare --task A|B --out <set.scds> (<manifest.csv> | <files or folders>... | --synthetic N)',
  positionals: ['inputs...'],
  options: [
    {
      name: 'task',
      type: 'string',
      choices: ['A', 'B'],
      required: true,
      help: 'A: 16 x 48 spectrograms around P (local vs teleseismic); B: 32-sample P windows (first-motion polarity)',
    },
    { name: 'out', type: 'path', role: 'output-file', required: true, help: 'the prepared data set to write' },
    {
      name: 'sampling-rate',
      type: 'number',
      min: 0,
      aboveMin: true,
      max: 1_000_000,
      help: 'sampling rate (Hz) of files that carry none (npy, npz, some HDF5)',
    },
    {
      name: 'picks',
      type: 'string',
      choices: ['given', 'estimate'],
      help: "default: the analyst's pick, else the manifest's estimate, else STA/LTA; 'given': never run the picker; 'estimate': STA/LTA on every record",
    },
    {
      name: 'on-error',
      type: 'string',
      choices: ['skip', 'fail'],
      default: 'skip',
      help: 'a record that cannot be prepared is skipped and listed, or stops the run',
    },
    {
      name: 'group-by',
      type: 'string',
      help: 'manifest columns to keep as groupings, comma-separated, besides dataset, event_id, network and station (kept whenever the manifest has them)',
    },
    ...preparationOptions,
    { name: 'synthetic', type: 'int', min: 2, max: SYNTHETIC_RECORDS.max, help: 'write N records of the embedded synthetic set instead of reading files' },
    {
      name: 'classes',
      type: 'int',
      default: 2,
      min: 2,
      max: 3,
      help: "with --synthetic --task A: 2 (local, teleseismic; the paper's set) or 3 (local, regional, teleseismic in equal shares)",
    },
    { name: 'seed', type: 'int', default: 0, ...SEED_RANGE, help: 'seed of the synthetic set' },
    ...commonOptions.filter((o) => o.name === 'json'),
  ],
  examples: [
    'seiscluster prepare --task A --out distance.scds ../shared/data/real/distance/manifest.csv',
    'seiscluster prepare --task B --out polarity.scds ../shared/data/real/polarity/manifest.csv',
    'seiscluster prepare --task A --out distance.scds --group-by channel,distance_source ../shared/data/real/distance/manifest.csv',
    'seiscluster prepare --task A --out mine.scds --sampling-rate 100 waveforms/',
    'seiscluster prepare --task A --out distance-paper.scds --preset paper ../shared/data/real/distance/manifest.csv',
    'seiscluster prepare --task A --out wide.scds --bandpass 0.5-20 --spectrogram-scale db --db-floor 50 --window-length 30 --stft-hop 63 manifest.csv',
    'seiscluster prepare --task A --out synthetic-a.scds --synthetic 9200 --seed 1',
    'seiscluster prepare --task A --out three.scds --synthetic 2000 --classes 3',
  ],
};

export async function prepare(args: ParsedArgs): Promise<void> {
  const task = str(args, 'task') as 'A' | 'B';
  const out = str(args, 'out')!;
  const synthetic = num(args, 'synthetic');
  let summary: PrepareSummary;
  if (synthetic !== undefined) {
    if (args.positionals.length > 0) throw new UsageError('--synthetic takes no input files');
    // The generators are calibrated to the paper's preparation (src/data/synthetic.ts).
    const changed = preparationOptions.filter((o) => args.given.has(o.name) && !(o.name === 'preset' && str(args, 'preset') === 'paper'));
    if (changed.length > 0) {
      throw new UsageError(
        `the synthetic sets are made with the paper's preparation only (--preset paper); drop ${changed.map((o) => `--${o.name}`).join(' ')}`,
      );
    }
    const classes = num(args, 'classes') as 2 | 3;
    if (classes === 3 && task !== 'A') throw new UsageError('--classes 3: the three-class set (local, regional, teleseismic) is a task A set');
    summary = await pipelinePrepare({ synthetic: { task, n: synthetic, seed: num(args, 'seed')!, ...(classes === 3 && { classes }), out } });
  } else {
    if (args.positionals.length === 0) throw new UsageError('name a manifest CSV or seismogram files / folders (or --synthetic N)');
    if (args.given.has('classes')) throw new UsageError('--classes is for the synthetic sets (--synthetic N)');
    const rate = num(args, 'sampling-rate');
    const picks = str(args, 'picks') as 'given' | 'estimate' | undefined;
    const groupBy = str(args, 'group-by')
      ?.split(',')
      .map((c) => c.trim());
    if (groupBy?.some((c) => c === '')) throw new UsageError(`--group-by expects column names separated by commas, got '${str(args, 'group-by')}'`);
    summary = await pipelinePrepare({
      files: {
        task,
        inputs: [...args.positionals],
        out,
        ...(rate !== undefined && { samplingRate: rate }),
        ...(picks !== undefined && { picks }),
        ...(groupBy !== undefined && { groupBy }),
        ...preparationFrom(args),
        onError: str(args, 'on-error') as 'skip' | 'fail',
      },
      onProgress: renderProgress(),
    });
  }
  if (summary.skipped.length > 0) note(`skipped ${summary.skipped.length} records (see the summary)`);
  output(args, summary, () => formatSummary(summary));
}

function formatSummary(s: PrepareSummary): string {
  const reasons = new Map<string, number>();
  for (const k of s.skipped) reasons.set(k.reason, (reasons.get(k.reason) ?? 0) + 1);
  const lines = [
    `wrote ${s.rows} records to ${printable(s.out)} in ${s.seconds.toFixed(1)} s`,
    `labels: ${
      Object.entries(s.labelCounts)
        .map(([l, c]) => `${printable(l)} ${c}`)
        .join(', ') || 'none'
    }`,
    `P picks: ${s.pickSources.pick} given, ${s.pickSources.estimated} manifest estimates, ${s.pickSources.staLta} STA/LTA`,
  ];
  if (s.gaps.length > 0) lines.push(`gaps: ${s.gaps.length} (largest ${Math.max(...s.gaps.map((g) => g.seconds)).toFixed(2)} s)`);
  if (s.skipped.length > 0) {
    lines.push(
      '',
      table(
        ['skipped because', 'records'],
        [...reasons].map(([r, c]) => [r, String(c)]),
      ),
    );
    for (const k of s.skipped.slice(0, 10)) lines.push(`  ${printable(k.id)}: ${printable(k.detail)}`);
    if (s.skipped.length > 10) lines.push(`  ... and ${s.skipped.length - 10} more (--json lists them all)`);
  }
  return lines.join('\n');
}
