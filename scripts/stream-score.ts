/**
 * Scores `seiscluster stream` on a synthetic continuous day
 * (`seiscluster synthesize --task A --continuous`): detection precision,
 * recall and F1 against the day's true P onsets (events.csv) within a
 * tolerance, the pick error, and the classification accuracy of the detected
 * events, clusters mapped to classes one-to-one (Hungarian) as `evaluate`
 * maps them.
 *
 *   npx tsx scripts/stream-score.ts --events day/events.csv --detections detections.jsonl [--tolerance 0.5] [--json]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { evaluateClusters } from '../src/cluster/evaluation.js';
import { scoreDetections, type TimedPick } from '../src/data/detection-score.js';
import { parseCsv } from '../src/data/readers/manifest.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    detections: { type: 'string' },
    tolerance: { type: 'string', default: '0.5' },
    json: { type: 'boolean', default: false },
  },
});
if (values.events === undefined || values.detections === undefined) {
  console.error('usage: npx tsx scripts/stream-score.ts --events day/events.csv --detections detections.jsonl [--tolerance 0.5] [--json]');
  process.exit(1);
}
const tolerance = Number(values.tolerance);

const events = parseCsv(await readFile(values.events, 'utf8'), values.events).records.map(({ values: row }) => ({
  trace: `${row.station}.${row.channel}`,
  time: Date.parse(row.pick_time!) / 1000,
  label: row.label!,
}));
const detections = (await readFile(values.detections, 'utf8'))
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { station: string; channel: string; pick_time: string; cluster: number });
const picks: TimedPick[] = detections.map((d) => ({ trace: `${d.station}.${d.channel}`, time: Date.parse(d.pick_time) / 1000 }));

const score = scoreDetections(events, picks, tolerance);
const classes = [...new Set(events.map((e) => e.label))].sort();
const labels = score.matches.map(([onset]) => classes.indexOf(events[onset]!.label));
const clusters = score.matches.map(([, pick]) => detections[pick]!.cluster);
const evaluation = evaluateClusters(labels, clusters);
const errors = [...score.errors].sort((a, b) => a - b);
const quantile = (q: number): number => errors[Math.min(errors.length - 1, Math.floor(q * errors.length))] ?? Number.NaN;
const result = {
  events: events.length,
  detections: picks.length,
  toleranceSeconds: tolerance,
  hits: score.hits,
  falseDetections: score.falseDetections,
  misses: score.misses,
  precision: score.precision,
  recall: score.recall,
  f1: score.f1,
  pickErrorSeconds: { q05: quantile(0.05), median: quantile(0.5), q95: quantile(0.95) },
  accuracyOfDetected: evaluation.acc,
  mapping: evaluation.mapping.map(([cluster, label]) => `cluster ${cluster} -> ${classes[label]}`),
};
if (values.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`events ${result.events}, detections ${result.detections}, tolerance ${tolerance} s`);
  console.log(`hits ${result.hits}, false detections ${result.falseDetections}, misses ${result.misses}`);
  console.log(`precision ${result.precision.toFixed(3)}, recall ${result.recall.toFixed(3)}, F1 ${result.f1.toFixed(3)}`);
  const e = result.pickErrorSeconds;
  console.log(`pick - true onset, s: 5 % ${e.q05.toFixed(2)}, median ${e.median.toFixed(2)}, 95 % ${e.q95.toFixed(2)}`);
  console.log(`accuracy of the detected events: ${(100 * result.accuracyOfDetected).toFixed(2)} % (${result.mapping.join(', ')})`);
}
