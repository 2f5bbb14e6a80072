/** Scores as the report and the page show them. */

/** One measurement, or the mean and standard deviation over several runs (seeds), or null when not measured. */
export type Metric = number | { mean: number; sd: number; runs: number } | null;

/** A metric as the report shows it: ACC in percent, NMI and ARI as fractions, a spread as mean ± sd. */
export function formatMetric(m: Metric, percent: boolean): string {
  if (m === null) return '–';
  const scale = percent ? 100 : 1;
  const digits = percent ? 2 : 3;
  const unit = percent ? ' %' : '';
  if (typeof m === 'number') return `${(scale * m).toFixed(digits)}${unit}`;
  return `${(scale * m.mean).toFixed(digits)} ± ${(scale * m.sd).toFixed(digits)}${unit} (${m.runs} runs)`;
}
