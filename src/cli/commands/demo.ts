import { demo as pipelineDemo } from '../../pipeline/demo.js';
import { QUICK_DEMO } from '../../pipeline/settings.js';
import { commonOptions, flag, num, str, withDefaults, type CommandSpec, type ParsedArgs } from '../args.js';
import { note, openBackend, output } from '../context.js';
import { formatRows } from '../format.js';
import { renderProgress } from '../progress.js';
import { printable } from '../terminal.js';
import { settingsFrom, SYNTHETIC_RECORDS, trainingOptions } from './training-options.js';

export const demoSpec: CommandSpec = {
  name: 'demo',
  summary: 'the main job: make the synthetic sets, run both experiments end to end, write the reports, print the results table',
  usage: 'seiscluster demo [--quick] [--out <folder>] [options]',
  options: [
    { name: 'quick', type: 'boolean', help: 'a sub-minute smoke run: 1,000 records per task, 8 epochs, 300 fine-tuning iterations, small t-SNE maps' },
    { name: 'out', type: 'path', role: 'run-folder', default: 'seiscluster-demo', help: 'folder for the two runs (task-a/, task-b/: checkpoint, log, report)' },
    { name: 'records-a', type: 'int', default: 9200, ...SYNTHETIC_RECORDS, help: 'synthetic task A records (4,700 local / 4,500 teleseismic in proportion)' },
    { name: 'records-b', type: 'int', default: 10000, ...SYNTHETIC_RECORDS, help: 'synthetic task B records' },
    ...trainingOptions.filter((o) => o.name !== 'model'),
    ...commonOptions,
  ],
  examples: ['npx seiscluster demo', 'npx seiscluster demo --quick', 'npx seiscluster demo --out runs/demo --seed 2 --backend cpu'],
};

export async function demo(given: ParsedArgs): Promise<void> {
  // --quick changes the defaults only; options given explicitly still win.
  const args = flag(given, 'quick')
    ? withDefaults(given, {
        'records-a': QUICK_DEMO.records,
        'records-b': QUICK_DEMO.records,
        epochs: QUICK_DEMO.epochs,
        'max-iter': QUICK_DEMO.maxIter,
        'n-init': QUICK_DEMO.nInit,
        'tsne-points': QUICK_DEMO.tsnePoints,
        'tsne-iterations': QUICK_DEMO.tsneIterations,
      })
    : given;
  const result = await pipelineDemo({
    out: str(args, 'out')!,
    records: { A: num(args, 'records-a')!, B: num(args, 'records-b')! },
    settings: settingsFrom(args),
    backend: await openBackend(args),
    command: args.commandLine,
    onProgress: renderProgress(),
  });
  for (const { task, result: run } of result.tasks) note(`task ${task}: report ${printable(run.files.at(-1) ?? '')}`);
  output(
    args,
    { backend: result.backend, tasks: result.tasks.map(({ task, result: run }) => ({ task, rows: run.rows, evaluation: run.evaluation, files: run.files })) },
    () =>
      result.tasks
        .map(
          ({ task, result: run }) => `task ${task} (${task === 'A' ? 'local vs teleseismic' : 'polarity'}; synthetic, preset paper)\n${formatRows(run.rows)}`,
        )
        .join('\n\n'),
  );
}
