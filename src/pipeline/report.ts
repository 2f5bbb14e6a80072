/**
 * The report of a run (src/report/html.ts renders it): t-SNE maps of the
 * inputs and of the codes through fine-tuning, inputs beside their codes,
 * the training curves, the evaluation, the clusters by group, the settings
 * and the data's provenance.
 */
import type { ExperimentResult, FineTuneCheck } from '../cluster/experiment.js';
import { MIN_CLUSTER_SHARE } from '../cluster/selection.js';
import type { GroupingScore } from '../cluster/grouping.js';
import type { Figure } from '../report/figures.js';
import type { JsonValue, Report, ResultRow, Section } from '../report/html.js';
import { tsne } from '../report/tsne.js';
import { Rng } from '../tensor/random.js';
import { recordSize, type PipelineData } from './data.js';
import type { RunEvaluation } from './evaluation.js';
import { groupingSections } from './grouping.js';
import { paperClassText } from './paper.js';
import type { Stages } from './progress.js';
import type { PipelineSettings } from './settings.js';

/** Codes and clusters of every record at one fine-tuning update, for the maps. */
export interface Snapshot {
  readonly iteration: number;
  readonly codes: Float32Array;
  readonly clusters: Int32Array;
  readonly acc?: number;
}

/** A seeded random subset of record indices for the t-SNE maps. */
function subset(n: number, m: number, seed: number): Int32Array {
  if (n <= m) return Int32Array.from({ length: n }, (_, i) => i);
  return new Rng(seed).permutation(n).subarray(0, m).sort();
}

