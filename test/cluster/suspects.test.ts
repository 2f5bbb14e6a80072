import { describe, expect, it } from 'vitest';
import {
  assignmentConfidence,
  centroidDistances,
  centroidQ,
  CODE_SILENCE_Z,
  DEFAULT_SUSPECT_RULE,
  findSuspects,
  fitLabelMap,
  neighbourIsolation,
  neighbourReach,
  suspectScore,
  type SuspectInputs,
  type SuspectRule,
} from '../../src/cluster/suspects.js';
import { nearestNeighbours } from '../../src/cluster/neighbour-labels.js';

const LOCAL = 0;
const TELESEISMIC = 1;
const UNLABELLED = -1;

/**
 * Records with 2-number codes around two centroids, (0, 0) and (10, 0), with
 * q from the clustering layer's Student's t kernel (alpha 1) and the cluster
 * its argmax, as the model would give them.
 */
function constructed(records: readonly { z: [number, number]; label: number }[]): SuspectInputs {
  const centroids = [0, 0, 10, 0];
  const q: number[] = [];
  const clusters: number[] = [];
  for (const { z } of records) {
    const kernel = [0, 1].map((c) => 1 / (1 + (z[0] - centroids[2 * c]!) ** 2 + (z[1] - centroids[2 * c + 1]!) ** 2));
    const sum = kernel[0]! + kernel[1]!;
    q.push(kernel[0]! / sum, kernel[1]! / sum);
    clusters.push(kernel[0]! >= kernel[1]! ? 0 : 1);
  }
  return { k: 2, codeSize: 2, q, clusters, codes: records.flatMap((r) => r.z), centroids, labels: records.map((r) => r.label) };
}

/** Ten members of each cluster, one unit around its centroid, labelled as their cluster: the spread of each cluster is 1. */
const members = [0, 1].flatMap((c) =>
  Array.from({ length: 10 }, (_, j) => ({
    z: [10 * c + Math.cos((2 * Math.PI * j) / 10), Math.sin((2 * Math.PI * j) / 10)] as [number, number],
    label: c === 0 ? LOCAL : TELESEISMIC,
  })),
);

/** The model as the only witness: a label against a confident cluster. */
const MODEL_ALONE: SuspectRule = { ...DEFAULT_SUSPECT_RULE, neighbours: 0 };

