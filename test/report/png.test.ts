import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/common/crc32.js';
import { Canvas, encodePng, parseColor, textWidth } from '../../src/report/png.js';
import { Rng } from '../../src/tensor/random.js';
import { decodePng } from './decode-png.js';

/** Pixels of `c` that differ from white. */
function inked(c: Canvas): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const [r, g, b] = c.pixel(x, y);
      if (r !== 255 || g !== 255 || b !== 255) out.push({ x, y });
    }
  }
  return out;
}

function bounds(points: { x: number; y: number }[]): { x0: number; x1: number; y0: number; y1: number } {
  return {
    x0: Math.min(...points.map((p) => p.x)),
    x1: Math.max(...points.map((p) => p.x)),
    y0: Math.min(...points.map((p) => p.y)),
    y1: Math.max(...points.map((p) => p.y)),
  };
}

describe('CRC-32', () => {
  it('matches the standard check value and zlib', async () => {
    const { crc32: zlibCrc } = await import('node:zlib');
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    expect(crc32(bytes)).toBe(zlibCrc(bytes));
  });
  it('continues a running checksum', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    expect(crc32(bytes.subarray(100), crc32(bytes.subarray(0, 100)))).toBe(crc32(bytes));
  });
});

describe('PNG encoding', () => {
  it('round-trips RGBA pixels through an independent decoder, with valid chunk CRCs', () => {
    // Flat rows, gradients and noise, so the adaptive filter picks several filter types.
    const w = 37;
    const h = 29;
    const rng = new Rng(4);
    const rgba = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = 4 * (y * w + x);
        if (y < 8) rgba.set([200, 10, 30, 255], i);
        else if (y < 16) rgba.set([x * 6, y * 8, (x + y) * 3, 255], i);
        else if (y < 22) rgba.set([x * 6, 255 - x * 6, 128, (x * 13) & 0xff], i);
        else rgba.set([rng.int(256), rng.int(256), rng.int(256), rng.int(256)], i);
      }
    }
    const png = encodePng(w, h, rgba);
    const decoded = decodePng(png);
    expect(decoded.chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([decoded.width, decoded.height]).toEqual([w, h]);
    expect(decoded.pixels).toEqual(rgba);
    expect(new Set(decoded.filters).size).toBeGreaterThan(1);
  });
  it('compresses a flat image by more than 200 times', () => {
    const c = new Canvas(400, 300);
    expect(c.toPng().length).toBeLessThan((400 * 300 * 4) / 200);
  });
  it('rejects a size that does not match the pixel buffer', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(/2 x 2 RGBA needs 16 bytes, got 15/);
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrow(/positive integers/);
  });
});

