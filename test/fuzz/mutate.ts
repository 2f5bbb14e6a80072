/**
 * Seeded mutations of valid input files, for the reader fuzzer.
 *
 * A seed file comes with what its format looks like (`Layout`): the offsets
 * where one part ends and the next begins (header, records, blocks), the
 * binary header fields worth setting to extremes, and, for formats whose
 * header is text (CSV, the JSON of prepared sets and checkpoints), a way to
 * rewrite that text. `mutate` applies one to three operators chosen by a
 * seeded generator, so a mutant is reproduced from its seed alone.
 */

/** mulberry32: small, fast, and the same sequence on every platform. */
export class MutationRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }
}

/** A binary header field: byte offset, width in bytes, integer or float, byte order. */
export interface Field {
  name: string;
  offset: number;
  width: 2 | 4 | 8;
  kind: 'int' | 'float';
  littleEndian: boolean;
}

/** What a seed file's format looks like, for the structured operators. */
export interface Layout {
  /** Offsets where a part of the file ends: header ends, record and block boundaries. */
  boundaries: number[];
  /** Binary header fields to set to extremes. */
  fields: Field[];
  /** Byte ranges that hold samples (NaN / Inf go there). */
  samples?: { offset: number; width: 4 | 8; count: number; littleEndian: boolean };
  /** For formats with a text part: rewrites it (the whole file for CSV, the JSON header otherwise). */
  text?: { read: (bytes: Uint8Array) => string; write: (bytes: Uint8Array, text: string) => Uint8Array };
  /** Format-specific operators (zip entries overlapping, an HDF5 extent of 1e8, ...). */
  special?: Operator[];
}

export type Operator = { name: string; apply: (bytes: Uint8Array, rng: MutationRng, layout: Layout) => Uint8Array };

const INT_EXTREMES = [0, -1, 1, -12345, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32 - 1, 2 ** 53, 1e15];
const FLOAT_EXTREMES = [0, -0, -1, 1e-30, 1e30, -1e30, 3.4e38, Number.NaN, Infinity, -Infinity, -12345];

function setNumber(view: DataView, field: Field, value: number): void {
  const { offset, width, kind, littleEndian } = field;
  if (offset + width > view.byteLength) return;
  if (kind === 'float') {
    if (width === 8) view.setFloat64(offset, value, littleEndian);
    else view.setFloat32(offset, value, littleEndian);
  } else if (width === 8) view.setBigUint64(offset, BigInt.asUintN(64, BigInt(Math.trunc(value))), littleEndian);
  else if (width === 4) view.setUint32(offset, Number(BigInt.asUintN(32, BigInt(Math.trunc(value)))), littleEndian);
  else view.setUint16(offset, Number(BigInt.asUintN(16, BigInt(Math.trunc(value)))), littleEndian);
}

