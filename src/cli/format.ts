/** Results as the commands print them: tables and lines of text (--json prints the data themselves). */
import type { RunEvaluation } from '../pipeline/evaluation.js';
import { SHOWN_GROUPS, shownText, strengthText, type GroupingSummary } from '../pipeline/grouping.js';
import type { LeaveOutResult } from '../pipeline/leave-out.js';
import type { Spread } from '../pipeline/spread.js';
import type { Metric, ResultRow } from '../report/html.js';
import { percent, table } from './context.js';
import { printable } from './terminal.js';

/** "97.04 % ± 0.60": an accuracy's mean and sd over runs, in percent. */
export function percentSpread(m: Spread): string {
  return m === null ? '-' : `${percent(m.mean)} ± ${(100 * m.sd).toFixed(2)}`;
}

/** The results table as text, with the paper's figure where it has one. */
export function formatRows(rows: readonly ResultRow[]): string {
  const m = (v: Metric, pct = false): string =>
    v === null
      ? '-'
      : typeof v === 'number'
        ? pct
          ? percent(v)
          : v.toFixed(3)
        : `${pct ? percent(v.mean) : v.mean.toFixed(3)} ± ${pct ? (100 * v.sd).toFixed(2) : v.sd.toFixed(3)} (${v.runs})`;
  return table(
    ['stage', 'ACC', 'NMI', 'ARI', 'paper ACC', 'note'],
    rows.map((r) => [r.stage, m(r.acc, true), m(r.nmi), m(r.ari), r.paperAcc ? percent(r.paperAcc) : '', r.note ?? '']),
  );
}

export function formatEvaluation(e: RunEvaluation, classNames: readonly string[], unmatched = 0): string {
  const name = (c: number): string => printable(classNames[c] ?? String(c));
  const lines = [
    `${e.n} records${unmatched > 0 ? ` (${unmatched} predictions without a label skipped)` : ''}`,
    `ACC ${percent(e.acc)}   NMI ${e.nmi.toFixed(4)}   ARI ${e.ari.toFixed(4)}`,
    `clusters -> classes: ${e.mapping.map(([c, k]) => `${c} -> ${name(k)}`).join(', ')}`,
    '',
    table(
      ['class', 'precision', 'recall', 'F', 'support'],
      e.perClass.map((s) => [name(s.label), s.precision.toFixed(3), s.recall.toFixed(3), s.f1.toFixed(3), String(s.support)]),
    ),
    '',
    'confusion matrix (rows: classes, columns: clusters)',
    table(
      ['', ...e.confusion.predLabels.map((c) => `cluster ${c}`)],
      e.confusion.counts.map((row, i) => [name(e.confusion.trueLabels[i]!), ...row.map(String)]),
    ),
  ];
  if (e.bySnr)
    lines.push(
      '',
      'accuracy per SNR bin',
      table(
        ['SNR', 'records', 'ACC'],
        e.bySnr.map((b) => [b.bin, String(b.count), percent(b.acc)]),
      ),
    );
  return lines.join('\n');
}

const accuracy = (m: Metric): string => (typeof m === 'number' ? percent(m) : percentSpread(m));

/** Per grouping, its strength line and a table of group, records, ACC. */
export function formatGrouping(scores: readonly GroupingSummary[]): string {
  return scores
    .map((s) =>
      [
        `by ${s.column}: ${strengthText(s)}${shownText(s)}`,
        table(
          [s.column, 'records', 'ACC'],
          s.perGroup.slice(0, SHOWN_GROUPS).map((g) => [g.group, String(g.records), accuracy(g.acc)]),
        ),
      ].join('\n'),
    )
    .join('\n\n');
}

/** Per group, records and ACC over the seeds; then pooled and worst. */
export function formatLeaveOut(r: LeaveOutResult): string {
  const rows = r.groups.map((g) => [g.group, String(g.records), percentSpread(g.acc)]);
  const total = r.groups.reduce((a, g) => a + g.records, 0);
  rows.push(['pooled', String(total), percentSpread(r.pooled)]);
  if (r.worst !== null) rows.push([`worst (${r.worst.group})`, String(r.worst.records), percentSpread(r.worst.acc)]);
  return [
    `leave-one-group-out by ${r.column}: each group held out, trained on the others, clusters mapped to classes on the training groups only (ACC mean ± sd over seeds)`,
    table([r.column, 'records', 'held-out ACC'], rows),
    ...(r.withoutGroup > 0 ? [`${r.withoutGroup} records without a ${r.column} were left out`] : []),
  ].join('\n');
}
