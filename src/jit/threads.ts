import { host } from '../host/host.js';
import type { HostWorker } from '../host/threads.js';
import { MAX_THREADS } from '../kernels/cpu.js';
import { wasm, type WasmMemory, type WasmModule } from '../common/webassembly.js';

/**
 * Runs one exported function of a compiled module on several threads at
 * once, each over its own range of tiles, all on one shared memory. The
 * calling thread takes the first range itself; workers, started through the
 * host (host().threads), take the others. A host without workers leaves
 * every range to the calling thread: the same tiles, the same results.
 *
 * Control words (i32, at the start of the memory, CONTROL_WORDS of them):
 *   [0] generation: bumped by the caller to start a round; workers wait on it
 *   [2] function: index into FUNCTIONS, or -1 to exit
 *   [3], [4] the f32 arguments (bit patterns)
 *   [5] set by a worker whose call threw
 *   [8 + 2 t], [9 + 2 t] thread t's first tile and tile count
 *   [64 + t] 1 once worker t has its instance and waits for rounds
 *   [96 + t] the last round worker t finished
 *
 * A round goes only to the workers that are ready when it starts (the
 * calling thread takes the rest), and the caller waits for each of those by
 * its own word: a worker that is slow to start, or never starts, delays
 * nothing and deadlocks nothing.
 */
export const FUNCTIONS = ['pretrain', 'finetune', 'encode', 'assign'] as const;
export type TileFunction = (typeof FUNCTIONS)[number];

const GENERATION = 0;
const FUNCTION = 2;
const SCALARS = 3;
const FAILED = 5;
const RANGES = 8;
const READY = 64;
const FINISHED = 96;
/** Words of control at address 0 (CONTROL_BYTES in program.ts). */
export const CONTROL_WORDS = 128;
// MAX_THREADS, the CPU backend's bound (28), fits this layout: ranges at 8 to 63, ready words at 64 to 91, finished words at 96 to 123.

// A worker, as the source of a function of its data: instantiate the module over the shared memory, say so, then run rounds until told to exit.
const WORKER_MAIN = `(data) => {
const { module, memory, index, workspace, functions } = data;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const words = new Int32Array(memory.buffer, 0, ${CONTROL_WORDS});
const scalars = new Float32Array(memory.buffer, 0, ${CONTROL_WORDS});
Atomics.store(words, ${READY} + index, 1);
let generation = 0;
for (;;) {
  Atomics.wait(words, ${GENERATION}, generation);
  generation = Atomics.load(words, ${GENERATION});
  const fn = words[${FUNCTION}];
  if (fn < 0) break;
  const first = words[${RANGES} + 2 * index];
  const tiles = words[${RANGES} + 2 * index + 1];
  try {
    if (tiles > 0) exports[functions[fn]](workspace, first, tiles, scalars[${SCALARS}], scalars[${SCALARS} + 1]);
  } catch {
    Atomics.store(words, ${FAILED}, 1);
  }
  Atomics.store(words, ${FINISHED} + index, generation);
  Atomics.notify(words, ${FINISHED} + index);
}
}`;

type Exported = (...args: number[]) => void;

export class TilePool {
  private readonly workers: HostWorker[] = [];
  private readonly words: Int32Array;
  private readonly scalars: Float32Array;
  private readonly exports: Record<string, unknown>;
  private generation = 0;

  /** `workspace(t)`: the byte address of thread t's workspace. */
  constructor(
    module: WasmModule,
    readonly memory: WasmMemory & { readonly buffer: SharedArrayBuffer },
    threads: number,
    private readonly workspace: (thread: number) => number,
  ) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)
      throw new Error(`threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`);
    this.exports = new wasm.Instance(module, { env: { memory } }).exports;
    this.words = new Int32Array(memory.buffer, 0, CONTROL_WORDS);
    this.scalars = new Float32Array(memory.buffer, 0, CONTROL_WORDS);
    for (let t = 1; t < threads; t++) {
      // The host's workers do not keep it alive: blocked in Atomics.wait between rounds, they must not.
      const worker = host().threads.start(WORKER_MAIN, { module, memory, index: t, workspace: workspace(t), functions: FUNCTIONS });
      // No workers on this host: the calling thread takes every tile.
      if (worker === null) break;
      this.workers.push(worker);
    }
  }

  /**
   * Resolves once every worker waits for rounds, or after `patienceMs`. A
   * round goes only to ready workers, and in a browser a worker started from
   * a worker begins only when its parent's event loop turns: a caller that
   * went straight into a long synchronous loop would have none. Waiting here
   * turns it.
   */
  async started(patienceMs = 5000): Promise<void> {
    const deadline = Date.now() + patienceMs;
    const waiting = (): boolean => this.workers.some((_, i) => Atomics.load(this.words, READY + i + 1) !== 1);
    while (waiting() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  }

  /** Threads a round may use, the calling one included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** A function of the module on the calling thread alone (reduce, or anything not split over tiles). */
  call(name: string, ...args: number[]): void {
    (this.exports[name] as Exported)(...args);
  }

  /**
   * Runs `fn` over tiles [0, tiles) split into contiguous ranges, one per
   * ready thread, and returns when all are done. The split changes which
   * thread runs a tile, never what a tile computes.
   */
  run(fn: TileFunction, tiles: number, scalars: readonly number[] = []): void {
    // Workers that are up; after dispose there are none and the calling thread runs every tile.
    const ready = [0];
    for (let t = 1; t <= this.workers.length; t++) if (Atomics.load(this.words, READY + t) === 1) ready.push(t);
    for (let t = 1; t < MAX_THREADS; t++) this.words[RANGES + 2 * t + 1] = 0;
    const per = Math.floor(tiles / ready.length);
    const extra = tiles % ready.length;
    let first = 0;
    ready.forEach((t, i) => {
      const count = per + (i < extra ? 1 : 0);
      this.words[RANGES + 2 * t] = first;
      this.words[RANGES + 2 * t + 1] = count;
      first += count;
    });
    this.scalars[SCALARS] = scalars[0] ?? 0;
    this.scalars[SCALARS + 1] = scalars[1] ?? 0;
    this.words[FUNCTION] = FUNCTIONS.indexOf(fn);
    const round = this.nextRound();
    const own = this.words[RANGES + 1]!;
    try {
      if (own > 0) (this.exports[fn] as Exported)(this.workspace(0), 0, own, this.scalars[SCALARS]!, this.scalars[SCALARS + 1]!);
    } finally {
      // Even when the calling thread's share threw: the next round must not start while workers still run this one.
      for (const t of ready.slice(1)) {
        for (;;) {
          const finished = Atomics.load(this.words, FINISHED + t);
          if (finished === round) break;
          Atomics.wait(this.words, FINISHED + t, finished);
        }
      }
    }
    if (Atomics.exchange(this.words, FAILED, 0) !== 0) throw new Error(`compiled kernels: ${fn} failed on a worker thread`);
  }

  /** Starts a round: every waiting worker wakes and reads its range. */
  private nextRound(): number {
    this.generation = (this.generation + 1) | 0;
    Atomics.store(this.words, GENERATION, this.generation);
    Atomics.notify(this.words, GENERATION);
    return this.generation;
  }

  /**
   * Stops the workers (they leave their wait and exit; nothing waits for
   * them). The pool still runs: on the calling thread alone.
   */
  dispose(): void {
    this.words[FUNCTION] = -1;
    this.nextRound();
    this.workers.length = 0;
  }
}
