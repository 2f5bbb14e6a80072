/**
 * The page's engine, in a worker so that the page stays responsive and the
 * compiled kernels may block while their threads work. It prepares data,
 * trains, and classifies with the same pipeline calls as the command line,
 * on the page's host: files in memory, Web Workers, `navigator.gpu`.
 */
import { DataError } from '../../common/errors.js';
import { basename, extname } from '../../common/path.js';
import { setHost } from '../../host/host.js';
import { createBackend } from '../../kernels/select.js';
import { requestAdapter } from '../../kernels/webgpu/device.js';
import { defaultNetwork } from '../../pipeline/defaults.js';
import { predict } from '../../pipeline/predict.js';
import type { ProgressEvent } from '../../pipeline/progress.js';
import type { PrepareSummary } from '../../data/prepare.js';
import { prepare } from '../../pipeline/prepare.js';
import { runPipeline } from '../../pipeline/run.js';
import { DEFAULT_METHOD_SETTINGS, type OpenedBackend } from '../../pipeline/settings.js';
import { preparedData, syntheticData } from '../../pipeline/sources.js';
import type { PipelineData } from '../../pipeline/data.js';
import { tsne } from '../../report/tsne.js';
import { Rng } from '../../tensor/random.js';
import { webHost } from '../host.js';
import { canShareMemory } from '../threads.js';
import type { CodesMap, DataSource, InputFile, OutputFile, PageSettings, PathChoice, Reply, Request, Task, TypicalRecords } from './protocol.js';

const pageHost = webHost();
setHost(pageHost);
const files = pageHost.files;

/** The worker's side of the page's messages (the DOM library types the page's side). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: Reply, transfer?: Transferable[]): void;
};

function reply(message: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

const onProgress = (event: ProgressEvent): void => reply({ type: 'progress', event });

const NO_SHARED_MEMORY = 'needs shared memory between threads, which this page only has when cross-origin isolated (open it through `npx seiscluster serve`)';

/** Which ways of running the autoencoders this page has, each with why not when it has not. */
async function availablePaths(): Promise<Reply & { type: 'ready' }> {
  const probe = await requestAdapter();
  return {
    type: 'ready',
    paths: {
      webgpu: probe.ok ? null : probe.reason,
      wasm: canShareMemory() ? null : `the compiled WebAssembly SIMD path ${NO_SHARED_MEMORY}`,
      ops: null,
    },
  };
}

/** The backend for the chosen path; 'auto' takes WebGPU on a hardware adapter, else the compiled path, else op by op. */
async function openPath(path: PathChoice): Promise<OpenedBackend> {
  if (path === 'webgpu') return createBackend('webgpu');
  if (path === 'ops') return createBackend('cpu', { compiled: false });
  if (path === 'wasm') {
    if (!canShareMemory()) throw new Error(`the compiled WebAssembly SIMD path ${NO_SHARED_MEMORY}`);
    return createBackend('cpu', { compiled: true });
  }
  return createBackend('auto', { compiled: canShareMemory() });
}

/**
 * Puts the given files under `folder` in the page's file system; returns
 * what to prepare (the manifest if one was given, else every file) and a
 * name for the set.
 */
async function placeFiles(folder: string, given: readonly InputFile[]): Promise<{ inputs: string[]; name: string }> {
  await files.remove(folder);
  for (const { path, file } of given) await files.write(`${folder}/${path}`, new Uint8Array(await file.arrayBuffer()));
  const manifests = await manifestsAmong(given);
  if (manifests.length > 1) throw new Error(`drop one manifest at a time, not ${manifests.length} (${manifests.map((m) => m.path).join(', ')})`);
  const inputs = manifests.length === 1 ? [`${folder}/${manifests[0]!.path}`] : given.map((f) => `${folder}/${f.path}`);
  const name = manifests.length === 1 ? basename(manifests[0]!.path) : given.length === 1 ? basename(given[0]!.path) : `${given.length} files`;
  return { inputs, name };
}

/**
 * The manifests among the files: CSVs whose header has the manifest's
 * `path` and `format` columns (a data set's folder also holds other tables:
 * picks, stations), and of those the ones nearest the top of what was given.
 */
async function manifestsAmong(given: readonly InputFile[]): Promise<InputFile[]> {
  const headed: InputFile[] = [];
  for (const f of given) {
    if (extname(f.path).toLowerCase() !== '.csv') continue;
    const head = (await f.file.slice(0, 4096).text()).split(/\r?\n/)[0] ?? '';
    const columns = head.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    if (columns.includes('path') && columns.includes('format')) headed.push(f);
  }
  const depth = (f: InputFile): number => f.path.split('/').length;
  const top = Math.min(...headed.map(depth));
  return headed.filter((f) => depth(f) === top);
}

