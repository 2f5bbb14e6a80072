/**
 * The Node host's GPU: `navigator.gpu` when the runtime has one, else Dawn
 * (npm `webgpu`). Dawn is imported lazily, so code that only uses the CPU
 * backend never loads the native module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { navigatorGpu, type GpuEntry, type GpuHost } from '../host/gpu.js';

/**
 * On Linux Dawn reaches GPUs through Vulkan only, and when the Vulkan loader
 * (libvulkan.so.1) is missing it prints a warning before finding nothing.
 * This looks for the loader where the dynamic linker would (LD_LIBRARY_PATH,
 * the linker's cache, the usual folders) so that the probe can say so
 * without Dawn's warning. Elsewhere it answers true and Dawn decides.
 */
export function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const name = 'libvulkan.so.1';
  const folders = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== ''),
    '/lib',
    '/usr/lib',
    '/lib64',
    '/usr/lib64',
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
  ];
  if (folders.some((d) => existsSync(join(d, name)))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes(name);
  } catch {
    return false;
  }
}

/** Dawn's entry point, with its enums (GPUBufferUsage, GPUMapMode, ...) made the globals they are in a browser. */
async function dawn(): Promise<GpuEntry> {
  if (!vulkanLoaderPresent())
    return {
      ok: false,
      reason:
        'no WebGPU adapter: no Vulkan loader (libvulkan.so.1) on this machine (for a software driver, run scripts/swiftshader.sh and set VK_ICD_FILENAMES and LD_LIBRARY_PATH as scripts/test.sh does)',
    };
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (err) {
    return { ok: false, reason: `the 'webgpu' package could not be loaded: ${err instanceof Error ? err.message : String(err)}` };
  }
  Object.assign(globalThis, webgpu.globals);
  return { ok: true, gpu: webgpu.create([]) };
}

export const nodeGpu: GpuHost = {
  async entry() {
    const offered = await navigatorGpu.entry();
    return offered.ok ? offered : dawn();
  },
  noAdapter:
    'no WebGPU adapter: Dawn found no Vulkan, Metal or D3D12 driver (for a software one, run scripts/swiftshader.sh and set VK_ICD_FILENAMES and LD_LIBRARY_PATH as scripts/test.sh does)',
  atExit(release) {
    process.once('beforeExit', release);
    return () => process.removeListener('beforeExit', release);
  },
};
