/**
 * Grouping columns: what each record shares with others besides its class
 * (the data set it came from, the earthquake, the network, the station). A
 * clustering that follows one of these instead of the label has learnt the
 * archive, not the seismology; prepared sets carry them so that training and
 * evaluation can check.
 */
import { DataError } from '../common/errors.js';
import { readCsv, type ManifestRow } from './readers/manifest.js';

/** The manifest columns every prepared set keeps when the manifest has them. */
export const GROUP_COLUMNS = ['dataset', 'event_id', 'network', 'station'] as const;

/**
 * The grouping columns to carry from a manifest: the standard ones it has,
 * then the `extra` ones asked for. An extra column the manifest lacks is an
 * error naming the manifest and the column.
 */
export async function manifestGroupColumns(manifest: string, extra: readonly string[]): Promise<string[]> {
  const { columns } = await readCsv(manifest);
  for (const column of extra) {
    if (!columns.includes(column)) throw new DataError(manifest, 'group-by', column, `no such column (the manifest has ${columns.join(', ')})`);
  }
  return [...new Set([...GROUP_COLUMNS.filter((c) => columns.includes(c)), ...extra])];
}

/** A manifest row's value in each of `columns`, as text; empty cells are left out. */
export function manifestGroups(row: ManifestRow, columns: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const column of columns) {
    const typed = column === 'extra' || column === 'line' ? undefined : (row as unknown as Record<string, unknown>)[column];
    const value = typed !== undefined ? String(typed) : row.extra[column]?.trim();
    if (value !== undefined && value !== '') out[column] = value;
  }
  return out;
}
