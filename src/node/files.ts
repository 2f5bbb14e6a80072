/** The Node host's file system: the disk, through `node:fs`, with the atomic writes of atomic.ts. */
import type { Stats } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileAccessError, type FileSystem, type PathInfo, type PathKind, type ReadableFile, type WritableFile } from '../host/files.js';
import { naming, removeStaleTemps, replaceFolder, tempPathFor, writeFileAtomic } from './atomic.js';

/** What a path is, in words. */
function describe(info: Stats): string {
  if (info.isFile()) return 'a file';
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Why `stat` failed, in words. */
function problemOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ENOTDIR') return 'a parent is not a folder';
  return `cannot be read (${code ?? 'error'})`;
}

async function statPath(path: string): Promise<PathInfo> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw new FileAccessError(path, problemOf(error));
  }
  return { kind: info.isFile() ? 'file' : info.isDirectory() ? 'folder' : 'other', size: info.size, what: describe(info) };
}

async function openForReading(path: string): Promise<ReadableFile> {
  // Looked at before opening: opening a FIFO would wait for a writer.
  const before = await stat(path);
  if (!before.isFile()) throw Object.assign(new Error(`${path}: ${describe(before)}, not a regular file`), { code: 'EISDIR', path });
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
  stat: statPath,
  list: async (folder) => (await readdir(folder)).sort(),
  writeAtomic: writeFileAtomic,
  async write(path, data) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  },
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
