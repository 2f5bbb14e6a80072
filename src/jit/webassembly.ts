/**
 * The part of the WebAssembly JavaScript API the compiled kernels use. Node
 * has it as a global; TypeScript declares it only with the DOM library,
 * which this package does not load.
 */
declare global {
  namespace WebAssembly {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Module {}
    const Module: { new (bytes: Uint8Array): Module };
    interface Memory {
      readonly buffer: SharedArrayBuffer;
    }
    const Memory: { new (descriptor: { initial: number; maximum: number; shared: true }): Memory };
    interface Instance {
      readonly exports: Record<string, unknown>;
    }
    const Instance: { new (module: Module, imports: { env: { memory: Memory } }): Instance };
    function validate(bytes: Uint8Array): boolean;
  }
}

export {};
