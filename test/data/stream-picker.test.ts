/**
 * The stream picker (src/data/stream-picker.ts) and one channel of a stream
 * (src/data/stream-channel.ts) on synthetic continuous data
 * (src/data/continuous.ts): block by block they pick what the whole-trace
 * picker picks, they find the known onsets, and what they hold stays the
 * same few tens of seconds of samples over a day.
 */
import { describe, expect, it } from 'vitest';
import { continuousDay, type ContinuousDay } from '../../src/data/continuous.js';
import { scoreDetections, type TimedPick } from '../../src/data/detection-score.js';
import { ChannelStream, type FilledGap } from '../../src/data/stream-channel.js';
import { StreamPicker, pickOnsets, type StreamPickerParams } from '../../src/data/stream-picker.js';
import { Rng } from '../../src/tensor/random.js';

const RATE = 100;

function wholeTrace(day: ContinuousDay, station: number): Float64Array {
  const blocks = [...day.blocks(station)];
  const trace = new Float64Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    trace.set(b, at);
    at += b.length;
  }
  return trace;
}

/** The picker's onsets over `trace` fed in blocks of the sizes `sizes` gives, in turn. */
function pickInBlocks(trace: Float64Array, sizes: () => number, params: Partial<StreamPickerParams> = {}): number[] {
  const picker = new StreamPicker(RATE, params);
  const onsets: number[] = [];
  for (let from = 0; from < trace.length; ) {
    const to = Math.min(trace.length, from + sizes());
    onsets.push(...picker.push(trace.subarray(from, to)));
    from = to;
  }
  onsets.push(...picker.flush());
  return onsets;
}

describe('the stream picker', () => {
  const hour = wholeTrace(continuousDay({ seed: 21, stations: 1, hours: 1 }), 0);

  it('picks block by block exactly the onsets the whole-trace picker picks, whatever the blocks', () => {
    const whole = pickOnsets(hour, RATE);
    expect(whole.length).toBeGreaterThan(8);
    const rng = new Rng(5);
    for (const sizes of [() => 1, () => 7, () => 4096, () => 4097, () => 100_000, () => 1 + rng.int(20_000)]) {
      expect(pickInBlocks(hour, sizes)).toEqual(whole);
    }
  });

  it('agrees with the whole-trace picker under other settings too: no dead time, no AIC, no band-pass, a trace shorter than the LTA', () => {
    const settings: Partial<StreamPickerParams>[] = [{ deadTimeSeconds: 0 }, { aic: null }, { aicBandpass: null }, { bandpass: null, minDurationSeconds: 0 }];
    for (const params of settings) expect(pickInBlocks(hour, () => 333, params)).toEqual(pickOnsets(hour, RATE, params));
    const short = hour.subarray(0, 700);
    expect(pickInBlocks(short, () => 50)).toEqual(pickOnsets(short, RATE));
  });

  it('finds the onsets of a synthetic day part within 0.5 s: F1 at least 0.9 (4 stations x 3 hours)', () => {
    const day = continuousDay({ seed: 22, stations: 4, hours: 3 });
    const truth: TimedPick[] = day.events.map((e) => ({ trace: String(e.stationIndex), time: e.sample / RATE }));
    const picks: TimedPick[] = [];
    for (let k = 0; k < day.stations.length; k++) {
      for (const onset of pickInBlocks(wholeTrace(day, k), () => 3000)) picks.push({ trace: String(k), time: onset / RATE });
    }
    const score = scoreDetections(truth, picks, 0.5);
    expect(truth.length).toBeGreaterThan(100);
    expect(score.f1, `precision ${score.precision.toFixed(3)}, recall ${score.recall.toFixed(3)}`).toBeGreaterThanOrEqual(0.9);
  });
});

