/**
 * The data layer for any host: seismogram readers, the preparation of the
 * networks' inputs, the prepared data-set format and the synthetic sets.
 * Files are reached through the installed host (`host().files`, and
 * `host().hdf5` for HDF5); the formats themselves are also bytes in, bytes
 * out (`decodeSac`, `encodeDataset`, ...).
 */
export { DataError, assertFiniteSamples } from '../common/errors.js';
export {
  DatasetWriter,
  decodeDataset,
  encodeDataset,
  iterateDataset,
  readDataset,
  readDatasetHeader,
  type Dataset,
  type DatasetChunk,
  type DatasetHeader,
  type DatasetMeta,
  type DatasetRow,
  type DatasetWindow,
  type JsonValue,
  type Task,
} from './dataset.js';
export { MAX_INPUT_BYTES, decodedBytesBound, readFileBlocks, readRegularFile, readRegularText, regularFileSize, type FollowOptions } from './files.js';
export { GROUP_COLUMNS, manifestGroupColumns, manifestGroups } from './groups.js';
export {
  DEFAULT_PREPARATION,
  PAPER_PREPARATION,
  PRESETS,
  PRESET_NAMES,
  checkPreparation,
  inputWindow,
  preparationRecord,
  recordedPreparation,
  resolvePreparation,
  type Preparation,
  type PreparationOverrides,
  type PresetName,
} from './preparation.js';
export {
  prepareDataset,
  prepareSynthetic,
  type PickPolicy,
  type PickSourceCounts,
  type PrepareGap,
  type PrepareOptions,
  type PrepareSummary,
  type PrepareSyntheticOptions,
  type SkippedRecord,
  type SkipReason,
} from './prepare.js';
export * from './readers/index.js';
export { readSampleBlocks, type SampleBlock } from './readers/continuous.js';
export { PICKER_PIECE_SAMPLES, STREAM_PICKER_DEFAULTS, StreamPicker, lowestPickableRate, pickOnsets, type StreamPickerParams } from './stream-picker.js';
export {
  type ChannelListeners,
  ChannelStream,
  DEFAULT_RECORD_SPAN,
  type FilledGap,
  type RecordSpan,
  type StreamBreak,
  type StreamWindow,
} from './stream-channel.js';
export { scoreDetections, type DetectionScore, type TimedPick } from './detection-score.js';
export {
  CONTINUOUS_EVENT_COLUMNS,
  continuousDay,
  writeContinuousDay,
  type ContinuousDay,
  type ContinuousEvent,
  type ContinuousOptions,
  type ContinuousStation,
  type ContinuousSummary,
  type ContinuousWriteOptions,
} from './continuous.js';
export * from './signal/filters.js';
export * from './signal/picker.js';
export * from './signal/preprocess.js';
export * from './signal/resample.js';
export * from './signal/snr.js';
export * from './signal/spectrogram.js';
export { STRESS_DEFAULT_RECORDS, stressSet, type StressEvent, type StressOptions, type StressRecord, type StressSet, type StressTask } from './stress.js';
export { MANIFEST_COLUMNS, writeStressArchive, type StressArchiveOptions, type StressArchiveSummary } from './stress-archive.js';
export {
  TASK_A_CLASSES,
  TASK_B_CLASSES,
  syntheticTaskA,
  syntheticTaskB,
  type SyntheticSet,
  type SyntheticTaskAOptions,
  type SyntheticTaskASet,
  type SyntheticTaskBOptions,
} from './synthetic.js';
