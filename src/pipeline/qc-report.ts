/**
 * The report page of `qc` (src/report/html.ts renders it): the flagged
 * records, each beside its cluster's typical input and the typical input of
 * the class its label names, so a reader can judge by eye which one it looks
 * like; the clusters and their classes; where the labelled records sit in q
 * and distance, the model's view, flagged or not.
 *
 * A cluster's typical input is the mean of its confident members whose label
 * agrees with it (the rule's q and distance, labels that say the same as the
 * cluster), so neither the suspects nor the records the model is unsure of
 * blur it; a cluster without such members falls back on all of its members.
 */
import { evaluateClusters } from '../cluster/evaluation.js';
import type { FlipCheck } from '../cluster/label-noise.js';
import { assignmentConfidence, CODE_SILENCE_Z, type Suspect, type SuspectReport, type SuspectRule } from '../cluster/suspects.js';
import { iterateDataset, type DatasetHeader } from '../data/dataset.js';
import { recordedPreparation } from '../data/preparation.js';
import type { Figure, InputPanel, InputRowsFigure } from '../report/figures.js';
import type { Report, Section } from '../report/html.js';
import { Rng } from '../tensor/random.js';
import type { Stages } from './progress.js';

export interface QcReportParts {
  readonly dataPath: string;
  readonly checkpointPath: string;
  /** The labels CSV; undefined when the set's own labels were checked. */
  readonly labelsPath: string | undefined;
  readonly command: string;
  readonly header: DatasetHeader;
  readonly classNames: readonly string[];
  /** The labels checked (after flipping, when asked); -1 unlabelled. */
  readonly labels: Int32Array;
  readonly k: number;
  readonly q: Float32Array;
  readonly clusters: Int32Array;
  readonly suspects: SuspectReport;
  readonly rule: SuspectRule;
  /** With labels flipped on purpose: how the flags fared, and which records were flipped. */
  readonly flip: { readonly check: FlipCheck; readonly flipped: ReadonlySet<number> } | undefined;
  /** Flagged records drawn, best first. */
  readonly figures: number;
  /** Records read at a time for the inputs. */
  readonly chunk: number;
}

/** Rows of the flagged table shown; the CSV holds them all. */
const TABLE_ROWS = 200;
/** Rows per figure of flagged records, so each stays a readable size. */
const ROWS_PER_FIGURE = 6;
/** Records whose label agrees drawn in the q-distance map at most (a seeded subset); every disagreeing one is drawn. */
const AGREEING_POINTS = 600;

/** Each cluster's typical input (`typical`, with the members it averages) and the inputs of the records `wanted`. */
interface Inputs {
  readonly typical: { readonly mean: Float32Array; readonly members: number }[];
  readonly records: ReadonlyMap<number, Float32Array>;
}

/** Record i's confidence in its cluster. */
function confidenceOf(p: QcReportParts, i: number): number {
  const c = p.clusters[i]!;
  return assignmentConfidence(p.q[i * p.k + c]!, p.suspects.topQ[c]!, p.k);
}

/** Whether record i counts towards its cluster's typical input (see the module comment). */
function isTypical(p: QcReportParts, i: number): boolean {
  const c = p.clusters[i]!;
  const label = p.labels[i]!;
  const agrees = label < 0 || label === p.suspects.labelMap[c];
  return agrees && confidenceOf(p, i) >= p.rule.minConfidence && p.suspects.distance[i]! <= p.rule.maxDistance;
}

/** One pass over the set: the sums for the typical inputs (confident members, else all members) and the wanted records. */
async function gatherInputs(p: QcReportParts, wanted: ReadonlySet<number>): Promise<Inputs> {
  const size = p.header.inputShape.reduce((a, b) => a * b, 1);
  const sums = Array.from({ length: p.k }, () => ({ confident: new Float64Array(size), all: new Float64Array(size), nConfident: 0, nAll: 0 }));
  const records = new Map<number, Float32Array>();
  for await (const part of iterateDataset(p.dataPath, p.chunk)) {
    for (let r = 0; r < part.rows; r++) {
      const i = part.start + r;
      const x = part.inputs.subarray(r * size, (r + 1) * size);
      const s = sums[p.clusters[i]!]!;
      const into = isTypical(p, i) ? [s.all, s.confident] : [s.all];
      for (const sum of into) for (let j = 0; j < size; j++) sum[j]! += x[j]!;
      s.nAll++;
      if (into.length === 2) s.nConfident++;
      if (wanted.has(i)) records.set(i, x.slice());
    }
  }
  const typical = sums.map((s) => {
    const [sum, n] = s.nConfident > 0 ? [s.confident, s.nConfident] : [s.all, s.nAll];
    return { mean: Float32Array.from(sum, (v) => (n > 0 ? v / n : 0)), members: n };
  });
  return { typical, records };
}

