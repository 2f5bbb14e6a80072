/**
 * `seiscluster stream` on a small synthetic continuous file
 * (`synthesize --task A --continuous`): one JSON line per detection on
 * stdout, from a file, a folder or standard input alike; a followed file
 * that grows gives what the whole file gives; bad input is exit 1 with one
 * line naming the file and the field. The checkpoint is untrained (random
 * weights classify as fast as trained ones; what the clusters mean is
 * measured in README, "A live stream").
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCheckpoint, readCheckpoint, restoreModel, saveCheckpoint } from '../../src/cluster/checkpoint.js';
import { ClusteringLayer } from '../../src/cluster/clustering.js';
import { predict } from '../../src/cluster/predict.js';
import { continuousDay } from '../../src/data/continuous.js';
import { recordedPreparation } from '../../src/data/preparation.js';
import { prepareRecord } from '../../src/data/prepare-record.js';
import { encodeMiniSeed, readMiniSeed } from '../../src/data/readers/miniseed.js';
import { encodeSac } from '../../src/data/readers/sac.js';
import { cpu } from '../../src/kernels/cpu.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import type { ModelDescription } from '../../src/model/description.js';
import { networkA, networkB } from '../../src/model/networks.js';
import { isoTime, type StreamDetection, streamDetections } from '../../src/pipeline/stream.js';
import { scratch } from '../data/helpers.js';
import { run } from './run.js';

const ROOT = resolve(__dirname, '../..');
let files: Awaited<ReturnType<typeof scratch>>;
let checkpoint: string;
let day: string;
let mseed: string;
let events: string[];

/** A checkpoint of random weights and two fixed centroids, saved at `path`. */
async function untrainedCheckpoint(path: string, description: ModelDescription): Promise<string> {
  const model = new Autoencoder(description, { seed: 1 });
  const centroids = Float32Array.from({ length: 2 * model.codeSize }, (_, i) => Math.sin(i + 1) * 0.5);
  const clustering = new ClusteringLayer(centroids, 2, model.codeSize, { backend: model.backend });
  await saveCheckpoint(path, await captureCheckpoint({ model, clustering }));
  model.dispose();
  clustering.dispose();
  return path;
}

beforeAll(async () => {
  files = await scratch();
  checkpoint = await untrainedCheckpoint(files.path('model.ckpt'), networkA());
  day = files.path('day');
  const made = await run('synthesize', '--task', 'A', '--continuous', '--hours', '0.5', '--stations', '1', '--mean-gap', '120', '--seed', '4', '--out', day);
  expect(made.code, made.stderr).toBe(0);
  mseed = join(day, 'SY.ST01..HHZ.mseed');
  events = (await readFile(join(day, 'events.csv'), 'utf8')).trim().split('\n').slice(1);
});
afterAll(async () => {
  await files.remove();
});

