/** The Node host's threads: `worker_threads`, unreferenced so that an idle pool never keeps the process alive. */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Threads } from '../host/threads.js';

export const nodeThreads: Threads = {
  cores: () => Math.max(1, availableParallelism()),
  start(main, data) {
    // execArgv []: the worker is plain JavaScript and must not inherit loaders or --input-type from the command line.
    const worker = new Worker(`(${main})(require('node:worker_threads').workerData);`, { eval: true, execArgv: [], workerData: data });
    worker.unref();
    return worker;
  },
};
