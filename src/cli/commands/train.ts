import { DEFAULT_K_RANGE } from '../../pipeline/k-choice.js';
import { describeRestarts } from '../../pipeline/report.js';
import { train as pipelineTrain } from '../../pipeline/train.js';
import { commonOptions, str, type CommandSpec, type OptionSpec, type ParsedArgs } from '../args.js';
import { note, openBackend, output } from '../context.js';
import { formatEvaluation, formatGrouping, formatRows } from '../format.js';
import { renderProgress } from '../progress.js';
import { printable } from '../terminal.js';
import { settingsFrom, trainingOptions } from './training-options.js';

/** train's --k: a number of clusters, or auto (select-k's rule over its default range). */
const kOrAuto = (o: OptionSpec): OptionSpec =>
  o.name !== 'k'
    ? o
    : {
        ...o,
        words: ['auto'],
        help: `clusters (at most the number of records); auto: pre-train, choose k in ${DEFAULT_K_RANGE.from}..${DEFAULT_K_RANGE.to} by select-k's rule (seiscluster select-k --help), then train with it`,
      };

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
    ...trainingOptions.map(kOrAuto),
    ...commonOptions,
  ],
  examples: [
    'seiscluster train --data distance.scds --out runs/distance',
    'seiscluster train --data polarity.scds --out runs/polarity --epochs 100 --loss paper --backend cpu --seed 3',
    'seiscluster train --data mine.scds --out runs/mine --model my-network.json --k 3',
    'seiscluster train --data mine.scds --out runs/mine --k auto',
    "seiscluster train --data distance.scds --out runs/quick --model network-a   # the paper's narrower network A, about a fifth of the CPU time",
  ],
};

export async function train(args: ParsedArgs): Promise<void> {
  const result = await pipelineTrain({
    data: str(args, 'data')!,
    out: str(args, 'out')!,
    model: str(args, 'model'),
    settings: settingsFrom(args),
    ...(str(args, 'k') === 'auto' && { chooseK: DEFAULT_K_RANGE }),
    backend: () => openBackend(args),
    command: args.commandLine,
    onProgress: renderProgress(),
  });
  note(`wrote ${result.files.map(printable).join(', ')}`);
  if (result.restarts) note(`whole-run restarts: ${describeRestarts(result.restarts)}`);
  for (const w of result.warnings) note(`warning: ${w}`);
  const json = {
    backend: result.backend,
    rows: result.rows,
    evaluation: result.evaluation,
    ...(result.grouping && { grouping: result.grouping }),
    warnings: result.warnings,
    files: result.files,
    ...(result.restarts && {
      restarts: {
        rule: result.restarts.rule,
        seeds: result.restarts.seeds,
        scores: result.restarts.scores,
        kept: result.restarts.seeds[result.restarts.chosen],
        passedOver: result.restarts.passedOver.map((i) => result.restarts!.seeds[i]),
      },
    }),
    ...(result.kChoice && {
      kChoice: { recommended: result.kChoice.k, rule: result.kChoice.rule, reason: result.kChoice.reason, scores: result.kChoice.scores },
    }),
  };
  output(args, json, () =>
    [
      formatRows(result.rows),
      ...(result.evaluation ? ['', formatEvaluation(result.evaluation, result.classNames)] : []),
      ...(result.grouping ? ['', formatGrouping(result.grouping)] : []),
    ].join('\n'),
  );
}
