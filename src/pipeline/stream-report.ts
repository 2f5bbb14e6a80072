/**
 * The report page of `stream --report`: what a stream's detections were,
 * per channel, per cluster and in time. A stream may run for days, so the
 * page is made from a tally of bounded size, never from every detection:
 * counts per channel and cluster, counts per hour, running sums for the
 * means, and a seeded uniform sample (reservoir) of at most
 * `DETECTION_SAMPLE` detections for the scatter figures.
 */
import type { LineSeries } from '../report/figure-types.js';
import { writeReport, type JsonValue, type Report, type Section } from '../report/html.js';
import { Rng } from '../tensor/random.js';
import { isoTime, type StreamDetection, type StreamSummary } from './stream.js';

/** Detections kept for the scatter figures, a uniform sample of all of them. */
export const DETECTION_SAMPLE = 5000;

const HOUR = 3600;

/** What the tally keeps of one channel's detections. */
export interface ChannelTally {
  readonly station: string;
  readonly channel: string;
  detections: number;
  /** Detections per cluster. */
  readonly perCluster: number[];
  /** Sum of log10 SNR over the detections with one, for the geometric mean. */
  logSnr: number;
  withSnr: number;
  /** Sum of the soft assignment to the assigned cluster. */
  assignedQ: number;
  first: number;
  last: number;
}

/** The detections of a stream, kept in bounded memory (see the module comment). */
export class DetectionTally {
  /** By `station channel`, in order of first detection. */
  readonly channels = new Map<string, ChannelTally>();
  /** Detections per cluster, by UTC hour (seconds since 1970 / 3600, floored). */
  readonly perHour = new Map<number, number[]>();
  /** A uniform sample of the detections, at most `DETECTION_SAMPLE`. */
  readonly sample: StreamDetection[] = [];
  /** Clusters seen: one more than the largest cluster id. */
  clusters = 0;
  total = 0;
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  add(d: StreamDetection): void {
    this.total++;
    this.clusters = Math.max(this.clusters, d.cluster + 1, d.q.length);
    const key = `${d.station} ${d.channel}`;
    let c = this.channels.get(key);
    if (c === undefined) {
      c = { station: d.station, channel: d.channel, detections: 0, perCluster: [], logSnr: 0, withSnr: 0, assignedQ: 0, first: d.pickTime, last: d.pickTime };
      this.channels.set(key, c);
    }
    c.detections++;
    c.perCluster[d.cluster] = (c.perCluster[d.cluster] ?? 0) + 1;
    if (d.snr !== null && d.snr > 0) {
      c.logSnr += Math.log10(d.snr);
      c.withSnr++;
    }
    c.assignedQ += d.q[d.cluster] ?? 0;
    c.first = Math.min(c.first, d.pickTime);
    c.last = Math.max(c.last, d.pickTime);
    const hour = Math.floor(d.pickTime / HOUR);
    const counts = this.perHour.get(hour) ?? [];
    counts[d.cluster] = (counts[d.cluster] ?? 0) + 1;
    this.perHour.set(hour, counts);
    // Reservoir sampling: every detection so far is in the sample with the same chance.
    if (this.sample.length < DETECTION_SAMPLE) this.sample.push(d);
    else {
      const slot = this.rng.int(this.total);
      if (slot < DETECTION_SAMPLE) this.sample[slot] = d;
    }
  }
}

/** What the page says of the run beside the tally. */
export interface StreamReportContext {
  readonly command: string;
  readonly checkpointPath: string;
  /** The inputs as given (files, folders, `-`). */
  readonly inputs: readonly string[];
  /** The run's settings for the settings table. */
  readonly settings: Readonly<Record<string, JsonValue>>;
}

const clusterName = (c: number): string => `cluster ${c}`;

/** Detections per hour bin against time, a curve per cluster; bins widen (1, 2, 3, 6, 12, 24 h, ...) to keep at most 500 points. */
function perHourSeries(tally: DetectionTally): { series: LineSeries[]; binHours: number; start: number } {
  const hours = [...tally.perHour.keys()].sort((a, b) => a - b);
  const start = hours[0]!;
  const span = hours.at(-1)! - start + 1;
  const binHours = [1, 2, 3, 6, 12, 24, 48, 168].find((b) => span / b <= 500) ?? Math.ceil(span / 500);
  const bins = Math.ceil(span / binHours);
  const counts = Array.from({ length: tally.clusters }, () => new Float64Array(bins));
  for (const [hour, perCluster] of tally.perHour)
    perCluster.forEach((n, c) => {
      counts[c]![Math.floor((hour - start) / binHours)]! += n;
    });
  const x = Float64Array.from({ length: bins }, (_, b) => b * binHours);
  return { series: counts.map((y, c) => ({ name: clusterName(c), x, y })), binHours, start };
}

