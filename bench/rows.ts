import { Bench } from 'tinybench';
import { Rng, apply, noGrad, sizeOf, tensor, type Backend, type Shape, type Tensor, type WebGpuBackend } from '../src/engine.js';
import { conv2dGradInputOp, conv2dGradWeightOp, conv2dOp } from '../src/kernels/conv.js';
import { planModel } from '../src/model/description.js';
import { parameterShapes } from '../src/model/layers.js';
import { networkA } from '../src/model/networks.js';
import { compiledGpuFinetuneSteps, compiledGpuInference, compiledGpuSteps, finetuneGpuStep, inference, trainingStep, type Workload } from './step.js';

export type BenchOptions = ConstructorParameters<typeof Bench>[0];

/** Waits until the backend has run everything issued so far (a no-op on the CPU backend). */
export type Sync = () => Promise<void>;

export interface Row {
  name: string;
  backend: string;
  medianMs: number;
  gflops: number;
  /** Only for tasks that process a batch of records. */
  recordsPerSecond?: number;
  /** Only for training steps on WebGPU. */
  dispatchesPerStep?: number;
}

interface Conv {
  /** [out, in, kh, kw] */
  readonly weight: Shape;
  /** [channels, height, width] of one record */
  readonly input: Shape;
  readonly output: Shape;
}

/** The convolutions of the paper's 2-D network (Table S1), shapes taken from its plan so they cannot drift from the model. */
const networkAConvs: readonly Conv[] = planModel(networkA()).layers.flatMap((plan) =>
  plan.layer.type === 'conv2d' ? [{ weight: parameterShapes(plan)[0]!.shape, input: plan.inputShape, output: plan.outputShape }] : [],
);

/** FLOPs of one forward convolution (a multiply and an add per weight per output position); each gradient costs the same. */
const convFlops = ({ weight, output }: Conv, batch: number): number => 2 * batch * sizeOf(weight) * output[1]! * output[2]!;

function random(shape: Shape, rng: Rng, backend: Backend): Tensor {
  const v = new Float32Array(sizeOf(shape));
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return tensor(v, shape, { backend });
}

/** Runs the bench; one row per task, with its median time and the rates its work gives. */
async function measure(bench: Bench, backend: Backend, work: ReadonlyMap<string, { flops: number; records?: number }>): Promise<Row[]> {
  await bench.run();
  return bench.tasks.map((task) => {
    const median = task.result.state === 'completed' ? task.result.latency.p50 : Number.NaN;
    const { flops, records } = work.get(task.name)!;
    return {
      name: task.name,
      backend: backend.name,
      medianMs: median,
      gflops: flops / (median * 1e6),
      ...(records !== undefined && { recordsPerSecond: records / (median / 1e3) }),
    };
  });
}

/**
 * conv2d forward and backward (input and weight gradients) at the shapes of
 * network A. Each sample waits on `sync`, so on WebGPU it includes one
 * submission's latency.
 */
export async function convRows(backend: Backend, batch: number, sync: Sync, options: BenchOptions): Promise<Row[]> {
  const rng = new Rng(1);
  const bench = new Bench(options);
  const work = new Map<string, { flops: number }>();
  const operands: Tensor[] = [];
  for (const conv of networkAConvs) {
    const [co, ci] = conv.weight;
    const x = random([batch, ...conv.input], rng, backend);
    const k = random(conv.weight, rng, backend);
    const dy = random([batch, ...conv.output], rng, backend);
    operands.push(x, k, dy);
    const f = convFlops(conv, batch);
    const label = `conv2d ${ci}->${co} ${conv.input[1]}x${conv.input[2]}`;
    work.set(`${label} forward`, { flops: f });
    work.set(`${label} backward`, { flops: 2 * f });
    bench.add(`${label} forward`, async () => {
      const y = noGrad(() => apply(conv2dOp, [x, k], { padding: 'same' }));
      await sync();
      y.dispose();
    });
    bench.add(`${label} backward`, async () => {
      const dx = apply(conv2dGradInputOp, [dy, k], { padding: 'same', inputShape: x.shape });
      const dw = apply(conv2dGradWeightOp, [x, dy], { padding: 'same', weightShape: k.shape });
      await sync();
      dx.dispose();
      dw.dispose();
    });
  }
  const rows = await measure(bench, backend, work);
  for (const t of operands) t.dispose();
  return rows;
}

/** Which CPU path a step row runs, and what its name says of it. */
export interface StepVariant {
  readonly compiled: boolean;
  readonly label: string;
}

/**
 * Network A's encoder over `batch` records (codes of 12): records per second
 * and GFLOP/s of the encoder's convolutions.
 */
export async function inferenceRows(backend: Backend, batch: number, sync: Sync, options: BenchOptions, variant: StepVariant): Promise<Row[]> {
  const bench = new Bench(options);
  const work = inference(batch, backend, variant.compiled);
  await work.started();
  const name = `network A encoder, batch ${batch}${variant.label}`;
  const flops = networkAConvs.slice(0, 3).reduce((a, conv) => a + convFlops(conv, batch), 0);
  bench.add(name, async () => {
    work.run();
    await sync();
  });
  const rows = await measure(bench, backend, new Map([[name, { flops, records: batch }]]));
  work.dispose();
  return rows;
}

/**
 * A whole pre-training step of network A (`trainingStep` of step.ts:
 * forward, mse, backward, Adam), waiting on `sync` after each. GFLOP/s counts the
 * convolutions: forward, input gradient (not for the first layer: the data
 * takes none) and weight gradient.
 */
