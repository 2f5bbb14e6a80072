/** Where a run's data come from: the embedded synthetic sets, or a prepared set. */
import { readDataset } from '../data/dataset.js';
import { PAPER_PREPARATION, preparationRecord } from '../data/preparation.js';
import { syntheticTaskA, syntheticTaskB, TASK_A_CLASSES, TASK_B_CLASSES } from '../data/synthetic.js';
import type { PipelineData } from './data.js';

/**
 * The embedded synthetic set of a task as pipeline data (task A with raw
 * waveforms for the raw baseline and map); `pickErrorSamples` changes task
 * B's pick error from its default. Its difficulty is calibrated to the
 * paper's preparation, so that is what it is made with (preset 'paper').
 */
export function syntheticData(task: 'A' | 'B', n: number, seed: number, pickErrorSamples?: number): PipelineData {
  const set =
    task === 'A' ? syntheticTaskA({ n, seed, waveforms: true }) : syntheticTaskB({ n, seed, ...(pickErrorSamples !== undefined && { pickErrorSamples }) });
  const generator = `syntheticTask${task}({ n: ${n}, seed: ${seed}${pickErrorSamples !== undefined ? `, pickErrorSamples: ${pickErrorSamples}` : ''} })`;
  const waveforms = task === 'A' ? (set as ReturnType<typeof syntheticTaskA>).waveforms : undefined;
  const classes = task === 'A' ? TASK_A_CLASSES : TASK_B_CLASSES;
  const preparation = preparationRecord(PAPER_PREPARATION, task);
  return {
    task,
    name: `synthetic task ${task} (${task === 'A' ? 'local vs teleseismic' : 'first-motion polarity'})`,
    inputs: set.inputs,
    inputShape: set.inputShape,
    labels: set.labels,
    classNames: [...classes],
    snr: set.snr,
    ...(waveforms && { raw: { values: waveforms, length: waveforms.length / n } }),
    provenance: {
      sources: [{ path: generator, records: n, note: 'generated; labels kept apart and used for evaluation only' }],
      countsPerLabel: Object.fromEntries(classes.map((c, i) => [c, set.labels.filter((l) => l === i).length])),
      preprocessing: [
        'preset: "paper" (the paper\'s preparation, which the synthetic sets are calibrated to)',
        ...Object.entries(preparation).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
      ],
    },
    preprocessing: {
      synthetic: true,
      seed,
      ...(pickErrorSamples !== undefined && { pickErrorSamples }),
      preset: 'paper',
      ...(JSON.parse(JSON.stringify(preparation)) as Record<string, never>),
    },
  };
}

/** A prepared data set (`seiscluster prepare`) as pipeline data; its labels, if any, serve evaluation only. */
export async function preparedData(path: string): Promise<PipelineData> {
  const set = await readDataset(path);
  const h = set.header;
  const counts: Record<string, number> = {};
  if (set.labels && h.labelNames) for (const l of set.labels) if (l >= 0) counts[h.labelNames[l]!] = (counts[h.labelNames[l]!] ?? 0) + 1;
  return {
    task: h.task,
    name: path,
    inputs: set.inputs,
    inputShape: h.inputShape,
    ...(set.labels && { labels: set.labels }),
    ...(h.labelNames && { classNames: h.labelNames }),
    ...(h.snr && { snr: h.snr }),
    ...(h.groups && { groups: h.groups }),
    provenance: {
      sources: [
        {
          path,
          records: h.rows,
          note: `task ${h.task}, ${h.inputShape.join(' x ')} per record, window ${h.window.length} samples from ${h.window.startFromP} relative to P at ${h.samplingRate} Hz`,
        },
      ],
      countsPerLabel: counts,
      preprocessing: Object.entries(h.preprocessing).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
    },
    preprocessing: h.preprocessing,
  };
}
