/**
 * `predict`: clusters, soft assignments and codes of a prepared set, or of
 * seismograms prepared as the checkpoint's training data were, from a
 * trained checkpoint, streamed in chunks to a CSV or JSON file.
 */
import { readCheckpoint, restoreModel, type Checkpoint } from '../cluster/checkpoint.js';
import type { ClusteringLayer } from '../cluster/clustering.js';
import { predict as predictRecords } from '../cluster/predict.js';
import { DataError } from '../common/errors.js';
import { join } from '../common/path.js';
import { iterateDataset, readDatasetHeader, type DatasetHeader } from '../data/dataset.js';
import { prepareDataset } from '../data/prepare.js';
import { recordedPreparation } from '../data/preparation.js';
import { csvField } from '../data/readers/manifest.js';
import { host } from '../host/host.js';
import type { Autoencoder } from '../model/autoencoder.js';
import type { Backend } from '../tensor/backend.js';
import { Stages, type OnProgress } from './progress.js';
import { openBackend, type BackendSource } from './settings.js';

/** Seismogram files, folders or a manifest, to be prepared as the checkpoint's training data were. */
export interface Seismograms {
  readonly seismograms: readonly string[];
  /** Sampling rate (Hz) of files that carry none (npy, npz, some HDF5). */
  readonly samplingRate?: number;
}

export interface PredictOptions {
  /** A checkpoint written after fine-tuning. */
  readonly checkpoint: string;
  /** A prepared data set (its path), or seismograms. */
  readonly data: string | Seismograms;
  readonly out: string;
  readonly format: 'csv' | 'json';
  /** Records read, predicted and written at a time (bounds memory). */
  readonly chunk: number;
  readonly backend: BackendSource;
  readonly onProgress?: OnProgress;
}

export interface PredictResult {
  /** Records predicted. */
  readonly records: number;
  readonly out: string;
}

export async function predict(options: PredictOptions): Promise<PredictResult> {
  const files = host().files;
  const checkpoint = await readCheckpoint(options.checkpoint);
  const stages = new Stages(options.onProgress);
  if (typeof options.data === 'string') return predictSet(options, checkpoint, options.data, stages);
  // Seismograms are prepared into a staging folder beside the output, removed at the end or, after a kill, by the next run.
  const scratch = await files.stagingFolder(options.out);
  try {
    const dataPath = await prepareLikeTraining(options.data, checkpoint, options.checkpoint, join(scratch, 'inputs.scds'), stages);
    return await predictSet(options, checkpoint, dataPath, stages);
  } finally {
    await files.remove(scratch);
  }
}

/**
 * Seismograms to a prepared set the way the checkpoint's training data were
 * made: the task from the network's input (2-D: A, 1-D: B) and the
 * preprocessing, spectrogram and P window the checkpoint recorded (the
 * paper's where it recorded none: it was made before they were options).
 */
async function prepareLikeTraining(given: Seismograms, checkpoint: Checkpoint, checkpointPath: string, path: string, stages: Stages): Promise<string> {
  const task = checkpoint.description.input.length === 3 ? 'A' : 'B';
  const { preprocess, spectrogram, pWindow } = recordedPreparation(checkpoint.preprocessing, checkpointPath);
  stages.start('preparing', 0, 'records');
  const summary = await prepareDataset({
    task,
    inputs: [...given.seismograms],
    out: path,
    preset: 'paper',
    preprocess,
    spectrogram,
    pWindow,
    ...(given.samplingRate !== undefined && { samplingRate: given.samplingRate }),
    onProgress: (done, total) => stages.advance(done, '', total),
  });
  stages.finish();
  if (summary.skipped.length > 0)
    stages.message(`skipped ${summary.skipped.length} records that could not be prepared (e.g. ${summary.skipped[0]!.id}: ${summary.skipped[0]!.detail})`);
  return path;
}

/**
 * The checkpoint's model and clustering layer on `backend`, checked against
 * the records of the data set `dataPath` (whose header is `header`): a
 * checkpoint without a clustering layer, or records of another size, are
 * errors naming the file.
 */
export function restoreClustering(
  checkpoint: Checkpoint,
  checkpointPath: string,
  header: DatasetHeader,
  dataPath: string,
  backend: Backend,
): { model: Autoencoder; clustering: ClusteringLayer } {
  const { model, clustering } = restoreModel(checkpoint, { backend });
  try {
    if (clustering === null) throw new DataError(checkpointPath, 'clustering', 'none', 'the checkpoint has no clustering layer: fine-tune before predicting');
    // Records are compared by size: the model's input is channel-first ([1, 16, 48]), a data set's row is [16, 48].
    if (header.inputShape.reduce((a, b) => a * b, 1) !== model.recordSize)
      throw new DataError(dataPath, 'inputShape', header.inputShape.join('x'), `the checkpoint's model expects ${model.inputShape.join('x')}`);
    return { model, clustering };
  } catch (err) {
    model.dispose();
    clustering?.dispose();
    throw err;
  }
}

async function predictSet(options: PredictOptions, checkpoint: Checkpoint, dataPath: string, stages: Stages): Promise<PredictResult> {
  const { out, format } = options;
  const header = await readDatasetHeader(dataPath);
  const { backend } = await openBackend(options.backend);
  const { model, clustering } = restoreClustering(checkpoint, options.checkpoint, header, dataPath, backend);
  try {
    // Written under a temporary name and put in place at the end: a failed run leaves no half file.
    const file = await host().files.create(out);
    const encoder = new TextEncoder();
    const write = (text: string): Promise<void> => file.write(encoder.encode(text));
    stages.start('predicting', header.rows, 'records');
    try {
      const d = model.codeSize;
      const k = clustering.k;
      if (format === 'csv') {
        const cols = ['source_id', 'cluster', ...Array.from({ length: k }, (_, j) => `q_${j}`), ...Array.from({ length: d }, (_, j) => `z_${j}`)];
        await write(`${cols.join(',')}\n`);
      } else {
        await write('[\n');
      }
      let first = true;
      for await (const part of iterateDataset(dataPath, options.chunk)) {
        const p = await predictRecords(model, clustering, part.inputs);
        const lines: string[] = [];
        for (let i = 0; i < p.n; i++) {
          const id = header.sourceIds[part.start + i]!;
          const q = Array.from(p.q.subarray(i * k, (i + 1) * k));
          const z = Array.from(p.codes.subarray(i * d, (i + 1) * d));
          if (format === 'csv') lines.push([csvField(id), p.clusters[i], ...q, ...z].join(','));
          else lines.push(`${first && i === 0 ? '' : ',\n'}${JSON.stringify({ source_id: id, cluster: p.clusters[i], q, z })}`);
        }
        first = false;
        await write(format === 'csv' ? `${lines.join('\n')}\n` : lines.join(''));
        stages.advance(part.start + part.rows);
      }
      if (format === 'json') await write('\n]\n');
      await file.commit();
    } catch (err) {
      await file.abort();
      throw err;
    }
    stages.finish();
    return { records: header.rows, out };
  } finally {
    model.dispose();
    clustering.dispose();
  }
}
