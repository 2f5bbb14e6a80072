/**
 * The report of `select-k` (src/report/html.ts renders it): the
 * recommendation and its rule, the scores of every k as a table and as
 * curves against k (the elbow of the inertia, the silhouette, the gap
 * statistic with its standard error, the stability), and, where the set has
 * labels, how each k's clusters agree with them, which the rule never reads.
 */
import { STABLE_AGREEMENT, type KScore } from '../cluster/select-k.js';
import type { Figure, LineSeries } from '../report/figures.js';
import type { JsonValue, Report, Section } from '../report/html.js';
import type { PipelineData } from './data.js';
import type { KChoice, KChoiceSettings } from './k-choice.js';

export function selectKReport(data: PipelineData, s: KChoiceSettings, choice: KChoice, command: string): Report {
  const ks = choice.scores.map((x) => x.k);
  const curve = (name: string, value: (x: KScore) => number): LineSeries => ({ name, x: ks, y: choice.scores.map(value) });
  const line = (title: string, name: string, yLabel: string, series: readonly LineSeries[], caption: string): Figure => ({
    kind: 'line',
    title,
    name,
    xLabel: 'k (clusters)',
    yLabel,
    series,
    caption,
  });
  const space = choice.fineTune ? 'the codes after fine-tuning with that k' : 'the codes after pre-training';
  const figures: Figure[] = [
    line(
      'Inertia against k (the elbow)',
      'inertia',
      'inertia',
      [curve('inertia', (x) => x.inertia)],
      'Sum of squared distances of the codes to their k-means centroids.',
    ),
    line('Silhouette against k', 'silhouette', 'mean silhouette', [curve('silhouette', (x) => x.silhouette)], 'Higher: tighter clusters, further apart.'),
    line(
      'Gap statistic against k',
      'gap',
      'gap',
      [curve('gap', (x) => x.gap), curve('gap - s.e.', (x) => x.gap - x.gapSe), curve('gap + s.e.', (x) => x.gap + x.gapSe)],
      'E*[log W_k] - log W_k over uniform reference sets in the box of the codes’ principal axes, with one standard error.',
    ),
    line(
      'Stability against k',
      'stability',
      'mean pairwise ARI',
      [curve('stability', (x) => x.stability), curve(`stable from ${STABLE_AGREEMENT}`, () => STABLE_AGREEMENT)],
      'Agreement of single-start k-means runs on random 80 % subsamples, every record assigned to each run’s nearest centroid.',
    ),
  ];
  const labelled = choice.labelRows.some((r) => r.ari !== null);
  if (labelled)
    figures.push(
      line(
        'Agreement with the labels against k (shown only; labels never choose k)',
        'labels',
        'score',
        (['nmi', 'ari'] as const).map((m) => ({
          name: m.toUpperCase(),
          x: ks,
          y: choice.labelRows.map((r) => (typeof r[m] === 'number' ? r[m] : Number.NaN)),
        })),
        'NMI and ARI of each k’s k-means clusters against the labels of the set.',
      ),
    );
  const sections: Section[] = [
    {
      title: `Recommended: k = ${choice.k}`,
      text: [`k = ${choice.k}: ${choice.reason}.`, `The rule: ${choice.rule}`, `Scores of k-means on ${space}, for k = ${ks[0]} to ${ks.at(-1)}.`].join('\n\n'),
      tables: [
        {
          caption: 'Scores per k',
          columns: ['k', 'inertia', 'silhouette', 'gap', 'gap s.e.', 'stability', 'recommended'],
          rows: choice.scores.map((x) => [x.k, x.inertia, x.silhouette, x.gap, x.gapSe, x.stability, x.k === choice.k ? 'yes' : '']),
        },
      ],
      figures,
    },
  ];
  const settings: Record<string, JsonValue> = {
    command,
    seed: s.seed,
    backend: s.backend.name,
    model: s.description.name ?? 'custom',
    'k tried': `${ks[0]} to ${ks.at(-1)}`,
    'pre-training': `${choice.epochs} epochs, batch ${s.batchSize}, Adam lr 1e-3`,
    'k-means': `k-means++, ${s.nInit} restarts`,
    'fine-tuning': choice.fineTune
      ? `for each k: batch ${s.fineTuneBatchSize}, update interval ${s.updateInterval}, tol ${s.tol}, max ${s.maxIter} iterations`
      : 'none (scores of the pre-trained codes)',
    'record order': s.permute ? 'a seeded random permutation, once before training' : 'as given',
  };
  return {
    title: `seiscluster select-k: ${data.name}`,
    subtitle: `${command} — ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    settings,
    provenance: data.provenance,
    results: choice.labelRows.map((r, i) => ({ ...r, note: `${ks[i] === choice.k ? 'recommended; ' : ''}${labelled ? 'labels shown only' : 'no labels'}` })),
    sections,
  };
}
