import { wasm, type WasmModule } from '../common/webassembly.js';
import { KLD_EPS } from '../kernels/loss.js';
import type { LayerDescription, ModelPlan } from '../model/description.js';
import { cursor, mathScratch, walk, zeroVector } from './emit.js';
import { backward, forward, inputBorder, outputGradBorder, type Context, type TileLayer } from './layers.js';
import { Arena, at, LANES, NO_BORDER, rowBytes, VEC, type TileBuffer } from './layout.js';
import { CONTROL_WORDS } from './threads.js';
import { assemble, Code, type FunctionDefinition, type Local } from './wasm.js';

/**
 * A sequential autoencoder compiled to one WebAssembly module. The module's
 * functions each run a range of tiles (four records each) of the batch held
 * in the shared memory, so that several threads can run disjoint ranges of
 * one batch at once:
 *
 * - `pretrain(ws, firstTile, tiles, mseScale)`: forward, MSE, backward;
 * - `finetune(ws, firstTile, tiles, mseScale, klScale)`: the same plus the
 *   clustering head (Student's t with alpha 1 and KL(P || Q));
 * - `encode(ws, firstTile, tiles)` and `assign(...)`: codes (and soft
 *   assignments) for inference;
 * - `reduce(tiles)`: sums the tiles' gradient slots into the first, in tile order.
 *
 * `ws` is the calling thread's workspace. Each tile writes its gradient (one
 * vector per parameter element, the lanes being its records) to a slot of
 * its own, and `reduce` sums the slots in tile order: the result is the same
 * bits whatever the number of threads and however the tiles were shared out.
 * Everything else lives at fixed addresses (`MemoryMap`).
 */
export interface MemoryMap {
  /** Parameters as f32: the layers' in `Autoencoder.namedParameters()` order, then the centroids [k, codeSize]. */
  readonly params: number;
  readonly paramCount: number;
  /** Per record of the batch (lane-major by tile): 1 for a record, 0 for the padding of the last tile. */
  readonly recordWeights: number;
  /** The batch's records, row-major f32 [batchTiles * 4, recordSize]. */
  readonly input: number;
  /** Target distribution rows of the batch, lane-major: vector (tile * k + j). */
  readonly target: number;
  /** Soft assignments written by `finetune` and `assign`, lane-major like `target`. */
  readonly q: number;
  /** Codes written by `encode` and `assign`, lane-major: vector (tile * codeSize + m). */
  readonly codes: number;
  /** Tile t's gradient slot at gradients + t * slotBytes: one vector per parameter, then its sum of squared reconstruction errors. */
  readonly gradients: number;
  readonly slotBytes: number;
  /** Thread t's workspace at workspaces + t * workspaceBytes. */
  readonly workspaces: number;
  readonly workspaceBytes: number;
  readonly bytes: number;
}

export interface CompiledProgram {
  readonly module: WasmModule;
  readonly memory: MemoryMap;
  readonly batchTiles: number;
  readonly threads: number;
  readonly recordSize: number;
  readonly codeSize: number;
  /** Clusters of the head; 0 without one. */
  readonly k: number;
}

/** Largest memory a program lays out (the batch, its gradient slots and the workspaces); larger batches run op by op. */
const MAX_BYTES = 2 ** 30;

/** The batch asked for would take more memory than a program may lay out. */
export class ProgramTooLargeError extends Error {
  constructor(message: string) {
    super(`compiled autoencoder: ${message}`);
    this.name = 'ProgramTooLargeError';
  }
}

export interface ProgramOptions {
  /** Largest batch the program runs. */
  batchSize: number;
  threads: number;
  /** Clusters of the clustering head (alpha 1); 0 for none. */
  k: number;
}

/** Record shape [c, h, w] with 1-D shapes [c, length] as height 1. */
function planes(shape: readonly number[]): { c: number; h: number; w: number } {
  return shape.length === 3 ? { c: shape[0]!, h: shape[1]!, w: shape[2]! } : { c: shape[0]!, h: 1, w: shape[1]! };
}

