/**
 * `evaluate`: predicted clusters (predict's CSV) scored against known
 * labels (a prepared set or a manifest): ACC, NMI, ARI, per class, the
 * confusion matrix, accuracy per SNR bin, and per group where the labels
 * file has groupings.
 */
import { evaluateGrouping, groupingWarnings, type GroupingScore } from '../cluster/grouping.js';
import { DataError } from '../common/errors.js';
import { extname } from '../common/path.js';
import { readDataset } from '../data/dataset.js';
import { GROUP_COLUMNS, manifestGroups } from '../data/groups.js';
import { manifestTraceId, readCsv, readManifest } from '../data/readers/manifest.js';
import { evaluateRun, type RunEvaluation } from './evaluation.js';

export interface EvaluateOptions {
  /** The CSV written by `predict` (columns source_id, cluster, ...). */
  readonly predictions: string;
  /** A prepared data set with labels, or a manifest CSV (path / trace_key and label columns). */
  readonly labels: string;
}

export interface EvaluateResult {
  readonly evaluation: RunEvaluation;
  readonly classNames: string[];
  /** Predictions of records the labels file has no label for. */
  readonly unmatched: number;
  readonly grouping: GroupingScore[];
  readonly warnings: string[];
}

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

export async function evaluatePredictions(options: EvaluateOptions): Promise<EvaluateResult> {
  const predictionsPath = options.predictions;
  const truth = await readTruth(options.labels);
  const predictions = await readCsv(predictionsPath);
  for (const column of ['source_id', 'cluster'])
    if (!predictions.columns.includes(column)) throw new DataError(predictionsPath, 'columns', predictions.columns.join(','), `no '${column}' column`);
  const labels: number[] = [];
  const clusters: number[] = [];
  const snr: (number | null)[] = [];
  const groups: Record<string, (string | null)[]> = Object.fromEntries(truth.groupColumns.map((c) => [c, []]));
  let unmatched = 0;
  for (const { line, values } of predictions.records) {
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
    throw new DataError(predictionsPath, 'source_id', `${predictions.records.length} rows`, 'no prediction matches a labelled record of the labels file');
  const hasSnr = snr.some((s) => s !== null);
  const evaluation = evaluateRun(labels, clusters, hasSnr ? snr : undefined);
  const grouping = evaluateGrouping(clusters, groups, labels);
  return { evaluation, classNames: truth.classNames, unmatched, grouping, warnings: groupingWarnings(grouping) };
}
