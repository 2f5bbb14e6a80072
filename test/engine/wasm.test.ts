import { describe, expect, it } from 'vitest';
import { wasm } from '../../src/common/webassembly.js';
import { assemble, Code, type FunctionDefinition, type Local } from '../../src/jit/wasm.js';

/** Assembles the functions over a fresh shared memory of `pages` and returns the exports and the memory's bytes. */
function load(functions: FunctionDefinition[], pages = 1): { exports: Record<string, (...args: number[]) => void>; buffer: SharedArrayBuffer } {
  const bytes = assemble(functions, pages, pages);
  expect(wasm.validate(bytes)).toBe(true);
  const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  return { exports: instance.exports as Record<string, (...args: number[]) => void>, buffer: memory.buffer };
}

/** i32.store (opcode 0x36, align 2^2, offset 0): the assembler has no need of it, so the test writes it by hand. */
function i32Store(c: Code): void {
  c.bytes.push(0x36, 0x02, 0x00);
}

describe('wasm assembler: LEB128 immediates', () => {
  it('i32 constants at the signed LEB128 boundaries come back as written', () => {
    const values = [0, 1, -1, 63, 64, -64, -65, 127, 128, -128, -129, 8191, 8192, -8192, -8193, 2 ** 20, -(2 ** 20) - 1, 2 ** 31 - 1, -(2 ** 31)];
    const c = new Code(['i32']);
    const [base] = c.params as Local[];
    values.forEach((v, i) => {
      c.get(base!)
        .i32(4 * i)
        .i32Add()
        .i32(v);
      i32Store(c);
    });
    const { exports, buffer } = load([{ name: 'write', code: c }]);
    exports.write!(64);
    expect(Array.from(new Int32Array(buffer, 64, values.length))).toEqual(values);
  });

  it('constants wrap to 32 bits: 2^31 reads back as -2^31, 2^32 - 1 as -1', () => {
    const c = new Code([]);
    c.i32(0).i32(2 ** 31);
    i32Store(c);
    c.i32(4).i32(2 ** 32 - 1);
    i32Store(c);
    const { exports, buffer } = load([{ name: 'write', code: c }]);
    exports.write!();
    expect(Array.from(new Int32Array(buffer, 0, 2))).toEqual([-(2 ** 31), -1]);
  });

  it('memory offsets at the unsigned LEB128 boundaries address the right bytes', () => {
    // 33 pages: room for an offset of 2^21.
    const offsets = [0, 4, 124, 128, 16380, 16384, 2 ** 21 - 4, 2 ** 21];
    const c = new Code([]);
    offsets.forEach((offset, i) =>
      c
        .i32(0)
        .f32(i + 1)
        .f32Store(offset),
    );
    const { exports, buffer } = load([{ name: 'write', code: c }], 33);
    exports.write!();
    const f = new Float32Array(buffer);
    offsets.forEach((offset, i) => expect(f[offset / 4], `offset ${offset}`).toBe(i + 1));
    // Nothing else was written.
    expect(f.reduce((s, v) => s + v, 0)).toBe((offsets.length * (offsets.length + 1)) / 2);
  });

  it('an unaligned offset (127) is still the byte address', () => {
    const c = new Code([]);
    c.i32(1).f32(1.5).f32Store(127);
    const { exports, buffer } = load([{ name: 'write', code: c }]);
    exports.write!();
    expect(new DataView(buffer).getFloat32(128, true)).toBe(1.5);
  });

  it('locals past index 127 and bodies past 16 KiB encode their sizes in several LEB bytes', () => {
    const c = new Code(['i32']);
    const locals = Array.from({ length: 200 }, () => c.local('i32'));
    // Local 200 (index 201 with the parameter) holds the address; write 1500 values (a body of about 18 KB).
    const last = locals[locals.length - 1]!;
    c.get(c.params[0]!).set(last);
    for (let i = 0; i < 1500; i++)
      c.get(last)
        .f32(i)
        .f32Store(4 * i);
    const { exports, buffer } = load([{ name: 'write', code: c }]);
    exports.write!(256);
    const f = new Float32Array(buffer, 256, 1500);
    expect(f[0]).toBe(0);
    expect(f[1499]).toBe(1499);
    expect(f.every((v, i) => v === i)).toBe(true);
  });

  it('a module of 130 functions (counts and indices past 127) exports each under its name', () => {
    const functions = Array.from({ length: 130 }, (_, i) => {
      const c = new Code([]);
      c.i32(4 * i)
        .f32(i + 0.5)
        .f32Store();
      return { name: `f${i}`, code: c };
    });
    const { exports, buffer } = load(functions);
    exports.f129!();
    exports.f128!();
    exports.f0!();
    const f = new Float32Array(buffer);
    expect([f[0], f[1], f[128], f[129], f[127]]).toEqual([0.5, 0, 128.5, 129.5, 0]);
  });

  it('rejects a negative or fractional memory offset', () => {
    expect(() => new Code([]).i32(0).f32Load(-4)).toThrow(/non-negative integer/);
    expect(() => new Code([]).i32(0).f32Load(1.5)).toThrow(/non-negative integer/);
  });
});

