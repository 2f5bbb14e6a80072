/**
 * The page's HDF5: h5wasm's browser build, loaded the first time an HDF5
 * file is read. h5wasm opens files in its own in-memory file system, so a
 * file is copied there from the page's files when it is opened.
 */
import type { Hdf5Host, Hdf5Library } from '../host/hdf5.js';
import type { MemoryFiles } from '../host/memory-files.js';

export function webHdf5(files: MemoryFiles): Hdf5Host {
  let loaded: Promise<Hdf5Library> | undefined;
  return {
    library() {
      loaded ??= import('h5wasm').then(async (h5wasm) => {
        const module = await h5wasm.ready;
        module.activate_throwing_error_handler();
        let opened = 0;
        return {
          open(path: string) {
            const bytes = files.bytes(path);
            if (bytes === undefined) throw new Error(`${path}: no such file`);
            // A fresh name each time: a file h5wasm still holds open is never overwritten.
            const local = `/opened-${++opened}.h5`;
            h5wasm.FS!.writeFile(local, bytes);
            const file = new h5wasm.File(local, 'r');
            // The library holds the file open; unlinked now, its copy goes when the reader closes it.
            h5wasm.FS!.unlink(local);
            return file;
          },
          Dataset: h5wasm.Dataset,
          Group: h5wasm.Group,
          // The page's console is where the library's noise goes; nothing to hold back from a terminal.
          quietly: (call) => call(),
        } satisfies Hdf5Library;
      });
      return loaded;
    },
  };
}
