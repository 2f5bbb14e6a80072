/**
 * Files as the data layer, checkpoints, reports and the pipeline see them:
 * '/'-separated paths (src/common/path.ts) that a host maps to what it has —
 * the disk in Node, files a user dropped on a web page. Everything above the
 * host edge reads and writes through this interface, never through `node:fs`.
 *
 * Writes never leave a partial file behind: `writeAtomic` and a committed
 * `create` replace their target whole, and an aborted or killed write leaves
 * the previous content.
 */

/** An open file, read piece by piece (large archives are never read whole). */
export interface ReadableFile {
  /** Size in bytes, taken when the file was opened. */
  readonly size: number;
  /** `length` bytes from `position` (fewer only at the end of the file). */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A file being written; it appears at its path, whole, on `commit`. */
export interface WritableFile {
  write(bytes: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  /** Drops what was written; the target keeps its previous content. */
  abort(): Promise<void>;
}

export type PathKind = 'file' | 'folder' | 'other';

/** What a path is, as `stat` finds it. */
export interface PathInfo {
  readonly kind: PathKind;
  /** Size in bytes (a file's; whatever the host reports for the others). */
  readonly size: number;
  /** The kind in words for messages: 'a file', 'a folder', 'a FIFO (named pipe)', 'a character device', ... */
  readonly what: string;
}

/**
 * A path the host could not look at (missing, not permitted, ...): readers
 * turn `problem` into their own message about the path, so it is in words
 * ('no such file', 'permission denied'), never a host's error code alone.
 */
export class FileAccessError extends Error {
  override readonly name = 'FileAccessError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export interface FileSystem {
  /** Opens a regular file for reading; rejects, naming the path, when it is missing or not a regular file. */
  open(path: string): Promise<ReadableFile>;
  /** What is at `path`, or null when nothing is. */
  kind(path: string): Promise<PathKind | null>;
  /** What is at `path` and its size; rejects with a FileAccessError when the host cannot look (nothing there included). */
  stat(path: string): Promise<PathInfo>;
  /** The names in a folder, sorted. */
  list(folder: string): Promise<string[]>;
  /** Writes `data` to `path` whole (making missing folders): readers see the old content or the new, never a part. */
  writeAtomic(path: string, data: Uint8Array | string): Promise<void>;
  /**
   * Writes `data` to `path` (making missing folders) without the care of
   * `writeAtomic`: for files inside a folder from `stagingFolder`, which
   * `replaceFolder` later puts in place whole.
   */
  write(path: string, data: Uint8Array | string): Promise<void>;
  /** Starts writing `path` piece by piece (making missing folders); see WritableFile. */
  create(path: string): Promise<WritableFile>;
  /** Makes a folder and any missing parents. */
  makeFolder(path: string): Promise<void>;
  /** Removes a file or a folder with its content; nothing when there is nothing. */
  remove(path: string): Promise<void>;
  /** Makes a fresh empty folder beside `target` for building it (removing those that stopped writers left); see replaceFolder. */
  stagingFolder(target: string): Promise<string>;
  /** Moves a finished folder to `target`, replacing a folder there in one step as far as the host allows. */
  replaceFolder(staging: string, target: string): Promise<void>;
}