describe('wasm assembler: SIMD', () => {
  it('an f32x4 kernel out = a * b + c over vectors in memory', () => {
    const code = new Code(['i32']);
    const [p] = code.params as Local[];
    code.get(p!).get(p!).v128Load(0).get(p!).v128Load(16).f32x4Mul().get(p!).v128Load(32).f32x4Add().v128Store(48);
    const { exports, buffer } = load([{ name: 'fma', code }]);
    const f = new Float32Array(buffer, 1024, 16);
    const a = [1.5, -2, 0.1, 3e5];
    const b = [2, 0.25, 0.3, -7];
    const c = [0.5, 1, -0.03, 1];
    f.set([...a, ...b, ...c]);
    exports.fma!(1024);
    const expected = a.map((ai, i) => Math.fround(Math.fround(Math.fround(ai) * Math.fround(b[i]!)) + Math.fround(c[i]!)));
    expect(Array.from(f.subarray(12, 16))).toEqual(expected);
    expect(Array.from(f.subarray(0, 12))).toEqual(Array.from(Float32Array.from([...a, ...b, ...c])));
  });

  it('load-splat copies one f32 to four lanes; extract-lane takes one back out', () => {
    const code = new Code([]);
    code.i32(0).i32(0).v128LoadSplat(4).v128Store(16);
    code.i32(32).v128Const([1, 2, 3, 4]).f32x4ExtractLane(2).f32Store();
    const { exports, buffer } = load([{ name: 'run', code }]);
    const f = new Float32Array(buffer);
    f[1] = -6.25;
    exports.run!();
    expect(Array.from(f.subarray(4, 9))).toEqual([-6.25, -6.25, -6.25, -6.25, 3]);
  });

  it('pmax keeps its first operand on ties (-0 vs +0) and pmin likewise', () => {
    const code = new Code([]);
    code.i32(0).v128Const([-0, 0, 1, -1]).v128Const([0, -0, 2, -2]).f32x4Pmax().v128Store();
    code.i32(16).v128Const([-0, 0, 1, -1]).v128Const([0, -0, 2, -2]).f32x4Pmin().v128Store();
    const { exports, buffer } = load([{ name: 'run', code }]);
    exports.run!();
    const f = Array.from(new Float32Array(buffer, 0, 8));
    expect(f.map((v) => Object.is(v, -0))).toEqual([true, false, false, false, true, false, false, false]);
    expect(f).toEqual([-0, 0, 2, -1, -0, 0, 1, -2]);
  });
});

describe('wasm assembler: loops', () => {
  /** count(n) adds 1 to the f32 at address 0, n times, with repeatDynamic. */
  function counter(): Code {
    const c = new Code(['i32']);
    const [n] = c.params as Local[];
    const i = c.local('i32');
    c.repeatDynamic(i, n!, () => {
      c.i32(0).i32(0).f32Load().f32(1).bytes.push(0x92); // f32.add
      c.f32Store();
    });
    return c;
  }

  it('repeatDynamic runs its body count times, zero times for a count of 0', () => {
    const { exports, buffer } = load([{ name: 'count', code: counter() }]);
    const f = new Float32Array(buffer, 0, 1);
    const runs = [0, 1, 2, 7, 0].map((n) => {
      f[0] = 0;
      exports.count!(n);
      return f[0];
    });
    expect(runs).toEqual([0, 1, 2, 7, 0]);
  });

  it('repeat runs a constant count of 1 or more, nested loops multiply', () => {
    const c = new Code([]);
    const i = c.local('i32');
    const j = c.local('i32');
    const addr = c.local('i32');
    c.i32(0).set(addr);
    c.repeat(i, 3, () => {
      c.repeat(j, 5, () => {
        // memory[addr] = addr / 4; addr += 4
        c.get(addr).f32(0).f32Store();
        c.advance(addr, 4);
      });
    });
    c.i32(60).f32(1).f32Store();
    const { exports, buffer } = load([{ name: 'run', code: c }]);
    new Float32Array(buffer).fill(9, 0, 20);
    exports.run!();
    expect(Array.from(new Float32Array(buffer, 0, 17))).toEqual([...new Array(15).fill(0), 1, 9]);
  });

  it('repeat refuses a count below 1', () => {
    const c = new Code([]);
    const i = c.local('i32');
    expect(() => c.repeat(i, 0, () => {})).toThrow(/positive integer/);
  });
});