function lines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('seiscluster stream', () => {
  it('prints one JSON line per detection: station, channel, pick time (ISO UTC), cluster, q, SNR', async () => {
    const r = await run('stream', '--checkpoint', checkpoint, '--backend', 'cpu', '--threads', '1', mseed);
    expect(r.code, r.stderr).toBe(0);
    const detections = lines(r.stdout);
    expect(events.length).toBeGreaterThan(8);
    expect(detections.length).toBeGreaterThan(0.7 * events.length);
    for (const d of detections) {
      expect(Object.keys(d)).toEqual(['station', 'channel', 'pick_time', 'cluster', 'q', 'snr']);
      expect(d).toMatchObject({ station: 'SY.ST01', channel: 'HHZ' });
      expect(d.pick_time).toMatch(/^2024-01-01T00:\d\d:\d\d\.\d\d\dZ$/);
      expect([0, 1]).toContain(d.cluster);
      const q = d.q as number[];
      expect(q).toHaveLength(2);
      expect(q[0]! + q[1]!).toBeCloseTo(1, 4);
      expect(typeof d.snr === 'number' || d.snr === null).toBe(true);
    }
    // Most true onsets have a detection within 0.5 s (test/data/stream-picker.test.ts measures F1 on hours of data).
    const picked = detections.map((d) => Date.parse(d.pick_time as string));
    const near = events.filter((e) => picked.some((p) => Math.abs(p - Date.parse(e.split(',')[2]!)) <= 500));
    expect(near.length).toBeGreaterThan(0.7 * events.length);
    expect(r.stderr).toContain(`${detections.length} detections in 0.50 hours of data on 1 channels`);
  });

  it('with --report, writes a page of the detections per channel, in time and against SNR, and prints the same lines', async () => {
    const plain = await run('stream', '--checkpoint', checkpoint, '--backend', 'cpu', '--threads', '1', mseed);
    const folder = files.path('stream-report');
    const r = await run('stream', '--checkpoint', checkpoint, '--backend', 'cpu', '--threads', '1', '--report', folder, mseed);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    expect(r.stderr).toContain('report.html');
    const detections = lines(r.stdout);
    const html = await readFile(join(folder, 'report.html'), 'utf8');
    expect(html).toContain(`${detections.length} detections in 0.50 hours of data on 1 vertical channels`);
    expect(html).toContain('SY.ST01');
    // Nothing to score without labels: no results table.
    expect(html).not.toContain('<h2>Results</h2>');
    const figures = (await readdir(join(folder, 'figures'))).filter((f) => f.endsWith('.png'));
    expect(figures).toHaveLength(3);
  });

  it('reads a folder (passing over events.csv) and standard input as it reads the file', async () => {
    const file = await run('stream', '--checkpoint', checkpoint, '--backend', 'cpu', '--threads', '1', mseed);
    const folder = await run('stream', '--checkpoint', checkpoint, '--backend', 'cpu', '--threads', '1', day);
    expect(folder.code, folder.stderr).toBe(0);
    expect(folder.stdout).toBe(file.stdout);
    // Standard input in a child process: the command line from the sources, the file piped in.
    const child = spawn(process.execPath, ['test/helpers/cli-peak-rss.mjs', 'stream', '--checkpoint', checkpoint, '--backend', 'cpu', '--threads', '1', '-'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createReadStream(mseed).pipe(child.stdin);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(file.stdout.trim());
  });

  it('passes over channels that are not vertical or are sampled too slowly for the picker, and says so', async () => {
    const samples = new Int32Array(7200).map((_, i) => Math.round(1000 * Math.sin(i / 7)));
    const trace = { network: 'SY', station: 'ST09', location: '', startTime: Date.UTC(2024, 0, 1) / 1000, samples };
    const both = files.path('others.mseed');
    await writeFile(
      both,
      Buffer.concat([
        encodeMiniSeed({ ...trace, channel: 'HHN', samplingRate: 100 }, { encoding: 'steim1' }),
        encodeMiniSeed({ ...trace, channel: 'LHZ', samplingRate: 1 }, { encoding: 'steim1' }),
      ]),
    );
    const r = await run('stream', '--checkpoint', checkpoint, '--backend', 'cpu', both);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('passing over SY.ST09..HHN');
    expect(r.stderr).toContain('not a vertical component');
    expect(r.stderr).toContain('passing over SY.ST09..LHZ');
    expect(r.stderr).toContain('its 1 Hz are too few for the picker');
    expect(r.stderr).toContain('0 detections in 0.00 hours of data on 0 channels');
  });

  it('says where a stretch of zeros (a filled gap) ends the trace, and detects nothing at its end', async () => {
    const rate = 100;
    const day = continuousDay({ seed: 4, stations: 1, hours: 0.5, meanGapSeconds: 120 });
    const samples = new Int32Array(day.stations[0]!.length);
    let at = 0;
    for (const block of day.blocks(0)) {
      samples.set(block, at);
      at += block.length;
    }
    samples.fill(0, 900 * rate, 960 * rate);
    const start = Date.UTC(2024, 0, 1) / 1000;
    const filled = files.path('filled.mseed');
    await writeFile(
      filled,
      encodeMiniSeed({ network: 'SY', station: 'ST01', location: '', channel: 'HHZ', samplingRate: rate, startTime: start, samples }, { encoding: 'steim1' }),
    );
    const r = await run('stream', '--checkpoint', checkpoint, '--backend', 'cpu', '--threads', '1', filled);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('SY.ST01..HHZ: 60.000 s of one repeated value (a filled gap) from 2024-01-01T00:15:00.000Z; picking starts again after it');
    const picked = lines(r.stdout).map((d) => Date.parse(String(d.pick_time)) / 1000 - start);
    expect(picked.length).toBeGreaterThan(3);
    expect(picked.filter((t) => t >= 895 && t <= 975)).toEqual([]);
  });

  it("classifies each detection from its views: q the normalised geometric mean of the views' q, the SNR that of the record at the pick", async () => {
    const views = { shiftSeconds: 1, stepSeconds: 0.5 };
    const found: StreamDetection[] = [];
    for await (const d of streamDetections({ checkpoint, sources: [mseed], views, backend: { backend: cpu, description: 'cpu' } })) found.push(d);
    expect(found.length).toBeGreaterThan(5);
    const saved = await readCheckpoint(checkpoint);
    const preparation = recordedPreparation(saved.preprocessing, checkpoint);
    const { model, clustering } = restoreModel(saved);
    const [trace] = await readMiniSeed(mseed);
    const { startTime, samples } = trace!.segments[0]!;
    const rate = trace!.samplingRate;
    for (const d of found) {
      const at = Math.round((d.pickTime - startTime) * rate);
      const records = [0, -50, 50, -100, 100].map((offset) => ({
        id: `at ${offset}`,
        file: mseed,
        samples: samples.slice(at + offset - 500, at + offset + 800),
        samplingRate: rate,
        pick: { sample: 500, source: 'pick' as const, field: 'stream P onset' },
      }));
      const prepared = records.map((r) => prepareRecord(r, { task: 'A', preparation, picks: 'given' }));
      const batch = new Float32Array(prepared.length * prepared[0]!.input.length);
      prepared.forEach((p, i) => batch.set(p.input, i * p.input.length));
      const { q } = await predict(model, clustering!, batch);
      // The fifth root of the product of each cluster's five q, over their sum.
      const roots = [0, 1].map((j) => [0, 1, 2, 3, 4].reduce((product, v) => product * q[2 * v + j]!, 1) ** (1 / 5));
      expect(d.q[0]).toBeCloseTo(roots[0]! / (roots[0]! + roots[1]!), 5);
      expect(d.cluster).toBe(d.q[0]! >= d.q[1]! ? 0 : 1);
      expect(d.snr).toBe(prepared[0]!.snr ?? null);
    }
    model.dispose();
    clustering!.dispose();
    // With one view the same onsets are classified, and more: the widened record no longer reaches past the file's ends.
    const single: number[] = [];
    for await (const d of streamDetections({
      checkpoint,
      sources: [mseed],
      views: { shiftSeconds: 0, stepSeconds: 0.5 },
      backend: { backend: cpu, description: 'cpu' },
    }))
      single.push(d.pickTime);
    expect(single).toEqual(expect.arrayContaining(found.map((d) => d.pickTime)));
  });

  it('by default classifies from 17 views with a task A checkpoint, and from the record at the pick alone with a polarity one', async () => {
    const backend = { backend: cpu, description: 'cpu' };
    const summaryOf = async (options: Parameters<typeof streamDetections>[0]): Promise<{ detections: StreamDetection[]; views: unknown }> => {
      const detections: StreamDetection[] = [];
      const stream = streamDetections(options);
      let next = await stream.next();
      for (; next.done !== true; next = await stream.next()) detections.push(next.value);
      return { detections, views: next.value.views };
    };
    expect((await summaryOf({ checkpoint, sources: [mseed], backend })).views).toEqual({ shiftSeconds: 4, stepSeconds: 0.5 });
    const polarity = await untrainedCheckpoint(files.path('polarity.ckpt'), networkB());
    const byDefault = await summaryOf({ checkpoint: polarity, sources: [mseed], backend });
    expect(byDefault.views).toEqual({ shiftSeconds: 0, stepSeconds: 0.5 });
    expect(byDefault.detections.length).toBeGreaterThan(5);
    const single = await summaryOf({ checkpoint: polarity, sources: [mseed], views: { shiftSeconds: 0 }, backend });
    expect(single.detections).toEqual(byDefault.detections);
    const asked = await summaryOf({ checkpoint: polarity, sources: [mseed], views: { shiftSeconds: 1 }, backend });
    expect(asked.views).toEqual({ shiftSeconds: 1, stepSeconds: 0.5 });
    expect(asked.detections.map((d) => d.q)).not.toEqual(byDefault.detections.map((d) => d.q));
  });

  it('a followed file that grows gives what the whole file gives, until the signal stops it', async () => {
    const whole = await readFile(mseed);
    const growing = files.path('growing.mseed');
    const half = 4096 * Math.floor(whole.length / 4096 / 2);
    await writeFile(growing, whole.subarray(0, half));
    const stop = new AbortController();
    const detections = streamDetections({
      checkpoint,
      sources: [growing],
      follow: { pollSeconds: 0.02, signal: stop.signal },
      backend: { backend: cpu, description: 'cpu' },
    });
    const times: string[] = [];
    const reading = (async () => {
      for await (const d of detections) times.push(isoTime(d.pickTime));
    })();
    await new Promise((done) => setTimeout(done, 200));
    await appendFile(growing, whole.subarray(half));
    await new Promise((done) => setTimeout(done, 300));
    stop.abort();
    await reading;
    const file = await run('stream', '--checkpoint', checkpoint, '--backend', 'cpu', mseed);
    expect(times).toEqual(lines(file.stdout).map((d) => d.pick_time));
  });
});

describe('seiscluster stream refuses bad input with one line naming the file and the field', () => {
  async function refused(argv: string[], ...expected: string[]): Promise<void> {
    const r = await run('stream', '--checkpoint', checkpoint, '--backend', 'cpu', ...argv);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    const message = r.stderr.trim().split('\n').at(-1)!;
    for (const text of expected) expect(message).toContain(text);
  }

  it('a file that is not continuous data, a SAC file without its reference time, a missing path', async () => {
    const notes = files.path('notes.txt');
    await writeFile(notes, 'station,channel\n'.repeat(100));
    await refused([notes], notes, 'format =', 'not continuous miniSEED or SAC');
    const undated = files.path('undated.sac');
    await writeFile(undated, encodeSac({ delta: 0.01, kcmpnm: 'HHZ' }, new Float64Array(5000)));
    await refused([undated], undated, 'nzyear = -12345', 'reference time');
    await refused([files.path('missing.mseed')], 'missing.mseed', 'no such file or folder');
  });

  it('options that cannot work: a record too short for the input window, --follow without one file', async () => {
    await refused(['--record-before', '2', mseed], 'must start at least 3.5 s before P');
    await refused(['--follow', mseed, mseed], 'following reads one growing file');
    await refused(['--follow', '-'], '--follow follows a file');
    await refused(['--trigger-on', '2', '--trigger-off', '3', mseed], '--trigger-off (3) must be below --trigger-on (2)');
    await refused([], 'name a file, a folder or - (standard input)');
    await refused(['--view-step', '0', mseed], '--view-step');
    await refused(['--view-shift', '30', '--view-step', '0.1', mseed], '601 views a detection; at most 201');
  });
});
