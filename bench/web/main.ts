/** The web bench's page: starts the worker with the URL's settings and puts what it measured on the body for the runner to read. */
const params = new URLSearchParams(location.search);
const worker = new Worker('step-worker.js', { type: 'module' });
worker.onmessage = (event: MessageEvent<{ rows?: unknown; error?: string }>) => {
  document.body.dataset.result = JSON.stringify(event.data);
};
worker.onerror = (event) => {
  document.body.dataset.result = JSON.stringify({ error: event.message });
};
worker.postMessage({
  threads: Number(params.get('threads') ?? 1),
  batches: (params.get('batches') ?? '128').split(',').map(Number),
  time: Number(params.get('time') ?? 1500),
});