/** A panel of one input: a spectrogram (task A) or a P window (task B). */
function panel(header: DatasetHeader, title: string, values: Float32Array): InputPanel {
  if (header.task === 'A') return { title, spectrogram: { rows: header.inputShape[0]!, cols: header.inputShape[1]!, values } };
  return { title, waveform: values };
}

/** The shared axes of the panels: time from P and frequency (task A), or the sampling rate and the pick (task B). */
function axes(p: QcReportParts): Pick<InputRowsFigure, 'extent' | 'sampleRate' | 'pick'> {
  const { header } = p;
  const prepared = recordedPreparation(header.preprocessing, p.dataPath);
  if (header.task === 'B') return { sampleRate: header.samplingRate, pick: prepared.pWindow.preP };
  const rate = header.samplingRate;
  const bins = header.inputShape[0]!;
  return {
    extent: {
      x0: header.window.startFromP / rate,
      x1: (header.window.startFromP + header.window.length) / rate,
      y0: 0,
      y1: ((bins - 1) * rate) / prepared.spectrogram.segment,
      xLabel: 'time from P (s)',
      yLabel: 'frequency (Hz)',
    },
  };
}

/** The cluster whose typical input stands for class `label`: of those mapped to it, the one with the most typical members. */
function clusterOfClass(p: QcReportParts, inputs: Inputs, label: number): number {
  let best = -1;
  p.suspects.labelMap.forEach((mapped, c) => {
    if (mapped === label && (best < 0 || inputs.typical[c]!.members > inputs.typical[best]!.members)) best = c;
  });
  return best;
}

/** What the neighbours said of a flagged record, for its figure row; nothing when the model alone decided. */
function neighbourText(p: QcReportParts, s: Suspect): string {
  if (s.neighbourLabel < 0) return '';
  return `${(100 * s.agreement).toFixed(0)} % of its neighbours ${JSON.stringify(p.classNames[s.neighbourLabel] ?? `class ${s.neighbourLabel}`)}, reach ${s.reach.toFixed(2)}; `;
}

function flaggedFigures(p: QcReportParts, inputs: Inputs): Figure[] {
  const name = (c: number): string => JSON.stringify(p.classNames[c] ?? `class ${c}`);
  const typicalPanel = (c: number): InputPanel =>
    panel(p.header, `cluster ${c}, ${name(p.suspects.labelMap[c]!)}: mean of ${inputs.typical[c]!.members}`, inputs.typical[c]!.mean);
  const rows = p.suspects.flagged.slice(0, p.figures).map((s, r) => {
    const other = clusterOfClass(p, inputs, s.label);
    const flipped = p.flip?.flipped.has(s.index) ? ' (flipped on purpose)' : '';
    return {
      label: `#${r + 1} ${p.header.sourceIds[s.index]} (record ${s.index}): ${neighbourText(p, s)}q ${s.q.toFixed(3)}, confidence ${s.confidence.toFixed(2)}, distance ${s.distance.toFixed(2)}, score ${s.score.toFixed(3)}${flipped}`,
      panels: [
        panel(p.header, `this record, labelled ${name(s.label)}`, inputs.records.get(s.index)!),
        typicalPanel(s.cluster),
        ...(other >= 0 ? [typicalPanel(other)] : []),
      ],
    };
  });
  const figures: Figure[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_FIGURE) {
    const last = Math.min(start + ROWS_PER_FIGURE, rows.length);
    figures.push({
      kind: 'input-rows',
      title: `Flagged records ${start + 1} to ${last} beside their cluster's typical input and their label's`,
      name: `flagged-${start + 1}-${last}`,
      rows: rows.slice(start, last),
      ...axes(p),
    });
  }
  return figures;
}

