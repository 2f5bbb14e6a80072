/**
 * Serves one folder of static files (the built web page) over HTTP on this
 * machine. The page runs the engine's WebAssembly threads, which share memory
 * through SharedArrayBuffer; browsers allow that only on a cross-origin
 * isolated page, so every response carries the opener and embedder policies
 * that make it one, and a content security policy that lets the page load
 * nothing but itself (plus the blob: workers and the WebAssembly compile it
 * needs).
 *
 * Nothing outside the folder is ever sent: a request path is decoded once,
 * refused if it holds `..`, a backslash or a NUL, and the file it names is
 * resolved through its symbolic links and sent only if it still lies inside
 * the folder.
 */
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

export const DEFAULT_PORT = 8080;
/** The loopback: the page is for this machine's browser, and browsers isolate plain-HTTP pages only on localhost. */
export const DEFAULT_HOST = '127.0.0.1';

export interface ServeOptions {
  readonly folder: string;
  /** 0: any free port. */
  readonly port?: number;
  readonly host?: string;
}

export interface RunningServer {
  /** `http://127.0.0.1:8080/`, with the port actually bound. */
  readonly url: string;
  /** Stops listening and drops open connections (a browser keeps idle ones alive for minutes). */
  close(): Promise<void>;
}

/** Why the server could not listen, for a caller that tells the user which setting to change. */
export type ListenProblem = 'port-in-use' | 'port-forbidden' | 'host-unknown';

export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly problem: ListenProblem,
    readonly host: string,
    readonly port: number,
  ) {
    super(
      problem === 'port-in-use'
        ? `port ${port} on ${host} is in use by another program`
        : problem === 'port-forbidden'
          ? `port ${port} on ${host} needs privileges this user lacks`
          : `${JSON.stringify(host)} is not an address of this machine`,
    );
  }
}

const LISTEN_PROBLEMS: Readonly<Record<string, ListenProblem>> = {
  EADDRINUSE: 'port-in-use',
  EACCES: 'port-forbidden',
  EADDRNOTAVAIL: 'host-unknown',
  ENOTFOUND: 'host-unknown',
  EAI_AGAIN: 'host-unknown',
};

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  // The page is rebuilt in place while it is served: the browser asks again each time rather than run a stale engine.
  'Cache-Control': 'no-cache',
  // Only the page's own files; 'unsafe-eval' because the CPU kernels are loops generated as JavaScript (new Function) and the compiled kernels' threads start from a blob: script.
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval' blob:; worker-src 'self' blob:; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; connect-src 'self' blob: data:",
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  // Browsers compile a module while it streams in only when it comes as application/wasm.
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Opened without following a last symbolic link (one swapped in after the
 * check is refused, not followed) and without blocking (a FIFO would hold a
 * thread until something writes to it); both flags are absent on Windows.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

type Target = { kind: 'file'; path: string } | { kind: 'redirect'; location: string } | { kind: 'bad' } | { kind: 'missing' };

/** `path` with its symbolic links resolved, or null when that lies outside `root` (itself resolved) or does not exist. */
async function resolveInside(root: string, path: string): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return null;
  }
  const rel = relative(root, real);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) ? real : null;
}

/** The file a request path names inside `root`; see the module comment for what is refused. */
async function locate(root: string, requestUrl: string): Promise<Target> {
  if (!requestUrl.startsWith('/')) return { kind: 'bad' };
  let path: string;
  try {
    path = decodeURIComponent(requestUrl.split(/[?#]/, 1)[0]!);
  } catch {
    return { kind: 'bad' };
  }
  const segments = path.split('/').filter((s) => s !== '');
  if (path.includes('\0') || path.includes('\\') || segments.includes('..')) return { kind: 'bad' };
  const found = await resolveInside(root, join(root, ...segments));
  if (found === null) return { kind: 'missing' };
  if (!(await stat(found)).isDirectory()) return { kind: 'file', path: found };
  // A folder's page links relative to the folder, so its address must end in a slash (rebuilt from the segments, so never `//host`).
  if (!path.endsWith('/')) return { kind: 'redirect', location: `/${segments.map(encodeURIComponent).join('/')}/` };
  const index = await resolveInside(root, join(found, 'index.html'));
  return index === null ? { kind: 'missing' } : { kind: 'file', path: index };
}

function sendStatus(res: ServerResponse, status: number, text: string, headers: Readonly<Record<string, string>> = {}): void {
  const body = `${status} ${text}\n`;
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function sendFile(res: ServerResponse, path: string): Promise<void> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, OPEN_FLAGS);
  } catch {
    return sendStatus(res, 404, 'not found');
  }
  // Checked on the open file, not the path: what is sent is what was checked.
  const size = await file.stat().then(
    (info) => (info.isFile() ? info.size : null),
    () => null,
  );
  const head = res.req.method === 'HEAD';
  if (size === null || head) await file.close();
  if (size === null) return sendStatus(res, 404, 'not found');
  res.writeHead(200, { 'Content-Type': contentTypeOf(path), 'Content-Length': size });
  if (head) return void res.end();
  // pipeline ends the response when the file ends, and closes the file when the browser goes away mid-file.
  await pipeline(file.createReadStream(), res).catch(() => res.destroy());
}

async function answer(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
  const target = await locate(root, req.url ?? '');
  if (target.kind === 'bad') return sendStatus(res, 400, 'bad request');
  if (target.kind === 'missing') return sendStatus(res, 404, 'not found');
  if (target.kind === 'redirect') return sendStatus(res, 301, 'moved permanently', { Location: target.location });
  return sendFile(res, target.path);
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Serves `folder` until `close()`; rejects with a ListenError when the port or host cannot be had. */
export async function serveFolder({ folder, port = DEFAULT_PORT, host = DEFAULT_HOST }: ServeOptions): Promise<RunningServer> {
  // Resolved once, so the containment check compares real paths with a real path.
  const root = await realpath(folder);
  const server = createServer((req, res) => {
    answer(root, req, res).catch(() => (res.headersSent ? res.destroy() : sendStatus(res, 500, 'internal error')));
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const problem = LISTEN_PROBLEMS[err.code ?? ''];
      failed(problem === undefined ? err : new ListenError(problem, host, port));
    });
    server.listen(port, host, () => listening());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${urlHost(host)}:${bound}/`,
    close: () =>
      new Promise<void>((closed, failed) => {
        server.close((err) => (err ? failed(err) : closed()));
        server.closeAllConnections();
      }),
  };
}
