/**
 * A small WebAssembly assembler: enough of the binary format to emit one
 * module of functions over one imported shared memory, with the 128-bit SIMD
 * instructions the compiled kernels use. Opcodes follow the WebAssembly 2.0
 * specification (core binary format and the fixed-width SIMD proposal).
 *
 * Only what the kernels need is here: i32 and f32 scalars, f32x4 and i32x4
 * vectors, structured loops. `Code` keeps the instructions of one function as
 * bytes; `assemble` writes the module.
 */

export type ValueType = 'i32' | 'f32' | 'v128';

const TYPE_CODE: Record<ValueType, number> = { i32: 0x7f, f32: 0x7d, v128: 0x7b };

function unsignedLeb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function signedLeb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** out.push(...src) without spreading: a function body can hold more bytes than a call has room for arguments. */
function append(out: number[], src: readonly number[] | Uint8Array): void {
  for (let i = 0; i < src.length; i++) out.push(src[i]!);
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  unsignedLeb(out, bytes.length);
  append(out, bytes);
}

function vector(out: number[], items: readonly number[][]): void {
  unsignedLeb(out, items.length);
  for (const item of items) append(out, item);
}

/** A function local (or parameter): its index and type. */
export interface Local {
  readonly index: number;
  readonly type: ValueType;
}

/** Byte offsets are immediate operands of loads and stores: the address is a base on the stack plus `offset`. */
const LOG2_ALIGN = { f32: 2, i32: 2, v128: 4 } as const;

/** The body of one function under construction. Methods append one instruction each and return `this`. */
export class Code {
  readonly bytes: number[] = [];
  private readonly localTypes: ValueType[] = [];
  readonly params: readonly Local[];

  constructor(readonly paramTypes: readonly ValueType[]) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  local(type: ValueType): Local {
    const l = { index: this.params.length + this.localTypes.length, type };
    this.localTypes.push(type);
    return l;
  }

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  private simd(opcode: number): this {
    this.bytes.push(0xfd);
    unsignedLeb(this.bytes, opcode);
    return this;
  }

  private memarg(log2Align: number, offset: number): this {
    if (!Number.isInteger(offset) || offset < 0) throw new Error(`wasm: memory offset must be a non-negative integer, got ${offset}`);
    unsignedLeb(this.bytes, log2Align);
    unsignedLeb(this.bytes, offset);
    return this;
  }

  get(l: Local): this {
    this.op(0x20);
    unsignedLeb(this.bytes, l.index);
    return this;
  }
  set(l: Local): this {
    this.op(0x21);
    unsignedLeb(this.bytes, l.index);
    return this;
  }
  tee(l: Local): this {
    this.op(0x22);
    unsignedLeb(this.bytes, l.index);
    return this;
  }
  drop(): this {
    return this.op(0x1a);
  }

