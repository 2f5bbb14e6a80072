/**
 * The Barnes-Hut t-SNE gradient (van der Maaten 2014): sparse input
 * affinities over the 3 * perplexity nearest neighbours and a quadtree over
 * the embedding that sums far points' repulsion by their centre of mass.
 */
import { calibrateRow, P_FLOOR, type Objective } from './tsne-affinities.js';

/** Points a quadtree leaf holds before it is split (8 was fastest at n = 9,200). */
const BUCKET = 8;

/** The upper triangle (j > i) of the sparse symmetric affinities, in compressed rows. */
interface SparseAffinities {
  rowStart: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

/**
 * The k = min(n - 1, floor(3 * perplexity)) nearest neighbours of every point,
 * by brute force over all pairs (each pair's distance computed once and
 * offered to both ends): O(n^2 d), a few seconds at n = 10,000 after PCA,
 * and exact, so the map does not depend on a tree's approximations.
 */
function nearestNeighbours(x: Float64Array, n: number, d: number, k: number): { idx: Int32Array; dist: Float64Array } {
  const idx = new Int32Array(n * k);
  const dist = new Float64Array(n * k);
  const size = new Int32Array(n);
  // Per point a max-heap of its k best so far (root = the worst kept).
  const offer = (i: number, j: number, dj: number): void => {
    const base = i * k;
    let s = size[i]!;
    if (s < k) {
      let c = s;
      size[i] = s + 1;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (dist[base + parent]! >= dj) break;
        dist[base + c] = dist[base + parent]!;
        idx[base + c] = idx[base + parent]!;
        c = parent;
      }
      dist[base + c] = dj;
      idx[base + c] = j;
      return;
    }
    if (dj >= dist[base]!) return;
    let c = 0;
    s = k;
    for (;;) {
      let child = 2 * c + 1;
      if (child >= s) break;
      if (child + 1 < s && dist[base + child + 1]! > dist[base + child]!) child++;
      if (dist[base + child]! <= dj) break;
      dist[base + c] = dist[base + child]!;
      idx[base + c] = idx[base + child]!;
      c = child;
    }
    dist[base + c] = dj;
    idx[base + c] = j;
  };
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[oi + c]! - x[oj + c]!;
        s += t * t;
      }
      offer(i, j, s);
      offer(j, i, s);
    }
  }
  return { idx, dist };
}

function sparseAffinities(x: Float64Array, n: number, d: number, perplexity: number): SparseAffinities {
  const k = Math.min(n - 1, Math.floor(3 * perplexity));
  const { idx, dist } = nearestNeighbours(x, n, d, k);
  const cond = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    calibrateRow(dist.subarray(i * k, (i + 1) * k), perplexity, cond.subarray(i * k, (i + 1) * k));
  }
  // Symmetrise: p_ij = (p_{j|i} + p_{i|j}) / 2n. Every directed entry (i, j)
  // lands in row i and row j; duplicates (mutual neighbours) are merged with a
  // column-to-slot marker, so no sorting is needed. Only j > i is kept: the
  // gradient visits each pair once and applies it to both ends.
  const count = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      count[i]!++;
      count[idx[i * k + t]!]!++;
    }
  }
  const tmpStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) tmpStart[i + 1] = tmpStart[i]! + count[i]!;
  const fill = tmpStart.slice(0, n);
  const tmpCols = new Int32Array(tmpStart[n]!);
  const tmpVals = new Float64Array(tmpStart[n]!);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = idx[i * k + t]!;
      const v = cond[i * k + t]!;
      tmpCols[fill[i]!] = j;
      tmpVals[fill[i]!++] = v;
      tmpCols[fill[j]!] = i;
      tmpVals[fill[j]!++] = v;
    }
  }
  const rowStart = new Int32Array(n + 1);
  const cols = new Int32Array(tmpStart[n]!);
  const vals = new Float64Array(tmpStart[n]!);
  const slot = new Int32Array(n).fill(-1);
  let at = 0;
  for (let i = 0; i < n; i++) {
    rowStart[i] = at;
    for (let e = tmpStart[i]!; e < tmpStart[i + 1]!; e++) {
      const c = tmpCols[e]!;
      if (c < i) continue;
      if (slot[c] === -1) {
        slot[c] = at;
        cols[at] = c;
        vals[at++] = tmpVals[e]! / (2 * n);
      } else {
        vals[slot[c]!] = vals[slot[c]!]! + tmpVals[e]! / (2 * n);
      }
    }
    for (let e = rowStart[i]!; e < at; e++) slot[cols[e]!] = -1;
  }
  rowStart[n] = at;
  return { rowStart, cols: cols.slice(0, at), vals: vals.slice(0, at) };
}

