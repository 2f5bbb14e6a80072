/**
 * Where a host finds WebGPU: `navigator.gpu` in a browser (and in any
 * runtime that offers it), Dawn in Node.
 */

export type GpuEntry = { readonly ok: true; readonly gpu: GPU } | { readonly ok: false; readonly reason: string };

export interface GpuHost {
  /** The WebGPU entry point, or why this host has none. */
  entry(): Promise<GpuEntry>;
  /** Why an entry point gave no adapter, and what to do about it, in this host's terms. */
  readonly noAdapter: string;
  /**
   * Calls `release` once when the program is about to end on its own (in
   * Node, a live Dawn device keeps the event loop busy until it is
   * destroyed); returns what cancels the call.
   */
  atExit(release: () => void): () => void;
}

/** `navigator.gpu`, when the runtime has one. */
export const navigatorGpu: GpuHost = {
  async entry() {
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    return gpu === undefined ? { ok: false, reason: 'no WebGPU: this runtime has no navigator.gpu' } : { ok: true, gpu };
  },
  noAdapter: 'no WebGPU adapter: this browser offers none (it needs a GPU and driver it supports; headless Chromium needs --enable-unsafe-webgpu)',
  // A page's devices end with the page: nothing to release.
  atExit: () => () => undefined,
};
