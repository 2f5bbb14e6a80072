/**
 * The report's figures, each drawn once through a small drawing interface and
 * rendered twice from that one drawing: as PNG (our raster canvas at 2 pixels
 * per unit, for the report and the PNG files) and as SVG (vector, for
 * publication). Layout is in SVG units; text uses the canvas's 5 x 7 bitmap
 * font in the PNG and a monospace font of the same advance in the SVG.
 *
 * The kinds follow the paper's figures: t-SNE maps coloured by class or
 * cluster with ACC in the title (Fig. 3), line charts of training curves,
 * confusion matrices, grouped bar charts (accuracy per SNR bin, Fig. S2), and
 * inputs beside their codes, spectrograms (Fig. 4a) or P windows (Fig. 4b).
 *
 * Colours: the Okabe-Ito palette for categories and a viridis ramp for
 * heat maps, both readable with the common colour-vision deficiencies.
 */
import { Rng } from '../tensor/random.js';
import { Canvas, FONT_ASCENT, parseColor, textWidth, type TextAnchor } from './png.js';

// ---------------------------------------------------------------------------
// Figure descriptors.

interface FigureBase {
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

/** Spectrograms beside their codes (Fig. 4a). */
export interface SpectrogramCodeFigure extends FigureBase {
  kind: 'spectrogram-code';
  examples: readonly { label: string; spectrogram: HeatMatrix; code: HeatMatrix }[];
  /** Physical axes of the spectrogram; default bin and frame indices. */
  extent?: { x0: number; x1: number; y0: number; y1: number; xLabel: string; yLabel: string };
}

/** P windows beside their codes (Fig. 4b). */
export interface WaveformCodeFigure extends FigureBase {
  kind: 'waveform-code';
  examples: readonly { label: string; waveform: ArrayLike<number>; code: ArrayLike<number>; pick?: number }[];
  /** Samples per second; the time axis is in seconds when given, else in samples. */
  sampleRate?: number;
}

export type Figure = ScatterFigure | LineFigure | ConfusionFigure | BarFigure | SpectrogramCodeFigure | WaveformCodeFigure;

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

// ---------------------------------------------------------------------------
// Colours.

/** Okabe-Ito, ordered for contrast on white (yellow, the faintest, last). */
export const PALETTE: readonly string[] = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9', '#000000', '#f0e442'];

/** Viridis at ten even stops (its published anchor colours). */
const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'].map(parseColor);
/** ColorBrewer Blues' ends, for confusion matrices: light is few, dark is many. */
const BLUES = [parseColor('#f7fbff'), parseColor('#6baed6'), parseColor('#08306b')];
const INK = '#222222';
const GRID = '#e6e6e6';
const AXIS = '#555555';
const MISSING_CELL = '#bbbbbb';

function hex(r: number, g: number, b: number): string {
  const h = (v: number): string =>
    Math.round(Math.max(0, Math.min(255, v)))
      .toString(16)
      .padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

function ramp(stops: readonly (readonly number[])[], t: number): string {
  const u = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return hex(a[0]! + (b[0]! - a[0]!) * f, a[1]! + (b[1]! - a[1]!) * f, a[2]! + (b[2]! - a[2]!) * f);
}

/** Viridis colour of t in [0, 1]. */
export function viridis(t: number): string {
  return ramp(VIRIDIS, t);
}

function categoryColor(id: number): string {
  return PALETTE[id % PALETTE.length]!;
}

function luminance(color: string): number {
  const [r, g, b] = parseColor(color);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

// ---------------------------------------------------------------------------
// Ticks.

export interface Ticks {
  /** Lower and upper end of the axis: multiples of the step that enclose the data. */
  lo: number;
  hi: number;
  step: number;
  values: number[];
}

/**
 * Round tick values (1, 2 or 5 times a power of ten apart) covering [min, max]
 * with about `target` intervals. A degenerate range is widened around its value.
 */
export function niceTicks(min: number, max: number, target = 5): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`niceTicks: range [${min}, ${max}] is not finite`);
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) / 2;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  // Nudge by a hair so that values already on a tick do not gain one more interval from round-off.
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const count = Math.round((hi - lo) / step);
  const digits = decimals(step);
  const values = Array.from({ length: count + 1 }, (_, k) => Number((lo + k * step).toFixed(digits)));
  return { lo: values[0]!, hi: values[count]!, step, values };
}

function decimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** A tick label: as many decimals as the step needs; exponent form for very large or small magnitudes. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e6 || a < 1e-4) return value.toExponential(Math.max(0, Math.min(3, Math.round(Math.log10(a / step))))).replace('e+', 'e');
  return value.toFixed(Math.min(10, decimals(step)));
}

