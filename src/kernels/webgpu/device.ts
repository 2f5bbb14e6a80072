import { host } from '../../host/host.js';

/**
 * Finding a WebGPU adapter through the host's WebGPU entry point (the Node
 * host loads Dawn there, lazily, so code that only uses the CPU backend never
 * loads the native module).
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

/** Asks the host's WebGPU (host().gpu: navigator.gpu first, Dawn in Node) for the high-performance adapter; says why when there is none. */
export async function requestAdapter(): Promise<AdapterProbe> {
  const gpuHost = host().gpu;
  const entry = await gpuHost.entry();
  if (!entry.ok) return entry;
  const gpu = entry.gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return { ok: false, reason: gpuHost.noAdapter };
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
