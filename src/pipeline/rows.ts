/**
 * The rows of the paper's table: each stage's clusters scored against the
 * labels (where the data have them), beside the paper's figure.
 */
import { evaluateClusters } from '../cluster/evaluation.js';
import { kMeans } from '../cluster/kmeans.js';
import type { ResultRow } from '../report/html.js';
import type { PipelineData } from './data.js';
import { PAPER_ACC } from './paper.js';
import type { MethodSettings } from './settings.js';

/** Records with a known label, and their clusters; null without labels. */
export function scoredSubset(data: PipelineData, clusters: ArrayLike<number>): { labels: number[]; clusters: number[]; index: number[] } | null {
  if (data.labels === undefined) return null;
  const index: number[] = [];
  for (let i = 0; i < data.labels.length; i++) if (data.labels[i]! >= 0) index.push(i);
  if (index.length === 0) return null;
  return { labels: index.map((i) => data.labels![i]!), clusters: index.map((i) => clusters[i]!), index };
}

/** A stage's row: ACC, NMI and ARI of its clusters on the labelled records. */
export function rowOf(stage: string, data: PipelineData, clusters: ArrayLike<number>, note?: string): ResultRow {
  const scored = scoredSubset(data, clusters);
  const e = scored === null ? null : evaluateClusters(scored.labels, scored.clusters);
  return {
    stage,
    acc: e?.acc ?? null,
    nmi: e?.nmi ?? null,
    ari: e?.ari ?? null,
    paperAcc: PAPER_ACC[data.task][stage] ?? null,
    ...(note !== undefined && { note }),
  };
}

/** Scores of a baseline k-means (k-means++, nInit restarts) on per-record features. */
export function baselineRow(
  stage: string,
  features: Float32Array | Float64Array,
  n: number,
  d: number,
  data: PipelineData,
  s: Pick<MethodSettings, 'k' | 'nInit' | 'seed'>,
): ResultRow {
  const km = kMeans(features, n, d, { k: s.k, nInit: s.nInit, seed: s.seed + 2 });
  return rowOf(stage, data, km.labels);
}
