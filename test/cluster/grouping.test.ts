import { describe, expect, it } from 'vitest';
import { evaluateGrouping, groupingWarnings, MIN_MEAN_GROUP_SIZE } from '../../src/cluster/grouping.js';

/**
 * 40 records: two classes (local 0, teleseismic 1) crossed with two events
 * (A, B), ten records in each cell, and one station per record.
 */
const labels = Array.from({ length: 40 }, (_, i) => (i < 20 ? 0 : 1));
const event = Array.from({ length: 40 }, (_, i) => (i % 20 < 10 ? 'A' : 'B'));
const station = Array.from({ length: 40 }, (_, i) => `ST${String(i).padStart(2, '0')}`);
const groups = { event_id: event, station };

describe('evaluateGrouping', () => {
  it('warns in words when the clusters follow the event and not the labels', () => {
    const byEvent = event.map((e) => (e === 'A' ? 0 : 1));
    const scores = evaluateGrouping(byEvent, groups, labels);
    const e = scores.find((s) => s.column === 'event_id')!;
    expect(e.nmi).toBeCloseTo(1, 10);
    expect(e.labelNmi).toBeCloseTo(0, 10);
    expect(groupingWarnings(scores)).toEqual(['the clusters follow `event_id` (NMI 1.00) more than the labels (NMI 0.00)']);
  });

  it('stays silent when the clusters follow the labels, whatever the groupings', () => {
    const scores = evaluateGrouping(labels, groups, labels);
    expect(scores.map((s) => s.column)).toEqual(['event_id', 'station']);
    expect(groupingWarnings(scores)).toEqual([]);
    const e = scores.find((s) => s.column === 'event_id')!;
    expect(e.nmi).toBeCloseTo(0, 10);
    expect(e.perGroup.map((g) => [g.group, g.records, g.acc])).toEqual([
      ['A', 20, 1],
      ['B', 20, 1],
    ]);
  });

  it('scores each group through one clusters-to-classes map fitted over the whole set', () => {
    // Clusters named the other way round from the classes, and event B's local records all wrong.
    const clusters = labels.map((l, i) => (event[i] === 'B' && l === 0 ? 0 : 1 - l));
    const e = evaluateGrouping(clusters, groups, labels).find((s) => s.column === 'event_id')!;
    const acc = Object.fromEntries(e.perGroup.map((g) => [g.group, g.acc]));
    // The global map (1 -> local, 0 -> teleseismic) fits 30 of 40; within event B, only its 10 teleseismic records.
    expect(acc).toEqual({ A: 1, B: 0.5 });
    expect(e.perGroup.find((g) => g.group === 'B')!.clusters).toEqual([20, 0]);
  });

  it('one station per record never triggers a warning, with labels or without', () => {
    // Clusters at random with respect to the labels: NMI against 40 one-record stations is far from 0.
    const clusters = Array.from({ length: 40 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
    for (const withLabels of [true, false]) {
      const s = evaluateGrouping(clusters, { station }, withLabels ? labels : undefined)[0]!;
      expect(s.records / s.groups).toBeLessThan(MIN_MEAN_GROUP_SIZE);
      expect(s.nmi).toBeGreaterThan(0.2);
      expect(s.warning).toBeUndefined();
    }
  });

  it('without labels, says that the clusters reproduce a grouping, and no ACC', () => {
    const byEvent = event.map((e) => (e === 'A' ? 0 : 1));
    const scores = evaluateGrouping(byEvent, groups);
    expect(groupingWarnings(scores)).toEqual(['these clusters reproduce your `event_id` column (NMI 1.00, ARI 1.00)']);
    expect(scores[0]!.labelNmi).toBeUndefined();
    expect(scores[0]!.perGroup.every((g) => g.acc === null)).toBe(true);
  });

  it('without labels, clusters unrelated to the events raise nothing', () => {
    const alternating = Array.from({ length: 40 }, (_, i) => i % 2);
    expect(groupingWarnings(evaluateGrouping(alternating, groups))).toEqual([]);
  });

  it('records without a value are left out of that grouping, unlabelled records out of the ACC', () => {
    const partial = event.map((e, i) => (i < 5 ? null : e));
    const someLabels = labels.map((l, i) => (i === 39 ? -1 : l));
    const s = evaluateGrouping(labels, { event_id: partial }, someLabels)[0]!;
    expect(s.records).toBe(35);
    expect(s.perGroup.map((g) => [g.group, g.records])).toEqual([
      ['B', 20],
      ['A', 15],
    ]);
    expect(s.perGroup.every((g) => g.acc === 1)).toBe(true);
  });

  it('a column that does not match the records is an error', () => {
    expect(() => evaluateGrouping([0, 1], { event_id: ['A'] })).toThrow(/event_id has 1 values for 2 records/);
  });
});