/** Prepares the dropped files: a manifest if one was dropped, else every file. */
async function prepareFiles(task: Task, given: readonly InputFile[], samplingRate: number | null): Promise<void> {
  await files.remove('/prepared');
  const { inputs, name } = await placeFiles('/input', given);
  const out = `/prepared/${name.replace(/\.[^.]*$/, '')}.scds`;
  const options = { task, inputs, out, ...(samplingRate !== null && { samplingRate }) };
  let summary: PrepareSummary;
  try {
    summary = await prepare({ files: { ...options, onError: 'skip' }, onProgress });
  } catch (error) {
    if (!(error instanceof DataError && error.field === 'inputs')) throw error;
    // Nothing could be prepared: the first record's own error names the file, the field and the value.
    await prepare({ files: { ...options, onError: 'fail' } });
    throw error;
  }
  const skipped = summary.skipped.map((s) => ({ id: shown(s.id), reason: shown(s.detail) }));
  const dataset = outputFile(out, 'application/octet-stream');
  reply({ type: 'prepared', summary: { name, task, records: summary.rows, labelCounts: summary.labelCounts, skipped }, dataset }, [dataset.bytes.buffer]);
}

/** The source as a prepared set in the page's files (a synthetic one made as `prepare --synthetic` makes it), for predicting. */
async function datasetFile(source: DataSource): Promise<string> {
  if (source.kind === 'prepared') {
    const path = `/data/${source.name.replace(/\.[^.]*$/, '')}.scds`;
    await files.write(path, source.bytes);
    return path;
  }
  const path = `/data/synthetic-${source.task.toLowerCase()}-${source.records}-seed${source.seed}.scds`;
  await prepare({ synthetic: { task: source.task, n: source.records, seed: source.seed, out: path } });
  return path;
}

async function train(source: DataSource, path: PathChoice, settings: PageSettings): Promise<void> {
  const started = performance.now();
  const opened = await openPath(path);
  reply({ type: 'backend', description: opened.description });
  const datasetPath = await datasetFile(source);
  // A synthetic set trains with its raw waveforms (the raw baseline and its map), as `demo` does.
  const data = source.kind === 'synthetic' ? syntheticData(source.task, source.records, source.seed) : await preparedData(datasetPath);
  await files.remove('/run');
  const result = await runPipeline(
    data,
    {
      ...DEFAULT_METHOD_SETTINGS,
      ...settings,
      description: defaultNetwork(data.preprocessing, data.task),
      backend: opened.backend,
      outDir: '/run',
      command: `seiscluster page (${opened.description})`,
    },
    { onProgress },
  );
  await predict({ checkpoint: '/run/model.ckpt', data: datasetPath, out: '/run/predictions.csv', format: 'csv', chunk: 1024, backend: opened, onProgress });
  const predictions = parsePredictions(outputFile('/run/predictions.csv', 'text/csv').bytes);
  const typical = typicalRecords(data.inputs, data.inputShape, predictions);
  const map = codesMap(data, predictions, settings);
  const report = new TextDecoder().decode(files.bytes('/run/report/report.html'));
  const outputs = [
    outputFile('/run/predictions.csv', 'text/csv'),
    outputFile('/run/model.ckpt', 'application/octet-stream'),
    outputFile('/run/report/report.html', 'text/html'),
    outputFile('/run/fine-tuning.csv', 'text/csv'),
    outputFile(datasetPath, 'application/octet-stream'),
  ];
  const fineTuned = result.rows.find((r) => r.stage === 'fine-tuning')?.acc;
  const acc = typeof fineTuned === 'number' ? fineTuned : null;
  reply(
    {
      type: 'trained',
      result: {
        rows: result.rows,
        acc,
        clusters: predictions.clusters,
        inputShape: data.inputShape,
        typical,
        map,
        warnings: (result.grouping ?? []).flatMap((g) => (g.warning === undefined ? [] : [g.warning])),
        reportHtml: report,
        files: outputs,
        seconds: (performance.now() - started) / 1000,
      },
    },
    outputs.map((f) => f.bytes.buffer as ArrayBuffer),
  );
}

/**
 * Classifies the current data with a checkpoint made by the page or by
 * `seiscluster train`: seismograms are prepared as the checkpoint's training
 * data were (as `seiscluster predict` does), a synthetic set as made.
 */
