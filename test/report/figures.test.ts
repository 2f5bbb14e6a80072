import { describe, expect, it } from 'vitest';
import { formatTick, niceTicks, PALETTE, viridis } from '../../src/report/figure-style.js';
import { renderFigure, type Figure } from '../../src/report/figures.js';
import { decodePng } from './decode-png.js';
import { sampleFigures } from './fixtures.js';

function distinctColours(pixels: Uint8Array): number {
  const seen = new Set<number>();
  for (let i = 0; i < pixels.length; i += 4) seen.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
  return seen.size;
}

describe('every kind of figure renders to a valid PNG and an SVG of the same size', () => {
  for (const figure of sampleFigures()) {
    it(`${figure.kind}: ${figure.title}`, () => {
      const r = renderFigure(figure);
      const png = decodePng(r.png);
      expect([png.width, png.height]).toEqual([2 * r.width, 2 * r.height]);
      // Not blank: ink on a good share of pixels, in several colours.
      let inked = 0;
      for (let i = 0; i < png.pixels.length; i += 4) if (png.pixels[i] !== 255 || png.pixels[i + 1] !== 255 || png.pixels[i + 2] !== 255) inked++;
      expect(inked / (png.width * png.height)).toBeGreaterThan(0.02);
      expect(distinctColours(png.pixels)).toBeGreaterThan(5);
      expect(r.svg.startsWith(`<svg xmlns="http://www.w3.org/2000/svg" width="${r.width}" height="${r.height}"`)).toBe(true);
      expect(r.svg.endsWith('</svg>')).toBe(true);
      expect(r.svg).toContain('<text');
    });
  }
});

