import os from 'node:os';
import { cpu } from '../src/index.js';
import { convRows, printRows, stepRows } from './rows.js';
import { webgpuBenchmarks } from './webgpu.js';

/** The CPU backend computes synchronously: nothing to wait for. */
const cpuSync = async (): Promise<void> => {};

/** `npm run bench`: every benchmark table, with the machine it ran on. */
async function main(): Promise<void> {
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, node ${process.version}`);
  printRows(
    'conv2d at the shapes of network A, batch 128 (CPU backend)',
    await convRows(cpu, 128, cpuSync, { time: 300, warmup: true, warmupTime: 50 }),
  );
  // A step at batch 1024 takes about half a second on one core: a few samples, not tinybench's default 64.
  printRows('network A training step (CPU backend)', await stepRows(cpu, [128, 1024], cpuSync, { time: 2000, iterations: 5, warmupTime: 0, warmupIterations: 1 }));
  await webgpuBenchmarks();
}

await main();