async function classify(checkpoint: Uint8Array, source: DataSource): Promise<void> {
  await files.write('/classify/model.ckpt', checkpoint);
  const data =
    source.kind === 'prepared' && source.files !== undefined
      ? { seismograms: (await placeFiles('/classify/input', source.files)).inputs }
      : await datasetFile(source);
  const opened = await openPath('auto');
  reply({ type: 'backend', description: opened.description });
  await predict({
    checkpoint: '/classify/model.ckpt',
    data,
    out: '/classify/classified-predictions.csv',
    format: 'csv',
    chunk: 1024,
    backend: opened,
    onProgress,
  });
  const file = outputFile('/classify/classified-predictions.csv', 'text/csv');
  const { clusters } = parsePredictions(file.bytes);
  reply({ type: 'classified', records: clusters.length, clusters, file }, [file.bytes.buffer as ArrayBuffer]);
}

/** A file of the page's file system as a download (a copy: the reply transfers it). */
function outputFile(path: string, type: string): OutputFile {
  const bytes = files.bytes(path);
  if (bytes === undefined) throw new Error(`${path} was not written`);
  return { name: basename(path), type, bytes: bytes.slice() };
}

interface Predictions {
  readonly clusters: Int32Array;
  /** Each record's soft assignment to its own cluster. */
  readonly confidence: Float64Array;
  /** The codes, `codeSize` a record. */
  readonly codes: Float32Array;
  readonly codeSize: number;
}

/** The cluster and its q of each record, from `predict`'s CSV (source_id, cluster, q_0 .. q_k-1, z_...). */
function parsePredictions(csv: Uint8Array): Predictions {
  const lines = new TextDecoder().decode(csv).trim().split('\n');
  const header = lines[0]!.split(',');
  const clusterColumn = header.indexOf('cluster');
  const rows = lines.slice(1).map((line) => line.split(','));
  const codeColumns = header.flatMap((h, j) => (h.startsWith('z_') ? [j] : []));
  const clusters = new Int32Array(rows.length);
  const confidence = new Float64Array(rows.length);
  const codes = new Float32Array(rows.length * codeColumns.length);
  rows.forEach((cells, i) => {
    // source_id is the first column and may be quoted with commas in it: count columns from the end.
    const offset = cells.length - header.length;
    const c = Number(cells[clusterColumn + offset]);
    clusters[i] = c;
    confidence[i] = Number(cells[header.indexOf(`q_${c}`) + offset]);
    codeColumns.forEach((j, z) => (codes[i * codeColumns.length + z] = Number(cells[j + offset])));
  });
  return { clusters, confidence, codes, codeSize: codeColumns.length };
}

/** Each cluster's most confidently assigned records (ties in record order). */
function typicalRecords(inputs: Float32Array, inputShape: readonly number[], predictions: Predictions, perCluster = 4): TypicalRecords[] {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const k = Math.max(...predictions.clusters) + 1;
  return Array.from({ length: k }, (_, cluster) => {
    const members = [...predictions.clusters.keys()].filter((i) => predictions.clusters[i] === cluster);
    members.sort((a, b) => predictions.confidence[b]! - predictions.confidence[a]! || a - b);
    const chosen = members.slice(0, perCluster);
    const out = new Float32Array(chosen.length * size);
    chosen.forEach((r, j) => out.set(inputs.subarray(r * size, (r + 1) * size), j * size));
    return { cluster, size: members.length, inputs: out };
  });
}

/** The final codes of a seeded subset of records on a t-SNE map, as the report draws its maps. */
function codesMap(data: PipelineData, predictions: Predictions, settings: PageSettings): CodesMap {
  const n = predictions.clusters.length;
  const pick = new Rng(settings.seed).permutation(n).slice(0, Math.min(n, settings.tsnePoints));
  const d = predictions.codeSize;
  const codes = new Float32Array(pick.length * d);
  pick.forEach((r, i) => codes.set(predictions.codes.subarray(r * d, (r + 1) * d), i * d));
  const labels = data.labels;
  return {
    points: tsne(codes, pick.length, d, { seed: settings.seed, iterations: settings.tsneIterations }),
    clusters: Int32Array.from(pick, (r) => predictions.clusters[r]!),
    labels: labels === undefined ? null : Int32Array.from(pick, (r) => labels[r]!),
    classNames: data.classNames ?? [],
  };
}

/** Text for the user: files by the paths they were given as, not where the page keeps them. */
function shown(text: string): string {
  return text.replaceAll('/classify/input/', '').replaceAll('/input/', '');
}

function messageOf(error: unknown): string {
  return shown(error instanceof Error ? error.message : String(error));
}

scope.onmessage = (event) => {
  const request = event.data;
  const work =
    request.type === 'prepare'
      ? prepareFiles(request.task, request.files, request.samplingRate)
      : request.type === 'train'
        ? train(request.source, request.path, request.settings)
        : classify(request.checkpoint, request.source);
  work.catch((error: unknown) => reply({ type: 'error', message: messageOf(error) }));
};

availablePaths()
  .then((ready) => reply(ready))
  .catch((error: unknown) => reply({ type: 'error', message: messageOf(error) }));
