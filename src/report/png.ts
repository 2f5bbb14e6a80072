/**
 * A PNG encoder and a small raster canvas, so the report's figures need no
 * image or font dependency: RGBA8 PNGs (per-row adaptive filtering, zlib from
 * fflate, the CRC-32 of src/common) and a canvas with antialiased rectangles, lines
 * and dots, and text in a built-in 5 x 7 bitmap font.
 */
import { zlibSync } from 'fflate';
import { crc32 } from '../common/crc32.js';

/** A colour as 0-255 channels: red, green, blue, alpha. */
export type Rgba = readonly [number, number, number, number];

/**
 * CSS hex colour (`#rgb`, `#rrggbb` or `#rrggbbaa`) to channels. Figures keep
 * colours as hex strings so the SVG and the PNG renderings share one palette.
 */
export function parseColor(hex: string): Rgba {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(hex);
  if (!m) throw new Error(`parseColor: ${JSON.stringify(hex)} is not a #rgb, #rrggbb or #rrggbbaa colour`);
  let h = m[1]!;
  if (h.length === 3) h = h[0]! + h[0]! + h[1]! + h[1]! + h[2]! + h[2]!;
  const byte = (i: number): number => parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return [byte(0), byte(1), byte(2), h.length === 8 ? byte(3) : 255];
}

// ---------------------------------------------------------------------------
// PNG encoding.

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  // The CRC covers the type and the data, not the length.
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/**
 * Applies PNG filter `f` (0 none, 1 sub, 2 up, 3 average, 4 Paeth; 4 bytes a
 * pixel) to `row` given the row above, into `out`; returns the sum of the
 * outputs' magnitudes as signed bytes. One loop per filter keeps the
 * per-byte work free of branches on the filter type.
 */
function filterRow(f: number, row: Uint8Array, up: Uint8Array, out: Uint8Array): number {
  const n = out.length;
  const first = Math.min(4, n);
  switch (f) {
    case 0:
      out.set(row);
      break;
    case 1:
      for (let i = 0; i < first; i++) out[i] = row[i]!;
      for (let i = 4; i < n; i++) out[i] = row[i]! - row[i - 4]!;
      break;
    case 2:
      for (let i = 0; i < n; i++) out[i] = row[i]! - up[i]!;
      break;
    case 3:
      for (let i = 0; i < first; i++) out[i] = row[i]! - (up[i]! >>> 1);
      for (let i = 4; i < n; i++) out[i] = row[i]! - ((row[i - 4]! + up[i]!) >>> 1);
      break;
    default:
      for (let i = 0; i < first; i++) out[i] = row[i]! - up[i]!; // Paeth with a = c = 0 picks b
      for (let i = 4; i < n; i++) out[i] = row[i]! - paeth(row[i - 4]!, up[i]!, up[i - 4]!);
  }
  let score = 0;
  for (let i = 0; i < n; i++) {
    const v = out[i]!;
    score += v < 128 ? v : 256 - v;
  }
  return score;
}

/**
 * Encodes 8-bit RGBA pixels (row-major, 4 bytes a pixel, no padding) as PNG.
 * Each row gets the filter (none, sub, up, average, Paeth) whose output has
 * the smallest sum of absolute values as signed bytes, the heuristic the PNG
 * specification recommends: flat areas and gradients, which figures are made
 * of, then deflate to almost nothing.
 */
