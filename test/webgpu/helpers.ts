import { afterAll, describe, expect, it } from 'vitest';
import { Rng, WebGpuBackend, backward, cpu, mul, sum, tensor, tidy, sizeOf, type Backend, type FloatArray, type Shape, type Tensor } from '../../src/index.js';

/**
 * One WebGPU backend per test file (vitest runs each file in its own
 * process). Without an adapter the suite skips and says why, except in CI
 * (CI=true), where a missing adapter fails it.
 */
async function open(): Promise<{ backend: WebGpuBackend; reason: null } | { backend: null; reason: string }> {
  try {
    return { backend: await WebGpuBackend.create(), reason: null };
  } catch (err) {
    return { backend: null, reason: err instanceof Error ? err.message : String(err) };
  }
}

const opened = await open();
const inCi = process.env.CI === 'true';

/** The file's single top-level suite; `body` gets the backend. The device is destroyed after it. */
export function describeWebGpu(title: string, body: (gpu: WebGpuBackend) => void): void {
  const { backend, reason } = opened;
  if (backend === null && !inCi) console.warn(`WebGPU tests skipped (${title}): ${reason}`);
  describe.skipIf(backend === null && !inCi)(title, () => {
    if (backend === null) {
      it('has a WebGPU adapter (CI=true)', () => {
        throw new Error(`CI=true and no WebGPU adapter: ${reason}`);
      });
      return;
    }
    afterAll(() => backend.destroy());
    body(backend);
  });
}

/** Forward tolerance: |gpu - cpu| <= 1e-6 + 1e-5 |cpu|. */
export const FORWARD = { rtol: 1e-5, atol: 1e-6 };
/** Backward tolerance: 1e-4 relative (the absolute floor only absorbs exact zeros versus round-off). */
export const BACKWARD = { rtol: 1e-4, atol: 1e-6 };

/** Fails naming the worst element when some |got - want| > atol + rtol |want|. */
export function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, { rtol, atol }: { rtol: number; atol: number }): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i]! - want[i]!) / (atol + rtol * Math.abs(want[i]!));
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  if (!(worst <= 1)) throw new Error(`${what}: element ${at} is ${got[at]} on WebGPU, ${want[at]} on the CPU (${worst.toFixed(2)}x the tolerance)`);
}

export interface OperandSpec {
  readonly shape: Shape;
  /** Values; drawn from `range` (uniform) or normal when omitted. */
  readonly values?: ArrayLike<number>;
  readonly range?: readonly [number, number];
  /** False for operands that take no gradient. */
  readonly grad?: boolean;
}

/** Operand values, float32-exact so both backends start from the same numbers. */
export function draw(specs: readonly OperandSpec[], seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return specs.map((s) => {
    if (s.values !== undefined) return Float32Array.from(s.values);
    const v = new Float32Array(sizeOf(s.shape));
    for (let i = 0; i < v.length; i++) v[i] = s.range ? s.range[0] + (s.range[1] - s.range[0]) * rng.uniform() : rng.normal();
    return v;
  });
}

interface Run {
  readonly forward: FloatArray;
  readonly grads: (FloatArray | null)[];
}

async function runOn(
  backend: Backend,
  f: (...xs: Tensor[]) => Tensor,
  specs: readonly OperandSpec[],
  values: Float32Array[],
  weights: Float32Array | null,
): Promise<Run> {
  const xs = specs.map((s, i) => {
    const t = tensor(values[i]!, s.shape, { backend });
    t.requiresGrad = weights !== null && s.grad !== false;
    return t;
  });
  const y = tidy(() => {
    const out = f(...xs);
    // L = sum(w * f(x)): every output element's gradient path is exercised.
    if (weights !== null) backward(sum(mul(out, tensor(weights, out.shape, { backend }))));
    return out;
  });
  const forward = await y.data();
  const grads = await Promise.all(xs.map((x) => (x.grad === null ? null : x.grad.data())));
  y.dispose();
  for (const x of xs) x.dispose();
  return { forward, grads };
}

/**
 * Runs `f` on the CPU backend and on WebGPU from the same float32 inputs and
 * compares the outputs (FORWARD) and, unless `backward` is false, the input
 * gradients of sum(w * f(x)) for fixed random w (BACKWARD).
 */
export async function expectParity(
  gpu: Backend,
  f: (...xs: Tensor[]) => Tensor,
  specs: readonly OperandSpec[],
  { seed = 1, backward: withBackward = true }: { seed?: number; backward?: boolean } = {},
): Promise<void> {
  const values = draw(specs, seed);
  const outSize = tidy(() => f(...specs.map((s, i) => tensor(values[i]!, s.shape))).size);
  const weights = withBackward ? draw([{ shape: [outSize] }], seed + 1)[0]! : null;
  const want = await runOn(cpu, f, specs, values, weights);
  const got = await runOn(gpu, f, specs, values, weights);
  expectClose('forward', got.forward, want.forward, FORWARD);
  want.grads.forEach((g, i) => {
    if (g === null) return;
    const h = got.grads[i];
    if (h === null || h === undefined) throw new Error(`operand ${i}: no gradient on WebGPU`);
    expectClose(`gradient of operand ${i}`, h, g, BACKWARD);
  });
}
