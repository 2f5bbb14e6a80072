/** The Node host: the disk, worker threads, Dawn. */
import type { Host } from '../host/host.js';
import { nodeFiles } from './files.js';
import { nodeGpu } from './gpu.js';
import { nodeThreads } from './threads.js';

export const nodeHost: Host = {
  name: 'node',
  files: nodeFiles,
  threads: nodeThreads,
  gpu: nodeGpu,
};
