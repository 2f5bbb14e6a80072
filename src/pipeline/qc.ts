/**
 * `qc`: suspect labels. A trained checkpoint assigns every record of a
 * prepared set as `predict` does; the clusters are mapped to the classes the
 * labels give them, each labelled record's nearest labelled neighbours are
 * found by its network input (the spectrogram or P window) here and by its
 * code in `findSuspects`, and the records whose label they contradict are
 * ranked (src/cluster/suspects.ts), written as a CSV and, with a report
 * folder, shown beside their cluster's typical input.
 *
 * For measuring the check itself, `flip` changes a seeded fraction of the
 * loaded labels first and scores the flags against the flipped records.
 */
import { readCheckpoint } from '../cluster/checkpoint.js';
import { checkFlips, flipLabels, type FlipCheck } from '../cluster/label-noise.js';
import { nearestNeighbours, type Neighbours } from '../cluster/neighbour-labels.js';
import { predict as predictRecords } from '../cluster/predict.js';
import { DEFAULT_SUSPECT_RULE, findSuspects, type SuspectRule, type WitnessReadOut } from '../cluster/suspects.js';
import { DataError } from '../common/errors.js';
import { iterateDataset, readDatasetHeader } from '../data/dataset.js';
import { csvField } from '../data/readers/manifest.js';
import { host } from '../host/host.js';
import { writeReport } from '../report/html.js';
import { OptionError } from './errors.js';
import { restoreClustering } from './predict.js';
import { Stages, type OnProgress } from './progress.js';
import { readLabelsCsv, requireSetLabels } from './qc-labels.js';
import { qcReport } from './qc-report.js';
import { openBackend, type BackendSource } from './settings.js';

export interface QcOptions {
  /** A checkpoint written after fine-tuning. */
  readonly checkpoint: string;
  /** The prepared set the labels belong to. */
  readonly data: string;
  /** A CSV with columns source_id,label; default the set's own labels. */
  readonly labels?: string;
  /** Where to write the flagged records as CSV. */
  readonly out?: string;
  /** A folder for the report page (report.html, figures/). */
  readonly report?: string;
  /** Default `DEFAULT_SUSPECT_RULE`. */
  readonly rule?: SuspectRule;
  /** Evaluation only: flip this fraction of the loaded labels (seeded) and score the flags against the flipped records. */
  readonly flip?: { readonly fraction: number; readonly seed: number };
  /** Flagged records drawn beside their cluster's typical input in the report, best first. Default 12. */
  readonly figures?: number;
  /** Records read and assigned at a time (bounds memory). Default 4096. */
  readonly chunk?: number;
  readonly backend: BackendSource;
  /** The command line, for the report. */
  readonly command?: string;
  readonly onProgress?: OnProgress;
}

/** A flagged record as the CSV and JSON give it, labels by name. */
export interface FlaggedRecord {
  /** 1 for the most suspect. */
  readonly rank: number;
  /** Row of the record in the data set, from 0. */
  readonly index: number;
  readonly sourceId: string;
  readonly label: string;
  readonly cluster: number;
  /** The class its cluster maps to. */
  readonly mappedLabel: string;
  /** The class most of its neighbours carry; null when the model alone decides (`neighbours` 0). */
  readonly neighbourLabel: string | null;
  /** The fraction of its neighbours that carry it. */
  readonly agreement: number;
  /** Distance to the farthest of its neighbours over the labelled records' median of it. */
  readonly reach: number;
  /** Distance to the farthest of its neighbours over their own median of it. */
  readonly isolation: number;
  /** Whether the model backs the flag: a confident assignment to a cluster of the neighbours' class. */
  readonly backed: boolean;
  readonly q: number;
  /** q from chance (0) to the q of a record on the centroid (1). */
  readonly confidence: number;
  /** Distance to the centroid over the cluster's spread. */
  readonly distance: number;
  readonly score: number;
  /** With `flip`: whether the record's label was one of the flipped. */
  readonly flipped?: boolean;
}

