import { predict as pipelinePredict } from '../../pipeline/predict.js';
import { commonOptions, num, str, UsageError, type CommandSpec, type ParsedArgs } from '../args.js';
import { note, openBackend } from '../context.js';
import { renderProgress } from '../progress.js';
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
  const given = str(args, 'data');
  if ((given === undefined) === (args.positionals.length === 0))
    throw new UsageError('give either --data <prepared set> or seismogram files / folders / a manifest, not both');
  const out = str(args, 'out')!;
  const rate = num(args, 'sampling-rate');
  const result = await pipelinePredict({
    checkpoint: str(args, 'checkpoint')!,
    data: given ?? { seismograms: args.positionals, ...(rate !== undefined && { samplingRate: rate }) },
    out,
    format: (str(args, 'format') ?? (out.toLowerCase().endsWith('.json') ? 'json' : 'csv')) as 'csv' | 'json',
    chunk: num(args, 'chunk')!,
    backend: () => openBackend(args),
    onProgress: renderProgress(),
  });
  note(`wrote ${result.records} predictions to ${printable(result.out)}`);
}
