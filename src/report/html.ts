/**
 * The run report: one self-contained HTML file (inline CSS, figures embedded
 * as PNG data URIs, no scripts, fonts or network) and, beside it in
 * `figures/`, every figure as PNG and SVG.
 *
 * The caller describes the report as plain data (`Report`); this module
 * renders it. All text is escaped, since much of it (file names, class names,
 * settings) comes from the user.
 */
import { join } from '../common/path.js';
import { base64 } from '../common/text.js';
import { host } from '../host/host.js';
import { escapeXml as escapeHtml } from './figure-surface.js';
import { renderFigure, type Figure } from './figures.js';
import { formatMetric, type Metric } from './metrics-format.js';

export { formatMetric, type Metric };

/** Escapes text for HTML content and attribute values (the same five characters as XML). */
export { escapeHtml };

/** A value JSON can hold, for the run settings. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A row of the results table: one stage of the comparison (k-means on raw records, ..., fine-tuned). */
export interface ResultRow {
  stage: string;
  /** Clustering accuracy as a fraction in [0, 1]; shown in percent. */
  acc: Metric;
  /** Normalised mutual information in [0, 1]. */
  nmi: Metric;
  /** Adjusted Rand index in [-1, 1]. */
  ari: Metric;
  /** The paper's ACC for this stage (fraction), where it reports one. */
  paperAcc?: number | null;
  note?: string;
}

export interface DataSource {
  /** A file, folder or generator name, as the user gave it. */
  path: string;
  records: number;
  note?: string;
}

export interface Provenance {
  sources: readonly DataSource[];
  /** Records per label name (for evaluation), e.g. { local: 4700, teleseismic: 4500 }. */
  countsPerLabel: Readonly<Record<string, number>>;
  /** The preprocessing steps in order, one line each. */
  preprocessing: readonly string[];
  notes?: string;
}

/** A free-form table (per-class precision / recall / F, per-seed results, ...). */
export interface Table {
  caption: string;
  columns: readonly string[];
  /** Each row as long as `columns`; numbers are formatted, null shows as a dash. */
  rows: readonly (readonly (string | number | null)[])[];
}

export interface Section {
  title: string;
  /** Paragraphs separated by blank lines. */
  text?: string;
  tables?: readonly Table[];
  figures?: readonly Figure[];
}

export interface Report {
  title: string;
  /** A line under the title: command, date, data set. */
  subtitle?: string;
  /** The run's settings, shown as a key / value table (non-strings as JSON). */
  settings: Readonly<Record<string, JsonValue>>;
  provenance: Provenance;
  /** What a reader must see before the results (e.g. clusters that follow the event instead of the class), at the top. */
  alerts?: readonly Section[];
  /** The results table: stage, ACC, NMI, ARI (and the paper's ACC); none shown when empty. */
  results: readonly ResultRow[];
  /** Figures and tables, in order; figures are numbered through the report. */
  sections: readonly Section[];
}

/** A file of the report, relative to its folder. */
export interface ReportFile {
  path: string;
  bytes: Uint8Array | string;
}

export interface RenderedReport {
  /** The HTML document. */
  html: string;
  /** The figure files (figures/NN-name.png and .svg). */
  files: ReportFile[];
}

export interface WrittenReport {
  /** Path of the HTML file. */
  html: string;
  /** Paths of the PNG files, in figure order. */
  pngs: string[];
  /** Paths of the SVG files, in figure order. */
  svgs: string[];
}

const HTML_NAME = 'report.html';
const FIGURE_DIR = 'figures';

/** A file-name stem from a title: lower-case letters, digits and dashes only, so user text cannot reach the path. */
function slug(s: string): string {
  const t = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return t === '' ? 'figure' : t;
}

function groupThousands(n: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return Math.abs(v) < 1e15 ? groupThousands(v) : String(v);
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

function cell(v: string | number | null): string {
  if (v === null) return '<td class="num">–</td>';
  if (typeof v === 'number') return `<td class="num">${escapeHtml(formatNumber(v))}</td>`;
  return `<td>${escapeHtml(v)}</td>`;
}

function table(t: Table): string {
  t.rows.forEach((row, i) => {
    if (row.length !== t.columns.length) {
      throw new Error(`report table ${JSON.stringify(t.caption)}: row ${i} has ${row.length} cells, ${t.columns.length} columns`);
    }
  });
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('\n');
  return `<table><caption>${escapeHtml(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p>${escapeHtml(p)}</p>`)
    .join('\n');
}

const CSS = `
:root { color-scheme: light; }
body { margin: 0; background: #f6f6f4; color: #222; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
.subtitle { color: #555; margin: 0 0 16px; }
table { border-collapse: collapse; margin: 12px 0 20px; font-size: 14px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #d8d8d8; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f0f0ee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
td code { white-space: pre-wrap; word-break: break-all; }
figure { margin: 20px 0 28px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 14px; margin-top: 6px; max-width: 900px; }
figcaption a { color: #0072b2; }
ol, ul { padding-left: 22px; }
section.alert { border-left: 5px solid #d55e00; background: #fdf3ec; padding: 4px 16px 8px; margin-top: 16px; }
section.alert h2 { color: #a33f00; border-bottom-color: #f0c8ae; }
footer { color: #777; font-size: 13px; margin-top: 40px; }
`;

/**
 * Renders the report in memory: the HTML (figures embedded) and the figure
 * files. Throws before anything is written if a figure or table is malformed.
 */