/** Powers of ten spanning [min, max] (both > 0), for a log axis. */
function logTicks(min: number, max: number): Ticks {
  let e0 = Math.floor(Math.log10(min) + 1e-9);
  let e1 = Math.ceil(Math.log10(max) - 1e-9);
  if (e1 === e0) {
    e0 -= 1;
    e1 += 1;
  }
  const values = Array.from({ length: e1 - e0 + 1 }, (_, k) => 10 ** (e0 + k));
  return { lo: values[0]!, hi: values[values.length - 1]!, step: 10, values };
}

function formatLogTick(v: number): string {
  const e = Math.round(Math.log10(v));
  return e >= -3 && e <= 4 ? String(Number(v.toFixed(Math.max(0, -e)))) : `1e${e}`;
}

/** Up to 3 significant digits, no exponent for everyday magnitudes. */
function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

// ---------------------------------------------------------------------------
// Drawing surfaces: one drawing, two renderings.

interface TextStyle {
  color?: string;
  /** Font units: 1 draws the 5 x 7 font at 5 x 7 SVG units. Default 1.5. */
  size?: number;
  anchor?: TextAnchor;
  vertical?: boolean;
}

interface Surface {
  rect(x: number, y: number, w: number, h: number, fill: string): void;
  line(x0: number, y0: number, x1: number, y1: number, stroke: string, width?: number): void;
  /** A connected line through (x, y) pairs. */
  polyline(xy: readonly number[], stroke: string, width?: number): void;
  dot(cx: number, cy: number, r: number, fill: string): void;
  /** Text with its baseline at y (see Canvas.text for vertical text). */
  text(x: number, y: number, s: string, style?: TextStyle): void;
}

const TICK_SIZE = 1.5;
const TITLE_SIZE = 2;
const SMALL_SIZE = 1;

function textLength(s: string, size = TICK_SIZE): number {
  return textWidth(s) * size;
}

class RasterSurface implements Surface {
  readonly canvas: Canvas;

  constructor(
    width: number,
    height: number,
    private readonly ratio: number,
  ) {
    this.canvas = new Canvas(Math.ceil(width * ratio), Math.ceil(height * ratio));
  }

  rect(x: number, y: number, w: number, h: number, fill: string): void {
    const r = this.ratio;
    this.canvas.fillRect(x * r, y * r, w * r, h * r, fill);
  }

  line(x0: number, y0: number, x1: number, y1: number, stroke: string, width = 1): void {
    const r = this.ratio;
    this.canvas.line(x0 * r, y0 * r, x1 * r, y1 * r, stroke, width * r);
  }

  polyline(xy: readonly number[], stroke: string, width = 1): void {
    for (let k = 2; k + 1 < xy.length; k += 2) this.line(xy[k - 2]!, xy[k - 1]!, xy[k]!, xy[k + 1]!, stroke, width);
  }

  dot(cx: number, cy: number, r: number, fill: string): void {
    this.canvas.dot(cx * this.ratio, cy * this.ratio, r * this.ratio, fill);
  }

  text(x: number, y: number, s: string, style: TextStyle = {}): void {
    const r = this.ratio;
    this.canvas.text(x * r, y * r, s, style.color ?? INK, {
      scale: Math.max(1, Math.round((style.size ?? TICK_SIZE) * r)),
      anchor: style.anchor ?? 'start',
      vertical: style.vertical ?? false,
    });
  }
}

/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const num = (v: number): string => String(Math.round(v * 100) / 100);

/** SVG colour attributes: #rrggbbaa becomes a colour plus an opacity, which every renderer reads. */
function paint(attr: 'fill' | 'stroke', color: string): string {
  const [r, g, b, a] = parseColor(color);
  return a === 255 ? `${attr}="${hex(r, g, b)}"` : `${attr}="${hex(r, g, b)}" ${attr}-opacity="${num(a / 255)}"`;
}

class SvgSurface implements Surface {
  private readonly parts: string[] = [];

  rect(x: number, y: number, w: number, h: number, fill: string): void {
    if (!(w > 0 && h > 0)) return;
    this.parts.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" ${paint('fill', fill)}/>`);
  }

  line(x0: number, y0: number, x1: number, y1: number, stroke: string, width = 1): void {
    this.parts.push(
      `<line x1="${num(x0)}" y1="${num(y0)}" x2="${num(x1)}" y2="${num(y1)}" ${paint('stroke', stroke)} stroke-width="${num(width)}" stroke-linecap="round"/>`,
    );
  }