function copy(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

/** Values that break parsers of text: extremes, wrong types, control bytes, deep nesting. */
const TEXT_VALUES = [
  '',
  'null',
  '-1',
  '0',
  'NaN',
  'Infinity',
  '1e308',
  '-1e400',
  '4294967296',
  '9007199254740993',
  '"x"',
  '[]',
  '{}',
  'true',
  '"\u0000\u001b[31m\n"',
  '\uffff',
  '\ud800',
  `"${'A'.repeat(5000)}"`,
  '[[[[[[[[[[',
  '/dev/zero',
  '../',
  '"',
  ',',
  '\r\n',
];

function deepNesting(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** The generic operators, which need no knowledge of the format beyond its layout. */
const GENERIC: Operator[] = [
  {
    name: 'bit flips',
    apply: (bytes, rng) => {
      const out = copy(bytes);
      const flips = 1 + rng.below(8);
      for (let i = 0; i < flips && out.length > 0; i++) out[rng.below(out.length)]! ^= 1 << rng.below(8);
      return out;
    },
  },
  {
    name: 'byte run',
    apply: (bytes, rng) => {
      const out = copy(bytes);
      if (out.length === 0) return out;
      const start = rng.below(out.length);
      const length = Math.min(out.length - start, 1 + rng.below(64));
      const fill = rng.pick([0x00, 0xff, 0x7f, 0x80, -1]);
      for (let i = start; i < start + length; i++) out[i] = fill < 0 ? rng.below(256) : fill;
      return out;
    },
  },
  {
    name: 'truncate at a boundary',
    apply: (bytes, rng, layout) => {
      const cuts = [0, 1, ...layout.boundaries.flatMap((b) => [b - 1, b, b + 1]), rng.below(bytes.length + 1)];
      return bytes.slice(0, Math.max(0, Math.min(bytes.length, rng.pick(cuts))));
    },
  },
  {
    name: 'append bytes',
    apply: (bytes, rng) => {
      const extra = new Uint8Array(1 + rng.below(600));
      const fill = rng.below(3);
      for (let i = 0; i < extra.length; i++) extra[i] = fill === 0 ? 0 : fill === 1 ? rng.below(256) : (bytes[i % Math.max(1, bytes.length)] ?? 0);
      const out = new Uint8Array(bytes.length + extra.length);
      out.set(bytes);
      out.set(extra, bytes.length);
      return out;
    },
  },
  {
    name: 'cut a span out',
    apply: (bytes, rng) => {
      if (bytes.length < 2) return copy(bytes);
      const start = rng.below(bytes.length);
      const end = Math.min(bytes.length, start + 1 + rng.below(256));
      const out = new Uint8Array(bytes.length - (end - start));
      out.set(bytes.subarray(0, start));
      out.set(bytes.subarray(end), start);
      return out;
    },
  },
  {
    name: 'duplicate a span',
    apply: (bytes, rng, layout) => {
      if (bytes.length === 0) return copy(bytes);
      const start = rng.pick([0, ...layout.boundaries.filter((b) => b < bytes.length)]);
      const end = Math.min(bytes.length, start + 1 + rng.below(1024));
      const out = new Uint8Array(bytes.length + (end - start));
      out.set(bytes.subarray(0, end));
      out.set(bytes.subarray(start), end);
      return out;
    },
  },
  {
    name: 'header field at an extreme',
    apply: (bytes, rng, layout) => {
      const out = copy(bytes);
      if (layout.fields.length === 0) return out;
      const field = rng.pick(layout.fields);
      setNumber(new DataView(out.buffer), field, rng.pick(field.kind === 'float' ? FLOAT_EXTREMES : INT_EXTREMES));
      return out;
    },
  },
  {
    name: 'non-finite samples',
    apply: (bytes, rng, layout) => {
      const out = copy(bytes);
      const s = layout.samples;
      if (!s || s.count === 0) return out;
      const view = new DataView(out.buffer);
      const value = rng.pick([Number.NaN, Infinity, -Infinity, 3.4e38, -3.4e38]);
      const at = s.offset + rng.below(s.count) * s.width;
      setNumber(view, { name: 'sample', offset: at, width: s.width, kind: 'float', littleEndian: s.littleEndian }, value);
      return out;
    },
  },
  {
    name: 'text token replaced',
    apply: (bytes, rng, layout) => {
      if (!layout.text) return copy(bytes);
      const text = layout.text.read(bytes);
      const tokens = [...text.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?|"[^"\n]*"|true|false|null|[^,\n]+/g)];
      if (tokens.length === 0) return copy(bytes);
      const token = rng.pick(tokens);
      const value = rng.next() < 0.1 ? deepNesting(rng.pick([100, 10_000, 200_000])) : rng.pick(TEXT_VALUES);
      const at = token.index ?? 0;
      return layout.text.write(bytes, text.slice(0, at) + value + text.slice(at + token[0].length));
    },
  },
  {
    name: 'text line doubled or dropped',
    apply: (bytes, rng, layout) => {
      if (!layout.text) return copy(bytes);
      const lines = layout.text.read(bytes).split('\n');
      const i = rng.below(lines.length);
      if (rng.next() < 0.5) lines.splice(i, 1);
      else lines.splice(i, 0, ...Array.from({ length: 1 + rng.below(3) }, () => lines[i] ?? ''));
      return layout.text.write(bytes, lines.join('\n'));
    },
  },
];

/** One to three operators, the format's own among them with the generic ones; the names say what was done. */
export function mutate(bytes: Uint8Array, layout: Layout, rng: MutationRng): { bytes: Uint8Array; operators: string[] } {
  const pool = [...GENERIC, ...(layout.special ?? []), ...(layout.special ?? [])];
  const count = 1 + rng.below(3);
  let out = bytes;
  const operators: string[] = [];
  for (let i = 0; i < count; i++) {
    const operator = rng.pick(pool);
    out = operator.apply(out, rng, layout);
    operators.push(operator.name);
  }
  return { bytes: out, operators };
}

/** JSON of nested arrays, `depth` deep. */
export function nestedJson(depth: number): string {
  return deepNesting(depth);
}
