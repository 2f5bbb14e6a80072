/** `prepare`: seismograms, or the embedded synthetic set, to a prepared data set (src/data/prepare.ts). */
import { prepareDataset, prepareSynthetic, type PrepareOptions as FilesOptions, type PrepareSummary, type PrepareSyntheticOptions } from '../data/prepare.js';
import { Stages, type OnProgress } from './progress.js';

export type PrepareOptions = ({ readonly synthetic: PrepareSyntheticOptions } | { readonly files: Omit<FilesOptions, 'onProgress'> }) & {
  readonly onProgress?: OnProgress;
};

export async function prepare(options: PrepareOptions): Promise<PrepareSummary> {
  if ('synthetic' in options) return prepareSynthetic(options.synthetic);
  const stages = new Stages(options.onProgress);
  stages.start('preparing', 0, 'records');
  const summary = await prepareDataset({ ...options.files, onProgress: (done, total) => stages.advance(done, '', total) });
  stages.finish();
  return summary;
}
