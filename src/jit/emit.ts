import type { Activation } from '../model/description.js';
import type { Code, Local } from './wasm.js';

/**
 * Building blocks the layer kernels share: walking cursors over a grid of
 * positions, and the activations on f32x4 lanes.
 */

/** A pointer that walks a grid: `start` pushes its first address, then it moves `column` bytes per column and `row` bytes per row. */
export interface Cursor {
  readonly local: Local;
  readonly start: () => void;
  readonly column: number;
  readonly row: number;
}

/**
 * for row < rows, column < columns: body(). The cursors are set before the
 * loop and advanced after each column and each row; the body addresses
 * memory as cursor + constant offset.
 */
export function walk(c: Code, rows: number, columns: number, cursors: readonly Cursor[], body: () => void): void {
  for (const cur of cursors) {
    cur.start();
    c.set(cur.local);
  }
  const i = c.local('i32');
  const j = c.local('i32');
  c.repeat(i, rows, () => {
    c.repeat(j, columns, () => {
      body();
      for (const cur of cursors) c.advance(cur.local, cur.column);
    });
    for (const cur of cursors) c.advance(cur.local, cur.row - columns * cur.column);
  });
}

/** A cursor starting at `base + offset` where base is a local (a workspace or an area pointer). */
export function cursor(c: Code, base: Local, offset: number, column: number, row: number): Cursor {
  return { local: c.local('i32'), start: () => c.get(base).i32(offset).i32Add(), column, row };
}

const LOG2E = Math.LOG2E;
// ln 2 split so that n * LN2_HI is exact in f32 for the |n| < 2^8 used here.
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187e-6;
const SIGN: readonly [number, number, number, number] = [-0x80000000, -0x80000000, -0x80000000, -0x80000000];

function splat(c: Code, v: number): Code {
  return c.v128Const([v, v, v, v]);
}

/** Scratch vectors the activation code needs; one set per function is enough. */
export interface MathScratch {
  readonly x: Local;
  readonly y: Local;
  readonly n: Local;
  readonly f: Local;
}

export function mathScratch(c: Code): MathScratch {
  return { x: c.local('v128'), y: c.local('v128'), n: c.local('v128'), f: c.local('v128') };
}

/**
 * exp(y) for the lanes of local `s.y`, which must hold values in [-120, 0]:
 * y = n ln 2 + f with n an integer and |f| <= ln 2 / 2, exp(f) by its Taylor
 * polynomial to degree 7 (relative error below 1e-8 on that range), 2^n
 * built in the exponent bits. Leaves the result on the stack.
 */
function exp(c: Code, s: MathScratch): void {
  c.get(s.y);
  splat(c, LOG2E).f32x4Mul().f32x4Nearest().set(s.n);
  c.get(s.y).get(s.n);
  splat(c, LN2_HI).f32x4Mul().f32x4Sub().get(s.n);
  splat(c, LN2_LO).f32x4Mul().f32x4Sub().set(s.f);
  splat(c, 1 / 5040);
  for (const k of [1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1]) {
    c.get(s.f).f32x4Mul();
    splat(c, k).f32x4Add();
  }
  c.get(s.n).i32x4TruncSatF32x4S().i32x4Const([127, 127, 127, 127]).i32x4Add().i32(23).i32x4Shl();
  c.f32x4Mul();
}

/**
 * Applies an activation to the vector on the stack, leaving the result.
 * tanh(x) = sign(x) (1 - e) / (1 + e) with e = exp(-2|x|), |x| capped at 9
 * (where tanh is 1 in f32), and its Taylor series below |x| = 1/4; sigmoid(x) = 1 / (1 + e) for x >= 0 and
 * e / (1 + e) below, e = exp(-|x|), |x| capped at 80. Both stay within a few
 * 1e-8 of the exact value.
 */
export function activate(c: Code, activation: Activation, s: MathScratch): void {
  switch (activation) {
    case 'linear':
      return;
    case 'relu':
      splat(c, 0).f32x4Pmax();
      return;
    case 'tanh':
      c.tee(s.x).f32x4Abs();
      splat(c, 9).f32x4Pmin();
      splat(c, -2).f32x4Mul().set(s.y);
      exp(c, s);
      c.set(s.y); // e
      splat(c, 1).get(s.y).f32x4Sub();
      splat(c, 1).get(s.y).f32x4Add().f32x4Div();
      c.get(s.x).i32x4Const(SIGN).v128And().v128Or();
      // Below |x| = 1/4, where 1 - e loses digits, the Taylor series to x^9 instead.
      c.get(s.x).get(s.x).f32x4Mul().set(s.n);
      splat(c, 62 / 2835);
      for (const k of [-17 / 315, 2 / 15, -1 / 3, 1]) {
        c.get(s.n).f32x4Mul();
        splat(c, k).f32x4Add();
      }
      c.get(s.x).f32x4Mul();
      c.get(s.x).f32x4Abs();
      splat(c, 0.25).f32x4Ge().v128Bitselect();
      return;
    case 'sigmoid':
      c.tee(s.x).f32x4Abs();
      splat(c, 80).f32x4Pmin();
      splat(c, -1).f32x4Mul().set(s.y);
      exp(c, s);
      c.set(s.y); // e
      splat(c, 1);
      splat(c, 1).get(s.y).f32x4Add().f32x4Div().tee(s.f); // 1 / (1 + e)
      c.get(s.y).get(s.f).f32x4Mul(); // e / (1 + e)
      c.get(s.x);
      splat(c, 0).f32x4Ge().v128Bitselect();
      return;
  }
}

/**
 * Multiplies the gradient on the stack by the activation's derivative, given
 * the activation's output in local `y`: tanh 1 - y^2, sigmoid y (1 - y),
 * relu 1 where y > 0.
 */
export function activationGrad(c: Code, activation: Activation, y: Local): void {
  switch (activation) {
    case 'linear':
      return;
    case 'relu':
      c.get(y);
      splat(c, 0).f32x4Gt().v128And();
      return;
    case 'tanh':
      splat(c, 1).get(y).get(y).f32x4Mul().f32x4Sub().f32x4Mul();
      return;
    case 'sigmoid':
      c.get(y);
      splat(c, 1).get(y).f32x4Sub().f32x4Mul().f32x4Mul();
      return;
  }
}

export function zeroVector(c: Code): Code {
  return c.v128Const([0, 0, 0, 0]);
}