/**
 * A point-region quadtree over the embedding, rebuilt every iteration. A leaf
 * is a bucket of up to BUCKET points, split into quadrants when one more
 * arrives (never below a width floating point can no longer halve, so points
 * that coincide share a leaf whatever their number).
 *
 * For the force pass the tree is laid out flat: its non-empty cells in
 * depth-first pre-order, each with its centre of mass, mass, squared width,
 * the index just past its subtree, and for a leaf where its points start in
 * `order` / `coords` (the points in the same depth-first order). Walking that
 * array needs no stack: take a cell whole and jump past its subtree, sum a
 * leaf's points one by one, or open the cell and step to the next, its first
 * child. Memory is read forwards, and consecutive points, being neighbours,
 * take nearly the same path.
 */
class QuadTree {
  private capacity = 0;
  private nodes = 0;
  private centreX = new Float64Array(0);
  private centreY = new Float64Array(0);
  private halfWidth = new Float64Array(0);
  private mass = new Float64Array(0);
  private sumX = new Float64Array(0);
  private sumY = new Float64Array(0);
  /** Index of the first of 4 consecutive children, or -1 for a leaf. */
  private child = new Int32Array(0);
  /** Head of a leaf's list of points, or -1 when empty. */
  private head = new Int32Array(0);
  /** Next point in the same leaf, or -1. */
  private readonly nextPoint: Int32Array;
  private minHalf = 0;

  /** The flat layout: per cell [centre-of-mass x, y, mass, width^2]. */
  cells = new Float64Array(0);
  /** Per cell, the index of the first cell after its subtree. */
  skip = new Int32Array(0);
  /** Per cell, where a leaf's points start in `order`; -1 for an inner cell. */
  leafStart = new Int32Array(0);
  /** Number of cells in the flat layout. */
  cellCount = 0;
  /** All points in depth-first order. */
  readonly order: Int32Array;
  /** Their coordinates (x, y) in that order. */
  readonly coords: Float64Array;

  constructor(n: number) {
    this.nextPoint = new Int32Array(n);
    this.order = new Int32Array(n);
    this.coords = new Float64Array(2 * n);
  }

