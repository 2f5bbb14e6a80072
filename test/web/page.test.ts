/**
 * The web page in headless Chromium, served as `seiscluster serve` serves it
 * (cross-origin isolated): what a user sees and gets, on both ways the page
 * trains — the compiled WebAssembly SIMD path on Web Workers and WebGPU
 * (SwiftShader here) — and the page's checkpoint meeting the command line.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.js';
import { serveFolder } from '../../src/node/static-server.js';
import { run } from '../cli/run.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';
import { launchChromium, skipWithoutChromium } from '../report/chromium.js';

/** What a page did that a user would not want: console errors, failed requests, requests outside its origin. */
interface Watched {
  readonly page: Page;
  readonly problems: string[];
}

interface Predictions {
  readonly header: string[];
  readonly clusters: number[];
  readonly q: number[][];
}

/** The page's predictions CSV (the command line's format): source_id, cluster, q_0 .. q_k-1, z_0 ... */
function parsePredictions(text: string): Predictions {
  const [head, ...lines] = text.trim().split('\n');
  const header = head!.split(',');
  const k = header.filter((h) => h.startsWith('q_')).length;
  const rows = lines.map((l) => l.split(','));
  for (const r of rows) expect(r).toHaveLength(header.length);
  return { header, clusters: rows.map((r) => Number(r[1])), q: rows.map((r) => r.slice(2, 2 + k).map(Number)) };
}

