/** What a run gets where its caller leaves the choice to the data. */
import type { FineTuneKeepRule } from '../cluster/experiment.js';
import type { JsonObject } from '../cluster/training.js';
import type { ModelDescription } from '../model/description.js';
import { networkA, networkAWide, networkB, networkBWide } from '../model/networks.js';
import type { MethodSettings } from './settings.js';

/** t-SNE's perplexity of 30 needs more points than that. */
export const TSNE_MIN_POINTS = 31;

/** What a run gets where the command line leaves the choice to how its data were prepared. */
export interface MethodDefaults {
  readonly epochs: number;
  readonly targetBalance: number;
  readonly restarts: number;
  readonly keepFineTuning: FineTuneKeepRule;
}

/**
 * Sets prepared with the paper's preset, the synthetic ones included, get
 * the paper's 100 pre-training epochs and DEC's target balance of 1, so the
 * paper's reproduction is the paper's. Others get a target balance of 0.5
 * (real archives rarely hold their classes in equal shares; DEC's 1 pulled
 * teleseismic records into a local cluster of 3-10 % of the records), and
 * task A sets 300 epochs (an archive of a few hundred records is a few
 * batches an epoch, and 100 epochs left the codes short of the spectrograms
 * themselves); task B keeps 100, which did better on the polarity sets.
 * Both run the whole method 5 times from derived seeds and keep the run
 * whose clusters have the highest silhouette on the inputs (selection.ts):
 * on new archives one pre-training in four or so split the records by
 * something other than their class, and the inputs tell those runs apart;
 * and in each run fine-tuning's end is kept only when its clusters' silhouette
 * on the inputs is not below that of the clusters it started from (DEC can
 * drift from a good start to a worse split).
 * Each choice by the worst of many compositions of real and stress data:
 * README, "Defaults and how they were chosen".
 */
export function methodDefaults(preprocessing: JsonObject, task: 'A' | 'B'): MethodDefaults {
  if (preprocessing.preset === 'paper') return { epochs: 100, targetBalance: 1, restarts: 1, keepFineTuning: 'always' };
  return { epochs: task === 'A' ? 300 : 100, targetBalance: 0.5, restarts: 5, keepFineTuning: 'silhouette' };
}

/**
 * The autoencoder a run trains when the user names none: the paper's
 * networks for sets prepared with its preset (the synthetic ones included),
 * and for other sets the same networks with a wider code. Network A with
 * 16-8-2 filters (a 24-number code) came within 0.6 points of k-means on the
 * spectrograms on new archives, where the paper's width stayed up to 1.3
 * points below it, and raised the worst of the development compositions
 * (README, "A wider network A"); network B with 8-4-2-2 (a 4-number code)
 * raised the mean over the polarity compositions with estimated picks from
 * below k-means on the P windows to above it, the worst unchanged (README,
 * "A wider network B").
 */
export function defaultNetwork(preprocessing: JsonObject, task: 'A' | 'B'): ModelDescription {
  const paper = preprocessing.preset === 'paper';
  if (task === 'B') return paper ? networkB() : networkBWide();
  return paper ? networkA() : networkAWide();
}

/** `settings` with the choices it leaves to the data (null epochs, target balance, restarts, fine-tuning kept) made by `methodDefaults`. */
export function withMethodDefaults<S extends MethodSettings>(
  settings: S,
  data: { readonly preprocessing: JsonObject; readonly task: 'A' | 'B' },
): S & { readonly epochs: number; readonly targetBalance: number; readonly restarts: number; readonly keepFineTuning: FineTuneKeepRule } {
  const defaults = methodDefaults(data.preprocessing, data.task);
  return {
    ...settings,
    epochs: settings.epochs ?? defaults.epochs,
    targetBalance: settings.targetBalance ?? defaults.targetBalance,
    restarts: settings.restarts ?? defaults.restarts,
    keepFineTuning: settings.keepFineTuning ?? defaults.keepFineTuning,
  };
}
