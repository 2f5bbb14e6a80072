/**
 * The pipeline as a library: prepare → train → evaluate → report,
 * reproduce, predict. Each step takes its options as data, reports progress
 * through `onProgress` and returns its results as data; files go through
 * the installed host (src/host). The command line (src/cli) is one caller.
 */
export type { ProgressEvent, OnProgress } from './progress.js';
export { OptionError } from './errors.js';
export { DEFAULT_METHOD_SETTINGS, QUICK_DEMO, type MethodSettings, type PipelineSettings, type OpenedBackend, type BackendSource } from './settings.js';
export { selectRecords, type PipelineData } from './data.js';
export { syntheticData, preparedData } from './sources.js';
export { methodDefaults, TSNE_MIN_POINTS, type MethodDefaults } from './defaults.js';
export { paperClassText } from './paper.js';
export { evaluateRun, accuracyBySnr, type RunEvaluation, type SnrBinScore } from './evaluation.js';
export { summarise, type Spread } from './spread.js';
export { aggregateGrouping, type GroupingSummary } from './grouping.js';
export { modelFor } from './model.js';
export { runPipeline, type PipelineResult, type RunOptions } from './run.js';
export { buildRunFolder, foreignEntry } from './run-folder.js';
export { leaveOneGroupOut, type HeldOutGroup, type LeaveOutResult } from './leave-out.js';
export { prepare, type PrepareOptions } from './prepare.js';
export { synthesize, synthesizeContinuous, type SynthesizeOptions, type SynthesizeContinuousOptions } from './synthesize.js';
export { train, type TrainOptions, type TrainResult } from './train.js';
export { DEFAULT_K_RANGE, type KRange, type KChoice, type KChoiceSettings } from './k-choice.js';
export { selectK, chooseK, checkKRange, writeSelectKReport, type SelectKOptions, type SelectKResult } from './select-k.js';
export { demo, type DemoOptions, type DemoResult } from './demo.js';
export {
  reproduce,
  aggregateRows,
  type ReproduceOptions,
  type ReproduceResult,
  type SeedsSummary,
  type LeaveOutSummary,
  type SyntheticSource,
} from './reproduce.js';
export { predict, type PredictOptions, type PredictResult, type Seismograms } from './predict.js';
export { streamDetections, type StreamDetection, type StreamOptions, type StreamSource, type StreamSummary } from './stream.js';
export { DEFAULT_VIEW_SHIFTS, type ViewShifts } from './views.js';
export { evaluatePredictions, type EvaluateOptions, type EvaluateResult } from './evaluate.js';
export { qc, type QcOptions, type QcResult, type FlaggedRecord } from './qc.js';
