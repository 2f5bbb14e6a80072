/**
 * Threads as the compiled CPU path uses them: a host says how many cores it
 * offers and starts workers on a script; Node uses `worker_threads`, a page
 * Web Workers, and a host without either runs everything on the calling
 * thread.
 */

export interface HostWorker {
  terminate(): void;
}

export interface Threads {
  /** Cores the host offers for computing (at least 1). */
  cores(): number;
  /**
   * Starts a worker that runs `main`, the source of a JavaScript function
   * expression `(data) => void`, on a structured clone of `data` (shared
   * memories and WebAssembly modules are shared, not copied); null when the
   * host has no workers. A started worker must not keep the host alive.
   */
  start(main: string, data: unknown): HostWorker | null;
}

/** One thread: the calling one. */
export const singleThread: Threads = {
  cores: () => 1,
  start: () => null,
};
