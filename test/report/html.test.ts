import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { escapeHtml, renderReport, writeReport, type Report } from '../../src/report/html.js';
import { decodePng } from './decode-png.js';
import { sampleReport } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seiscluster-report-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeReport', () => {
  // The pure checks share one rendering.
  let html: string;
  beforeAll(() => {
    html = renderReport(sampleReport()).html;
  });

  it('writes report.html and every figure as PNG and SVG in figures/', async () => {
    const out = await writeReport(dir, sampleReport());
    expect(out.html).toBe(join(dir, 'report.html'));
    expect(out.pngs.length).toBe(8);
    expect(out.svgs.length).toBe(8);
    expect((await readdir(join(dir, 'figures'))).sort()).toEqual([...out.pngs, ...out.svgs].map((p) => basename(p)).sort());
    expect(basename(out.pngs[0]!)).toBe('01-codes-after-pre-training.png');
    for (const p of out.pngs) {
      const png = decodePng(new Uint8Array(await readFile(p)));
      expect(png.width).toBeGreaterThan(100);
    }
    for (const p of out.svgs) expect((await readFile(p, 'utf8')).startsWith('<svg')).toBe(true);
    // Nothing else is left behind: no staging folder.
    expect((await readdir(dir)).sort()).toEqual(['figures', 'report.html']);
  });

  it('embeds the same PNGs it writes, so the HTML stands alone', async () => {
    const out = await writeReport(dir, sampleReport());
    const html = await readFile(out.html, 'utf8');
    const embedded = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64'));
    expect(embedded.length).toBe(8);
    for (let i = 0; i < 8; i++) expect(embedded[i]!.equals(await readFile(out.pngs[i]!))).toBe(true);
  });

  it('needs no network and runs no scripts: inline CSS, data URIs, no external references', () => {
    expect(html).not.toMatch(/<script|<link rel="stylesheet"|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    for (const m of html.matchAll(/src="([^"]*)"/g)) expect(m[1]!.startsWith('data:')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<style>');
  });

  it('shows results, provenance and settings', () => {
    for (const s of [
      '<th>paper ACC</th>',
      '98.41 %',
      '85.00 ± 1.20 % (5 runs)',
      '0.410 ± 0.020 (5 runs)',
      '<td class="num">–</td>',
      'band-pass 1-20 Hz',
      '<td class="num">4,700</td>',
      'updateInterval',
      'Figure 8.',
    ]) {
      expect(html).toContain(s);
    }
  });

  it('escapes every piece of user text', () => {
    expect(html).toContain('<title>seiscluster report: task A &lt;demo&gt;</title>');
    expect(html).toContain('data/&lt;weird&gt; &amp; &quot;name&quot;.h5');
    expect(html).toContain('{&quot;source&quot;:&quot;synthetic&quot;,&quot;records&quot;:600}');
    expect(html).not.toContain('<weird>');
    expect(html).not.toContain('<demo>');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('replaces a previous report whole: stale figures go, other files in the folder stay', async () => {
    await writeReport(dir, sampleReport());
    await writeFile(join(dir, 'checkpoint.json'), '{}');
    const smaller: Report = { ...sampleReport(), sections: sampleReport().sections.slice(0, 1) };
    const out = await writeReport(dir, smaller);
    expect(out.pngs.length).toBe(1);
    expect((await readdir(join(dir, 'figures'))).length).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['checkpoint.json', 'figures', 'report.html']);
  });

  it('leaves the previous report untouched when the new one cannot be made', async () => {
    await writeReport(dir, sampleReport());
    const before = await readFile(join(dir, 'report.html'), 'utf8');
    const figuresBefore = (await readdir(join(dir, 'figures'))).sort();
    const broken: Report = {
      ...sampleReport(),
      sections: [{ title: 'bad', figures: [{ kind: 'scatter', title: 'broken map', points: [0, 0, 1], labels: [0, 1] }] }],
    };
    await expect(writeReport(dir, broken)).rejects.toThrow(/figure "broken map": points hold 3 values/);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toBe(before);
    expect((await readdir(join(dir, 'figures'))).sort()).toEqual(figuresBefore);
    expect((await readdir(dir)).sort()).toEqual(['figures', 'report.html']);
  });

  it('rejects a table row of the wrong length', () => {
    const report: Report = { ...sampleReport(), sections: [{ title: 't', tables: [{ caption: 'per class', columns: ['a', 'b'], rows: [['x']] }] }] };
    expect(() => renderReport(report)).toThrow(/report table "per class": row 0 has 1 cells, 2 columns/);
  });
});

describe('report alerts', () => {
  it('come before the results table, with their text escaped and their figures numbered first', () => {
    const report: Report = {
      ...sampleReport(),
      alerts: [
        {
          title: 'Warning: the clusters follow <b>event</b>',
          text: 'the clusters follow `event_id` of <script>x</script>',
          figures: [sampleReport().sections[0]!.figures![0]!],
        },
      ],
    };
    const html = renderReport(report).html;
    expect(html.indexOf('class="alert"')).toBeGreaterThan(0);
    expect(html.indexOf('class="alert"')).toBeLessThan(html.indexOf('<h2>Results</h2>'));
    expect(html).not.toContain('<script>x</script>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).toContain('Warning: the clusters follow &lt;b&gt;event&lt;/b&gt;');
    expect(html.indexOf('<figure id="figure-1">')).toBeGreaterThan(html.indexOf('class="alert"'));
    expect(html.indexOf('<figure id="figure-1">')).toBeLessThan(html.indexOf('<h2>Results</h2>'));
  });
});