function pair(v: number | readonly [number, number] | undefined, fallback: number, oneD: boolean): [number, number] {
  if (oneD) return [1, typeof v === 'number' ? v : fallback];
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** The plan's layers as tile layers, with each convolution's parameter offsets. */
export function tileLayers(plan: ModelPlan): TileLayer[] {
  let param = 0;
  return plan.layers.map((p) => {
    const input = planes(p.inputShape);
    const output = planes(p.outputShape);
    const d: LayerDescription = p.layer;
    const oneD = p.inputShape.length === 2;
    switch (d.type) {
      case 'conv1d':
      case 'conv2d': {
        const [kh, kw] = d.type === 'conv1d' ? [1, d.kernel] : pair(d.kernel, 1, false);
        const same = (d.padding ?? 'same') === 'same';
        const weight = param;
        const bias = weight + output.c * input.c * kh * kw;
        param = bias + output.c;
        return {
          kind: 'conv',
          input,
          output,
          kh,
          kw,
          pt: same ? (kh - 1) >> 1 : 0,
          pl: same ? (kw - 1) >> 1 : 0,
          activation: d.activation ?? 'linear',
          weight,
          bias,
        };
      }
      case 'maxPool1d':
      case 'maxPool2d': {
        const [ph, pw] = pair(d.pool, 2, oneD);
        return { kind: 'pool', input, output, ph, pw };
      }
      case 'upsample1d':
      case 'upsample2d': {
        const [fh, fw] = pair(d.factor, 2, oneD);
        return { kind: 'upsample', input, output, fh, fw };
      }
      case 'activation':
        return { kind: 'activation', input, output, activation: d.activation };
    }
  });
}

function parameterCount(layers: readonly TileLayer[]): number {
  let n = 0;
  for (const l of layers) if (l.kind === 'conv') n = l.bias + l.output.c;
  return n;
}

interface Buffers {
  /** acts[l]: the input of layer l (acts[0] the records, acts[L] the reconstruction). */
  readonly acts: readonly TileBuffer[];
  /** grads[l]: the gradient of acts[l] (null for acts[0], whose gradient nobody needs). */
  readonly grads: readonly (TileBuffer | null)[];
  /** The KL part of the code's gradient, one vector per code element. */
  readonly codeGrad: number;
  readonly bytes: number;
}

function buffers(layers: readonly TileLayer[], codeSize: number): Buffers {
  const arena = new Arena();
  const shapes = [layers[0]!.input, ...layers.map((l) => l.output)];
  const acts = shapes.map((s, i) => arena.buffer(s.c, s.h, s.w, i < layers.length ? inputBorder(layers[i]!) : NO_BORDER));
  const grads = shapes.map((s, i) => (i === 0 ? null : arena.buffer(s.c, s.h, s.w, outputGradBorder(layers[i - 1]!))));
  const codeGrad = arena.take(codeSize * VEC);
  return { acts, grads, codeGrad, bytes: arena.size };
}

interface TileProgram {
  readonly layers: readonly TileLayer[];
  readonly ws: Buffers;
  readonly encoderCount: number;
  readonly recordSize: number;
  readonly codeSize: number;
  readonly k: number;
  /** Index of the first centroid element among the parameters. */
  readonly centroidParam: number;
  readonly map: MemoryMap;
}

export function compileProgram(plan: ModelPlan, options: ProgramOptions): CompiledProgram {
  const layers = tileLayers(plan);
  const encoderCount = plan.layers.filter((l) => l.part === 'encoder').length;
  const input = layers[0]!.input;
  const recordSize = input.c * input.h * input.w;
  const codeSize = plan.codeSize;
  const { k, threads } = options;
  const batchTiles = Math.ceil(options.batchSize / LANES);
  const modelParams = parameterCount(layers);
  const paramCount = modelParams + k * codeSize;

  const ws = buffers(layers, codeSize);
  const slotBytes = (paramCount + 1) * VEC;
  // Address 0 holds the threads' control words (threads.ts).
  const global = new Arena(CONTROL_WORDS * 4);
  const params = global.take(paramCount * 4);
  const recordWeights = global.take(batchTiles * VEC);
  const inputArea = global.take(batchTiles * LANES * recordSize * 4);
  const target = global.take(batchTiles * Math.max(k, 1) * VEC);
  const q = global.take(batchTiles * Math.max(k, 1) * VEC);
  const codes = global.take(batchTiles * codeSize * VEC);
  const gradients = global.take(batchTiles * slotBytes);
  const workspaces = global.take(threads * ws.bytes);
  const map: MemoryMap = {
    params,
    paramCount,
    recordWeights,
    input: inputArea,
    target,
    q,
    codes,
    gradients,
    slotBytes,
    workspaces,
    workspaceBytes: ws.bytes,
    bytes: global.size,
  };
  if (map.bytes > MAX_BYTES)
    throw new ProgramTooLargeError(
      `a batch of ${options.batchSize} needs ${(map.bytes / 2 ** 20).toFixed(0)} MiB of compiled-kernel memory, more than ${MAX_BYTES / 2 ** 20} MiB`,
    );
  const program: TileProgram = { layers, ws, encoderCount, recordSize, codeSize, k, centroidParam: modelParams, map };
  const functions: FunctionDefinition[] = [
    { name: 'pretrain', code: trainFunction(program, false) },
    { name: 'encode', code: encodeFunction(program, false) },
    { name: 'reduce', code: reduceFunction(program) },
  ];
  if (k > 0) functions.push({ name: 'finetune', code: trainFunction(program, true) }, { name: 'assign', code: encodeFunction(program, true) });
  const pages = Math.ceil(map.bytes / 65536);
  const bytes = assemble(functions, pages, pages);
  return { module: new wasm.Module(bytes), memory: map, batchTiles, threads, recordSize, codeSize, k };
}

/** Copies the four records of tile `tg` (row-major in the input area) into the lanes of acts[0]. */
function loadTile(c: Code, p: TileProgram, wsLocal: Local, tg: Local): void {
  const x = p.ws.acts[0]!;
  const recordBytes = p.recordSize * 4;
  const first = c.local('i32');
  tileAddress(c, tg, LANES * recordBytes, p.map.input);
  c.set(first);
  for (let ch = 0; ch < x.c; ch++) {
    const src = cursor(c, first, ch * x.h * x.w * 4, 4, x.w * 4);
    const dst = cursor(c, wsLocal, at(x, ch, 0, 0), VEC, rowBytes(x));
    walk(c, x.h, x.w, [src, dst], () => {
      for (let lane = 0; lane < LANES; lane++)
        c.get(dst.local)
          .get(src.local)
          .f32Load(lane * recordBytes)
          .f32Store(lane * 4);
    });
  }
}

/** Workspace offsets of the code's elements, flattened channel-first. */
function codeElements(p: TileProgram): number[] {
  const b = p.ws.acts[p.encoderCount]!;
  const out: number[] = [];
  for (let ch = 0; ch < b.c; ch++) for (let i = 0; i < b.h; i++) for (let j = 0; j < b.w; j++) out.push(at(b, ch, i, j));
  return out;
}

/** Pushes base + tg * stride. */
function tileAddress(c: Code, tg: Local, stride: number, base: number): void {
  c.get(tg).i32(stride).i32Mul().i32(base).i32Add();
}

function splat(c: Code, v: number): Code {
  return c.v128Const([v, v, v, v]);
}

/** Pushes centroid element (j, m) copied to the four lanes. */
function centroid(c: Code, p: TileProgram, j: number, m: number): void {
  c.i32(0).v128LoadSplat(p.map.params + (p.centroidParam + j * p.codeSize + m) * 4);
}

interface SoftAssignment {
  readonly z: Local[];
  readonly s: Local[];
  readonly q: Local[];
  readonly sum: Local;
}

/**
 * Student's t soft assignment (alpha = 1) of the tile's codes, as the CPU's
 * softAssign: s_j = 1 / (1 + |z - mu_j|^2), q_j = s_j / sum_j s_j. Stores q
 * (lane-major) and keeps z, s, q and the sum in locals for the KL gradient.
 */
function softAssign(c: Code, p: TileProgram, wsLocal: Local, tg: Local): SoftAssignment {
  const z = codeElements(p).map((off) => {
    const v = c.local('v128');
    c.get(wsLocal).v128Load(off).set(v);
    return v;
  });
  const d = c.local('v128');
  const diff = c.local('v128');
  const s = Array.from({ length: p.k }, (_, j) => {
    zeroVector(c).set(d);
    z.forEach((zm, m) => {
      c.get(zm);
      centroid(c, p, j, m);
      c.f32x4Sub().tee(diff).get(diff).f32x4Mul().get(d).f32x4Add().set(d);
    });
    const v = c.local('v128');
    splat(c, 1);
    splat(c, 1).get(d).f32x4Add().f32x4Div().set(v);
    return v;
  });
  const sum = c.local('v128');
  s.forEach((v, j) => (j === 0 ? c.get(v) : c.get(v).f32x4Add()));
  c.set(sum);
  const q = s.map((v, j) => {
    const qj = c.local('v128');
    tileAddress(c, tg, p.k * VEC, p.map.q + j * VEC);
    c.get(v).get(sum).f32x4Div().tee(qj).v128Store();
    return qj;
  });
  return { z, s, q, sum };
}

/**
 * The gradient of klScale * KL(P || Q) through the Student's t kernel, per
 * record: dq_j = -klScale p_j / q_j (0 where q is clipped), then through the
 * normalisation and the kernel to the code (into codeGrad) and to the
 * centroids (stored in the tile's gradient slot).
 */
function klGradient(c: Code, p: TileProgram, ctx: Context, tg: Local, a: SoftAssignment, klv: Local): void {
  const gq = a.q.map((qj, j) => {
    const g = c.local('v128');
    splat(c, 0).get(klv).f32x4Sub();
    tileAddress(c, tg, p.k * VEC, p.map.target + j * VEC);
    c.v128Load();
    splat(c, KLD_EPS).f32x4Pmax();
    splat(c, 1).f32x4Pmin();
    c.f32x4Mul().get(qj).f32x4Div();
    c.get(qj);
    splat(c, KLD_EPS).f32x4Ge().v128And().set(g);
    return g;
  });
  const dot = c.local('v128');
  gq.forEach((g, j) => {
    c.get(g).get(a.q[j]!).f32x4Mul();
    if (j > 0) c.f32x4Add();
  });
  c.set(dot);
  // t_j = d loss / d (|z - mu_j|^2) times 2 = -2 s_j^2 (gq_j - dot) / sum
  const t = gq.map((g, j) => {
    const v = c.local('v128');
    splat(c, -2).get(a.s[j]!).f32x4Mul().get(a.s[j]!).f32x4Mul().get(g).get(dot).f32x4Sub().f32x4Mul().get(a.sum).f32x4Div().set(v);
    return v;
  });
  const diff = c.local('v128');
  const term = c.local('v128');
  a.z.forEach((zm, m) => {
    c.get(ctx.ws);
    t.forEach((tj, j) => {
      c.get(zm);
      centroid(c, p, j, m);
      c.f32x4Sub().set(diff);
      c.get(tj).get(diff).f32x4Mul().set(term);
      // d loss / d mu_jm = -term
      c.get(ctx.slot);
      zeroVector(c)
        .get(term)
        .f32x4Sub()
        .v128Store((p.centroidParam + j * p.codeSize + m) * VEC);
      c.get(term);
      if (j > 0) c.f32x4Add();
    });
    c.v128Store(p.ws.codeGrad + m * VEC);
  });
}

/** grads[L] = mseScale * w * (reconstruction - records) and the loss sum += w * (reconstruction - records)^2, w the record weights. */
function mseGradient(c: Code, p: TileProgram, wsLocal: Local, wl: Local, msev: Local, loss: Local): void {
  const last = p.layers.length;
  const y = p.ws.acts[last]!;
  const x = p.ws.acts[0]!;
  const g = p.ws.grads[last]!;
  const diff = c.local('v128');
  for (let ch = 0; ch < y.c; ch++) {
    const py = cursor(c, wsLocal, at(y, ch, 0, 0), VEC, rowBytes(y));
    const px = cursor(c, wsLocal, at(x, ch, 0, 0), VEC, rowBytes(x));
    const pg = cursor(c, wsLocal, at(g, ch, 0, 0), VEC, rowBytes(g));
    walk(c, y.h, y.w, [py, px, pg], () => {
      c.get(py.local).v128Load().get(px.local).v128Load().f32x4Sub().set(diff);
      c.get(pg.local).get(diff).get(msev).f32x4Mul().v128Store();
      c.get(loss).get(diff).get(diff).f32x4Mul().get(wl).f32x4Mul().f32x4Add().set(loss);
    });
  }
}

/** Adds the KL part of the code's gradient to the gradient the decoder sent back. */
function addCodeGradient(c: Code, p: TileProgram, wsLocal: Local): void {
  const g = p.ws.grads[p.encoderCount]!;
  let m = 0;
  for (let ch = 0; ch < g.c; ch++)
    for (let i = 0; i < g.h; i++)
      for (let j = 0; j < g.w; j++, m++) {
        const off = at(g, ch, i, j);
        c.get(wsLocal)
          .get(wsLocal)
          .v128Load(off)
          .get(wsLocal)
          .v128Load(p.ws.codeGrad + m * VEC)
          .f32x4Add()
          .v128Store(off);
      }
}

function trainFunction(p: TileProgram, withHead: boolean): Code {
  const c = new Code(withHead ? ['i32', 'i32', 'i32', 'f32', 'f32'] : ['i32', 'i32', 'i32', 'f32']);
  const [ws, firstTile, tiles, mseScale, klScale] = c.params as Local[];
  const slot = c.local('i32');
  const ctx: Context = { code: c, ws: ws!, slot, params: p.map.params, math: mathScratch(c) };
  const tile = c.local('i32');
  const tg = c.local('i32');
  const loss = c.local('v128');
  const wl = c.local('v128');
  const msev = c.local('v128');
  const klv = c.local('v128');
  c.repeatDynamic(tile, tiles!, () => {
    c.get(firstTile!).get(tile).i32Add().set(tg);
    tileAddress(c, tg, p.map.slotBytes, p.map.gradients);
    c.set(slot);
    zeroVector(c).set(loss);
    loadTile(c, p, ws!, tg);
    tileAddress(c, tg, VEC, p.map.recordWeights);
    c.v128Load().set(wl);
    c.get(mseScale!).f32x4Splat().get(wl).f32x4Mul().set(msev);
    p.layers.forEach((layer, l) => forward(ctx, layer, p.ws.acts[l]!, p.ws.acts[l + 1]!));
    if (withHead) {
      c.get(klScale!).f32x4Splat().get(wl).f32x4Mul().set(klv);
      klGradient(c, p, ctx, tg, softAssign(c, p, ws!, tg), klv);
    }
    mseGradient(c, p, ws!, wl, msev, loss);
    for (let l = p.layers.length - 1; l >= 0; l--) {
      backward(ctx, p.layers[l]!, p.ws.acts[l]!, p.ws.acts[l + 1]!, p.ws.grads[l + 1]!, l === 0 ? null : p.ws.grads[l]!);
      if (withHead && l === p.encoderCount) addCodeGradient(c, p, ws!);
    }
    c.get(slot)
      .get(loss)
      .v128Store(p.map.paramCount * VEC);
  });
  return c;
}

/** slot[0] += slot[t] for t = 1 .. tiles - 1 in order, vector by vector. */
function reduceFunction(p: TileProgram): Code {
  const c = new Code(['i32']);
  const [tiles] = c.params as Local[];
  const others = c.local('i32');
  const t = c.local('i32');
  const e = c.local('i32');
  const first = c.local('i32');
  const slot = c.local('i32');
  const vectors = p.map.slotBytes / VEC;
  c.get(tiles!).i32(1).i32Sub().set(others);
  c.repeatDynamic(t, others, () => {
    c.i32(p.map.gradients).set(first);
    tileAddress(c, t, p.map.slotBytes, p.map.gradients + p.map.slotBytes);
    c.set(slot);
    c.repeat(e, vectors, () => {
      c.get(first).get(first).v128Load().get(slot).v128Load().f32x4Add().v128Store();
      c.advance(first, VEC).advance(slot, VEC);
    });
  });
  return c;
}

function encodeFunction(p: TileProgram, withHead: boolean): Code {
  const c = new Code(['i32', 'i32', 'i32']);
  const [ws, firstTile, tiles] = c.params as Local[];
  const ctx: Context = { code: c, ws: ws!, slot: c.local('i32'), params: p.map.params, math: mathScratch(c) };
  const tile = c.local('i32');
  const tg = c.local('i32');
  const elements = codeElements(p);
  c.repeatDynamic(tile, tiles!, () => {
    c.get(firstTile!).get(tile).i32Add().set(tg);
    loadTile(c, p, ws!, tg);
    for (let l = 0; l < p.encoderCount; l++) forward(ctx, p.layers[l]!, p.ws.acts[l]!, p.ws.acts[l + 1]!);
    elements.forEach((off, m) => {
      tileAddress(c, tg, p.codeSize * VEC, p.map.codes + m * VEC);
      c.get(ws!).v128Load(off).v128Store();
    });
    if (withHead) softAssign(c, p, ws!, tg);
  });
  return c;
}
