/** Sample figures and a sample report, shaped like what the pipeline will pass. */
import type { Figure } from '../../src/report/figures.js';
import type { Report } from '../../src/report/html.js';
import { Rng } from '../../src/tensor/random.js';

/** One figure of every kind, with data shaped like the pipeline's. */
export function sampleFigures(): Figure[] {
  const rng = new Rng(1);
  const n = 300;
  const points = new Float64Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    points[2 * i] = rng.normal() * 4 + (labels[i] ? 20 : -20);
    points[2 * i + 1] = rng.normal() * 6;
  }
  const iterations = Array.from({ length: 30 }, (_, k) => k * 150);
  const matrix = (rows: number, cols: number): { rows: number; cols: number; values: Float64Array } => ({
    rows,
    cols,
    values: Float64Array.from({ length: rows * cols }, () => rng.uniform()),
  });
  const wave = (sign: number): number[] => Array.from({ length: 32 }, (_, i) => (i < 16 ? 0.02 * rng.normal() : sign * Math.sin((i - 16) / 3)));
  return [
    { kind: 'scatter', title: 'Codes after pre-training', points, labels, classNames: ['local', 'teleseismic'], acc: 0.8738 },
    {
      kind: 'line',
      title: 'Loss parts',
      xLabel: 'iteration',
      yLabel: 'loss',
      yScale: 'log',
      series: [
        { name: 'reconstruction', x: iterations, y: iterations.map((t) => 0.3 * Math.exp(-t / 2000) + 0.01) },
        { name: 'clustering', x: iterations, y: iterations.map((t, k) => (k === 4 ? NaN : 0.02 * Math.exp(-t / 3000))) },
      ],
    },
    {
      kind: 'line',
      title: 'ACC and delta-label',
      xLabel: 'iteration',
      yLabel: 'fraction',
      yMin: 0,
      yMax: 1,
      series: [
        { name: 'ACC', x: iterations, y: iterations.map((t) => 0.87 + 0.11 * (1 - Math.exp(-t / 1500))) },
        { name: 'delta label', x: iterations, y: iterations.map((t) => 0.05 * Math.exp(-t / 800)) },
      ],
    },
    {
      kind: 'confusion',
      title: 'Confusion matrix',
      rowLabels: ['local', 'teleseismic'],
      columnLabels: ['cluster 0', 'cluster 1'],
      counts: [
        [4612, 88],
        [58, 4442],
      ],
    },
    {
      kind: 'bar',
      title: 'Accuracy per SNR bin',
      xLabel: 'SNR',
      yLabel: 'accuracy',
      yMax: 1,
      categories: ['0-1', '1-2', '2-3', '3-4', '>4'],
      series: [
        { name: 'ours', values: [0.88, 0.93, 0.95, 0.97, 0.98] },
        { name: 'paper', values: [0.91, null, null, null, 0.985] },
      ],
    },
    {
      kind: 'spectrogram-code',
      title: 'Spectrograms beside their codes',
      extent: { x0: 0, x1: 6, y0: 0, y1: 50, xLabel: 'time (s)', yLabel: 'frequency (Hz)' },
      examples: [
        { label: 'local', spectrogram: matrix(16, 48), code: matrix(2, 6) },
        { label: 'teleseismic', spectrogram: matrix(16, 48), code: matrix(2, 6) },
      ],
    },
    {
      kind: 'waveform-code',
      title: 'P windows beside their codes',
      sampleRate: 100,
      examples: [
        { label: 'up', waveform: wave(1), pick: 16, code: [0.8, -0.2] },
        { label: 'down', waveform: wave(-1), pick: 16, code: [-0.5, 0.6] },
      ],
    },
    {
      kind: 'input-rows',
      title: 'Flagged records beside typical ones',
      sampleRate: 100,
      pick: 16,
      rows: [
        {
          label: '#1 record 12: q 0.95',
          panels: [
            { title: 'this record, labelled "up"', waveform: wave(-1) },
            { title: 'cluster 1, "down"', waveform: wave(-1) },
          ],
        },
        {
          label: '#2 record 40: q 0.91',
          panels: [
            { title: 'this record, labelled "down"', waveform: wave(1) },
            { title: 'cluster 0, "up"', waveform: wave(1) },
          ],
        },
      ],
    },
  ];
}

/** A report with every figure kind, tables, and text that needs escaping. */
export function sampleReport(): Report {
  const figures = sampleFigures();
  return {
    title: 'seiscluster report: task A <demo>',
    subtitle: 'seiscluster demo --quick',
    settings: { task: 'A', seed: 1, updateInterval: 150, gamma: 0.1, backend: 'cpu', data: { source: 'synthetic', records: 600 }, tol: null },
    provenance: {
      sources: [{ path: 'data/<weird> & "name".h5', records: 600, note: 'synthetic, seed 1' }],
      countsPerLabel: { local: 300, teleseismic: 300 },
      preprocessing: ['resample to 100 Hz', 'demean, detrend, normalise', 'band-pass 1-20 Hz', 'STFT magnitude, 16 x 48'],
      notes: 'Labels are used for evaluation only.',
    },
    results: [
      { stage: 'k-means on raw time series', acc: 0.512, nmi: 0.001, ari: 0.0, paperAcc: 0.501 },
      { stage: 'k-means on spectrograms', acc: { mean: 0.85, sd: 0.012, runs: 5 }, nmi: { mean: 0.41, sd: 0.02, runs: 5 }, ari: null, paperAcc: 0.85 },
      { stage: 'deep clustering, final', acc: 0.9841, nmi: 0.89, ari: 0.94, paperAcc: 0.9841, note: 'after 5,700 iterations' },
    ],
    sections: [
      { title: 'Maps of the data (t-SNE)', text: 'Coloured by label.\n\nACC in each title.', figures: figures.slice(0, 1) },
      { title: 'Training', figures: figures.slice(1, 3) },
      {
        title: 'Evaluation',
        tables: [
          {
            caption: 'Per class',
            columns: ['class', 'precision', 'recall', 'F', 'support'],
            rows: [
              ['local', 0.98, 0.99, 0.98, 4700],
              ['teleseismic', 0.99, 0.98, 0.98, 4500],
            ],
          },
        ],
        figures: figures.slice(3, 5),
      },
      { title: 'Inputs beside their codes', figures: figures.slice(5) },
    ],
  };
}
