/**
 * What the page and its engine worker say to each other. The worker owns the
 * engine and its files; the page keeps what must survive a cancel (the
 * prepared set's bytes), since cancelling ends the worker.
 */
import type { ProgressEvent } from '../../pipeline/progress.js';
import type { ResultRow } from '../../report/html.js';

export type Task = 'A' | 'B';

/** How the autoencoders run: WebGPU, compiled WebAssembly SIMD on Web Workers, or op by op in TypeScript. */
export type PathChoice = 'auto' | 'webgpu' | 'wasm' | 'ops';

/** The records to train on: a synthetic set made in the worker, or a prepared set (`.scds` bytes). */
export type DataSource =
  | { readonly kind: 'synthetic'; readonly task: Task; readonly records: number; readonly seed: number }
  | {
      readonly kind: 'prepared';
      readonly name: string;
      readonly bytes: Uint8Array;
      /** The seismograms it was prepared from, so a checkpoint can prepare them as its own training data were. */
      readonly files?: readonly InputFile[];
    };

/** The method's settings the page lets a user change (the rest are the library's defaults). */
export interface PageSettings {
  readonly seed: number;
  readonly epochs: number | null;
  readonly maxIter: number;
  readonly nInit: number;
  readonly tsnePoints: number;
  readonly tsneIterations: number;
}

/** A file picked or dropped, with its path relative to what was dropped (a manifest names its files so). */
export interface InputFile {
  readonly path: string;
  readonly file: Blob;
}

export type Request =
  | { readonly type: 'prepare'; readonly task: Task; readonly files: readonly InputFile[]; readonly samplingRate: number | null }
  | { readonly type: 'train'; readonly source: DataSource; readonly path: PathChoice; readonly settings: PageSettings }
  | { readonly type: 'classify'; readonly checkpoint: Uint8Array; readonly source: DataSource };

/** A file the page offers for download. */
export interface OutputFile {
  readonly name: string;
  readonly type: string;
  readonly bytes: Uint8Array;
}

/** A record that could not be prepared, and why. */
export interface Skipped {
  readonly id: string;
  readonly reason: string;
}

/** A few of the records each cluster holds most confidently, for drawing. */
export interface TypicalRecords {
  readonly cluster: number;
  readonly size: number;
  /** Records' inputs, `inputShape` each, one after the other. */
  readonly inputs: Float32Array;
}

/** A t-SNE map of the final codes: 2-D points with each record's cluster and, when the set has them, its label. */
export interface CodesMap {
  readonly points: Float64Array;
  readonly clusters: Int32Array;
  readonly labels: Int32Array | null;
  readonly classNames: readonly string[];
}

export interface PreparedSummary {
  readonly name: string;
  readonly task: Task;
  readonly records: number;
  readonly labelCounts: Readonly<Record<string, number>>;
  readonly skipped: readonly Skipped[];
}

export interface TrainedResult {
  readonly rows: readonly ResultRow[];
  /** Fine-tuning accuracy, when the set has labels. */
  readonly acc: number | null;
  readonly clusters: Int32Array;
  readonly inputShape: readonly number[];
  readonly typical: readonly TypicalRecords[];
  readonly map: CodesMap;
  /** Warnings of the grouping check (clusters that follow an event or network). */
  readonly warnings: readonly string[];
  /** The run's report as one self-contained HTML document. */
  readonly reportHtml: string;
  readonly files: readonly OutputFile[];
  readonly seconds: number;
}

export type Reply =
  | { readonly type: 'ready'; readonly paths: Readonly<Record<Exclude<PathChoice, 'auto'>, string | null>> }
  | { readonly type: 'progress'; readonly event: ProgressEvent }
  | { readonly type: 'prepared'; readonly summary: PreparedSummary; readonly dataset: OutputFile }
  | { readonly type: 'backend'; readonly description: string }
  | { readonly type: 'trained'; readonly result: TrainedResult }
  | { readonly type: 'classified'; readonly records: number; readonly clusters: Int32Array; readonly file: OutputFile }
  | { readonly type: 'error'; readonly message: string; readonly skipped?: readonly Skipped[] };
