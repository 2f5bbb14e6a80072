import { CODE_SILENCE_Z, type CodeVote, DEFAULT_SUSPECT_RULE, type LabelMapKind, type SuspectRule, type WitnessReadOut } from '../../cluster/suspects.js';
import { qc as pipelineQc, type QcResult } from '../../pipeline/qc.js';
import { commonOptions, num, str, type CommandSpec, type ParsedArgs } from '../args.js';
import { note, openBackend, output, percent, table } from '../context.js';
import { renderProgress } from '../progress.js';
import { printable } from '../terminal.js';

/** Flagged records printed as text; the CSV and --json hold them all. */
const SHOWN = 20;

export const qcSpec: CommandSpec = {
  name: 'qc',
  summary:
    "suspect labels: records whose nearest neighbours (by input and by code) carry another label, ranked, as a CSV and a report page showing each beside its cluster's typical input",
  usage: 'seiscluster qc --checkpoint <model.ckpt> --data <set.scds> [--labels <labels.csv>] [--out <flagged.csv>] [--report <folder>] [--json]',
  options: [
    { name: 'checkpoint', type: 'path', role: 'input-file', required: true, help: 'a checkpoint written by `seiscluster train` (after fine-tuning)' },
    { name: 'data', type: 'path', role: 'input-file', required: true, help: 'the prepared data set whose labels are checked' },
    {
      name: 'labels',
      type: 'path',
      role: 'input-file',
      help: "a CSV with columns source_id,label (source ids as `predict` writes them) instead of the set's own labels; every row must name a record of the set",
    },
    {
      name: 'out',
      type: 'path',
      role: 'output-file',
      help: 'the flagged records as CSV: rank, index, source_id, label, neighbour_label, agreement, reach, isolation, cluster, mapped_label, backed, q, confidence, distance, score',
    },
    {
      name: 'report',
      type: 'path',
      role: 'output-folder',
      help: "a folder for the report page (report.html, figures/): each flagged record beside its cluster's typical input",
    },
    {
      name: 'neighbours',
      type: 'int',
      default: DEFAULT_SUSPECT_RULE.neighbours,
      min: 0,
      max: 1000,
      help: 'nearest labelled records, by network input, that vote on each label; 0: the model alone decides (a label against a confident cluster), for sets too large for the search (its time grows with the square of the labelled records)',
    },
    {
      name: 'code-neighbours',
      type: 'int',
      default: DEFAULT_SUSPECT_RULE.codeNeighbours,
      min: 0,
      max: 1000,
      help: "nearest labelled records, by the model's code, that vote beside them; 0: the inputs alone",
    },
    {
      name: 'code-vote',
      type: 'string',
      choices: ['auto', 'always'],
      default: DEFAULT_SUSPECT_RULE.codeVote,
      help: `auto: the neighbours by code vote unless the two witnesses together read the labels under check measurably worse than the neighbours by input alone (the share of labelled records whose neighbours' vote is their own label; a sign test, z above ${CODE_SILENCE_Z}); always: in every case`,
    },
    {
      name: 'min-agreement',
      type: 'number',
      default: DEFAULT_SUSPECT_RULE.minAgreement,
      min: 0,
      max: 1,
      help: 'smallest share of the neighbours naming one other class, the mean of the shares by input and by code, that flags a label (default chosen on calibration runs; README)',
    },
    {
      name: 'max-reach',
      type: 'number',
      default: DEFAULT_SUSPECT_RULE.maxReach,
      min: 0,
      max: 1_000_000,
      help: "largest distance to the farthest of a record's neighbours, in units of the labelled records' median of it: records in sparse regions are not flagged",
    },
    {
      name: 'max-isolation',
      type: 'number',
      default: DEFAULT_SUSPECT_RULE.maxIsolation,
      min: 0,
      max: 1_000_000,
      help: "largest distance to the farthest of a record's neighbours, in units of the neighbours' own median of it: a record off on its own beside a denser group is not flagged",
    },
    {
      name: 'min-confidence',
      type: 'number',
      default: DEFAULT_SUSPECT_RULE.minConfidence,
      min: 0,
      max: 1,
      help: 'smallest confidence in the assigned cluster for the model to back the neighbours (a backed flag ranks higher) or, with --neighbours 0, to flag alone: its soft assignment q from chance (1/k: 0) to the q of a record on the centroid (1)',
    },
    {
      name: 'max-distance',
      type: 'number',
      default: DEFAULT_SUSPECT_RULE.maxDistance,
      min: 0,
      max: 1_000_000,
      help: "largest distance to the assigned centroid for the model to back the neighbours or to flag alone, in units of the cluster's spread (its members' median distance)",
    },
    {
      name: 'map',
      type: 'string',
      choices: ['majority', 'hungarian'],
      default: DEFAULT_SUSPECT_RULE.map,
      help: "clusters to classes: each cluster's majority label, or the one-to-one map `evaluate` scores with (clusters beyond the classes by majority)",
    },
    { name: 'figures', type: 'int', default: 12, min: 0, max: 500, help: 'flagged records drawn in the report, most suspect first' },
    {
      name: 'flip-labels',
      type: 'number',
      min: 0,
      max: 1,
      help: 'for measuring the check: flip this fraction of the loaded labels at random (seeded by --seed) first, and report precision and recall of the flags against the flipped records',
    },
    { name: 'chunk', type: 'int', default: 4096, min: 1, max: 1_000_000, help: 'records read and assigned at a time (bounds memory)' },
    ...commonOptions,
  ],
  examples: [
    'seiscluster qc --checkpoint runs/distance/model.ckpt --data distance.scds --out flagged.csv --report qc-report',
    'seiscluster qc --checkpoint runs/mine/model.ckpt --data mine.scds --labels my-labels.csv --json',
    'seiscluster qc --checkpoint runs/a/model.ckpt --data a.scds --flip-labels 0.05 --seed 1 --json',
  ],
};

