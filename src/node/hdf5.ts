/** The Node host's HDF5: h5wasm's Node build, which opens files on the disk by absolute path (NODEFS). */
import { resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { Hdf5Host, Hdf5Library } from '../host/hdf5.js';

/** What the WebAssembly module prints when a growth is refused and it gives up. */
const LIBRARY_NOISE = /^(growMemory: Attempted to grow heap|Failed to grow the heap|Aborted\(native code called abort\(\)\))/;

/** The module prints through a console.error it bound at load, so only stderr itself can hold the noise back. */
function quietly<T>(call: () => T): T {
  const write = process.stderr.write;
  process.stderr.write = function withoutLibraryNoise(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string' && LIBRARY_NOISE.test(chunk)) return true;
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stderr.write;
  try {
    return call();
  } finally {
    process.stderr.write = write;
  }
}

const library: Hdf5Library = {
  open: (path) => new h5wasm.File(resolve(path), 'r'),
  Dataset: h5wasm.Dataset,
  Group: h5wasm.Group,
  quietly,
};

let loaded: Promise<Hdf5Library> | undefined;

export const nodeHdf5: Hdf5Host = {
  library() {
    // Loads the WebAssembly module once and makes HDF5 errors throw instead of printing to stderr.
    loaded ??= h5wasm.ready.then((module) => {
      module.activate_throwing_error_handler();
      return library;
    });
    return loaded;
  },
};
