/** How the clusters relate to the groupings of the records (src/cluster/grouping.ts), summarised over runs and laid out for the report. */
import type { GroupingScore } from '../cluster/grouping.js';
import type { Figure } from '../report/figures.js';
import type { Metric, Section, Table } from '../report/html.js';
import { summarise } from './spread.js';

/** Groups shown per grouping in tables and figures (the largest); JSON lists them all. */
export const SHOWN_GROUPS = 20;

/** A grouping's scores from one run (numbers) or over seeds (mean and sd). */
export interface GroupingSummary {
  readonly column: string;
  readonly records: number;
  readonly groups: number;
  readonly nmi: Metric;
  readonly ari: Metric;
  readonly labelNmi?: Metric;
  readonly labelAri?: Metric;
  readonly perGroup: readonly { readonly group: string; readonly records: number; readonly acc: Metric }[];
}

const score = (m: Metric | undefined): string =>
  m === null || m === undefined ? '-' : typeof m === 'number' ? m.toFixed(3) : `${m.mean.toFixed(3)} ± ${m.sd.toFixed(3)}`;

/** "23 groups, 829 records; clusters against `network` NMI 0.120, ARI 0.050; against the labels NMI 0.900, ARI 0.950". */
export function strengthText(s: GroupingSummary): string {
  const vsLabels = s.labelNmi === undefined ? '' : `; against the labels NMI ${score(s.labelNmi)}, ARI ${score(s.labelAri)}`;
  return `${s.groups} groups, ${s.records} records; clusters against \`${s.column}\` NMI ${score(s.nmi)}, ARI ${score(s.ari)}${vsLabels}`;
}

/** " (the 20 largest groups of 31)" when a table shows only some groups; '' when it shows them all. */
export function shownText(s: GroupingSummary): string {
  return s.perGroup.length > SHOWN_GROUPS ? ` (the ${SHOWN_GROUPS} largest groups of ${s.perGroup.length})` : '';
}

/** The groupings of several runs of one data set (one per seed) as mean and sd over the runs. */
export function aggregateGrouping(runs: readonly (readonly GroupingScore[])[]): GroupingSummary[] {
  return (runs[0] ?? []).map((first, j) => {
    const column = runs.map((r) => r[j]!);
    const over = (m: 'nmi' | 'ari' | 'labelNmi' | 'labelAri'): Metric => summarise(column.map((c) => c[m]));
    return {
      column: first.column,
      records: first.records,
      groups: first.groups,
      nmi: over('nmi'),
      ari: over('ari'),
      ...(first.labelNmi !== undefined && { labelNmi: over('labelNmi'), labelAri: over('labelAri') }),
      perGroup: first.perGroup.map((g) => ({
        group: g.group,
        records: g.records,
        acc: summarise(column.map((c) => c.perGroup.find((h) => h.group === g.group)?.acc ?? null)),
      })),
    };
  });
}

function groupTable(s: GroupingScore, k: number): Table {
  return {
    caption: `By \`${s.column}\`: ${strengthText(s)}${shownText(s)}`,
    columns: [s.column, 'records', 'ACC', ...Array.from({ length: k }, (_, c) => `cluster ${c}`)],
    rows: s.perGroup.slice(0, SHOWN_GROUPS).map((g) => [g.group, g.records, g.acc, ...Array.from({ length: k }, (_, c) => g.clusters[c] ?? 0)]),
  };
}

/** Records of each group in each cluster: a group that lies in one cluster is one dark cell in its row. */
function membershipFigure(s: GroupingScore, k: number): Figure {
  const shown = s.perGroup.slice(0, SHOWN_GROUPS);
  return {
    kind: 'confusion',
    title: `Cluster membership per ${s.column}`,
    name: `membership-${s.column}`,
    caption: `Records of each group in each cluster${shownText(s)}. Clusters that follow the grouping put whole groups in one cluster.`,
    rowLabels: shown.map((g) => g.group),
    columnLabels: Array.from({ length: k }, (_, c) => `cluster ${c}`),
    counts: shown.map((g) => Array.from({ length: k }, (_, c) => g.clusters[c] ?? 0)),
    rowTitle: s.column,
    columnTitle: 'cluster',
  };
}

/**
 * The report's grouping sections: when a warning fires, an alert for the top
 * of the report with the warnings and the membership figure of each grouping
 * concerned; the per-group tables in a section of their own either way.
 */
export function groupingSections(scores: readonly GroupingScore[], k: number): { alerts: Section[]; sections: Section[] } {
  const warned = scores.filter((s) => s.warning !== undefined);
  const alerts: Section[] =
    warned.length === 0
      ? []
      : [
          {
            title: 'Warning: the clusters follow a grouping of the records',
            text: [
              ...warned.map((s) => `${s.warning!.charAt(0).toUpperCase()}${s.warning!.slice(1)}.`),
              'The clusters may separate earthquakes, networks or archives rather than the classes; check the groups below before trusting the scores.',
            ].join('\n\n'),
            figures: warned.map((s) => membershipFigure(s, k)),
          },
        ];
  const sections: Section[] =
    scores.length === 0
      ? []
      : [
          {
            title: 'Clusters by group',
            text: 'Accuracy within each group uses the clusters-to-classes map fitted once over all labelled records; NMI and ARI say how strongly the clusters follow each grouping, beside how strongly they follow the labels.',
            tables: scores.map((s) => groupTable(s, k)),
          },
        ];
  return { alerts, sections };
}
