import { join } from 'node:path';
import { networkA, networkB } from '../../model/networks.js';
import { commonOptions, flag, num, str, withDefaults, type CommandSpec, type ParsedArgs } from '../args.js';
import { note, openBackend, output } from '../context.js';
import { formatRows, runPipeline, type PipelineResult } from '../pipeline.js';
import { buildRunFolder } from '../run-folder.js';
import { syntheticData } from '../sources.js';
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
    ? withDefaults(given, { 'records-a': 1000, 'records-b': 1000, epochs: 8, 'max-iter': 300, 'n-init': 5, 'tsne-points': 300, 'tsne-iterations': 300 })
    : given;
  const seed = num(args, 'seed')!;

  const { backend, description: where } = await openBackend(args);
  const out = str(args, 'out')!;
  // Both tasks' runs go into one folder, put in place when both are done.
  const results = await buildRunFolder(out, async (staging, finalPath) => {
    const done: { task: string; result: PipelineResult }[] = [];
    for (const task of ['A', 'B'] as const) {
      const n = num(args, task === 'A' ? 'records-a' : 'records-b')!;
      note(`task ${task}: making ${n} synthetic records (seed ${seed}; the paper's preparation, preset paper, which they are calibrated to)`);
      const data = syntheticData(task, n, seed);
      const settings = settingsFrom(args, task === 'A' ? networkA() : networkB(), backend, join(staging, `task-${task.toLowerCase()}`), args.commandLine);
      const result = await runPipeline(data, settings);
      done.push({ task, result: { ...result, files: result.files.map(finalPath) } });
    }
    return done;
  });
  for (const { task, result } of results) note(`task ${task}: report ${printable(result.files.at(-1) ?? '')}`);
  output(
    args,
    { backend: where, tasks: results.map(({ task, result }) => ({ task, rows: result.rows, evaluation: result.evaluation, files: result.files })) },
    () =>
      results
        .map(({ task, result }) => `task ${task} (${task === 'A' ? 'local vs teleseismic' : 'polarity'}; synthetic, preset paper)\n${formatRows(result.rows)}`)
        .join('\n\n'),
  );
}
