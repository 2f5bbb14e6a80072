/**
 * Scores `seiscluster stream` on a synthetic continuous day
 * (`seiscluster synthesize --task A --continuous`): detection precision,
 * recall and F1 against the day's true P onsets (events.csv) within a
 * tolerance, the pick error, and the classification accuracy of the detected
 * events, clusters mapped to classes one-to-one (Hungarian) as `evaluate`
 * maps them. With --checkpoint and --day, also the accuracy of the same
 * events cut at their true P instead of the pick (what picking costs): each
 * record cut from the day's miniSEED as `stream` cuts it, in the same views
 * (--view-shift, --view-step as `stream` takes them), prepared as the
 * checkpoint's training records were and classified by it.
 *
 *   npx tsx scripts/stream-score.ts --events day/events.csv --detections detections.jsonl [--tolerance 0.5] [--json]
 *       [--checkpoint run-a/model.ckpt --day day [--view-shift 4 --view-step 0.5]]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import '../src/node/install.js';
import { readCheckpoint, restoreModel } from '../src/cluster/checkpoint.js';
import { evaluateClusters } from '../src/cluster/evaluation.js';
import { scoreDetections, type TimedPick } from '../src/data/detection-score.js';
import { recordedPreparation } from '../src/data/preparation.js';
import { prepareRecord } from '../src/data/prepare-record.js';
import { parseCsv } from '../src/data/readers/manifest.js';
import { readMiniSeed } from '../src/data/readers/miniseed.js';
import { DEFAULT_RECORD_SPAN } from '../src/data/stream-channel.js';
import { classifyViews, cutViews, DEFAULT_VIEW_SHIFTS, type ViewShifts, viewOffsets, widenedSpan } from '../src/pipeline/views.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    detections: { type: 'string' },
    tolerance: { type: 'string', default: '0.5' },
    json: { type: 'boolean', default: false },
    checkpoint: { type: 'string' },
    day: { type: 'string' },
    'view-shift': { type: 'string', default: String(DEFAULT_VIEW_SHIFTS.shiftSeconds) },
    'view-step': { type: 'string', default: String(DEFAULT_VIEW_SHIFTS.stepSeconds) },
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
const views: ViewShifts = { shiftSeconds: Number(values['view-shift']), stepSeconds: Number(values['view-step']) };
const atTrueP = values.checkpoint !== undefined && values.day !== undefined ? await accuracyAtTrueP(values.checkpoint, values.day) : null;
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
  accuracyOfDetectedAtTrueP: atTrueP,
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
  if (atTrueP !== null) console.log(`the same events cut at their true P: ${(100 * atTrueP).toFixed(2)} %`);
}

/** The detected events' records cut at their true P (files `<station>..<channel>.mseed` in the day's folder), classified by the checkpoint. */
async function accuracyAtTrueP(checkpointPath: string, day: string): Promise<number> {
  const checkpoint = await readCheckpoint(checkpointPath);
  const preparation = recordedPreparation(checkpoint.preprocessing, checkpointPath);
  const { model, clustering } = restoreModel(checkpoint);
  if (clustering === null) throw new Error(`${checkpointPath}: no clustering layer`);
  const traces = new Map<string, { start: number; rate: number; samples: Float64Array }>();
  const span = widenedSpan(DEFAULT_RECORD_SPAN, views);
  const atTrue: number[] = [];
  for (const [onset] of score.matches) {
    const event = events[onset]!;
    let trace = traces.get(event.trace);
    if (trace === undefined) {
      const [station, channel] = [event.trace.slice(0, event.trace.lastIndexOf('.')), event.trace.slice(event.trace.lastIndexOf('.') + 1)];
      const read = await readMiniSeed(`${day}/${station}..${channel}.mseed`);
      const segment = read[0]!.segments[0]!;
      trace = { start: segment.startTime, rate: read[0]!.samplingRate, samples: segment.samples };
      traces.set(event.trace, trace);
    }
    const widened = Math.round(span.beforeSeconds * trace.rate);
    const at = Math.round((event.time - trace.start) * trace.rate);
    const end = at + Math.round(span.afterSeconds * trace.rate);
    if (at - widened < 0 || end > trace.samples.length)
      throw new Error(`${day}: the event of ${event.trace} at ${event.time} s is too near its trace's start or end for the record and its views`);
    const record = {
      id: `${event.trace} ${event.time}`,
      file: day,
      samples: trace.samples.slice(at - widened, end),
      samplingRate: trace.rate,
      pick: { sample: widened, source: 'pick' as const, field: 'true P' },
    };
    const before = Math.round(DEFAULT_RECORD_SPAN.beforeSeconds * trace.rate);
    const after = Math.round(DEFAULT_RECORD_SPAN.afterSeconds * trace.rate);
    const inputs = cutViews(record, before, after, viewOffsets(views, trace.rate)).map(
      (view) => prepareRecord(view, { task: 'A', preparation, picks: 'given' }).input,
    );
    atTrue.push((await classifyViews(model, clustering, inputs)).cluster);
  }
  model.dispose();
  clustering.dispose();
  return evaluateClusters(labels, atTrue).acc;
}
