/** Shared by the data-layer tests: where the real data lives, scratch folders, and DataError checks. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { DataError } from '../../src/data/errors.js';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
/** The labelled development set; CI sees it at ../shared as well. */
export const realData = resolve(repoRoot, '../shared/data/real');

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