export function encodePng(width: number, height: number, rgba: Uint8Array | Uint8ClampedArray): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width} x ${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new Error(`encodePng: ${width} x ${height} RGBA needs ${width * height * 4} bytes, got ${rgba.length}`);
  }
  // One array type throughout keeps the filter loops monomorphic.
  const px = rgba instanceof Uint8Array ? rgba : new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length);
  const stride = width * 4;
  const raw = new Uint8Array(height * (stride + 1));
  const candidates = Array.from({ length: 5 }, () => new Uint8Array(stride));
  const zeroRow = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = px.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? px.subarray((y - 1) * stride, y * stride) : zeroRow;
    let best = 0;
    let bestScore = Infinity;
    for (let f = 0; f < 5; f++) {
      const score = filterRow(f, row, up, candidates[f]!);
      if (score < bestScore) {
        bestScore = score;
        best = f;
      }
    }
    raw[y * (stride + 1)] = best;
    raw.set(candidates[best]!, y * (stride + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: truecolour with alpha
  // compression 0, filter method 0, no interlace: bytes 10-12 stay 0
  const idat = zlibSync(raw);
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------
// The bitmap font: 5 columns, 7 rows above the baseline and 2 below for
// descenders. Each glyph is its rows top-down as 5-character bit strings;
// missing trailing rows are blank.

const GLYPH_SOURCE: Record<string, string> = {
  ' ': '',
  '0': '01110 10001 10011 10101 11001 10001 01110',
  '1': '00100 01100 00100 00100 00100 00100 01110',
  '2': '01110 10001 00001 00010 00100 01000 11111',
  '3': '11111 00010 00100 00010 00001 10001 01110',
  '4': '00010 00110 01010 10010 11111 00010 00010',
  '5': '11111 10000 11110 00001 00001 10001 01110',
  '6': '00110 01000 10000 11110 10001 10001 01110',
  '7': '11111 00001 00010 00100 01000 01000 01000',
  '8': '01110 10001 10001 01110 10001 10001 01110',
  '9': '01110 10001 10001 01111 00001 00010 01100',
  A: '01110 10001 10001 11111 10001 10001 10001',
  B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110',
  D: '11100 10010 10001 10001 10001 10010 11100',
  E: '11111 10000 10000 11110 10000 10000 11111',
  F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111',
  H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110',
  J: '00111 00010 00010 00010 00010 10010 01100',
  K: '10001 10010 10100 11000 10100 10010 10001',
  L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001',
  N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110',
  P: '11110 10001 10001 11110 10000 10000 10000',
  Q: '01110 10001 10001 10001 10101 10010 01101',
  R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110',
  T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110',
  V: '10001 10001 10001 10001 10001 01010 00100',
  W: '10001 10001 10001 10101 10101 10101 01010',
  X: '10001 10001 01010 00100 01010 10001 10001',
  Y: '10001 10001 10001 01010 00100 00100 00100',
  Z: '11111 00001 00010 00100 01000 10000 11111',
  a: '00000 00000 01110 00001 01111 10001 01111',
  b: '10000 10000 10110 11001 10001 10001 11110',
  c: '00000 00000 01110 10000 10000 10001 01110',
  d: '00001 00001 01101 10011 10001 10001 01111',
  e: '00000 00000 01110 10001 11111 10000 01110',
  f: '00110 01001 01000 11100 01000 01000 01000',
  g: '00000 00000 01111 10001 10001 10001 01111 00001 01110',
  h: '10000 10000 10110 11001 10001 10001 10001',
  i: '00100 00000 01100 00100 00100 00100 01110',
  j: '00010 00000 00110 00010 00010 00010 00010 10010 01100',
  k: '10000 10000 10010 10100 11000 10100 10010',
  l: '01100 00100 00100 00100 00100 00100 01110',
  m: '00000 00000 11010 10101 10101 10101 10001',
  n: '00000 00000 10110 11001 10001 10001 10001',
  o: '00000 00000 01110 10001 10001 10001 01110',
  p: '00000 00000 11110 10001 10001 10001 11110 10000 10000',
  q: '00000 00000 01111 10001 10001 10001 01111 00001 00001',
  r: '00000 00000 10110 11001 10000 10000 10000',
  s: '00000 00000 01111 10000 01110 00001 11110',
  t: '01000 01000 11100 01000 01000 01001 00110',
  u: '00000 00000 10001 10001 10001 10011 01101',
  v: '00000 00000 10001 10001 10001 01010 00100',
  w: '00000 00000 10001 10001 10101 10101 01010',
  x: '00000 00000 10001 01010 00100 01010 10001',
  y: '00000 00000 10001 10001 10001 10001 01111 00001 01110',
  z: '00000 00000 11111 00010 00100 01000 11111',
  '!': '00100 00100 00100 00100 00100 00000 00100',
  '"': '01010 01010 01010',
  '#': '01010 01010 11111 01010 11111 01010 01010',
  $: '00100 01111 10100 01110 00101 11110 00100',
  '%': '11000 11001 00010 00100 01000 10011 00011',
  '&': '01100 10010 10100 01000 10101 10010 01101',
  "'": '00100 00100 01000',
  '(': '00010 00100 01000 01000 01000 00100 00010',
  ')': '01000 00100 00010 00010 00010 00100 01000',
  '*': '00000 00100 10101 01110 10101 00100 00000',
  '+': '00000 00100 00100 11111 00100 00100 00000',
  ',': '00000 00000 00000 00000 00000 01100 00100 01000',
  '-': '00000 00000 00000 11111',
  '.': '00000 00000 00000 00000 00000 01100 01100',
  '/': '00000 00001 00010 00100 01000 10000',
  ':': '00000 01100 01100 00000 01100 01100',
  ';': '00000 01100 01100 00000 01100 00100 01000',
  '<': '00010 00100 01000 10000 01000 00100 00010',
  '=': '00000 00000 11111 00000 11111',
  '>': '01000 00100 00010 00001 00010 00100 01000',
  '?': '01110 10001 00001 00010 00100 00000 00100',
  '@': '01110 10001 00001 01101 10101 10101 01110',
  '[': '01110 01000 01000 01000 01000 01000 01110',
  '\\': '00000 10000 01000 00100 00010 00001',
  ']': '01110 00010 00010 00010 00010 00010 01110',
  '^': '00100 01010 10001',
  _: '00000 00000 00000 00000 00000 00000 11111',
  '`': '01000 00100 00010',
  '{': '00010 00100 00100 01000 00100 00100 00010',
  '|': '00100 00100 00100 00100 00100 00100 00100',
  '}': '01000 00100 00100 00010 00100 00100 01000',
  '~': '00000 00000 01000 10101 00010',
  '×': '00000 10001 01010 00100 01010 10001',
  '°': '01100 10010 10010 01100',
  '±': '00100 00100 11111 00100 00100 00000 11111',
  '≤': '00010 00100 01000 00100 00010 00000 11111',
  '≥': '01000 00100 00010 00100 01000 00000 11111',
  Δ: '00000 00100 01010 01010 10001 10001 11111',
  μ: '00000 00000 10001 10001 10001 10011 11101 10000 10000',
  γ: '00000 00000 10001 10001 01010 01010 00100 00100 00100',
  λ: '01000 00100 00100 01010 01010 10001 10001',
  σ: '00000 00000 01111 10010 10001 10001 01110',
  '·': '00000 00000 00000 00100',
  '–': '00000 00000 00000 01110',
  '—': '00000 00000 00000 11111',
  '…': '00000 00000 00000 00000 00000 00000 10101',
};

/** Drawn for characters the font lacks, so a missing glyph is visible rather than silently dropped. */
const MISSING_GLYPH = '11111 10001 10001 10001 10001 10001 11111';

/** Glyph rows above the baseline. */
export const FONT_ASCENT = 7;
/** Glyph rows in all (ascent plus descender rows). */
const FONT_HEIGHT = 9;
/** Horizontal advance per character: 5 columns and 1 of spacing. */
const FONT_ADVANCE = 6;
const GLYPH_WIDTH = 5;

function parseGlyph(source: string): Uint8Array {
  const rows = new Uint8Array(FONT_HEIGHT);
  source
    .split(' ')
    .filter((r) => r.length > 0)
    .forEach((r, i) => {
      rows[i] = parseInt(r, 2);
    });
  return rows;
}

const GLYPHS = new Map<string, Uint8Array>(Object.entries(GLYPH_SOURCE).map(([ch, src]) => [ch, parseGlyph(src)]));
const MISSING = parseGlyph(MISSING_GLYPH);

/** Width in font pixels of `text` at scale 1 (no trailing spacing column). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * FONT_ADVANCE - 1) * scale;
}

export type TextAnchor = 'start' | 'middle' | 'end';

export interface TextOptions {
  /** Integer magnification of the 5 x 7 font. Default 1. */
  scale?: number;
  /** Which point of the text `x` names (along the writing direction). Default 'start'. */
  anchor?: TextAnchor;
  /** Rotated 90 degrees counter-clockwise, reading bottom to top (y-axis labels). */
  vertical?: boolean;
}

// ---------------------------------------------------------------------------
// The canvas.

/**
 * An opaque RGBA8 raster. Coordinates are in pixels with (0, 0) the top-left
 * corner of the top-left pixel, so pixel (i, j) covers [i, i+1) x [j, j+1) and
 * its centre is (i + 0.5, j + 0.5). Shapes are antialiased by coverage: each
 * pixel is blended with the shape's colour in proportion to how much of it
 * the shape covers (estimated from the distance of the pixel's centre to the
 * shape's edge), then by the colour's own alpha.
 */
export class Canvas {
  readonly width: number;
  readonly height: number;
  /** Row-major RGBA, 4 bytes a pixel; alpha stays 255 (the canvas is opaque). */
  readonly pixels: Uint8ClampedArray;

  constructor(width: number, height: number, background = '#ffffff') {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new Error(`Canvas: width and height must be positive integers, got ${width} x ${height}`);
    }
    this.width = width;
    this.height = height;
    this.pixels = new Uint8ClampedArray(width * height * 4);
    const [r, g, b] = parseColor(background);
    for (let i = 0; i < width * height; i++) {
      this.pixels[4 * i] = r;
      this.pixels[4 * i + 1] = g;
      this.pixels[4 * i + 2] = b;
      this.pixels[4 * i + 3] = 255;
    }
  }

  /** Blends `color` into pixel (x, y) with weight `coverage` in [0, 1]; outside the canvas it does nothing. */
  private blend(x: number, y: number, color: Rgba, coverage: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || coverage <= 0) return;
    const a = (Math.min(coverage, 1) * color[3]) / 255;
    const i = 4 * (y * this.width + x);
    const p = this.pixels;
    p[i] = p[i]! + (color[0] - p[i]!) * a;
    p[i + 1] = p[i + 1]! + (color[1] - p[i + 1]!) * a;
    p[i + 2] = p[i + 2]! + (color[2] - p[i + 2]!) * a;
  }

  /** The colour of pixel (x, y). */
  pixel(x: number, y: number): Rgba {
    const i = 4 * (y * this.width + x);
    const p = this.pixels;
    return [p[i]!, p[i + 1]!, p[i + 2]!, p[i + 3]!];
  }

  /** Fills [x, x+w) x [y, y+h); pixels the edges cut are covered in proportion to the area inside. */
  fillRect(x: number, y: number, w: number, h: number, color: string): void {
    if (!(w > 0 && h > 0)) return;
    const c = parseColor(color);
    const x1 = x + w;
    const y1 = y + h;
    const i0 = Math.max(0, Math.floor(x));
    const i1 = Math.min(this.width, Math.ceil(x1));
    const j0 = Math.max(0, Math.floor(y));
    const j1 = Math.min(this.height, Math.ceil(y1));
    for (let j = j0; j < j1; j++) {
      const cy = Math.min(j + 1, y1) - Math.max(j, y);
      for (let i = i0; i < i1; i++) {
        const cx = Math.min(i + 1, x1) - Math.max(i, x);
        this.blend(i, j, c, cx * cy);
      }
    }
  }

  /** A straight line of the given width with round caps. */
  line(x0: number, y0: number, x1: number, y1: number, color: string, width = 1): void {
    const c = parseColor(color);
    const half = width / 2;
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    const i0 = Math.max(0, Math.floor(Math.min(x0, x1) - half - 1));
    const i1 = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1) + half + 1));
    const j0 = Math.max(0, Math.floor(Math.min(y0, y1) - half - 1));
    const j1 = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1) + half + 1));
    for (let j = j0; j <= j1; j++) {
      const py = j + 0.5;
      for (let i = i0; i <= i1; i++) {
        const px = i + 0.5;
        // Distance from the pixel centre to the segment: project, clamp to the ends.
        const t = len2 > 0 ? Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2)) : 0;
        const ex = px - (x0 + t * dx);
        const ey = py - (y0 + t * dy);
        const dist = Math.sqrt(ex * ex + ey * ey);
        this.blend(i, j, c, half + 0.5 - dist);
      }
    }
  }

  /** A filled disc of radius r centred at (cx, cy). */
  dot(cx: number, cy: number, r: number, color: string): void {
    const c = parseColor(color);
    const i0 = Math.max(0, Math.floor(cx - r - 1));
    const i1 = Math.min(this.width - 1, Math.ceil(cx + r + 1));
    const j0 = Math.max(0, Math.floor(cy - r - 1));
    const j1 = Math.min(this.height - 1, Math.ceil(cy + r + 1));
    for (let j = j0; j <= j1; j++) {
      const ey = j + 0.5 - cy;
      for (let i = i0; i <= i1; i++) {
        const ex = i + 0.5 - cx;
        this.blend(i, j, c, r + 0.5 - Math.sqrt(ex * ex + ey * ey));
      }
    }
  }

  /**
   * Writes `text` with its baseline at `y` (descenders go below it) and `x`
   * the anchor point. Vertical text reads bottom to top: its baseline is the
   * column `x` and `y` is the anchor point along it. Font pixels are `scale`
   * canvas pixels square, placed on whole pixels so the text stays sharp;
   * characters the font lacks show as a hollow box.
   */
  text(x: number, y: number, text: string, color: string, options: TextOptions = {}): void {
    const scale = Math.max(1, Math.round(options.scale ?? 1));
    const c = parseColor(color);
    const w = textWidth(text, scale);
    const anchor = options.anchor ?? 'start';
    const shift = anchor === 'middle' ? w / 2 : anchor === 'end' ? w : 0;
    const vertical = options.vertical ?? false;
    // Along-text origin and the baseline, both in whole pixels.
    const ox = Math.round(vertical ? y + shift : x - shift);
    const base = Math.round(vertical ? x : y);
    let k = 0;
    for (const ch of text) {
      const glyph = GLYPHS.get(ch) ?? MISSING;
      for (let row = 0; row < FONT_HEIGHT; row++) {
        const bits = glyph[row]!;
        if (bits === 0) continue;
        for (let col = 0; col < GLYPH_WIDTH; col++) {
          if (!(bits & (1 << (GLYPH_WIDTH - 1 - col)))) continue;
          const along = k * FONT_ADVANCE + col;
          const across = row - FONT_ASCENT; // negative above the baseline
          for (let sy = 0; sy < scale; sy++) {
            for (let sx = 0; sx < scale; sx++) {
              if (vertical) {
                // Rotated counter-clockwise: along the text runs up the canvas, glyph tops face left.
                this.blend(base + across * scale + sy, ox - along * scale - sx - 1, c, 1);
              } else {
                this.blend(ox + along * scale + sx, base + across * scale + sy, c, 1);
              }
            }
          }
        }
      }
      k++;
    }
  }

  /** The canvas as PNG bytes. */
  toPng(): Uint8Array {
    return encodePng(this.width, this.height, this.pixels);
  }
}
