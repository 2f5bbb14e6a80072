/**
 * The page's threads: Web Workers started from a blob: URL, so no file of
 * the page's needs to know the compiled kernels' worker code. Workers can
 * share the kernels' WebAssembly memory only on a cross-origin isolated page
 * (`seiscluster serve` sends the headers); elsewhere there are none and the
 * calling thread does all the work.
 */
import type { HostWorker, Threads } from '../host/threads.js';

/** Whether this page may share memory between threads. */
export function canShareMemory(): boolean {
  return globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
}

let script: string | undefined;

function workerScript(): string {
  // Each worker runs the function it is sent, once, on the data sent with it.
  script ??= URL.createObjectURL(
    new Blob(['onmessage = (event) => { onmessage = null; (0, eval)(event.data.main)(event.data.data); };'], { type: 'text/javascript' }),
  );
  return script;
}

export const webWorkers: Threads = {
  cores: () => Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1),
  start(main: string, data: unknown): HostWorker | null {
    if (typeof Worker !== 'function' || !canShareMemory()) return null;
    const worker = new Worker(workerScript());
    worker.postMessage({ main, data });
    return worker;
  },
};