describe('findSuspects, the model alone (neighbours 0)', () => {
  const records = [
    ...members,
    { z: [0.2, 0] as [number, number], label: TELESEISMIC }, // 20: deep inside the local cluster, labelled teleseismic
    { z: [9.5, 0.3] as [number, number], label: LOCAL }, // 21: inside the teleseismic cluster, labelled local
    { z: [4.8, 0] as [number, number], label: TELESEISMIC }, // 22: halfway between the clusters: the model is unsure
    { z: [-0.3, 0] as [number, number], label: UNLABELLED }, // 23: no label to doubt
    { z: [10, 0.1] as [number, number], label: TELESEISMIC }, // 24: agrees with its cluster
    { z: [-4, 0] as [number, number], label: TELESEISMIC }, // 25: confident (away from the other cluster) but 4 spreads out
  ];
  const inputs = constructed(records);

  it('flags confident disagreeing records first, most confident and most central first', () => {
    const { flagged, disagreeing } = findSuspects(inputs, MODEL_ALONE);
    expect(flagged.map((s) => s.index)).toEqual([20, 21]);
    expect(flagged[0]).toMatchObject({ label: TELESEISMIC, cluster: 0, mappedLabel: LOCAL });
    expect(flagged[1]).toMatchObject({ label: LOCAL, cluster: 1, mappedLabel: TELESEISMIC });
    expect(flagged[0]!.score).toBeGreaterThan(flagged[1]!.score);
    expect(flagged[0]!.q).toBeCloseTo(inputs.q[20 * 2]!, 6);
    expect(flagged[0]!.distance).toBeCloseTo(0.2, 6);
    // The unsure record and the far one disagree too, but are not flagged.
    expect(disagreeing).toBe(4);
  });

  it('does not flag a disagreeing record the model is unsure of, nor an unlabelled one, nor one that agrees', () => {
    const unsure = findSuspects(inputs, { ...MODEL_ALONE, minConfidence: 0, maxDistance: 5 }).flagged.find((s) => s.index === 22)!;
    expect(unsure.confidence).toBeLessThan(DEFAULT_SUSPECT_RULE.minConfidence);
    const flagged = findSuspects(inputs, MODEL_ALONE).flagged.map((s) => s.index);
    for (const i of [22, 23, 24]) expect(flagged).not.toContain(i);
    // Lowering the confidence level lets the unsure one through: confidence is what kept it out.
    expect(findSuspects(inputs, { ...MODEL_ALONE, minConfidence: unsure.confidence, maxDistance: 5 }).flagged.map((s) => s.index)).toContain(22);
  });

  it('does not flag a confident record farther out from its cluster than the distance limit', () => {
    const far = findSuspects(inputs, { ...MODEL_ALONE, maxDistance: 4 }).flagged.find((s) => s.index === 25)!;
    expect(far.confidence).toBeGreaterThan(DEFAULT_SUSPECT_RULE.minConfidence);
    expect(far.distance).toBeCloseTo(4, 12);
    expect(DEFAULT_SUSPECT_RULE.maxDistance).toBeLessThan(4);
    expect(findSuspects(inputs, MODEL_ALONE).flagged.map((s) => s.index)).not.toContain(25);
  });

  it('says which classes no cluster stands for', () => {
    // Every record labelled local: both clusters are local, and no class is left without one.
    const allLocal = { ...inputs, labels: records.map(() => LOCAL) };
    const report = findSuspects(allLocal, MODEL_ALONE);
    expect([...report.labelMap]).toEqual([LOCAL, LOCAL]);
    expect(report.unmappedClasses).toEqual([]);
    // One teleseismic label among locals: no cluster is mostly teleseismic.
    const twoClassesOneWinner = { ...inputs, labels: records.map((_, i) => (i === 0 ? TELESEISMIC : LOCAL)) };
    expect(findSuspects(twoClassesOneWinner, MODEL_ALONE).unmappedClasses).toEqual([TELESEISMIC]);
  });
});

