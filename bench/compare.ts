/**
 * `npm run bench:compare`: network A's training step and encoder inference
 * in seiscluster (CPU backend), PyTorch (Debian's python3-torch, tuned) and
 * TF.js, in one run on one machine, with seiscluster's rate divided by each.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CpuBackend } from '../src/index.js';
import type { TfjsReport } from './compare/tfjs-step.js';
import { timeMedian, type Timing } from './compare/timing.js';
import { inference, trainingStep, type Workload } from './step.js';

const usage = `usage: npm run bench:compare -- [options]

  --batch N        training batch size (default 128)
  --threads N      threads each framework may use (default: this machine's cores)
  --seconds S      timed seconds per measurement, after a fifth as much warm-up (default 3)
  --skip-torch     leave PyTorch out
  --skip-tfjs      leave TF.js out
  --json FILE      also write the results as JSON`;

/** Inference is timed on large batches, as \`seiscluster predict\` runs it. */
const inferenceBatch = 1024;
/** Debian's interpreter, which python3-torch installs into (not whatever python3 comes first on PATH). */
const python = '/usr/bin/python3';
const here = fileURLToPath(new URL('.', import.meta.url));

interface Options {
  batch: number;
  threads: number;
  seconds: number;
  skipTorch: boolean;
  skipTfjs: boolean;
  json: string | undefined;
}

/** A measured rate; `batch` records per run. */
interface Rate extends Timing {
  batch: number;
  recordsPerSecond: number;
}

interface Result {
  framework: string;
  version: string;
  backend: string;
  threads: number;
  /** A string says why training was not measured on this backend. */
  training: Rate | string | null;
  inference: Rate | null;
}

interface Skipped {
  framework: string;
  reason: string;
}

/** A message for the user, printed without a stack trace. */
class UsageError extends Error {}

