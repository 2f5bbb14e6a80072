/**
 * Inputs beside their codes: spectrograms (Fig. 4a) or P windows (Fig. 4b)
 * as heat maps, each with its own colour scale and colour bar. How one
 * spectrogram or one waveform is drawn is exported for the other figures of
 * inputs (figure-inputs.ts).
 */
import { FONT_ASCENT } from './png.js';
import { drawAxes, drawTitle, fail, frame, linearAxis, titleHeight, yAxisMargin, type Box, type Layout } from './figure-layout.js';
import { AXIS, formatTick, formatValue, INK, luminance, MISSING_CELL, niceTicks, PALETTE, viridis, type Ticks } from './figure-style.js';
import { SMALL_SIZE, textLength, TICK_SIZE, type Surface } from './figure-surface.js';
import type { FigureBase, HeatExtent, HeatMatrix, SpectrogramCodeFigure, WaveformCodeFigure } from './figure-types.js';

export function checkMatrix(f: FigureBase, what: string, m: HeatMatrix): void {
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

/** Room right of a heat map for its colour bar and its labels. */
export const COLOUR_BAR_W = 56;

/** Ticks of a spectrogram's axes: over its physical extent, else over its frame and bin indices. */
export function spectrogramTicks(m: HeatMatrix, ext: HeatExtent | undefined): { xt: Ticks; yt: Ticks } {
  return { xt: niceTicks(ext?.x0 ?? 0, ext?.x1 ?? m.cols, 6), yt: niceTicks(ext?.y0 ?? 0, ext?.y1 ?? m.rows, 3) };
}

/** The left margin a spectrogram's y axis needs. */
export function spectrogramMargin(yt: Ticks): number {
  return yAxisMargin(yt, (v) => formatTick(v, yt.step)) + 8;
}

/**
 * A spectrogram in `box` with its colour bar, ticks over its extent and the
 * axis titles; `margin` is the room left of the box (`spectrogramMargin`).
 */
export function drawSpectrogram(s: Surface, box: Box, m: HeatMatrix, ext: HeatExtent | undefined, margin: number): void {
  const { xt, yt } = spectrogramTicks(m, ext);
  // Ticks over the physical extent (or the bin indices): the matrix fills [x0, x1] x [y0, y1].
  const xa = linearAxis({ ...xt, lo: ext?.x0 ?? 0, hi: ext?.x1 ?? m.cols }, box.x, box.x + box.w);
  const ya = linearAxis({ ...yt, lo: ext?.y0 ?? 0, hi: ext?.y1 ?? m.rows }, box.y + box.h, box.y);
  drawHeat(s, box, m, false);
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
  s.text(box.x - margin + 14, box.y + box.h / 2, ext?.yLabel ?? 'frequency bin', { anchor: 'middle', vertical: true });
}

/** A waveform's amplitude ticks, from its own range. */
export function waveformTicks(waveform: ArrayLike<number>): Ticks {
  const [lo, hi] = finiteRange(waveform);
  return niceTicks(lo, hi, 3);
}

/** The left margin a waveform's amplitude axis needs. */
export function waveformMargin(waveform: ArrayLike<number>): number {
  const yt = waveformTicks(waveform);
  return yAxisMargin(yt, (v) => formatTick(v, yt.step)) + 8;
}

/** Checks what `drawWaveform` is given, naming the figure. */
export function checkWaveform(f: FigureBase, what: string, waveform: ArrayLike<number>): void {
  if (waveform.length < 2) fail(f, `${what} has ${waveform.length} samples, fewer than 2`);
}

/**
 * A waveform in `box`: axes (time in seconds at `rate` samples per second,
 * else samples, ticks `xt`), the P pick as a dashed line, and the trace,
 * broken where a sample is not finite.
 */
export function drawWaveform(s: Surface, box: Box, waveform: ArrayLike<number>, xt: Ticks, rate: number | undefined, pick: number | undefined): void {
  const toX = (i: number): number => (rate ? i / rate : i);
  const xa = linearAxis(xt, box.x, box.x + box.w);
  const ya = linearAxis(waveformTicks(waveform), box.y + box.h, box.y);
  drawAxes(s, box, xa, ya, rate ? 'time (s)' : 'sample', 'amplitude');
  if (pick !== undefined && Number.isFinite(pick)) {
    const px = xa.map(toX(pick));
    for (let t = box.y; t < box.y + box.h; t += 8) s.line(px, t, px, Math.min(t + 4, box.y + box.h), PALETTE[3]!, 1.5);
  }
  let run: number[] = [];
  for (let i = 0; i < waveform.length; i++) {
    const v = waveform[i]!;
    if (!Number.isFinite(v)) {
      s.polyline(run, PALETTE[0]!, 1.5);
      run = [];
      continue;
    }
    run.push(xa.map(toX(i)), ya.map(v));
  }
  s.polyline(run, PALETTE[0]!, 1.5);
}

export function spectrogramCodeLayout(f: SpectrogramCodeFigure): Layout {
  if (f.examples.length === 0) fail(f, 'no examples');
  f.examples.forEach((e, k) => {
    checkMatrix(f, `example ${k} spectrogram`, e.spectrogram);
    checkMatrix(f, `example ${k} code`, e.code);
  });
  const specW = 336;
  const specH = 112;
  const codeCell = 24;
  const codeW = Math.max(...f.examples.map((e) => e.code.cols)) * codeCell;
  const left = spectrogramMargin(spectrogramTicks(f.examples[0]!.spectrogram, f.extent).yt);
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
        drawSpectrogram(s, { x: left, y, w: specW, h: specH }, e.spectrogram, f.extent, left);
        const cx = left + specW + COLOUR_BAR_W + 28;
        const codeBox = { x: cx, y, w: e.code.cols * codeCell, h: e.code.rows * codeCell };
        s.text(cx, y - 8, `code ${e.code.rows} x ${e.code.cols}`);
        drawHeat(s, codeBox, e.code, true);
      });
    },
  };
}

export function waveformCodeLayout(f: WaveformCodeFigure): Layout {
  if (f.examples.length === 0) fail(f, 'no examples');
  if (f.sampleRate !== undefined && !(f.sampleRate > 0)) fail(f, `sampleRate ${f.sampleRate} is not positive`);
  f.examples.forEach((e, k) => {
    checkWaveform(f, `example ${k} waveform`, e.waveform);
    if (e.code.length === 0) fail(f, `example ${k} code is empty`);
  });
  const rate = f.sampleRate;
  const longest = Math.max(...f.examples.map((e) => e.waveform.length));
  const xt = niceTicks(0, rate ? (longest - 1) / rate : longest - 1, 6);
  const plotW = 336;
  const plotH = 96;
  const codeCell = 40;
  const codeW = Math.max(...f.examples.map((e) => e.code.length)) * codeCell;
  const left = Math.max(...f.examples.map((e) => waveformMargin(e.waveform)));
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
        drawWaveform(s, { x: left, y, w: plotW, h: plotH }, e.waveform, xt, rate, e.pick);
        const cx = left + plotW + 28;
        s.text(cx, y - 8, `code 1 x ${e.code.length}`);
        drawHeat(s, { x: cx, y: y + (plotH - codeCell) / 2, w: e.code.length * codeCell, h: codeCell }, { rows: 1, cols: e.code.length, values: e.code }, true);
      });
    },
  };
}
