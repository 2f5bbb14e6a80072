import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { Rng, WebGpuBackend, apply, noGrad, tensor, type Tensor } from '../src/index.js';
import { conv2dGradInputOp, conv2dGradWeightOp, conv2dOp } from '../src/kernels/conv.js';
import { NetworkA, networkAInit } from '../test/webgpu/network-a.js';
import { networkAConvs, printRows, type Row } from './conv.js';

type BenchOptions = ConstructorParameters<typeof Bench>[0];

function random(shape: number[], rng: Rng, gpu: WebGpuBackend): Tensor {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return tensor(v, shape, { backend: gpu });
}

/** Median ms per task; GFLOP/s from each task's FLOP count. */
async function measure(bench: Bench, flops: ReadonlyMap<string, number>): Promise<Row[]> {
  await bench.run();
  return bench.tasks.map((task) => {
    const median = task.result.state === 'completed' ? task.result.latency.p50 : Number.NaN;
    return { name: task.name, backend: 'webgpu', medianMs: median, gflops: flops.get(task.name)! / (median * 1e6) };
  });
}

/**
 * conv2d forward and backward (input and weight gradients) at the CPU
 * table's shapes. Each sample encodes the kernels, submits and waits for the
 * device, so it includes one submission's latency.
 */
async function convRows(gpu: WebGpuBackend, batch: number, options: BenchOptions): Promise<Row[]> {
  const rng = new Rng(1);
  const bench = new Bench(options);
  const flops = new Map<string, number>();
  const operands: Tensor[] = [];
  for (const [ci, co, h, w] of networkAConvs) {
    const x = random([batch, ci, h, w], rng, gpu);
    const k = random([co, ci, 3, 3], rng, gpu);
    const dy = random([batch, co, h, w], rng, gpu);
    operands.push(x, k, dy);
    const f = 2 * batch * co * ci * 9 * h * w;
    const label = `conv2d ${ci}->${co} ${h}x${w}`;
    flops.set(`${label} forward`, f);
    flops.set(`${label} backward`, 2 * f);
    bench.add(`${label} forward`, async () => {
      const y = noGrad(() => apply(conv2dOp, [x, k], { padding: 'same' }));
      await gpu.sync();
      y.dispose();
    });
    bench.add(`${label} backward`, async () => {
      const dx = apply(conv2dGradInputOp, [dy, k], { padding: 'same', inputShape: x.shape });
      const dw = apply(conv2dGradWeightOp, [x, dy], { padding: 'same', weightShape: k.shape });
      await gpu.sync();
      dx.dispose();
      dw.dispose();
    });
  }
  const rows = await measure(bench, flops);
  for (const t of operands) t.dispose();
  return rows;
}

/**
 * A whole pre-training step of Network A (forward, backward, Adam), waiting
 * for the device after each. GFLOP/s counts the convolutions: forward, input
 * gradient (not for the first layer: the data takes none) and weight gradient.
 */
async function stepRows(gpu: WebGpuBackend, batches: readonly number[], options: BenchOptions): Promise<Row[]> {
  const rng = new Rng(2);
  const bench = new Bench(options);
  const flops = new Map<string, number>();
  const owned: { dispose(): void }[] = [];
  for (const batch of batches) {
    const net = new NetworkA(gpu, networkAInit(1));
    const x = random([batch, 1, 16, 48], rng, gpu);
    owned.push(net, x);
    const forward = networkAConvs.map(([ci, co, h, w]) => 2 * batch * co * ci * 9 * h * w);
    const name = `network A training step, batch ${batch}`;
    flops.set(name, 3 * forward.reduce((a, b) => a + b, 0) - forward[0]!);
    bench.add(name, async () => {
      net.step(x).dispose();
      await gpu.sync();
    });
  }
  const rows = await measure(bench, flops);
  for (const o of owned) o.dispose();
  return rows;
}

/**
 * The WebGPU benchmark tables; skips, saying why, without an adapter. On a
 * software adapter (SwiftShader) the figures only show that the kernels run,
 * so each task runs once after a warm-up run instead of for a time budget.
 */
export async function webgpuBenchmarks(): Promise<void> {
  let gpu: WebGpuBackend;
  try {
    gpu = await WebGpuBackend.create();
  } catch (err) {
    console.log(`\nWebGPU benchmarks skipped: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  try {
    const software = gpu.adapter.software;
    console.log(`\nWebGPU on ${gpu.description}${software ? ': a software rasteriser, so these are correctness-only figures' : ''}`);
    const options: BenchOptions = software
      ? { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 1 }
      : { time: 500, warmupTime: 100 };
    printRows('conv2d at the shapes of network A, batch 128 (WebGPU backend)', await convRows(gpu, 128, options));
    printRows('network A training step (WebGPU backend)', await stepRows(gpu, [128, 1024], options));
  } finally {
    gpu.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await webgpuBenchmarks();
