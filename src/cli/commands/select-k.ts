import type { ResultRow } from '../../report/html.js';
import { DEFAULT_K_RANGE, type KRange } from '../../pipeline/k-choice.js';
import { selectK as pipelineSelectK } from '../../pipeline/select-k.js';
import { commonOptions, str, type CommandSpec, type ParsedArgs, UsageError } from '../args.js';
import { note, openBackend, output, table } from '../context.js';
import { renderProgress } from '../progress.js';
import { printable } from '../terminal.js';
import { settingsFrom, trainingOptions } from './training-options.js';

/** The largest k tried: train's largest k. */
const MAX_K = trainingOptions.find((o) => o.name === 'k')!.max!;

/** Options of the method that do not apply: select-k tries a range of k, and its report has no t-SNE maps. */
const NOT_HERE = new Set(['k', 'restarts', 'tsne-points', 'tsne-iterations']);

export const selectKSpec: CommandSpec = {
  name: 'select-k',
  summary: 'how many clusters: pre-train once, then score k-means on the codes for each k (inertia, silhouette, gap statistic, stability) and recommend one',
  usage: 'seiscluster select-k --data <set.scds> [--k FROM..TO] [--fine-tune] [--out <folder>] [options]',
  options: [
    {
      name: 'data',
      type: 'path',
      role: 'input-file',
      required: true,
      help: 'a prepared data set (`seiscluster prepare`); its labels, if any, are shown against each k and never choose it',
    },
    {
      name: 'k',
      type: 'string',
      default: `${DEFAULT_K_RANGE.from}..${DEFAULT_K_RANGE.to}`,
      help: `the k to try, FROM..TO with 2 <= FROM <= TO <= ${MAX_K} and TO at most the number of records`,
    },
    {
      name: 'fine-tune',
      type: 'boolean',
      help: 'also fine-tune for each k (from the same pre-trained weights) and score the codes it ends with; slower by a fine-tuning run per k',
    },
    { name: 'out', type: 'path', role: 'output-folder', help: 'folder for the report (report.html and figures/ with the curves against k)' },
    ...trainingOptions.filter((o) => !NOT_HERE.has(o.name)),
    ...commonOptions,
  ],
  examples: [
    'seiscluster select-k --data distance.scds',
    'seiscluster select-k --data distance.scds --k 2..8 --out runs/select-k',
    'seiscluster select-k --data three.scds --k 2..6 --seed 3 --backend cpu --json',
    'seiscluster select-k --data polarity.scds --k 2..5 --fine-tune --max-iter 2000',
  ],
};

/** `--k FROM..TO`, checked as every flag is: exit 1 with a message naming the flag and the value. */
export function kRangeFrom(args: ParsedArgs): KRange {
  const raw = str(args, 'k')!;
  const match = /^(\d+)\.\.(\d+)$/.exec(raw.trim());
  const bad = (why: string): UsageError => new UsageError(`--k = ${JSON.stringify(raw)}: ${why}`);
  if (match === null) throw bad('expects a range FROM..TO of whole numbers, such as 2..8');
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from < 2) throw bad('k starts at 2 (one cluster leaves nothing to choose)');
  if (to < from) throw bad(`FROM must not be above TO (${to}..${from}?)`);
  if (to > MAX_K) throw bad(`TO must be at most ${MAX_K}`);
  return { from, to };
}

export async function selectK(args: ParsedArgs): Promise<void> {
  const out = str(args, 'out');
  const result = await pipelineSelectK({
    data: str(args, 'data')!,
    ks: kRangeFrom(args),
    fineTune: args.options['fine-tune'] === true,
    model: str(args, 'model'),
    settings: settingsFrom(args),
    backend: () => openBackend(args),
    ...(out !== undefined && { out }),
    command: args.commandLine,
    onProgress: renderProgress(),
  });
  if (result.files.length > 0) note(`wrote ${result.files.map(printable).join(', ')}`);
  const labelled = result.labelRows.some((r) => r.ari !== null);
  const json = {
    recommended: result.k,
    rule: result.rule,
    reason: result.reason,
    scores: result.scores,
    ...(labelled && { labels: result.labelRows.map((r, i) => ({ k: result.scores[i]!.k, acc: r.acc, nmi: r.nmi, ari: r.ari })) }),
    backend: result.backend,
    files: result.files,
  };
  output(args, json, () =>
    [
      table(
        ['k', 'inertia', 'silhouette', 'gap', 'gap s.e.', 'stability', ...(labelled ? ['ARI with labels (shown only)'] : []), ''],
        result.scores.map((s, i) => [
          String(s.k),
          s.inertia.toPrecision(4),
          s.silhouette.toFixed(3),
          s.gap.toFixed(3),
          s.gapSe.toFixed(3),
          s.stability.toFixed(3),
          ...(labelled ? [metric(result.labelRows[i]!)] : []),
          s.k === result.k ? '<- recommended' : '',
        ]),
      ),
      '',
      `recommended k = ${result.k}: ${result.reason}`,
      `rule: ${result.rule}`,
    ].join('\n'),
  );
}

function metric(row: ResultRow): string {
  return typeof row.ari === 'number' ? row.ari.toFixed(3) : '-';
}