describe('one channel of a stream', () => {
  it('holds the same bounded number of samples over a day as over its first hour, and cuts a record per onset', () => {
    const day = continuousDay({ seed: 23, stations: 1, hours: 24 });
    const channel = new ChannelStream(RATE, 'day.mseed', 'SY.ST01..HHZ');
    let time = day.stations[0]!.startTime;
    let samples = 0;
    let mostInFirstHour = 0;
    let most = 0;
    let records = 0;
    for (const block of day.blocks(0)) {
      // Blocks of a few hundred samples, as miniSEED records come.
      for (let from = 0; from < block.length; from += 400) {
        const piece = block.subarray(from, Math.min(block.length, from + 400));
        for (const window of channel.push({ startTime: time, samples: piece, samplingRate: RATE })) {
          records++;
          expect(window.record.samples.length).toBe(1300);
        }
        samples += piece.length;
        time = day.stations[0]!.startTime + samples / RATE;
        most = Math.max(most, channel.bufferedSamples);
        if (samples <= 3600 * RATE) mostInFirstHour = most;
      }
    }
    records += channel.flush().length;
    expect(samples).toBe(24 * 3600 * RATE);
    expect(most).toBe(mostInFirstHour);
    expect(most).toBeLessThanOrEqual(channel.maxBufferedSamples);
    // A record (13 s), the picker's reach (a few seconds), a block piece (41 s) and the LTA: about a minute, for 8.64 million samples.
    expect(channel.maxBufferedSamples).toBeLessThan(120 * RATE);
    expect(records).toBeGreaterThan(0.9 * day.events.length);
  });

  it('starts again after a gap, and drops an onset whose record would reach across it', () => {
    const trace = wholeTrace(continuousDay({ seed: 21, stations: 1, hours: 1 }), 0);
    const breaks: number[] = [];
    const channel = new ChannelStream(RATE, 'gappy.mseed', 'SY.ST01..HHZ', undefined, {}, { onBreak: (gap) => breaks.push(gap.came - gap.due) });
    const block = (from: number, to: number, startTime: number) => ({ startTime, samples: trace.subarray(from, to), samplingRate: RATE });
    const first = pickOnsets(trace.subarray(0, 1200 * RATE), RATE);
    const windows = [...channel.push(block(0, 1200 * RATE, 0)), ...channel.push(block(1200 * RATE, trace.length, 1260))];
    windows.push(...channel.flush());
    expect(breaks).toEqual([60]);
    // Before the gap: the onsets of the first 20 minutes on their own, less those whose 8 s after run past its end.
    const before = windows.filter((w) => w.pickTime < 1200).map((w) => Math.round(w.pickTime * RATE));
    expect(before).toEqual(first.filter((onset) => onset + 8 * RATE <= 1200 * RATE));
    expect(windows.some((w) => w.pickTime > 1260)).toBe(true);
  });

  /** A channel fed `trace` (first sample at time 0) in blocks of the sizes `sizes` gives: the onsets of the records it cut (samples), the filled gaps it saw, its dropped onsets. */
  function streamTrace(trace: Float64Array, sizes: () => number): { onsets: number[]; gaps: FilledGap[]; dropped: number } {
    const gaps: FilledGap[] = [];
    const channel = new ChannelStream(RATE, 'filled.mseed', 'SY.ST01..HHZ', undefined, {}, { onFilledGap: (gap) => gaps.push(gap) });
    const onsets: number[] = [];
    for (let from = 0; from < trace.length; ) {
      const to = Math.min(trace.length, from + sizes());
      for (const w of channel.push({ startTime: from / RATE, samples: trace.subarray(from, to), samplingRate: RATE }))
        onsets.push(Math.round(w.pickTime * RATE));
      from = to;
    }
    for (const w of channel.flush()) onsets.push(Math.round(w.pickTime * RATE));
    return { onsets, gaps, dropped: channel.dropped };
  }

  /** The onsets of `trace[from, to)` picked on their own whose 13 s record (5 s before, 8 s after) fits in it, as samples of `trace`. */
  function liveStretchOnsets(trace: Float64Array, from: number, to: number): number[] {
    return pickOnsets(trace.subarray(from, to), RATE)
      .filter((onset) => onset >= 5 * RATE && onset + 8 * RATE <= to - from)
      .map((onset) => from + onset);
  }

  it('takes a zero-filled stretch for a gap: each side is picked on its own, and the step at its end is no detection', () => {
    const trace = wholeTrace(continuousDay({ seed: 21, stations: 1, hours: 1 }), 0);
    const gapFrom = 1200 * RATE;
    const gapTo = 1260 * RATE;
    trace.fill(0, gapFrom, gapTo);
    // Read whole, the return from zero triggers: the onset the rule keeps out.
    expect(pickOnsets(trace, RATE).some((onset) => Math.abs(onset - gapTo) <= RATE)).toBe(true);
    const expected = [...liveStretchOnsets(trace, 0, gapFrom), ...liveStretchOnsets(trace, gapTo, trace.length)];
    expect(expected.length).toBeGreaterThan(8);
    const rng = new Rng(9);
    for (const sizes of [() => 400, () => 7, () => 4097, () => 1 + rng.int(20_000)]) {
      const { onsets, gaps } = streamTrace(trace, sizes);
      expect(onsets).toEqual(expected);
      expect(gaps).toEqual([{ start: expect.closeTo(gapFrom / RATE, 6), end: expect.closeTo(gapTo / RATE, 6) }]);
    }
  });

  it('keeps a run of one value shorter than half a second as data, and counts the onsets a filled gap cuts off', () => {
    const trace = wholeTrace(continuousDay({ seed: 21, stations: 1, hours: 1 }), 0);
    const onsets = pickOnsets(trace, RATE);
    // 49 equal samples (0.49 s) 3 s after an onset, inside its record.
    const at = onsets[3]! + 3 * RATE;
    trace.fill(trace[at]!, at, at + 49);
    const held = streamTrace(trace, () => 333);
    expect(held.gaps).toEqual([]);
    expect(held.onsets).toEqual(pickOnsets(trace, RATE).filter((onset) => onset >= 5 * RATE && onset + 8 * RATE <= trace.length));
    // One sample more is a filled gap, across which that onset's record would reach.
    trace.fill(trace[at]!, at, at + 50);
    const split = streamTrace(trace, () => 333);
    expect(split.gaps).toEqual([{ start: expect.closeTo(at / RATE, 6), end: expect.closeTo((at + 50) / RATE, 6) }]);
    expect(split.onsets).toEqual([...liveStretchOnsets(trace, 0, at), ...liveStretchOnsets(trace, at + 50, trace.length)]);
    expect(split.onsets).not.toContain(onsets[3]);
    expect(split.dropped).toBeGreaterThan(held.dropped);
  });
});
