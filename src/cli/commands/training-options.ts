import type { FineTuneKeepRule } from '../../cluster/experiment.js';
import type { LossForm } from '../../cluster/loss.js';
import { BUILT_IN_NETWORK_NAMES } from '../../model/networks.js';
import { TSNE_MIN_POINTS } from '../../pipeline/defaults.js';
import { DEFAULT_METHOD_SETTINGS as defaults, type MethodSettings } from '../../pipeline/settings.js';
import { num, str, type OptionSpec, type ParsedArgs } from '../args.js';

/** Synthetic set sizes: enough records for the report's maps, few enough to stay in memory (100,000 spectrograms take about 300 MB). */
export const SYNTHETIC_RECORDS = { min: TSNE_MIN_POINTS, max: 100_000 } as const;

/** The training options shared by train, demo and reproduce, with the notebook's defaults (METHOD.md); epochs and target balance follow the data's preparation (`methodDefaults`). */
export const trainingOptions: readonly OptionSpec[] = [
  {
    name: 'model',
    type: 'path',
    role: 'input-file',
    words: BUILT_IN_NETWORK_NAMES,
    help: "a model description (JSON file) or a built-in network: network-a (the paper's), network-a-wide (16-8-2 filters), network-b (the paper's), network-b-wide (8-4-2-2 filters) (default: the wide ones for sets not prepared with --preset paper, else the paper's; README)",
  },
  {
    name: 'epochs',
    type: 'int',
    min: 1,
    max: 10_000,
    help: "pre-training epochs (default: the paper's 100; 300 for task A sets not prepared with --preset paper; README. The paper's notebook ran 50)",
  },
  { name: 'batch', type: 'int', default: defaults.batchSize, min: 1, max: 65_536, help: 'pre-training batch size' },
  { name: 'k', type: 'int', default: defaults.k, min: 2, max: 256, help: 'clusters (at most the number of records)' },
  { name: 'n-init', type: 'int', default: defaults.nInit, min: 1, max: 1000, help: 'k-means restarts (best inertia wins)' },
  {
    name: 'restarts',
    type: 'int',
    min: 1,
    max: 100,
    help: 'whole training runs from seeds derived from --seed, one kept by --restart-choice (default 1 for sets prepared with --preset paper and the synthetic sets, else 5; README)',
  },
  {
    name: 'restart-choice',
    type: 'string',
    choices: ['silhouette', 'consensus'],
    default: defaults.restartChoice,
    help: 'which restart is kept, without labels: silhouette = the highest mean silhouette of its clusters on the network inputs; consensus = the one whose clusters agree most with the others (mean ARI)',
  },
  {
    name: 'keep-fine-tuning',
    type: 'string',
    choices: ['always', 'silhouette'],
    help: "always: the model at fine-tuning's end (the paper); silhouette: go back to fine-tuning's start (k-means on the pre-trained codes) when its clusters have the higher mean silhouette on the network inputs (default always for sets prepared with --preset paper and the synthetic sets, else silhouette; README)",
  },
  { name: 'ft-batch', type: 'int', default: defaults.fineTuneBatchSize, min: 1, max: 65_536, help: 'fine-tuning batch size' },
  { name: 'max-iter', type: 'int', default: defaults.maxIter, min: 1, max: 1_000_000, help: 'fine-tuning iterations at most' },
  { name: 'update-interval', type: 'int', default: defaults.updateInterval, min: 1, max: 1_000_000, help: 'iterations between target-distribution updates' },
  { name: 'tol', type: 'number', default: defaults.tol, min: 0, max: 1, help: 'stop when fewer records than this fraction change cluster between updates' },
  {
    name: 'target-balance',
    type: 'number',
    min: 0,
    max: 1,
    help: "exponent of the cluster frequency that divides the fine-tuning target: 1 (DEC's, the paper's) evens clusters out, 0 only sharpens (default 1 for sets prepared with --preset paper and the synthetic sets, else 0.5; README)",
  },
  {
    name: 'loss',
    type: 'string',
    choices: ['notebook', 'paper'],
    default: defaults.loss.form,
    help: 'notebook: gamma KL + MSE; paper: (1 - lambda) MSE + lambda KL',
  },
  { name: 'gamma', type: 'number', default: 0.1, min: 0, max: 1000, help: 'KL weight of the notebook form' },
  { name: 'lambda', type: 'number', default: 0.1, min: 0, max: 1, help: 'KL weight of the paper form' },
  { name: 'shuffle', type: 'boolean', help: 'fine-tune on shuffled batches (default: in order with wrap-around, as the notebook)' },
  {
    name: 'keep-order',
    type: 'boolean',
    help: 'train on the records in the order given (default: one seeded random permutation first, since prepared sets are often sorted by class)',
  },
  {
    name: 'tsne-points',
    type: 'int',
    default: defaults.tsnePoints,
    min: TSNE_MIN_POINTS,
    max: 20_000,
    help: 'records in each t-SNE map of the report (a seeded subset)',
  },
  { name: 'tsne-iterations', type: 'int', default: defaults.tsneIterations, min: 1, max: 10_000, help: 't-SNE iterations per map' },
];

function keepRule(given: string | undefined): FineTuneKeepRule | null {
  return given === 'always' || given === 'silhouette' ? given : null;
}

/** The method's settings from the parsed options. */
export function settingsFrom(args: ParsedArgs): MethodSettings {
  const loss: LossForm = str(args, 'loss') === 'paper' ? { form: 'paper', lambda: num(args, 'lambda')! } : { form: 'notebook', gamma: num(args, 'gamma')! };
  return {
    seed: num(args, 'seed')!,
    // train's `--k auto` and select-k's range of k leave the count to select-k, which replaces this default.
    k: num(args, 'k') ?? defaults.k,
    epochs: num(args, 'epochs') ?? null,
    batchSize: num(args, 'batch')!,
    fineTuneBatchSize: num(args, 'ft-batch')!,
    maxIter: num(args, 'max-iter')!,
    updateInterval: num(args, 'update-interval')!,
    tol: num(args, 'tol')!,
    targetBalance: num(args, 'target-balance') ?? null,
    nInit: num(args, 'n-init')!,
    restarts: num(args, 'restarts') ?? null,
    restartChoice: str(args, 'restart-choice') === 'consensus' ? 'consensus' : 'silhouette',
    keepFineTuning: keepRule(str(args, 'keep-fine-tuning')),
    loss,
    shuffleFineTune: args.options.shuffle === true,
    permute: args.options['keep-order'] !== true,
    // Commands that write no report have no t-SNE options.
    tsnePoints: num(args, 'tsne-points') ?? defaults.tsnePoints,
    tsneIterations: num(args, 'tsne-iterations') ?? defaults.tsneIterations,
  };
}
