import type { Backend } from '../tensor/backend.js';
import { cpu, CpuBackend, type CpuBackendOptions } from './cpu.js';
import { WebGpuBackend } from './webgpu/backend.js';
import { describeAdapter, requestAdapter } from './webgpu/device.js';

/** Where tensors live: 'auto' takes WebGPU on a hardware adapter, else the CPU. */
export type BackendChoice = 'auto' | 'cpu' | 'webgpu';

export interface SelectedBackend {
  readonly backend: Backend;
  /** What was picked, which path the CPU's autoencoders take and, for 'auto', why (for logs and reports). */
  readonly description: string;
}

/** The CPU backend for `options`: the shared `cpu` when they ask for what it does, so that tensors made on the default backend mix with it. */
function cpuBackend(options: CpuBackendOptions): CpuBackend {
  return (options.compiled ?? true) && (options.threads ?? 0) === 0 ? cpu : new CpuBackend(options);
}

function describeCpu(backend: CpuBackend): string {
  return backend.compiled ? 'cpu (autoencoders compiled to WebAssembly SIMD, other ops in TypeScript)' : 'cpu (autoencoders op by op, in TypeScript)';
}

/**
 * Opens the chosen backend. 'webgpu' rejects, saying why, when there is no
 * adapter; 'auto' falls back to the CPU when there is none or when the only
 * adapter is a software rasteriser (SwiftShader, llvmpipe: slower than the
 * CPU backend), and says so in the description. `cpu` options apply when the
 * CPU is picked: whether autoencoders run compiled, and on how many threads.
 */
export async function createBackend(choice: BackendChoice = 'auto', options: CpuBackendOptions = {}): Promise<SelectedBackend> {
  // Made first, whatever the choice: options it refuses are refused for every choice.
  const onCpu = cpuBackend(options);
  if (choice === 'cpu') return { backend: onCpu, description: describeCpu(onCpu) };
  if (choice === 'webgpu') {
    const backend = await WebGpuBackend.create();
    return { backend, description: `webgpu on ${backend.description}` };
  }
  if (choice !== 'auto') throw new Error(`backend: unknown choice '${String(choice)}' (auto, cpu or webgpu)`);
  const probe = await requestAdapter();
  if (!probe.ok) return { backend: onCpu, description: `${describeCpu(onCpu)}, picked by auto: ${probe.reason}` };
  if (probe.info.software)
    return {
      backend: onCpu,
      description: `${describeCpu(onCpu)}, picked by auto: the only WebGPU adapter, ${describeAdapter(probe.info)}, is not hardware`,
    };
  const backend = await WebGpuBackend.open(probe);
  return { backend, description: `webgpu on ${backend.description}, picked by auto` };
}
