/**
 * What every figure kind lays out with: boxes, wrapped titles, axes with grid
 * and ticks, legends, and the error that names a figure with bad data.
 */
import { FONT_ASCENT } from './png.js';
import { AXIS, formatLogTick, formatTick, GRID, type Ticks } from './figure-style.js';
import { textLength, TICK_SIZE, TITLE_SIZE, type Surface } from './figure-surface.js';
import type { FigureBase } from './figure-types.js';

export interface Box {
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
export function drawTitle(s: Surface, title: string, width: number): number {
  const lines = wrap(title, width - 24, TITLE_SIZE);
  let y = 12;
  for (const line of lines) {
    y += FONT_ASCENT * TITLE_SIZE;
    s.text(width / 2, y, line, { size: TITLE_SIZE, anchor: 'middle' });
    y += (LINE_HEIGHT - FONT_ASCENT) * TITLE_SIZE;
  }
  return y + 4;
}

export function titleHeight(title: string, width: number): number {
  return 16 + wrap(title, width - 24, TITLE_SIZE).length * LINE_HEIGHT * TITLE_SIZE;
}

interface Axis {
  ticks: Ticks;
  /** Data value to SVG coordinate. */
  map: (v: number) => number;
  label: (v: number) => string;
}

export function linearAxis(ticks: Ticks, from: number, to: number): Axis {
  const span = ticks.hi - ticks.lo || 1;
  return { ticks, map: (v) => from + ((v - ticks.lo) / span) * (to - from), label: (v) => formatTick(v, ticks.step) };
}

export function logAxis(ticks: Ticks, from: number, to: number): Axis {
  const l0 = Math.log10(ticks.lo);
  const span = Math.log10(ticks.hi) - l0 || 1;
  return { ticks, map: (v) => from + ((Math.log10(v) - l0) / span) * (to - from), label: formatLogTick };
}

/** Grid, frame, ticks and axis titles around a plot box. */
export function drawAxes(s: Surface, box: Box, x: Axis | null, y: Axis, xLabel: string, yLabel: string): void {
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

export function frame(s: Surface, box: Box): void {
  s.line(box.x, box.y, box.x + box.w, box.y, AXIS, 1);
  s.line(box.x, box.y + box.h, box.x + box.w, box.y + box.h, AXIS, 1);
  s.line(box.x, box.y, box.x, box.y + box.h, AXIS, 1);
  s.line(box.x + box.w, box.y, box.x + box.w, box.y + box.h, AXIS, 1);
}

/** The left margin a y axis needs: tick labels, gap, rotated title. */
export function yAxisMargin(axis: Ticks, label: (v: number) => string): number {
  return 36 + Math.max(...axis.values.map((v) => textLength(label(v))));
}

export interface LegendEntry {
  name: string;
  color: string;
  /** 'dot' for points, 'line' for curves, 'box' for bars. */
  mark: 'dot' | 'line' | 'box';
}

const LEGEND_ROW = 20;

export function legendWidth(entries: readonly LegendEntry[]): number {
  return entries.length === 0 ? 0 : 36 + Math.max(...entries.map((e) => textLength(e.name)));
}

export function drawLegend(s: Surface, x: number, y: number, entries: readonly LegendEntry[]): void {
  entries.forEach((e, k) => {
    const cy = y + k * LEGEND_ROW + LEGEND_ROW / 2;
    if (e.mark === 'dot') s.dot(x + 8, cy, 4, e.color);
    else if (e.mark === 'line') s.line(x + 1, cy, x + 15, cy, e.color, 2.5);
    else s.rect(x + 2, cy - 6, 12, 12, e.color);
    s.text(x + 22, cy + (FONT_ASCENT * TICK_SIZE) / 2, e.name);
  });
}

export function fail(figure: FigureBase, problem: string): never {
  throw new Error(`figure ${JSON.stringify(figure.title)}: ${problem}`);
}

export interface Layout {
  width: number;
  height: number;
  draw: (s: Surface) => void;
}