describe('colours', () => {
  it('parses #rgb, #rrggbb and #rrggbbaa', () => {
    expect(parseColor('#f80')).toEqual([255, 136, 0, 255]);
    expect(parseColor('#0072B2')).toEqual([0, 114, 178, 255]);
    expect(parseColor('#00000080')).toEqual([0, 0, 0, 128]);
  });
  it('names a bad colour', () => {
    expect(() => parseColor('red')).toThrow(/"red" is not a #rgb/);
  });
});

describe('the canvas', () => {
  it('starts as the background colour, opaque', () => {
    const c = new Canvas(3, 2, '#102030');
    expect(c.pixel(2, 1)).toEqual([16, 32, 48, 255]);
  });
  it('fills whole pixels exactly and blends cut edges by the area covered', () => {
    const c = new Canvas(10, 10);
    c.fillRect(2, 2, 3, 4, '#000000');
    expect(c.pixel(2, 2)).toEqual([0, 0, 0, 255]);
    expect(c.pixel(4, 5)).toEqual([0, 0, 0, 255]);
    expect(c.pixel(5, 5)).toEqual([255, 255, 255, 255]);
    c.fillRect(7.5, 0, 1, 1, '#000000'); // half of pixel 7, half of pixel 8
    expect(c.pixel(7, 0)[0]).toBeCloseTo(128, -1);
    expect(c.pixel(8, 0)[0]).toBeCloseTo(128, -1);
  });
  it('blends translucent colours over what is there', () => {
    const c = new Canvas(1, 1);
    c.fillRect(0, 0, 1, 1, '#00000080');
    expect(c.pixel(0, 0)[0]).toBeCloseTo(127, -1);
  });
  it('draws lines between their end points, antialiased', () => {
    const c = new Canvas(40, 20);
    c.line(5, 10, 35, 10, '#000000', 2);
    const b = bounds(inked(c));
    expect(b.x0).toBeGreaterThanOrEqual(3);
    expect(b.x1).toBeLessThanOrEqual(36);
    expect(b.y0).toBeGreaterThanOrEqual(8);
    expect(b.y1).toBeLessThanOrEqual(11);
    expect(c.pixel(20, 9)).toEqual([0, 0, 0, 255]);
    // A diagonal leaves partly covered pixels: shades between black and white.
    const d = new Canvas(20, 20);
    d.line(2, 3, 17, 15, '#000000', 1);
    const greys = inked(d).filter(({ x, y }) => d.pixel(x, y)[0] > 0 && d.pixel(x, y)[0] < 255);
    expect(greys.length).toBeGreaterThan(10);
  });
  it('draws dots as discs of the given radius', () => {
    const c = new Canvas(30, 30);
    c.dot(15, 15, 5, '#0072b2');
    expect(c.pixel(15, 15)).toEqual([0, 114, 178, 255]);
    const b = bounds(inked(c));
    expect(b.x1 - b.x0 + 1).toBeGreaterThanOrEqual(10);
    expect(b.x1 - b.x0 + 1).toBeLessThanOrEqual(12);
    expect(c.pixel(15 + 4, 15 + 4)).toEqual([255, 255, 255, 255]); // outside the disc, inside its box
  });
  it('writes text in the 5 x 7 font: 6 pixels a character, 7 above the baseline', () => {
    expect(textWidth('ACC 98.41 %')).toBe(11 * 6 - 1);
    expect(textWidth('ab', 3)).toBe((2 * 6 - 1) * 3);
    const c = new Canvas(80, 20);
    c.text(2, 12, 'HH', '#000000');
    const b = bounds(inked(c));
    expect(b).toEqual({ x0: 2, x1: 2 + textWidth('HH') - 1, y0: 12 - 7, y1: 11 });
    // Descenders go below the baseline.
    const g = new Canvas(20, 20);
    g.text(2, 10, 'g', '#000000');
    expect(bounds(inked(g)).y1).toBe(11);
  });
  it('anchors text at its start, middle or end, and scales it', () => {
    for (const [anchor, x0] of [
      ['start', 40],
      ['middle', 40 - Math.round(textWidth('abc', 2) / 2)],
      ['end', 40 - textWidth('abc', 2)],
    ] as const) {
      const c = new Canvas(100, 30);
      c.text(40, 20, 'abc', '#000000', { anchor, scale: 2 });
      expect(bounds(inked(c)).x0).toBe(x0);
    }
  });
  it('writes vertical text bottom to top, glyph tops to the left', () => {
    const c = new Canvas(30, 60);
    c.text(15, 50, 'TT', '#000000', { vertical: true });
    const b = bounds(inked(c));
    expect(b.x0).toBe(15 - 7);
    expect(b.y1).toBe(49);
    expect(b.y0).toBe(50 - textWidth('TT'));
    // The top bar of a T is its first row: at the left.
    expect(c.pixel(15 - 7, 49 - 2)).toEqual([0, 0, 0, 255]);
  });
  it('shows a character the font lacks as a box rather than dropping it', () => {
    const c = new Canvas(20, 12);
    c.text(1, 9, '€', '#000000');
    expect(inked(c).length).toBe(5 * 2 + 5 * 2); // the outline of a 5 x 7 box
  });
  it('encodes itself as a PNG that decodes to its pixels', () => {
    const c = new Canvas(20, 10, '#fafafa');
    c.fillRect(1, 1, 5, 5, '#e69f00');
    c.text(8, 8, 'ok', '#222222');
    const decoded = decodePng(c.toPng());
    expect(decoded.pixels).toEqual(new Uint8Array(c.pixels));
  });
});
