import type { Activation } from '../model/description.js';
import { activate, activationGrad, cursor, walk, zeroVector, type Cursor, type MathScratch } from './emit.js';
import { at, NO_BORDER, planeBytes, rowBytes, VEC, type Border, type TileBuffer } from './layout.js';
import type { Code, Local } from './wasm.js';

/**
 * The layers of a sequential autoencoder as the compiled kernels see them,
 * per record, with 1-D layers as 2-D ones of height 1; and the code that runs
 * each one's forward and backward pass over a tile. Every kernel is the CPU
 * op's arithmetic (src/kernels) in f32 lanes, summing in a fixed order.
 */
export type TileLayer = ConvLayer | PoolLayer | UpsampleLayer | ActivationLayer;

interface Planes {
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

export interface ConvLayer {
  readonly kind: 'conv';
  readonly input: Planes;
  readonly output: Planes;
  readonly kh: number;
  readonly kw: number;
  /** Zero rows / columns before the input ('same': floor((k - 1) / 2), 'valid': 0). */
  readonly pt: number;
  readonly pl: number;
  readonly activation: Activation;
  /** Index of the first kernel element ([out, in, kh, kw]) and of the first bias element among all parameters. */
  readonly weight: number;
  readonly bias: number;
}

export interface PoolLayer {
  readonly kind: 'pool';
  readonly input: Planes;
  readonly output: Planes;
  readonly ph: number;
  readonly pw: number;
}

export interface UpsampleLayer {
  readonly kind: 'upsample';
  readonly input: Planes;
  readonly output: Planes;
  readonly fh: number;
  readonly fw: number;
}

export interface ActivationLayer {
  readonly kind: 'activation';
  readonly input: Planes;
  readonly output: Planes;
  readonly activation: Activation;
}

/** The zero border a layer's input needs for the forward pass (and the weight gradient). */
export function inputBorder(layer: TileLayer): Border {
  if (layer.kind !== 'conv') return NO_BORDER;
  const { input: i, output: o, kh, kw, pt, pl } = layer;
  return { top: pt, bottom: o.h + kh - 1 - pt - i.h, left: pl, right: o.w + kw - 1 - pl - i.w };
}

/** The zero border the gradient of a layer's output needs for the input gradient (the transposed convolution). */
export function outputGradBorder(layer: TileLayer): Border {
  if (layer.kind !== 'conv') return NO_BORDER;
  const { input: i, output: o, kh, kw, pt, pl } = layer;
  return { top: kh - 1 - pt, bottom: i.h - o.h + pt, left: kw - 1 - pl, right: i.w - o.w + pl };
}

/** Where the kernels find things: the thread's workspace, the tile's gradient slot, and the parameters (an absolute address). */
export interface Context {
  readonly code: Code;
  readonly ws: Local;
  readonly slot: Local;
  readonly params: number;
  readonly math: MathScratch;
}

/** Most vectors (weights and sums) one unrolled loop body works with; larger layers are split into blocks of channels. */
const UNROLL_BUDGET = 72;

function blocks(count: number, perItem: number): number[][] {
  const size = Math.max(1, Math.min(count, Math.floor(UNROLL_BUDGET / perItem)));
  const out: number[][] = [];
  for (let s = 0; s < count; s += size) out.push(Array.from({ length: Math.min(size, count - s) }, (_, k) => s + k));
  return out;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, k) => k);
}

/** Pushes a parameter element copied to the four lanes. */
function loadParam(ctx: Context, element: number): void {
  ctx.code.i32(0).v128LoadSplat(ctx.params + element * 4);
}

/** Stores the tile's gradient of a parameter element (local v) in its slot; each element is stored once per tile. */
function storeGradient(ctx: Context, element: number, v: Local): void {
  ctx.code
    .get(ctx.slot)
    .get(v)
    .v128Store(element * VEC);
}

function kernelIndex(l: ConvLayer, o: number, ci: number, r: number, t: number): number {
  return l.weight + ((o * l.input.c + ci) * l.kh + r) * l.kw + t;
}

