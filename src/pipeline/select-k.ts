/**
 * `select-k`: how many clusters a prepared set holds. The autoencoder is
 * pre-trained once, as `train` would pre-train it (the same seeds, the same
 * record order, the method's defaults for the data), then for each k of the
 * range k-means on its codes is scored (src/cluster/select-k.ts): inertia,
 * silhouette, gap statistic and stability, and the scores recommend a k by
 * a rule stated in words. With `fineTune`, each k also runs the method's
 * fine-tuning stage from the same pre-trained weights and is scored on the
 * codes it ends with. Labels, where the set has them, are scored against
 * each k's clusters for the reader and never choose.
 */
import { ClusteringLayer } from '../cluster/clustering.js';
import { fineTune } from '../cluster/finetune.js';
import { kMeans } from '../cluster/kmeans.js';
import { encodeRecords } from '../cluster/predict.js';
import { pretrain } from '../cluster/pretrain.js';
import { codeSpace, recommendK, scoreK, type ScoredK, type KScoringOptions } from '../cluster/select-k.js';
import { DataError } from '../common/errors.js';
import { Autoencoder } from '../model/autoencoder.js';
import { writeReport } from '../report/html.js';
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { recordSize, trainingOrder, type PipelineData } from './data.js';
import { withMethodDefaults } from './defaults.js';
import type { KChoice, KChoiceSettings, KRange } from './k-choice.js';
import { modelFor } from './model.js';
import { Stages, type OnProgress } from './progress.js';
import { rowOf } from './rows.js';
import { selectKReport } from './select-k-report.js';
import { fineTuneOptions, pretrainOptions } from './stage-options.js';
import { openBackend, type BackendSource, type MethodSettings } from './settings.js';
import { preparedData } from './sources.js';

export interface SelectKOptions {
  /** A prepared data set (`prepare`). */
  readonly data: string;
  readonly ks: KRange;
  readonly fineTune: boolean;
  /** A model description (JSON file); default the paper's network of the set's task. */
  readonly model?: string;
  readonly settings: MethodSettings;
  readonly backend: BackendSource;
  /** Folder for the report (report.html and figures/); none: no report. */
  readonly out?: string;
  /** The command line, for the report. */
  readonly command: string;
  readonly onProgress?: OnProgress;
}

export interface SelectKResult extends KChoice {
  /** The backend's description. */
  readonly backend: string;
  /** Files written, the report's HTML if any. */
  readonly files: string[];
}

export async function selectK(options: SelectKOptions): Promise<SelectKResult> {
  const data = await preparedData(options.data);
  const description = await modelFor(options.model, data);
  checkKRange(data, options.ks);
  const { backend, description: where } = await openBackend(options.backend);
  const settings = { ...options.settings, description, backend, ks: options.ks, fineTune: options.fineTune };
  const choice = await chooseK(data, settings, options.onProgress);
  const files = options.out === undefined ? [] : [await writeSelectKReport(options.out, data, settings, choice, options.command)];
  return { ...choice, backend: where, files };
}

/** The report of a choice of k, written to `folder` (report.html and figures/); returns the HTML's path. */
export async function writeSelectKReport(folder: string, data: PipelineData, settings: KChoiceSettings, choice: KChoice, command: string): Promise<string> {
  return (await writeReport(folder, selectKReport(data, settings, choice, command))).html;
}

/** Refuses a range the method cannot try on this set, before any work. */
export function checkKRange(data: PipelineData, ks: KRange): void {
  const range = `${ks.from}..${ks.to}`;
  if (!Number.isInteger(ks.from) || !Number.isInteger(ks.to) || ks.from < 2 || ks.to < ks.from)
    throw new DataError('select-k options', 'k', range, 'must be a range FROM..TO of whole numbers with 2 <= FROM <= TO');
  const n = data.inputs.length / recordSize(data);
  if (ks.to > n) throw new DataError(data.name, 'records', n, `--k ${range}: ${ks.to} clusters need at least ${ks.to} records`);
}

/** Pre-trains once and scores every k of `s.ks` (see the file comment). */
export async function chooseK(given: PipelineData, settings: KChoiceSettings, onProgress?: OnProgress): Promise<KChoice> {
  checkKRange(given, settings.ks);
  const s = withMethodDefaults(settings, given);
  const { data } = trainingOrder(given, s);
  const n = data.inputs.length / recordSize(data);
  const ks = Array.from({ length: s.ks.to - s.ks.from + 1 }, (_, i) => s.ks.from + i);
  const stages = new Stages(onProgress);
  const model = new Autoencoder(s.description, { seed: s.seed, backend: s.backend });
  const records = tensor(data.inputs, [n, ...model.inputShape], { backend: s.backend });
  try {
    // The seeds `runExperiment` gives each stage, so `train` with the chosen k starts from these very codes and k-means.
    stages.start(`${data.name}: pre-training`, s.epochs, 'epochs');
    await pretrain(model, records, { ...pretrainOptions(s, stages), seed: s.seed + 1 });
    const codes = await encodeRecords(model, records);
    const scoring: KScoringOptions = { seed: s.seed + 2, nInit: s.nInit };
    let scored: ScoredK[];
    if (s.fineTune) {
      scored = await scoreFineTuned(model, records, codes, ks, s, scoring, stages);
    } else {
      stages.start(`${data.name}: scoring k = ${ks[0]}..${ks.at(-1)}`, ks.length, 'k');
      const space = codeSpace(codes, n, model.codeSize, scoring);
      scored = ks.map((k, i) => {
        const result = scoreK(space, k);
        stages.advance(i + 1, `k = ${k}`);
        return result;
      });
    }
    stages.finish();
    const scores = scored.map((r) => r.score);
    return {
      ...recommendK(scores),
      scores,
      labelRows: scored.map((r) => rowOf(`k-means on codes, k = ${r.score.k}`, data, r.labels)),
      epochs: s.epochs,
      fineTune: s.fineTune,
    };
  } finally {
    records.dispose();
    model.dispose();
  }
}

/** For each k: back to the pre-trained weights, k-means on the codes, fine-tuning, then the scores of the codes it ends with. */
async function scoreFineTuned(
  model: Autoencoder,
  records: Tensor,
  codes: Float32Array,
  ks: readonly number[],
  s: KChoiceSettings & { readonly targetBalance: number },
  scoring: KScoringOptions,
  stages: Stages,
): Promise<ScoredK[]> {
  const pretrained = await model.weights();
  const scored: ScoredK[] = [];
  for (const k of ks) {
    model.setWeights(pretrained);
    const km = kMeans(codes, codes.length / model.codeSize, model.codeSize, { k, nInit: s.nInit, seed: s.seed + 2 });
    const clustering = new ClusteringLayer(km.centroids, k, model.codeSize, { backend: s.backend });
    try {
      stages.start(`fine-tuning, k = ${k}`, s.maxIter, 'it');
      const fine = await fineTune(model, clustering, records, { ...fineTuneOptions(s, stages), seed: s.seed + 3, initialLabels: km.labels });
      const p = fine.prediction;
      scored.push(scoreK(codeSpace(p.codes, p.n, p.codeSize, scoring), k));
    } finally {
      clustering.dispose();
    }
  }
  return scored;
}
