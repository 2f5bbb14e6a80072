/** What choosing k takes (the method's settings and a range of k) and gives (scores, recommendation, label scores): `select-k` and `train --k auto`. */
import type { KRecommendation, KScore } from '../cluster/select-k.js';
import type { ModelDescription } from '../model/description.js';
import type { ResultRow } from '../report/html.js';
import type { Backend } from '../tensor/backend.js';
import type { MethodSettings } from './settings.js';

/** The k to try: from `from` to `to`, both included. */
export interface KRange {
  readonly from: number;
  readonly to: number;
}

/** The range `select-k` and `train --k auto` try by default. */
export const DEFAULT_K_RANGE: KRange = Object.freeze({ from: 2, to: 8 });

/** What choosing k needs besides the data: the method's settings (k, restarts and the t-SNE settings are not used) and where it runs. */
export interface KChoiceSettings extends MethodSettings {
  readonly description: ModelDescription;
  readonly backend: Backend;
  readonly ks: KRange;
  /** Also fine-tune for each k, and score the codes it ends with. */
  readonly fineTune: boolean;
}

/** The scores of every k, the recommendation, and each k's clusters scored against the labels (the reader's, never the rule's). */
export interface KChoice extends KRecommendation {
  readonly scores: readonly KScore[];
  /** ACC, NMI and ARI of each k's clusters, one row per k; scores null where the set has no labels. */
  readonly labelRows: readonly ResultRow[];
  /** Pre-training epochs the codes had (the data's default where none was given). */
  readonly epochs: number;
  /** Whether each k was fine-tuned before it was scored. */
  readonly fineTune: boolean;
}
