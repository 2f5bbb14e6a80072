import type { AllocationStats, Backend, CpuView, Kernel, Operand, Storage } from '../tensor/backend.js';
import { allocArray, bytesPerElement, type DType, type FloatArray } from '../tensor/dtype.js';

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

/** The CPU backend: storage is a typed array, kernels are plain TypeScript loops. */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly dtypes: readonly DType[] = ['float32', 'float64'];
  private live = 0;
  private bytes = 0;

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

export const cpu = new CpuBackend();
