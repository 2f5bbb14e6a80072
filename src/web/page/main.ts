/**
 * The page: data in, training with a live curve, results, files out. The
 * engine runs in a worker (worker.ts); cancelling ends that worker and starts
 * a fresh one, and the prepared set, kept here, survives it.
 *
 * For automation, `?demo=quick` runs the quick demo of task A on load and
 * sets `document.body.dataset.state` to "done" (accuracy in
 * `[data-testid=acc]`) or "error" (the message shown). `path=` picks how it
 * runs, and `records=`, `epochs=`, `maxIter=` shrink it further.
 */
import type { ProgressEvent } from '../../pipeline/progress.js';
import { DEFAULT_METHOD_SETTINGS, QUICK_DEMO } from '../../pipeline/settings.js';
import { formatMetric } from '../../report/metrics-format.js';
import { categoryColor } from '../../report/figure-style.js';
import { drawLoss, drawMap, drawRecord, type LossPoint } from './draw.js';
import { droppedFiles, pickedFiles } from './dropped.js';
import type { DataSource, InputFile, OutputFile, PageSettings, PathChoice, Reply, Request, Task, TrainedResult } from './protocol.js';

type State = 'loading' | 'idle' | 'preparing' | 'training' | 'classifying' | 'done' | 'error' | 'cancelled';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

const ui = {
  taskInputs: [...document.querySelectorAll<HTMLInputElement>('input[name=task]')],
  synthetic: element<HTMLFormElement>('synthetic'),
  syntheticRecords: element<HTMLInputElement>('synthetic-records'),
  syntheticSeed: element<HTMLInputElement>('synthetic-seed'),
  drop: element<HTMLDivElement>('drop'),
  files: element<HTMLInputElement>('files'),
  folder: element<HTMLInputElement>('folder'),
  samplingRate: element<HTMLInputElement>('sampling-rate'),
  dataProgress: element<HTMLProgressElement>('data-progress'),
  dataStatus: element<HTMLParagraphElement>('data-status'),
  skipped: element<HTMLUListElement>('skipped'),
  trainForm: element<HTMLFormElement>('train-form'),
  path: element<HTMLSelectElement>('path'),
  pathNotes: element<HTMLParagraphElement>('path-notes'),
  seed: element<HTMLInputElement>('seed'),
  epochs: element<HTMLInputElement>('epochs'),
  maxIter: element<HTMLInputElement>('max-iter'),
  nInit: element<HTMLInputElement>('n-init'),
  train: element<HTMLButtonElement>('train'),
  cancel: element<HTMLButtonElement>('cancel'),
  backend: element<HTMLParagraphElement>('backend'),
  stage: element<HTMLParagraphElement>('stage'),
  trainProgress: element<HTMLProgressElement>('train-progress'),
  loss: element<HTMLCanvasElement>('loss'),
  acc: element<HTMLOutputElement>('acc'),
  elapsed: element<HTMLSpanElement>('elapsed'),
  warnings: element<HTMLUListElement>('warnings'),
  rows: element<HTMLTableElement>('rows'),
  typical: element<HTMLDivElement>('typical'),
  mapClusters: element<HTMLCanvasElement>('map-clusters'),
  mapLabels: element<HTMLCanvasElement>('map-labels'),
  mapLabelsFigure: element<HTMLElement>('map-labels-figure'),
  report: element<HTMLIFrameElement>('report'),
  downloads: element<HTMLUListElement>('downloads'),
  classifyForm: element<HTMLFormElement>('classify-form'),
  checkpoint: element<HTMLInputElement>('checkpoint'),
  classify: element<HTMLButtonElement>('classify'),
  classified: element<HTMLParagraphElement>('classified'),
  error: element<HTMLParagraphElement>('error'),
};

let worker: Worker;
let source: DataSource | null = null;
let sourceText = '';
/** The files being prepared, kept with the prepared set they make. */
let pendingFiles: InputFile[] = [];
let lossPoints: LossPoint[] = [];
let downloadUrls: string[] = [];
/** What to do once the (new) worker says it is ready. */
let onReady: (() => void) | null = null;

function setState(state: State): void {
  document.body.dataset.state = state;
  const busy = state === 'preparing' || state === 'training' || state === 'classifying' || state === 'loading';
  ui.train.disabled = busy || source === null;
  ui.classify.disabled = busy || source === null;
  ui.cancel.disabled = !busy || state === 'loading';
  for (const input of [ui.files, ui.folder, ...ui.taskInputs]) input.disabled = busy;
  for (const button of ui.drop.querySelectorAll('button')) button.disabled = busy;
  ui.synthetic.querySelector('button')!.disabled = busy;
}

