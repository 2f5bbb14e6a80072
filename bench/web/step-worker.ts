/**
 * The web bench's worker: network A's training step on the compiled
 * WebAssembly SIMD path, timed by the same code as in Node (bench/rows.ts),
 * on the page's host (Web Workers for the kernels' threads).
 */
import { setHost } from '../../src/host/host.js';
import { CpuBackend } from '../../src/kernels/cpu.js';
import { webHost } from '../../src/web/host.js';
import { stepRows } from '../rows.js';

setHost(webHost());

interface Asked {
  readonly threads: number;
  readonly batches: readonly number[];
  readonly time: number;
}

const scope = globalThis as unknown as { onmessage: ((event: MessageEvent<Asked>) => void) | null; postMessage(message: unknown): void };

scope.onmessage = ({ data }) => {
  const backend = new CpuBackend({ threads: data.threads });
  stepRows(backend, data.batches, async () => undefined, { time: data.time, warmupTime: 200 }, { compiled: true, label: '' }).then(
    (rows) => scope.postMessage({ rows }),
    (error: unknown) => scope.postMessage({ error: String(error) }),
  );
};