export function forward(ctx: Context, layer: TileLayer, x: TileBuffer, y: TileBuffer): void {
  switch (layer.kind) {
    case 'conv':
      convForward(ctx, layer, x, y);
      return;
    case 'pool':
      poolForward(ctx, layer, x, y);
      return;
    case 'upsample':
      upsampleForward(ctx, layer, x, y);
      return;
    case 'activation':
      activationForward(ctx, layer, x, y);
      return;
  }
}

/**
 * Backward pass of a layer: from gy (the gradient of its output) to gx (of
 * its input; null for the first layer, whose input gradient nobody needs),
 * storing parameter gradients in the tile's slot. A convolution first turns
 * gy into the gradient of its pre-activation, in place.
 */
export function backward(ctx: Context, layer: TileLayer, x: TileBuffer, y: TileBuffer, gy: TileBuffer, gx: TileBuffer | null): void {
  switch (layer.kind) {
    case 'conv':
      convActivationGrad(ctx, layer, y, gy);
      convWeightGrad(ctx, layer, x, gy);
      if (gx !== null) convInputGrad(ctx, layer, gy, gx);
      return;
    case 'pool':
      if (gx !== null) poolBackward(ctx, layer, x, y, gy, gx);
      return;
    case 'upsample':
      if (gx !== null) upsampleBackward(ctx, layer, gy, gx);
      return;
    case 'activation':
      if (gx !== null) activationBackward(ctx, layer, y, gy, gx);
      return;
  }
}

/** y[o] = act(bias[o] + sum over (c, r, t) of w[o, c, r, t] x[c, i + r - pt, j + t - pl]); output channels in blocks sharing each input load. */
function convForward(ctx: Context, l: ConvLayer, x: TileBuffer, y: TileBuffer): void {
  const c = ctx.code;
  const taps = l.input.c * l.kh * l.kw;
  for (const os of blocks(l.output.c, taps)) {
    const w = os.map((o) =>
      range(taps).map((k) => {
        const v = c.local('v128');
        loadParam(ctx, kernelIndex(l, o, 0, 0, 0) + k);
        c.set(v);
        return v;
      }),
    );
    const b = os.map((o) => {
      const v = c.local('v128');
      loadParam(ctx, l.bias + o);
      c.set(v);
      return v;
    });
    const acc = os.map(() => c.local('v128'));
    const xv = c.local('v128');
    const px = cursor(c, ctx.ws, at(x, 0, -l.pt, -l.pl), VEC, rowBytes(x));
    const py = cursor(c, ctx.ws, at(y, os[0]!, 0, 0), VEC, rowBytes(y));
    walk(c, l.output.h, l.output.w, [px, py], () => {
      os.forEach((_, k) => c.get(b[k]!).set(acc[k]!));
      let tap = 0;
      for (const ci of range(l.input.c))
        for (const r of range(l.kh))
          for (const t of range(l.kw)) {
            c.get(px.local)
              .v128Load(ci * planeBytes(x) + r * rowBytes(x) + t * VEC)
              .set(xv);
            os.forEach((_, k) => c.get(acc[k]!).get(xv).get(w[k]![tap]!).f32x4Mul().f32x4Add().set(acc[k]!));
            tap++;
          }
      os.forEach((o, k) => {
        c.get(py.local).get(acc[k]!);
        activate(c, l.activation, ctx.math);
        c.v128Store((o - os[0]!) * planeBytes(y));
      });
    });
  }
}

