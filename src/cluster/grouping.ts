/**
 * Do the clusters follow the classes, or something else the records share?
 * On archives of a few earthquakes and networks, a clustering can split the
 * records by event or by network and still look good on average. For each
 * grouping column (data set, event, network, station) this scores the
 * clusters within each group and measures how strongly the clusters follow
 * the grouping, with labels or without, and words a warning when they follow
 * it more than they follow the labels.
 */
import { adjustedRandIndex, clusteringAccuracy, normalizedMutualInfo } from './metrics.js';

/** One group of a grouping column. */
export interface GroupScore {
  readonly group: string;
  readonly records: number;
  /**
   * Fraction of the group's labelled records whose cluster maps to their
   * class, with clusters mapped to classes once over the whole set; null
   * without labels.
   */
  readonly acc: number | null;
  /** Records of the group in each cluster (index = cluster). */
  readonly clusters: readonly number[];
}

/** How the clusters relate to one grouping column. */
export interface GroupingScore {
  readonly column: string;
  /** Records with a value in this column (the others are left out of its scores). */
  readonly records: number;
  readonly groups: number;
  /** Clusters against the groups. */
  readonly nmi: number;
  readonly ari: number;
  /** Clusters against the labels, on the same records (those with a value and a label); absent without labels. */
  readonly labelNmi?: number;
  readonly labelAri?: number;
  /** Largest group first. */
  readonly perGroup: readonly GroupScore[];
  /** The warning about this grouping, if one fires. */
  readonly warning?: string;
}

/**
 * A grouping whose groups hold fewer records than this on average is scored
 * but never warned about: with one or two records per group (a station of a
 * one-station-per-record archive) every group is trivially "pure", and NMI
 * rises with the number of groups even for clusters that ignore them.
 */
export const MIN_MEAN_GROUP_SIZE = 5;

/**
 * Without labels, clusters "reproduce" a grouping from NMI 0.5 or ARI 0.5.
 * ARI is corrected for chance (0 for clusters drawn at random, whatever the
 * group sizes), so 0.5 is half-way from chance to an exact copy; NMI 0.5 means
 * the clusters carry half of the grouping's information (two clusters that
 * split two equal groups 85 / 15 already reach 0.39). Either is far beyond
 * what a clustering that ignores the grouping shows on groups of five or more.
 */
export const UNLABELLED_THRESHOLD = 0.5;

/**
 * With labels, the clusters follow a grouping "more than the labels" only if
 * they also follow it at all: when both NMIs are below this, the clusters
 * follow neither, and ranking two near-zero numbers would be noise.
 */
export const MIN_FOLLOWED_NMI = 0.1;

/**
 * Scores clusters against every grouping column. `labels` (-1 = unknown)
 * are optional: with them, each group's accuracy uses the Hungarian map of
 * clusters to classes fitted once over all labelled records.
 */
export function evaluateGrouping(
  clusters: ArrayLike<number>,
  groups: Readonly<Record<string, readonly (string | null)[]>>,
  labels?: ArrayLike<number>,
): GroupingScore[] {
  const n = clusters.length;
  if (labels !== undefined && labels.length !== n) throw new Error(`evaluateGrouping: ${labels.length} labels for ${n} records`);
  const mapping = labels === undefined ? undefined : classMap(labels, clusters);
  return Object.entries(groups).map(([column, values]) => {
    if (values.length !== n) throw new Error(`evaluateGrouping: column ${column} has ${values.length} values for ${n} records`);
    return scoreColumn(column, values, clusters, labels, mapping);
  });
}

/** The warnings of a scored set of groupings, in column order. */
export function groupingWarnings(scores: readonly GroupingScore[]): string[] {
  return scores.flatMap((s) => (s.warning === undefined ? [] : [s.warning]));
}