export function renderReport(report: Report): RenderedReport {
  const files: ReportFile[] = [];
  let figureNumber = 0;
  const figureHtml = (f: Figure): string => {
    figureNumber++;
    const stem = `${String(figureNumber).padStart(2, '0')}-${slug(f.name ?? f.title)}`;
    const r = renderFigure(f);
    const png = `${FIGURE_DIR}/${stem}.png`;
    const svg = `${FIGURE_DIR}/${stem}.svg`;
    files.push({ path: png, bytes: r.png }, { path: svg, bytes: r.svg });
    const src = `data:image/png;base64,${base64(r.png)}`;
    const caption = f.caption ? ` ${escapeHtml(f.caption)}` : '';
    return (
      `<figure id="figure-${figureNumber}"><img src="${src}" width="${r.width}" height="${r.height}" alt="${escapeHtml(f.title)}">` +
      `<figcaption><strong>Figure ${figureNumber}.</strong> ${escapeHtml(f.title.replace(/\.$/, ''))}.${caption} ` +
      `<a href="${png}">PNG</a> · <a href="${svg}">SVG</a></figcaption></figure>`
    );
  };

  const showPaper = report.results.some((r) => r.paperAcc !== undefined && r.paperAcc !== null);
  const resultRows = report.results
    .map((r) => {
      const cells = [
        `<td>${escapeHtml(r.stage)}</td>`,
        `<td class="num">${escapeHtml(formatMetric(r.acc, true))}</td>`,
        `<td class="num">${escapeHtml(formatMetric(r.nmi, false))}</td>`,
        `<td class="num">${escapeHtml(formatMetric(r.ari, false))}</td>`,
      ];
      if (showPaper) cells.push(`<td class="num">${escapeHtml(formatMetric(r.paperAcc ?? null, true))}</td>`);
      cells.push(`<td>${escapeHtml(r.note ?? '')}</td>`);
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const resultsHead = ['stage', 'ACC', 'NMI', 'ARI', ...(showPaper ? ['paper ACC'] : []), 'note'].map((c) => `<th>${c}</th>`).join('');
  // A run without labels to score (a stream's detections) has no results table.
  const results =
    report.results.length === 0
      ? ''
      : `<section>\n<h2>Results</h2>\n<table><thead><tr>${resultsHead}</tr></thead><tbody>\n${resultRows}\n</tbody></table>\n</section>`;

  const sectionHtml = (s: Section, className?: string): string => {
    const parts = [`<h2>${escapeHtml(s.title)}</h2>`];
    if (s.text) parts.push(paragraphs(s.text));
    for (const t of s.tables ?? []) parts.push(table(t));
    for (const f of s.figures ?? []) parts.push(figureHtml(f));
    return `<section${className ? ` class="${className}"` : ''}>\n${parts.join('\n')}\n</section>`;
  };
  // Alerts come first in the page, so their figures are numbered first.
  const alerts = (report.alerts ?? []).map((s) => sectionHtml(s, 'alert')).join('\n');
  const sections = report.sections.map((s) => sectionHtml(s)).join('\n');

  const p = report.provenance;
  const sources = table({
    caption: 'Sources',
    columns: ['source', 'records', 'note'],
    rows: p.sources.map((s) => [s.path, s.records, s.note ?? '']),
  });
  const counts = table({
    caption: 'Records per label',
    columns: ['label', 'records'],
    rows: Object.entries(p.countsPerLabel).map(([k, v]) => [k, v]),
  });
  const steps = p.preprocessing.length > 0 ? `<ol>${p.preprocessing.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ol>` : '<p>None.</p>';
  const settingsRows = Object.entries(report.settings)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td><code>${escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))}</code></td></tr>`)
    .join('\n');

  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${escapeHtml(report.title)}</h1>
${report.subtitle ? `<p class="subtitle">${escapeHtml(report.subtitle)}</p>` : ''}
${alerts}
${results}
${sections}
<section>
<h2>Data provenance</h2>
${sources}
${counts}
<h3>Preprocessing</h3>
${steps}
${p.notes ? paragraphs(p.notes) : ''}
</section>
<section>
<h2>Run settings</h2>
<table><thead><tr><th>setting</th><th>value</th></tr></thead><tbody>
${settingsRows}
</tbody></table>
</section>
<footer>Written by seiscluster. This file is self-contained; the figures are also in the ${FIGURE_DIR}/ folder beside it as PNG and SVG.</footer>
</main>
</body>
</html>
`;
  return { html, files };
}

/**
 * Writes `dir`/report.html and `dir`/figures/ (created as needed; other files
 * in `dir` are left alone) through the host's files. Everything is rendered
 * first, then the figures are written to a staging folder inside `dir` and
 * put in place whole (`replaceFolder`), then the HTML (`writeAtomic`), so a
 * failure (bad data, full disk) leaves the previous report, if any, as it
 * was and no half-written one.
 */
export async function writeReport(dir: string, report: Report): Promise<WrittenReport> {
  const rendered = renderReport(report);
  const files = host().files;
  const staging = await files.stagingFolder(join(dir, HTML_NAME));
  try {
    await files.makeFolder(join(staging, FIGURE_DIR));
    for (const f of rendered.files) await files.write(join(staging, f.path), f.bytes);
    await files.replaceFolder(join(staging, FIGURE_DIR), join(dir, FIGURE_DIR));
    await files.writeAtomic(join(dir, HTML_NAME), rendered.html);
  } finally {
    await files.remove(staging);
  }
  const paths = (ext: string): string[] => rendered.files.filter((f) => f.path.endsWith(ext)).map((f) => join(dir, f.path));
  return { html: join(dir, HTML_NAME), pngs: paths('.png'), svgs: paths('.svg') };
}
