import type { FloatArray } from '../tensor/dtype.js';

/**
 * CPU loops of the convolution kernels, generated per kernel width so the
 * taps of a row are unrolled with the weights in registers (the paper's
 * networks use widths 3, 9 and 11). Columns whose taps all fall inside the
 * input run without bounds checks; only the edge columns test them. Every
 * output element is still summed in one fixed order: deterministic.
 */

/** Geometry of a stride-1 correlation with explicit padding before the input. */
export interface CorrelationGeometry {
  n: number;
  cin: number;
  cout: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  /** Rows / columns of zero padding before the input. */
  pt: number;
  pl: number;
}

type ForwardLoop = (x: FloatArray, k: FloatArray, y: FloatArray, g: CorrelationGeometry) => void;
type WeightGradLoop = (x: FloatArray, dy: FloatArray, dw: FloatArray, g: CorrelationGeometry) => void;

const forwardLoops = new Map<number, ForwardLoop>();
const weightGradLoops = new Map<number, WeightGradLoop>();

function taps(kw: number): number[] {
  return Array.from({ length: kw }, (_, t) => t);
}

/** Column range [lo, hi) of outputs whose kw taps all read inside the input row. */
const columnRange = `
  const lo = Math.min(g.outW, g.pl);
  const hi = Math.max(lo, Math.min(g.outW, g.inW + g.pl - KW + 1));`;

/** Statements for the taps of an edge column, each guarded by its column test. */
function edgeTaps(kw: number, statement: (t: number) => string): string {
  return taps(kw)
    .map((t) => `{ const c = ow + ${t} - g.pl; if (c >= 0 && c < g.inW) ${statement(t)} }`)
    .join('\n');
}

function forwardLoop(kw: number): ForwardLoop {
  let loop = forwardLoops.get(kw);
  if (loop !== undefined) return loop;
  const ts = taps(kw);
  const body = `
  const KW = ${kw};
  ${columnRange}
  const plane = g.outH * g.outW;
  const inPlane = g.inH * g.inW;
  for (let b = 0; b < g.n; b++) {
    for (let o = 0; o < g.cout; o++) {
      const yo = (b * g.cout + o) * plane;
      y.fill(0, yo, yo + plane);
      for (let c = 0; c < g.cin; c++) {
        const xo = (b * g.cin + c) * inPlane;
        for (let r = 0; r < g.kh; r++) {
          const kb = ((o * g.cin + c) * g.kh + r) * KW;
          ${ts.map((t) => `const w${t} = k[kb + ${t}];`).join(' ')}
          const oh0 = Math.max(0, g.pt - r);
          const oh1 = Math.min(g.outH, g.inH + g.pt - r);
          for (let oy = oh0; oy < oh1; oy++) {
            const yr = yo + oy * g.outW;
            const xr = xo + (oy + r - g.pt) * g.inW - g.pl;
            for (let ow = 0; ow < lo; ow++) { let s = 0; ${edgeTaps(kw, (t) => `s += w${t} * x[xr + ow + ${t}];`)} y[yr + ow] += s; }
            for (let ow = lo; ow < hi; ow++) y[yr + ow] += ${ts.map((t) => `w${t} * x[xr + ow + ${t}]`).join(' + ')};
            for (let ow = hi; ow < g.outW; ow++) { let s = 0; ${edgeTaps(kw, (t) => `s += w${t} * x[xr + ow + ${t}];`)} y[yr + ow] += s; }
          }
        }
      }
    }
  }`;
  loop = new Function('x', 'k', 'y', 'g', body) as ForwardLoop;
  forwardLoops.set(kw, loop);
  return loop;
}

function weightGradLoop(kw: number): WeightGradLoop {
  let loop = weightGradLoops.get(kw);
  if (loop !== undefined) return loop;
  const ts = taps(kw);
  const body = `
  const KW = ${kw};
  ${columnRange}
  const plane = g.outH * g.outW;
  const inPlane = g.inH * g.inW;
  for (let o = 0; o < g.cout; o++) {
    for (let c = 0; c < g.cin; c++) {
      for (let r = 0; r < g.kh; r++) {
        ${ts.map((t) => `let s${t} = 0;`).join(' ')}
        const oh0 = Math.max(0, g.pt - r);
        const oh1 = Math.min(g.outH, g.inH + g.pt - r);
        for (let b = 0; b < g.n; b++) {
          const yo = (b * g.cout + o) * plane;
          const xo = (b * g.cin + c) * inPlane;
          for (let oy = oh0; oy < oh1; oy++) {
            const yr = yo + oy * g.outW;
            const xr = xo + (oy + r - g.pt) * g.inW - g.pl;
            for (let ow = 0; ow < lo; ow++) { const d = dy[yr + ow]; ${edgeTaps(kw, (t) => `s${t} += d * x[xr + ow + ${t}];`)} }
            for (let ow = lo; ow < hi; ow++) { const d = dy[yr + ow]; ${ts.map((t) => `s${t} += d * x[xr + ow + ${t}];`).join(' ')} }
            for (let ow = hi; ow < g.outW; ow++) { const d = dy[yr + ow]; ${edgeTaps(kw, (t) => `s${t} += d * x[xr + ow + ${t}];`)} }
          }
        }
        const kb = ((o * g.cin + c) * g.kh + r) * KW;
        ${ts.map((t) => `dw[kb + ${t}] = s${t};`).join(' ')}
      }
    }
  }`;
  loop = new Function('x', 'dy', 'dw', 'g', body) as WeightGradLoop;
  weightGradLoops.set(kw, loop);
  return loop;
}

/** y = correlation of x [n, cin, inH, inW] with k [cout, cin, kh, kw]. */
export function correlate(x: FloatArray, k: FloatArray, y: FloatArray, g: CorrelationGeometry): void {
  forwardLoop(g.kw)(x, k, y, g);
}

/**
 * The input gradient is itself a correlation: of dy with the kernel turned
 * 180 degrees and its channel axes swapped, padded by k - 1 - pad before.
 */
export function correlateInputGrad(dy: FloatArray, k: FloatArray, dx: FloatArray, g: CorrelationGeometry): void {
  const flipped = k instanceof Float64Array ? new Float64Array(k.length) : new Float32Array(k.length);
  const { cin, cout, kh, kw } = g;
  for (let o = 0; o < cout; o++)
    for (let c = 0; c < cin; c++)
      for (let r = 0; r < kh; r++)
        for (let t = 0; t < kw; t++) flipped[((c * cout + o) * kh + (kh - 1 - r)) * kw + (kw - 1 - t)] = k[((o * cin + c) * kh + r) * kw + t]!;
  correlate(dy, flipped, dx, {
    n: g.n,
    cin: cout,
    cout: cin,
    inH: g.outH,
    inW: g.outW,
    outH: g.inH,
    outW: g.inW,
    kh,
    kw,
    pt: kh - 1 - g.pt,
    pl: kw - 1 - g.pl,
  });
}

/** dw[o, c, r, t] = sum over n, rows, columns of dy[n, o] x[n, c] shifted by (r, t). */
export function correlateWeightGrad(x: FloatArray, dy: FloatArray, dw: FloatArray, g: CorrelationGeometry): void {
  weightGradLoop(g.kw)(x, dy, dw, g);
}
