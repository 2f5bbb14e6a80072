/**
 * `reproduce`: the paper's comparison (k-means on raw series, on the
 * inputs, on pre-trained codes, deep clustering) plus a trivial-cue
 * baseline, as mean and spread over several seeds; or leave-one-group-out
 * over the groups of a prepared set.
 */
import { groupingWarnings } from '../cluster/grouping.js';
import { join } from '../common/path.js';
import { host } from '../host/host.js';
import type { Metric, ResultRow } from '../report/html.js';
import type { PipelineData } from './data.js';
import { OptionError } from './errors.js';
import { aggregateGrouping, type GroupingSummary } from './grouping.js';
import { leaveOneGroupOut, type LeaveOutResult } from './leave-out.js';
import { modelFor } from './model.js';
import type { OnProgress } from './progress.js';
import { runPipeline, type PipelineResult } from './run.js';
import { openBackend, type BackendSource, type MethodSettings } from './settings.js';
import { preparedData, syntheticData } from './sources.js';
import { summarise, type Spread } from './spread.js';

/** The embedded synthetic set of the task, with its size, seed and (task B) pick error. */
export interface SyntheticSource {
  readonly records: number;
  readonly seed: number;
  readonly pickErrorSamples?: number;
}

export interface ReproduceOptions {
  readonly task: 'A' | 'B';
  /** A prepared set with labels (its path), or the synthetic set. */
  readonly data: string | SyntheticSource;
  /** Training seeds: `settings.seed`, `settings.seed` + 1, ... */
  readonly seeds: number;
  /** Leave-one-group-out by this grouping column of a prepared set instead of the seeds' table. */
  readonly leaveOut?: string;
  /** Folder for reproduce.json. */
  readonly out?: string;
  /** A model description (JSON file); default the paper's network of the task. */
  readonly model?: string;
  readonly settings: MethodSettings;
  readonly backend: BackendSource;
  readonly command: string;
  readonly onProgress?: OnProgress;
}

/** Over the seeds: the table, accuracy per SNR bin and per class, the groupings; every seed's rows. */
export interface SeedsSummary {
  readonly task: 'A' | 'B';
  readonly data: string;
  readonly preset?: string;
  readonly backend: string;
  readonly seeds: number[];
  readonly rows: ResultRow[];
  readonly bySnr: { bin: string; records: number; acc: Spread }[] | undefined;
  readonly perClass: { class: string; records: number; precision: Spread; recall: Spread; f1: Spread }[] | undefined;
  readonly grouping?: GroupingSummary[];
  readonly warnings: string[];
  readonly runs: ResultRow[][];
}

export interface LeaveOutSummary extends LeaveOutResult {
  readonly task: 'A' | 'B';
  readonly data: string;
  readonly backend: string;
  readonly seeds: number[];
  readonly leaveOut: string;
}

export type ReproduceResult =
  | { readonly mode: 'seeds'; readonly summary: SeedsSummary; readonly file?: string }
  | { readonly mode: 'leave-out'; readonly summary: LeaveOutSummary; readonly file?: string };

async function loadData(task: 'A' | 'B', source: string | SyntheticSource): Promise<PipelineData> {
  if (typeof source !== 'string') return syntheticData(task, source.records, source.seed, source.pickErrorSamples);
  const data = await preparedData(source);
  if (data.task !== task) throw new OptionError(`${source} is a task ${data.task} set, not task ${task}`);
  if (!data.labels) throw new OptionError(`${source} has no labels to score against`);
  return data;
}

/** Mean and sample standard deviation of each stage's scores over the runs. */
export function aggregateRows(runs: readonly (readonly ResultRow[])[]): ResultRow[] {
  const first = runs[0] ?? [];
  return first.map((row, i) => {
    const pick = (m: 'acc' | 'nmi' | 'ari'): Metric => summarise(runs.map((r) => r[i]?.[m]));
    return { stage: row.stage, acc: pick('acc'), nmi: pick('nmi'), ari: pick('ari'), paperAcc: row.paperAcc ?? null };
  });
}

export async function reproduce(options: ReproduceOptions): Promise<ReproduceResult> {
  const { task, seeds, onProgress } = options;
  const data = await loadData(task, options.data);
  const description = await modelFor(options.model, data);
  const { backend, description: where } = await openBackend(options.backend);
  const base = options.settings.seed;
  const seedList = Array.from({ length: seeds }, (_, i) => base + i);
  const settingsFor = (seed: number) => ({ ...options.settings, description, backend, outDir: null, command: options.command, seed });
  const column = options.leaveOut;
  if (column !== undefined) {
    const result = await leaveOneGroupOut(data, column, settingsFor, seedList, onProgress);
    const summary: LeaveOutSummary = { task, data: data.name, backend: where, seeds: seedList, leaveOut: column, ...result };
    return { mode: 'leave-out', summary, ...(await writeSummary(options.out, summary)) };
  }
  const runs: PipelineResult[] = [];
  for (let i = 0; i < seeds; i++) {
    onProgress?.({ kind: 'message', text: `seed ${base + i} (${i + 1} of ${seeds})` });
    const result = await runPipeline(data, settingsFor(base + i), { onProgress });
    onProgress?.({ kind: 'rows', rows: result.rows });
    for (const w of groupingWarnings(result.grouping ?? [])) onProgress?.({ kind: 'message', text: `warning: seed ${base + i}: ${w}` });
    runs.push(result);
  }
  const rows = aggregateRows(runs.map((r) => r.rows));
  const bins = runs[0]?.evaluation?.bySnr?.map((b, j) => ({
    bin: b.bin,
    records: b.count,
    acc: summarise(runs.map((r) => r.evaluation?.bySnr?.[j]?.acc)),
  }));
  const perClass = runs[0]?.evaluation?.perClass.map((c, j) => ({
    class: data.classNames?.[c.label] ?? String(c.label),
    records: c.support,
    precision: summarise(runs.map((r) => r.evaluation?.perClass[j]?.precision)),
    recall: summarise(runs.map((r) => r.evaluation?.perClass[j]?.recall)),
    f1: summarise(runs.map((r) => r.evaluation?.perClass[j]?.f1)),
  }));
  const grouping = data.groups === undefined ? undefined : aggregateGrouping(runs.map((r) => r.grouping ?? []));
  const warnings = runs.flatMap((r, i) => groupingWarnings(r.grouping ?? []).map((w) => `seed ${base + i}: ${w}`));
  const preset = data.preprocessing.preset;
  const summary: SeedsSummary = {
    task,
    data: data.name,
    ...(typeof preset === 'string' && { preset }),
    backend: where,
    seeds: seedList,
    rows,
    bySnr: bins,
    perClass,
    ...(grouping && { grouping }),
    warnings,
    runs: runs.map((r) => r.rows),
  };
  return { mode: 'seeds', summary, ...(await writeSummary(options.out, summary)) };
}

/** Writes `out`/reproduce.json when a folder was given. */
async function writeSummary(out: string | undefined, summary: object): Promise<{ file?: string }> {
  if (out === undefined) return {};
  const file = join(out, 'reproduce.json');
  await host().files.writeAtomic(file, `${JSON.stringify(summary, null, 2)}\n`);
  return { file };
}