export async function stepRows(
  backend: Backend,
  batches: readonly number[],
  sync: Sync,
  options: BenchOptions,
  variant: StepVariant = { compiled: true, label: '' },
): Promise<Row[]> {
  const bench = new Bench(options);
  const work = new Map<string, { flops: number; records: number }>();
  const steps: Workload[] = [];
  for (const batch of batches) {
    const step = trainingStep(batch, backend, variant.compiled);
    await step.started();
    steps.push(step);
    const forward = networkAConvs.map((conv) => convFlops(conv, batch));
    const name = `network A training step, batch ${batch}${variant.label}`;
    work.set(name, { flops: 3 * forward.reduce((a, b) => a + b, 0) - forward[0]!, records: batch });
    bench.add(name, async () => {
      step.run();
      await sync();
    });
  }
  const rows = await measure(bench, backend, work);
  for (const step of steps) step.dispose();
  return rows;
}

/** FLOPs of network A's convolutions in one training step at `batch` (forward, input gradient but for the first layer, weight gradient). */
function stepFlops(batch: number): number {
  const forward = networkAConvs.map((conv) => convFlops(conv, batch));
  return 3 * forward.reduce((a, b) => a + b, 0) - forward[0]!;
}

/** Median of `samples` timings (ms) of `run`, after one untimed warm-up run. */
export async function medianMs(samples: number, run: () => Promise<void>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(samples / 2)]!;
}

/** Median milliseconds per step of a WebGPU workload whose `run` issues `steps` steps, waiting for the device each sample. */
export async function gpuMsPerStep(gpu: WebGpuBackend, work: Workload, steps: number, samples: number): Promise<number> {
  return (
    (await medianMs(samples, async () => {
      work.run();
      await gpu.sync();
    })) / steps
  );
}

/**
 * One network A step on WebGPU, op by op (autograd, one dispatch per op,
 * counted on the backend) and through the compiled program (src/jit/webgpu),
 * at `batch`: two rows named `${name}, batch B (op by op|compiled)`. A
 * compiled sample runs enough steps to fill about 2,048 records, as one
 * stretch of an epoch, and its row gives the time per step.
 */
async function opByOpAndCompiled(
  gpu: WebGpuBackend,
  batch: number,
  samples: number,
  name: string,
  opByOp: Workload,
  compiledSteps: (steps: number) => Promise<Workload & { dispatchesPerStep: number }>,
): Promise<Row[]> {
  const before = gpu.dispatched;
  opByOp.run();
  const dispatches = gpu.dispatched - before;
  const opMs = await gpuMsPerStep(gpu, opByOp, 1, samples);
  opByOp.dispose();
  const steps = Math.max(1, Math.ceil(2048 / batch));
  const compiled = await compiledSteps(steps);
  const compiledMs = await gpuMsPerStep(gpu, compiled, steps, samples);
  compiled.dispose();
  return (
    [
      ['op by op', opMs, dispatches],
      ['compiled', compiledMs, compiled.dispatchesPerStep],
    ] as const
  ).map(([label, ms, perStep]) => ({
    name: `${name}, batch ${batch} (${label})`,
    backend: gpu.name,
    medianMs: ms,
    gflops: stepFlops(batch) / (ms * 1e6),
    recordsPerSecond: batch / (ms / 1e3),
    dispatchesPerStep: perStep,
  }));
}

/** Network A training steps on WebGPU, op by op and compiled, at each batch size (`opByOpAndCompiled`). */
export async function gpuStepRows(gpu: WebGpuBackend, batches: readonly number[], samples: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const batch of batches)
    rows.push(
      ...(await opByOpAndCompiled(gpu, batch, samples, 'network A training step', trainingStep(batch, gpu, false), (steps) =>
        compiledGpuSteps(batch, gpu, steps),
      )),
    );
  return rows;
}

/** Network A fine-tuning steps (3 clusters, 0.1 KL + MSE) on WebGPU, op by op and compiled, at batch `batch` (`opByOpAndCompiled`). */
export function gpuFinetuneRows(gpu: WebGpuBackend, batch: number, samples: number): Promise<Row[]> {
  return opByOpAndCompiled(gpu, batch, samples, 'network A fine-tuning step, 3 clusters', finetuneGpuStep(batch, gpu), (steps) =>
    compiledGpuFinetuneSteps(batch, gpu, steps),
  );
}

/** Network A's encoder over `batch` resident records through the compiled WebGPU program, codes read back. */
export async function gpuInferenceRows(gpu: WebGpuBackend, batch: number, samples: number): Promise<Row[]> {
  const work = await compiledGpuInference(batch, gpu);
  const ms = await medianMs(samples, work.run);
  work.dispose();
  const flops = networkAConvs.slice(0, 3).reduce((a, conv) => a + convFlops(conv, batch), 0);
  return [
    { name: `network A encoder, batch ${batch} (compiled)`, backend: gpu.name, medianMs: ms, gflops: flops / (ms * 1e6), recordsPerSecond: batch / (ms / 1e3) },
  ];
}

export function printRows(title: string, rows: readonly Row[]): void {
  console.log(`\n${title}`);
  console.table(
    rows.map((r) => ({
      task: r.name,
      backend: r.backend,
      'median ms': r.medianMs.toFixed(3),
      ...(r.recordsPerSecond !== undefined && { 'records/s': r.recordsPerSecond.toFixed(0) }),
      'GFLOP/s': r.gflops.toFixed(2),
      ...(r.dispatchesPerStep !== undefined && { 'dispatches/step': r.dispatchesPerStep }),
    })),
  );
}
