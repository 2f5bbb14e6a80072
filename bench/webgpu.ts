import { pathToFileURL } from 'node:url';
import { WebGpuBackend } from '../src/index.js';
import { convRows, gpuFinetuneRows, gpuInferenceRows, gpuStepRows, printRows, type BenchOptions } from './rows.js';

/**
 * The WebGPU benchmark tables, at the CPU tables' shapes; skips, saying why,
 * without an adapter. On a software adapter (SwiftShader) the figures only
 * show that the kernels run, so each task runs once after a warm-up run
 * instead of for a time budget. The device is destroyed at the end, so the
 * process can exit.
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
    const options: BenchOptions = software ? { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 1 } : { time: 500, warmupTime: 100 };
    const sync = (): Promise<void> => gpu.sync();
    printRows('conv2d at the shapes of network A, batch 128 (WebGPU backend)', await convRows(gpu, 128, sync, options));
    // A software adapter takes seconds per op-by-op step: three samples there.
    const samples = software ? 3 : 20;
    printRows('network A training step (WebGPU backend): op by op and compiled', await gpuStepRows(gpu, [128, 1024], samples));
    printRows('network A fine-tuning step (WebGPU backend): op by op and compiled', await gpuFinetuneRows(gpu, 128, samples));
    printRows('network A inference (WebGPU backend)', await gpuInferenceRows(gpu, 1024, samples));
  } finally {
    gpu.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await webgpuBenchmarks();
