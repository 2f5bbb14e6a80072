/**
 * Network A in TF.js, timed; run by bench/compare.ts in a child process so
 * TF.js's global engine and backends stay out of seiscluster's process.
 * Prints one JSON object (a `TfjsReport`) as its last line of output.
 */
import { parseArgs } from 'node:util';
import type * as TF from '@tensorflow/tfjs';
import { timeMedian, type Timing } from './timing.js';

export interface TfjsReport {
  version: string;
  /** The pure-JavaScript backend: single-threaded. */
  cpuTraining: Timing;
  wasmInference: Timing;
  /** Threads the WASM backend ran with. */
  wasmThreads: number;
  /** A string when the WASM backend cannot train network A (why). */
  wasmTraining: Timing | string;
}

const { values } = parseArgs({
  options: {
    batch: { type: 'string' },
    'inference-batch': { type: 'string' },
    threads: { type: 'string' },
    seconds: { type: 'string' },
  },
});
const batch = Number(values.batch);
const inferenceBatch = Number(values['inference-batch']);
const threads = Number(values.threads);
const seconds = Number(values.seconds);

// Imported here rather than statically so that a missing dev dependency is
// one clear line for compare.ts to show, not a resolver stack trace.
const [tf, tfWasm] = await Promise.all([import('@tensorflow/tfjs'), import('@tensorflow/tfjs-backend-wasm')]).catch((err: unknown) => {
  console.error(`TF.js is not installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); npm ci installs it with the dev dependencies`);
  process.exit(1);
});

/** Network A, channels last; tf.layers' defaults are Keras': Glorot-uniform kernels, zero biases. */
function networkA(): { encoder: TF.Sequential; autoencoder: TF.Sequential } {
  const conv = (filters: number, activation: 'tanh' | 'linear' = 'tanh') => tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation });
  const pool = () => tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' });
  const up = () => tf.layers.upSampling2d({ size: [2, 2] });
  const encoder = tf.sequential({
    layers: [tf.layers.inputLayer({ inputShape: [16, 48, 1] }), conv(4), pool(), conv(2), pool(), conv(1), pool(), tf.layers.flatten()],
  });
  const decoder = tf.sequential({
    layers: [tf.layers.reshape({ inputShape: [12], targetShape: [2, 6, 1] }), conv(1), up(), conv(2), up(), conv(4), up(), conv(1, 'linear')],
  });
  return { encoder, autoencoder: tf.sequential({ layers: [encoder, decoder] }) };
}

function forward(model: TF.LayersModel, x: TF.Tensor): TF.Tensor {
  const y = model.apply(x, { training: true });
  if (!(y instanceof tf.Tensor)) throw new Error(`${model.name}: expected one output tensor`);
  return y;
}

const records = (n: number) => tf.randomUniform([n, 16, 48, 1], 0, 1, 'float32', 2);

/** A training step (forward, MSE, backward, Adam with Keras' defaults) on the current backend, timed. */
function timeTraining(): Timing {
  const { autoencoder } = networkA();
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
  const x = records(batch);
  try {
    // The CPU and WASM backends run each op before returning: the step is complete when minimize returns.
    return timeMedian(() => tf.tidy(() => void optimizer.minimize(() => tf.mean<TF.Scalar>(tf.squaredDifference(forward(autoencoder, x), x)))), seconds);
  } finally {
    x.dispose();
    autoencoder.dispose();
    optimizer.dispose();
  }
}

function timeInference(): Timing {
  const { encoder } = networkA();
  const x = records(inferenceBatch);
  try {
    return timeMedian(() => tf.tidy(() => void forward(encoder, x)), seconds);
  } finally {
    x.dispose();
    encoder.dispose();
  }
}

async function use(backend: 'cpu' | 'wasm'): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js: the ${backend} backend did not initialise`);
}

async function main(): Promise<TfjsReport> {
  // Before the WASM backend initialises, which reads it once. Under Node TF.js
  // 4.22 loads its single-threaded binary whatever the count (its issue 3830),
  // so the report carries the count it actually used.
  tfWasm.setThreadsCount(threads);
  await use('cpu');
  const cpuTraining = timeTraining();
  await use('wasm');
  const wasmInference = timeInference();
  let wasmTraining: Timing | string;
  try {
    wasmTraining = timeTraining();
  } catch (err) {
    wasmTraining = `unsupported (${err instanceof Error ? err.message : String(err)})`;
  }
  return { version: tf.version.tfjs, cpuTraining, wasmInference, wasmThreads: tfWasm.getThreadsCount(), wasmTraining };
}

try {
  console.log(JSON.stringify(await main()));
} catch (err) {
  // One line for compare.ts to show, not a stack trace.
  console.error(`TF.js failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
