import { extname } from 'node:path';
import { evaluateClusters, type Evaluation } from '../../cluster/evaluation.js';
import { evaluateGrouping, groupingWarnings } from '../../cluster/grouping.js';
import { readDataset } from '../../data/dataset.js';
import { DataError } from '../../common/errors.js';
import { GROUP_COLUMNS, manifestGroups } from '../../data/groups.js';
import { manifestTraceId, readCsv, readManifest } from '../../data/readers/manifest.js';
import { commonOptions, str, type CommandSpec, type ParsedArgs } from '../args.js';
import { note, output, percent, table } from '../context.js';
import { formatGrouping } from '../grouping-report.js';
import { printable } from '../terminal.js';

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

interface Known {
  label: number;
  snr: number | null;
  /** Grouping column -> value, where the record has one. */
  groups: Readonly<Record<string, string>>;
}

interface Truth {
  classNames: string[];
  /** Grouping columns of the labels file (none when it has none). */
  groupColumns: string[];
  /** source id -> what is known about the record. */
  byId: Map<string, Known>;
}

async function readTruth(path: string): Promise<Truth> {
  const byId = new Map<string, Known>();
  if (extname(path).toLowerCase() === '.csv') {
    const rows = await readManifest(path);
    const classNames = [...new Set(rows.map((r) => r.label).filter((l): l is string => l !== undefined))].sort();
    const groupColumns = GROUP_COLUMNS.filter((c) => rows.some((r) => r[c] !== undefined));
    for (const r of rows) {
      if (r.label === undefined) continue;
      byId.set(manifestTraceId(r), { label: classNames.indexOf(r.label), snr: null, groups: manifestGroups(r, groupColumns) });
    }
    return { classNames, groupColumns, byId };
  }
  const set = await readDataset(path);
  const names = set.header.labelNames;
  if (set.labels === undefined || names === undefined) throw new DataError(path, 'labels', 'none', 'the data set has no labels to evaluate against');
  const columns = Object.entries(set.header.groups ?? {});
  set.header.sourceIds.forEach((id, i) => {
    const label = set.labels![i]!;
    const groups = Object.fromEntries(columns.flatMap(([c, values]) => (values[i] === null ? [] : [[c, values[i]!]])));
    if (label >= 0) byId.set(id, { label, snr: set.header.snr?.[i] ?? null, groups });
  });
  return { classNames: names, groupColumns: columns.map(([c]) => c), byId };
}

export async function evaluate(args: ParsedArgs): Promise<void> {
  const predictionsPath = str(args, 'predictions')!;
  const truth = await readTruth(str(args, 'labels')!);
  const table_ = await readCsv(predictionsPath);
  for (const column of ['source_id', 'cluster'])
    if (!table_.columns.includes(column)) throw new DataError(predictionsPath, 'columns', table_.columns.join(','), `no '${column}' column`);
  const labels: number[] = [];
  const clusters: number[] = [];
  const snr: (number | null)[] = [];
  const groups: Record<string, (string | null)[]> = Object.fromEntries(truth.groupColumns.map((c) => [c, []]));
  let unmatched = 0;
  for (const { line, values } of table_.records) {
    const t = truth.byId.get(values.source_id!);
    if (t === undefined) {
      unmatched++;
      continue;
    }
    const c = Number(values.cluster);
    if (!Number.isInteger(c) || c < 0) throw new DataError(`${predictionsPath}:${line}`, 'cluster', values.cluster ?? '', 'must be a non-negative integer');
    labels.push(t.label);
    clusters.push(c);
    snr.push(t.snr);
    for (const c of truth.groupColumns) groups[c]!.push(t.groups[c] ?? null);
  }
  if (labels.length === 0)
    throw new DataError(predictionsPath, 'source_id', `${table_.records.length} rows`, 'no prediction matches a labelled record of the labels file');
  const hasSnr = snr.some((s) => s !== null);
  const result = evaluateClusters(labels, clusters, hasSnr ? snr : undefined);
  const grouping = evaluateGrouping(clusters, groups, labels);
  const warnings = groupingWarnings(grouping);
  for (const w of warnings) note(`warning: ${w}`);
  output(args, { ...result, classNames: truth.classNames, unmatched, grouping, warnings }, () =>
    [formatEvaluation(result, truth.classNames, unmatched), ...(grouping.length > 0 ? ['', formatGrouping(grouping)] : [])].join('\n'),
  );
}

export function formatEvaluation(e: Evaluation, classNames: readonly string[], unmatched = 0): string {
  const name = (c: number): string => printable(classNames[c] ?? String(c));
  const lines = [
    `${e.n} records${unmatched > 0 ? ` (${unmatched} predictions without a label skipped)` : ''}`,
    `ACC ${percent(e.acc)}   NMI ${e.nmi.toFixed(4)}   ARI ${e.ari.toFixed(4)}`,
    `clusters -> classes: ${e.mapping.map(([c, k]) => `${c} -> ${name(k)}`).join(', ')}`,
    '',
    table(
      ['class', 'precision', 'recall', 'F', 'support'],
      e.perClass.map((s) => [name(s.label), s.precision.toFixed(3), s.recall.toFixed(3), s.f1.toFixed(3), String(s.support)]),
    ),
    '',
    'confusion matrix (rows: classes, columns: clusters)',
    table(
      ['', ...e.confusion.predLabels.map((c) => `cluster ${c}`)],
      e.confusion.counts.map((row, i) => [name(e.confusion.trueLabels[i]!), ...row.map(String)]),
    ),
  ];
  if (e.bySnr)
    lines.push(
      '',
      'accuracy per SNR bin',
      table(
        ['SNR', 'records', 'ACC'],
        e.bySnr.map((b) => [b.bin, String(b.count), percent(b.acc)]),
      ),
    );
  return lines.join('\n');
}
