import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor } from '../../node/atomic.js';
import { readCheckpoint, restoreModel, type Checkpoint } from '../../cluster/checkpoint.js';
import { predict as predictRecords } from '../../cluster/predict.js';
import { iterateDataset, readDatasetHeader } from '../../data/dataset.js';
import { DataError } from '../../common/errors.js';
import { prepareDataset } from '../../data/prepare.js';
import { recordedPreparation } from '../../data/preparation.js';
import { csvField } from '../../data/readers/manifest.js';
import { commonOptions, num, str, UsageError, type CommandSpec, type ParsedArgs } from '../args.js';
import { note, openBackend } from '../context.js';
import { Progress } from '../progress.js';
import { printable } from '../terminal.js';

export const predictSpec: CommandSpec = {
  name: 'predict',
  summary: 'clusters, soft assignments and codes of seismograms or a prepared data set from a trained checkpoint, streamed in chunks',
  usage: 'seiscluster predict --checkpoint <model.ckpt> --out <predictions.csv|.json> (--data <set.scds> | <seismogram files, folders or a manifest>...)',
  positionals: ['inputs...'],
  options: [
    { name: 'checkpoint', type: 'path', role: 'input-file', required: true, help: 'a checkpoint written by `seiscluster train` (after fine-tuning)' },
    {
      name: 'data',
      type: 'path',
      role: 'input-file',
      help: "a prepared data set (`seiscluster prepare`); or name seismograms instead, prepared as the checkpoint's training data were",
    },
    {
      name: 'sampling-rate',
      type: 'number',
      min: 0,
      aboveMin: true,
      max: 1_000_000,
      help: 'sampling rate (Hz) of seismogram files that carry none (npy, npz, some HDF5)',
    },
    { name: 'out', type: 'path', role: 'output-file', required: true, help: 'where to write the predictions' },
    { name: 'format', type: 'string', choices: ['csv', 'json'], help: 'output format (default: from the file extension, else csv)' },
    { name: 'chunk', type: 'int', default: 4096, min: 1, max: 1_000_000, help: 'records read, predicted and written at a time (bounds memory)' },
    ...commonOptions.filter((o) => o.name === 'backend' || o.name === 'threads'),
  ],
  examples: [
    'seiscluster predict --checkpoint out/model.ckpt --data data/new.scds --out out/predictions.csv',
    'seiscluster predict --checkpoint out/model.ckpt --data data/new.scds --out out/predictions.json --backend cpu',
    'seiscluster predict --checkpoint out/model.ckpt --out out/predictions.csv waveforms/*.sac',
  ],
};

export async function predict(args: ParsedArgs): Promise<void> {
  const checkpointPath = str(args, 'checkpoint')!;
  const given = str(args, 'data');
  if ((given === undefined) === (args.positionals.length === 0))
    throw new UsageError('give either --data <prepared set> or seismogram files / folders / a manifest, not both');
  const out = str(args, 'out')!;
  const format = str(args, 'format') ?? (out.toLowerCase().endsWith('.json') ? 'json' : 'csv');
  const chunk = num(args, 'chunk')!;
  const checkpoint = await readCheckpoint(checkpointPath);
  // Seismograms are prepared into a temporary folder beside the output, removed at the end or, after a kill, by the next run.
  const scratch = given === undefined ? tempPathFor(out) : null;
  if (scratch !== null) await mkdir(scratch);
  try {
    const dataPath = given ?? (await prepareLikeTraining(args, checkpoint, checkpointPath, join(scratch!, 'inputs.scds')));
    await predictSet(args, checkpoint, checkpointPath, dataPath, out, format, chunk);
  } finally {
    if (scratch !== null) await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Seismograms to a prepared set the way the checkpoint's training data were
 * made: the task from the network's input (2-D: A, 1-D: B) and the
 * preprocessing, spectrogram and P window the checkpoint recorded (the
 * paper's where it recorded none: it was made before they were options).
 */
async function prepareLikeTraining(args: ParsedArgs, checkpoint: Checkpoint, checkpointPath: string, path: string): Promise<string> {
  const task = checkpoint.description.input.length === 3 ? 'A' : 'B';
  const { preprocess, spectrogram, pWindow } = recordedPreparation(checkpoint.preprocessing, checkpointPath);
  const rate = num(args, 'sampling-rate');
  const progress = new Progress('preparing', 0, { unit: 'records' });
  const summary = await prepareDataset({
    task,
    inputs: [...args.positionals],
    out: path,
    preset: 'paper',
    preprocess,
    spectrogram,
    pWindow,
    ...(rate !== undefined && { samplingRate: rate }),
    onProgress: (done, total) => progress.update(done, '', total),
  });
  progress.finish();
  if (summary.skipped.length > 0)
    note(
      `skipped ${summary.skipped.length} records that could not be prepared (e.g. ${printable(summary.skipped[0]!.id)}: ${printable(summary.skipped[0]!.detail)})`,
    );
  return path;
}

async function predictSet(
  args: ParsedArgs,
  checkpoint: Checkpoint,
  checkpointPath: string,
  dataPath: string,
  out: string,
  format: string,
  chunk: number,
): Promise<void> {
  const header = await readDatasetHeader(dataPath);
  const { backend } = await openBackend(args);
  const { model, clustering } = restoreModel(checkpoint, { backend });
  if (clustering === null) throw new DataError(checkpointPath, 'clustering', 'none', 'the checkpoint has no clustering layer: fine-tune before predicting');
  // Records are compared by size: the model's input is channel-first ([1, 16, 48]), a data set's row is [16, 48].
  if (header.inputShape.reduce((a, b) => a * b, 1) !== model.recordSize)
    throw new DataError(dataPath, 'inputShape', header.inputShape.join('x'), `the checkpoint's model expects ${model.inputShape.join('x')}`);

  // Written beside the target and renamed at the end: a failed run leaves no half file.
  const tmp = tempPathFor(out);
  const file = await open(tmp, 'w');
  const progress = new Progress('predicting', header.rows, { unit: 'records' });
  try {
    const d = model.codeSize;
    const k = clustering.k;
    if (format === 'csv') {
      const cols = ['source_id', 'cluster', ...Array.from({ length: k }, (_, j) => `q_${j}`), ...Array.from({ length: d }, (_, j) => `z_${j}`)];
      await file.write(`${cols.join(',')}\n`);
    } else {
      await file.write('[\n');
    }
    let first = true;
    for await (const part of iterateDataset(dataPath, chunk)) {
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
      await file.write(format === 'csv' ? `${lines.join('\n')}\n` : lines.join(''));
      progress.update(part.start + part.rows);
    }
    if (format === 'json') await file.write('\n]\n');
    await file.close();
    await rename(tmp, out);
    progress.finish();
    note(`wrote ${header.rows} predictions to ${printable(out)}`);
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  } finally {
    model.dispose();
    clustering.dispose();
  }
}