describe.skipIf(skipWithoutChromium('web page test'))('the web page in headless Chromium', () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seiscluster-web-'));
    const site = await buildWeb(join(dir, 'site'));
    server = await serveFolder({ folder: site, port: 0 });
    browser = await launchChromium({ webgpu: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(query: string): Promise<Watched> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    const origin = new URL(server.url).origin;
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    // blob: URLs (the kernels' worker script) carry the origin of the page that made them.
    page.on('request', (r) => {
      if (new URL(r.url()).origin !== origin) problems.push(`request outside the origin: ${r.url()}`);
    });
    await page.goto(`${server.url}${query}`);
    return { page, problems };
  }

  async function finished(page: Page, timeout: number): Promise<string> {
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout, polling: 250 });
    return (await page.evaluate(() => document.body.dataset.state))!;
  }

  async function download(page: Page, name: string, to: string): Promise<string> {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid="download-${name}"]`)]);
    expect(file.suggestedFilename()).toBe(name);
    const path = join(dir, to);
    await file.saveAs(path);
    return path;
  }

  /** Drops files on the page's drop zone as a user's drag and drop does. */
  async function drop(page: Page, files: readonly { name: string; bytes: Uint8Array }[]): Promise<void> {
    const transfer = await page.evaluateHandle(
      (given) => {
        const dt = new DataTransfer();
        for (const f of given) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name));
        return dt;
      },
      files.map((f) => ({ name: f.name, base64: Buffer.from(f.bytes).toString('base64') })),
    );
    await page.dispatchEvent('[data-testid=drop]', 'drop', { dataTransfer: transfer });
  }

  it('?demo=quick trains task A on the compiled WebAssembly path, shows the accuracy, and its checkpoint predicts through the CLI alike', async () => {
    const { page, problems } = await open('?demo=quick');
    expect(await finished(page, 120_000), (await page.textContent('[data-testid=error]')) ?? '').toBe('done');
    expect(problems).toEqual([]);
    expect(await page.textContent('[data-testid=backend]')).toContain('compiled to WebAssembly SIMD');
    const acc = Number(await page.textContent('[data-testid=acc]'));
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(1);
    // The quick demo separates the classes (the command line's quick demo: 0.825 with seed 0).
    expect(acc).toBeGreaterThan(0.7);

    const csv = await download(page, 'predictions.csv', 'page-predictions.csv');
    const fromPage = parsePredictions(await readFile(csv, 'utf8'));
    expect(fromPage.header.slice(0, 4)).toEqual(['source_id', 'cluster', 'q_0', 'q_1']);
    expect(fromPage.clusters).toHaveLength(1000);
    const checkpoint = await download(page, 'model.ckpt', 'page.ckpt');
    const dataset = await download(page, 'synthetic-a-1000-seed0.scds', 'page.scds');
    // The checkpoint loaded back into the page classifies the set alike.
    await page.setInputFiles('#checkpoint', checkpoint);
    await page.click('#classify');
    expect(await finished(page, 60_000), (await page.textContent('[data-testid=error]')) ?? '').toBe('done');
    expect(await page.textContent('#classified')).toContain('1000 records classified');
    const classified = parsePredictions(await readFile(await download(page, 'classified-predictions.csv', 'classified.csv'), 'utf8'));
    expect(classified.clusters).toEqual(fromPage.clusters);
    expect(problems).toEqual([]);
    await page.close();

    const out = join(dir, 'cli-predictions.csv');
    const predicted = await run('predict', '--checkpoint', checkpoint, '--data', dataset, '--out', out, '--backend', 'cpu');
    expect(predicted.code, predicted.stderr).toBe(0);
    const fromCli = parsePredictions(await readFile(out, 'utf8'));
    expect(fromCli.clusters).toEqual(fromPage.clusters);
  }, 180_000);

  it.skipIf(skipWithoutRealData('dropping a real SAC file'))(
    'a dropped SAC file is prepared and a corrupt one is listed with its reason',
    async () => {
      const sac = join(realDataDir, 'distance/teleseismic/rfmpy_alps_2015/P_2015.047.23.06.28/2015.047.23.06.28.CH.FUSIO.BHZ.SAC');
      const { page, problems } = await open('');
      await page.waitForFunction(() => document.body.dataset.state === 'idle');
      await drop(page, [
        { name: 'FUSIO.BHZ.SAC', bytes: await readFile(sac) },
        { name: 'broken.sac', bytes: new TextEncoder().encode('not a SAC file at all') },
      ]);
      await page.waitForFunction(
        () => document.body.dataset.state === 'error' || / prepared for task /.test(document.getElementById('data-status')?.textContent ?? ''),
        null,
        { timeout: 30_000 },
      );
      expect(await page.evaluate(() => document.body.dataset.state), (await page.textContent('[data-testid=error]')) ?? '').toBe('idle');
      const status = await page.textContent('#data-status');
      expect(status).toContain('1 record prepared for task A');
      expect(status).toContain('1 could not be');
      const skipped = await page.textContent('[data-testid=skipped]');
      expect(skipped).toContain('broken.sac');
      expect(problems).toEqual([]);

      // A corrupt file alone: nothing to train on, and the page says why.
      await drop(page, [{ name: 'broken.sac', bytes: new TextEncoder().encode('not a SAC file at all') }]);
      expect(await finished(page, 30_000)).toBe('error');
      expect(await page.textContent('[data-testid=error]')).toMatch(/^broken\.sac: .+/);
      expect(await page.locator('#train').isDisabled()).toBe(true);
      await page.close();
    },
    60_000,
  );

  it('WebGPU training agrees with the compiled WebAssembly path: the same clusters, q within 1e-3', async () => {
    const small = '?demo=quick&records=200&epochs=2&maxIter=20';
    const runs: Predictions[] = [];
    for (const path of ['wasm', 'webgpu']) {
      const { page, problems } = await open(`${small}&path=${path}`);
      expect(await finished(page, 150_000), (await page.textContent('[data-testid=error]')) ?? '').toBe('done');
      expect(problems).toEqual([]);
      expect(await page.textContent('[data-testid=backend]')).toContain(path === 'webgpu' ? 'webgpu' : 'WebAssembly');
      runs.push(parsePredictions(await readFile(await download(page, 'predictions.csv', `${path}.csv`), 'utf8')));
      await page.close();
    }
    const [wasm, webgpu] = runs as [Predictions, Predictions];
    expect(webgpu.clusters).toEqual(wasm.clusters);
    webgpu.q.forEach((q, i) => q.forEach((v, j) => expect(Math.abs(v - wasm.q[i]![j]!)).toBeLessThan(1e-3)));
  }, 240_000);

  it('cancel stops a training run, keeps the data, and a new run can start', async () => {
    const { page, problems } = await open('?demo=quick&path=ops');
    await page.waitForFunction(() => /pre-training/.test(document.getElementById('stage')?.textContent ?? ''), null, { timeout: 30_000 });
    await page.click('#cancel');
    await page.waitForFunction(() => document.body.dataset.state === 'cancelled', null, { timeout: 30_000 });
    expect(await page.textContent('#stage')).toBe('Cancelled.');
    expect(await page.textContent('#data-status')).toContain('Quick demo: synthetic task A');
    expect(await page.locator('#train').isEnabled()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('reads at phone width and at 1280x800 without sideways scrolling, and every control has a name', async () => {
    const { page, problems } = await open('');
    await page.waitForFunction(() => document.body.dataset.state === 'idle');
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `at ${width} px`).toBeLessThanOrEqual(0);
    }
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('button, select, input:not([hidden])')]
        .filter((el) => (el as HTMLInputElement).labels?.length === 0 && (el.textContent ?? '').trim() === '' && !el.getAttribute('aria-label'))
        .map((el) => el.outerHTML),
    );
    expect(unnamed).toEqual([]);
    // The keyboard reaches the data choices first.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name') ?? document.activeElement?.id)).toBe('task');
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);
});
