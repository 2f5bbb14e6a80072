import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import {
  WebGpuError,
  apply,
  applyInPlace,
  cpu,
  createBackend,
  defineOp,
  defineWebGpuKernel,
  mulScalar,
  tensor,
  zeros,
  WebGpuBackend,
} from '../../src/index.js';
import { adamUpdateOp } from '../../src/optim/kernels.js';
import { describeWebGpu } from './helpers.js';

const root = new URL('../../', import.meta.url).pathname;

/** An op whose WGSL does not compile, to see the device error come back with its name. */
const brokenOp = defineOp<Record<string, never>>({
  name: 'brokenOp',
  inputs: ['x'],
  shape: ([x]) => x!,
  cpu: () => {},
  webgpu: defineWebGpuKernel<Record<string, never>>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['xs'],
    outputs: ['out'],
    params: {},
    wgsl: 'fn run(i: u32) { out[i] = undefined_name; }',
    plan: (_, [out]) => ({ count: out![0]!, params: {} }),
  }),
});

describeWebGpu('WebGPU device and backend', (gpu) => {
  it('reports the adapter vendor, architecture and description', () => {
    expect(gpu.adapter.vendor + gpu.adapter.architecture + gpu.adapter.description).not.toBe('');
    expect(gpu.description).toContain(gpu.adapter.vendor);
    console.log(`WebGPU adapter: ${gpu.description}`);
  });

  it("'auto' picks WebGPU only on a hardware adapter and says what it picked", async () => {
    const { backend, description } = await createBackend('auto');
    if (gpu.adapter.software) {
      expect(backend).toBe(cpu);
      expect(description).toMatch(/auto.*not hardware/);
    } else {
      expect(backend.name).toBe('webgpu');
      expect(description).toMatch(/^webgpu on .*auto/);
      (backend as WebGpuBackend).destroy();
    }
  });

  it("'cpu' gives the CPU backend and 'webgpu' opens a device whatever the adapter", async () => {
    expect((await createBackend('cpu')).backend).toBe(cpu);
    const chosen = await createBackend('webgpu');
    expect(chosen.backend.name).toBe('webgpu');
    expect(chosen.description).toMatch(/^webgpu on /);
    (chosen.backend as WebGpuBackend).destroy();
  });

  it('writes and reads float32 values back exactly, and empty tensors', async () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.fround(Math.sin(i) * 1e3));
    expect(await tensor(values, [10, 100], { backend: gpu }).data()).toEqual(values);
    expect(await tensor([], [0, 4], { backend: gpu }).data()).toEqual(new Float32Array(0));
  });

  it('refuses float64 and says the backend is float32 only', () => {
    expect(() => tensor([1, 2], [2], { backend: gpu, dtype: 'float64' })).toThrow(/float64/);
  });

  it('a buffer freed while a pending dispatch still reads it keeps its contents until that dispatch ran', async () => {
    const a = tensor([1, 2, 3], [3], { backend: gpu });
    const doubled = mulScalar(a, 2); // encoded, not yet submitted
    const before = gpu.stats().allocated;
    a.dispose(); // a's buffer goes back to the pool...
    const b = tensor([10, 20, 30], [3], { backend: gpu }); // ...and this write reuses it
    expect(gpu.stats().allocated).toBe(before);
    expect(await doubled.data()).toEqual(Float32Array.from([2, 4, 6]));
    expect(await b.data()).toEqual(Float32Array.from([10, 20, 30]));
  });

  it('dispatches of one kernel in one command buffer each see their own uniforms', async () => {
    const x = tensor([1, 2, 3], [3], { backend: gpu });
    const ys = [2, 3, 4].map((s) => mulScalar(x, s));
    const got = await Promise.all(ys.map((y) => y.data()));
    expect(got).toEqual([2, 3, 4].map((s) => Float32Array.from([s, 2 * s, 3 * s])));
  });

  it('an op over more than 65,535 workgroups spills into a second grid dimension', async () => {
    const n = 65_535 * 64 + 100;
    const x = Float32Array.from({ length: n }, (_, i) => i % 1000);
    const y = await mulScalar(tensor(x, [n], { backend: gpu }), 0.5).data();
    expect(y.length).toBe(n);
    expect(y.every((v, i) => v === x[i]! * 0.5)).toBe(true);
  });

  it('a kernel whose WGSL does not compile fails with an error naming the op, and the backend carries on', async () => {
    const x = tensor([1, 2], [2], { backend: gpu });
    const y = apply(brokenOp, [x], {});
    await expect(y.data()).rejects.toThrow(/^webgpu brokenOp: [\s\S]*undefined_name/);
    // Known now, the compile error is thrown when the op is applied.
    expect(() => apply(brokenOp, [x], {})).toThrow(WebGpuError);
    expect(() => apply(brokenOp, [x], {})).toThrow(/^webgpu brokenOp: [\s\S]*undefined_name/);
    const ok = mulScalar(x, 3);
    expect(await ok.data()).toEqual(Float32Array.from([3, 6]));
  });

  it('an op whose output is also an input is refused, naming the op and the operand', () => {
    const w = tensor([1, 2], [2], { backend: gpu });
    const m = zeros([2], { backend: gpu });
    expect(() => applyInPlace(adamUpdateOp, [w], [w, m, m], { alpha: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7 })).toThrow(
      /adamUpdate: output 'param' is also bound/,
    );
  });

  it('an op without a WebGPU kernel says so', () => {
    const cpuOnly = defineOp<Record<string, never>>({ name: 'cpuOnly', inputs: ['x'], shape: ([x]) => x!, cpu: () => {} });
    expect(() => apply(cpuOnly, [tensor([1], [1], { backend: gpu })], {})).toThrow(/cpuOnly: no WebGPU kernel/);
  });

  it('a destroyed backend refuses further use', async () => {
    const other = await WebGpuBackend.create();
    const t = tensor([1], [1], { backend: other });
    other.destroy();
    expect(() => mulScalar(t, 2)).toThrow(/after destroy/);
  });

  it('a program that never destroys its backend still exits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seiscluster-exit-'));
    try {
      const script = join(dir, 'exit.mts');
      await writeFile(
        script,
        `import { WebGpuBackend } from ${JSON.stringify(join(root, 'src/kernels/webgpu/backend.ts'))};
         import { tensor, mulScalar } from ${JSON.stringify(join(root, 'src/index.ts'))};
         const gpu = await WebGpuBackend.create();
         console.log((await mulScalar(tensor([1, 2], [2], { backend: gpu }), 2).data()).join(','));`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: root, timeout: 30_000 });
      expect(stdout.trim()).toBe('2,4');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
