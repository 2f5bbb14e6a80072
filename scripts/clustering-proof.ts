/**
 * The clustering proof of issue 5: the full pipeline (pre-training, k-means on
 * the codes, fine-tuning) with the defaults (the paper's 100 pre-training
 * epochs, the notebook's fine-tuning) on the synthetic task A
 * set (9,200 records, network A) and the synthetic task B set (network B),
 * printing the stage table, the fine-tuning history, per-class precision /
 * recall / F and the accuracy per SNR bin of the final clusters.
 *
 *   npx tsx scripts/clustering-proof.ts [A|B|AB] [--n N] [--seed S] [--epochs E] [--max-iter M] [--pick-error P] [--json FILE]
 *
 * --pick-error: task B's pick error in samples (syntheticTaskB's
 * pickErrorSamples). On the CPU backend (compiled kernels, 2 cores) a task A
 * run takes under a minute, task B about 15 s.
 */
import { writeFile } from 'node:fs/promises';
// On the Node host: worker threads for the compiled kernels.
import '../src/node/install.js';
import { runExperiment, type ExperimentResult } from '../src/cluster/experiment.js';
import { clusteringAccuracy, perClassScores } from '../src/cluster/metrics.js';
import { SNR_BIN_LABELS, snrBin } from '../src/data/signal/snr.js';
import { TASK_A_CLASSES, TASK_B_CLASSES, syntheticTaskA, syntheticTaskB } from '../src/data/synthetic.js';
import { networkA, networkB } from '../src/model/networks.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name}: expected a non-negative integer, got ${process.argv[i + 1]}`);
  return v;
}

function real(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!(v >= 0 && Number.isFinite(v))) throw new Error(`--${name}: expected a number >= 0, got ${process.argv[i + 1]}`);
  return v;
}

const tasks = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'AB';
const seed = option('seed', 0);
const jsonIndex = process.argv.indexOf('--json');
const jsonPath = jsonIndex < 0 ? undefined : process.argv[jsonIndex + 1];
const fmt = (v: number | undefined): string => (v === undefined ? '' : v.toFixed(4));

const summary: Record<string, unknown> = {};
for (const task of tasks.split('')) {
  if (task !== 'A' && task !== 'B') throw new Error(`unknown task ${task}: A or B`);
  const n = option('n', task === 'A' ? 9200 : 10_000);
  const t0 = performance.now();
  const pickErrorSamples = real('pick-error');
  const data = task === 'A' ? syntheticTaskA({ n, seed }) : syntheticTaskB({ n, seed, ...(pickErrorSamples !== undefined && { pickErrorSamples }) });
  const dataSeconds = (performance.now() - t0) / 1000;
  console.log(`task ${task}: ${n} synthetic records (seed ${seed}) made in ${dataSeconds.toFixed(1)} s`);
  const result: ExperimentResult = await runExperiment({
    description: task === 'A' ? networkA() : networkB(),
    inputs: data.inputs,
    labels: data.labels,
    seed,
    baselineOnInputs: true,
    pretrain: {
      epochs: option('epochs', 100),
      onEpoch: (e) => console.log(`  pre-training epoch ${e.epoch}: mse ${e.loss.toExponential(4)} (${e.elapsedSeconds.toFixed(0)} s)`),
    },
    fineTune: {
      maxIter: option('max-iter', 5000),
      onUpdate: (u) =>
        console.log(
          `  fine-tuning ${u.kind} at iteration ${u.iteration}: delta-label ${u.deltaLabel.toFixed(4)}, ` +
            `kl ${u.loss?.kl.toExponential(3) ?? '-'}, mse ${u.loss?.reconstruction.toExponential(3) ?? '-'}, ` +
            `ACC ${fmt(u.acc)} NMI ${fmt(u.nmi)} ARI ${fmt(u.ari)} (${u.elapsedSeconds.toFixed(0)} s)`,
        ),
    },
    onStage: (s) => console.log(` ${s}`),
  });
  console.log(`\ntask ${task} | stage | ACC | NMI | ARI | seconds`);
  for (const s of result.stages)
    console.log(`task ${task} | ${s.stage} | ${fmt(s.scores?.acc)} | ${fmt(s.scores?.nmi)} | ${fmt(s.scores?.ari)} | ${s.seconds.toFixed(1)}`);
  console.log(
    `task ${task} | total (${result.fineTune.iterations} fine-tuning iterations, stopped on ${result.fineTune.stopReason}) | | | | ${result.seconds.toFixed(1)}\n`,
  );
  const { acc, mapping } = clusteringAccuracy(data.labels, result.fineTune.prediction.clusters);
  const mapped = Array.from(result.fineTune.prediction.clusters, (c) => mapping.get(c) ?? -1);
  const classes = task === 'A' ? TASK_A_CLASSES : TASK_B_CLASSES;
  const perClass = perClassScores(data.labels, mapped).filter((c) => c.label >= 0);
  for (const c of perClass)
    console.log(`task ${task} | ${classes[c.label]} | precision ${fmt(c.precision)} recall ${fmt(c.recall)} F ${fmt(c.f1)} (${c.support} records)`);
  const bins = SNR_BIN_LABELS.map(() => ({ right: 0, count: 0 }));
  data.snr.forEach((v, r) => {
    const b = bins[snrBin(v)]!;
    b.count++;
    if (mapped[r] === data.labels[r]) b.right++;
  });
  const bySnr = SNR_BIN_LABELS.map((label, i) => ({ snr: label, acc: bins[i]!.right / bins[i]!.count, records: bins[i]!.count }));
  console.log(`task ${task} | ACC ${fmt(acc)} by SNR bin: ${bySnr.map((b) => `${b.snr}: ${fmt(b.acc)} (${b.records})`).join(', ')}\n`);
  summary[task] = {
    perClass,
    bySnr,
    n,
    seed,
    stages: result.stages,
    history: result.fineTune.history,
    iterations: result.fineTune.iterations,
    stopReason: result.fineTune.stopReason,
    pretrainEpochLosses: result.pretrain.epochLosses,
    seconds: result.seconds,
  };
  result.model.dispose();
  result.clustering.dispose();
}
if (jsonPath !== undefined) await writeFile(jsonPath, JSON.stringify(summary, null, 2));