describe('findSuspects, neighbours and model', () => {
  const ring = (cx: number, label: number) =>
    Array.from({ length: 20 }, (_, j) => ({
      z: [cx + Math.cos((2 * Math.PI * j) / 20), Math.sin((2 * Math.PI * j) / 20)] as [number, number],
      label,
    }));
  // A band of records halfway between the clusters, labels alternating: a class boundary.
  const band = Array.from({ length: 10 }, (_, j) => ({ z: [5, (j - 4.5) / 10] as [number, number], label: j % 2 }));
  const records = [
    ...ring(0, LOCAL), // 0-19
    ...ring(10, TELESEISMIC), // 20-39
    ...band, // 40-49
    { z: [0.1, 0] as [number, number], label: TELESEISMIC }, // 50: among locals, labelled teleseismic: a flipped label
    { z: [5, 0.02] as [number, number], label: TELESEISMIC }, // 51: on the boundary, among a mix
    { z: [-30, 0] as [number, number], label: TELESEISMIC }, // 52: far out beyond the locals: nearest records say little
    { z: [9.9, 0] as [number, number], label: TELESEISMIC }, // 53: agrees with its neighbours and its cluster
  ];
  const model = constructed(records);
  // The codes serve as the points the neighbours are found by.
  const inputs: SuspectInputs = { ...model, neighbours: nearestNeighbours(model.codes, 2, () => true, 10) };
  const rule: SuspectRule = { ...DEFAULT_SUSPECT_RULE, neighbours: 10, codeNeighbours: 10 };

  it('flags a label its neighbours contradict as one, and leaves a boundary record, a far one and an agreeing one alone', () => {
    const { flagged } = findSuspects(inputs, rule);
    expect(flagged.map((s) => s.index)).toEqual([50]);
    expect(flagged[0]).toMatchObject({ label: TELESEISMIC, neighbourLabel: LOCAL, agreement: 1, cluster: 0, mappedLabel: LOCAL, backed: true });
  });

  it('the boundary record: its neighbours are split, and the model is unsure', () => {
    // Listed with every limit open, it shows why the default leaves it: its ten neighbours are the band's, five of each class
    // (the tie goes to the smaller class), and it sits halfway between the centroids.
    const boundary = findSuspects(inputs, { ...rule, minAgreement: 0, maxReach: 1e6, maxIsolation: 1e6 }).flagged.find((s) => s.index === 51)!;
    expect(boundary).toMatchObject({ neighbourLabel: LOCAL, agreement: 0.5, backed: false });
    expect(boundary.confidence).toBeLessThan(DEFAULT_SUSPECT_RULE.minConfidence);
  });

  it('the far record: its neighbours agree, but it lies beyond the reach and isolation limits', () => {
    const far = findSuspects(inputs, { ...rule, maxReach: 1e6, maxIsolation: 1e6 }).flagged.find((s) => s.index === 52)!;
    expect(far).toMatchObject({ neighbourLabel: LOCAL, agreement: 1 });
    expect(far.reach).toBeGreaterThan(DEFAULT_SUSPECT_RULE.maxReach);
    expect(far.isolation).toBeGreaterThan(DEFAULT_SUSPECT_RULE.maxIsolation);
    // Either limit alone keeps it out.
    expect(findSuspects(inputs, { ...rule, maxReach: 1e6 }).flagged.map((s) => s.index)).toEqual([50]);
    expect(findSuspects(inputs, { ...rule, maxIsolation: 1e6 }).flagged.map((s) => s.index)).toEqual([50]);
  });

  it('the model backs a flag but never flags alone: a vote below the agreement level is not flagged, however sure the model', () => {
    const flags = (r: Partial<SuspectRule>): number[] => findSuspects(inputs, { ...rule, ...r }).flagged.map((s) => s.index);
    const unbacked = findSuspects(inputs, { ...rule, minConfidence: 2 }).flagged;
    expect(unbacked.map((s) => s.index)).toEqual([50]);
    expect(unbacked[0]!.backed).toBe(false);
    expect(flags({ minAgreement: 1.01 })).toEqual([]);
  });

  it('flags a label both views contradict, and not one the inputs contradict while the codes carry it', () => {
    // Record 53 looks like the locals by its input, but its code lies among the teleseismic records, as its label says.
    const points = records.flatMap((r, i) => (i === 53 ? [0.05, 0.05] : r.z));
    const split: SuspectInputs = { ...model, neighbours: nearestNeighbours(points, 2, () => true, 10) };
    const flags = (r: Partial<SuspectRule>): number[] => findSuspects(split, { ...rule, ...r }).flagged.map((s) => s.index);
    expect(flags({})).toEqual([50]);
    const inputsAlone = findSuspects(split, { ...rule, codeNeighbours: 0 }).flagged.find((s) => s.index === 53)!;
    // Nine of its ten input neighbours are locals; the tenth is record 50, whose label is flipped.
    expect(inputsAlone).toMatchObject({ neighbourLabel: LOCAL, agreement: 0.9, backed: false });
  });

  it('lets the codes vote unless adding them makes the vote read the labels measurably worse than the inputs alone', () => {
    // The codes are the inputs here: the two together read the labels exactly as the inputs alone, and they vote.
    expect(findSuspects(inputs, rule).witnesses).toMatchObject({ z: 0, codeVoted: true });
    const { input, code, joint } = findSuspects(inputs, rule).witnesses;
    expect(code).toBe(input);
    expect(joint).toBe(input);
    // Codes that pair each local of the ring with a teleseismic record (the same place, a hair apart), every other record far
    // off on its own: each ring record's nearest code is of the other class, so the two witnesses split evenly on it and the
    // tie goes to the smaller class. The joint vote misreads one whole ring the inputs read right: the codes are silenced.
    const paired = records.flatMap((_, i) => (i < 40 ? [100 * (i % 20) + (i < 20 ? 0 : 0.01), 0] : [5000 + 100 * i, 0]));
    const pairedInputs: SuspectInputs = { ...inputs, codes: paired };
    const auto = findSuspects(pairedInputs, { ...rule, codeNeighbours: 1 });
    expect(auto.witnesses.joint!).toBeLessThan(auto.witnesses.input!);
    expect(auto.witnesses.z!).toBeGreaterThan(CODE_SILENCE_Z);
    expect(auto.witnesses.codeVoted).toBe(false);
    expect(auto.flagged.map((s) => s.index)).toEqual([50]);
    const always = findSuspects(pairedInputs, { ...rule, codeNeighbours: 1, codeVote: 'always' });
    expect(always.witnesses.codeVoted).toBe(true);
    // Made to vote, they flag five records of the band (each one's only code neighbour is the next of the band, labelled
    // the other way) and lose record 50 (its code neighbour, far off too, carries its own label).
    expect(always.flagged.map((s) => s.index)).toEqual([40, 42, 44, 46, 48]);
  });

  it('reports no witness read-out when the model alone decides', () => {
    expect(findSuspects(model, MODEL_ALONE).witnesses).toEqual({ input: null, code: null, joint: null, z: null, codeVoted: false });
  });

  it('scores a unanimous vote the model backs from near the centroid close to 1, and an unbacked one at half its agreement', () => {
    const backed = findSuspects(inputs, rule).flagged[0]!;
    expect(backed.score).toBeCloseTo((1 + suspectScore(backed.confidence, backed.distance)) / 2, 12);
    expect(backed.score).toBeGreaterThan(0.9);
    expect(findSuspects(inputs, { ...rule, minConfidence: 2 }).flagged[0]!.score).toBe(0.5);
  });

  it('asks for the neighbours when the rule needs them', () => {
    expect(() => findSuspects(model, rule)).toThrow(/neighbours/);
  });
});