function showError(message: string): void {
  ui.error.textContent = message;
  ui.error.hidden = false;
  setState('error');
}

function clearError(): void {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

function task(): Task {
  return (ui.taskInputs.find((i) => i.checked)?.value ?? 'A') as Task;
}

function useSource(next: DataSource, text: string): void {
  source = next;
  sourceText = text;
  ui.dataStatus.textContent = text;
  setState('idle');
}

/* ----------------------------------------------------------- the worker */

function startWorker(): void {
  worker = new Worker('worker.js', { type: 'module' });
  worker.onmessage = (event: MessageEvent<Reply>) => onReply(event.data);
  worker.onerror = (event) => showError(`the engine stopped: ${event.message || 'an error in the worker'}`);
}

function send(request: Request, transfer: Transferable[] = []): void {
  clearError();
  worker.postMessage(request, transfer);
}

function onReply(reply: Reply): void {
  switch (reply.type) {
    case 'ready':
      for (const option of ui.path.options) {
        const why = option.value === 'auto' ? null : reply.paths[option.value as Exclude<PathChoice, 'auto'>];
        option.disabled = why !== null;
        option.title = why ?? '';
      }
      ui.pathNotes.textContent = Object.entries(reply.paths)
        .filter(([, why]) => why !== null)
        .map(([path, why]) => `${path === 'webgpu' ? 'WebGPU' : 'WebAssembly'}: ${why}`)
        .join(' · ');
      setState('idle');
      onReady?.();
      onReady = null;
      return;
    case 'progress':
      onProgress(reply.event);
      return;
    case 'backend':
      ui.backend.textContent = `Running on ${reply.description}.`;
      return;
    case 'prepared': {
      ui.dataProgress.hidden = true;
      const { summary } = reply;
      const counts = Object.entries(summary.labelCounts)
        .map(([label, n]) => `${n} ${label}`)
        .join(', ');
      showSkipped(summary.skipped);
      useSource(
        { kind: 'prepared', name: summary.name, bytes: reply.dataset.bytes, files: pendingFiles },
        `${summary.name}: ${summary.records} record${summary.records === 1 ? '' : 's'} prepared for task ${summary.task}${counts ? ` (${counts})` : ''}` +
          `${summary.skipped.length > 0 ? `; ${summary.skipped.length} could not be (listed below)` : ''}.`,
      );
      return;
    }
    case 'trained':
      showResults(reply.result);
      setState('done');
      return;
    case 'classified':
      ui.classified.textContent = `${reply.records} records classified: ${clusterSizes(reply.clusters)}.`;
      offerDownloads([reply.file], true);
      setState('done');
      return;
    case 'error':
      if (document.body.dataset.state === 'preparing') ui.dataStatus.textContent = 'Nothing prepared (the reason is below).';
      ui.dataProgress.hidden = true;
      ui.trainProgress.hidden = true;
      if (reply.skipped) showSkipped(reply.skipped);
      showError(reply.message);
      return;
  }
}

function onProgress(event: ProgressEvent): void {
  const bar = document.body.dataset.state === 'preparing' ? ui.dataProgress : ui.trainProgress;
  if (event.kind === 'start') {
    ui.stage.textContent = event.stage;
    bar.hidden = false;
    if (event.total > 0) bar.max = event.total;
    else bar.removeAttribute('value');
    bar.value = 0;
  } else if (event.kind === 'advance') {
    if (event.total !== undefined) bar.max = event.total;
    bar.value = event.done;
    ui.stage.textContent = `${event.stage}: ${event.done}${bar.max > 1 ? ` of ${bar.max}` : ''}${event.note ? ` (${event.note})` : ''}`;
    if (event.loss !== undefined) {
      lossPoints.push({ stage: event.stage.replace(/^.*: /, ''), loss: event.loss });
      drawLoss(ui.loss, lossPoints);
    }
  } else if (event.kind === 'finish') {
    bar.hidden = true;
  } else if (event.kind === 'message') {
    ui.stage.textContent = event.text;
  }
}

/* ------------------------------------------------------------- results */

function showSkipped(skipped: readonly { id: string; reason: string }[]): void {
  ui.skipped.replaceChildren(
    ...skipped.map((s) => {
      const li = document.createElement('li');
      li.textContent = s.reason.startsWith(s.id) ? s.reason : `${s.id}: ${s.reason}`;
      return li;
    }),
  );
}

function clusterSizes(clusters: Int32Array): string {
  const sizes = new Map<number, number>();
  for (const c of clusters) sizes.set(c, (sizes.get(c) ?? 0) + 1);
  return [...sizes.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([c, n]) => `cluster ${c}: ${n}`)
    .join(', ');
}

function showResults(result: TrainedResult): void {
  ui.trainProgress.hidden = true;
  ui.stage.textContent = `Done in ${result.seconds.toFixed(1)} s: ${clusterSizes(result.clusters)}.`;
  ui.acc.textContent = result.acc === null ? 'no labels' : result.acc.toFixed(4);
  ui.elapsed.textContent = `(${sourceText})`;
  ui.warnings.replaceChildren(
    ...result.warnings.map((w) => {
      const li = document.createElement('li');
      li.textContent = `Warning: ${w}.`;
      return li;
    }),
  );
  ui.rows.tBodies[0]!.replaceChildren(
    ...result.rows.map((r) => {
      const tr = document.createElement('tr');
      for (const [text, numeric] of [
        [r.stage, false],
        [formatMetric(r.acc, true), true],
        [formatMetric(r.nmi, false), true],
        [formatMetric(r.ari, false), true],
        [r.note ?? '', false],
      ] as const) {
        const td = document.createElement('td');
        td.textContent = text;
        if (numeric) td.className = 'num';
        tr.append(td);
      }
      return tr;
    }),
  );
  const { map } = result;
  const k = Math.max(...map.clusters) + 1;
  drawMap(
    ui.mapClusters,
    map.points,
    map.clusters,
    Array.from({ length: k }, (_, c) => `cluster ${c}`),
  );
  ui.mapLabelsFigure.hidden = map.labels === null;
  if (map.labels !== null) drawMap(ui.mapLabels, map.points, map.labels, map.classNames);
  const size = result.inputShape.reduce((a, b) => a * b, 1);
  ui.typical.replaceChildren(
    ...result.typical.map((t) => {
      const figure = document.createElement('figure');
      const n = t.inputs.length / size;
      for (let j = 0; j < n; j++) figure.append(drawRecord(t.inputs.subarray(j * size, (j + 1) * size), result.inputShape, categoryColor(t.cluster)));
      const caption = document.createElement('figcaption');
      caption.textContent = `Cluster ${t.cluster} (${t.size} records): its ${n} most confident`;
      caption.style.color = categoryColor(t.cluster);
      figure.append(caption);
      return figure;
    }),
  );
  ui.report.srcdoc = result.reportHtml;
  offerDownloads(result.files, false);
}

/** Links that save the run's files, named as the command line names them. */
function offerDownloads(files: readonly OutputFile[], keep: boolean): void {
  if (!keep) {
    for (const url of downloadUrls) URL.revokeObjectURL(url);
    downloadUrls = [];
    ui.downloads.replaceChildren();
  }
  for (const f of files) {
    const url = URL.createObjectURL(new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: f.type }));
    downloadUrls.push(url);
    const a = document.createElement('a');
    a.href = url;
    a.download = f.name;
    a.textContent = f.name;
    a.dataset.testid = `download-${f.name}`;
    const li = document.createElement('li');
    li.append(a, ` (${(f.bytes.length / 1024).toFixed(1)} KiB)`);
    ui.downloads.append(li);
  }
}