function gather(values: Float32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(values.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

export function buildReport(
  data: PipelineData,
  s: PipelineSettings,
  rows: readonly ResultRow[],
  result: ExperimentResult,
  snapshots: readonly Snapshot[],
  evaluation: RunEvaluation | undefined,
  grouping: readonly GroupingScore[] | undefined,
  stages: Stages,
): Report {
  const n = result.fineTune.prediction.n;
  const size = recordSize(data);
  const codeSize = result.fineTune.prediction.codeSize;
  const pick = subset(n, s.tsnePoints, s.seed + 5);
  const classNames = data.classNames ?? Array.from({ length: s.k }, (_, c) => `cluster ${c}`);
  // Coloured by label where labels were given for evaluation, else by cluster.
  const colour = (clusters: ArrayLike<number>): Int32Array =>
    Int32Array.from(pick, (i) => (data.labels !== undefined && data.labels[i]! >= 0 ? data.labels[i]! : clusters[i]!));
  stages.start(`${data.name}: t-SNE maps`, 0, 'maps');
  let done = 0;
  const map = (title: string, values: Float32Array, width: number, clusters: ArrayLike<number>, acc: number | undefined): Figure => {
    const points = tsne(gather(values, width, pick), pick.length, width, { seed: s.seed, iterations: s.tsneIterations });
    stages.advance(++done);
    const names = data.labels !== undefined ? classNames : Array.from({ length: s.k }, (_, c) => `cluster ${c}`);
    return {
      kind: 'scatter',
      title,
      name: title.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      points,
      labels: colour(clusters),
      classNames: names,
      ...(acc !== undefined && { acc }),
    };
  };
  // The k-means-on-codes row already scored the clusters the first map shows.
  const codesAcc = rows.find((r) => r.stage === 'k-means on codes')?.acc;

  const maps: Figure[] = [];
  const km = result.kMeans.labels;
  if (data.raw) maps.push(map('Raw time series', data.raw.values, data.raw.length, km, undefined));
  maps.push(map(data.task === 'A' ? 'Spectrograms' : 'P windows', data.inputs, size, km, undefined));
  // Fine-tuning snapshots: the first (codes after pre-training, clustered by k-means), one in the middle and the last.
  const chosen = [...new Set([0, Math.floor((snapshots.length - 1) / 2), snapshots.length - 1])].filter((i) => i >= 0 && i < snapshots.length);
  for (const i of chosen) {
    const snap = snapshots[i]!;
    const keptStart = result.fineTuneCheck?.kept === 'start' ? ' (the model kept: fine-tuning gave way to its start)' : '';
    const title = i === 0 ? `Codes after pre-training${keptStart}` : `Codes at fine-tuning iteration ${snap.iteration}`;
    maps.push(map(title, snap.codes, codeSize, i === 0 ? km : snap.clusters, i === 0 ? (typeof codesAcc === 'number' ? codesAcc : undefined) : snap.acc));
  }
  stages.finish();

  const history = result.fineTune.history;
  const it = history.map((u) => u.iteration);
  const curves: Figure[] = [
    {
      kind: 'line',
      title: 'Pre-training reconstruction loss',
      name: 'pretraining-loss',
      xLabel: 'epoch',
      yLabel: 'MSE',
      yScale: 'log',
      series: [{ name: 'MSE', x: result.pretrain.epochLosses.map((_, e) => e + 1), y: result.pretrain.epochLosses }],
    },
    {
      kind: 'line',
      title: 'Fine-tuning loss parts',
      name: 'finetune-loss',
      xLabel: 'iteration',
      yLabel: 'loss',
      yScale: 'log',
      series: (['total', 'kl', 'reconstruction'] as const).map((part) => ({
        name: part === 'kl' ? 'KL(P||Q)' : part === 'reconstruction' ? 'MSE' : 'total',
        x: history.filter((u) => u.loss !== null).map((u) => u.iteration),
        y: history.filter((u) => u.loss !== null).map((u) => u.loss![part]),
      })),
    },
    {
      kind: 'line',
      title: 'Delta-label at each target update',
      name: 'delta-label',
      xLabel: 'iteration',
      yLabel: 'fraction changed',
      series: [{ name: 'delta-label', x: it, y: history.map((u) => u.deltaLabel) }],
    },
  ];
  if (history.some((u) => u.acc !== undefined))
    curves.push({
      kind: 'line',
      title: 'ACC, NMI and ARI during fine-tuning',
      name: 'scores',
      xLabel: 'iteration',
      yLabel: 'score',
      yMin: 0,
      yMax: 1,
      series: (['acc', 'nmi', 'ari'] as const).map((m) => ({ name: m.toUpperCase(), x: it, y: history.map((u) => u[m] ?? Number.NaN) })),
    });

  const sections: Section[] = [
    {
      title: "Maps of the data (t-SNE, as the paper's Fig. 3)",
      text: `${pick.length} of ${n} records (a seeded random subset), ${s.tsneIterations} t-SNE iterations each; coloured by ${data.labels ? 'label (given for evaluation only)' : 'cluster'}.`,
      figures: maps,
    },
    { title: 'Inputs beside their codes (Fig. 4)', figures: [examplesFigure(data, result, classNames)] },
    { title: 'Training', figures: curves },
  ];
  if (evaluation) {
    const figures: Figure[] = [
      {
        kind: 'confusion',
        title: 'Confusion matrix after fine-tuning',
        name: 'confusion',
        rowLabels: evaluation.confusion.trueLabels.map((c) => classNames[c] ?? String(c)),
        columnLabels: evaluation.confusion.predLabels.map((c) => `cluster ${c}`),
        counts: evaluation.confusion.counts,
        rowTitle: 'class',
        columnTitle: 'cluster',
      },
    ];
    if (evaluation.bySnr)
      figures.push({
        kind: 'bar',
        title: 'Accuracy per SNR bin (Fig. S2)',
        name: 'accuracy-by-snr',
        categories: evaluation.bySnr.map((b) => b.bin),
        series: [{ name: 'ACC', values: evaluation.bySnr.map((b) => b.acc) }],
        xLabel: 'SNR',
        yLabel: 'accuracy',
        yMin: 0,
        yMax: 1,
      });
    sections.push({
      title: 'Evaluation',
      tables: [
        {
          caption: 'Per class, clusters mapped to classes by the Hungarian algorithm',
          columns: ['class', 'precision', 'recall', 'F', 'support', 'paper P / R / F'],
          rows: evaluation.perClass.map((c) => {
            const name = classNames[c.label] ?? String(c.label);
            return [name, c.precision, c.recall, c.f1, c.support, paperClassText(name)];
          }),
        },
        ...(evaluation.bySnr
          ? [{ caption: 'Accuracy per SNR bin', columns: ['SNR', 'records', 'ACC'], rows: evaluation.bySnr.map((b) => [b.bin, b.count, b.acc]) }]
          : []),
      ],
      figures,
    });
  }
  const byGroup = groupingSections(grouping ?? [], s.k);
  sections.push(...byGroup.sections);
  const settings: Record<string, JsonValue> = {
    command: s.command,
    seed: s.seed,
    backend: s.backend.name,
    model: s.description.name ?? 'custom',
    k: s.k,
    'pre-training': `${s.epochs} epochs, batch ${s.batchSize}, Adam lr 1e-3`,
    'k-means': `k-means++, ${s.nInit} restarts`,
    ...(result.restarts && { 'whole-run restarts': describeRestarts(result.restarts) }),
    'fine-tuning': `batch ${s.fineTuneBatchSize}, update interval ${s.updateInterval}, tol ${s.tol}, max ${s.maxIter} iterations, ${s.shuffleFineTune ? 'shuffled' : 'in order'}, target balance ${s.targetBalance}`,
    loss: s.loss.form === 'paper' ? `(1 - ${s.loss.lambda ?? 0.1}) MSE + ${s.loss.lambda ?? 0.1} KL` : `${s.loss.gamma ?? 0.1} KL + MSE`,
    'record order': s.permute ? 'a seeded random permutation, once before training' : 'as given',
    'stopped by': `${result.fineTune.stopReason} after ${result.fineTune.iterations} iterations`,
    ...(result.fineTuneCheck && {
      'fine-tuning kept': `${result.fineTuneCheck.kept === 'end' ? 'its end' : 'its start'} (${describeFineTuneCheck(result.fineTuneCheck)})`,
    }),
    'run time': `${result.seconds.toFixed(1)} s`,
  };
  return {
    title: `seiscluster: ${data.name}`,
    subtitle: `${s.command} — ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    settings,
    provenance: data.provenance,
    ...(byGroup.alerts.length > 0 && { alerts: byGroup.alerts }),
    results: rows,
    sections,
  };
}

/** E.g. "silhouette on the inputs: start 0.383, end 0.380". */
export function describeFineTuneCheck(c: FineTuneCheck): string {
  return `silhouette on the inputs: start ${c.start.toFixed(3)}, end ${c.end.toFixed(3)}`;
}

/** E.g. "3, seeds 0, 7919, 15838; kept 7919 (silhouette on the inputs 0.412; the others 0.301, 0.405)", and the runs passed over. */
export function describeRestarts(r: NonNullable<ExperimentResult['restarts']>): string {
  const score = (i: number): string => r.scores[i]!.toFixed(3);
  const others = r.scores.map((_, i) => i).filter((i) => i !== r.chosen);
  const what = r.rule === 'silhouette' ? 'silhouette on the inputs' : 'mean ARI with the others';
  const passed =
    r.passedOver.length === 0
      ? ''
      : `; passed over for a cluster under ${100 * MIN_CLUSTER_SHARE} % of the records: ${r.passedOver.map((i) => r.seeds[i]).join(', ')}`;
  return `${r.seeds.length}, seeds ${r.seeds.join(', ')}; kept ${r.seeds[r.chosen]} (${what} ${score(r.chosen)}; the others ${others.map(score).join(', ')}${passed})`;
}

/** Two records per class (or cluster) beside their codes after fine-tuning. */
function examplesFigure(data: PipelineData, result: ExperimentResult, classNames: readonly string[]): Figure {
  const p = result.fineTune.prediction;
  const size = recordSize(data);
  const groups = data.labels ?? p.clusters;
  const chosen: number[] = [];
  for (let c = 0; c < classNames.length; c++) {
    let found = 0;
    for (let i = 0; i < groups.length && found < 2; i++)
      if (groups[i] === c) {
        chosen.push(i);
        found++;
      }
  }
  const [codeRows, codeCols] = codeGrid(result.model.codeShape);
  const label = (i: number): string => `${classNames[groups[i]!] ?? `#${i}`} (cluster ${p.clusters[i]})`;
  if (data.task === 'A') {
    const [bins, frames] = data.inputShape as [number, number];
    return {
      kind: 'spectrogram-code',
      title: 'Spectrograms and their codes',
      name: 'inputs-and-codes',
      examples: chosen.map((i) => ({
        label: label(i),
        spectrogram: { rows: bins, cols: frames, values: data.inputs.subarray(i * size, (i + 1) * size) },
        code: { rows: codeRows, cols: codeCols, values: p.codes.subarray(i * p.codeSize, (i + 1) * p.codeSize) },
      })),
      extent: { x0: -1, x1: 5, y0: 0, y1: 50, xLabel: 'time from P (s)', yLabel: 'frequency (Hz)' },
    };
  }
  return {
    kind: 'waveform-code',
    title: 'P windows and their codes',
    name: 'inputs-and-codes',
    examples: chosen.map((i) => ({
      label: label(i),
      waveform: data.inputs.subarray(i * size, (i + 1) * size),
      code: p.codes.subarray(i * p.codeSize, (i + 1) * p.codeSize),
      pick: 10,
    })),
    sampleRate: 100,
  };
}

/** Rows and columns to draw a code as a picture: [C, H, W] codes as H x (C W), [C, L] as C x L. */
function codeGrid(shape: readonly number[]): [number, number] {
  if (shape.length === 3) return [shape[1]!, shape[0]! * shape[2]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  return [1, shape.reduce((a, b) => a * b, 1)];
}
