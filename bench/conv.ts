import { Bench } from 'tinybench';
import { Rng, apply, noGrad, tensor, type Tensor } from '../src/index.js';
import { conv2dGradInputOp, conv2dGradWeightOp, conv2dOp } from '../src/kernels/conv.js';
import type { Backend } from '../src/tensor/backend.js';

/** The conv layers of the paper's 2-D network (Table S1) at batch 128: [in, out, height, width]. */
export const networkAConvs: readonly (readonly [number, number, number, number])[] = [
  [1, 4, 16, 48],
  [4, 2, 8, 24],
  [2, 1, 4, 12],
  [1, 1, 2, 6],
  [1, 2, 4, 12],
  [2, 4, 8, 24],
  [4, 1, 16, 48],
];

export interface Row {
  name: string;
  backend: string;
  medianMs: number;
  gflops: number;
}

function random(shape: number[], rng: Rng, backend: Backend): Tensor {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return tensor(v, shape, { backend });
}

/**
 * Median time and GFLOP/s of conv2d forward and backward (input and weight
 * gradients) at the paper's shapes. `sync` waits for the device (a no-op on
 * the CPU backend).
 */
export async function convRows(backend: Backend, batch: number, sync: (t: Tensor) => Promise<void>): Promise<Row[]> {
  const rng = new Rng(1);
  const rows: Row[] = [];
  const bench = new Bench({ time: 300, warmup: true, warmupTime: 50 });
  const flops = new Map<string, number>();
  for (const [ci, co, h, w] of networkAConvs) {
    const x = random([batch, ci, h, w], rng, backend);
    const k = random([co, ci, 3, 3], rng, backend);
    const dy = random([batch, co, h, w], rng, backend);
    const f = 2 * batch * co * ci * 9 * h * w;
    const label = `conv2d ${ci}->${co} ${h}x${w}`;
    flops.set(`${label} forward`, f);
    flops.set(`${label} backward`, 2 * f);
    bench.add(`${label} forward`, async () => {
      const y = noGrad(() => apply(conv2dOp, [x, k], { padding: 'same' }));
      await sync(y);
      y.dispose();
    });
    bench.add(`${label} backward`, async () => {
      const dx = apply(conv2dGradInputOp, [dy, k], { padding: 'same', inputShape: x.shape });
      const dw = apply(conv2dGradWeightOp, [x, dy], { padding: 'same', weightShape: k.shape });
      await sync(dw);
      dx.dispose();
      dw.dispose();
    });
  }
  await bench.run();
  for (const task of bench.tasks) {
    const median = task.result.state === 'completed' ? task.result.latency.p50 : Number.NaN;
    rows.push({ name: task.name, backend: backend.name, medianMs: median, gflops: flops.get(task.name)! / (median * 1e6) });
  }
  return rows;
}

export function printRows(title: string, rows: readonly Row[]): void {
  console.log(`\n${title}`);
  console.table(rows.map((r) => ({ kernel: r.name, backend: r.backend, 'median ms': r.medianMs.toFixed(3), 'GFLOP/s': r.gflops.toFixed(2) })));
}
