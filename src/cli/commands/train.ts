import { groupingWarnings } from '../../cluster/grouping.js';
import { DataError } from '../../common/errors.js';
import { commonOptions, str, type CommandSpec, type ParsedArgs } from '../args.js';
import { note, openBackend, output } from '../context.js';
import { formatEvaluation } from './evaluate.js';
import { formatGrouping } from '../grouping-report.js';
import { formatRows, runPipeline } from '../pipeline.js';
import { buildRunFolder } from '../run-folder.js';
import { preparedData } from '../sources.js';
import { printable } from '../terminal.js';
import { modelFor, settingsFrom, trainingOptions } from './training-options.js';

export const trainSpec: CommandSpec = {
  name: 'train',
  summary: 'pre-train the autoencoder, k-means on its codes, fine-tune (DEC/IDEC); writes a checkpoint, a CSV log per update, predictions and the report',
  usage: 'seiscluster train --data <set.scds> --out <folder> [options]',
  options: [
    {
      name: 'data',
      type: 'path',
      role: 'input-file',
      required: true,
      help: 'a prepared data set (`seiscluster prepare`); its labels, if any, are used for evaluation only',
    },
    { name: 'out', type: 'path', role: 'run-folder', required: true, help: 'folder for model.ckpt, fine-tuning.csv and report/' },
    ...trainingOptions,
    ...commonOptions,
  ],
  examples: [
    'seiscluster train --data distance.scds --out runs/distance',
    'seiscluster train --data polarity.scds --out runs/polarity --epochs 100 --loss paper --backend cpu --seed 3',
    'seiscluster train --data mine.scds --out runs/mine --model my-network.json --k 3',
  ],
};

export async function train(args: ParsedArgs): Promise<void> {
  const path = str(args, 'data')!;
  const out = str(args, 'out')!;
  const data = await preparedData(path);
  const description = await modelFor(args, data.task);
  const want = description.input.reduce((a, b) => a * b, 1);
  const have = data.inputShape.reduce((a, b) => a * b, 1);
  if (want !== have) throw new DataError(path, 'inputShape', data.inputShape.join('x'), `the model takes ${description.input.join('x')} per record`);
  const { backend, description: where } = await openBackend(args);
  const result = await buildRunFolder(out, async (staging, finalPath) => {
    const run = await runPipeline(data, settingsFrom(args, description, backend, staging, args.commandLine));
    return { ...run, files: run.files.map(finalPath) };
  });
  note(`wrote ${result.files.map(printable).join(', ')}`);
  const warnings = groupingWarnings(result.grouping ?? []);
  for (const w of warnings) note(`warning: ${w}`);
  const json = {
    backend: where,
    rows: result.rows,
    evaluation: result.evaluation,
    ...(result.grouping && { grouping: result.grouping }),
    warnings,
    files: result.files,
  };
  output(args, json, () =>
    [
      formatRows(result.rows),
      ...(result.evaluation ? ['', formatEvaluation(result.evaluation, data.classNames ?? [])] : []),
      ...(result.grouping ? ['', formatGrouping(result.grouping)] : []),
    ].join('\n'),
  );
}