function positive(flag: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new UsageError(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got '${value}'`);
  return n;
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        batch: { type: 'string' },
        threads: { type: 'string' },
        seconds: { type: 'string' },
        'skip-torch': { type: 'boolean', default: false },
        'skip-tfjs': { type: 'boolean', default: false },
        json: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function parseOptions(argv: string[]): Options {
  const values = parseFlags(argv);
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return {
    batch: positive('batch', values.batch, 128, true),
    threads: positive('threads', values.threads, os.availableParallelism(), true),
    seconds: positive('seconds', values.seconds, 3, false),
    skipTorch: values['skip-torch'],
    skipTfjs: values['skip-tfjs'],
    json: values.json,
  };
}

const rate = (timing: Timing, batch: number): Rate => ({ ...timing, batch, recordsPerSecond: batch / (timing.medianMs / 1e3) });

function cpuModel(): string {
  try {
    const name = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    if (name !== undefined) return name;
  } catch {
    // Not Linux: Node's own report below.
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

const lastLine = (text: string): string => text.trim().split('\n').at(-1) ?? '';

/** A child's report: the JSON object on its last line of output (libraries may print before it). */
function report<T>(script: string, stdout: string): T {
  try {
    return JSON.parse(lastLine(stdout)) as T;
  } catch {
    throw new Error(`${script} printed no JSON report; its output ended with: ${lastLine(stdout) || '(nothing)'}`);
  }
}

const hasCommand = (name: string): boolean => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;

const torchImports = (): boolean => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

/**
 * Makes `import torch` work in Debian's python3, installing python3-torch
 * with apt when it does not (with sudo when not root). Returns why PyTorch
 * cannot run, or null when it can.
 */
function ensureTorch(): string | null {
  if (torchImports()) return null;
  const missing = `${python} cannot import torch (Debian's python3-torch is not installed)`;
  if (!hasCommand('apt-get')) return `${missing}, and there is no apt-get to install it`;
  const root = process.getuid?.() === 0;
  if (!root && !hasCommand('sudo')) return `${missing}; installing it needs root: run 'apt-get install python3-torch' as root, or install sudo`;
  // env passes the variable through sudo as well; noninteractive keeps debconf from prompting.
  const aptGet = (...args: string[]): boolean => {
    const argv = [...(root ? [] : ['sudo']), 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
    console.log(`$ ${argv.join(' ')}`);
    return spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit' }).status === 0;
  };
  console.log(`${missing}: installing it with apt`);
  const known = spawnSync('apt-cache', ['show', 'python3-torch'], { stdio: 'ignore' }).status === 0;
  if (!known && !aptGet('update')) return `${missing}, and 'apt-get update' failed`;
  if (!aptGet('install', '-y', 'python3-torch')) return `${missing}, and 'apt-get install python3-torch' failed`;
  return torchImports() ? null : `python3-torch is installed but ${python} still cannot import torch`;
}

function measureSeiscluster(options: Options): Result {
  const backend = new CpuBackend({ threads: options.threads });
  const measure = (workload: Workload): Timing => {
    try {
      return timeMedian(() => workload.run(), options.seconds);
    } finally {
      workload.dispose();
    }
  };
  return {
    framework: 'seiscluster',
    version: (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
    backend: 'cpu (compiled WebAssembly SIMD)',
    threads: backend.threads,
    training: rate(measure(trainingStep(options.batch, backend)), options.batch),
    inference: rate(measure(inference(inferenceBatch, backend)), inferenceBatch),
  };
}

interface TorchReport {
  version: string;
  threads: number;
  training: Timing;
  inference: Timing;
}

function measureTorch(options: Options): Result | Skipped {
  const framework = 'PyTorch';
  const run = spawnSync(
    python,
    [
      `${here}compare/torch_step.py`,
      '--batch',
      `${options.batch}`,
      '--threads',
      `${options.threads}`,
      '--inference-batch',
      `${inferenceBatch}`,
      '--seconds',
      `${options.seconds}`,
    ],
    {
      encoding: 'utf8',
      // glibc reads these at start-up. Raised, they keep freed activation
      // buffers in the heap instead of unmapping them and faulting fresh
      // pages in at every step.
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '1000000000', MALLOC_TRIM_THRESHOLD_: '1000000000' },
    },
  );
  if (run.status !== 0) return { framework, reason: `torch_step.py failed: ${lastLine(run.stderr) || `exit ${run.status ?? run.signal}`}` };
  const torch = report<TorchReport>('torch_step.py', run.stdout);
  return {
    framework,
    version: torch.version,
    backend: 'cpu (oneDNN off)',
    threads: torch.threads,
    training: rate(torch.training, options.batch),
    inference: rate(torch.inference, inferenceBatch),
  };
}

function measureTfjs(options: Options): Result[] | Skipped {
  const framework = 'TF.js';
  // The same Node flags as this process, so the child loads TypeScript through tsx as well.
  const run = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      `${here}compare/tfjs-step.ts`,
      '--batch',
      `${options.batch}`,
      '--inference-batch',
      `${inferenceBatch}`,
      '--threads',
      `${options.threads}`,
      '--seconds',
      `${options.seconds}`,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) return { framework, reason: lastLine(run.stderr) || `tfjs-step.ts: exit ${run.status ?? run.signal}` };
  const tfjs = report<TfjsReport>('tfjs-step.ts', run.stdout);
  return [
    { framework, version: tfjs.version, backend: 'cpu (JavaScript)', threads: 1, training: rate(tfjs.cpuTraining, options.batch), inference: null },
    {
      framework,
      version: tfjs.version,
      backend: 'wasm',
      threads: tfjs.wasmThreads,
      training: typeof tfjs.wasmTraining === 'string' ? tfjs.wasmTraining : rate(tfjs.wasmTraining, options.batch),
      inference: rate(tfjs.wasmInference, inferenceBatch),
    },
  ];
}

/** seiscluster's rate over another's: above 1, seiscluster is faster. */
function ratio(ours: Rate | string | null, theirs: Rate | string | null): number | null {
  const measured = (r: Rate | string | null): r is Rate => typeof r === 'object' && r !== null;
  return measured(ours) && measured(theirs) ? ours.recordsPerSecond / theirs.recordsPerSecond : null;
}

function printTable(results: readonly Result[], ours: Result, options: Options): void {
  const cell = (r: Rate | string | null, f: (r: Rate) => string): string => (r === null ? '' : typeof r === 'string' ? r.split(' (')[0]! : f(r));
  const times = (x: number | null): string => (x === null ? '' : `${x.toFixed(x < 10 ? 2 : 1)}x`);
  console.table(
    results.map((r) => ({
      framework: `${r.framework} ${r.version}`,
      backend: r.backend,
      threads: r.threads,
      [`step ms (batch ${options.batch})`]: cell(r.training, (t) => t.medianMs.toFixed(1)),
      'train records/s': cell(r.training, (t) => t.recordsPerSecond.toFixed(0)),
      'train seiscluster/other': times(ratio(ours.training, r.training)),
      [`infer records/s (batch ${inferenceBatch})`]: cell(r.inference, (t) => t.recordsPerSecond.toFixed(0)),
      'infer seiscluster/other': times(ratio(ours.inference, r.inference)),
    })),
  );
  for (const r of results) if (typeof r.training === 'string') console.log(`${r.framework} ${r.backend} training: ${r.training}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machine = { cpu: cpuModel(), cores: os.availableParallelism(), node: process.version };
  console.log(
    `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; batch ${options.batch}, ${options.threads} threads, ${options.seconds} s per measurement`,
  );
  const skipped: Skipped[] = [];
  const results: Result[] = [];
  // Installing comes first, so that apt's work does not fall between the measurements.
  const torchProblem = options.skipTorch ? null : ensureTorch();
  if (torchProblem !== null) skipped.push({ framework: 'PyTorch', reason: torchProblem });

  console.log('seiscluster: timing...');
  const ours = measureSeiscluster(options);
  results.push(ours);
  if (!options.skipTorch && torchProblem === null) {
    console.log('PyTorch: timing...');
    const torch = measureTorch(options);
    if ('reason' in torch) skipped.push(torch);
    else results.push(torch);
  }
  if (!options.skipTfjs) {
    console.log('TF.js: timing (its CPU backend takes seconds per step)...');
    const tfjs = measureTfjs(options);
    if ('reason' in tfjs) skipped.push(tfjs);
    else results.push(...tfjs);
  }

  const version = (framework: string): string => results.find((r) => r.framework === framework)?.version ?? 'not run';
  console.log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, torch ${version('PyTorch')}, tfjs ${version('TF.js')}`);
  printTable(results, ours, options);
  for (const s of skipped) console.log(`${s.framework} skipped: ${s.reason}`);

  if (options.json !== undefined) {
    const rows = results.map((r) => ({ ...r, trainingRatio: ratio(ours.training, r.training), inferenceRatio: ratio(ours.inference, r.inference) }));
    const { batch, threads, seconds } = options;
    writeFileSync(options.json, `${JSON.stringify({ machine, batch, inferenceBatch, threads, seconds, results: rows, skipped }, null, 2)}\n`);
    console.log(`wrote ${options.json}`);
  }
}

try {
  await main();
} catch (err) {
  // Our own failures (a bad flag, an unwritable --json path, an engine error) as one line.
  console.error(`bench:compare: ${err instanceof Error ? err.message : String(err)}`);
  if (err instanceof UsageError) console.error(`\n${usage}`);
  process.exit(1);
}