/** The page (see the module comment). */
export function streamReport(tally: DetectionTally, summary: StreamSummary, context: StreamReportContext): Report {
  const k = tally.clusters;
  const channels = [...tally.channels.values()];
  const hours = summary.seconds / HOUR;
  const sections: Section[] = [];
  sections.push({
    title: 'What the stream held',
    text:
      `${summary.detections} detections in ${hours.toFixed(2)} hours of data on ${summary.channels} vertical channels` +
      `${summary.dropped > 0 ? `; ${summary.dropped} onsets lay too near the start, the end or a gap to cut a record` : ''}` +
      `${summary.unprepared > 0 ? `; ${summary.unprepared} records could not be prepared` : ''}.\n\n` +
      "Each detection is a P onset found by the stream picker, its record prepared as the checkpoint's training records were and put in the cluster of largest soft assignment q. " +
      "The clusters are the checkpoint's: what each stands for is what its training report says of it (the classes its labelled records map to, where they had labels). " +
      `The scatter figures show a uniform sample of ${Math.min(tally.total, DETECTION_SAMPLE)} of the ${tally.total} detections.`,
    tables: [
      {
        caption: 'Detections per channel',
        columns: [
          'station',
          'channel',
          'detections',
          ...Array.from({ length: k }, (_, c) => clusterName(c)),
          'first (UTC)',
          'last (UTC)',
          'SNR, geometric mean',
          'mean q of the assigned cluster',
        ],
        rows: channels.map((c) => [
          c.station,
          c.channel,
          c.detections,
          ...Array.from({ length: k }, (_, j) => c.perCluster[j] ?? 0),
          isoTime(c.first),
          isoTime(c.last),
          c.withSnr > 0 ? 10 ** (c.logSnr / c.withSnr) : null,
          c.assignedQ / c.detections,
        ]),
      },
    ],
  });
  if (tally.total > 0) {
    const { series, binHours, start } = perHourSeries(tally);
    const row = new Map(channels.map((c, i) => [`${c.station} ${c.channel}`, i + 1]));
    const origin = start * HOUR;
    const timeline = tally.sample.map((d) => [(d.pickTime - origin) / HOUR, row.get(`${d.station} ${d.channel}`)!] as const);
    const withSnr = tally.sample.filter((d) => d.snr !== null && d.snr > 0);
    sections.push({
      title: 'Detections in time',
      figures: [
        {
          kind: 'line',
          title: `Detections per ${binHours === 1 ? 'hour' : `${binHours} hours`}, by cluster`,
          caption: `Hours from ${isoTime(origin)}.`,
          series,
          xLabel: `hours from ${isoTime(origin).slice(0, 16).replace('T', ' ')} UTC`,
          yLabel: 'detections',
          yMin: 0,
        },
        {
          kind: 'scatter',
          title: 'Each detection by time and channel, coloured by cluster',
          caption: `Channels numbered as in the table above (1: ${channels[0]!.station} ${channels[0]!.channel}).`,
          points: timeline.flat(),
          labels: tally.sample.map((d) => d.cluster),
          classNames: Array.from({ length: k }, (_, c) => clusterName(c)),
          xLabel: `hours from ${isoTime(origin).slice(0, 16).replace('T', ' ')} UTC`,
          yLabel: 'channel',
        },
        ...(withSnr.length > 0
          ? [
              {
                kind: 'scatter' as const,
                title: 'Soft assignment to the assigned cluster against SNR',
                caption: 'A detection near chance (q = 1/k) is one the model cannot place; low SNR is where that is expected.',
                points: withSnr.flatMap((d) => [Math.log10(d.snr!), d.q[d.cluster] ?? 0]),
                labels: withSnr.map((d) => d.cluster),
                classNames: Array.from({ length: k }, (_, c) => clusterName(c)),
                xLabel: 'log10 SNR',
                yLabel: 'q of the assigned cluster',
              },
            ]
          : []),
      ],
    });
  }
  const counts: Record<string, number> = {};
  for (let c = 0; c < k; c++) counts[clusterName(c)] = channels.reduce((s, ch) => s + (ch.perCluster[c] ?? 0), 0);
  return {
    title: `seiscluster stream: ${context.inputs.join(', ')}`,
    subtitle: `${context.command} — ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    settings: { command: context.command, checkpoint: context.checkpointPath, inputs: [...context.inputs], ...context.settings },
    provenance: {
      sources: channels.map((c) => ({ path: `${c.station} ${c.channel}`, records: c.detections, note: 'detections on this channel' })),
      countsPerLabel: counts,
      preprocessing: Object.entries(summary.preprocessing).map(([key, value]) => `${key}: ${JSON.stringify(value)}`),
    },
    results: [],
    sections,
  };
}

/** Writes the page into `folder` (report.html, figures/); returns the HTML file's path. */
export async function writeStreamReport(folder: string, tally: DetectionTally, summary: StreamSummary, context: StreamReportContext): Promise<string> {
  return (await writeReport(folder, streamReport(tally, summary, context))).html;
}
