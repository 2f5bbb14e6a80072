import { cluster, cpu, model } from '../src/index.js';
import { syntheticTaskA } from '../src/data/synthetic.js';

/**
 * The paper's whole task-A schedule, end to end, once: 9,200 synthetic
 * records, 100 pre-training epochs, k-means with 20 restarts on the codes,
 * fine-tuning to convergence or 5,000 iterations (CPU backend). Too long to
 * repeat under tinybench; one wall-clock run, stage by stage. Making the
 * data is timed apart: it is not part of the method.
 */
export async function pipelineRun(): Promise<void> {
  const made = performance.now();
  const data = syntheticTaskA({ n: 9200, seed: 0 });
  const dataSeconds = (performance.now() - made) / 1000;
  const result = await cluster.runExperiment({ description: model.networkA(), inputs: data.inputs, labels: data.labels, seed: 0 });
  console.log(`\nthe paper's task A schedule, end to end (CPU backend, ${cpu.threads} threads; data made in ${dataSeconds.toFixed(1)} s before)`);
  console.table(
    result.stages.map((s) => ({
      stage: s.stage,
      seconds: Number(s.seconds.toFixed(1)),
      ...(s.scores && { ACC: Number(s.scores.acc.toFixed(4)) }),
    })),
  );
  console.log(
    `total ${result.seconds.toFixed(1)} s: ${result.pretrain.epochs} pre-training epochs, ` +
      `${result.fineTune.iterations} fine-tuning iterations (${result.fineTune.stopReason})`,
  );
  result.model.dispose();
  result.clustering.dispose();
}
