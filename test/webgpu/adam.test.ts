import { expect, it } from 'vitest';
import { Adam, cpu, tensor, type Backend, type Shape, type Tensor } from '../../src/index.js';
import { FORWARD, describeWebGpu, draw, expectClose } from './helpers.js';

/**
 * The Adam class itself on WebGPU tensors, apart from any model: the same
 * gradients given to the same parameters on both backends must leave the
 * parameters and both moment estimates equal after every step. Sizes that are
 * not multiples of a workgroup, non-default options, and a step where one
 * parameter has no gradient (Adam leaves it and its moments alone, while the
 * bias correction still counts the step).
 */
const SHAPES: readonly Shape[] = [[3, 67], [5], [2, 2, 3, 3]];
const STEPS = 6;
/** The step (1-based) at which parameter 1 gets no gradient. */
const SKIPPED_STEP = 3;
const OPTIONS = { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6 };

interface AdamRun {
  /** Per step, per parameter: the parameter, then m, then v, read back after the update. */
  readonly states: Float32Array[][][];
  readonly step: number;
}

async function runAdam(backend: Backend, initial: Float32Array[], gradients: Float32Array[][]): Promise<AdamRun> {
  const params = SHAPES.map((shape, i) => {
    const p = tensor(initial[i]!, shape, { backend });
    p.requiresGrad = true;
    return p;
  });
  const optimizer = new Adam(params, OPTIONS);
  const states: Float32Array[][][] = [];
  for (let step = 1; step <= STEPS; step++) {
    params.forEach((p, i) => {
      if (i === 1 && step === SKIPPED_STEP) return;
      p.grad = tensor(gradients[step - 1]![i]!, SHAPES[i]!, { backend });
    });
    optimizer.update();
    optimizer.zeroGrad();
    const read = (t: Tensor) => t.data().then((d) => Float32Array.from(d));
    states.push(await Promise.all(params.map(async (p, i) => Promise.all([read(p), read(optimizer.m[i]!), read(optimizer.v[i]!)]))));
  }
  const step = optimizer.step;
  optimizer.dispose();
  for (const p of params) p.dispose();
  return { states, step };
}

describeWebGpu('the Adam optimiser on WebGPU', (gpu) => {
  it(`${STEPS} steps of the Adam class on WebGPU tensors match the same steps on the CPU, step by step`, async () => {
    const initial = draw(
      SHAPES.map((shape) => ({ shape })),
      11,
    );
    const gradients = Array.from({ length: STEPS }, (_, s) =>
      draw(
        SHAPES.map((shape) => ({ shape })),
        20 + s,
      ),
    );
    const want = await runAdam(cpu, initial, gradients);
    const got = await runAdam(gpu, initial, gradients);
    expect([want.step, got.step]).toEqual([STEPS, STEPS]);
    const parts = ['parameter', 'm', 'v'];
    for (let step = 0; step < STEPS; step++)
      for (let i = 0; i < SHAPES.length; i++)
        for (let k = 0; k < 3; k++) expectClose(`${parts[k]} ${i} after step ${step + 1}`, got.states[step]![i]![k]!, want.states[step]![i]![k]!, FORWARD);
    // The skipped step left parameter 1 and its moments exactly as the step before, on both backends.
    for (const run of [want, got]) for (let k = 0; k < 3; k++) expect(run.states[SKIPPED_STEP - 1]![1]![k]).toEqual(run.states[SKIPPED_STEP - 2]![1]![k]);
    // And the steps moved the parameters: the comparison is not of two untouched copies.
    expect(want.states[STEPS - 1]![0]![0]).not.toEqual(initial[0]);
  });
});
