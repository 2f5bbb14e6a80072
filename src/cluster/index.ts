/** Deep clustering: clustering layer, losses, pre-training, k-means, fine-tuning, metrics, checkpoints, prediction. */
export { ClusteringLayer, argmaxRows, softAssign, targetDistribution, type ClusteringLayerOptions } from './clustering.js';
export { combinedLoss, lossWeights, type LossForm, type LossWeights } from './loss.js';
export { pretrain, type PretrainOptions, type PretrainResult } from './pretrain.js';
export { fineTune, type FineTuneOptions, type FineTuneResult, type LossParts, type UpdateRecord } from './finetune.js';
export { encodeRecords, predict, type PredictOptions, type Prediction } from './predict.js';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  captureCheckpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  restoreModel,
  saveCheckpoint,
  type Checkpoint,
  type CheckpointTarget,
  type FineTuneProgress,
  type PretrainProgress,
} from './checkpoint.js';
export {
  NonFiniteLossError,
  adamState,
  batchRange,
  restoreAdam,
  shuffledOrder,
  type AdamState,
  type BatchRange,
  type JsonObject,
  type JsonValue,
  type LastGoodState,
  type NonFinitePart,
  type ProgressCallback,
  type TrainingProgress,
  type TrainingStage,
} from './training.js';
export { runExperiment, scoreClusters, type ExperimentOptions, type ExperimentResult, type Scores, type StageName, type StageResult } from './experiment.js';
export * from './kmeans.js';
export * from './select-k.js';
export * from './metrics.js';
export {
  CODE_SILENCE_Z,
  DEFAULT_SUSPECT_RULE,
  assignmentConfidence,
  centroidDistances,
  centroidQ,
  findSuspects,
  fitLabelMap,
  neighbourIsolation,
  neighbourReach,
  suspectScore,
  type CodeVote,
  type LabelMapKind,
  type Suspect,
  type SuspectInputs,
  type SuspectReport,
  type SuspectRule,
  type WitnessReadOut,
} from './suspects.js';
export {
  compareReadOuts,
  jointVote,
  nearestNeighbours,
  neighbourVote,
  readOut,
  type NeighbourVote,
  type Neighbours,
  type ReadOutContrast,
  type Witness,
} from './neighbour-labels.js';
export { checkFlips, flipLabels, scoreFlags, type FlagScore, type FlipCheck, type FlippedLabels } from './label-noise.js';