  polyline(xy: readonly number[], stroke: string, width = 1): void {
    if (xy.length < 4) return;
    const pts: string[] = [];
    for (let k = 0; k + 1 < xy.length; k += 2) pts.push(`${num(xy[k]!)},${num(xy[k + 1]!)}`);
    this.parts.push(
      `<polyline points="${pts.join(' ')}" fill="none" ${paint('stroke', stroke)} stroke-width="${num(width)}" stroke-linejoin="round" stroke-linecap="round"/>`,
    );
  }

  dot(cx: number, cy: number, r: number, fill: string): void {
    this.parts.push(`<circle cx="${num(cx)}" cy="${num(cy)}" r="${num(r)}" ${paint('fill', fill)}/>`);
  }

  text(x: number, y: number, s: string, style: TextStyle = {}): void {
    const size = style.size ?? TICK_SIZE;
    const anchor = style.anchor ?? 'start';
    // Font size 10 per font unit: a monospace advance of 0.6 em is then the bitmap font's 6.
    const rotate = style.vertical ? ` transform="rotate(-90 ${num(x)} ${num(y)})"` : '';
    this.parts.push(
      `<text x="${num(x)}" y="${num(y)}" font-size="${num(10 * size)}" text-anchor="${anchor}" ${paint('fill', style.color ?? INK)}${rotate}>${escapeXml(s)}</text>`,
    );
  }

  toString(width: number, height: number, title: string): string {
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">` +
      `<rect width="${width}" height="${height}" fill="#ffffff"/>${this.parts.join('')}</svg>`
    );
  }
}

