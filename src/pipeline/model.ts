/** The network a run trains: the paper's for the task, or a description the user wrote. */
import { DataError } from '../common/errors.js';
import { parseModelDescription, type ModelDescription } from '../model/description.js';
import { networkA, networkB } from '../model/networks.js';
import { readRegularText } from '../data/files.js';

/** The description in the JSON file at `path`, or without one the paper's network A (task A) or B (task B). */
export async function modelFor(path: string | undefined, task: 'A' | 'B'): Promise<ModelDescription> {
  if (path === undefined) return task === 'A' ? networkA() : networkB();
  let json: unknown;
  try {
    json = JSON.parse(await readRegularText(path));
  } catch (err) {
    throw new DataError(path, 'model', 'file', `is not readable JSON: ${(err as Error).message}`);
  }
  return parseModelDescription(json);
}
