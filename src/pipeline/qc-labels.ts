/**
 * The labels `qc` checks: a prepared set's own, or a CSV of source_id,label
 * matched to the set's records by source id. Every row of the CSV must name
 * a record of the set, so a file meant for another set, or ids spelt
 * differently, is an error rather than a check of nothing.
 */
import { DataError } from '../common/errors.js';
import type { DatasetHeader } from '../data/dataset.js';
import { readCsv } from '../data/readers/manifest.js';

export interface CheckedLabels {
  /** Class names; a label is an index into them. */
  readonly classNames: string[];
  /** One per record of the set; -1 where it has none. */
  readonly labels: Int32Array;
}

/** The set's own labels are read with its records; this says up front whether there are any. */
export function requireSetLabels(dataPath: string, header: DatasetHeader): string[] {
  if (header.arrays.labels === undefined || header.labelNames === undefined)
    throw new DataError(dataPath, 'labels', 'none', 'the data set has no labels to check; give --labels <file.csv> with columns source_id,label');
  return header.labelNames;
}

/**
 * Labels from a CSV with columns source_id and label (others are ignored),
 * one per record of the set whose header is `header`. A row whose source_id
 * is not in the set, or two rows giving one record different labels, are
 * errors naming the file and line; an empty label leaves a record unlabelled.
 */
export async function readLabelsCsv(path: string, header: DatasetHeader, dataPath: string): Promise<CheckedLabels> {
  const table = await readCsv(path);
  for (const column of ['source_id', 'label'])
    if (!table.columns.includes(column)) throw new DataError(path, 'columns', table.columns.join(','), `no '${column}' column (expects source_id,label)`);
  // A source id may name several rows of a set (one trace prepared twice): a label row labels them all.
  const rowsOf = new Map<string, number[]>();
  header.sourceIds.forEach((id, i) => rowsOf.set(id, [...(rowsOf.get(id) ?? []), i]));
  const unmatched = table.records.filter((r) => !rowsOf.has(r.values.source_id!));
  if (unmatched.length > 0) {
    const first = unmatched[0]!;
    throw new DataError(
      `${path}:${first.line}`,
      'source_id',
      first.values.source_id!,
      `${unmatched.length} of ${table.records.length} rows name no record of ${dataPath} (source ids as \`predict\` writes them)`,
    );
  }
  const given = table.records.filter((r) => r.values.label !== '');
  const classNames = [...new Set(given.map((r) => r.values.label!))].sort();
  const labels = new Int32Array(header.rows).fill(-1);
  const lineOf = new Map<number, number>();
  for (const { line, values } of given) {
    const label = classNames.indexOf(values.label!);
    for (const i of rowsOf.get(values.source_id!)!) {
      if (labels[i]! >= 0 && labels[i] !== label)
        throw new DataError(
          `${path}:${line}`,
          'label',
          values.label!,
          `line ${lineOf.get(i)} gives ${JSON.stringify(values.source_id)} the label ${JSON.stringify(classNames[labels[i]!])}`,
        );
      labels[i] = label;
      lineOf.set(i, line);
    }
  }
  return { classNames, labels };
}