/** Confidence against distance for the labelled records: those that agree (a seeded subset), those that disagree, those flagged (all). */
function confidenceMap(p: QcReportParts): Figure {
  const flagged = new Set(p.suspects.flagged.map((s) => s.index));
  const agreeing: number[] = [];
  const points: number[] = [];
  const kinds: number[] = [];
  const add = (i: number, kind: number): void => {
    points.push(confidenceOf(p, i), p.suspects.distance[i]!);
    kinds.push(kind);
  };
  for (let i = 0; i < p.labels.length; i++) {
    const label = p.labels[i]!;
    const mapped = p.suspects.labelMap[p.clusters[i]!]!;
    if (label < 0 || mapped < 0 || !Number.isFinite(p.suspects.distance[i]!)) continue;
    // Flagged records are all drawn, whether their label disagrees with their cluster or only with their neighbours.
    if (flagged.has(i)) add(i, 2);
    else if (label === mapped) agreeing.push(i);
    else add(i, 1);
  }
  const order = new Rng(0).permutation(agreeing.length).subarray(0, AGREEING_POINTS);
  for (const j of order) add(agreeing[j]!, 0);
  return {
    kind: 'scatter',
    title: 'Confidence against distance to the centroid',
    name: 'confidence-and-distance',
    caption: `Labelled records (those whose label agrees and are not flagged: ${order.length} of ${agreeing.length}, a seeded subset). The model backs a vote of the neighbours at confidence at least ${p.rule.minConfidence} and distance at most ${p.rule.maxDistance}.`,
    points,
    labels: kinds,
    classNames: ['label agrees with the cluster', 'label disagrees, not flagged', 'flagged'],
    xLabel: 'confidence in the assigned cluster',
    yLabel: "distance to its centroid / cluster's spread",
  };
}

/** The flagging rule in words. */
function ruleWords(p: QcReportParts): string {
  const { rule } = p;
  const read = p.suspects.witnesses;
  const model = `confidence at least ${rule.minConfidence} and distance to the centroid at most ${rule.maxDistance}`;
  if (rule.neighbours === 0)
    return `A label is flagged when it disagrees with its cluster's class while the model is sure of the cluster: ${model}. They are ranked by score = confidence / (1 + distance²).`;
  const witnesses = read.codeVoted
    ? `its ${rule.neighbours} nearest labelled neighbours by network input and its ${rule.codeNeighbours} nearest by the model's code (the mean of the two shares)`
    : `its ${rule.neighbours} nearest labelled neighbours by network input`;
  // Why the codes did or did not vote: how well the neighbourhoods read the labels under check, alone and together.
  const readText =
    read.input === null
      ? ''
      : `Neighbours by input give ${(100 * read.input).toFixed(1)} % of the labelled records their own label` +
        (read.code === null || read.joint === null || read.z === null
          ? '. '
          : `, by code ${(100 * read.code).toFixed(1)} %, the two together ${(100 * read.joint).toFixed(1)} % ` +
            `(the inputs alone better by z = ${read.z.toFixed(1)} of the sign test over the records read differently): ` +
            `the codes ${read.codeVoted ? 'vote' : `make the vote measurably worse (z above ${CODE_SILENCE_Z}) and do not vote`}${rule.codeVote === 'always' ? ' (--code-vote always)' : ''}. `);
  return (
    readText +
    `A label is flagged when at least ${rule.minAgreement} of ${witnesses} carry one other class; ` +
    `never when the record lies farther from its input neighbours than ${rule.maxReach} times the typical labelled record (reach) ` +
    `or than ${rule.maxIsolation} times its neighbours lie from theirs (isolation). ` +
    `The model backs a flag when it puts the record in a cluster of that class with ${model}. ` +
    'They are ranked by score = agreement × (1 + support) / 2, support being confidence / (1 + distance²) where the model backs the vote, else 0.'
  );
}

