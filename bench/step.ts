import {
  Adam,
  Rng,
  add,
  backward,
  cluster,
  kld,
  compiledFor,
  cpu,
  cpuData,
  model,
  mse,
  mul,
  noGrad,
  optimiserStep,
  tensor,
  tidy,
  uniform,
  type Backend,
  type WebGpuBackend,
} from '../src/engine.js';
import { GpuCompiledAutoencoder, KERAS_ADAM } from '../src/jit/webgpu/compiled.js';

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

/**
 * `steps` pre-training steps of network A at `batchSize` through the compiled
 * WebGPU program (src/jit/webgpu), as `pretrain` runs an epoch there: the
 * records resident on the device, one command buffer per 64 steps, nothing
 * read back. `run` only issues the work; the caller waits on the backend.
 */
export async function compiledGpuSteps(batchSize: number, gpu: WebGpuBackend, steps: number): Promise<Workload & { dispatchesPerStep: number }> {
  const autoencoder = new model.Autoencoder(model.networkA(), { seed: 1, backend: gpu });
  const optimizer = new Adam(autoencoder.parameters());
  const n = batchSize * steps;
  const x = uniform([n, ...autoencoder.inputShape], new Rng(inputSeed), 0, 1, { backend: gpu });
  const program = await GpuCompiledAutoencoder.create(gpu, autoencoder.plan, batchSize, optimizer);
  program.useRecords(x);
  program.loadParameters(autoencoder.parameters(), optimizer);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return {
    run: () => program.train(order, optimizer),
    dispose: () => {
      program.dispose();
      optimizer.dispose();
      autoencoder.dispose();
      x.dispose();
    },
    started: nothingToStart,
    dispatchesPerStep: program.dispatchesPerStep,
  };
}

/** Network A's encoder on `batchSize` resident records through the compiled WebGPU program; `run` reads the codes back. */
export async function compiledGpuInference(batchSize: number, gpu: WebGpuBackend): Promise<{ run(): Promise<void>; dispose(): void }> {
  const autoencoder = new model.Autoencoder(model.networkA(), { seed: 1, backend: gpu });
  const x = uniform([batchSize, ...autoencoder.inputShape], new Rng(inputSeed), 0, 1, { backend: gpu });
  const program = await GpuCompiledAutoencoder.create(gpu, autoencoder.plan, batchSize, { beta1: 0.9, beta2: 0.999, eps: 1e-7 });
  program.useRecords(x);
  program.loadParameters(autoencoder.parameters());
  return {
    run: async () => void (await program.encode(0, batchSize)),
    dispose: () => {
      program.dispose();
      autoencoder.dispose();
      x.dispose();
    },
  };
}

/** Clusters of the fine-tuning benchmarks, and the notebook's loss weights. */
const FINETUNE_K = 3;
const FINETUNE_WEIGHTS = { kl: 0.1, reconstruction: 1 };

/** A target distribution for `n` records: rows of positive values summing to 1, from a fixed seed. */
function targetRows(n: number): Float32Array {
  const rng = new Rng(inputSeed + 1);
  const p = Float32Array.from({ length: n * FINETUNE_K }, () => 0.1 + rng.uniform());
  for (let i = 0; i < n; i++) {
    const row = p.subarray(i * FINETUNE_K, (i + 1) * FINETUNE_K);
    const s = row.reduce((a, v) => a + v, 0);
    row.forEach((v, j) => (row[j] = v / s));
  }
  return p;
}

/** The benchmarks' clustering head: FINETUNE_K fixed centroids spread over the code space. */
function finetuneHead(autoencoder: model.Autoencoder, gpu: WebGpuBackend): cluster.ClusteringLayer {
  const centroids = Float32Array.from({ length: FINETUNE_K * autoencoder.codeSize }, (_, i) => Math.sin(i));
  return new cluster.ClusteringLayer(centroids, FINETUNE_K, autoencoder.codeSize, { backend: gpu });
}

/**
 * One fine-tuning step of network A with a clustering head of 3 clusters on
 * WebGPU, op by op through autograd as `fineTune` ran it before its compiled
 * step: 0.1 KL(P || Q) + MSE, backward, Adam over the parameters and the
 * centroids. `run` only issues the work.
 */
export function finetuneGpuStep(batchSize: number, gpu: WebGpuBackend): Workload {
  const autoencoder = new model.Autoencoder(model.networkA(), { seed: 1, backend: gpu });
  const x = uniform([batchSize, ...autoencoder.inputShape], new Rng(inputSeed), 0, 1, { backend: gpu });
  const head = finetuneHead(autoencoder, gpu);
  const p = tensor(targetRows(batchSize), [batchSize, FINETUNE_K], { backend: gpu });
  const optimizer = new Adam([...autoencoder.parameters(), head.centroids]);
  return {
    run: () =>
      tidy(() => {
        const z = autoencoder.encode(x);
        const loss = add(mul(kld(p, head.softAssign(z)), FINETUNE_WEIGHTS.kl), mul(mse(autoencoder.decode(z), x), FINETUNE_WEIGHTS.reconstruction));
        backward(loss);
        optimizer.update();
        optimizer.zeroGrad();
      }),
    dispose: () => {
      optimizer.dispose();
      head.dispose();
      p.dispose();
      autoencoder.dispose();
      x.dispose();
    },
    started: nothingToStart,
  };
}

/**
 * `steps` fine-tuning steps of network A (3 clusters) at `batchSize` through
 * the compiled WebGPU program, as `fineTune` runs them: the steps and
 * their rows of P go to the device together (`flush` at the end of the
 * stretch), nothing read back.
 */
export async function compiledGpuFinetuneSteps(batchSize: number, gpu: WebGpuBackend, steps: number): Promise<Workload & { dispatchesPerStep: number }> {
  const autoencoder = new model.Autoencoder(model.networkA(), { seed: 1, backend: gpu });
  const n = batchSize * steps;
  const x = uniform([n, ...autoencoder.inputShape], new Rng(inputSeed), 0, 1, { backend: gpu });
  const head = finetuneHead(autoencoder, gpu);
  const optimizer = new Adam([...autoencoder.parameters(), head.centroids]);
  const program = await GpuCompiledAutoencoder.create(gpu, autoencoder.plan, batchSize, KERAS_ADAM, FINETUNE_K);
  program.useRecords(x);
  program.loadParameters([...autoencoder.parameters(), head.centroids], optimizer);
  const target = targetRows(n);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return {
    run: () => {
      for (let s = 0; s < steps; s++) {
        const rows = order.subarray(s * batchSize, (s + 1) * batchSize);
        program.finetuneStep(rows, target.subarray(s * batchSize * FINETUNE_K, (s + 1) * batchSize * FINETUNE_K), optimizer, FINETUNE_WEIGHTS, s);
      }
      program.flush();
    },
    dispose: () => {
      program.dispose();
      optimizer.dispose();
      head.dispose();
      autoencoder.dispose();
      x.dispose();
    },
    started: nothingToStart,
    dispatchesPerStep: program.dispatchesPerFinetuneStep,
  };
}
