/**
 * How one tile of four records lies in memory while the compiled kernels run
 * it: every tensor of the network is a set of planes of 128-bit vectors whose
 * four lanes are the four records, so each arithmetic instruction works on
 * four records at once whatever the (tiny) channel counts and widths are.
 * A plane keeps a border of zeros around its values, as wide as the
 * convolution that reads it needs: the kernels then run without edge tests.
 * Borders are never written, so they stay zero for the life of the memory.
 */

/** Bytes of one vector: four f32 lanes. */
export const VEC = 16;
/** Records per tile: the lanes of a vector. */
export const LANES = 4;

export interface Border {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

export const NO_BORDER: Border = { top: 0, bottom: 0, left: 0, right: 0 };

/** One tensor of one tile: c planes of h x w vectors, with a zero border, at `offset` bytes into a thread's workspace. */
export interface TileBuffer {
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly border: Border;
  readonly offset: number;
}

export function rowBytes(b: TileBuffer): number {
  return (b.border.left + b.w + b.border.right) * VEC;
}

export function planeBytes(b: TileBuffer): number {
  return (b.border.top + b.h + b.border.bottom) * rowBytes(b);
}

export function bufferBytes(b: TileBuffer): number {
  return b.c * planeBytes(b);
}

/** Byte offset (within the workspace) of element (channel, row, column); row and column may reach into the border. */
export function at(b: TileBuffer, channel: number, row: number, column: number): number {
  const offset = b.offset + channel * planeBytes(b) + (b.border.top + row) * rowBytes(b) + (b.border.left + column) * VEC;
  if (row < -b.border.top || row >= b.h + b.border.bottom || column < -b.border.left || column >= b.w + b.border.right)
    throw new Error(`jit layout: (${channel}, ${row}, ${column}) lies outside a ${b.c}x${b.h}x${b.w} buffer and its border`);
  return offset;
}

/** Hands out consecutive, 16-byte aligned regions. */
export class Arena {
  private end: number;

  constructor(start = 0) {
    this.end = align(start);
  }

  take(bytes: number): number {
    const offset = this.end;
    this.end = align(this.end + bytes);
    return offset;
  }

  buffer(c: number, h: number, w: number, border: Border): TileBuffer {
    const shape = { c, h, w, border, offset: 0 };
    return { ...shape, offset: this.take(bufferBytes(shape)) };
  }

  get size(): number {
    return this.end;
  }
}

export function align(bytes: number, to = VEC): number {
  return Math.ceil(bytes / to) * to;
}