  i32(value: number): this {
    this.op(0x41);
    signedLeb(this.bytes, value);
    return this;
  }
  f32(value: number): this {
    const b = new Uint8Array(new Float32Array([value]).buffer);
    return this.op(0x43, ...b);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32LtU(): this {
    return this.op(0x49);
  }

  f32Load(offset = 0): this {
    return this.op(0x2a).memarg(LOG2_ALIGN.f32, offset);
  }
  f32Store(offset = 0): this {
    return this.op(0x38).memarg(LOG2_ALIGN.f32, offset);
  }
  i32Load(offset = 0): this {
    return this.op(0x28).memarg(LOG2_ALIGN.i32, offset);
  }

  /** `block ... end` (a forward branch target) and `loop ... end` (a backward one), both without results. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  end(): this {
    return this.op(0x0b);
  }
  brIf(depth: number): this {
    this.op(0x0d);
    unsignedLeb(this.bytes, depth);
    return this;
  }

  /**
   * `for (counter = 0; counter < count; counter++) body()` with a constant
   * count >= 1 (a do-while: the kernels never loop zero times).
   */
  repeat(counter: Local, count: number, body: () => void): this {
    if (!Number.isInteger(count) || count < 1) throw new Error(`wasm: loop count must be a positive integer, got ${count}`);
    this.i32(0).set(counter).loop();
    body();
    this.get(counter).i32(1).i32Add().tee(counter).i32(count).i32LtU().brIf(0).end();
    return this;
  }

  /** `for (counter = 0; counter < count; counter++) body()` with a count taken from a local (may be 0). */
  repeatDynamic(counter: Local, count: Local, body: () => void): this {
    this.i32(0).set(counter).block();
    this.get(counter).get(count).i32LtU().i32(1).op(0x73).brIf(0); // i32.xor 1: leave when !(counter < count)
    this.loop();
    body();
    this.get(counter).i32(1).i32Add().tee(counter).get(count).i32LtU().brIf(0).end().end();
    return this;
  }

  /** local += delta (i32). */
  advance(l: Local, delta: number): this {
    if (delta === 0) return this;
    return this.get(l).i32(delta).i32Add().set(l);
  }

  v128Load(offset = 0): this {
    return this.simd(0x00).memarg(LOG2_ALIGN.v128, offset);
  }
  /** Loads one f32 and copies it to the four lanes. */
  v128LoadSplat(offset = 0): this {
    return this.simd(0x09).memarg(LOG2_ALIGN.f32, offset);
  }
  v128Store(offset = 0): this {
    return this.simd(0x0b).memarg(LOG2_ALIGN.v128, offset);
  }
  v128Const(lanes: readonly [number, number, number, number]): this {
    this.simd(0x0c);
    this.bytes.push(...new Uint8Array(new Float32Array(lanes).buffer));
    return this;
  }
  i32x4Const(lanes: readonly [number, number, number, number]): this {
    this.simd(0x0c);
    this.bytes.push(...new Uint8Array(new Int32Array(lanes).buffer));
    return this;
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4ExtractLane(lane: number): this {
    this.simd(0x1f);
    this.bytes.push(lane);
    return this;
  }
  f32x4Eq(): this {
    return this.simd(0x41);
  }
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  f32x4Ge(): this {
    return this.simd(0x46);
  }
  v128Not(): this {
    return this.simd(0x4d);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  /** a & ~b */
  v128AndNot(): this {
    return this.simd(0x4f);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  v128Xor(): this {
    return this.simd(0x51);
  }
  /** Lanes of the first operand where the mask (third) has ones, of the second elsewhere. */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  f32x4Nearest(): this {
    return this.simd(0x6a);
  }
  i32x4Shl(): this {
    return this.simd(0xab);
  }
  i32x4Add(): this {
    return this.simd(0xae);
  }
  f32x4Abs(): this {
    return this.simd(0xe0);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  /** b < a ? b : a, lane-wise (no NaN or signed-zero special cases). */
  f32x4Pmin(): this {
    return this.simd(0xea);
  }
  /** a < b ? b : a, lane-wise: keeps the first operand on ties. */
  f32x4Pmax(): this {
    return this.simd(0xeb);
  }
  i32x4TruncSatF32x4S(): this {
    return this.simd(0xf8);
  }

  /** The function's body as the code section wants it: locals, instructions, end. */
  encode(): number[] {
    const body: number[] = [];
    const groups: number[][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === TYPE_CODE[t]) last[0]!++;
      else groups.push([1, TYPE_CODE[t]]);
    }
    unsignedLeb(body, groups.length);
    for (const [count, type] of groups) {
      unsignedLeb(body, count!);
      body.push(type!);
    }
    append(body, this.bytes);
    body.push(0x0b);
    const out: number[] = [];
    unsignedLeb(out, body.length);
    append(out, body);
    return out;
  }
}

export interface FunctionDefinition {
  readonly name: string;
  readonly code: Code;
}

function section(out: number[], id: number, content: number[]): void {
  out.push(id);
  unsignedLeb(out, content.length);
  append(out, content);
}

/**
 * A module that imports `env.memory` (shared, `minPages` to `maxPages` of
 * 64 KiB) and exports the given functions, none of which returns a value.
 */
export function assemble(functions: readonly FunctionDefinition[], minPages: number, maxPages: number): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(
    out,
    1,
    (() => {
      const s: number[] = [];
      vector(
        s,
        functions.map((f) => {
          const t = [0x60];
          vector(
            t,
            f.code.paramTypes.map((p) => [TYPE_CODE[p]]),
          );
          t.push(0x00);
          return t;
        }),
      );
      return s;
    })(),
  );
  const imports: number[] = [0x01];
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02, 0x03); // memory, limits with a maximum, shared
  unsignedLeb(imports, minPages);
  unsignedLeb(imports, maxPages);
  section(out, 2, imports);
  const types: number[] = [];
  vector(
    types,
    functions.map((_, i) => {
      const b: number[] = [];
      unsignedLeb(b, i);
      return b;
    }),
  );
  section(out, 3, types);
  const exports: number[] = [];
  vector(
    exports,
    functions.map((f, i) => {
      const e: number[] = [];
      name(e, f.name);
      e.push(0x00);
      unsignedLeb(e, i);
      return e;
    }),
  );
  section(out, 7, exports);
  const code: number[] = [];
  vector(
    code,
    functions.map((f) => f.code.encode()),
  );
  section(out, 10, code);
  return new Uint8Array(out);
}
