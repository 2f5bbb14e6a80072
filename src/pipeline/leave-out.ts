/** Leave-one-group-out over seeds: the method trained without each group in turn, scored on that group (src/cluster/leave-out.ts). */
import { heldOutScore, leaveOneGroupOutSplits, trainingClusterMap } from '../cluster/leave-out.js';
import { DataError } from '../common/errors.js';
import { selectRecords, type PipelineData } from './data.js';
import type { OnProgress } from './progress.js';
import { runPipeline } from './run.js';
import type { PipelineSettings } from './settings.js';
import { summarise, type Spread } from './spread.js';

/** One held-out group: its records and its accuracy over the seeds. */
export interface HeldOutGroup {
  readonly group: string;
  readonly records: number;
  readonly acc: Spread;
  /** Per seed, in seed order (null when none of its records has a label). */
  readonly perSeed: readonly (number | null)[];
}

export interface LeaveOutResult {
  readonly column: string;
  /** In order of first appearance in the set. */
  readonly groups: readonly HeldOutGroup[];
  /** Every held-out prediction of a seed together, over the seeds. */
  readonly pooled: Spread;
  /** The group with the lowest mean accuracy. */
  readonly worst: HeldOutGroup | null;
  /** Records without a value in the column: in no group, so neither trained on nor scored. */
  readonly withoutGroup: number;
}

/**
 * Leave-one-group-out over `seeds`: for each group, the whole method
 * (pre-training, k-means, fine-tuning, `settings` as for any run) on the
 * other groups' records, the held-out records assigned by the trained
 * encoder and clustering layer, and scored through a clusters-to-classes map
 * fitted on the training records only.
 */
export async function leaveOneGroupOut(
  data: PipelineData,
  column: string,
  settingsFor: (seed: number) => PipelineSettings,
  seeds: readonly number[],
  onProgress?: OnProgress,
): Promise<LeaveOutResult> {
  const values = data.groups?.[column];
  if (values === undefined) {
    const has = Object.keys(data.groups ?? {});
    throw new DataError(
      data.name,
      'groups',
      column,
      `no such grouping column (the set has ${has.length > 0 ? has.join(', ') : 'none'}; prepare from a manifest with --group-by)`,
    );
  }
  if (data.labels === undefined) throw new DataError(data.name, 'labels', 'none', 'leave-one-group-out needs labels to score the held-out groups');
  const splits = leaveOneGroupOutSplits(values);
  if (splits.length < 2) throw new DataError(data.name, `groups.${column}`, `${splits.length} group`, 'leave-one-group-out needs at least 2 groups');

  const perGroup = splits.map(() => [] as (number | null)[]);
  const pooled: number[] = [];
  for (const [s, seed] of seeds.entries()) {
    let hits = 0;
    let scored = 0;
    for (const [g, split] of splits.entries()) {
      onProgress?.({
        kind: 'message',
        text: `leave out ${column} = ${split.group} (${g + 1} of ${splits.length}), seed ${seed} (${s + 1} of ${seeds.length}): training on ${split.train.length} records, holding out ${split.test.length}`,
      });
      const training = selectRecords(data, split.train);
      const heldOut = selectRecords(data, split.test);
      const result = await runPipeline(training, settingsFor(seed), { predictOn: heldOut.inputs, onProgress });
      const map = trainingClusterMap(training.labels!, result.clusters);
      const score = heldOutScore(map, heldOut.labels!, result.predicted!.clusters);
      perGroup[g]!.push(score.scored > 0 ? score.hits / score.scored : null);
      hits += score.hits;
      scored += score.scored;
    }
    if (scored > 0) pooled.push(hits / scored);
  }
  const groups = splits.map(
    (split, g): HeldOutGroup => ({ group: split.group, records: split.test.length, acc: summarise(perGroup[g]!), perSeed: perGroup[g]! }),
  );
  const ranked = groups.filter((g) => g.acc !== null).sort((a, b) => a.acc!.mean - b.acc!.mean);
  return { column, groups, pooled: summarise(pooled), worst: ranked[0] ?? null, withoutGroup: values.filter((v) => v === null).length };
}
