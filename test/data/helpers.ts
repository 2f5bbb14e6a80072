/** Shared by the data-layer tests: scratch folders, DataError checks and slices of the real manifests. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { DataError } from '../../src/common/errors.js';
import { csvField, parseCsv } from '../../src/data/readers/manifest.js';
import { realDataDir } from '../helpers/real-data.js';

/** A fresh scratch folder; call the returned `remove` in afterAll. */
export async function scratch(): Promise<{ dir: string; path: (name: string) => string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'seiscluster-data-'));
  return { dir, path: (name) => join(dir, name), remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Expects `action` to fail with a DataError naming this file, field and
 * value, and a message that shows all three (plus `problem`, if given).
 */
export async function expectDataError(
  action: Promise<unknown> | (() => unknown),
  expected: { file: string; field: string; value: string; problem?: RegExp },
): Promise<DataError> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a DataError').toBeInstanceOf(DataError);
  const error = caught as DataError;
  expect({ file: error.file, field: error.field, value: error.value }).toEqual({
    file: expected.file,
    field: expected.field,
    value: expected.value,
  });
  expect(error.message).toContain(expected.file);
  expect(error.message).toContain(expected.field);
  expect(error.message).toContain(expected.value);
  if (expected.problem) expect(error.message).toMatch(expected.problem);
  return error;
}

/**
 * Writes to `path` a manifest of the first `perSet` rows of each named data
 * set of the real distance manifest, with absolute paths; `extraColumn`, if
 * given, is added with the values site-0, site-1, site-0, ...
 */
export async function distanceSlice(path: string, sets: readonly string[], perSet: number, extraColumn?: string): Promise<string> {
  const source = join(realDataDir, 'distance', 'manifest.csv');
  const { columns, records } = parseCsv(await readFile(source, 'utf8'), source);
  const chosen = sets.flatMap((set) => records.filter((r) => r.values.dataset === set).slice(0, perSet));
  const header = [...columns, ...(extraColumn ? [extraColumn] : [])];
  const lines = chosen.map((r, i) =>
    [...columns.map((c) => (c === 'path' ? join(realDataDir, 'distance', r.values.path!) : r.values[c]!)), ...(extraColumn ? [`site-${i % 2}`] : [])]
      .map(csvField)
      .join(','),
  );
  await writeFile(path, `${header.join(',')}\n${lines.join('\n')}\n`);
  return path;
}
