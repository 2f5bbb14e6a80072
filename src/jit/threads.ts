import { Worker } from 'node:worker_threads';
import './webassembly.js';

/**
 * Runs one exported function of a compiled module on several threads at
 * once, each over its own range of tiles, all on one shared memory. The
 * calling thread takes the first range itself; workers take the others.
 *
 * Control words (i32, at the start of the memory):
 *   [0] generation: bumped by the caller to start a round; workers wait on it
 *   [1] workers that finished the round
 *   [2] function: index into FUNCTIONS, or -1 to exit
 *   [3], [4] the f32 arguments (bit patterns)
 *   [5] set by a worker whose call threw
 *   [8 + 2 t], [9 + 2 t] thread t's first tile and tile count
 */
export const FUNCTIONS = ['pretrain', 'finetune', 'encode', 'assign'] as const;
export type TileFunction = (typeof FUNCTIONS)[number];

const GENERATION = 0;
const DONE = 1;
const FUNCTION = 2;
const SCALARS = 3;
const FAILED = 5;
const RANGES = 8;
/** Most threads the control words have room for (CONTROL_BYTES / 4 - RANGES) / 2. */
export const MAX_THREADS = 28;

// A worker: instantiate the module over the shared memory, then run rounds until told to exit.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, index, workspace, functions } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const words = new Int32Array(memory.buffer, 0, 64);
const scalars = new Float32Array(memory.buffer, 0, 64);
let generation = 0;
for (;;) {
  Atomics.wait(words, ${GENERATION}, generation);
  generation = Atomics.load(words, ${GENERATION});
  const fn = words[${FUNCTION}];
  if (fn < 0) break;
  const name = functions[fn];
  const first = words[${RANGES} + 2 * index];
  const tiles = words[${RANGES} + 2 * index + 1];
  try {
    if (tiles > 0) exports[name](workspace, first, tiles, scalars[${SCALARS}], scalars[${SCALARS} + 1]);
  } catch {
    Atomics.store(words, ${FAILED}, 1);
  }
  Atomics.add(words, ${DONE}, 1);
  Atomics.notify(words, ${DONE});
}
`;

type Exported = (...args: number[]) => void;

export class TilePool {
  private readonly workers: Worker[] = [];
  private readonly words: Int32Array;
  private readonly scalars: Float32Array;
  private readonly exports: Record<string, unknown>;
  private generation = 0;

  /** `workspace(t)`: the byte address of thread t's workspace. */
  constructor(
    module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    threads: number,
    private readonly workspace: (thread: number) => number,
  ) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) throw new Error(`threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`);
    this.exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    this.words = new Int32Array(memory.buffer, 0, 64);
    this.scalars = new Float32Array(memory.buffer, 0, 64);
    for (let t = 1; t < threads; t++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, index: t, workspace: workspace(t), functions: FUNCTIONS } });
      // Blocked in Atomics.wait between rounds: they must not keep the process alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Threads that run a round now, the calling one included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** A function of the module on the calling thread alone (reduce, or anything not split over tiles). */
  call(name: string, ...args: number[]): void {
    (this.exports[name] as Exported)(...args);
  }

  /**
   * Runs `fn` over tiles [0, tiles) split into contiguous ranges, one per
   * thread, and returns when all are done. The split changes which thread
   * runs a tile, never what a tile computes.
   */
  run(fn: TileFunction, tiles: number, scalars: readonly number[] = []): void {
    // After dispose the calling thread runs every tile: same results, one thread.
    const threads = this.workers.length + 1;
    const per = Math.floor(tiles / threads);
    const extra = tiles % threads;
    let first = 0;
    for (let t = 0; t < threads; t++) {
      const count = per + (t < extra ? 1 : 0);
      this.words[RANGES + 2 * t] = first;
      this.words[RANGES + 2 * t + 1] = count;
      first += count;
    }
    this.scalars[SCALARS] = scalars[0] ?? 0;
    this.scalars[SCALARS + 1] = scalars[1] ?? 0;
    this.words[FUNCTION] = FUNCTIONS.indexOf(fn);
    Atomics.store(this.words, DONE, 0);
    if (this.workers.length > 0) {
      this.generation = (this.generation + 1) | 0;
      Atomics.store(this.words, GENERATION, this.generation);
      Atomics.notify(this.words, GENERATION);
    }
    const own = this.words[RANGES + 1]!;
    try {
      if (own > 0) (this.exports[fn] as Exported)(this.workspace(0), 0, own, this.scalars[SCALARS]!, this.scalars[SCALARS + 1]!);
    } finally {
      // Even when the calling thread's share threw: the next round must not start while workers still run this one.
      for (;;) {
        const done = Atomics.load(this.words, DONE);
        if (done === this.workers.length) break;
        Atomics.wait(this.words, DONE, done);
      }
    }
    if (Atomics.exchange(this.words, FAILED, 0) !== 0) throw new Error(`compiled kernels: ${fn} failed on a worker thread`);
  }

  /**
   * Stops the workers (they leave their wait and exit; nothing waits for
   * them). The pool still runs: on the calling thread alone.
   */
  dispose(): void {
    this.words[FUNCTION] = -1;
    this.generation = (this.generation + 1) | 0;
    Atomics.store(this.words, GENERATION, this.generation);
    Atomics.notify(this.words, GENERATION);
    this.workers.length = 0;
  }
}