describe('what the figures show', () => {
  const [scatter, , , confusion, bar] = sampleFigures();

  it('a t-SNE map puts ACC in its title and one circle per point in the SVG, coloured by class', () => {
    const r = renderFigure(scatter!);
    expect(r.svg).toContain('Codes after pre-training · ACC 87.38 %');
    // 300 points plus 2 legend markers.
    expect(r.svg.match(/<circle /g)!.length).toBe(302);
    expect(r.svg).toContain(`fill="${PALETTE[0]}"`);
    expect(r.svg).toContain(`fill="${PALETTE[1]}"`);
    expect(r.svg).toContain('local (150)');
  });

  it('a confusion matrix writes its counts and row shares', () => {
    const r = renderFigure(confusion!);
    for (const s of ['4612', '98.1 %', '88', '1.9 %', 'teleseismic', 'cluster 1']) expect(r.svg).toContain(`>${s}<`);
  });

  it('a bar chart leaves a missing value out instead of drawing a zero bar', () => {
    const full = renderFigure(bar!).svg.match(/<rect /g)!.length;
    const fewer = renderFigure({ ...(bar as Extract<Figure, { kind: 'bar' }>), series: [{ name: 'ours', values: [0.9, null, 0.9, 0.9, 0.9] }] }).svg.match(
      /<rect /g,
    )!.length;
    // 5 + 2 bars and 2 legend boxes before; 4 bars and 1 legend box after.
    expect(full - fewer).toBe(4);
  });

  it('escapes text in the SVG', () => {
    const r = renderFigure({ ...(scatter as Extract<Figure, { kind: 'scatter' }>), title: 'a <b> & "c"', classNames: ['<x>', 'y'] });
    expect(r.svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(r.svg).toContain('&lt;x&gt; (150)');
    expect(r.svg).not.toContain('<b>');
  });
});

describe('figure data is checked', () => {
  it('names the figure and the problem', () => {
    expect(() => renderFigure({ kind: 'scatter', title: 'm', points: [0, 0, 1], labels: [0, 1] })).toThrow(
      /figure "m": points hold 3 values, 2 x 2 labels = 4/,
    );
    expect(() => renderFigure({ kind: 'scatter', title: 'm', points: [0, 0, 1, 1], labels: [0, 1.5] })).toThrow(/label 1 is 1.5/);
    expect(() => renderFigure({ kind: 'scatter', title: 'm', points: [0, NaN, 1, 1], labels: [0, 1] })).toThrow(/point 0 = \(0, NaN\) is not finite/);
    expect(() => renderFigure({ kind: 'scatter', title: 'm', points: [0, 0, 1, 1], labels: [0, 1], acc: 98 })).toThrow(/acc 98 is not a fraction/);
    expect(() => renderFigure({ kind: 'line', title: 'l', xLabel: '', yLabel: '', series: [{ name: 's', x: [1, 2], y: [1] }] })).toThrow(
      /series "s" has 2 x and 1 y values/,
    );
    expect(() => renderFigure({ kind: 'confusion', title: 'c', rowLabels: ['a'], columnLabels: ['x', 'y'], counts: [[1]] })).toThrow(
      /counts row 0 has 1 values, 2 column labels/,
    );
    expect(() =>
      renderFigure({
        kind: 'spectrogram-code',
        title: 's',
        examples: [{ label: 'e', spectrogram: { rows: 2, cols: 3, values: [1] }, code: { rows: 1, cols: 1, values: [1] } }],
      }),
    ).toThrow(/example 0 spectrogram is 2 x 3 but holds 1 values/);
    expect(() => renderFigure({ kind: 'input-rows', title: 'i', rows: [{ label: 'r', panels: [] }] })).toThrow(/figure "i": row 0 has no panels/);
    expect(() => renderFigure({ kind: 'input-rows', title: 'i', rows: [{ label: 'r', panels: [{ title: 'w', waveform: [1] }] }] })).toThrow(
      /row 0 panel 0 has 1 samples, fewer than 2/,
    );
  });
});

describe('inputs side by side', () => {
  const spectrogram = { rows: 16, cols: 48, values: Float64Array.from({ length: 16 * 48 }, (_, i) => i % 7) };

  it('draws a spectrogram beside a waveform, each panel with its title', () => {
    const r = renderFigure({
      kind: 'input-rows',
      title: 'mixed',
      extent: { x0: -1, x1: 5, y0: 0, y1: 50, xLabel: 'time from P (s)', yLabel: 'frequency (Hz)' },
      rows: [
        {
          label: 'row',
          panels: [
            { title: 'spectrogram', spectrogram },
            { title: 'waveform', waveform: [0, 1, -1, 0] },
          ],
        },
      ],
    });
    for (const text of ['spectrogram', 'waveform', 'time from P (s)', 'frequency (Hz)', 'amplitude']) expect(r.svg).toContain(`>${text}</text>`);
  });

  it('cuts a title too long for its panel with an ellipsis instead of running into the next one', () => {
    const long = `this record, labelled ${'x'.repeat(200)}`;
    const r = renderFigure({
      kind: 'input-rows',
      title: 't',
      rows: [
        {
          label: 'row',
          panels: [
            { title: long, spectrogram },
            { title: 'next', spectrogram },
          ],
        },
      ],
    });
    expect(r.svg).not.toContain(long);
    expect(r.svg).toMatch(/>this record, labelled x+…<\/text>/);
  });
});

describe('axis ticks are round numbers', () => {
  it('steps of 1, 2 or 5 times a power of ten, enclosing the data', () => {
    for (const [lo, hi] of [
      [-47.3, 52.8],
      [0, 1],
      [0.8738, 0.9841],
      [0, 5700],
      [-0.0021, 0.0003],
      [3, 3],
    ] as const) {
      const t = niceTicks(lo, hi);
      const mantissa = t.step / 10 ** Math.floor(Math.log10(t.step) + 1e-9);
      expect([1, 2, 5]).toContain(Math.round(mantissa * 1e6) / 1e6);
      expect(t.lo).toBeLessThanOrEqual(lo);
      expect(t.hi).toBeGreaterThanOrEqual(hi);
      expect(t.values.length).toBeGreaterThanOrEqual(3);
      expect(t.values.length).toBeLessThanOrEqual(11);
      for (const v of t.values) expect(Math.abs(v / t.step - Math.round(v / t.step))).toBeLessThan(1e-6);
    }
    expect(niceTicks(0, 1).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-47.3, 52.8).values).toEqual([-60, -40, -20, 0, 20, 40, 60]);
  });
  it('labels show the digits the step needs, without round-off noise', () => {
    expect(niceTicks(0, 0.3, 3).values.map((v) => formatTick(v, 0.1))).toEqual(['0', '0.1', '0.2', '0.3']);
    expect(formatTick(5000, 1000)).toBe('5000');
    expect(formatTick(2e-5, 1e-5)).toBe('2e-5');
  });
});

describe('the colour ramp', () => {
  it('runs from viridis dark purple to yellow', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(-1)).toBe('#440154');
  });
});
