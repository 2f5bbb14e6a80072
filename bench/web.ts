/**
 * `npm run bench:web`: the compiled WebAssembly SIMD path in headless
 * Chromium against the same path in Node, on this machine and the same
 * threads — network A's training step at batch 128 and 1,024, timed by the
 * same code (bench/rows.ts) — then the page's quick demo, wall clock.
 * Node runs first and Chromium after, never both at once.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { buildWeb } from '../scripts/build-web.js';
import { CpuBackend } from '../src/index.js';
import { serveFolder } from '../src/node/static-server.js';
import { launchChromium } from '../test/report/chromium.js';
import { stepRows, type Row } from './rows.js';

const here = dirname(fileURLToPath(import.meta.url));
const BATCHES = [128, 1024];
const TIME_MS = 1500;
/** The bar: Chromium within 1.5x of Node. */
const WITHIN = 1.5;

/** The bench page (bench/web) bundled into `out`. */
async function buildBenchPage(out: string): Promise<void> {
  await build({
    entryPoints: { main: join(here, 'web/main.ts'), 'step-worker': join(here, 'web/step-worker.ts') },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
  });
  await copyFile(join(here, 'web/index.html'), join(out, 'index.html'));
}

async function inChromium(browser: Browser, url: string, threads: number): Promise<Row[]> {
  const page = await browser.newPage();
  try {
    await page.goto(`${url}?threads=${threads}&batches=${BATCHES.join(',')}&time=${TIME_MS}`);
    // Expressions, not functions: this file compiles without the DOM library.
    await page.waitForFunction('document.body.dataset.result !== undefined', null, { timeout: 300_000, polling: 500 });
    const result = JSON.parse((await page.evaluate('document.body.dataset.result')) as string) as { rows?: Row[]; error?: string };
    if (result.rows === undefined) throw new Error(`the bench page failed: ${result.error}`);
    return result.rows;
  } finally {
    await page.close();
  }
}

/** The page's `?demo=quick`, start to done, and what the page says it took. */
async function quickDemo(browser: Browser, url: string): Promise<{ wall: number; page: string; acc: string }> {
  const page = await browser.newPage();
  try {
    const started = performance.now();
    await page.goto(`${url}?demo=quick`);
    await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)", null, { timeout: 300_000, polling: 100 });
    const wall = (performance.now() - started) / 1000;
    if ((await page.evaluate('document.body.dataset.state')) !== 'done') throw new Error(`quick demo failed: ${await page.textContent('#error')}`);
    return { wall, page: (await page.textContent('#stage')) ?? '', acc: (await page.textContent('[data-testid=acc]')) ?? '' };
  } finally {
    await page.close();
  }
}

export async function webBenchmarks(): Promise<void> {
  const threads = Math.min(availableParallelism(), 4);
  const dir = await mkdtemp(join(tmpdir(), 'seiscluster-bench-web-'));
  let browser: Browser | undefined;
  const servers: { close(): Promise<void> }[] = [];
  try {
    await buildBenchPage(join(dir, 'bench'));
    const site = await buildWeb(join(dir, 'site'));
    const node = await stepRows(new CpuBackend({ threads }), BATCHES, async () => undefined, { time: TIME_MS, warmupTime: 200 }, { compiled: true, label: '' });
    const bench = await serveFolder({ folder: join(dir, 'bench'), port: 0 });
    const page = await serveFolder({ folder: site, port: 0 });
    servers.push(bench, page);
    browser = await launchChromium();
    const chromium = await inChromium(browser, bench.url, threads);
    console.log(
      `\nnetwork A training step, compiled WebAssembly SIMD, ${threads} threads: Node ${process.version} vs headless Chromium (${browser.version()})`,
    );
    console.table(
      BATCHES.map((batch, i) => {
        const ratio = chromium[i]!.medianMs / node[i]!.medianMs;
        return {
          batch,
          'Node median ms': node[i]!.medianMs.toFixed(2),
          'Chromium median ms': chromium[i]!.medianMs.toFixed(2),
          'Chromium / Node': ratio.toFixed(2),
          [`within ${WITHIN}x`]: ratio <= WITHIN ? 'yes' : 'no',
        };
      }),
    );
    const demo = await quickDemo(browser, page.url);
    console.log(`the page's quick demo (task A, 1,000 records): ${demo.wall.toFixed(1)} s from load to done (the page: "${demo.page}"), ACC ${demo.acc}`);
  } finally {
    await browser?.close();
    for (const s of servers) await s.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await webBenchmarks();
