/**
 * Files held in memory: the file system of a host with no disk of its own (a
 * web page: the files a user dropped, the data sets and runs the page made,
 * which the user downloads). Paths are '/'-paths; a relative one is taken from
 * the root. Every write replaces its target whole, so the atomicity the
 * interface promises holds by construction.
 */
import { basename, dirname, join, normalize } from '../common/path.js';
import { FileAccessError, type FileSystem, type PathInfo, type PathKind, type ReadableFile, type WritableFile } from './files.js';

const encoder = new TextEncoder();

function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data.slice();
}

export class MemoryFiles implements FileSystem {
  private readonly files = new Map<string, Uint8Array>();
  private readonly folders = new Set<string>(['/']);
  private staged = 0;

  /** The path as this file system keys it: absolute, normalised. */
  static key(path: string): string {
    return normalize(path.startsWith('/') ? path : `/${path}`);
  }

  /** A file's bytes as held (not a copy), or undefined: for hosts whose libraries read synchronously (HDF5). */
  bytes(path: string): Uint8Array | undefined {
    return this.files.get(MemoryFiles.key(path));
  }

  /** Every file at or below `folder`, sorted. */
  filesUnder(folder = '/'): string[] {
    const root = MemoryFiles.key(folder);
    const prefix = root === '/' ? '/' : `${root}/`;
    return [...this.files.keys()].filter((p) => p === root || p.startsWith(prefix)).sort();
  }

  async open(path: string): Promise<ReadableFile> {
    const key = MemoryFiles.key(path);
    const bytes = this.files.get(key);
    if (bytes === undefined) {
      if (this.folders.has(key)) throw new FileAccessError(path, 'a folder, not a regular file');
      throw new FileAccessError(path, 'no such file');
    }
    return {
      size: bytes.length,
      read: async (position, length) => bytes.slice(position, Math.min(bytes.length, position + length)),
      close: async () => undefined,
    };
  }

  async kind(path: string): Promise<PathKind | null> {
    const key = MemoryFiles.key(path);
    if (this.files.has(key)) return 'file';
    return this.folders.has(key) ? 'folder' : null;
  }

  async stat(path: string): Promise<PathInfo> {
    const key = MemoryFiles.key(path);
    const bytes = this.files.get(key);
    if (bytes !== undefined) return { kind: 'file', size: bytes.length, what: 'a file' };
    if (this.folders.has(key)) return { kind: 'folder', size: 0, what: 'a folder' };
    throw new FileAccessError(path, 'no such file');
  }

  async list(folder: string): Promise<string[]> {
    const key = MemoryFiles.key(folder);
    if (!this.folders.has(key)) throw new FileAccessError(folder, this.files.has(key) ? 'a file, not a folder' : 'no such file');
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.folders]) if (p !== key && dirname(p) === key) names.add(basename(p));
    return [...names].sort();
  }

  async writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
    this.put(path, bytesOf(data));
  }

  async write(path: string, data: Uint8Array | string): Promise<void> {
    this.put(path, bytesOf(data));
  }

  async create(path: string): Promise<WritableFile> {
    const parts: Uint8Array[] = [];
    let open = true;
    return {
      write: async (bytes) => {
        if (!open) throw new Error(`${path}: written after commit or abort`);
        parts.push(bytes.slice());
      },
      commit: async () => {
        if (!open) throw new Error(`${path}: committed after commit or abort`);
        open = false;
        const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          whole.set(p, at);
          at += p.length;
        }
        this.put(path, whole);
      },
      abort: async () => {
        open = false;
        parts.length = 0;
      },
    };
  }

  async makeFolder(path: string): Promise<void> {
    const key = MemoryFiles.key(path);
    if (this.files.has(key)) throw new FileAccessError(path, 'a file is in the way of a folder');
    for (let p = key; !this.folders.has(p); p = dirname(p)) {
      if (this.files.has(p)) throw new FileAccessError(path, `${p} is a file, not a folder`);
      this.folders.add(p);
    }
  }

  async remove(path: string): Promise<void> {
    const key = MemoryFiles.key(path);
    const prefix = `${key}/`;
    this.files.delete(key);
    for (const p of [...this.files.keys()]) if (p.startsWith(prefix)) this.files.delete(p);
    if (key === '/') return;
    this.folders.delete(key);
    for (const p of [...this.folders]) if (p.startsWith(prefix)) this.folders.delete(p);
  }

  async stagingFolder(target: string): Promise<string> {
    const key = MemoryFiles.key(target);
    const staging = join(dirname(key), `.${basename(key)}.staging-${++this.staged}`);
    await this.makeFolder(staging);
    return staging;
  }

  async replaceFolder(staging: string, target: string): Promise<void> {
    const from = MemoryFiles.key(staging);
    const to = MemoryFiles.key(target);
    if (!this.folders.has(from)) throw new FileAccessError(staging, 'no such folder');
    await this.remove(to);
    const move = (p: string): string => to + p.slice(from.length);
    for (const p of [...this.folders].filter((f) => f === from || f.startsWith(`${from}/`))) {
      this.folders.delete(p);
      this.folders.add(move(p));
    }
    for (const [p, bytes] of [...this.files].filter(([f]) => f.startsWith(`${from}/`))) {
      this.files.delete(p);
      this.files.set(move(p), bytes);
    }
    await this.makeFolder(dirname(to));
  }

  /** Writes `bytes` at `path`, making its folders. */
  private put(path: string, bytes: Uint8Array): void {
    const key = MemoryFiles.key(path);
    if (this.folders.has(key)) throw new FileAccessError(path, 'a folder is in the way of a file');
    for (let p = dirname(key); !this.folders.has(p); p = dirname(p)) {
      if (this.files.has(p)) throw new FileAccessError(path, `${p} is a file, not a folder`);
      this.folders.add(p);
    }
    this.files.set(key, bytes);
  }
}