/** gy *= act'(y) in place (y is the layer's output), and the bias gradient: the sum of that over positions. */
function convActivationGrad(ctx: Context, l: ConvLayer, y: TileBuffer, gy: TileBuffer): void {
  const c = ctx.code;
  const sum = c.local('v128');
  const yv = c.local('v128');
  const g = c.local('v128');
  for (const o of range(l.output.c)) {
    zeroVector(c).set(sum);
    const pg = cursor(c, ctx.ws, at(gy, o, 0, 0), VEC, rowBytes(gy));
    const py = cursor(c, ctx.ws, at(y, o, 0, 0), VEC, rowBytes(y));
    walk(c, l.output.h, l.output.w, l.activation === 'linear' ? [pg] : [pg, py], () => {
      if (l.activation === 'linear') {
        c.get(pg.local).v128Load().set(g);
      } else {
        c.get(py.local).v128Load().set(yv);
        c.get(pg.local).get(pg.local).v128Load();
        activationGrad(c, l.activation, yv);
        c.tee(g).v128Store();
      }
      c.get(sum).get(g).f32x4Add().set(sum);
    });
    storeGradient(ctx, l.bias + o, sum);
  }
}

/** dw[o, c, r, t] += sum over positions of gy[o, i, j] x[c, i + r - pt, j + t - pl]; per output channel, input channels in blocks. */
function convWeightGrad(ctx: Context, l: ConvLayer, x: TileBuffer, gy: TileBuffer): void {
  const c = ctx.code;
  const g = c.local('v128');
  for (const o of range(l.output.c)) {
    for (const cs of blocks(l.input.c, l.kh * l.kw)) {
      const acc = cs.map(() => range(l.kh * l.kw).map(() => c.local('v128')));
      for (const row of acc) for (const v of row) zeroVector(c).set(v);
      const pg = cursor(c, ctx.ws, at(gy, o, 0, 0), VEC, rowBytes(gy));
      const px = cursor(c, ctx.ws, at(x, cs[0]!, -l.pt, -l.pl), VEC, rowBytes(x));
      walk(c, l.output.h, l.output.w, [pg, px], () => {
        c.get(pg.local).v128Load().set(g);
        cs.forEach((ci, k) => {
          for (const r of range(l.kh))
            for (const t of range(l.kw)) {
              const v = acc[k]![r * l.kw + t]!;
              c.get(v)
                .get(g)
                .get(px.local)
                .v128Load((ci - cs[0]!) * planeBytes(x) + r * rowBytes(x) + t * VEC)
                .f32x4Mul()
                .f32x4Add()
                .set(v);
            }
        });
      });
      cs.forEach((ci, k) => {
        for (const r of range(l.kh)) for (const t of range(l.kw)) storeGradient(ctx, kernelIndex(l, o, ci, r, t), acc[k]![r * l.kw + t]!);
      });
    }
  }
}

/** gx[c, i, j] = sum over (o, r, t) of w[o, c, r, t] gy[o, i - r + pt, j - t + pl]: the transposed convolution, over gy's zero border. */
function convInputGrad(ctx: Context, l: ConvLayer, gy: TileBuffer, gx: TileBuffer): void {
  const c = ctx.code;
  const taps = l.output.c * l.kh * l.kw;
  for (const cs of blocks(l.input.c, taps)) {
    const w = cs.map((ci) => {
      const row: Local[] = [];
      for (const o of range(l.output.c))
        for (const r of range(l.kh))
          for (const t of range(l.kw)) {
            const v = c.local('v128');
            loadParam(ctx, kernelIndex(l, o, ci, r, t));
            c.set(v);
            row.push(v);
          }
      return row;
    });
    const acc = cs.map(() => c.local('v128'));
    const gv = c.local('v128');
    const pg = cursor(c, ctx.ws, at(gy, 0, -(l.kh - 1 - l.pt), -(l.kw - 1 - l.pl)), VEC, rowBytes(gy));
    const px = cursor(c, ctx.ws, at(gx, cs[0]!, 0, 0), VEC, rowBytes(gx));
    walk(c, l.input.h, l.input.w, [pg, px], () => {
      for (const v of acc) zeroVector(c).set(v);
      let tap = 0;
      for (const o of range(l.output.c))
        for (const r of range(l.kh))
          for (const t of range(l.kw)) {
            c.get(pg.local)
              .v128Load(o * planeBytes(gy) + (l.kh - 1 - r) * rowBytes(gy) + (l.kw - 1 - t) * VEC)
              .set(gv);
            cs.forEach((_, k) => c.get(acc[k]!).get(gv).get(w[k]![tap]!).f32x4Mul().f32x4Add().set(acc[k]!));
            tap++;
          }
      cs.forEach((ci, k) =>
        c
          .get(px.local)
          .get(acc[k]!)
          .v128Store((ci - cs[0]!) * planeBytes(gx)),
      );
    });
  }
}

