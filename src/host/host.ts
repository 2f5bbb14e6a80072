/**
 * The host: what a runtime lends the engine — files, threads, a GPU. The
 * engine asks `host()` for them and never imports a runtime's modules itself,
 * so the same code runs in Node (src/node installs the Node host), in a web
 * page and in a user's own script. Without an installed host the engine still
 * computes: one thread, `navigator.gpu` if any, no files and no HDF5.
 */
import type { FileSystem } from './files.js';
import { navigatorGpu, type GpuHost } from './gpu.js';
import { noHdf5, type Hdf5Host } from './hdf5.js';
import { singleThread, type Threads } from './threads.js';

export interface Host {
  /** For messages and reports: 'node', 'browser', ... */
  readonly name: string;
  readonly files: FileSystem;
  readonly threads: Threads;
  readonly gpu: GpuHost;
  /** The HDF5 library the data layer's HDF5 reader uses. */
  readonly hdf5: Hdf5Host;
}

function noFiles(what: string): never {
  throw new Error(
    `${what}: this host has no files (in Node, import 'seiscluster', which installs the Node host; elsewhere, call setHost with one that has files)`,
  );
}

/** The host of a runtime nobody has set up: it computes, but reads and writes nothing. */
export const bareHost: Host = {
  name: 'bare',
  files: {
    open: async (path) => noFiles(`cannot read ${path}`),
    kind: async (path) => noFiles(`cannot look at ${path}`),
    stat: async (path) => noFiles(`cannot look at ${path}`),
    list: async (folder) => noFiles(`cannot list ${folder}`),
    writeAtomic: async (path) => noFiles(`cannot write ${path}`),
    write: async (path) => noFiles(`cannot write ${path}`),
    create: async (path) => noFiles(`cannot write ${path}`),
    makeFolder: async (path) => noFiles(`cannot make ${path}`),
    remove: async (path) => noFiles(`cannot remove ${path}`),
    stagingFolder: async (target) => noFiles(`cannot write ${target}`),
    replaceFolder: async (_staging, target) => noFiles(`cannot write ${target}`),
  },
  threads: singleThread,
  gpu: navigatorGpu,
  hdf5: noHdf5,
};

let current: Host = bareHost;

/** The installed host. */
export function host(): Host {
  return current;
}

/** Installs `next` as the host of every later call (Node's is installed by src/node/install.ts). */
export function setHost(next: Host): void {
  current = next;
}