// ---------------------------------------------------------------------------
// Layout helpers.

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Splits text into lines of at most `width` units at spaces (a longer word gets a line to itself). */
function wrap(s: string, width: number, size: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(/\s+/).filter((w) => w.length > 0)) {
    const next = line === '' ? word : `${line} ${word}`;
    if (line !== '' && textLength(next, size) > width) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

const LINE_HEIGHT = 12; // SVG units per font unit of line pitch (9 rows of font plus 3 of leading)

/** Draws the wrapped title centred at the top; returns the y below it. */
function drawTitle(s: Surface, title: string, width: number): number {
  const lines = wrap(title, width - 24, TITLE_SIZE);
  let y = 12;
  for (const line of lines) {
    y += FONT_ASCENT * TITLE_SIZE;
    s.text(width / 2, y, line, { size: TITLE_SIZE, anchor: 'middle' });
    y += (LINE_HEIGHT - FONT_ASCENT) * TITLE_SIZE;
  }
  return y + 4;
}

function titleHeight(title: string, width: number): number {
  return 16 + wrap(title, width - 24, TITLE_SIZE).length * LINE_HEIGHT * TITLE_SIZE;
}

interface Axis {
  ticks: Ticks;
  /** Data value to SVG coordinate. */
  map: (v: number) => number;
  label: (v: number) => string;
}

function linearAxis(ticks: Ticks, from: number, to: number): Axis {
  const span = ticks.hi - ticks.lo || 1;
  return { ticks, map: (v) => from + ((v - ticks.lo) / span) * (to - from), label: (v) => formatTick(v, ticks.step) };
}

function logAxis(ticks: Ticks, from: number, to: number): Axis {
  const l0 = Math.log10(ticks.lo);
  const span = Math.log10(ticks.hi) - l0 || 1;
  return { ticks, map: (v) => from + ((Math.log10(v) - l0) / span) * (to - from), label: formatLogTick };
}

/** Grid, frame, ticks and axis titles around a plot box. */
function drawAxes(s: Surface, box: Box, x: Axis | null, y: Axis, xLabel: string, yLabel: string): void {
  for (const v of y.ticks.values) {
    const py = y.map(v);
    s.line(box.x, py, box.x + box.w, py, GRID, 1);
    s.line(box.x - 4, py, box.x, py, AXIS, 1);
    s.text(box.x - 7, py + (FONT_ASCENT * TICK_SIZE) / 2, y.label(v), { anchor: 'end', color: AXIS });
  }
  if (x) {
    for (const v of x.ticks.values) {
      const px = x.map(v);
      s.line(px, box.y, px, box.y + box.h, GRID, 1);
      s.line(px, box.y + box.h, px, box.y + box.h + 4, AXIS, 1);
      s.text(px, box.y + box.h + 8 + FONT_ASCENT * TICK_SIZE, x.label(v), { anchor: 'middle', color: AXIS });
    }
  }
  frame(s, box);
  s.text(box.x + box.w / 2, box.y + box.h + 40, xLabel, { anchor: 'middle' });
  const widest = Math.max(...y.ticks.values.map((v) => textLength(y.label(v))));
  s.text(box.x - 20 - widest, box.y + box.h / 2, yLabel, { anchor: 'middle', vertical: true });
}

function frame(s: Surface, box: Box): void {
  s.line(box.x, box.y, box.x + box.w, box.y, AXIS, 1);
  s.line(box.x, box.y + box.h, box.x + box.w, box.y + box.h, AXIS, 1);
  s.line(box.x, box.y, box.x, box.y + box.h, AXIS, 1);
  s.line(box.x + box.w, box.y, box.x + box.w, box.y + box.h, AXIS, 1);
}

/** The left margin a y axis needs: tick labels, gap, rotated title. */
function yAxisMargin(axis: Ticks, label: (v: number) => string): number {
  return 36 + Math.max(...axis.values.map((v) => textLength(label(v))));
}

interface LegendEntry {
  name: string;
  color: string;
  /** 'dot' for points, 'line' for curves, 'box' for bars. */
  mark: 'dot' | 'line' | 'box';
}

const LEGEND_ROW = 20;

function legendWidth(entries: readonly LegendEntry[]): number {
  return entries.length === 0 ? 0 : 36 + Math.max(...entries.map((e) => textLength(e.name)));
}

function drawLegend(s: Surface, x: number, y: number, entries: readonly LegendEntry[]): void {
  entries.forEach((e, k) => {
    const cy = y + k * LEGEND_ROW + LEGEND_ROW / 2;
    if (e.mark === 'dot') s.dot(x + 8, cy, 4, e.color);
    else if (e.mark === 'line') s.line(x + 1, cy, x + 15, cy, e.color, 2.5);
    else s.rect(x + 2, cy - 6, 12, 12, e.color);
    s.text(x + 22, cy + (FONT_ASCENT * TICK_SIZE) / 2, e.name);
  });
}

function fail(figure: FigureBase, problem: string): never {
  throw new Error(`figure ${JSON.stringify(figure.title)}: ${problem}`);
}

// ---------------------------------------------------------------------------
// The figures.

interface Layout {
  width: number;
  height: number;
  draw: (s: Surface) => void;
}

function scatterLayout(f: ScatterFigure): Layout {
  const n = f.labels.length;
  if (f.points.length !== 2 * n) fail(f, `points hold ${f.points.length} values, 2 x ${n} labels = ${2 * n}`);
  if (n === 0) fail(f, 'no points');
  const ids = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const id = f.labels[i]!;
    if (!Number.isInteger(id) || id < 0) fail(f, `label ${i} is ${id}, not a non-negative integer`);
    ids.set(id, (ids.get(id) ?? 0) + 1);
    if (!Number.isFinite(f.points[2 * i]!) || !Number.isFinite(f.points[2 * i + 1]!)) {
      fail(f, `point ${i} = (${f.points[2 * i]}, ${f.points[2 * i + 1]}) is not finite`);
    }
  }
  if (f.acc !== undefined && !(f.acc >= 0 && f.acc <= 1)) fail(f, `acc ${f.acc} is not a fraction in [0, 1]`);
  const title = f.acc === undefined ? f.title : `${f.title} · ACC ${(100 * f.acc).toFixed(2)} %`;
  const legend: LegendEntry[] = [...ids.keys()]
    .sort((a, b) => a - b)
    .map((id) => ({ name: `${f.classNames?.[id] ?? `class ${id}`} (${ids.get(id)})`, color: categoryColor(id), mark: 'dot' }));

  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, f.points[2 * i]!);
    x1 = Math.max(x1, f.points[2 * i]!);
    y0 = Math.min(y0, f.points[2 * i + 1]!);
    y1 = Math.max(y1, f.points[2 * i + 1]!);
  }
  const xt = niceTicks(x0, x1, 6);
  const yt = niceTicks(y0, y1, 6);
  const plot = 400;
  const left = yAxisMargin(yt, (v) => formatTick(v, yt.step)) + 8;
  const width = left + plot + 20 + legendWidth(legend) + 12;
  const top = titleHeight(title, width);
  const height = top + plot + 56;
  // Small dots, translucent in crowds, so dense regions read as dense.
  const r = n <= 500 ? 3 : n <= 3000 ? 2 : 1.5;
  const alpha = n <= 2000 ? 'e6' : 'a6';
  return {
    width,
    height,
    draw(s) {
      drawTitle(s, title, width);
      const box = { x: left, y: top, w: plot, h: plot };
      const xa = linearAxis(xt, box.x, box.x + box.w);
      const ya = linearAxis(yt, box.y + box.h, box.y);
      drawAxes(s, box, xa, ya, f.xLabel ?? 't-SNE 1', f.yLabel ?? 't-SNE 2');
      // A fixed shuffle of the drawing order, so no class is always painted over the others.
      const order = new Rng(0).permutation(n);
      for (let k = 0; k < n; k++) {
        const i = order[k]!;
        s.dot(xa.map(f.points[2 * i]!), ya.map(f.points[2 * i + 1]!), r, categoryColor(f.labels[i]!) + alpha);
      }
      drawLegend(s, box.x + box.w + 20, box.y, legend);
    },
  };
}

