import { host } from '../host/host.js';
import type { AllocationStats, Backend, CpuView, Kernel, Operand, Storage } from '../tensor/backend.js';
import { provideDefaultBackend } from '../tensor/create.js';
import { allocArray, bytesPerElement, type DType, type FloatArray } from '../tensor/dtype.js';

/** Most threads the compiled kernels run on: jit/threads.ts has control words for this many. */
export const MAX_THREADS = 28;

/** How a CPU backend trains and runs autoencoders; every other op runs in TypeScript either way. */
export interface CpuBackendOptions {
  /**
   * Train and run float32 sequential autoencoders through the kernels compiled
   * to WebAssembly SIMD (src/jit), default true; false: op by op through
   * autograd. Each path gives the same bits for the same seed; the two sum
   * in different orders, so they agree to rounding, not bit for bit.
   */
  readonly compiled?: boolean;
  /** Threads of the compiled kernels, the calling one included; 0 (default): the host's cores, at most MAX_THREADS. Results do not depend on it. */
  readonly threads?: number;
}

class CpuStorage implements Storage {
  refs = 0;
  constructor(
    readonly backend: CpuBackend,
    readonly dtype: DType,
    readonly data: FloatArray,
  ) {}
  get size(): number {
    return this.data.length;
  }
}

/**
 * The CPU backend: storage is a typed array, kernels are plain TypeScript
 * loops, and autoencoders run compiled or op by op as its options say. Each
 * backend is its own device: tensors of two CPU backends do not mix in an op.
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly dtypes: readonly DType[] = ['float32', 'float64'];
  /** Whether float32 sequential autoencoders run through the compiled kernels (src/jit). */
  readonly compiled: boolean;
  /** Threads asked for; 0: the host's cores. */
  private readonly requestedThreads: number;
  private live = 0;
  private bytes = 0;

  constructor(options: CpuBackendOptions = {}) {
    const threads = options.threads ?? 0;
    if (!Number.isInteger(threads) || threads < 0 || threads > MAX_THREADS)
      throw new Error(`threads must be an integer from 0 (all cores) to ${MAX_THREADS}, got ${threads}`);
    this.compiled = options.compiled ?? true;
    this.requestedThreads = threads;
  }

  /** Threads of the compiled kernels, the calling one included (asked when needed: the host may be installed after this backend is made). */
  get threads(): number {
    return this.requestedThreads > 0 ? this.requestedThreads : Math.min(MAX_THREADS, Math.max(1, host().threads.cores()));
  }

  allocate(size: number, dtype: DType): Storage {
    this.live++;
    this.bytes += size * bytesPerElement(dtype);
    return new CpuStorage(this, dtype, allocArray(dtype, size));
  }

  free(storage: Storage): void {
    this.live--;
    this.bytes -= storage.size * bytesPerElement(storage.dtype);
  }

  write(storage: Storage, data: ArrayLike<number>): void {
    const dst = cpuData(storage);
    if (data.length !== dst.length) throw new Error(`cpu write: ${data.length} values into storage of ${dst.length}`);
    dst.set(data);
  }

  async read(storage: Storage): Promise<FloatArray> {
    return cpuData(storage).slice();
  }

  run<A>(op: Kernel<A>, inputs: readonly Operand[], outputs: readonly Operand[], attrs: A): void {
    op.cpu(inputs.map(view), outputs.map(view), attrs);
  }

  stats(): AllocationStats {
    return { live: this.live, allocated: this.live, allocatedBytes: this.bytes };
  }
}

function view(o: Operand): CpuView {
  return { data: cpuData(o.storage), shape: o.shape };
}

/** The typed array behind a CPU storage (synchronous access for CPU-only code). */
export function cpuData(storage: Storage): FloatArray {
  if (!(storage instanceof CpuStorage)) throw new Error(`storage of backend ${storage.backend.name} is not CPU memory`);
  return storage.data;
}

/** The default CPU backend: autoencoders compiled, on the host's cores. New tensors go here unless setDefaultBackend says otherwise. */
export const cpu = new CpuBackend();
provideDefaultBackend(cpu);