/** The pooling windows as up to four regions of equal window size (Keras 'same': the last row / column of windows may be cut short). */
function poolRegions(l: PoolLayer): { i0: number; rows: number; j0: number; cols: number; wh: number; ww: number }[] {
  const spans = (size: number, pool: number): { start: number; count: number; window: number }[] => {
    const full = Math.floor(size / pool);
    const out = full > 0 ? [{ start: 0, count: full, window: pool }] : [];
    if (size % pool !== 0) out.push({ start: full, count: 1, window: size % pool });
    return out;
  };
  const regions = [];
  for (const r of spans(l.input.h, l.ph))
    for (const s of spans(l.input.w, l.pw)) regions.push({ i0: r.start, rows: r.count, j0: s.start, cols: s.count, wh: r.window, ww: s.window });
  return regions;
}

/** Pushes `combine` folded over a rows x cols block of channel ch at cursor p, in row-major order. */
function fold(c: Code, p: Cursor, b: TileBuffer, ch: number, rows: number, cols: number, combine: () => void): void {
  for (const i of range(rows))
    for (const j of range(cols)) {
      c.get(p.local).v128Load(ch * planeBytes(b) + i * rowBytes(b) + j * VEC);
      if (i + j > 0) combine();
    }
}

/** y = the maximum of each window; on ties the first element in row-major order (the CPU kernel's strict >). */
function poolForward(ctx: Context, l: PoolLayer, x: TileBuffer, y: TileBuffer): void {
  const c = ctx.code;
  for (const reg of poolRegions(l)) {
    const px = cursor(c, ctx.ws, at(x, 0, reg.i0 * l.ph, reg.j0 * l.pw), l.pw * VEC, l.ph * rowBytes(x));
    const py = cursor(c, ctx.ws, at(y, 0, reg.i0, reg.j0), VEC, rowBytes(y));
    walk(c, reg.rows, reg.cols, [px, py], () => {
      for (const ch of range(l.input.c)) {
        c.get(py.local);
        fold(c, px, x, ch, reg.wh, reg.ww, () => c.f32x4Pmax());
        c.v128Store(ch * planeBytes(y));
      }
    });
  }
}

/** gx gets each window's gradient at its first maximum (the element equal to the output that comes first), zero elsewhere. */
function poolBackward(ctx: Context, l: PoolLayer, x: TileBuffer, y: TileBuffer, gy: TileBuffer, gx: TileBuffer): void {
  const c = ctx.code;
  const yv = c.local('v128');
  const g = c.local('v128');
  const taken = c.local('v128');
  const hit = c.local('v128');
  for (const reg of poolRegions(l)) {
    const px = cursor(c, ctx.ws, at(x, 0, reg.i0 * l.ph, reg.j0 * l.pw), l.pw * VEC, l.ph * rowBytes(x));
    const pgx = cursor(c, ctx.ws, at(gx, 0, reg.i0 * l.ph, reg.j0 * l.pw), l.pw * VEC, l.ph * rowBytes(gx));
    const py = cursor(c, ctx.ws, at(y, 0, reg.i0, reg.j0), VEC, rowBytes(y));
    const pgy = cursor(c, ctx.ws, at(gy, 0, reg.i0, reg.j0), VEC, rowBytes(gy));
    walk(c, reg.rows, reg.cols, [px, pgx, py, pgy], () => {
      for (const ch of range(l.input.c)) {
        c.get(py.local)
          .v128Load(ch * planeBytes(y))
          .set(yv);
        c.get(pgy.local)
          .v128Load(ch * planeBytes(gy))
          .set(g);
        zeroVector(c).set(taken);
        for (const a of range(reg.wh))
          for (const b of range(reg.ww)) {
            c.get(px.local)
              .v128Load(ch * planeBytes(x) + a * rowBytes(x) + b * VEC)
              .get(yv)
              .f32x4Eq()
              .get(taken)
              .v128AndNot()
              .set(hit);
            c.get(pgx.local)
              .get(g)
              .get(hit)
              .v128And()
              .v128Store(ch * planeBytes(gx) + a * rowBytes(gx) + b * VEC);
            c.get(taken).get(hit).v128Or().set(taken);
          }
      }
    });
  }
}