function lineLayout(f: LineFigure): Layout {
  if (f.series.length === 0) fail(f, 'no series');
  const log = f.yScale === 'log';
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const ser of f.series) {
    if (ser.x.length !== ser.y.length) fail(f, `series ${JSON.stringify(ser.name)} has ${ser.x.length} x and ${ser.y.length} y values`);
    for (let i = 0; i < ser.x.length; i++) {
      const x = ser.x[i]!;
      const y = ser.y[i]!;
      if (!Number.isFinite(x)) fail(f, `series ${JSON.stringify(ser.name)}: x[${i}] = ${x} is not finite`);
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      if (Number.isFinite(y) && (!log || y > 0)) {
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x0 === Infinity) fail(f, 'every series is empty');
  if (y0 === Infinity) {
    // Nothing drawable (all NaN, say): still draw the frame, over a unit range.
    y0 = log ? 0.1 : 0;
    y1 = 1;
  }
  if (f.yMin !== undefined) y0 = f.yMin;
  if (f.yMax !== undefined) y1 = f.yMax;
  const yt = log ? logTicks(y0, y1) : niceTicks(y0, y1, 5);
  const xt = niceTicks(x0, x1, 6);
  const yLabelOf = log ? formatLogTick : (v: number): string => formatTick(v, yt.step);
  const legend: LegendEntry[] = f.series.map((ser, k) => ({ name: ser.name, color: categoryColor(k), mark: 'line' }));
  const plotW = 460;
  const plotH = 260;
  const left = yAxisMargin(yt, yLabelOf) + 8;
  const width = left + plotW + 20 + legendWidth(legend) + 12;
  const top = titleHeight(f.title, width);
  const height = top + plotH + 56;
  return {
    width,
    height,
    draw(s) {
      drawTitle(s, f.title, width);
      const box = { x: left, y: top, w: plotW, h: plotH };
      const xa = linearAxis(xt, box.x, box.x + box.w);
      const ya = log ? logAxis(yt, box.y + box.h, box.y) : linearAxis(yt, box.y + box.h, box.y);
      drawAxes(s, box, xa, ya, f.xLabel, f.yLabel);
      f.series.forEach((ser, k) => {
        const color = categoryColor(k);
        const markers = ser.x.length <= 60;
        let run: number[] = [];
        const flush = (): void => {
          s.polyline(run, color, 2);
          run = [];
        };
        for (let i = 0; i < ser.x.length; i++) {
          const y = ser.y[i]!;
          // Points outside a fixed range are clipped to it rather than drawn over the margins.
          if (!Number.isFinite(y) || (log && y <= 0)) {
            flush();
            continue;
          }
          const py = Math.max(box.y, Math.min(box.y + box.h, ya.map(y)));
          const px = xa.map(ser.x[i]!);
          run.push(px, py);
          if (markers) s.dot(px, py, 2.5, color);
        }
        flush();
      });
      drawLegend(s, box.x + box.w + 20, box.y, legend);
    },
  };
}

function confusionLayout(f: ConfusionFigure): Layout {
  const rows = f.rowLabels.length;
  const cols = f.columnLabels.length;
  if (rows === 0 || cols === 0) fail(f, 'no rows or no columns');
  if (f.counts.length !== rows) fail(f, `counts has ${f.counts.length} rows, ${rows} row labels`);
  f.counts.forEach((row, i) => {
    if (row.length !== cols) fail(f, `counts row ${i} has ${row.length} values, ${cols} column labels`);
    row.forEach((v, j) => {
      if (!(Number.isFinite(v) && v >= 0)) fail(f, `counts[${i}][${j}] = ${v} is not a non-negative number`);
    });
  });
  const cellW = Math.max(84, ...f.columnLabels.map((l) => textLength(l) + 12));
  const cellH = 52;
  const rowLabelW = Math.max(...f.rowLabels.map((l) => textLength(l))) + 14;
  const left = 30 + rowLabelW;
  const width = Math.max(left + cols * cellW + 24, textLength(f.title, TITLE_SIZE) + 40, 320);
  const top = titleHeight(f.title, width) + 36;
  const height = top + rows * cellH + 24;
  return {
    width,
    height,
    draw(s) {
      drawTitle(s, f.title, width);
      const x0 = left;
      s.text(x0 + (cols * cellW) / 2, top - 28, f.columnTitle ?? 'cluster', { anchor: 'middle' });
      f.columnLabels.forEach((l, j) => s.text(x0 + (j + 0.5) * cellW, top - 8, l, { anchor: 'middle', color: AXIS }));
      s.text(16, top + (rows * cellH) / 2, f.rowTitle ?? 'true class', { anchor: 'middle', vertical: true });
      f.counts.forEach((row, i) => {
        const total = row.reduce((a, b) => a + b, 0);
        const y = top + i * cellH;
        s.text(x0 - 8, y + cellH / 2 + (FONT_ASCENT * TICK_SIZE) / 2, f.rowLabels[i]!, { anchor: 'end', color: AXIS });
        row.forEach((v, j) => {
          // Shaded by the share of the row (the class's recall in that cluster).
          const share = total > 0 ? v / total : 0;
          const fill = ramp(BLUES, share);
          const x = x0 + j * cellW;
          s.rect(x, y, cellW, cellH, fill);
          const ink = luminance(fill) < 0.5 ? '#ffffff' : INK;
          s.text(x + cellW / 2, y + cellH / 2 - 2, String(v), { anchor: 'middle', color: ink });
          s.text(x + cellW / 2, y + cellH / 2 + 14, `${(100 * share).toFixed(1)} %`, { anchor: 'middle', color: ink, size: SMALL_SIZE });
        });
      });
      frame(s, { x: x0, y: top, w: cols * cellW, h: rows * cellH });
    },
  };
}

function barLayout(f: BarFigure): Layout {
  const m = f.categories.length;
  if (m === 0) fail(f, 'no categories');
  if (f.series.length === 0) fail(f, 'no series');
  let lo = 0;
  let hi = -Infinity;
  for (const ser of f.series) {
    if (ser.values.length !== m) fail(f, `series ${JSON.stringify(ser.name)} has ${ser.values.length} values, ${m} categories`);
    for (const v of ser.values) {
      if (v !== null && Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (hi === -Infinity) hi = 1;
  const yt = niceTicks(f.yMin ?? lo, f.yMax ?? hi, 5);
  const legend: LegendEntry[] = f.series.map((ser, k) => ({ name: ser.name, color: categoryColor(k), mark: 'box' }));
  const plotW = Math.max(300, m * (f.series.length * 36 + 24));
  const plotH = 260;
  const left = yAxisMargin(yt, (v) => formatTick(v, yt.step)) + 8;
  const width = left + plotW + 20 + legendWidth(legend) + 12;
  const top = titleHeight(f.title, width) + 8;
  const height = top + plotH + 56;
  return {
    width,
    height,
    draw(s) {
      drawTitle(s, f.title, width);
      const box = { x: left, y: top, w: plotW, h: plotH };
      const ya = linearAxis(yt, box.y + box.h, box.y);
      drawAxes(s, box, null, ya, f.xLabel, f.yLabel);
      const group = plotW / m;
      const barW = (group * 0.8) / f.series.length;
      const base = ya.map(Math.max(yt.lo, Math.min(yt.hi, 0)));
      f.categories.forEach((c, i) => {
        const gx = box.x + i * group + group * 0.1;
        f.series.forEach((ser, k) => {
          const v = ser.values[i];
          if (v === null || v === undefined || !Number.isFinite(v)) return;
          const py = Math.max(box.y, Math.min(box.y + box.h, ya.map(v)));
          const x = gx + k * barW;
          s.rect(x + 1, Math.min(py, base), barW - 2, Math.abs(base - py), categoryColor(k));
          const label = formatValue(v);
          if (textLength(label, SMALL_SIZE) <= barW - 2) {
            s.text(x + barW / 2, Math.min(py, base) - 4, label, { anchor: 'middle', size: SMALL_SIZE, color: AXIS });
          }
        });
        s.text(box.x + (i + 0.5) * group, box.y + box.h + 8 + FONT_ASCENT * TICK_SIZE, c, { anchor: 'middle', color: AXIS });
      });
      drawLegend(s, box.x + box.w + 20, box.y, legend);
    },
  };
}

function checkMatrix(f: FigureBase, what: string, m: HeatMatrix): void {
  if (!(Number.isInteger(m.rows) && Number.isInteger(m.cols) && m.rows > 0 && m.cols > 0)) {
    fail(f, `${what} is ${m.rows} x ${m.cols}, not a positive size`);
  }
  if (m.values.length !== m.rows * m.cols) fail(f, `${what} is ${m.rows} x ${m.cols} but holds ${m.values.length} values`);
}

function finiteRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

/** A heat map in `box` with row 0 at the bottom, its colour scale set by its own range, and a colour bar to the right. */
function drawHeat(s: Surface, box: Box, m: HeatMatrix, annotate: boolean): void {
  const [lo, hi] = finiteRange(m.values);
  const span = hi - lo || 1;
  const cw = box.w / m.cols;
  const ch = box.h / m.rows;
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const v = m.values[r * m.cols + c]!;
      const fill = Number.isFinite(v) ? viridis((v - lo) / span) : MISSING_CELL;
      const x = box.x + c * cw;
      const y = box.y + (m.rows - 1 - r) * ch;
      s.rect(x, y, cw, ch, fill);
      const label = formatValue(v);
      if (annotate && Number.isFinite(v) && textLength(label, SMALL_SIZE) + 4 <= cw && ch >= 12) {
        s.text(x + cw / 2, y + ch / 2 + (FONT_ASCENT * SMALL_SIZE) / 2, label, {
          anchor: 'middle',
          size: SMALL_SIZE,
          color: luminance(fill) < 0.5 ? '#ffffff' : INK,
        });
      }
    }
  }
  frame(s, box);
  const bx = box.x + box.w + 8;
  const steps = 24;
  for (let k = 0; k < steps; k++) s.rect(bx, box.y + (box.h * (steps - 1 - k)) / steps, 8, box.h / steps + 0.5, viridis(k / (steps - 1)));
  s.text(bx + 12, box.y + FONT_ASCENT * SMALL_SIZE, formatValue(hi), { size: SMALL_SIZE, color: AXIS });
  s.text(bx + 12, box.y + box.h, formatValue(lo), { size: SMALL_SIZE, color: AXIS });
}

const COLOUR_BAR_W = 56;

function spectrogramCodeLayout(f: SpectrogramCodeFigure): Layout {
  if (f.examples.length === 0) fail(f, 'no examples');
  f.examples.forEach((e, k) => {
    checkMatrix(f, `example ${k} spectrogram`, e.spectrogram);
    checkMatrix(f, `example ${k} code`, e.code);
  });
  const ext = f.extent;
  const first = f.examples[0]!.spectrogram;
  const xt = niceTicks(ext?.x0 ?? 0, ext?.x1 ?? first.cols, 6);
  const yt = niceTicks(ext?.y0 ?? 0, ext?.y1 ?? first.rows, 3);
  const specW = 336;
  const specH = 112;
  const codeCell = 24;
  const codeW = Math.max(...f.examples.map((e) => e.code.cols)) * codeCell;
  const left = yAxisMargin(yt, (v) => formatTick(v, yt.step)) + 8;
  const width = left + specW + COLOUR_BAR_W + 28 + codeW + COLOUR_BAR_W;
  const rowH = specH + 84;
  const top = titleHeight(f.title, width);
  const height = top + f.examples.length * rowH;
  return {
    width,
    height,
    draw(s) {
      drawTitle(s, f.title, width);
      f.examples.forEach((e, k) => {
        const y = top + k * rowH + 22;
        s.text(left, y - 8, `${e.label}: input ${e.spectrogram.rows} x ${e.spectrogram.cols}`, { anchor: 'start' });
        const box = { x: left, y, w: specW, h: specH };
        // Ticks over the physical extent (or the bin indices): the matrix fills [x0, x1] x [y0, y1].
        const xa = linearAxis({ ...xt, lo: ext?.x0 ?? 0, hi: ext?.x1 ?? e.spectrogram.cols }, box.x, box.x + box.w);
        const ya = linearAxis({ ...yt, lo: ext?.y0 ?? 0, hi: ext?.y1 ?? e.spectrogram.rows }, box.y + box.h, box.y);
        drawHeat(s, box, e.spectrogram, false);
        for (const v of xt.values) {
          const px = xa.map(v);
          if (px < box.x - 0.5 || px > box.x + box.w + 0.5) continue;
          s.line(px, box.y + box.h, px, box.y + box.h + 4, AXIS, 1);
          s.text(px, box.y + box.h + 8 + FONT_ASCENT * TICK_SIZE, xa.label(v), { anchor: 'middle', color: AXIS });
        }
        for (const v of yt.values) {
          const py = ya.map(v);
          if (py < box.y - 0.5 || py > box.y + box.h + 0.5) continue;
          s.line(box.x - 4, py, box.x, py, AXIS, 1);
          s.text(box.x - 7, py + (FONT_ASCENT * TICK_SIZE) / 2, ya.label(v), { anchor: 'end', color: AXIS });
        }
        s.text(box.x + box.w / 2, box.y + box.h + 36, ext?.xLabel ?? 'frame', { anchor: 'middle' });
        s.text(14, box.y + box.h / 2, ext?.yLabel ?? 'frequency bin', { anchor: 'middle', vertical: true });
        const cx = left + specW + COLOUR_BAR_W + 28;
        const codeBox = { x: cx, y, w: e.code.cols * codeCell, h: e.code.rows * codeCell };
        s.text(cx, y - 8, `code ${e.code.rows} x ${e.code.cols}`);
        drawHeat(s, codeBox, e.code, true);
      });
    },
  };
}

function waveformCodeLayout(f: WaveformCodeFigure): Layout {
  if (f.examples.length === 0) fail(f, 'no examples');
  if (f.sampleRate !== undefined && !(f.sampleRate > 0)) fail(f, `sampleRate ${f.sampleRate} is not positive`);
  f.examples.forEach((e, k) => {
    if (e.waveform.length < 2) fail(f, `example ${k} waveform has ${e.waveform.length} samples, fewer than 2`);
    if (e.code.length === 0) fail(f, `example ${k} code is empty`);
  });
  const rate = f.sampleRate;
  const toX = (i: number): number => (rate ? i / rate : i);
  const longest = Math.max(...f.examples.map((e) => e.waveform.length));
  const xt = niceTicks(0, toX(longest - 1), 6);
  const plotW = 336;
  const plotH = 96;
  const codeCell = 40;
  const codeW = Math.max(...f.examples.map((e) => e.code.length)) * codeCell;
  const yTicksOf = (e: { waveform: ArrayLike<number> }): Ticks => {
    const [lo, hi] = finiteRange(e.waveform);
    return niceTicks(lo, hi, 3);
  };
  const left = Math.max(...f.examples.map((e) => yAxisMargin(yTicksOf(e), (v) => formatTick(v, yTicksOf(e).step)))) + 8;
  const width = left + plotW + 28 + codeW + COLOUR_BAR_W;
  const rowH = plotH + 84;
  const top = titleHeight(f.title, width);
  const height = top + f.examples.length * rowH;
  return {
    width,
    height,
    draw(s) {
      drawTitle(s, f.title, width);
      f.examples.forEach((e, k) => {
        const y = top + k * rowH + 22;
        s.text(left, y - 8, `${e.label}: input ${e.waveform.length} samples`);
        const box = { x: left, y, w: plotW, h: plotH };
        const xa = linearAxis(xt, box.x, box.x + box.w);
        const ya = linearAxis(yTicksOf(e), box.y + box.h, box.y);
        drawAxes(s, box, xa, ya, rate ? 'time (s)' : 'sample', 'amplitude');
        if (e.pick !== undefined && Number.isFinite(e.pick)) {
          // The P pick: a dashed vertical line.
          const px = xa.map(toX(e.pick));
          for (let t = box.y; t < box.y + box.h; t += 8) s.line(px, t, px, Math.min(t + 4, box.y + box.h), PALETTE[3]!, 1.5);
        }
        let run: number[] = [];
        for (let i = 0; i < e.waveform.length; i++) {
          const v = e.waveform[i]!;
          if (!Number.isFinite(v)) {
            s.polyline(run, PALETTE[0]!, 1.5);
            run = [];
            continue;
          }
          run.push(xa.map(toX(i)), ya.map(v));
        }
        s.polyline(run, PALETTE[0]!, 1.5);
        const cx = left + plotW + 28;
        s.text(cx, y - 8, `code 1 x ${e.code.length}`);
        drawHeat(s, { x: cx, y: y + (plotH - codeCell) / 2, w: e.code.length * codeCell, h: codeCell }, { rows: 1, cols: e.code.length, values: e.code }, true);
      });
    },
  };
}

function layout(f: Figure): Layout {
  switch (f.kind) {
    case 'scatter':
      return scatterLayout(f);
    case 'line':
      return lineLayout(f);
    case 'confusion':
      return confusionLayout(f);
    case 'bar':
      return barLayout(f);
    case 'spectrogram-code':
      return spectrogramCodeLayout(f);
    case 'waveform-code':
      return waveformCodeLayout(f);
  }
}

/**
 * Draws a figure as PNG and SVG. Throws, naming the figure by its title, for
 * data of the wrong shape (lengths that disagree, labels that are not ids,
 * non-finite scatter coordinates); gaps in curves and missing cells are drawn
 * as gaps and grey cells instead.
 */
export function renderFigure(figure: Figure, options: RenderOptions = {}): RenderedFigure {
  const ratio = options.pixelRatio ?? 2;
  if (!(Number.isInteger(ratio) && ratio >= 1)) throw new Error(`renderFigure: pixelRatio must be a positive integer, got ${ratio}`);
  const l = layout(figure);
  const width = Math.ceil(l.width);
  const height = Math.ceil(l.height);
  const raster = new RasterSurface(width, height, ratio);
  l.draw(raster);
  const svg = new SvgSurface();
  l.draw(svg);
  return { width, height, png: raster.canvas.toPng(), svg: svg.toString(width, height, figure.title) };
}
