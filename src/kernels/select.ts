import type { Backend } from '../tensor/backend.js';
import { cpu } from './cpu.js';
import { WebGpuBackend } from './webgpu/backend.js';
import { describeAdapter, requestAdapter } from './webgpu/device.js';

/** Where tensors live: 'auto' takes WebGPU on a hardware adapter, else the CPU. */
export type BackendChoice = 'auto' | 'cpu' | 'webgpu';

export interface SelectedBackend {
  readonly backend: Backend;
  /** What was picked and, for 'auto', why (for logs and reports). */
  readonly description: string;
}

const cpuDescription = 'cpu (autoencoders compiled to WebAssembly SIMD, other ops in TypeScript)';

/**
 * Opens the chosen backend. 'webgpu' rejects, saying why, when there is no
 * adapter; 'auto' falls back to the CPU when there is none or when the only
 * adapter is a software rasteriser (SwiftShader, llvmpipe: slower than the
 * CPU backend), and says so in the description.
 */
export async function createBackend(choice: BackendChoice = 'auto'): Promise<SelectedBackend> {
  if (choice === 'cpu') return { backend: cpu, description: cpuDescription };
  if (choice === 'webgpu') {
    const backend = await WebGpuBackend.create();
    return { backend, description: `webgpu on ${backend.description}` };
  }
  if (choice !== 'auto') throw new Error(`backend: unknown choice '${String(choice)}' (auto, cpu or webgpu)`);
  const probe = await requestAdapter();
  if (!probe.ok) return { backend: cpu, description: `${cpuDescription}, picked by auto: ${probe.reason}` };
  if (probe.info.software)
    return { backend: cpu, description: `${cpuDescription}, picked by auto: the only WebGPU adapter, ${describeAdapter(probe.info)}, is not hardware` };
  const backend = await WebGpuBackend.open(probe);
  return { backend, description: `webgpu on ${backend.description}, picked by auto` };
}
