/**
 * Device buffers by size class (powers of two from 256 bytes, capped at the
 * device's largest buffer): a released buffer waits in its class for the next
 * request of that class, so a training loop that repeats the same shapes
 * stops creating buffers after its first step. `allocated` counts buffers
 * that exist, `inUse` those handed out; both stay flat after warm-up.
 */
export class BufferPool {
  private readonly idle = new Map<number, GPUBuffer[]>();
  allocated = 0;
  allocatedBytes = 0;
  inUse = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
  ) {}

  /** The class (buffer size in bytes) that holds `bytes`. */
  sizeClass(bytes: number): number {
    const max = this.device.limits.maxBufferSize;
    if (bytes > max) throw new Error(`allocate: ${bytes} bytes exceed the device's largest buffer (${max} bytes)`);
    let size = 256;
    while (size < bytes) size *= 2;
    return Math.min(max, size);
  }

  hasIdle(sizeClass: number): boolean {
    return (this.idle.get(sizeClass)?.length ?? 0) > 0;
  }

  acquire(sizeClass: number): GPUBuffer {
    this.inUse++;
    const reused = this.idle.get(sizeClass)?.pop();
    if (reused !== undefined) return reused;
    this.allocated++;
    this.allocatedBytes += sizeClass;
    return this.device.createBuffer({ size: sizeClass, usage: this.usage, label: `pool ${sizeClass} B` });
  }

  release(buffer: GPUBuffer, sizeClass: number): void {
    this.inUse--;
    let list = this.idle.get(sizeClass);
    if (list === undefined) {
      list = [];
      this.idle.set(sizeClass, list);
    }
    list.push(buffer);
  }
}
