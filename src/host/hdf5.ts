/**
 * HDF5 as the data layer's reader sees it: h5wasm (the HDF5 C library
 * compiled to WebAssembly), loaded and handed over by the host, which alone
 * knows how a path becomes a file the library can open — Node mounts the
 * disk (NODEFS), a page would copy a dropped file into the module's memory.
 * The reader keeps the decoding, the size limits and the messages.
 */
import type { Dataset, File, Group } from 'h5wasm';

export interface Hdf5Library {
  /**
   * Opens `path` read-only. Synchronous, like every h5wasm call, so that the
   * reader can run it under its memory ceiling; throws the library's error.
   */
  open(path: string): File;
  /** The library's classes, for telling a dataset from a group. */
  readonly Dataset: typeof Dataset;
  readonly Group: typeof Group;
  /**
   * Runs `call` with the library's own reports of a refused memory growth
   * (and the abort that follows) held back: the reader says it in one line.
   */
  quietly<T>(call: () => T): T;
}

export interface Hdf5Host {
  /** The library, loaded once and set to throw HDF5 errors; rejects, saying why, where the host has none. */
  library(): Promise<Hdf5Library>;
}

/** A host without HDF5. */
export const noHdf5: Hdf5Host = {
  library: async () => {
    throw new Error("this host has no HDF5 library (in Node, import 'seiscluster' or 'seiscluster/node'; elsewhere, call setHost with one)");
  },
};
