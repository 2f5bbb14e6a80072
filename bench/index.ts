import os from 'node:os';
import { cpu } from '../src/index.js';
import { convRows, printRows } from './conv.js';

/** `npm run bench`: every benchmark table, with the machine it ran on. */
async function main(): Promise<void> {
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, node ${process.version}`);
  printRows('conv2d at the shapes of network A, batch 128 (CPU backend)', await convRows(cpu, 128, async () => {}));
}

await main();
