/** The Node host: the disk, worker threads, Dawn, h5wasm's Node build. */
import type { Host } from '../host/host.js';
import { nodeFiles } from './files.js';
import { nodeGpu } from './gpu.js';
import { nodeHdf5 } from './hdf5.js';
import { nodeThreads } from './threads.js';

export const nodeHost: Host = {
  name: 'node',
  files: nodeFiles,
  threads: nodeThreads,
  gpu: nodeGpu,
  hdf5: nodeHdf5,
};
