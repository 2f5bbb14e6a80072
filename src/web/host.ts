/** The page's host: files in memory, Web Workers, `navigator.gpu`, h5wasm's browser build. */
import { navigatorGpu } from '../host/gpu.js';
import type { Host } from '../host/host.js';
import { MemoryFiles } from '../host/memory-files.js';
import { webHdf5 } from './hdf5.js';
import { webWorkers } from './threads.js';

export function webHost(files = new MemoryFiles()): Host & { readonly files: MemoryFiles } {
  return { name: 'browser', files, threads: webWorkers, gpu: navigatorGpu, hdf5: webHdf5(files) };
}
