import { host } from '../../host/host.js';
import type { AllocationStats, Backend, Kernel, Operand, Storage } from '../../tensor/backend.js';
import type { DType } from '../../tensor/dtype.js';
import { adapterLimits, describeAdapter, requestAdapter, type AdapterInfo, type FoundAdapter } from './device.js';
import { webgpuKernelOf, type WebGpuKernel } from './kernel.js';
import { BufferPool } from './pool.js';
import { packParams, shaderSource, uniformLayout, type UniformLayout } from './shader.js';

export type { AdapterInfo } from './device.js';

/** A device error (validation, out of memory, device loss), naming the op it came from. */
export class WebGpuError extends Error {
  constructor(
    readonly op: string,
    detail: string,
  ) {
    super(`webgpu ${op}: ${detail}`);
    this.name = 'WebGpuError';
  }
}

/** Dawn tears a device down when its GPU object is collected, so each live backend holds its own. */
const keepAlive = new Map<WebGpuBackend, GPU>();

class GpuStorage implements Storage {
  refs = 0;
  readonly dtype = 'float32';
  constructor(
    readonly backend: WebGpuBackend,
    readonly size: number,
    readonly sizeClass: number,
    public buffer: GPUBuffer | null,
  ) {}
}

interface Compiled {
  /** Distinguishes pipelines in bind group cache keys. */
  readonly id: number;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroupLayout: GPUBindGroupLayout;
  readonly layout: UniformLayout;
  /** The shader's compile error, once known: later runs throw it at once. */
  error: WebGpuError | null;
}

/**
 * Host memory mirrored into one device buffer: each dispatch's uniforms and
 * index arrays, and small tensor writes, are appended here while ops are
 * encoded, and the used prefix is uploaded once, just before the command
 * buffer that reads it is submitted. Why not `queue.writeBuffer` per write:
 * it takes effect at its place in queue order, i.e. before every dispatch
 * still sitting in the unsubmitted encoder, so a pooled buffer rewritten that
 * way would change under dispatches encoded earlier that read its old
 * contents. Copies recorded in the encoder keep program order.
 */
class UploadArena {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly gpu: GPUBuffer;
  used = 0;

  constructor(
    device: GPUDevice,
    readonly capacity: number,
  ) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
    this.gpu = device.createBuffer({
      size: capacity,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      label: 'upload arena',
    });
  }

  /** Offset of `size` free bytes aligned to `align`, or -1 when full. */
  reserve(size: number, align: number): number {
    const at = Math.ceil(this.used / align) * align;
    if (at + size > this.capacity) return -1;
    this.used = at + size;
    return at;
  }
}

export interface WebGpuBackendOptions {
  /** Submit after this many dispatches even when JavaScript has not yielded (default 512). */
  maxDispatchesPerSubmit?: number;
  /** Bytes of the upload arena (default 4 MiB); writes up to a quarter of it are staged. */
  uploadArenaBytes?: number;
}

/**
 * The WebGPU backend: float32 tensors in pooled device buffers, one WGSL
 * pipeline per kernel (shapes are uniforms). Ops are encoded into one compute
 * pass of a pending command encoder, submitted when JavaScript yields (a
 * microtask), when `read` needs the results, or every
 * `maxDispatchesPerSubmit` dispatches; nothing waits on the device except
 * `read` and `sync`.
 */