/** The rule in words, as it ran, for the summary line. */
function ruleText(rule: SuspectRule, codeVoted: boolean): string {
  const model = `confidence >= ${rule.minConfidence}, distance <= ${rule.maxDistance} spreads`;
  if (rule.neighbours === 0) return model;
  const witnesses = codeVoted ? `${rule.neighbours} neighbours by input and ${rule.codeNeighbours} by code` : `${rule.neighbours} neighbours by input`;
  return `of ${witnesses}, at least ${rule.minAgreement} name another class; reach <= ${rule.maxReach}, isolation <= ${rule.maxIsolation}; the model backs a flag at ${model}`;
}

/** How well each witness reads the labels, and whether the codes voted; nothing when the model alone decides. */
function witnessLine(w: WitnessReadOut): string[] {
  if (w.input === null) return [];
  const input = `neighbours by input give ${percent(w.input)} of the labelled records their own label`;
  if (w.code === null || w.joint === null || w.z === null) return [input];
  const voted = w.codeVoted ? 'the codes vote' : `measurably worse than the inputs alone (z > ${CODE_SILENCE_Z}): the codes do not vote`;
  return [`${input}, by code ${percent(w.code)}, the two together ${percent(w.joint)} (sign test z = ${w.z.toFixed(1)}; ${voted})`];
}

function formatQc(r: QcResult, out: string | undefined): string {
  const f = r.flip;
  const lines = [
    `${r.records} records, ${r.labelled} labelled`,
    `clusters -> classes: ${r.labelMap.map((c, k) => `${k} -> ${c === null ? '(no labels)' : printable(c)}`).join(', ')}`,
    `q of a record on each centroid (confidence 1): ${r.topQ.map((t) => t.toFixed(3)).join(', ')}`,
    ...witnessLine(r.witnesses),
    `${r.disagreeing} labels disagree with their cluster; ${r.flagged.length} flagged (${ruleText(r.rule, r.witnesses.codeVoted)})`,
    ...(f
      ? [
          `flipped ${f.flipped} labels (${(100 * f.fraction).toFixed(1)} %, seed ${f.seed}; ${f.findable} in a cluster of their true class): ${f.found} found, precision ${f.precision?.toFixed(3) ?? '-'}, recall ${f.recall?.toFixed(3) ?? '-'}`,
        ]
      : []),
  ];
  if (r.flagged.length === 0) return lines.join('\n');
  const shown = r.flagged.slice(0, SHOWN);
  const rest = r.flagged.length - shown.length;
  return [
    ...lines,
    '',
    table(
      [
        'rank',
        'index',
        'source_id',
        'label',
        'neighbours say',
        'agreement',
        'reach',
        'isolation',
        'cluster',
        'mapped label',
        'q',
        'confidence',
        'distance',
        'score',
        ...(f ? ['flipped'] : []),
      ],
      shown.map((s) => [
        String(s.rank),
        String(s.index),
        s.sourceId,
        s.label,
        s.neighbourLabel ?? '-',
        s.agreement.toFixed(2),
        s.reach.toFixed(2),
        s.isolation.toFixed(2),
        String(s.cluster),
        `${s.mappedLabel}${s.backed && s.neighbourLabel !== null ? ' (backs)' : ''}`,
        s.q.toFixed(3),
        s.confidence.toFixed(2),
        s.distance.toFixed(2),
        s.score.toFixed(3),
        ...(f ? [s.flipped ? 'yes' : 'no'] : []),
      ]),
    ),
    ...(rest > 0 ? [`... ${rest} more${out === undefined ? ' (--out writes them all)' : ` in ${out}`}`] : []),
  ].join('\n');
}

export async function qc(args: ParsedArgs): Promise<void> {
  const flip = num(args, 'flip-labels');
  const labels = str(args, 'labels');
  const out = str(args, 'out');
  const report = str(args, 'report');
  const result = await pipelineQc({
    checkpoint: str(args, 'checkpoint')!,
    data: str(args, 'data')!,
    ...(labels !== undefined && { labels }),
    ...(out !== undefined && { out }),
    ...(report !== undefined && { report }),
    rule: {
      neighbours: num(args, 'neighbours')!,
      codeNeighbours: num(args, 'code-neighbours')!,
      codeVote: str(args, 'code-vote') as CodeVote,
      minAgreement: num(args, 'min-agreement')!,
      maxReach: num(args, 'max-reach')!,
      maxIsolation: num(args, 'max-isolation')!,
      minConfidence: num(args, 'min-confidence')!,
      maxDistance: num(args, 'max-distance')!,
      map: str(args, 'map') as LabelMapKind,
    },
    ...(flip !== undefined && { flip: { fraction: flip, seed: num(args, 'seed')! } }),
    figures: num(args, 'figures')!,
    chunk: num(args, 'chunk')!,
    backend: () => openBackend(args),
    command: args.commandLine,
    onProgress: renderProgress(),
  });
  if (result.files.length > 0) note(`wrote ${result.files.map(printable).join(', ')}`);
  // The rule's levels as `threshold`, its cluster-to-class map beside them.
  const { map, ...threshold } = result.rule;
  const json = {
    flagged: result.flagged,
    threshold,
    map,
    records: result.records,
    labelled: result.labelled,
    classNames: result.classNames,
    labelMap: result.labelMap,
    topQ: result.topQ,
    disagreeing: result.disagreeing,
    witnesses: result.witnesses,
    ...(result.flip && { flip: result.flip }),
    warnings: result.warnings,
    files: result.files,
    backend: result.backend,
  };
  output(args, json, () => formatQc(result, out));
}
