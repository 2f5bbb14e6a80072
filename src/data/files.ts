/**
 * Reading input files without trusting them: every reader of the data layer
 * (and the checkpoint loader) reaches the host's files (`host().files`)
 * through here.
 *
 * - A path is looked at (`stat`) before it is opened, and only a regular file is
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
import { DataError } from '../common/errors.js';
import { FileAccessError, type PathInfo, type ReadableFile } from '../host/files.js';
import { host } from '../host/host.js';

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

/** Looks at `path` and checks it is a regular file no larger than `MAX_INPUT_BYTES`; returns its size. */
export async function regularFileSize(path: string): Promise<number> {
  const info = await regularFile(path);
  if (info.size > MAX_INPUT_BYTES) {
    throw new DataError(path, 'file size', info.size, `larger than the ${MAX_INPUT_BYTES} bytes a file may have to be read whole`);
  }
  return info.size;
}

/** What is at `path`, refused unless it is a regular file. */
async function regularFile(path: string): Promise<PathInfo> {
  let info: PathInfo;
  try {
    info = await host().files.stat(path);
  } catch (error) {
    if (error instanceof FileAccessError) throw new DataError(path, 'path', path, error.problem);
    throw error;
  }
  if (info.kind !== 'file') throw new DataError(path, 'path', path, `${info.what}, not a data file`);
  return info;
}

/** Polling a file that grows: how often to look, and the signal that ends the wait. */
export interface FollowOptions {
  readonly pollSeconds: number;
  readonly signal: AbortSignal;
}

/** Bytes a block of `readFileBlocks` holds unless told otherwise. */
const BLOCK_BYTES = 1 << 16;

/**
 * The bytes of a regular file, `blockBytes` at a time, each read when the
 * consumer asks for it, so a file of any size streams in bounded memory.
 * With `follow` the file is looked at again every `pollSeconds` once its end
 * is reached and what was appended is read, until `signal` aborts; a file
 * that shrinks below what was read (truncated, or replaced by a shorter
 * one) is an error.
 */
export async function* readFileBlocks(path: string, options: { blockBytes?: number; follow?: FollowOptions } = {}): AsyncGenerator<Uint8Array> {
  const blockBytes = options.blockBytes ?? BLOCK_BYTES;
  const { follow } = options;
  let position = 0;
  for (;;) {
    const { size } = await regularFile(path);
    if (size < position) throw new DataError(path, 'file size', size, `shrank below the ${position} bytes already read (truncated or replaced)`);
    if (size > position) {
      const handle = await host().files.open(path);
      try {
        while (position < size) {
          const block = await handle.read(position, Math.min(blockBytes, size - position));
          if (block.length === 0) break;
          position += block.length;
          yield block;
        }
      } finally {
        await handle.close();
      }
    }
    if (follow === undefined || follow.signal.aborted) return;
    await pause(follow.pollSeconds, follow.signal);
    if (follow.signal.aborted) return;
  }
}

/** Waits `seconds`, or less if `signal` aborts first. */
function pause(seconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, seconds * 1000);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Opens a regular file for reading (see `regularFileSize`); returns the open file and the size it had. */
export async function openRegularFile(path: string): Promise<{ handle: ReadableFile; size: number }> {
  const size = await regularFileSize(path);
  return { handle: await host().files.open(path), size };
}

/** Reads a whole regular file, in the bytes its size gave (a file that grows meanwhile is read to that size). */
export async function readRegularFile(path: string): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(path);
  try {
    return await handle.read(0, size);
  } finally {
    await handle.close();
  }
}

/** Reads a whole regular file as UTF-8 text (see `readRegularFile`). */
export async function readRegularText(path: string): Promise<string> {
  // The BOM is kept, as it is in the file: the CSV reader skips it itself.
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await readRegularFile(path));
}
