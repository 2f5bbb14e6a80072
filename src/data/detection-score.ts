/**
 * How well picks find known onsets: each true onset is matched to at most
 * one pick of the same trace within `toleranceSeconds`, nearest pairs
 * first; matched picks are hits, the other picks false detections, the
 * other onsets misses. Precision, recall and F1 follow, and the matches, so
 * that what a hit was classified as can be scored against its true class.
 */

/** An onset or a pick: the trace it is on (e.g. `NET.STA.CHA`) and its time, seconds. */
export interface TimedPick {
  readonly trace: string;
  readonly time: number;
}

export interface DetectionScore {
  readonly hits: number;
  readonly falseDetections: number;
  readonly misses: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** [index of the true onset, index of its pick], by true onset. */
  readonly matches: readonly (readonly [number, number])[];
  /** Pick time minus true time of each match, seconds, in `matches` order. */
  readonly errors: readonly number[];
}

export function scoreDetections(truth: readonly TimedPick[], picks: readonly TimedPick[], toleranceSeconds: number): DetectionScore {
  // Candidate pairs per trace, by time: both lists sorted, a window of picks slides along the onsets.
  const pairs: { onset: number; pick: number; distance: number }[] = [];
  const byTrace = (list: readonly TimedPick[]): Map<string, number[]> => {
    const map = new Map<string, number[]>();
    list.forEach((p, i) => {
      const indices = map.get(p.trace);
      if (indices === undefined) map.set(p.trace, [i]);
      else indices.push(i);
    });
    for (const indices of map.values()) indices.sort((a, b) => list[a]!.time - list[b]!.time);
    return map;
  };
  const picksByTrace = byTrace(picks);
  for (const [trace, onsets] of byTrace(truth)) {
    const candidates = picksByTrace.get(trace) ?? [];
    let first = 0;
    for (const onset of onsets) {
      const time = truth[onset]!.time;
      while (first < candidates.length && picks[candidates[first]!]!.time < time - toleranceSeconds) first++;
      for (let k = first; k < candidates.length && picks[candidates[k]!]!.time <= time + toleranceSeconds; k++) {
        pairs.push({ onset, pick: candidates[k]!, distance: Math.abs(picks[candidates[k]!]!.time - time) });
      }
    }
  }
  pairs.sort((a, b) => a.distance - b.distance || a.onset - b.onset || a.pick - b.pick);
  const onsetTaken = new Set<number>();
  const pickTaken = new Set<number>();
  const matches: [number, number][] = [];
  for (const { onset, pick } of pairs) {
    if (onsetTaken.has(onset) || pickTaken.has(pick)) continue;
    onsetTaken.add(onset);
    pickTaken.add(pick);
    matches.push([onset, pick]);
  }
  matches.sort((a, b) => a[0] - b[0]);
  const hits = matches.length;
  const precision = picks.length > 0 ? hits / picks.length : 0;
  const recall = truth.length > 0 ? hits / truth.length : 0;
  return {
    hits,
    falseDetections: picks.length - hits,
    misses: truth.length - hits,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    matches,
    errors: matches.map(([onset, pick]) => picks[pick]!.time - truth[onset]!.time),
  };
}
