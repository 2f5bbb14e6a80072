import { evaluatePredictions } from '../../pipeline/evaluate.js';
import { commonOptions, str, type CommandSpec, type ParsedArgs } from '../args.js';
import { note, output } from '../context.js';
import { formatEvaluation, formatGrouping } from '../format.js';

export const evaluateSpec: CommandSpec = {
  name: 'evaluate',
  summary:
    'score predicted clusters against known labels: ACC, NMI, ARI, per-class precision / recall / F, confusion matrix, accuracy per SNR bin, and per group (data set, event, network, station) where the labels file has them',
  usage: 'seiscluster evaluate --predictions <predictions.csv> --labels <prepared set | manifest.csv> [--json]',
  options: [
    {
      name: 'predictions',
      type: 'path',
      role: 'input-file',
      required: true,
      help: 'the CSV written by `seiscluster predict` (columns source_id, cluster, ...)',
    },
    {
      name: 'labels',
      type: 'path',
      role: 'input-file',
      required: true,
      help: 'a prepared data set with labels, or a manifest CSV (path / trace_key and label columns)',
    },
    ...commonOptions.filter((o) => o.name === 'json'),
  ],
  examples: [
    'seiscluster evaluate --predictions out/predictions.csv --labels data/distance.scds',
    'seiscluster evaluate --predictions out/predictions.csv --labels ../shared/data/real/polarity/manifest.csv --json',
  ],
};

export async function evaluate(args: ParsedArgs): Promise<void> {
  const result = await evaluatePredictions({ predictions: str(args, 'predictions')!, labels: str(args, 'labels')! });
  for (const w of result.warnings) note(`warning: ${w}`);
  const { evaluation, classNames, unmatched, grouping, warnings } = result;
  output(args, { ...evaluation, classNames, unmatched, grouping, warnings }, () =>
    [formatEvaluation(evaluation, classNames, unmatched), ...(grouping.length > 0 ? ['', formatGrouping(grouping)] : [])].join('\n'),
  );
}
