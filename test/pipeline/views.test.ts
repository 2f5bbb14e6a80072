import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/data/prepare-record.js';
import { OptionError } from '../../src/pipeline/errors.js';
import { combineViews, cutView, cutViews, DEFAULT_VIEW_SHIFTS, defaultViewShifts, viewOffsets, widenedSpan } from '../../src/pipeline/views.js';

/** A widened record of 3 s at 10 Hz, each sample its own index, picked at sample 12. */
const record: RawRecord = {
  id: 'SY.ST01 onset',
  file: 'day.mseed',
  samples: Float64Array.from({ length: 30 }, (_, i) => i),
  samplingRate: 10,
  pick: { sample: 12, source: 'pick', field: 'stream P onset' },
};

describe('views of a detection', () => {
  it('by default, 17 picks: the pick itself first, then 0.5 s steps out to 4 s either side', () => {
    const offsets = viewOffsets(DEFAULT_VIEW_SHIFTS, 100);
    expect(offsets).toHaveLength(17);
    expect(offsets.slice(0, 5)).toEqual([0, -50, 50, -100, 100]);
    expect(Math.min(...offsets)).toBe(-400);
    expect(Math.max(...offsets)).toBe(400);
  });

  it('a polarity (task B) checkpoint gets one view by default: a moved P window loses the first motion', () => {
    expect(defaultViewShifts('A')).toEqual(DEFAULT_VIEW_SHIFTS);
    expect(viewOffsets(defaultViewShifts('B'), 100)).toEqual([0]);
  });

  it('a shift of 0 is the record at the pick alone; a shift between steps stops at the last whole step', () => {
    expect(viewOffsets({ shiftSeconds: 0, stepSeconds: 0.5 }, 100)).toEqual([0]);
    expect(viewOffsets({ shiftSeconds: 4, stepSeconds: 1.5 }, 40)).toEqual([0, -60, 60, -120, 120]);
    expect(viewOffsets({ shiftSeconds: 0.3, stepSeconds: 0.1 }, 100)).toEqual([0, -10, 10, -20, 20, -30, 30]);
  });

  it('refuses a negative shift, a step of 0 and more than 201 views, naming the values', () => {
    expect(() => viewOffsets({ shiftSeconds: -1, stepSeconds: 0.5 }, 100)).toThrow(OptionError);
    expect(() => viewOffsets({ shiftSeconds: 4, stepSeconds: 0 }, 100)).toThrow(/step must be above 0 seconds, got 0/);
    expect(() => viewOffsets({ shiftSeconds: 60, stepSeconds: 0.1 }, 100)).toThrow(/1201 views a detection; at most 201/);
  });

  it('the record to cut is the span widened by the shift on both sides', () => {
    expect(widenedSpan({ beforeSeconds: 5, afterSeconds: 8 }, DEFAULT_VIEW_SHIFTS)).toEqual({ beforeSeconds: 9, afterSeconds: 12 });
  });

  it('a view is the span around the moved pick, with the moved pick as its pick', () => {
    const view = cutView(record, 5, 8, -4);
    expect(Array.from(view.samples)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(view.pick).toEqual({ sample: 5, source: 'pick', field: 'stream P onset' });
    expect(Array.from(cutView(record, 5, 8, 10).samples)).toEqual([17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    expect(() => cutView(record, 5, 8, 11)).toThrow(/SY.ST01 onset: the view 11 samples from the pick reaches past the record/);
  });

  it('leaves out a view that falls past the record (a sample short, by rounding), never the view at the pick', () => {
    const views = cutViews(record, 5, 8, [0, -4, 4, -8, 8, 10, 11]);
    expect(views.map((v) => v.samples[5])).toEqual([12, 8, 16, 20, 22]);
  });

  it('combines the views by the geometric mean of their q, normalised', () => {
    const [one0, one1] = combineViews([0.3, 0.7], 1, 2);
    expect(one0).toBeCloseTo(0.3, 12);
    expect(one1).toBeCloseTo(0.7, 12);
    const [a, b] = combineViews([0.9, 0.1, 0.5, 0.5], 2, 2);
    expect(a).toBeCloseTo(Math.sqrt(0.45) / (Math.sqrt(0.45) + Math.sqrt(0.05)), 12);
    expect(a! + b!).toBeCloseTo(1, 12);
    // Three clusters, three views: each cluster's cube root of its three q, over their sum.
    const roots = [0.05 * 0.4 * 0.45, 0.9 * 0.3 * 0.35, 0.05 * 0.3 * 0.2].map(Math.cbrt);
    const total = roots[0]! + roots[1]! + roots[2]!;
    const q = combineViews([0.05, 0.9, 0.05, 0.4, 0.3, 0.3, 0.45, 0.35, 0.2], 3, 3);
    q.forEach((v, j) => expect(v).toBeCloseTo(roots[j]! / total, 12));
  });

  it('a q that float32 rounded to 0 leaves every combined value finite', () => {
    const q = combineViews([0, 1, 0.6, 0.4, 0.6, 0.4], 3, 2);
    expect(q.every(Number.isFinite)).toBe(true);
    expect(q[0]! + q[1]!).toBeCloseTo(1, 12);
    expect(q[1]).toBeGreaterThan(q[0]!);
  });

  it('refuses q of the wrong length', () => {
    expect(() => combineViews([0.5, 0.5, 0.5], 2, 2)).toThrow(/3 values are not 2 views of 2 clusters/);
  });
});
