/**
 * What a figure is, as data: one descriptor per kind (the kinds of figures.ts's
 * comment), and what rendering one gives.
 */
export interface FigureBase {
  /** Drawn at the top of the figure (wrapped when long). */
  title: string;
  /** Shown under the figure in the report. */
  caption?: string;
  /** Stem of the figure's file names; default derived from the title. */
  name?: string;
}

/** A t-SNE map (or any 2-D point set) coloured by class or cluster, like the paper's Fig. 3. */
export interface ScatterFigure extends FigureBase {
  kind: 'scatter';
  /** n x 2 coordinates, row-major (what `tsne` returns). */
  points: ArrayLike<number>;
  /** n class or cluster ids: non-negative integers, indexing `classNames`. */
  labels: ArrayLike<number>;
  /** Legend names by id; default "class <id>". */
  classNames?: readonly string[];
  /** Clustering accuracy in [0, 1]; appended to the title as "ACC xx.xx %". */
  acc?: number;
  xLabel?: string;
  yLabel?: string;
}

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  /** Same length as x; a non-finite value (or <= 0 on a log axis) breaks the line. */
  y: ArrayLike<number>;
}

/** Curves against iteration: loss parts, delta-label, ACC. */
export interface LineFigure extends FigureBase {
  kind: 'line';
  series: readonly LineSeries[];
  xLabel: string;
  yLabel: string;
  /** Default 'linear'. */
  yScale?: 'linear' | 'log';
  /** Fixed y range (e.g. 0 and 1 for ACC); default from the data, widened to round ticks. */
  yMin?: number;
  yMax?: number;
}

/** Counts of true class (rows) against cluster (columns). */
export interface ConfusionFigure extends FigureBase {
  kind: 'confusion';
  rowLabels: readonly string[];
  columnLabels: readonly string[];
  /** counts[row][column], non-negative. */
  counts: readonly (readonly number[])[];
  /** Default 'true class'. */
  rowTitle?: string;
  /** Default 'cluster'. */
  columnTitle?: string;
}

export interface BarSeries {
  name: string;
  /** One value per category; null (or non-finite) for none. */
  values: readonly (number | null)[];
}

/** Grouped bars, e.g. accuracy per SNR bin (Fig. S2), ours beside the paper's. */
export interface BarFigure extends FigureBase {
  kind: 'bar';
  categories: readonly string[];
  series: readonly BarSeries[];
  xLabel: string;
  yLabel: string;
  /** Default: 0 and the data's maximum widened to a round tick. */
  yMin?: number;
  yMax?: number;
}

/** A matrix shown as a heat map. Row 0 is drawn at the bottom (lowest frequency bin first). */
export interface HeatMatrix {
  rows: number;
  cols: number;
  /** rows x cols values, row-major; non-finite cells are drawn grey. */
  values: ArrayLike<number>;
}

/** Physical axes of a spectrogram: the matrix fills [x0, x1] x [y0, y1]. */
export interface HeatExtent {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  xLabel: string;
  yLabel: string;
}

/** Spectrograms beside their codes (Fig. 4a). */
export interface SpectrogramCodeFigure extends FigureBase {
  kind: 'spectrogram-code';
  examples: readonly { label: string; spectrogram: HeatMatrix; code: HeatMatrix }[];
  /** Physical axes of the spectrogram; default bin and frame indices. */
  extent?: HeatExtent;
}

/** P windows beside their codes (Fig. 4b). */
export interface WaveformCodeFigure extends FigureBase {
  kind: 'waveform-code';
  examples: readonly { label: string; waveform: ArrayLike<number>; code: ArrayLike<number>; pick?: number }[];
  /** Samples per second; the time axis is in seconds when given, else in samples. */
  sampleRate?: number;
}

/** One input in a row of `InputRowsFigure`: a spectrogram or a waveform, with a title above it. */
export type InputPanel = { title: string; spectrogram: HeatMatrix } | { title: string; waveform: ArrayLike<number> };

/**
 * Inputs side by side, a row per example: a record beside typical ones (a
 * suspect label beside its cluster's typical input, `seiscluster qc`).
 */
export interface InputRowsFigure extends FigureBase {
  kind: 'input-rows';
  rows: readonly { label: string; panels: readonly InputPanel[] }[];
  /** Physical axes of the spectrograms; default bin and frame indices. */
  extent?: HeatExtent;
  /** Samples per second of the waveforms; the time axis is in seconds when given, else in samples. */
  sampleRate?: number;
  /** Sample of the P pick in the waveforms, drawn as a dashed line. */
  pick?: number;
}

export type Figure = ScatterFigure | LineFigure | ConfusionFigure | BarFigure | SpectrogramCodeFigure | WaveformCodeFigure | InputRowsFigure;

export interface RenderedFigure {
  /** Size in CSS pixels (SVG units); the PNG has `pixelRatio` times as many pixels each way. */
  width: number;
  height: number;
  png: Uint8Array;
  svg: string;
}

export interface RenderOptions {
  /** PNG pixels per SVG unit. Default 2, sharp on high-density screens. */
  pixelRatio?: number;
}
