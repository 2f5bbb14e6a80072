/**
 * Inputs side by side, a row per example: a record beside typical ones, each
 * panel a spectrogram or a waveform drawn as in the figures of inputs and
 * codes (figure-codes.ts), so the same record looks the same in both.
 */
import {
  checkMatrix,
  checkWaveform,
  COLOUR_BAR_W,
  drawSpectrogram,
  drawWaveform,
  spectrogramMargin,
  spectrogramTicks,
  waveformMargin,
} from './figure-codes.js';
import { drawTitle, fail, titleHeight, type Layout } from './figure-layout.js';
import { niceTicks } from './figure-style.js';
import { textLength } from './figure-surface.js';
import type { InputPanel, InputRowsFigure } from './figure-types.js';

const PLOT_W = 300;
const SPECTROGRAM_H = 112;
const WAVEFORM_H = 96;
/** Above a row's panels: its label, then the panels' titles. */
const ROW_HEAD = 44;
/** Below a row's panels: tick labels and the time axis title. */
const ROW_FOOT = 56;

/** `text` cut to `width` units, with an ellipsis where cut: a long class or file name must not run into the next panel. */
function fitText(text: string, width: number): string {
  if (textLength(text) <= width) return text;
  let n = text.length;
  while (n > 0 && textLength(`${text.slice(0, n)}…`) > width) n--;
  return `${text.slice(0, n)}…`;
}

function isSpectrogram(p: InputPanel): p is Extract<InputPanel, { spectrogram: unknown }> {
  return 'spectrogram' in p;
}

export function inputRowsLayout(f: InputRowsFigure): Layout {
  if (f.rows.length === 0) fail(f, 'no rows');
  if (f.sampleRate !== undefined && !(f.sampleRate > 0)) fail(f, `sampleRate ${f.sampleRate} is not positive`);
  const panels = f.rows.flatMap((r, k) => {
    if (r.panels.length === 0) fail(f, `row ${k} has no panels`);
    return r.panels.map((p, j) => ({ p, what: `row ${k} panel ${j}` }));
  });
  for (const { p, what } of panels) {
    if (isSpectrogram(p)) checkMatrix(f, what, p.spectrogram);
    else checkWaveform(f, what, p.waveform);
  }
  const rate = f.sampleRate;
  const waveforms = panels.flatMap(({ p }) => (isSpectrogram(p) ? [] : [p.waveform]));
  const longest = Math.max(0, ...waveforms.map((w) => w.length));
  // One time axis for every waveform, so records and typical ones line up.
  const xt = niceTicks(0, rate ? (longest - 1) / rate : longest - 1, 6);
  const margin = Math.max(
    ...panels.map(({ p }) => (isSpectrogram(p) ? spectrogramMargin(spectrogramTicks(p.spectrogram, f.extent).yt) : waveformMargin(p.waveform))),
  );
  const columnW = margin + PLOT_W + COLOUR_BAR_W;
  const columns = Math.max(...f.rows.map((r) => r.panels.length));
  const width = columns * columnW + 8;
  const plotH = (p: InputPanel): number => (isSpectrogram(p) ? SPECTROGRAM_H : WAVEFORM_H);
  const rowH = f.rows.map((r) => ROW_HEAD + Math.max(...r.panels.map(plotH)) + ROW_FOOT);
  const top = titleHeight(f.title, width);
  const height = top + rowH.reduce((a, b) => a + b, 0);
  return {
    width,
    height,
    draw(s) {
      drawTitle(s, f.title, width);
      let y = top;
      f.rows.forEach((r, k) => {
        s.text(8, y + 14, fitText(r.label, width - 16));
        r.panels.forEach((p, j) => {
          const box = { x: j * columnW + margin, y: y + ROW_HEAD, w: PLOT_W, h: plotH(p) };
          s.text(box.x, box.y - 8, fitText(p.title, PLOT_W + COLOUR_BAR_W - 8));
          if (isSpectrogram(p)) drawSpectrogram(s, box, p.spectrogram, f.extent, margin);
          else drawWaveform(s, box, p.waveform, xt, rate, f.pick);
        });
        y += rowH[k]!;
      });
    },
  };
}
