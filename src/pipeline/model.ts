/** The network a run trains: the default for the task and preparation, a built-in one named, or a description the user wrote. */
import type { JsonObject } from '../cluster/training.js';
import { DataError } from '../common/errors.js';
import { parseModelDescription, type ModelDescription } from '../model/description.js';
import { BUILT_IN_NETWORKS } from '../model/networks.js';
import { readRegularText } from '../data/files.js';
import { defaultNetwork } from './defaults.js';

/**
 * The built-in network named `path` (`BUILT_IN_NETWORKS`), the description in
 * the JSON file at `path`, or without one the default network for the set's
 * task and preparation (`defaultNetwork`).
 */
export async function modelFor(path: string | undefined, data: { readonly task: 'A' | 'B'; readonly preprocessing: JsonObject }): Promise<ModelDescription> {
  if (path === undefined) return defaultNetwork(data.preprocessing, data.task);
  const builtIn = BUILT_IN_NETWORKS.get(path);
  if (builtIn !== undefined) return builtIn();
  let json: unknown;
  try {
    json = JSON.parse(await readRegularText(path));
  } catch (err) {
    throw new DataError(path, 'model', 'file', `is not readable JSON: ${(err as Error).message}`);
  }
  return parseModelDescription(json);
}
