import { backward, noGrad, tensor, tidy, Rng, type Tensor, type Shape, sizeOf } from '../../src/index.js';

export interface GradInput {
  shape: Shape;
  /** Values; random normal when omitted. */
  values?: Float64Array;
  /** Draw values in [low, high) instead of normal (for ops with a restricted domain). */
  range?: [number, number];
  /** False for operands that take no gradient (indices, targets). */
  grad?: boolean;
}

export interface GradCheckResult {
  /** Largest |analytic - numeric| / (atol + rtol |numeric|) over all checked elements: <= 1 passes. */
  worst: number;
  where: string;
}

/**
 * Central-difference gradient check in float64. The function's output is
 * contracted with fixed random weights, L = sum(w * f(x)), so every output
 * element's gradient path is exercised, and dL/dx from the tape is compared
 * with (L(x + h) - L(x - h)) / 2h for every input element.
 */
export async function gradCheck(
  f: (...xs: Tensor[]) => Tensor,
  specs: readonly GradInput[],
  { seed = 1, h = 1e-6, atol = 1e-7, rtol = 1e-5 } = {},
): Promise<GradCheckResult> {
  const rng = new Rng(seed);
  const values = specs.map((s) => {
    if (s.values) return Float64Array.from(s.values);
    const v = new Float64Array(sizeOf(s.shape));
    for (let i = 0; i < v.length; i++) v[i] = s.range ? s.range[0] + (s.range[1] - s.range[0]) * rng.uniform() : rng.normal();
    return v;
  });
  const make = (): Tensor[] =>
    specs.map((s, i) => {
      const t = tensor(values[i]!, s.shape, { dtype: 'float64' });
      t.requiresGrad = s.grad !== false;
      return t;
    });

  // Output weights, sized from one forward pass.
  const outSize = tidy(() => noGrad(() => f(...make()).size));
  const w = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) w[i] = rng.normal();

  const loss = async (): Promise<number> => {
    const y = tidy(() => noGrad(() => f(...make())));
    const d = await y.data();
    y.dispose();
    let s = 0;
    for (let i = 0; i < d.length; i++) s += w[i]! * d[i]!;
    return s;
  };

  const xs = make();
  const y = f(...xs);
  const wt = tensor(w, y.shape, { dtype: 'float64' });
  const { mul, sum } = await import('../../src/index.js');
  backward(sum(mul(y, wt)));
  const analytic = await Promise.all(xs.map(async (x) => (x.grad ? await x.grad.data() : null)));
  for (const x of xs) x.dispose();
  y.dispose();
  wt.dispose();

  let worst = 0;
  let where = '';
  for (let i = 0; i < specs.length; i++) {
    if (specs[i]!.grad === false) continue;
    const a = analytic[i];
    for (let j = 0; j < values[i]!.length; j++) {
      const orig = values[i]![j]!;
      values[i]![j] = orig + h;
      const lp = await loss();
      values[i]![j] = orig - h;
      const lm = await loss();
      values[i]![j] = orig;
      const numeric = (lp - lm) / (2 * h);
      const got = a ? a[j]! : 0;
      const err = Math.abs(got - numeric) / (atol + rtol * Math.abs(numeric));
      if (err > worst) {
        worst = err;
        where = `input ${i} element ${j}: analytic ${got}, numeric ${numeric}`;
      }
    }
  }
  return { worst, where };
}
