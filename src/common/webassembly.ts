/**
 * The part of the WebAssembly JavaScript API the compiled kernels and the
 * HDF5 reader use, typed here rather than declared as a global: Node has
 * the API but TypeScript declares it only with the DOM library, which the
 * engine does not load (and the page, which does, must not see it twice).
 */

/** A compiled module (opaque). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

/** A memory; the compiled kernels' is always shared between threads. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Memory: {
    new (descriptor: { initial: number; maximum: number; shared: true }): WasmMemory & { readonly buffer: SharedArrayBuffer };
    readonly prototype: WasmMemory;
  };
  readonly Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

/** The runtime's WebAssembly object. */
export const wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
