/** The timing scheme every framework of `bench/compare` uses; torch_step.py implements the same. */

export interface Timing {
  medianMs: number;
  /** Timed runs (the warm-up runs are not counted). */
  iterations: number;
}

/** Shortest sample: a median of fewer runs says little. */
const minIterations = 3;

/**
 * Runs `run` for a fifth of `seconds` (at least once) to warm up, caches,
 * JIT and allocator pools, then times it for `seconds` and at least
 * `minIterations` runs; the median resists the other jobs of a shared machine.
 */
export function timeMedian(run: () => void, seconds: number): Timing {
  const warmupEnd = performance.now() + seconds * 200;
  do run();
  while (performance.now() < warmupEnd);
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (samples.length < minIterations || performance.now() < end) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const mid = samples.length >> 1;
  const medianMs = samples.length % 2 === 1 ? samples[mid]! : (samples[mid - 1]! + samples[mid]!) / 2;
  return { medianMs, iterations: samples.length };
}
