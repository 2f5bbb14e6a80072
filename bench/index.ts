import { existsSync } from 'node:fs';
import os from 'node:os';
import { cpu, CpuBackend } from '../src/index.js';
import { pipelineRun } from './pipeline.js';
import { convRows, inferenceRows, printRows, stepRows } from './rows.js';
import { webBenchmarks } from './web.js';
import { webgpuBenchmarks } from './webgpu.js';

/** The CPU backend computes synchronously: nothing to wait for. */
const cpuSync = async (): Promise<void> => {};

/** `npm run bench`: every benchmark table, with the machine it ran on. */
async function main(): Promise<void> {
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, node ${process.version}`);
  printRows(
    'conv2d at the shapes of network A, batch 128 (CPU backend, op by op)',
    await convRows(cpu, 128, cpuSync, { time: 300, warmup: true, warmupTime: 50 }),
  );
  const compiledRows = [];
  for (const threads of [...new Set([1, cpu.threads])]) {
    const backend = new CpuBackend({ threads });
    const variant = { compiled: true, label: ` (compiled, ${threads} thread${threads > 1 ? 's' : ''})` };
    compiledRows.push(...(await stepRows(backend, [128, 1024], cpuSync, { time: 1500, warmupTime: 200 }, variant)));
    compiledRows.push(...(await inferenceRows(backend, 1024, cpuSync, { time: 1000, warmupTime: 200 }, variant)));
  }
  // Op by op, a step at batch 1024 takes about half a second on one core: a few samples, not tinybench's default 64.
  const autograd = { compiled: false, label: ' (op by op, autograd)' };
  printRows('network A (CPU backend)', [
    ...compiledRows,
    ...(await stepRows(cpu, [128], cpuSync, { time: 2000, iterations: 5, warmupTime: 0, warmupIterations: 1 }, autograd)),
    ...(await inferenceRows(cpu, 1024, cpuSync, { time: 2000, iterations: 5, warmupTime: 0, warmupIterations: 1 }, autograd)),
  ]);
  await webgpuBenchmarks();
  // The web part needs Debian's Chromium (apt-get install chromium); `npm run bench:web` runs it alone.
  if (existsSync('/usr/bin/chromium')) await webBenchmarks();
  else console.log('\nweb bench skipped: /usr/bin/chromium is missing (apt-get install chromium)');
  await pipelineRun();
}

await main();