/** Cluster -> class by the Hungarian algorithm over the labelled records; undefined when none is labelled. */
function classMap(labels: ArrayLike<number>, clusters: ArrayLike<number>): Map<number, number> | undefined {
  const known = Array.from({ length: labels.length }, (_, i) => i).filter((i) => labels[i]! >= 0);
  if (known.length === 0) return undefined;
  return clusteringAccuracy(
    known.map((i) => labels[i]!),
    known.map((i) => clusters[i]!),
  ).mapping;
}

function scoreColumn(
  column: string,
  values: readonly (string | null)[],
  clusters: ArrayLike<number>,
  labels: ArrayLike<number> | undefined,
  mapping: Map<number, number> | undefined,
): GroupingScore {
  let k = 0;
  for (let i = 0; i < clusters.length; i++) k = Math.max(k, clusters[i]! + 1);
  const members = new Map<string, number[]>();
  values.forEach((v, i) => {
    if (v === null) return;
    const index = members.get(v);
    if (index === undefined) members.set(v, [i]);
    else index.push(i);
  });
  const perGroup = [...members]
    .map(([group, index]): GroupScore => {
      const counts = new Array<number>(k).fill(0);
      for (const i of index) counts[clusters[i]!]!++;
      return { group, records: index.length, acc: groupAccuracy(index, clusters, labels, mapping), clusters: counts };
    })
    .sort((a, b) => b.records - a.records || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));

  const withValue = values.flatMap((v, i) => (v === null ? [] : [i]));
  const groupIds = new Map([...members.keys()].map((g, j) => [g, j]));
  const asGroup = withValue.map((i) => groupIds.get(values[i]!)!);
  const asCluster = withValue.map((i) => clusters[i]!);
  const base = {
    column,
    records: withValue.length,
    groups: members.size,
    nmi: withValue.length > 0 ? normalizedMutualInfo(asGroup, asCluster) : 0,
    ari: withValue.length > 0 ? adjustedRandIndex(asGroup, asCluster) : 0,
    perGroup,
  };
  const labelled = labels === undefined ? [] : withValue.filter((i) => labels[i]! >= 0);
  const vsLabels =
    labels === undefined || labelled.length === 0
      ? undefined
      : {
          labelNmi: normalizedMutualInfo(
            labelled.map((i) => labels[i]!),
            labelled.map((i) => clusters[i]!),
          ),
          labelAri: adjustedRandIndex(
            labelled.map((i) => labels[i]!),
            labelled.map((i) => clusters[i]!),
          ),
        };
  const scored: GroupingScore = { ...base, ...vsLabels };
  const warning = warningFor(scored);
  return warning === undefined ? scored : { ...scored, warning };
}

function groupAccuracy(
  index: readonly number[],
  clusters: ArrayLike<number>,
  labels: ArrayLike<number> | undefined,
  mapping: Map<number, number> | undefined,
): number | null {
  if (labels === undefined || mapping === undefined) return null;
  const known = index.filter((i) => labels[i]! >= 0);
  if (known.length === 0) return null;
  return known.filter((i) => mapping.get(clusters[i]!) === labels[i]).length / known.length;
}

/** The warning a grouping earns, in words; undefined when none fires (see the thresholds above). */
function warningFor(s: GroupingScore): string | undefined {
  if (s.groups < 2 || s.records / s.groups < MIN_MEAN_GROUP_SIZE) return undefined;
  if (s.labelNmi !== undefined) {
    if (s.nmi <= s.labelNmi || s.nmi < MIN_FOLLOWED_NMI) return undefined;
    return `the clusters follow \`${s.column}\` (NMI ${s.nmi.toFixed(2)}) more than the labels (NMI ${s.labelNmi.toFixed(2)})`;
  }
  if (s.nmi < UNLABELLED_THRESHOLD && s.ari < UNLABELLED_THRESHOLD) return undefined;
  return `these clusters reproduce your \`${s.column}\` column (NMI ${s.nmi.toFixed(2)}, ARI ${s.ari.toFixed(2)})`;
}
