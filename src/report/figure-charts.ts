/**
 * The chart figures: t-SNE scatter maps (Fig. 3), line charts of training
 * curves, confusion matrices and grouped bars (accuracy per SNR bin, Fig. S2).
 */
import { Rng } from '../tensor/random.js';
import { FONT_ASCENT } from './png.js';
import {
  drawAxes,
  drawLegend,
  drawTitle,
  fail,
  frame,
  legendWidth,
  linearAxis,
  logAxis,
  titleHeight,
  yAxisMargin,
  type Layout,
  type LegendEntry,
} from './figure-layout.js';
import { AXIS, BLUES, categoryColor, formatLogTick, formatTick, formatValue, INK, logTicks, luminance, niceTicks, ramp } from './figure-style.js';
import { SMALL_SIZE, textLength, TICK_SIZE, TITLE_SIZE } from './figure-surface.js';
import type { BarFigure, ConfusionFigure, LineFigure, ScatterFigure } from './figure-types.js';

export function scatterLayout(f: ScatterFigure): Layout {
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

export function lineLayout(f: LineFigure): Layout {
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

export function confusionLayout(f: ConfusionFigure): Layout {
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

export function barLayout(f: BarFigure): Layout {
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