describe('neighbourIsolation', () => {
  it("measures the distance to the farthest neighbour over the neighbours' own median of it: 1 in a sparse group as in a dense one", () => {
    // A dense group (0, 1, 2) and a sparse one (20, 30); 10 lies off on its own beside the dense group, 45 a little beyond the sparse one.
    const neighbours = nearestNeighbours([0, 1, 2, 10, 20, 30, 45], 1, () => true, 1);
    expect([...neighbourIsolation(neighbours, [0, 0, 0, 0, 0, 0, 0], 1)]).toEqual([1, 1, 1, 8, 1.25, 1, 1.5]);
    // The global reach sees the sparse group as far out instead.
    expect([...neighbourReach(neighbours, [0, 0, 0, 0, 0, 0, 0], 1)]).toEqual([0.125, 0.125, 0.125, 1, 1.25, 1.25, 1.875]);
    expect(neighbourIsolation(neighbours, [0, 0, 0, 0, 0, 0, -1], 1)[6]).toBe(0);
  });
});

describe('neighbourReach', () => {
  it("measures the distance to the farthest neighbour over the labelled records' median of it", () => {
    // Points 0, 1, 2, 3, 10: each one's single nearest is 1, 1, 1, 1 and 7 away; median 1.
    const neighbours = nearestNeighbours([0, 1, 2, 3, 10], 1, () => true, 1);
    expect([...neighbourReach(neighbours, [0, 0, 0, 0, 0], 1)]).toEqual([1, 1, 1, 1, 7]);
    // Unlabelled records get 0 and do not count towards the median.
    expect([...neighbourReach(neighbours, [0, 0, 0, 0, -1], 1)]).toEqual([1, 1, 1, 1, 0]);
  });
});

