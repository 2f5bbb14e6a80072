/** Shapes are plain arrays of non-negative integers, row-major (C order). */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** An Error that names the op and the shape of every operand. */
export class ShapeError extends Error {
  constructor(op: string, operands: Readonly<Record<string, Shape>>, why: string) {
    const list = Object.entries(operands)
      .map(([name, s]) => `${name} ${formatShape(s)}`)
      .join(', ');
    super(`${op}: ${why} (${list})`);
    this.name = 'ShapeError';
  }
}

/** NumPy broadcasting of two shapes; null when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): number[] | null {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides to read an operand of shape `from` while walking shape `to`
 * (which it broadcasts to): broadcast axes get stride 0.
 */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const own = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) out[off + i] = from[i] === 1 ? 0 : own[i]!;
  return out;
}

/** Normalises possibly negative axes against a rank; throws on out-of-range. */
export function normaliseAxes(op: string, shape: Shape, axes: readonly number[] | undefined): number[] {
  if (axes === undefined) return shape.map((_, i) => i);
  const out = axes.map((a) => (a < 0 ? a + shape.length : a));
  for (let i = 0; i < out.length; i++) {
    const a = out[i]!;
    if (!Number.isInteger(a) || a < 0 || a >= shape.length) throw new ShapeError(op, { x: shape }, `axis ${axes[i]} out of range`);
  }
  return [...new Set(out)].sort((x, y) => x - y);
}