/* -------------------------------------------------------------- actions */

function prepareFiles(files: InputFile[]): void {
  if (files.length === 0) return;
  source = null;
  pendingFiles = files;
  ui.skipped.replaceChildren();
  ui.dataStatus.textContent = `Preparing ${files.length} file${files.length === 1 ? '' : 's'} for task ${task()}…`;
  setState('preparing');
  const rate = ui.samplingRate.valueAsNumber;
  send({ type: 'prepare', task: task(), files, samplingRate: Number.isFinite(rate) && rate > 0 ? rate : null });
}

function numberOf(input: HTMLInputElement, fallback: number): number {
  const v = input.valueAsNumber;
  return Number.isFinite(v) ? v : fallback;
}

function pageSettings(): PageSettings {
  const epochs = ui.epochs.valueAsNumber;
  return {
    seed: numberOf(ui.seed, DEFAULT_METHOD_SETTINGS.seed),
    epochs: Number.isFinite(epochs) ? epochs : null,
    maxIter: numberOf(ui.maxIter, DEFAULT_METHOD_SETTINGS.maxIter),
    nInit: numberOf(ui.nInit, DEFAULT_METHOD_SETTINGS.nInit),
    tsnePoints: DEFAULT_METHOD_SETTINGS.tsnePoints,
    tsneIterations: DEFAULT_METHOD_SETTINGS.tsneIterations,
  };
}

