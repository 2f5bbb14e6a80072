/**
 * The report's figures, each drawn once through a small drawing interface and
 * rendered twice from that one drawing: as PNG (our raster canvas at 2 pixels
 * per unit, for the report and the PNG files) and as SVG (vector, for
 * publication). Layout is in SVG units; text uses the canvas's 5 x 7 bitmap
 * font in the PNG and a monospace font of the same advance in the SVG.
 *
 * The kinds follow the paper's figures: t-SNE maps coloured by class or
 * cluster with ACC in the title (Fig. 3), line charts of training curves,
 * confusion matrices, grouped bar charts (accuracy per SNR bin, Fig. S2),
 * inputs beside their codes, spectrograms (Fig. 4a) or P windows (Fig. 4b),
 * and inputs side by side (a suspect label beside its cluster's typical input).
 *
 * The pieces: figure-types.ts (the descriptors), figure-style.ts (palette
 * and ticks), figure-surface.ts (the two renderings), figure-layout.ts
 * (titles, axes, legends), figure-charts.ts, figure-codes.ts and figure-inputs.ts (the kinds).
 */
import { barLayout, confusionLayout, lineLayout, scatterLayout } from './figure-charts.js';
import { spectrogramCodeLayout, waveformCodeLayout } from './figure-codes.js';
import { inputRowsLayout } from './figure-inputs.js';
import type { Layout } from './figure-layout.js';
import { RasterSurface, SvgSurface } from './figure-surface.js';
import type { Figure, RenderedFigure, RenderOptions } from './figure-types.js';

export type {
  BarFigure,
  BarSeries,
  ConfusionFigure,
  Figure,
  HeatExtent,
  HeatMatrix,
  InputPanel,
  InputRowsFigure,
  LineFigure,
  LineSeries,
  RenderedFigure,
  RenderOptions,
  ScatterFigure,
  SpectrogramCodeFigure,
  WaveformCodeFigure,
} from './figure-types.js';

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
    case 'input-rows':
      return inputRowsLayout(f);
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
