/**
 * One drawing, two renderings: a figure draws once through `Surface`, and the
 * raster surface (the PNG canvas at `pixelRatio` pixels per unit) and the SVG
 * surface each render that drawing. Layout is in SVG units; text uses the
 * canvas's 5 x 7 bitmap font in the PNG and a monospace font of the same
 * advance in the SVG.
 */
import { Canvas, parseColor, type TextAnchor, textWidth } from './png.js';
import { hex, INK } from './figure-style.js';

interface TextStyle {
  color?: string;
  /** Font units: 1 draws the 5 x 7 font at 5 x 7 SVG units. Default 1.5. */
  size?: number;
  anchor?: TextAnchor;
  vertical?: boolean;
}

export interface Surface {
  rect(x: number, y: number, w: number, h: number, fill: string): void;
  line(x0: number, y0: number, x1: number, y1: number, stroke: string, width?: number): void;
  /** A connected line through (x, y) pairs. */
  polyline(xy: readonly number[], stroke: string, width?: number): void;
  dot(cx: number, cy: number, r: number, fill: string): void;
  /** Text with its baseline at y (see Canvas.text for vertical text). */
  text(x: number, y: number, s: string, style?: TextStyle): void;
}

export const TICK_SIZE = 1.5;

export const TITLE_SIZE = 2;

export const SMALL_SIZE = 1;

export function textLength(s: string, size = TICK_SIZE): number {
  return textWidth(s) * size;
}

export class RasterSurface implements Surface {
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

export class SvgSurface implements Surface {
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
