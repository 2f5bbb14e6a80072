/**
 * `npm run bench:stream`: how many times faster than real time `stream`
 * runs on one core for one 100 Hz channel. The data: one station of the
 * synthetic continuous day (`synthesize --task A --continuous`, seed 1,
 * about 12 events an hour), one hour of it as Steim-1 miniSEED in memory.
 * Rows: the stream picker alone on the samples; the picker and the records
 * cut around its onsets (one channel of a stream); and the whole of
 * `stream` from the miniSEED bytes to the detections (decoding, picking,
 * preparing each record's views as `prepare` does, classifying them with a
 * network-A checkpoint on one thread), with the default views and with one.
 * Real time is the hour of data over the median.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import '../src/node/install.js';
import { captureCheckpoint, saveCheckpoint } from '../src/cluster/checkpoint.js';
import { ClusteringLayer } from '../src/cluster/clustering.js';
import { continuousDay } from '../src/data/continuous.js';
import { encodeMiniSeed } from '../src/data/readers/miniseed.js';
import { ChannelStream } from '../src/data/stream-channel.js';
import { StreamPicker } from '../src/data/stream-picker.js';
import { CpuBackend } from '../src/kernels/cpu.js';
import { Autoencoder } from '../src/model/autoencoder.js';
import { networkA } from '../src/model/networks.js';
import { streamDetections } from '../src/pipeline/stream.js';
import { DEFAULT_VIEW_SHIFTS, viewOffsets } from '../src/pipeline/views.js';

const RATE = 100;
const SECONDS = 3600;

/** One hour of station 1 of the seed-1 day, its samples and its Steim-1 miniSEED (4096-byte records). */
function hourOfData(): { samples: Float64Array; bytes: Uint8Array; events: number } {
  const day = continuousDay({ seed: 1, stations: 1, hours: 1 });
  const samples = new Float64Array(SECONDS * RATE);
  let at = 0;
  for (const block of day.blocks(0)) {
    samples.set(block, at);
    at += block.length;
  }
  const station = day.stations[0]!;
  const bytes = encodeMiniSeed({ ...station, samples }, { encoding: 'steim1', recordLength: 4096 });
  return { samples, bytes, events: day.events.length };
}

async function main(): Promise<void> {
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}; one thread`);
  const { samples, bytes, events } = hourOfData();
  const dir = await mkdtemp(join(os.tmpdir(), 'seiscluster-bench-stream-'));
  const checkpoint = join(dir, 'model.ckpt');
  // Random weights classify as fast as trained ones.
  const model = new Autoencoder(networkA(), { seed: 1 });
  const clustering = new ClusteringLayer(
    Float32Array.from({ length: 2 * model.codeSize }, (_, i) => Math.sin(i + 1)),
    2,
    model.codeSize,
    { backend: model.backend },
  );
  await saveCheckpoint(checkpoint, await captureCheckpoint({ model, clustering }));
  model.dispose();
  clustering.dispose();
  const backend = { backend: new CpuBackend({ threads: 1 }), description: 'cpu, 1 thread' };
  let detections = 0;

  const bench = new Bench({ time: 3000, warmupTime: 500 });
  bench.add('stream picker (detection only), samples in blocks of 4096', () => {
    const picker = new StreamPicker(RATE);
    for (let from = 0; from < samples.length; from += 4096) picker.push(samples.subarray(from, from + 4096));
    picker.flush();
  });
  bench.add('one channel: picker and a record cut per onset, blocks of 400 samples', () => {
    const channel = new ChannelStream(RATE, 'bench', 'SY.ST01..HHZ');
    for (let from = 0; from < samples.length; from += 400) {
      const piece = samples.subarray(from, from + 400);
      channel.push({ startTime: from / RATE, samples: piece, samplingRate: RATE });
    }
    channel.flush();
  });
  async function* source(): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < bytes.length; at += 1 << 16) yield bytes.subarray(at, at + (1 << 16));
  }
  bench.add(`stream end to end: miniSEED bytes to classified detections, ${viewOffsets(DEFAULT_VIEW_SHIFTS, RATE).length} views each`, async () => {
    detections = 0;
    for await (const _ of streamDetections({ checkpoint, sources: [{ name: 'bench', bytes: source() }], backend })) detections++;
  });
  bench.add('the same, one view each (--view-shift 0)', async () => {
    const views = { shiftSeconds: 0, stepSeconds: DEFAULT_VIEW_SHIFTS.stepSeconds };
    for await (const _ of streamDetections({ checkpoint, sources: [{ name: 'bench', bytes: source() }], views, backend }));
  });
  await bench.run();
  await rm(dir, { recursive: true, force: true });

  console.log(
    `\none hour of one 100 Hz channel (${samples.length.toLocaleString('en')} samples, ${bytes.length.toLocaleString('en')} bytes of Steim-1, ${events} events, ${detections} detections)`,
  );
  console.table(
    bench.tasks.map((task) => {
      const median = task.result.state === 'completed' ? task.result.latency.p50 : Number.NaN;
      return {
        task: task.name,
        'median ms': Number(median.toFixed(1)),
        'x real time': Math.round((SECONDS * 1000) / median),
        'a day takes, s': Number(((86.4 * median) / 3600).toFixed(2)),
      };
    }),
  );
}

await main();
