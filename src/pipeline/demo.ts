/** `demo`: both synthetic experiments end to end, into one run folder (task-a/, task-b/). */
import { join } from '../common/path.js';
import { networkA, networkB } from '../model/networks.js';
import type { OnProgress } from './progress.js';
import { runPipeline, type PipelineResult } from './run.js';
import { buildRunFolder } from './run-folder.js';
import { openBackend, type BackendSource, type MethodSettings } from './settings.js';
import { syntheticData } from './sources.js';

export interface DemoOptions {
  /** The run folder for both tasks, replaced whole when both are done. */
  readonly out: string;
  /** Synthetic records of each task. */
  readonly records: { readonly A: number; readonly B: number };
  /** Seeds the synthetic sets and the training. */
  readonly settings: MethodSettings;
  readonly backend: BackendSource;
  readonly command: string;
  readonly onProgress?: OnProgress;
}

export interface DemoResult {
  readonly backend: string;
  /** Task A's run, then task B's; their files at their final paths. */
  readonly tasks: readonly { readonly task: 'A' | 'B'; readonly result: PipelineResult }[];
}

export async function demo(options: DemoOptions): Promise<DemoResult> {
  const { backend, description: where } = await openBackend(options.backend);
  const seed = options.settings.seed;
  // Both tasks' runs go into one folder, put in place when both are done.
  const tasks = await buildRunFolder(options.out, async (staging, finalPath) => {
    const done: { task: 'A' | 'B'; result: PipelineResult }[] = [];
    for (const task of ['A', 'B'] as const) {
      const n = options.records[task];
      options.onProgress?.({
        kind: 'message',
        text: `task ${task}: making ${n} synthetic records (seed ${seed}; the paper's preparation, preset paper, which they are calibrated to)`,
      });
      const data = syntheticData(task, n, seed);
      const settings = {
        ...options.settings,
        description: task === 'A' ? networkA() : networkB(),
        backend,
        outDir: join(staging, `task-${task.toLowerCase()}`),
        command: options.command,
      };
      const result = await runPipeline(data, settings, { onProgress: options.onProgress });
      done.push({ task, result: { ...result, files: result.files.map(finalPath) } });
    }
    return done;
  });
  return { backend: where, tasks };
}