export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly dtypes: readonly DType[] = ['float32'];
  /** One line: adapter vendor, architecture, device, description. */
  readonly description: string;
  private readonly device: GPUDevice;
  private readonly pool: BufferPool;
  private arena: UploadArena;
  private readonly pipelines = new Map<WebGpuKernel<never>, Compiled>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 0;
  /** Labels of compiled pipelines, to find the op in a device error message. */
  private readonly opNames = new Set<string>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private dispatchedTotal = 0;
  private flushScheduled = false;
  private readonly maxDispatches: number;
  /** Error scopes not yet popped; `read` waits for them so errors surface there at the latest. */
  private readonly scopes = new Set<Promise<void>>();
  private failure: WebGpuError | null = null;
  private lost: WebGpuError | null = null;
  private destroyed = false;
  private lastOp = '(no op yet)';
  /** Cancels the host's call of destroy at exit. */
  private readonly cancelAtExit: () => void;

  private constructor(
    gpu: GPU,
    device: GPUDevice,
    readonly adapter: AdapterInfo,
    options: WebGpuBackendOptions,
  ) {
    keepAlive.set(this, gpu);
    this.device = device;
    this.description = describeAdapter(adapter);
    this.maxDispatches = options.maxDispatchesPerSubmit ?? 512;
    this.pool = new BufferPool(device, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
    this.arena = new UploadArena(device, options.uploadArenaBytes ?? 4 << 20);
    device.addEventListener('uncapturederror', (ev) => {
      ev.preventDefault();
      this.fail(new WebGpuError(this.lastOp, ev.error.message));
    });
    void device.lost.then((info) => {
      if (this.destroyed) return;
      this.lost = new WebGpuError(this.lastOp, `device lost (${info.reason}): ${info.message}`);
    });
    // In Node a live device keeps the event loop busy: the host destroys it once the program is otherwise done.
    this.cancelAtExit = host().gpu.atExit(() => this.destroy());
  }

  /** Opens the best adapter's device; rejects, saying why, when there is no adapter. */
  static async create(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
    const probe = await requestAdapter();
    if (!probe.ok) throw new Error(`webgpu: ${probe.reason}`);
    return WebGpuBackend.open(probe, options);
  }

  /** Opens a found adapter's device, requesting all of the adapter's limits. */
  static async open(probe: FoundAdapter, options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
    const device = await probe.adapter.requestDevice({ requiredLimits: adapterLimits(probe.adapter), label: 'seiscluster' });
    return new WebGpuBackend(probe.gpu, device, probe.info, options);
  }

  /**
   * The device, for programs that encode their own passes over this
   * backend's tensors (src/jit/webgpu). They call `flush` first, so that
   * queue order is program order.
   */
  get gpuDevice(): GPUDevice {
    this.check();
    return this.device;
  }

  /** Dispatches encoded through `run` since the backend opened (benchmarks count them per training step). */
  get dispatched(): number {
    return this.dispatchedTotal;
  }

  /** The device buffer that holds a tensor's storage (its first storage.size floats). */
  bufferOf(storage: Storage): GPUBuffer {
    return liveBuffer(storage);
  }

  allocate(size: number, dtype: DType): Storage {
    this.check();
    if (dtype !== 'float32') throw new Error(`webgpu: no ${dtype} (float32 only)`);
    const sizeClass = this.pool.sizeClass(size * 4);
    // Only a new buffer can run out of memory; a pooled one is reused as is.
    const fresh = !this.pool.hasIdle(sizeClass);
    if (fresh) this.device.pushErrorScope('out-of-memory');
    const buffer = this.pool.acquire(sizeClass);
    if (fresh) this.watch(this.device.popErrorScope(), `allocate ${size} floats`);
    return new GpuStorage(this, size, sizeClass, buffer);
  }

  free(storage: Storage): void {
    const s = gpuStorage(storage);
    if (s.buffer === null) throw new Error('webgpu: storage freed twice');
    // Already-encoded dispatches that read the buffer run before anything a
    // later op encodes into it, so it can be reused at once.
    if (!this.destroyed) this.pool.release(s.buffer, s.sizeClass);
    s.buffer = null;
  }

  write(storage: Storage, data: ArrayLike<number>): void {
    this.check();
    const buffer = liveBuffer(storage);
    if (data.length !== storage.size) throw new Error(`webgpu write: ${data.length} values into storage of ${storage.size}`);
    if (data.length === 0) return;
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    const bytes = values.byteLength;
    const src = new Uint8Array(values.buffer, values.byteOffset, bytes);
    const at = this.encoder !== null && bytes <= this.arena.capacity / 4 ? this.arena.reserve(bytes, 4) : -1;
    if (at >= 0) {
      this.arena.bytes.set(src, at);
      this.endPass();
      this.pending().copyBufferToBuffer(this.arena.gpu, at, buffer, 0, bytes);
      return;
    }
    // Nothing pending once flushed, so queue order is program order again.
    this.flush();
    // writeBuffer takes views of shared memory too (GPUAllowSharedBufferSource); the DOM library's typing says ArrayBuffer only.
    this.device.queue.writeBuffer(buffer, 0, src as Uint8Array<ArrayBuffer>);
  }

  async read(storage: Storage): Promise<Float32Array> {
    this.check();
    const buffer = liveBuffer(storage);
    const bytes = storage.size * 4;
    if (bytes === 0) return new Float32Array(0);
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'readback' });
    this.endPass();
    this.pending().copyBufferToBuffer(buffer, 0, staging, 0, bytes);
    this.flush();
    let data: Float32Array | null = null;
    let mapError: unknown = null;
    try {
      await staging.mapAsync(GPUMapMode.READ);
      data = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
    } catch (err) {
      mapError = err;
    } finally {
      staging.destroy();
    }
    // A device error in the work just submitted is the better explanation.
    await this.settle();
    this.check();
    if (data === null) throw new WebGpuError('read', mapError instanceof Error ? mapError.message : String(mapError));
    return data;
  }

  run<A>(op: Kernel<A>, inputs: readonly Operand[], outputs: readonly Operand[], attrs: A): void {
    this.check();
    const kernel = webgpuKernelOf(op);
    const plan = kernel.plan(
      inputs.map((o) => o.shape),
      outputs.map((o) => o.shape),
      attrs,
    );
    if (plan.count === 0) return;
    this.lastOp = op.name;
    // Caught here, not by validation at submit, so the message names the operand.
    outputs.forEach((o, i) => {
      if (inputs.some((x) => x.storage === o.storage) || outputs.some((x, j) => j !== i && x.storage === o.storage))
        throw new WebGpuError(op.name, `output '${kernel.outputs[i]}' is also bound as another operand: a dispatch cannot read and write one buffer`);
    });
    const groups = kernel.grid === 'thread' ? Math.ceil(plan.count / kernel.workgroupSize) : plan.count;
    const maxGroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    const gx = Math.min(groups, maxGroups);
    const gy = Math.ceil(groups / gx);
    if (gy > maxGroups) throw new WebGpuError(op.name, `${groups} workgroups exceed the device's ${maxGroups} x ${maxGroups}`);

    this.device.pushErrorScope('validation');
    try {
      const compiled = this.compile(op.name, kernel);
      if (compiled.error !== null) throw compiled.error;
      const uniformAlign = this.device.limits.minUniformBufferOffsetAlignment;
      const storageAlign = this.device.limits.minStorageBufferOffsetAlignment;
      const indexBytes = plan.indices === undefined ? 0 : Math.max(4, plan.indices.byteLength);
      // Reserve both regions of this dispatch in one arena; flush and retry when full.
      const at = this.reserveDispatch(compiled.layout.size, uniformAlign, indexBytes, storageAlign);
      packParams(op.name, compiled.layout, plan, this.arena.view, at.params);
      if (plan.indices !== undefined) this.arena.bytes.set(new Uint8Array(plan.indices.buffer, plan.indices.byteOffset, plan.indices.byteLength), at.indices);
      const bindGroup = this.bindGroup(op.name, compiled, [...inputs, ...outputs], indexBytes);
      const pass = this.computePass();
      pass.setPipeline(compiled.pipeline);
      pass.setBindGroup(0, bindGroup, plan.indices === undefined ? [at.params] : [at.params, at.indices]);
      pass.dispatchWorkgroups(gx, gy);
    } finally {
      this.watch(this.device.popErrorScope(), op.name);
    }
    this.dispatchedTotal++;
    if (++this.dispatches >= this.maxDispatches) this.flush();
  }

  stats(): AllocationStats {
    return { live: this.pool.inUse, allocated: this.pool.allocated, allocatedBytes: this.pool.allocatedBytes };
  }

  /** Submits everything encoded so far. */
  flush(): void {
    if (this.encoder === null) return;
    this.endPass();
    const encoder = this.encoder;
    this.encoder = null;
    this.dispatches = 0;
    if (this.arena.used > 0) {
      this.device.queue.writeBuffer(this.arena.gpu, 0, this.arena.bytes.buffer, 0, this.arena.used);
      this.arena.used = 0;
    }
    this.device.pushErrorScope('validation');
    this.device.queue.submit([encoder.finish()]);
    // Dawn's message quotes the labels of the objects involved: pipelines and bind groups carry op names.
    const lastOp = this.lastOp;
    this.watch(this.device.popErrorScope(), (message) => this.opNamedIn(message) ?? `submit after ${lastOp}`);
  }

  /** Submits everything encoded so far and waits until the device has run it. */
  async sync(): Promise<void> {
    this.check();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.settle();
    this.check();
  }

  /**
   * Destroys the device (its buffers with it) and drops the references that
   * keep Node's event loop alive. Tensors of this backend are unusable after.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.cancelAtExit();
    this.encoder = null;
    this.pass = null;
    this.pipelines.clear();
    this.bindGroups.clear();
    this.device.destroy();
    keepAlive.delete(this);
  }

  private compile(name: string, kernel: WebGpuKernel<never>): Compiled {
    const cached = this.pipelines.get(kernel);
    if (cached !== undefined) return cached;
    this.device.pushErrorScope('validation');
    const layout = uniformLayout(kernel);
    const module = this.device.createShaderModule({ code: shaderSource(kernel, layout), label: name });
    // The arena bindings (uniforms, indices) take dynamic offsets, so a bind
    // group depends only on the tensors' buffers and can be reused.
    const buffers: GPUBufferBindingLayout[] = [
      { type: 'uniform', hasDynamicOffset: true },
      ...kernel.inputs.map((): GPUBufferBindingLayout => ({ type: 'read-only-storage' })),
      ...kernel.outputs.map((): GPUBufferBindingLayout => ({ type: 'storage' })),
      ...(kernel.indices === undefined ? [] : [{ type: 'read-only-storage', hasDynamicOffset: true } as const]),
    ];
    const bindGroupLayout = this.device.createBindGroupLayout({
      label: name,
      entries: buffers.map((buffer, binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer })),
    });
    const pipeline = this.device.createComputePipeline({
      label: name,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout], label: name }),
      compute: { module, entryPoint: 'main' },
    });
    const compiled: Compiled = { id: this.pipelines.size, pipeline, bindGroupLayout, layout, error: null };
    this.watch(this.device.popErrorScope(), name, (err) => (compiled.error = err));
    this.pipelines.set(kernel, compiled);
    this.opNames.add(name);
    return compiled;
  }

  /**
   * The bind group of a pipeline over these tensors' buffers, cached: a
   * training loop binds the same pooled buffers in the same pattern every
   * step, and creating a bind group costs more than the rest of a dispatch.
   */
  private bindGroup(name: string, compiled: Compiled, operands: readonly Operand[], indexBytes: number): GPUBindGroup {
    const buffers = operands.map((o) => liveBuffer(o.storage));
    const sizes = operands.map((o) => Math.max(4, o.storage.size * 4));
    let key = `${compiled.id}:${indexBytes}`;
    for (let i = 0; i < buffers.length; i++) key += `:${this.bufferId(buffers[i]!)}/${sizes[i]}`;
    const cached = this.bindGroups.get(key);
    if (cached !== undefined) return cached;
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.arena.gpu, size: compiled.layout.size } }];
    buffers.forEach((buffer, i) => entries.push({ binding: entries.length, resource: { buffer, size: sizes[i]! } }));
    if (indexBytes > 0) entries.push({ binding: entries.length, resource: { buffer: this.arena.gpu, size: indexBytes } });
    const group = this.device.createBindGroup({ layout: compiled.bindGroupLayout, entries, label: name });
    // Bounded: shapes that keep changing must not pile up bind groups.
    if (this.bindGroups.size >= 4096) this.bindGroups.clear();
    this.bindGroups.set(key, group);
    return group;
  }

  private bufferId(buffer: GPUBuffer): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) {
      id = this.nextBufferId++;
      this.bufferIds.set(buffer, id);
    }
    return id;
  }

  private reserveDispatch(size: number, align: number, indexBytes: number, indexAlign: number): { params: number; indices: number } {
    if (size + indexBytes + align + indexAlign > this.arena.capacity) this.growArena(size + indexBytes + align + indexAlign);
    for (;;) {
      const used = this.arena.used;
      const params = this.arena.reserve(size, align);
      const indices = params < 0 || indexBytes === 0 ? 0 : this.arena.reserve(indexBytes, indexAlign);
      if (params >= 0 && indices >= 0) return { params, indices };
      this.arena.used = used;
      this.flush();
    }
  }

  /** Replaces the arena by a larger one (after submitting what uses the old one). */
  private growArena(bytes: number): void {
    this.flush();
    const old = this.arena;
    this.arena = new UploadArena(this.device, 2 ** Math.ceil(Math.log2(bytes)));
    // Cached bind groups point into the old arena.
    this.bindGroups.clear();
    // Destruction waits for submitted work that still reads it.
    old.gpu.destroy();
  }

  private pending(): GPUCommandEncoder {
    if (this.encoder === null) {
      this.encoder = this.device.createCommandEncoder({ label: 'seiscluster ops' });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // One command buffer per synchronous stretch of ops (a training step).
        queueMicrotask(() => {
          this.flushScheduled = false;
          if (!this.destroyed) this.flush();
        });
      }
    }
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    if (this.pass === null) this.pass = this.pending().beginComputePass({ label: 'seiscluster ops' });
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** Turns an error scope's outcome into a WebGpuError naming `op` (or the op `op` finds in the message). */
  private watch(scope: Promise<GPUError | null>, op: string | ((message: string) => string), onError?: (err: WebGpuError) => void): void {
    const p: Promise<void> = scope.then(
      (gpuError) => {
        this.scopes.delete(p);
        if (gpuError === null) return;
        const err = new WebGpuError(typeof op === 'string' ? op : op(gpuError.message), gpuError.message);
        onError?.(err);
        this.fail(err);
      },
      (err: unknown) => {
        this.scopes.delete(p);
        const message = err instanceof Error ? err.message : String(err);
        if (!this.destroyed) this.fail(new WebGpuError(typeof op === 'string' ? op : op(message), message));
      },
    );
    this.scopes.add(p);
  }

  private opNamedIn(message: string): string | undefined {
    for (const [, label] of message.matchAll(/"([^"]+)"/g)) if (this.opNames.has(label!)) return label;
    return undefined;
  }

  private async settle(): Promise<void> {
    while (this.scopes.size > 0) await Promise.all([...this.scopes]);
  }

  /** Keeps the first error until it is thrown. */
  private fail(err: WebGpuError): void {
    this.failure ??= err;
  }

  /** Throws a pending device error (once; a lost device on every call) or a use after destroy. */
  private check(): void {
    if (this.destroyed) throw new Error('webgpu: backend used after destroy()');
    if (this.lost !== null) throw this.lost;
    const err = this.failure;
    if (err !== null) {
      this.failure = null;
      throw err;
    }
  }
}

function gpuStorage(storage: Storage): GpuStorage {
  if (!(storage instanceof GpuStorage)) throw new Error(`storage of backend ${storage.backend.name} is not WebGPU memory`);
  return storage;
}

function liveBuffer(storage: Storage): GPUBuffer {
  const buffer = gpuStorage(storage).buffer;
  if (buffer === null) throw new Error('webgpu: storage used after free');
  return buffer;
}
