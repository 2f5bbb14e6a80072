/**
 * Names in a report come from the user's data: file names, labels and the
 * manifest's network, station, event and data-set columns. This test gives
 * every one of them markup and script, runs prepare and train end to end on
 * real records, and opens the report in headless Chromium (Debian's
 * `chromium`, driven by playwright-core): nothing runs, nothing is fetched,
 * and every name is shown as the text it is.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, parseCsv } from '../../src/data/readers/manifest.js';
import { run } from '../cli/run.js';
import { distanceSlice } from '../data/helpers.js';
import { skipWithoutRealData } from '../helpers/real-data.js';
import { launchChromium, skipWithoutChromium } from './chromium.js';

/** Each sets a different global when it runs, so a failure names the way in. */
const hostile = {
  local: '<script>window.__pwned="label"</script>',
  teleseismic: '"><img src=x onerror="window.__pwned=\'label attribute\'">',
  network: '<svg onload="window.__pwned=\'network\'"></svg>',
  station: "</text><script>window.__pwned='station'</script>",
  event: "'><iframe src=\"javascript:window.parent.__pwned='event'\">",
  dataset: '<style>body{background:url(http://127.0.0.1:9/leak)}</style>',
  file: '<img src=x onerror=window.__pwned=1>',
};

const tiny = ['--backend', 'cpu', '--threads', '1', '--epochs', '2', '--max-iter', '20', '--update-interval', '10', '--n-init', '2'];

/** What the page reports of itself (the project compiles without the DOM library). */
interface PageFacts {
  pwned: unknown;
  scripts: number;
  handlers: string[];
  /** Addresses that are neither inline data, a fragment, nor a file inside the report's folder. */
  outsideSources: string[];
  text: string;
}

const skip = skipWithoutChromium('report injection test') || skipWithoutRealData('report injection test');

describe.skipIf(skip)('a report of data whose names are markup and script, in headless Chromium', () => {
  let dir: string;
  let html: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seiscluster-injection-'));
    // Real records of two data sets, copied under hostile names and relabelled with hostile values.
    const slice = await distanceSlice(join(dir, 'slice.csv'), ['phasenet_ncedc', 'aimbat_chile_2012'], 16);
    const { columns, records } = parseCsv(await readFile(slice, 'utf8'), slice);
    const rows: string[] = [];
    for (const [i, r] of records.entries()) {
      const v = { ...r.values };
      const copy = join(dir, `${hostile.file}-${i}${extname(v.path!)}`);
      await copyFile(v.path!, copy);
      v.path = copy;
      v.label = v.label === 'local' ? hostile.local : hostile.teleseismic;
      v.network = hostile.network;
      v.station = `${hostile.station}${i % 3}`;
      v.event_id = `${hostile.event}${v.dataset}`;
      v.dataset = `${hostile.dataset}${v.dataset}`;
      rows.push(columns.map((c) => csvField(v[c] ?? '')).join(','));
    }
    const manifest = join(dir, `${hostile.file}.csv`);
    await writeFile(manifest, `${columns.join(',')}\n${rows.join('\n')}\n`);
    const set = join(dir, `${hostile.file}.scds`);
    const prepared = await run('prepare', '--task', 'A', '--out', set, manifest);
    expect(prepared.code, prepared.stderr).toBe(0);
    const out = join(dir, `run ${hostile.file}`);
    const trained = await run('train', '--data', set, '--out', out, '--tsne-points', '32', '--tsne-iterations', '50', ...tiny);
    expect(trained.code, trained.stderr).toBe(0);
    html = join(out, 'report', 'report.html');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs no script, fetches nothing but itself, and shows every name as text', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const events: string[] = [];
    const requests: string[] = [];
    page.on('dialog', (d) => {
      events.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (e) => events.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    // Hover and scroll over everything, so handlers that need an event would fire too.
    for (const element of await page.locator('figure, table, h2').all()) {
      await element.scrollIntoViewIfNeeded();
      await element.hover({ force: true });
    }
    const facts = await page.evaluate((): PageFacts => {
      const doc = (
        globalThis as unknown as {
          document: {
            querySelectorAll(s: string): ArrayLike<{ getAttributeNames(): string[]; getAttribute(n: string): string | null; tagName: string }>;
            body: { innerText: string };
          };
        }
      ).document;
      const all = Array.from(doc.querySelectorAll('*'));
      return {
        pwned: (globalThis as unknown as { __pwned?: unknown }).__pwned,
        scripts: doc.querySelectorAll('script, iframe, object, embed').length,
        handlers: all.flatMap((el) =>
          el
            .getAttributeNames()
            .filter((a) => a.toLowerCase().startsWith('on'))
            .map((a) => `${el.tagName} ${a}`),
        ),
        outsideSources: all.flatMap((el) =>
          ['src', 'href', 'xlink:href']
            .map((a) => el.getAttribute(a))
            .filter((v): v is string => v !== null && !v.startsWith('data:') && !v.startsWith('#') && !/^(?!\/)(?!.*\.\.)[\w./-]+$/.test(v)),
        ),
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a reader sees
        text: doc.body.innerText,
      };
    });
    expect(facts.pwned).toBeUndefined();
    expect(events).toEqual([]);
    expect(facts.scripts).toBe(0);
    expect(facts.handlers).toEqual([]);
    expect(facts.outsideSources).toEqual([]);
    expect(requests).toEqual([pathToFileURL(html).href]);
    // Escaped, not dropped: the reader sees the names as they are in the data.
    for (const name of [hostile.local, hostile.teleseismic, hostile.network, `${hostile.station}0`, hostile.dataset]) {
      expect(facts.text, name).toContain(name);
    }
    await page.close();
  });
});
