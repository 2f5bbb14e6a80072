import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Finding a WebGPU adapter through Dawn (npm `webgpu`). The package is
 * imported lazily, so code that only uses the CPU backend never loads the
 * native module.
 */

/** What the adapter says about itself, and whether it is a software rasteriser. */
export interface AdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** SwiftShader, llvmpipe / lavapipe, WARP and other CPU implementations. */
  readonly software: boolean;
}

export interface FoundAdapter {
  readonly ok: true;
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly info: AdapterInfo;
}

export type AdapterProbe = FoundAdapter | { readonly ok: false; readonly reason: string };

const softwareNames = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

export function describeAdapter(info: AdapterInfo): string {
  const name = [info.vendor, info.architecture, info.device].filter((s) => s !== '').join(' ');
  return `${name || 'unnamed adapter'}${info.description ? ` (${info.description})` : ''}${info.software ? ', software' : ''}`;
}

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

/** Asks Dawn for the high-performance adapter; says why when there is none. */
export async function requestAdapter(): Promise<AdapterProbe> {
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
  // Dawn's enums (GPUBufferUsage, GPUMapMode, ...) are globals in a browser.
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null)
    return {
      ok: false,
      reason:
        'no WebGPU adapter: Dawn found no Vulkan, Metal or D3D12 driver (for a software one, run scripts/swiftshader.sh and set VK_ICD_FILENAMES and LD_LIBRARY_PATH as scripts/test.sh does)',
    };
  const i = adapter.info;
  const text = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`;
  const info: AdapterInfo = {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
    software: i.isFallbackAdapter || softwareNames.test(text),
  };
  return { ok: true, gpu, adapter, info };
}

/** Every limit the adapter supports, to request as the device's limits. */
export function adapterLimits(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  // The limits are getters on the prototype: for-in sees them, Object.entries does not.
  const source = adapter.limits as unknown as Readonly<Record<string, unknown>>;
  for (const key in source) {
    const value = source[key];
    if (typeof value === 'number') limits[key] = value;
  }
  return limits;
}
