/**
 * The figures' colours and tick marks. Colours: the Okabe-Ito palette for
 * categories and a viridis ramp for heat maps, both readable with the common
 * colour-vision deficiencies. Ticks: round steps for linear axes, powers of
 * ten for log axes.
 */
import { parseColor } from './png.js';

/** Okabe-Ito, ordered for contrast on white (yellow, the faintest, last). */
export const PALETTE: readonly string[] = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9', '#000000', '#f0e442'];

/** Viridis at ten even stops (its published anchor colours). */
const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'].map(parseColor);

/** ColorBrewer Blues' ends, for confusion matrices: light is few, dark is many. */
export const BLUES = [parseColor('#f7fbff'), parseColor('#6baed6'), parseColor('#08306b')];

export const INK = '#222222';

export const GRID = '#e6e6e6';

export const AXIS = '#555555';

export const MISSING_CELL = '#bbbbbb';

export function hex(r: number, g: number, b: number): string {
  const h = (v: number): string =>
    Math.round(Math.max(0, Math.min(255, v)))
      .toString(16)
      .padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

export function ramp(stops: readonly (readonly number[])[], t: number): string {
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

export function categoryColor(id: number): string {
  return PALETTE[id % PALETTE.length]!;
}

export function luminance(color: string): number {
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
export function logTicks(min: number, max: number): Ticks {
  let e0 = Math.floor(Math.log10(min) + 1e-9);
  let e1 = Math.ceil(Math.log10(max) - 1e-9);
  if (e1 === e0) {
    e0 -= 1;
    e1 += 1;
  }
  const values = Array.from({ length: e1 - e0 + 1 }, (_, k) => 10 ** (e0 + k));
  return { lo: values[0]!, hi: values[values.length - 1]!, step: 10, values };
}

export function formatLogTick(v: number): string {
  const e = Math.round(Math.log10(v));
  return e >= -3 && e <= 4 ? String(Number(v.toFixed(Math.max(0, -e)))) : `1e${e}`;
}

/** Up to 3 significant digits, no exponent for everyday magnitudes. */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}
