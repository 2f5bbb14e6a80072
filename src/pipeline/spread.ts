/** Scores over several runs (seeds) as mean and spread. */
import type { Metric } from '../report/html.js';

/** Mean, sample standard deviation and count; null for no values. */
export type Spread = Exclude<Metric, number>;

/** Over the runs that have a number (a stage, bin, class or group without a score in a run is left out). */
export function summarise(all: readonly (Metric | undefined)[]): Spread {
  const values = all.filter((v): v is number => typeof v === 'number');
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, sd, runs: values.length };
}