  private grow(min: number): void {
    if (min <= this.capacity) return;
    const cap = Math.max(min, 2 * this.capacity, 1024);
    const g64 = (a: Float64Array, stride = 1): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap * stride);
      b.set(a);
      return b;
    };
    const g32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.centreX = g64(this.centreX);
    this.centreY = g64(this.centreY);
    this.halfWidth = g64(this.halfWidth);
    this.mass = g64(this.mass);
    this.sumX = g64(this.sumX);
    this.sumY = g64(this.sumY);
    this.child = g32(this.child);
    this.head = g32(this.head);
    this.cells = g64(this.cells, 4);
    this.skip = g32(this.skip);
    this.leafStart = g32(this.leafStart);
    this.capacity = cap;
  }

  private newNode(cx: number, cy: number, hw: number): number {
    this.grow(this.nodes + 1);
    const k = this.nodes++;
    this.centreX[k] = cx;
    this.centreY[k] = cy;
    this.halfWidth[k] = hw;
    this.mass[k] = 0;
    this.sumX[k] = 0;
    this.sumY[k] = 0;
    this.child[k] = -1;
    this.head[k] = -1;
    return k;
  }

  build(y: Float64Array, n: number): void {
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      x0 = Math.min(x0, y[2 * i]!);
      x1 = Math.max(x1, y[2 * i]!);
      y0 = Math.min(y0, y[2 * i + 1]!);
      y1 = Math.max(y1, y[2 * i + 1]!);
    }
    const half = (Math.max(x1 - x0, y1 - y0) / 2) * (1 + 1e-9) + 1e-12;
    this.minHalf = half * 1e-12;
    this.nodes = 0;
    this.newNode((x0 + x1) / 2, (y0 + y1) / 2, half);
    for (let i = 0; i < n; i++) this.insert(i, y);
    this.cellCount = 0;
    this.emit(0, 0, y);
  }

  private insert(p: number, y: Float64Array): void {
    const px = y[2 * p]!;
    const py = y[2 * p + 1]!;
    let node = 0;
    while (this.child[node] !== -1) {
      this.addMass(node, px, py);
      node = this.child[node]! + this.quadrant(node, px, py);
    }
    this.addToLeaf(node, p, px, py);
    if (this.mass[node]! > BUCKET) this.split(node, y);
  }

  private addMass(node: number, px: number, py: number): void {
    this.mass[node]!++;
    this.sumX[node] = this.sumX[node]! + px;
    this.sumY[node] = this.sumY[node]! + py;
  }

  private addToLeaf(node: number, p: number, px: number, py: number): void {
    this.addMass(node, px, py);
    this.nextPoint[p] = this.head[node]!;
    this.head[node] = p;
  }

  /** Deals an overfull leaf's points into four children, and splits those that are still overfull. */
  private split(node: number, y: Float64Array): void {
    const hw = this.halfWidth[node]! / 2;
    if (hw < this.minHalf) return;
    const cx = this.centreX[node]!;
    const cy = this.centreY[node]!;
    const first = this.newNode(cx - hw, cy - hw, hw);
    this.newNode(cx + hw, cy - hw, hw);
    this.newNode(cx - hw, cy + hw, hw);
    this.newNode(cx + hw, cy + hw, hw);
    this.child[node] = first;
    let p = this.head[node]!;
    this.head[node] = -1;
    while (p !== -1) {
      const next = this.nextPoint[p]!;
      const px = y[2 * p]!;
      const py = y[2 * p + 1]!;
      this.addToLeaf(first + this.quadrant(node, px, py), p, px, py);
      p = next;
    }
    for (let c = 0; c < 4; c++) if (this.mass[first + c]! > BUCKET) this.split(first + c, y);
  }

  private quadrant(node: number, px: number, py: number): number {
    return (px >= this.centreX[node]! ? 1 : 0) + (py >= this.centreY[node]! ? 2 : 0);
  }

  /** Appends `node`'s non-empty subtree to the flat layout; `placed` counts points put in `order`. */
  private emit(node: number, placed: number, y: Float64Array): number {
    const f = this.cellCount++;
    const m = this.mass[node]!;
    const first = this.child[node]!;
    const w = 2 * this.halfWidth[node]!;
    this.cells[4 * f] = this.sumX[node]! / m;
    this.cells[4 * f + 1] = this.sumY[node]! / m;
    this.cells[4 * f + 2] = m;
    this.cells[4 * f + 3] = w * w;
    if (first === -1) {
      this.leafStart[f] = placed;
      for (let p = this.head[node]!; p !== -1; p = this.nextPoint[p]!) {
        this.order[placed] = p;
        this.coords[2 * placed] = y[2 * p]!;
        this.coords[2 * placed + 1] = y[2 * p + 1]!;
        placed++;
      }
    } else {
      this.leafStart[f] = -1;
      for (let c = 0; c < 4; c++) if (this.mass[first + c]! > 0) placed = this.emit(first + c, placed, y);
    }
    this.skip[f] = this.cellCount;
    return placed;
  }
}

