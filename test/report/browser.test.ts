/**
 * Opens a generated report in headless Chromium (chromium.ts) and checks what
 * a reader sees: the page loads from file:// with no console errors, no
 * failed or outside requests, and every figure decoded and laid out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/html.js';
import { launchChromium, skipWithoutChromium } from './chromium.js';
import { sampleReport } from './fixtures.js';

/** What the test reads of a figure element in the page (the project compiles without the DOM library). */
interface ImageLike {
  tagName: string;
  alt?: string;
  complete?: boolean;
  naturalWidth?: number;
  naturalHeight?: number;
}
describe.skipIf(skipWithoutChromium('browser test'))('the report in headless Chromium', () => {
  let browser: Browser | undefined;
  let dir: string;
  let html: string;
  let figures: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seiscluster-browser-'));
    const out = await writeReport(dir, sampleReport());
    html = out.html;
    figures = out.pngs.length;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders with no console errors and shows every figure', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('request', (r) => requests.push(r.url()));

    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    expect(await page.title()).toBe('seiscluster report: task A <demo>');

    const shown = page.locator('figure img, figure svg');
    expect(await shown.count()).toBe(figures);
    for (const figure of await shown.all()) {
      await figure.scrollIntoViewIfNeeded();
      const box = await figure.boundingBox();
      // An <img> must have decoded its image; an inline <svg> has nothing to load.
      const state = await figure.evaluate((el: ImageLike) => ({
        name: el.alt ?? el.tagName,
        decoded: el.naturalWidth === undefined || (el.complete === true && el.naturalWidth > 0 && (el.naturalHeight ?? 0) > 0),
      }));
      expect(state.decoded, `${state.name} decoded`).toBe(true);
      expect(box?.width ?? 0, `${state.name} width`).toBeGreaterThan(0);
      expect(box?.height ?? 0, `${state.name} height`).toBeGreaterThan(0);
    }
    expect(errors).toEqual([]);
    // Self-contained: the document itself is the only thing fetched (figures are data URIs).
    expect(requests.filter((u) => !u.startsWith('data:'))).toEqual([pathToFileURL(html).href]);
    await page.close();
  });
});
