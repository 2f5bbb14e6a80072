import { describe, expect, it } from 'vitest';
import { DETECTION_SAMPLE, DetectionTally, streamReport } from '../../src/pipeline/stream-report.js';
import type { StreamDetection } from '../../src/pipeline/stream.js';

/** Detection i: every 10 s from midnight, alternating two stations and two clusters, SNR 10 for all but every fifth. */
function detection(i: number): StreamDetection {
  const cluster = i % 2;
  return {
    station: i % 4 < 2 ? 'SY.ST01' : 'SY.ST02',
    channel: 'HHZ',
    pickTime: 1_704_067_200 + 10 * i,
    cluster,
    q: cluster === 0 ? [0.9, 0.1] : [0.2, 0.8],
    snr: i % 5 === 0 ? null : 10,
  };
}

describe('the stream report tally', () => {
  it('counts every detection per channel, cluster and hour exactly, and keeps a sample of at most 5,000', () => {
    const tally = new DetectionTally(1);
    const n = 12_000;
    for (let i = 0; i < n; i++) tally.add(detection(i));
    expect(tally.total).toBe(n);
    expect(tally.sample).toHaveLength(DETECTION_SAMPLE);
    const st01 = tally.channels.get('SY.ST01 HHZ')!;
    expect(st01.detections).toBe(n / 2);
    expect(st01.perCluster).toEqual([n / 4, n / 4]);
    expect(st01.assignedQ / st01.detections).toBeCloseTo((0.9 + 0.8) / 2, 12);
    // 360 detections an hour, 12,000 in 33.3 hours: 34 hours, the last partial.
    expect(tally.perHour.size).toBe(34);
    expect(tally.perHour.get(1_704_067_200 / 3600)).toEqual([180, 180]);
  });

  it('samples uniformly: the sample reaches as far into the stream as its start, and one seed gives one sample', () => {
    const fill = (seed: number): DetectionTally => {
      const tally = new DetectionTally(seed);
      for (let i = 0; i < 4 * DETECTION_SAMPLE; i++) tally.add(detection(i));
      return tally;
    };
    const late = fill(3).sample.filter((d) => d.pickTime >= 1_704_067_200 + 10 * 2 * DETECTION_SAMPLE).length;
    // Half the stream lies in its second half: about half the sample too (binomial s.d. 35).
    expect(Math.abs(late - DETECTION_SAMPLE / 2)).toBeLessThan(200);
    expect(fill(3).sample).toEqual(fill(3).sample);
    expect(fill(4).sample).not.toEqual(fill(3).sample);
  });

  it('makes a page with a table per channel, and no figures without detections', () => {
    const summary = { seconds: 7200, channels: 2, detections: 0, dropped: 0, unprepared: 0, preprocessing: {}, views: { shiftSeconds: 4, stepSeconds: 0.5 } };
    const context = { command: 'seiscluster stream', checkpointPath: 'model.ckpt', inputs: ['day'], settings: {} };
    const empty = streamReport(new DetectionTally(0), summary, context);
    expect(empty.sections.flatMap((s) => s.figures ?? [])).toEqual([]);
    const tally = new DetectionTally(0);
    for (let i = 0; i < 100; i++) tally.add(detection(i));
    const page = streamReport(tally, { ...summary, detections: 100 }, context);
    const table = page.sections[0]!.tables![0]!;
    expect(table.rows.map((r) => r.slice(0, 5))).toEqual([
      ['SY.ST01', 'HHZ', 50, 25, 25],
      ['SY.ST02', 'HHZ', 50, 25, 25],
    ]);
    expect(page.sections.flatMap((s) => s.figures ?? []).map((f) => f.kind)).toEqual(['line', 'scatter', 'scatter']);
    expect(page.provenance.countsPerLabel).toEqual({ 'cluster 0': 50, 'cluster 1': 50 });
  });
});
