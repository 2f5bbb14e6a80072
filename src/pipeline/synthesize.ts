/** `synthesize`: the stress set written as an archive of SAC files and a manifest (src/data/stress-archive.ts). */
import { writeStressArchive, type StressArchiveOptions, type StressArchiveSummary } from '../data/stress-archive.js';
import { STRESS_DEFAULT_RECORDS } from '../data/stress.js';
import { Stages, type OnProgress } from './progress.js';

export interface SynthesizeOptions extends Omit<StressArchiveOptions, 'onProgress'> {
  readonly onProgress?: OnProgress;
}

export async function synthesize(options: SynthesizeOptions): Promise<StressArchiveSummary> {
  const { onProgress, ...archive } = options;
  const stages = new Stages(onProgress);
  stages.start('synthesizing', archive.records ?? STRESS_DEFAULT_RECORDS[archive.task], 'records');
  const summary = await writeStressArchive({ ...archive, onProgress: (done, total) => stages.advance(done, '', total) });
  stages.finish();
  return summary;
}
