/**
 * `seiscluster serve` and the static server under it: the headers that make
 * the page cross-origin isolated, content types, index pages, and no way out
 * of the served folder. The last tests run the built binary (`npm run build`).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListenError, serveFolder, type RunningServer } from '../../src/node/static-server.js';
import { run } from './run.js';

const BIN = resolve(import.meta.dirname, '../../bin/seiscluster.js');
const SECRET = 'the secret outside the served folder';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let dir: string;
let site: string;
let server: RunningServer;
let port: number;

/** A request with the path sent exactly as written (fetch would normalise `..` away). */
function get(path: string, method = 'GET'): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seiscluster-serve-'));
  site = join(dir, 'site');
  await mkdir(join(site, 'sub'), { recursive: true });
  await mkdir(join(dir, 'outside'));
  await writeFile(join(dir, 'secret.txt'), SECRET);
  await writeFile(join(dir, 'outside', 'index.html'), SECRET);
  const files: Record<string, string> = {
    'index.html': '<!doctype html><title>seiscluster</title>',
    'app.js': 'console.log(1);',
    'worker.mjs': 'export {};',
    'style.css': 'body{}',
    'data.json': '{}',
    'engine.wasm': '\0asm',
    'icon.svg': '<svg/>',
    'icon.png': 'png',
    'app.js.map': '{}',
    'notes.txt': 'notes',
    'data.bin': 'bytes',
    'sub/index.html': 'the sub page',
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(site, name), text);
  await symlink(join(dir, 'secret.txt'), join(site, 'leak.txt'));
  await symlink(join(dir, 'outside'), join(site, 'away'));
  await symlink(join(site, 'app.js'), join(site, 'alias.js'));
  server = await serveFolder({ folder: site, port: 0 });
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serveFolder', () => {
  it('serve listens on the loopback at the port it was given, any free one for port 0', () => {
    expect(server.url).toBe(`http://127.0.0.1:${port}/`);
    expect(port).toBeGreaterThan(0);
  });

  it('serve sends the cross-origin isolation headers on every response', async () => {
    for (const reply of [await get('/'), await get('/missing.js'), await get('/', 'POST'), await get('/../secret.txt')]) {
      expect(reply.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(reply.headers['cross-origin-embedder-policy']).toBe('require-corp');
      expect(reply.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['cache-control']).toBe('no-cache');
      expect(reply.headers['content-security-policy']).toBe(
        "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval' blob:; worker-src 'self' blob:; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; connect-src 'self' blob: data:",
      );
    }
  });

  it('serve sends each kind of file with its content type', async () => {
    const expected: Record<string, string> = {
      '/index.html': 'text/html; charset=utf-8',
      '/app.js': 'text/javascript; charset=utf-8',
      '/worker.mjs': 'text/javascript; charset=utf-8',
      '/style.css': 'text/css; charset=utf-8',
      '/data.json': 'application/json',
      '/engine.wasm': 'application/wasm',
      '/icon.svg': 'image/svg+xml',
      '/icon.png': 'image/png',
      '/app.js.map': 'application/json',
      '/notes.txt': 'text/plain; charset=utf-8',
      '/data.bin': 'application/octet-stream',
    };
    for (const [path, type] of Object.entries(expected)) {
      const reply = await get(path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers['content-type'], path).toBe(type);
    }
    expect((await get('/engine.wasm')).body).toBe('\0asm');
  });

  it('serve answers / and a folder with its index.html, and sends a folder without its slash to the slashed address', async () => {
    expect((await get('/')).body).toContain('<title>seiscluster</title>');
    expect((await get('/?v=2')).body).toContain('<title>seiscluster</title>');
    expect((await get('/sub/')).body).toBe('the sub page');
    const bare = await get('/sub');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/sub/');
    expect((await get('//sub')).headers.location).toBe('/sub/');
  });

  it('serve answers 404 for a file that is not there', async () => {
    expect((await get('/missing.js')).status).toBe(404);
    expect((await get('/sub/missing/')).status).toBe(404);
  });

  it('serve answers other methods than GET and HEAD with 405 and the allowed ones', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const reply = await get('/index.html', method);
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
    }
  });

  it('serve answers HEAD with the headers of GET and no body', async () => {
    const reply = await get('/app.js', 'HEAD');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(reply.headers['content-length']).toBe(String('console.log(1);'.length));
    expect(reply.body).toBe('');
    expect((await get('/missing.js', 'HEAD')).status).toBe(404);
  });

  it('serve streams a large file whole', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    await writeFile(join(site, 'big.txt'), big);
    const reply = await get('/big.txt');
    expect(reply.headers['content-length']).toBe(String(big.length));
    expect(reply.body.length).toBe(big.length);
  });

  it('serve sends nothing from outside the folder, however the path is written', async () => {
    const attempts = [
      '/../secret.txt',
      '/../../../../etc/passwd',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/sub/..%2f..%2fsecret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt',
      '/..\\secret.txt',
      '/%5c..%5csecret.txt',
      '/index.html%00.txt',
      '/%',
      'secret.txt',
      `http://127.0.0.1:${port}/../secret.txt`,
    ];
    for (const path of attempts) {
      const reply = await get(path);
      expect([400, 404], path).toContain(reply.status);
      expect(reply.body, path).not.toContain(SECRET);
    }
  });

  it('serve does not follow a symbolic link out of the folder, but follows one inside it', async () => {
    for (const path of ['/leak.txt', '/away/', '/away/index.html']) {
      const reply = await get(path);
      expect(reply.status, path).toBe(404);
      expect(reply.body, path).not.toContain(SECRET);
    }
    expect((await get('/alias.js')).body).toBe('console.log(1);');
  });

  it('serve refuses a port in use with an error naming the port', async () => {
    const error = await serveFolder({ folder: site, port }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ListenError);
    expect((error as ListenError).problem).toBe('port-in-use');
    expect((error as Error).message).toContain(`port ${port}`);
  });
});

describe('seiscluster serve', () => {
  it('serve on a port in use exits 1 naming the port and --port', async () => {
    const r = await run('serve', '--port', String(port), '--folder', site);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
    expect(r.stderr).toContain('--port');
  });

  it('serve of a folder without index.html exits 1 saying to run npm run build:web', async () => {
    const empty = await mkdtemp(join(dir, 'empty-'));
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--folder', empty], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).toBe(1);
    expect(stderr).toContain('npm run build:web');
  });

  it('serve prints the page URL, serves it, and exits 0 on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--folder', site], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((done) => child.on('close', done));
    try {
      const url = await new Promise<string>((found, fail) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          const match = /^seiscluster page: (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C stops\)$/m.exec(stdout);
          if (match) found(match[1]!);
        });
        child.on('close', () => fail(new Error(`serve ended before printing its URL: ${stdout}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(await page.text()).toContain('<title>seiscluster</title>');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