export interface QcResult {
  /** The backend's description. */
  readonly backend: string;
  readonly records: number;
  readonly labelled: number;
  readonly classNames: readonly string[];
  /** Class of each cluster; null for a cluster without a labelled member. */
  readonly labelMap: readonly (string | null)[];
  /** The q of a record on each centroid: confidence 1. */
  readonly topQ: readonly number[];
  readonly rule: SuspectRule;
  /** Labelled records whose label disagrees with their cluster's class, flagged or not. */
  readonly disagreeing: number;
  /** How well the neighbours by input and by code read the labels under check, and whether the codes voted. */
  readonly witnesses: WitnessReadOut;
  readonly flagged: readonly FlaggedRecord[];
  readonly flip?: FlipCheck;
  readonly warnings: readonly string[];
  /** Files written. */
  readonly files: readonly string[];
}

/** What the checkpoint says of every record of the set, and the set's own labels where it has them. */
interface Assignments {
  readonly k: number;
  readonly codeSize: number;
  readonly q: Float32Array;
  readonly codes: Float32Array;
  readonly clusters: Int32Array;
  readonly centroids: Float32Array;
  readonly alpha: number;
  readonly setLabels?: Int32Array;
  /** Every record's network input, kept only when the rule asks neighbours. */
  readonly inputs?: Float32Array;
}

