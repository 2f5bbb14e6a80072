import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { syntheticTaskA } from '../src/data/synthetic.js';
import { cluster, model, WebGpuBackend } from '../src/index.js';
import { gpuMsPerStep, medianMs } from './rows.js';
import { compiledGpuFinetuneSteps, compiledGpuInference, compiledGpuSteps } from './step.js';

/**
 * `npm run bench:gpu` (through scripts/bench-gpu.sh, which provides the
 * Vulkan loader): the compiled WebGPU training and fine-tuning steps of
 * network A at batch 128, 1,024 and 8,192, the compiled encoder, and the
 * paper's task-A schedule end to end
 * (pretrain, k-means, fine-tune; one seed) on the machine's GPU, written as
 * JSON to the file named by --out (stdout without it). A software adapter
 * (SwiftShader, llvmpipe) is refused unless --allow-software, which also
 * shrinks every size (--small) so the whole run can be checked on a CPU.
 */

interface Flags {
  readonly out: string | null;
  readonly allowSoftware: boolean;
  readonly small: boolean;
}

function parseFlags(argv: readonly string[]): Flags {
  let out: string | null = null;
  let allowSoftware = false;
  let small = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') {
      out = argv[++i] ?? null;
      if (out === null) throw new Error('bench:gpu: --out needs a file name');
    } else if (a === '--allow-software') allowSoftware = true;
    else if (a === '--small') small = true;
    else throw new Error(`bench:gpu: unknown argument ${a} (known: --out FILE, --allow-software, --small)`);
  }
  return { out, allowSoftware, small: small || allowSoftware };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const gpu = await WebGpuBackend.create();
  try {
    if (gpu.adapter.software && !flags.allowSoftware)
      throw new Error(
        `bench:gpu: the WebGPU adapter is a software rasteriser (${gpu.description}), not the GPU; ` +
          'check the NVIDIA driver and its Vulkan ICD (/usr/share/vulkan/icd.d/nvidia_icd.json), or pass --allow-software to test the script',
      );
    console.error(`bench:gpu on ${gpu.description}`);
    const samples = flags.small ? 2 : 10;
    const batches = flags.small ? [16, 64] : [128, 1024, 8192];
    const steps = [];
    const finetuneSteps = [];
    for (const batch of batches) {
      // Each sample runs enough steps to fill 16,384 records (1,024 when small), as a stretch of an epoch.
      const count = Math.max(1, Math.ceil((flags.small ? 1024 : 16384) / batch));
      const work = await compiledGpuSteps(batch, gpu, count);
      const ms = await gpuMsPerStep(gpu, work, count, samples);
      steps.push({ batch, msPerStep: ms, recordsPerSecond: batch / (ms / 1000), dispatchesPerStep: work.dispatchesPerStep });
      work.dispose();
      console.error(`compiled step, batch ${batch}: ${ms.toFixed(3)} ms`);
      // The fine-tuning steps (3 clusters) go to the device several to a command buffer, as fineTune runs them.
      const finetune = await compiledGpuFinetuneSteps(batch, gpu, count);
      const finetuneMs = await gpuMsPerStep(gpu, finetune, count, samples);
      finetuneSteps.push({ batch, msPerStep: finetuneMs, recordsPerSecond: batch / (finetuneMs / 1000), dispatchesPerStep: finetune.dispatchesPerStep });
      finetune.dispose();
      console.error(`compiled fine-tuning step, batch ${batch}: ${finetuneMs.toFixed(3)} ms`);
    }
    const inferenceBatch = flags.small ? 256 : 8192;
    const encoder = await compiledGpuInference(inferenceBatch, gpu);
    const inferenceMs = await medianMs(samples, encoder.run);
    encoder.dispose();
    console.error(`compiled encoder, batch ${inferenceBatch}: ${inferenceMs.toFixed(3)} ms`);

    const n = flags.small ? 256 : 9200;
    const data = syntheticTaskA({ n, seed: 0 });
    const started = performance.now();
    const result = await cluster.runExperiment({
      description: model.networkA(),
      inputs: data.inputs,
      labels: data.labels,
      seed: 0,
      backend: gpu,
      ...(flags.small && { pretrain: { epochs: 2 }, kMeans: { nInit: 2 }, fineTune: { maxIter: 20 } }),
    });
    const schedule = {
      records: n,
      seconds: (performance.now() - started) / 1000,
      pretrainEpochs: result.pretrain.epochs,
      fineTuneIterations: result.fineTune.iterations,
      stopReason: result.fineTune.stopReason,
      stages: result.stages.map((s) => ({ stage: s.stage, seconds: s.seconds, ...(s.scores && { acc: s.scores.acc }) })),
    };
    result.model.dispose();
    result.clustering.dispose();
    console.error(`task A schedule: ${schedule.seconds.toFixed(1)} s`);

    const report = {
      adapter: gpu.adapter,
      software: gpu.adapter.software,
      small: flags.small,
      machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version },
      compiledStep: steps,
      compiledFinetuneStep: finetuneSteps,
      inference: { batch: inferenceBatch, ms: inferenceMs, recordsPerSecond: inferenceBatch / (inferenceMs / 1000) },
      taskA: schedule,
    };
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (flags.out === null) process.stdout.write(json);
    else writeFileSync(flags.out, json);
  } finally {
    gpu.destroy();
  }
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