export function barnesHutObjective(x: Float64Array, n: number, d: number, perplexity: number, theta: number): Objective {
  const { rowStart, cols, vals } = sparseAffinities(x, n, d, perplexity);
  const tree = new QuadTree(n);
  const rep = new Float64Array(2 * n);
  const attr = new Float64Array(2 * n);
  const theta2 = theta * theta;
  return {
    gradient(y, exaggeration, grad, withKl) {
      tree.build(y, n);
      const { cells, skip, cellCount, order, leafStart, coords } = tree;
      // Repulsion: sum_j num_ij^2 (y_i - y_j) and Z = sum_{i != j} num_ij, a
      // cell of width w at distance r taken as one body at its centre of mass
      // when w^2 < theta^2 r^2, a leaf too close for that summed point by
      // point. The sums include i
      // itself once, with num = 1 and no force (at distance 0); the 1 is taken
      // off Z again.
      let z = 0;
      for (let t = 0; t < n; t++) {
        const i = order[t]!;
        const yi0 = coords[2 * t]!;
        const yi1 = coords[2 * t + 1]!;
        let f0 = 0;
        let f1 = 0;
        let sq = 0;
        let cell = 0;
        while (cell < cellCount) {
          const b = 4 * cell;
          const dx = yi0 - cells[b]!;
          const dy = yi1 - cells[b + 1]!;
          const d2 = dx * dx + dy * dy;
          if (cells[b + 3]! < theta2 * d2) {
            const q = 1 / (1 + d2);
            const mq = cells[b + 2]! * q;
            sq += mq;
            f0 += mq * q * dx;
            f1 += mq * q * dy;
            cell = skip[cell]!;
          } else if (leafStart[cell]! >= 0) {
            const end = 2 * (leafStart[cell]! + cells[b + 2]!);
            for (let u = 2 * leafStart[cell]!; u < end; u += 2) {
              const ex = yi0 - coords[u]!;
              const ey = yi1 - coords[u + 1]!;
              const q = 1 / (1 + ex * ex + ey * ey);
              sq += q;
              f0 += q * q * ex;
              f1 += q * q * ey;
            }
            cell = skip[cell]!;
          } else {
            cell++;
          }
        }
        rep[2 * i] = f0;
        rep[2 * i + 1] = f1;
        z += sq - 1;
      }
      // Attraction: sum_j p_ij num_ij (y_i - y_j), each pair once, applied to
      // both ends; then dC/dy_i = 4 (exaggeration * F_attr - F_rep / Z).
      attr.fill(0);
      let kl = 0;
      for (let i = 0; i < n; i++) {
        const yi0 = y[2 * i]!;
        const yi1 = y[2 * i + 1]!;
        let a0 = 0;
        let a1 = 0;
        for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) {
          const j = cols[e]!;
          const dx = yi0 - y[2 * j]!;
          const dy = yi1 - y[2 * j + 1]!;
          const q = 1 / (1 + dx * dx + dy * dy);
          const pq = vals[e]! * q;
          a0 += pq * dx;
          a1 += pq * dy;
          attr[2 * j] = attr[2 * j]! - pq * dx;
          attr[2 * j + 1] = attr[2 * j + 1]! - pq * dy;
          // Both (i, j) and (j, i).
          if (withKl) kl += 2 * vals[e]! * Math.log(Math.max(vals[e]!, P_FLOOR) / (q / z));
        }
        attr[2 * i] = attr[2 * i]! + a0;
        attr[2 * i + 1] = attr[2 * i + 1]! + a1;
      }
      for (let k = 0; k < 2 * n; k++) grad[k] = 4 * (exaggeration * attr[k]! - rep[k]! / z);
      return withKl ? kl : NaN;
    },
  };
}