function train(settings: PageSettings): void {
  if (source === null) return;
  lossPoints = [];
  drawLoss(ui.loss, lossPoints);
  ui.acc.textContent = '–';
  ui.backend.textContent = '';
  setState('training');
  // The page keeps its copy: the worker gets one it may keep.
  const given: DataSource = source.kind === 'prepared' ? { ...source, bytes: source.bytes.slice() } : source;
  send({ type: 'train', source: given, path: ui.path.value as PathChoice, settings });
}

function cancel(): void {
  worker.terminate();
  ui.trainProgress.hidden = true;
  ui.dataProgress.hidden = true;
  ui.stage.textContent = 'Cancelled.';
  if (document.body.dataset.state === 'preparing') ui.dataStatus.textContent = 'Preparation cancelled.';
  setState('loading');
  startWorker();
  onReady = () => setState('cancelled');
}

ui.synthetic.addEventListener('submit', (event) => {
  event.preventDefault();
  const records = numberOf(ui.syntheticRecords, QUICK_DEMO.records);
  const seed = numberOf(ui.syntheticSeed, 0);
  ui.skipped.replaceChildren();
  useSource({ kind: 'synthetic', task: task(), records, seed }, `Synthetic task ${task()}: ${records} records, seed ${seed} (the paper's preparation).`);
});
element<HTMLButtonElement>('choose-files').addEventListener('click', () => ui.files.click());
element<HTMLButtonElement>('choose-folder').addEventListener('click', () => ui.folder.click());
ui.files.addEventListener('change', () => prepareFiles(pickedFiles(ui.files.files)));
ui.folder.addEventListener('change', () => prepareFiles(pickedFiles(ui.folder.files)));
ui.drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  ui.drop.classList.add('over');
});
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.drop.classList.remove('over');
  if (event.dataTransfer === null || ui.files.disabled) return;
  droppedFiles(event.dataTransfer).then(prepareFiles, (error: unknown) => showError(`the dropped files could not be read: ${String(error)}`));
});
ui.trainForm.addEventListener('submit', (event) => {
  event.preventDefault();
  train(pageSettings());
});
ui.cancel.addEventListener('click', cancel);
ui.classifyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const file = ui.checkpoint.files?.[0];
  if (file === undefined || source === null) {
    showError('choose a checkpoint (.ckpt) to classify with');
    return;
  }
  const data = source;
  setState('classifying');
  file.arrayBuffer().then((buffer) => {
    const checkpoint = new Uint8Array(buffer);
    send({ type: 'classify', checkpoint, source: data.kind === 'prepared' ? { ...data, bytes: data.bytes.slice() } : data }, [checkpoint.buffer]);
  }, showError);
});

/** `?demo=quick`: the quick demo of task A, for automation (see the module comment). */
function quickDemo(params: URLSearchParams): void {
  const number = (name: string, fallback: number): number => {
    const v = Number(params.get(name));
    return params.has(name) && Number.isFinite(v) ? v : fallback;
  };
  const path = params.get('path');
  if (path !== null) ui.path.value = path;
  const records = number('records', QUICK_DEMO.records);
  const seed = number('seed', 0);
  const settings = {
    seed,
    epochs: number('epochs', QUICK_DEMO.epochs),
    maxIter: number('maxIter', QUICK_DEMO.maxIter),
    nInit: QUICK_DEMO.nInit,
    tsnePoints: QUICK_DEMO.tsnePoints,
    tsneIterations: QUICK_DEMO.tsneIterations,
  };
  // The form shows what runs.
  ui.syntheticRecords.valueAsNumber = records;
  ui.syntheticSeed.valueAsNumber = seed;
  ui.seed.valueAsNumber = seed;
  ui.epochs.valueAsNumber = settings.epochs;
  ui.maxIter.valueAsNumber = settings.maxIter;
  ui.nInit.valueAsNumber = settings.nInit;
  useSource({ kind: 'synthetic', task: 'A', records, seed }, `Quick demo: synthetic task A, ${records} records, seed ${seed}.`);
  train(settings);
}

const params = new URLSearchParams(location.search);
startWorker();
if (params.get('demo') === 'quick') onReady = () => quickDemo(params);
else if (params.has('demo')) showError(`unknown demo '${params.get('demo')}' (the page knows ?demo=quick)`);
