/**
 * Reading input files without trusting them: every reader of the data layer
 * (and the checkpoint loader) reaches the disk through here.
 *
 * - A path is `stat`ed before it is opened, and only a regular file is
 *   opened: a folder, a FIFO (whose `open` would block until a writer comes),
 *   a character device such as /dev/zero (which never ends) or a socket is
 *   refused with a DataError naming the path and what it is.
 * - A file is read in exactly the bytes its size says, never "until EOF",
 *   and a file larger than `MAX_INPUT_BYTES` is refused before anything is
 *   allocated.
 *
 * The memory bound the readers state is built on this: a whole-file read
 * holds the file once, and what a reader decodes from it is bounded by the
 * file's size (see each reader's comment; `decodedBytesBound` is the common
 * allowance).
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { DataError } from '../common/errors.js';

/** Largest input file read whole (2 GiB): above it, stream or split the data. */
export const MAX_INPUT_BYTES = 2 ** 31;

/**
 * The most bytes a reader may decode from a file of `fileBytes` bytes: 16
 * times the file (a 1-byte sample widened to float64 is 8, plus a copy),
 * plus 16 MiB. Compressed members (npz deflate, HDF5 filters) are held to it
 * as well, which no seismogram comes near (waveforms compress 2-4 times).
 */
export function decodedBytesBound(fileBytes: number): number {
  return 16 * fileBytes + 16 * 2 ** 20;
}

/** What a non-regular path is, in words. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Stats `path` and checks it is a regular file no larger than `MAX_INPUT_BYTES`; returns its size. */
export async function regularFileSize(path: string): Promise<number> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'ENOTDIR'
            ? 'a parent is not a folder'
            : `cannot be read (${code ?? 'error'})`;
    throw new DataError(path, 'path', path, problem);
  }
  if (!info.isFile()) throw new DataError(path, 'path', path, `${kindOf(info)}, not a data file`);
  if (info.size > MAX_INPUT_BYTES) {
    throw new DataError(path, 'file size', info.size, `larger than the ${MAX_INPUT_BYTES} bytes a file may have to be read whole`);
  }
  return info.size;
}

/** Opens a regular file for reading (see `regularFileSize`); returns the handle and the size it had. */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; size: number }> {
  const size = await regularFileSize(path);
  return { handle: await open(path, 'r'), size };
}

/** `length` bytes from `position` (fewer only at the end of the file). */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return bytes.subarray(0, done);
}

/** Reads a whole regular file, in the bytes its size gave (a file that grows meanwhile is read to that size). */
export async function readRegularFile(path: string): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(path);
  try {
    return await readAt(handle, 0, size);
  } finally {
    await handle.close();
  }
}

/** Reads a whole regular file as UTF-8 text (see `readRegularFile`). */
export async function readRegularText(path: string): Promise<string> {
  const bytes = await readRegularFile(path);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
