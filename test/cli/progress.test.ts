import { describe, expect, it } from 'vitest';
import { Progress, formatSeconds } from '../../src/cli/progress.js';

describe('the progress bar', () => {
  it('shows count, rate and ETA', () => {
    const p = new Progress('pre-training', 10, { unit: 'epochs', enabled: false });
    p.update(5);
    // Half done: the bar is half full and the ETA is about the time spent so far.
    const line = p.line(performance.now() + 10_000, 'loss 1e-3');
    expect(line).toMatch(/^pre-training \[#{12}\.{12}\] 5\/10 epochs [\d.]+ epochs\/s ETA (9|10|11)s loss 1e-3$/);
  });
  it('counts without a bar while the total is unknown, and takes the total when it is known', () => {
    const p = new Progress('preparing', 0, { unit: 'records', enabled: false });
    p.update(3);
    expect(p.line(performance.now(), '')).toBe('preparing 3 records');
    p.update(3, '', 6);
    expect(p.line(performance.now(), '')).toContain('3/6 records');
  });
  it('writes nothing when the stream is not a terminal', () => {
    const written: string[] = [];
    const stream = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const p = new Progress('x', 2, { stream });
    p.update(1);
    p.finish();
    expect(written).toEqual([]);
  });
  it('formats durations as seconds, minutes or hours', () => {
    expect(formatSeconds(4.2)).toBe('5s');
    expect(formatSeconds(125)).toBe('2m05s');
    expect(formatSeconds(7300)).toBe('2h01m');
    expect(formatSeconds(Number.NaN)).toBe('?');
  });
});
