import { Adam, Rng, backward, compiledFor, cpu, cpuData, model, mse, noGrad, optimiserStep, tidy, uniform, type Backend } from '../src/engine.js';

/** A benchmarked piece of work: `run` does it once, `dispose` frees what it holds; timing starts once `started` resolves (the compiled kernels' threads are up). */
export interface Workload {
  run(): void;
  dispose(): void;
  started(): Promise<void>;
}

const nothingToStart = async (): Promise<void> => undefined;

/** Inputs uniform in [0, 1), like spectrograms divided by their maximum, from a fixed seed so every run sees the same data. */
const inputSeed = 2;

/**
 * One pre-training step of network A at `batchSize`: forward, MSE
 * reconstruction loss against the input, backward, Adam (Keras defaults),
 * as `pretrain` runs it: on the CPU through the compiled kernels (or op by
 * op through autograd when `compiled` is false). On the CPU backend `run`
 * has finished the step when it returns; on WebGPU it only issues the work,
 * and the caller waits on the backend.
 */
export function trainingStep(batchSize: number, backend: Backend = cpu, compiled = true): Workload {
  const autoencoder = new model.Autoencoder(model.networkA(), { seed: 1, backend });
  const optimizer = new Adam(autoencoder.parameters());
  const x = uniform([batchSize, ...autoencoder.inputShape], new Rng(inputSeed), 0, 1, { backend });
  const dispose = (): void => {
    optimizer.dispose();
    autoencoder.dispose();
    x.dispose();
  };
  const kernels = compiled ? compiledFor(autoencoder, batchSize) : null;
  if (kernels !== null) {
    const records = cpuData(x.storage) as Float32Array;
    const rows = Int32Array.from({ length: batchSize }, (_, i) => i);
    return {
      run: () => void optimiserStep(kernels, autoencoder.parameters(), optimizer, () => kernels.pretrainStep(records, rows)),
      dispose,
      started: () => kernels.started(),
    };
  }
  return {
    run: () =>
      tidy(() => {
        backward(mse(autoencoder.reconstruct(x), x));
        optimizer.update();
        optimizer.zeroGrad();
      }),
    dispose,
    started: nothingToStart,
  };
}

/** Network A's encoder alone on `batchSize` records, to the codes of 12, without a tape (compiled on the CPU unless `compiled` is false). */
export function inference(batchSize: number, backend: Backend = cpu, compiled = true): Workload {
  const autoencoder = new model.Autoencoder(model.networkA(), { seed: 1, backend });
  const x = uniform([batchSize, ...autoencoder.inputShape], new Rng(inputSeed), 0, 1, { backend });
  const dispose = (): void => {
    autoencoder.dispose();
    x.dispose();
  };
  const kernels = compiled ? compiledFor(autoencoder, batchSize) : null;
  if (kernels !== null) {
    const records = cpuData(x.storage) as Float32Array;
    const codes = new Float32Array(batchSize * autoencoder.codeSize);
    kernels.setParameters(autoencoder.parameters());
    return { run: () => kernels.encode(records, 0, batchSize, codes, null), dispose, started: () => kernels.started() };
  }
  return {
    run: () =>
      tidy(() => {
        noGrad(() => autoencoder.encode(x));
      }),
    dispose,
    started: nothingToStart,
  };
}