/** The report of a `qc` run: see the module comment. */
export async function qcReport(p: QcReportParts, stages: Stages): Promise<Report> {
  const { header, suspects, classNames, rule } = p;
  const name = (c: number): string => (c < 0 ? '–' : (classNames[c] ?? `class ${c}`));
  stages.start('reading inputs for the report', 0, 'records');
  const inputs = await gatherInputs(p, new Set(suspects.flagged.slice(0, p.figures).map((s) => s.index)));
  stages.finish();
  const known = Array.from(p.labels.keys()).filter((i) => p.labels[i]! >= 0);
  const scores = evaluateClusters(
    known.map((i) => p.labels[i]!),
    known.map((i) => p.clusters[i]!),
  );
  const counts: Record<string, number> = {};
  for (const i of known) counts[name(p.labels[i]!)] = (counts[name(p.labels[i]!)] ?? 0) + 1;
  const members = Array.from({ length: p.k }, () => ({ all: 0, labelled: 0, agreeing: 0 }));
  p.clusters.forEach((c, i) => {
    members[c]!.all++;
    if (p.labels[i]! >= 0) members[c]!.labelled++;
    if (p.labels[i]! >= 0 && p.labels[i] === suspects.labelMap[c]) members[c]!.agreeing++;
  });

  const check = p.flip?.check;
  const flipText = check
    ? `\n\n${(100 * check.fraction).toFixed(1)} % of the labels were flipped on purpose (seed ${check.seed}) before the check, to measure it: ` +
      `${check.found} of the ${check.flagged} flagged records were flipped (precision ${check.precision?.toFixed(3) ?? '–'}), ` +
      `${check.found} of the ${check.flipped} flipped were flagged (recall ${check.recall?.toFixed(3) ?? '–'}). ` +
      `A flipped record the model itself puts in the wrong cluster agrees with its cluster and cannot be found: ${check.findable} of the ${check.flipped} sit in a cluster of their true class.`
    : '';
  const sections: Section[] = [
    {
      title: 'Suspect labels',
      text:
        `${suspects.flagged.length} of ${known.length} labelled records are flagged. ${ruleWords(p)} ` +
        `${suspects.disagreeing} labels disagree with their cluster's class. Confidence is the soft assignment q from chance (1/k: 0) to the q of a record on the centroid ` +
        `(1; here q = ${Array.from(suspects.topQ, (t) => t.toFixed(3)).join(', ')} by cluster); distance is to the centroid, over the cluster's spread (its members' median distance).` +
        flipText,
      tables: [
        {
          caption: `Flagged records, most suspect first${suspects.flagged.length > TABLE_ROWS ? ` (the first ${TABLE_ROWS} of ${suspects.flagged.length}; the CSV holds all)` : ''}`,
          columns: [
            'rank',
            'record',
            'source id',
            'label',
            'neighbours say',
            'agreement',
            'reach',
            'isolation',
            'cluster',
            "cluster's class",
            'model backs it',
            'q',
            'confidence',
            'distance',
            'score',
            ...(p.flip ? ['flipped'] : []),
          ],
          rows: suspects.flagged
            .slice(0, TABLE_ROWS)
            .map((s, r) => [
              r + 1,
              s.index,
              header.sourceIds[s.index]!,
              name(s.label),
              name(s.neighbourLabel),
              s.agreement,
              s.reach,
              s.isolation,
              s.cluster,
              name(s.mappedLabel),
              s.backed ? 'yes' : 'no',
              s.q,
              s.confidence,
              s.distance,
              s.score,
              ...(p.flip ? [p.flip.flipped.has(s.index) ? 'yes' : 'no'] : []),
            ]),
        },
      ],
    },
  ];
  if (suspects.flagged.length > 0 && p.figures > 0)
    sections.push({
      title: "Flagged records beside their cluster's typical input",
      text: "Left: the record. Middle: the typical input of the cluster it was put in. Right: the typical input of a cluster of the class its label names. A record that looks like the middle one is likely mislabelled; one that looks like the right one, misclustered. A cluster's typical input is the mean of its confident members whose label agrees with it.",
      figures: flaggedFigures(p, inputs),
    });
  sections.push({
    title: 'Clusters and their classes',
    text: `Clusters become classes by ${rule.map === 'majority' ? "the majority of each cluster's labels" : 'the one-to-one map that agrees with most labels (Hungarian), clusters beyond the classes by their majority'}.`,
    tables: [
      {
        caption: 'Clusters',
        columns: ['cluster', 'class', 'records', 'labelled', 'label agrees', 'spread (median distance)', 'typical input: mean of'],
        rows: members.map((m, c) => [c, name(suspects.labelMap[c]!), m.all, m.labelled, m.agreeing, suspects.spread[c]!, inputs.typical[c]!.members]),
      },
    ],
    figures: [confidenceMap(p)],
  });
  return {
    title: `seiscluster qc: ${p.dataPath}`,
    subtitle: `${p.command} — ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    settings: {
      command: p.command,
      checkpoint: p.checkpointPath,
      data: p.dataPath,
      labels: p.labelsPath ?? "the data set's own",
      neighbours: rule.neighbours,
      'neighbours by code': rule.codeNeighbours,
      'neighbours by code vote': rule.codeVote,
      'smallest agreement': rule.minAgreement,
      'largest reach': rule.maxReach,
      'largest isolation': rule.maxIsolation,
      'smallest confidence': rule.minConfidence,
      'largest distance': rule.maxDistance,
      'cluster to class': rule.map,
      ...(check && { 'flipped labels': `${check.fraction} (seed ${check.seed})` }),
    },
    provenance: {
      sources: [
        { path: p.dataPath, records: header.rows, note: `task ${header.task}, ${header.inputShape.join(' x ')} per record` },
        { path: p.labelsPath ?? p.dataPath, records: known.length, note: 'the labels checked' },
      ],
      countsPerLabel: counts,
      preprocessing: Object.entries(header.preprocessing).map(([key, value]) => `${key}: ${JSON.stringify(value)}`),
    },
    results: [
      {
        stage: 'clusters against the labels checked',
        acc: scores.acc,
        nmi: scores.nmi,
        ari: scores.ari,
        note: 'ACC through the one-to-one (Hungarian) map',
      },
    ],
    sections,
  };
}
