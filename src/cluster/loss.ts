import { add, mul } from '../kernels/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * How the clustering loss KL(P||Q) and the reconstruction loss (MSE) are
 * combined during fine-tuning (METHOD.md):
 * - notebook (default): gamma KL + MSE, gamma = 0.1 (the demo's loss_weights [0.1, 1]);
 * - paper: (1 - lambda) MSE + lambda KL, lambda = 0.1.
 */
export type LossForm = { readonly form: 'notebook'; readonly gamma?: number } | { readonly form: 'paper'; readonly lambda?: number };

export interface LossWeights {
  readonly kl: number;
  readonly reconstruction: number;
}

export function lossWeights(loss: LossForm = { form: 'notebook' }): LossWeights {
  if (loss.form === 'notebook') {
    const gamma = loss.gamma ?? 0.1;
    if (!(gamma >= 0 && Number.isFinite(gamma))) throw new Error(`loss: gamma must be a finite number >= 0, got ${gamma}`);
    return { kl: gamma, reconstruction: 1 };
  }
  const lambda = loss.lambda ?? 0.1;
  if (!(lambda >= 0 && lambda <= 1)) throw new Error(`loss: lambda must lie in [0, 1], got ${lambda}`);
  return { kl: lambda, reconstruction: 1 - lambda };
}

/** weights.kl * kl + weights.reconstruction * reconstruction (both scalars). */
export function combinedLoss(kl: Tensor, reconstruction: Tensor, weights: LossWeights): Tensor {
  return add(mul(kl, weights.kl), mul(reconstruction, weights.reconstruction));
}
