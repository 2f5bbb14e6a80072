/** The Node host's file system: the disk, through `node:fs`, with the atomic writes of atomic.ts. */
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileSystem, PathKind, ReadableFile, WritableFile } from '../host/files.js';
import { naming, removeStaleTemps, replaceFolder, tempPathFor, writeFileAtomic } from './atomic.js';

async function openForReading(path: string): Promise<ReadableFile> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw Object.assign(new Error(`${path}: not a regular file`), { code: 'EISDIR', path });
    return {
      size: info.size,
      async read(position, length) {
        const buffer = new Uint8Array(Math.max(0, Math.min(length, info.size - position)));
        let filled = 0;
        while (filled < buffer.length) {
          const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return buffer.subarray(0, filled);
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

async function createForWriting(path: string): Promise<WritableFile> {
  await mkdir(dirname(path), { recursive: true });
  await removeStaleTemps(path);
  const tmp = tempPathFor(path);
  const handle = await open(tmp, 'wx');
  let handleOpen = true;
  const drop = async (): Promise<void> => {
    if (handleOpen) await handle.close().catch(() => undefined);
    handleOpen = false;
    await rm(tmp, { force: true });
  };
  return {
    async write(bytes) {
      try {
        await handle.write(bytes);
      } catch (err) {
        await drop();
        throw naming(err, path);
      }
    },
    async commit() {
      try {
        await handle.sync();
        await handle.close();
        handleOpen = false;
        await rename(tmp, path);
      } catch (err) {
        await drop();
        throw naming(err, path);
      }
    },
    abort: drop,
  };
}

export const nodeFiles: FileSystem = {
  open: openForReading,
  async kind(path): Promise<PathKind | null> {
    try {
      const info = await stat(path);
      return info.isFile() ? 'file' : info.isDirectory() ? 'folder' : 'other';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw err;
    }
  },
  list: async (folder) => (await readdir(folder)).sort(),
  writeAtomic: writeFileAtomic,
  create: createForWriting,
  makeFolder: async (path) => {
    await mkdir(path, { recursive: true });
  },
  remove: (path) => rm(path, { recursive: true, force: true }),
  async stagingFolder(target) {
    await removeStaleTemps(target);
    const staging = tempPathFor(target);
    await mkdir(staging, { recursive: true });
    return staging;
  },
  replaceFolder,
};
