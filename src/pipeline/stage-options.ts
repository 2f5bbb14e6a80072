/** The method's settings as the options of its pre-training and fine-tuning stages, progress reported as each stage advances. */
import type { FineTuneOptions } from '../cluster/finetune.js';
import type { PretrainOptions } from '../cluster/pretrain.js';
import type { Stages } from './progress.js';
import type { MethodSettings } from './settings.js';

export function pretrainOptions(s: MethodSettings & { readonly epochs: number }, stages: Stages): PretrainOptions {
  return {
    epochs: s.epochs,
    batchSize: s.batchSize,
    onProgress: (p) => stages.trained(p.epoch ?? 0, p.loss),
  };
}

export function fineTuneOptions(s: MethodSettings & { readonly targetBalance: number }, stages: Stages): FineTuneOptions {
  return {
    batchSize: s.fineTuneBatchSize,
    maxIter: s.maxIter,
    updateInterval: s.updateInterval,
    tol: s.tol,
    targetBalance: s.targetBalance,
    loss: s.loss,
    shuffle: s.shuffleFineTune,
    onProgress: (p) => stages.trained(p.iteration, p.loss),
  };
}