describe('fitLabelMap', () => {
  it("gives each cluster its labelled members' majority class, and -1 to a cluster without labels", () => {
    const clusters = [0, 0, 0, 1, 1, 1, 2, 2, 3];
    const labels = [0, 0, 1, 1, 1, 0, 0, 0, UNLABELLED];
    expect([...fitLabelMap(labels, clusters, 4, 'majority')]).toEqual([0, 1, 0, -1]);
  });

  it('breaks a tie towards the smaller class id, whatever the record order', () => {
    expect([...fitLabelMap([1, 0], [0, 0], 1, 'majority')]).toEqual([0]);
    expect([...fitLabelMap([0, 1], [0, 0], 1, 'majority')]).toEqual([0]);
  });

  it('hungarian maps clusters one-to-one where the majorities would give two clusters one class', () => {
    // Cluster 0: 8 local, 2 teleseismic; cluster 1: 6 local, 4 teleseismic.
    const clusters = [...Array<number>(10).fill(0), ...Array<number>(10).fill(1)];
    const labels = [...Array<number>(8).fill(LOCAL), TELESEISMIC, TELESEISMIC, ...Array<number>(6).fill(LOCAL), ...Array<number>(4).fill(TELESEISMIC)];
    expect([...fitLabelMap(labels, clusters, 2, 'majority')]).toEqual([LOCAL, LOCAL]);
    expect([...fitLabelMap(labels, clusters, 2, 'hungarian')]).toEqual([LOCAL, TELESEISMIC]);
  });

  it('hungarian gives clusters beyond the number of classes their majority', () => {
    const clusters = [0, 0, 1, 1, 2, 2, 2];
    const labels = [0, 0, 1, 1, 0, 0, 1];
    expect([...fitLabelMap(labels, clusters, 3, 'hungarian')]).toEqual([0, 1, 0]);
  });
});

describe('distance, confidence and score', () => {
  it("measures distance in units of the cluster's spread, the median distance of its members", () => {
    const { distance, spread } = centroidDistances({ k: 1, codeSize: 1, codes: [1, -2, 3, 30], centroids: [0], clusters: [0, 0, 0, 0] });
    // Distances 1, 2, 3, 30: the median 2.5 is not pulled out by the outlier.
    expect(spread[0]).toBe(2.5);
    expect([...distance]).toEqual([0.4, 0.8, 1.2, 12]);
  });

  it('scores 1 on the centroid at full confidence, 1/2 for a typical member, 0 at chance', () => {
    expect(suspectScore(1, 0)).toBe(1);
    expect(suspectScore(1, 1)).toBe(0.5);
    expect(suspectScore(0, 0)).toBe(0);
  });

  it("puts q on the model's scale: 0 at chance (1/k), 1 for a record on the centroid", () => {
    // Two centroids 10 apart: a record on either has q = (1 + 100) / (2 + 100).
    const top = centroidQ([0, 0, 10, 0], 2, 2);
    expect([...top]).toEqual([101 / 102, 101 / 102]);
    expect(assignmentConfidence(101 / 102, top[0]!, 2)).toBe(1);
    expect(assignmentConfidence(0.5, top[0]!, 2)).toBe(0);
    expect(assignmentConfidence((0.5 + 101 / 102) / 2, top[0]!, 2)).toBeCloseTo(0.5, 12);
    // Centroids 1 apart cap q at 2/3: q = 2/3 there is as sure as 101/102 above.
    expect(assignmentConfidence(2 / 3, centroidQ([0, 1], 2, 1)[0]!, 2)).toBeCloseTo(1, 12);
    // Just beyond a centroid, away from the other, q exceeds the centroid's own: confidence stays 1.
    expect(assignmentConfidence(0.999, top[0]!, 2)).toBe(1);
  });

  it("follows the clustering layer's kernel for other degrees of freedom", () => {
    // alpha 3: kernel (1 + d^2 / 3)^-2; centroids 3 apart: 1 / (1 + (1 + 3)^-2) = 16 / 17.
    expect(centroidQ([0, 3], 2, 1, 3)[0]).toBeCloseTo(16 / 17, 12);
  });
});
