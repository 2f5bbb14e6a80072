/**
 * `synthesize`: synthetic data written as files a user's tools read — the
 * stress set as an archive of SAC files and a manifest
 * (src/data/stress-archive.ts), or a continuous day per station in miniSEED
 * with its events' truth (src/data/continuous.ts).
 */
import { writeContinuousDay, type ContinuousSummary, type ContinuousWriteOptions } from '../data/continuous.js';
import { writeStressArchive, type StressArchiveOptions, type StressArchiveSummary } from '../data/stress-archive.js';
import { STRESS_DEFAULT_RECORDS } from '../data/stress.js';
import { Stages, type OnProgress } from './progress.js';

export interface SynthesizeOptions extends Omit<StressArchiveOptions, 'onProgress'> {
  readonly onProgress?: OnProgress;
}

export async function synthesize(options: SynthesizeOptions): Promise<StressArchiveSummary> {
  const { onProgress, ...archive } = options;
  return counted(onProgress, archive.records ?? STRESS_DEFAULT_RECORDS[archive.task], 'records', (advance) =>
    writeStressArchive({ ...archive, onProgress: advance }),
  );
}

export interface SynthesizeContinuousOptions extends Omit<ContinuousWriteOptions, 'onProgress'> {
  readonly onProgress?: OnProgress;
}

export async function synthesizeContinuous(options: SynthesizeContinuousOptions): Promise<ContinuousSummary> {
  const { onProgress, ...day } = options;
  return counted(onProgress, day.stations ?? 2, 'stations', (advance) => writeContinuousDay({ ...day, onProgress: advance }));
}

/** Runs a writer as the 'synthesizing' stage, its progress counted in `unit`. */
async function counted<T>(
  onProgress: OnProgress | undefined,
  total: number,
  unit: string,
  write: (advance: (done: number, total: number) => void) => Promise<T>,
): Promise<T> {
  const stages = new Stages(onProgress);
  stages.start('synthesizing', total, unit);
  const summary = await write((done, all) => stages.advance(done, '', all));
  stages.finish();
  return summary;
}