export async function qc(options: QcOptions): Promise<QcResult> {
  const rule = options.rule ?? DEFAULT_SUSPECT_RULE;
  const chunk = options.chunk ?? 4096;
  const stages = new Stages(options.onProgress);
  const checkpoint = await readCheckpoint(options.checkpoint);
  const header = await readDatasetHeader(options.data);
  // Labels are checked before the model runs: a missing or mismatched file should not cost a pass over the set.
  const given = options.labels === undefined ? null : await readLabelsCsv(options.labels, header, options.data);
  const classNames = given?.classNames ?? requireSetLabels(options.data, header);
  if (options.flip !== undefined && classNames.length < 2)
    throw new OptionError(`flipping labels needs at least two classes; the labels have ${classNames.length}`);
  const { backend, description } = await openBackend(options.backend);
  const { model, clustering } = restoreClustering(checkpoint, options.checkpoint, header, options.data, backend);
  let assigned: Assignments;
  try {
    stages.start('assigning', header.rows, 'records');
    const q = new Float32Array(header.rows * clustering.k);
    const codes = new Float32Array(header.rows * model.codeSize);
    const clusters = new Int32Array(header.rows);
    const setLabels = given === null ? new Int32Array(header.rows) : undefined;
    // The neighbour search needs every input at once: n x the record size, beside the codes.
    const inputs = rule.neighbours > 0 ? new Float32Array(header.rows * model.recordSize) : undefined;
    for await (const part of iterateDataset(options.data, chunk)) {
      const p = await predictRecords(model, clustering, part.inputs);
      inputs?.set(part.inputs, part.start * model.recordSize);
      q.set(p.q, part.start * p.k);
      codes.set(p.codes, part.start * p.codeSize);
      clusters.set(p.clusters, part.start);
      if (setLabels !== undefined && part.labels !== undefined) setLabels.set(part.labels, part.start);
      stages.advance(part.start + part.rows);
    }
    stages.finish();
    const centroids = Float32Array.from(await clustering.centroidValues());
    assigned = {
      k: clustering.k,
      codeSize: model.codeSize,
      q,
      codes,
      clusters,
      centroids,
      alpha: clustering.alpha,
      ...(setLabels !== undefined && { setLabels }),
      ...(inputs !== undefined && { inputs }),
    };
  } finally {
    model.dispose();
    clustering.dispose();
  }

  const loaded = given?.labels ?? assigned.setLabels!;
  const labelled = loaded.filter((l) => l >= 0).length;
  if (labelled === 0) throw new DataError(options.labels ?? options.data, 'label', 'none', 'no record has a label to check');
  const flips = options.flip && { ...options.flip, ...flipLabels(loaded, classNames.length, options.flip.fraction, options.flip.seed) };
  const labels = flips ? flips.labels : loaded;
  let neighbours: Neighbours | undefined;
  if (assigned.inputs !== undefined) {
    // Exact search, every labelled pair once: about 20 s for 3,000 spectrograms of 768 values on one core.
    stages.start('finding neighbours', 0, 'records');
    neighbours = nearestNeighbours(assigned.inputs, assigned.inputs.length / header.rows, (i) => labels[i]! >= 0, rule.neighbours);
    stages.finish();
  }
  const suspects = findSuspects({ ...assigned, labels, ...(neighbours !== undefined && { neighbours }) }, rule);
  const wasFlipped = flips ? new Set(flips.flipped) : null;
  const flagged = suspects.flagged.map(
    (s, r): FlaggedRecord => ({
      rank: r + 1,
      index: s.index,
      sourceId: header.sourceIds[s.index]!,
      label: classNames[s.label]!,
      cluster: s.cluster,
      mappedLabel: classNames[s.mappedLabel]!,
      neighbourLabel: s.neighbourLabel < 0 ? null : classNames[s.neighbourLabel]!,
      agreement: s.agreement,
      reach: s.reach,
      isolation: s.isolation,
      backed: s.backed,
      q: s.q,
      confidence: s.confidence,
      distance: s.distance,
      score: s.score,
      ...(wasFlipped && { flipped: wasFlipped.has(s.index) }),
    }),
  );
  const flip =
    flips &&
    checkFlips(
      suspects.flagged.map((s) => s.index),
      flips,
      loaded,
      assigned.clusters,
      suspects.labelMap,
    );
  const warnings = suspects.unmappedClasses.map(
    (c) => `no cluster is mostly ${JSON.stringify(classNames[c])}: the clusters do not separate it, so its confident records are all flagged`,
  );
  for (const w of warnings) stages.message(`warning: ${w}`);

  const files: string[] = [];
  if (options.out !== undefined) {
    await host().files.writeAtomic(options.out, flaggedCsv(flagged));
    files.push(options.out);
  }
  if (options.report !== undefined) {
    const report = await qcReport(
      {
        dataPath: options.data,
        checkpointPath: options.checkpoint,
        labelsPath: options.labels,
        command: options.command ?? 'seiscluster qc',
        header,
        classNames,
        labels,
        k: assigned.k,
        q: assigned.q,
        clusters: assigned.clusters,
        suspects,
        rule,
        flip: flip && wasFlipped ? { check: flip, flipped: wasFlipped } : undefined,
        figures: options.figures ?? 12,
        chunk,
      },
      stages,
    );
    files.push((await writeReport(options.report, report)).html);
  }
  return {
    backend: description,
    records: header.rows,
    labelled,
    classNames,
    labelMap: Array.from(suspects.labelMap, (c) => (c < 0 ? null : classNames[c]!)),
    topQ: Array.from(suspects.topQ),
    rule,
    disagreeing: suspects.disagreeing,
    witnesses: suspects.witnesses,
    flagged,
    ...(flip && { flip }),
    warnings,
    files,
  };
}

/** The CSV of `--out`: one row per flagged record, most suspect first. */
function flaggedCsv(flagged: readonly FlaggedRecord[]): string {
  const withFlip = flagged.some((f) => f.flipped !== undefined);
  const head = [
    'rank',
    'index',
    'source_id',
    'label',
    'neighbour_label',
    'agreement',
    'reach',
    'isolation',
    'cluster',
    'mapped_label',
    'backed',
    'q',
    'confidence',
    'distance',
    'score',
    ...(withFlip ? ['flipped'] : []),
  ];
  const rows = flagged.map((f) =>
    [
      f.rank,
      f.index,
      csvField(f.sourceId),
      csvField(f.label),
      f.neighbourLabel === null ? '' : csvField(f.neighbourLabel),
      f.agreement,
      f.reach,
      f.isolation,
      f.cluster,
      csvField(f.mappedLabel),
      f.backed,
      f.q,
      f.confidence,
      f.distance,
      f.score,
      ...(withFlip ? [f.flipped] : []),
    ].join(','),
  );
  return `${[head.join(','), ...rows].join('\n')}\n`;
}