/** Nearest-neighbour upsampling: each input element fills an fh x fw block. */
function upsampleForward(ctx: Context, l: UpsampleLayer, x: TileBuffer, y: TileBuffer): void {
  const c = ctx.code;
  const v = c.local('v128');
  const px = cursor(c, ctx.ws, at(x, 0, 0, 0), VEC, rowBytes(x));
  const py = cursor(c, ctx.ws, at(y, 0, 0, 0), l.fw * VEC, l.fh * rowBytes(y));
  walk(c, l.input.h, l.input.w, [px, py], () => {
    for (const ch of range(l.input.c)) {
      c.get(px.local)
        .v128Load(ch * planeBytes(x))
        .set(v);
      for (const a of range(l.fh))
        for (const b of range(l.fw))
          c.get(py.local)
            .get(v)
            .v128Store(ch * planeBytes(y) + a * rowBytes(y) + b * VEC);
    }
  });
}

/** gx = the sum of gy over each block, in row-major order. */
function upsampleBackward(ctx: Context, l: UpsampleLayer, gy: TileBuffer, gx: TileBuffer): void {
  const c = ctx.code;
  const pgy = cursor(c, ctx.ws, at(gy, 0, 0, 0), l.fw * VEC, l.fh * rowBytes(gy));
  const pgx = cursor(c, ctx.ws, at(gx, 0, 0, 0), VEC, rowBytes(gx));
  walk(c, l.input.h, l.input.w, [pgy, pgx], () => {
    for (const ch of range(l.input.c)) {
      c.get(pgx.local);
      fold(c, pgy, gy, ch, l.fh, l.fw, () => c.f32x4Add());
      c.v128Store(ch * planeBytes(gx));
    }
  });
}

function activationForward(ctx: Context, l: ActivationLayer, x: TileBuffer, y: TileBuffer): void {
  const c = ctx.code;
  for (const ch of range(l.input.c)) {
    const px = cursor(c, ctx.ws, at(x, ch, 0, 0), VEC, rowBytes(x));
    const py = cursor(c, ctx.ws, at(y, ch, 0, 0), VEC, rowBytes(y));
    walk(c, l.input.h, l.input.w, [px, py], () => {
      c.get(py.local).get(px.local).v128Load();
      activate(c, l.activation, ctx.math);
      c.v128Store();
    });
  }
}

function activationBackward(ctx: Context, l: ActivationLayer, y: TileBuffer, gy: TileBuffer, gx: TileBuffer): void {
  const c = ctx.code;
  const yv = c.local('v128');
  for (const ch of range(l.input.c)) {
    const py = cursor(c, ctx.ws, at(y, ch, 0, 0), VEC, rowBytes(y));
    const pgy = cursor(c, ctx.ws, at(gy, ch, 0, 0), VEC, rowBytes(gy));
    const pgx = cursor(c, ctx.ws, at(gx, ch, 0, 0), VEC, rowBytes(gx));
    walk(c, l.input.h, l.input.w, [py, pgy, pgx], () => {
      c.get(py.local).v128Load().set(yv);
      c.get(pgx.local).get(pgy.local).v128Load();
      activationGrad(c, l.activation, yv);
      c.v128Store();
    });
  }
}
