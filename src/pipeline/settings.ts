/** What a run of the method is told: the method's settings, and where it runs and writes. */
import type { FineTuneKeepRule } from '../cluster/experiment.js';
import type { LossForm } from '../cluster/loss.js';
import type { RestartRule } from '../cluster/selection.js';
import type { ModelDescription } from '../model/description.js';
import type { Backend } from '../tensor/backend.js';

/** The method's settings (the training options of train, demo and reproduce). */
export interface MethodSettings {
  readonly seed: number;
  readonly k: number;
  /** Pre-training epochs; null: `methodDefaults` of the data. */
  readonly epochs: number | null;
  readonly batchSize: number;
  readonly fineTuneBatchSize: number;
  readonly maxIter: number;
  readonly updateInterval: number;
  readonly tol: number;
  readonly nInit: number;
  /** Whole training runs from derived seeds, one kept by `restartChoice` (src/cluster/selection.ts); null: `methodDefaults` of the data. */
  readonly restarts: number | null;
  /** How the kept restart is chosen: silhouette on the inputs, or consensus among the restarts. */
  readonly restartChoice: RestartRule;
  /** Whether fine-tuning's end is kept always, or only when its silhouette on the inputs is not below its start's (src/cluster/experiment.ts); null: `methodDefaults` of the data. */
  readonly keepFineTuning: FineTuneKeepRule | null;
  readonly loss: LossForm;
  /** Exponent of the cluster frequency in the target distribution; null: `methodDefaults` of the data. */
  readonly targetBalance: number | null;
  /** Fine-tuning takes shuffled batches instead of in-order ones. */
  readonly shuffleFineTune: boolean;
  /** Put the records in a seeded random order once before training (prepared sets are often sorted by class). */
  readonly permute: boolean;
  /** Records in each t-SNE map (a seeded random subset) and its iterations. */
  readonly tsnePoints: number;
  readonly tsneIterations: number;
}

/**
 * The method's defaults, the command line's too: the paper's notebook
 * (METHOD.md); epochs and target balance null, so they follow the data's
 * preparation (`methodDefaults`).
 */
export const DEFAULT_METHOD_SETTINGS: MethodSettings = Object.freeze({
  seed: 0,
  k: 2,
  epochs: null,
  batchSize: 128,
  fineTuneBatchSize: 256,
  maxIter: 5000,
  updateInterval: 150,
  tol: 0.001,
  nInit: 20,
  restarts: null,
  restartChoice: 'silhouette',
  keepFineTuning: null,
  loss: Object.freeze({ form: 'notebook', gamma: 0.1 }),
  targetBalance: null,
  shuffleFineTune: false,
  permute: true,
  tsnePoints: 2000,
  tsneIterations: 1000,
});

/** The quick demo (`demo --quick`, the page's `?demo=quick`): a sub-minute smoke run of the method, records per task and the settings it changes. */
export const QUICK_DEMO = Object.freeze({ records: 1000, epochs: 8, maxIter: 300, nInit: 5, tsnePoints: 300, tsneIterations: 300 });

/** One run of the method on one data set (`runPipeline`). */
export interface PipelineSettings extends MethodSettings {
  readonly description: ModelDescription;
  readonly backend: Backend;
  /** Where the checkpoint, the update log and the report go; null writes nothing. */
  readonly outDir: string | null;
  /** The command line (or what else asked for the run), for the report. */
  readonly command: string;
}

/** A backend and its description for messages and results ("cpu (float32, ...)"). */
export interface OpenedBackend {
  readonly backend: Backend;
  readonly description: string;
}

/**
 * The backend to run on, or a function that opens it when the run first
 * needs it: after the inputs are read and checked, so a bad input starts no
 * device (a WebGPU device takes a while to start).
 */
export type BackendSource = OpenedBackend | (() => Promise<OpenedBackend>);

export async function openBackend(source: BackendSource): Promise<OpenedBackend> {
  return typeof source === 'function' ? source() : source;
}
