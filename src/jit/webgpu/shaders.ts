import type { Activation } from '../../model/description.js';
import { KLD_EPS } from '../../kernels/loss.js';
import type { TileLayer } from '../layers.js';

/**
 * WGSL for a whole training step of a sequential autoencoder, one compute
 * shader per layer and direction: the WebGPU counterpart of the WASM
 * compiler's kernels (../layers.ts). Shapes are constants in the text, so
 * every loop bound is known to the shader compiler; what changes from step
 * to step (where the batch starts in the order, how many records it has, the
 * loss scale, Adam's step size) is a uniform.
 *
 * Tensors are record-major f32 arrays [batch, c, h, w] (1-D layers as height
 * 1) at fixed offsets of two buffers: `acts` holds the batch's records and
 * every layer's output, `grads` the gradients of those outputs. Records past
 * the batch's count (the last, short batch) are skipped by every kernel that
 * feeds the weight gradients, so they never count.
 *
 * Weight gradients are never summed with atomics: each record's gradient is
 * summed over its positions in order into its own row of `partials`
 * [batch, parameters (and centroids)], and the update kernel adds the rows
 * in record order. The sums therefore have the same order on every device
 * and every run.
 *
 * On SwiftShader storage-buffer loads, not arithmetic, bound these kernels,
 * so the heavy ones share loads: a convolution's invocation runs a row
 * segment with its weights in registers and its inputs sliding along
 * (`slidingConv`), a weight gradient's one (record, channel pair), a
 * max-pool gradient's one window.
 */

/** Invocations per workgroup of every kernel. */
export const WORKGROUP = 64;

/** Where the tensors of one step lie, in f32 elements. */
export interface StepLayout {
  /** acts: offset of layer l's input per l (actOffsets[0] the records, actOffsets[L] the reconstruction). */
  readonly actOffsets: readonly number[];
  /** grads: offset of the gradient of acts[l] (gradOffsets[0] unused). */
  readonly gradOffsets: readonly number[];
  readonly actsSize: number;
  readonly gradsSize: number;
  /** Elements per record of acts[l]. */
  readonly sizes: readonly number[];
  /** grads: where the clustering head keeps the batch's target rows [batch, k], then the KL gradient of its codes [batch, codeSize] (past the layers' gradients; unused without a head). */
  readonly targetOffset: number;
  readonly codeGradOffset: number;
}

/** The uniform of one step: keep in step with `writeStep` in compiled.ts. */
const HEADER = /* wgsl */ `
struct Step {
  // First position of this batch in 'order', and its number of records.
  start: u32,
  count: u32,
  // d(mean squared error)/d(reconstruction) = mseScale * (y - x): 2 / (count * recordSize).
  mseScale: f32,
  // Adam's bias-corrected step size for this step.
  alpha: f32,
  // This step's sums of squared errors and of KL terms go to 'sums' [2 batch + 2 lossSlot] and [2 batch + 2 lossSlot + 1].
  lossSlot: u32,
  // d(weighted KL)/d(q) = -klScale * p / q: the KL weight over the batch's count (fine-tuning only).
  klScale: f32,
}
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
// Adam's m, then v, then the last step's gradient: three runs of the parameter count.
@group(0) @binding(2) var<storage, read_write> optimiser: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<storage, read> records: array<f32>;
@group(0) @binding(5) var<storage, read> order: array<u32>;
@group(0) @binding(6) var<storage, read_write> acts: array<f32>;
@group(0) @binding(7) var<storage, read_write> grads: array<f32>;
// One squared error per record of the batch, one KL sum per record, then two sums per step.
@group(0) @binding(8) var<storage, read_write> sums: array<f32>;
`;

/** Entry point over `total` invocations; dispatches are 2-D when one dimension cannot hold them (see `workgroups`). */
function entry(total: number, body: string): string {
  return /* wgsl */ `${HEADER}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let id = (wg.y * groups.x + wg.x) * ${WORKGROUP}u + lane;
  if (id >= ${total}u) { return; }
${body}
}
`;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, k) => k);
}

function f32(v: number): string {
  const s = String(v);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/** y = act(x) as a WGSL expression; tanh's argument is clamped because some implementations overflow exp in it. */
function activate(a: Activation, x: string): string {
  switch (a) {
    case 'linear':
      return x;
    case 'tanh':
      return `tanh(clamp(${x}, -15.0, 15.0))`;
    case 'relu':
      return `max(${x}, 0.0)`;
    case 'sigmoid':
      return `(1.0 / (1.0 + exp(-(${x}))))`;
  }
}

/** act'(x) from y = act(x), as the CPU kernels take it. */
function derivative(a: Activation, y: string): string {
  switch (a) {
    case 'linear':
      return '1.0';
    case 'tanh':
      return `(1.0 - ${y} * ${y})`;
    case 'relu':
      return `select(0.0, 1.0, ${y} > 0.0)`;
    case 'sigmoid':
      return `(${y} * (1.0 - ${y}))`;
  }
}

/**
 * Stores the gradient of acts[l] at element `index` (relative to its start).
 * When acts[l] is the output of a convolution with an activation, what is
 * stored is already the gradient of its pre-activation (value x act'(y)), so
 * the convolution's backward pass reads it as it is, once per use.
 */
function storeGradient(layout: StepLayout, l: number, producer: TileLayer | null, index: string, gradient: string, codeGrad = false): string {
  const target = `grads[${layout.gradOffsets[l]}u + ${index}]`;
  // The code's gradient also has the clustering head's part, added before the activation's derivative.
  const value = codeGrad ? `(${gradient}) + grads[${layout.codeGradOffset}u + ${index}]` : gradient;
  if (producer === null || producer.kind !== 'conv' || producer.activation === 'linear') return `${target} = ${value};`;
  return `${target} = (${value}) * ${derivative(producer.activation, `acts[${layout.actOffsets[l]}u + ${index}]`)};`;
}

/** Lines that split `id` into (b, c, i, j) of a [batch, c, h, w] tensor. */
function coordinates(c: number, h: number, w: number): string {
  const size = c * h * w;
  return `  let b = id / ${size}u;
  if (b >= step.count) { return; }
  let e = id % ${size}u;
  let ch = e / ${h * w}u;
  let i = (e / ${w}u) % ${h}u;
  let j = e % ${w}u;`;
}

/** Positions of a row that one invocation of a convolution (forward, or the input's gradient) runs along. */
const SEGMENT = 16;
/**
 * Source values a sliding window keeps in registers at most: SwiftShader's
 * compile time grows steeply past about this many (a 36-value window took
 * seconds per shader), so larger windows are split over the sources.
 */
const WINDOW = 18;

/** A convolution over planes as `slidingConv` runs it: out[o](i, j) = start(o) + sum over (s, r, t) of weight(o, s, r, t) src[s](i + rowOffset(r), j + columnOffset(t)), zero outside the source. */
interface SlidingConv {
  readonly sources: number;
  readonly source: { readonly h: number; readonly w: number };
  /** Index (WGSL u32) of source plane s's first element; `b` is the record. */
  readonly sourceBase: (s: number) => string;
  /** WGSL reading the source at an index. */
  readonly read: (index: string) => string;
  readonly outputs: number;
  readonly output: { readonly h: number; readonly w: number };
  readonly kh: number;
  readonly kw: number;
  readonly rowOffset: (r: number) => number;
  readonly columnOffset: (t: number) => number;
  /** Index in params of the weight joining source s to output o at tap (r, t). */
  readonly weight: (o: number, s: number, r: number, t: number) => number;
  readonly start: (o: number) => string;
  /** WGSL of output o's element at position `e` (u32, within the plane), which holds the running sum between groups of sources. */
  readonly at: (o: number, e: string) => string;
  /** WGSL storing the finished sum `acc` for output o at position `e`. */
  readonly store: (o: number, e: string, acc: string) => string;
}

/**
 * The body of a convolution kernel whose invocation runs SEGMENT positions
 * of one output row, every output channel: the weights are loaded once,
 * and the source values under the kernel slide along the row in registers,
 * so each position loads one new column (sources x kh values) instead of
 * the whole window, and each weight once per invocation. The sources go in
 * groups whose window fits WINDOW values, one pass along the segment each,
 * the running sums kept in the output in between. Every output sums over
 * (s, r, t) in order, from start(o).
 */
function slidingConv(k: SlidingConv): string {
  const { h: H, w: W } = k.source;
  const { h: OH, w: OW } = k.output;
  const segments = Math.ceil(OW / SEGMENT);
  const offsets = range(k.kw).map(k.columnOffset);
  const low = Math.min(...offsets);
  const high = Math.max(...offsets);
  const width = high - low + 1;
  const perGroup = Math.max(1, Math.floor(WINDOW / (k.kh * width)));
  const groups = range(Math.ceil(k.sources / perGroup)).map((g) => range(Math.min(perGroup, k.sources - g * perGroup)).map((s) => g * perGroup + s));
  const value = (s: number, r: number, d: number): string => `v${s}_${r}_${d}`;
  const load = (s: number, r: number, col: string): string =>
    `select(0.0, ${k.read(`row${s}_${r} + u32(clamp(${col}, 0, ${W - 1}))`)}, ok${s}_${r} && ${col} >= 0 && ${col} < ${W})`;
  const lines: string[] = [];
  lines.push(`  let b = id / ${OH * segments}u;
  if (b >= step.count) { return; }
  let i = i32((id / ${segments}u) % ${OH}u);
  let j0 = i32(id % ${segments}u) * ${SEGMENT};`);
  groups.forEach((sources, g) => {
    const rows = sources.flatMap((s) => range(k.kh).map((r) => ({ s, r })));
    lines.push('  {');
    for (let o = 0; o < k.outputs; o++)
      for (const { s, r } of rows) for (let t = 0; t < k.kw; t++) lines.push(`  let w${o}_${s}_${r}_${t} = params[${k.weight(o, s, r, t)}u];`);
    for (const { s, r } of rows) {
      const dr = k.rowOffset(r);
      lines.push(`  let ok${s}_${r} = i + ${dr} >= 0 && i + ${dr} < ${H};
  let row${s}_${r} = ${k.sourceBase(s)} + u32(clamp(i + ${dr}, 0, ${H - 1}) * ${W});`);
      for (let d = 0; d < width - 1; d++) lines.push(`  var ${value(s, r, d)} = ${load(s, r, `j0 + ${low + d}`)};`);
      lines.push(`  var ${value(s, r, width - 1)} = 0.0;`);
    }
    lines.push(`  for (var j = j0; j < min(j0 + ${SEGMENT}, ${OW}); j++) {
    let e = u32(i * ${OW} + j);`);
    for (const { s, r } of rows) lines.push(`    ${value(s, r, width - 1)} = ${load(s, r, `j + ${high}`)};`);
    for (let o = 0; o < k.outputs; o++) lines.push(`    var acc${o} = ${g === 0 ? k.start(o) : k.at(o, 'e')};`);
    for (const { s, r } of rows)
      for (let t = 0; t < k.kw; t++) for (let o = 0; o < k.outputs; o++) lines.push(`    acc${o} += w${o}_${s}_${r}_${t} * ${value(s, r, offsets[t]! - low)};`);
    for (let o = 0; o < k.outputs; o++) lines.push(`    ${g === groups.length - 1 ? k.store(o, 'e', `acc${o}`) : `${k.at(o, 'e')} = acc${o};`}`);
    for (const { s, r } of rows) for (let d = 0; d < width - 1; d++) lines.push(`    ${value(s, r, d)} = ${value(s, r, d + 1)};`);
    lines.push('  }', '  }');
  });
  return lines.join('\n');
}

/** Copies the batch's records from the resident set, in the order's sequence. */
export function gatherShader(recordSize: number, batch: number, layout: StepLayout): string {
  return entry(
    batch * recordSize,
    `  let b = id / ${recordSize}u;
  if (b >= step.count) { return; }
  let e = id % ${recordSize}u;
  acts[${layout.actOffsets[0]}u + id] = records[order[step.start + b] * ${recordSize}u + e];`,
  );
}

/** Invocations of layer l's forward shader: one per row segment of a convolution's output (all channels at once), one per input element of an upsampling, else one per output element. */
export function forwardInvocations(layer: TileLayer, batch: number): number {
  const { c, h, w } = layer.output;
  if (layer.kind === 'upsample') return batch * c * layer.input.h * layer.input.w;
  return layer.kind === 'conv' ? batch * h * Math.ceil(w / SEGMENT) : batch * c * h * w;
}

/** The forward pass of layer l over the batch, invocations as `forwardInvocations` says. */
export function forwardShader(layer: TileLayer, l: number, batch: number, layout: StepLayout): string {
  const { c, h, w } = layer.output;
  const x = layout.actOffsets[l]!;
  const y = layout.actOffsets[l + 1]!;
  const inSize = layout.sizes[l]!;
  const at = `${x}u + b * ${inSize}u`;
  const head = coordinates(c, h, w);
  const store = (value: string): string => `  acts[${y}u + id] = ${value};`;
  switch (layer.kind) {
    case 'conv': {
      const { input: p, kh, kw, pt, pl } = layer;
      return entry(
        forwardInvocations(layer, batch),
        slidingConv({
          sources: p.c,
          source: { h: p.h, w: p.w },
          sourceBase: (ci) => `${at} + ${ci * p.h * p.w}u`,
          read: (index) => `acts[${index}]`,
          outputs: c,
          output: { h, w },
          kh,
          kw,
          rowOffset: (r) => r - pt,
          columnOffset: (t) => t - pl,
          weight: (o, ci, r, t) => layer.weight + ((o * p.c + ci) * kh + r) * kw + t,
          start: (o) => `params[${layer.bias + o}u]`,
          at: (o, e) => `acts[${y}u + b * ${c * h * w}u + ${o * h * w}u + ${e}]`,
          store: (o, e, acc) => `acts[${y}u + b * ${c * h * w}u + ${o * h * w}u + ${e}] = ${activate(layer.activation, acc)};`,
        }),
      );
    }
    case 'pool': {
      const p = layer.input;
      // Keras 'same' pooling: the last window of a row or column may be cut short. Ties keep the first maximum (strict >), as the CPU.
      return entry(
        batch * c * h * w,
        `${head}
  let base = ${at} + ch * ${p.h * p.w}u;
  var best = acts[base + i * ${layer.ph * p.w}u + j * ${layer.pw}u];
  for (var a = i * ${layer.ph}u; a < min(i * ${layer.ph}u + ${layer.ph}u, ${p.h}u); a++) {
    for (var d = j * ${layer.pw}u; d < min(j * ${layer.pw}u + ${layer.pw}u, ${p.w}u); d++) {
      let v = acts[base + a * ${p.w}u + d];
      if (v > best) { best = v; }
    }
  }
${store('best')}`,
      );
    }
    case 'upsample': {
      // One invocation per input element writes its fh x fw copies.
      const { input: p, fh, fw } = layer;
      const copies = range(fh).flatMap((a) => range(fw).map((d) => `  acts[base + ${a * w + d}u] = v;`));
      return entry(
        forwardInvocations(layer, batch),
        `${coordinates(p.c, p.h, p.w)}
  let v = acts[${x}u + id];
  let base = ${y}u + b * ${c * h * w}u + (ch * ${h}u + i * ${fh}u) * ${w}u + j * ${fw}u;
${copies.join('\n')}`,
      );
    }
    case 'activation':
      return entry(batch * c * h * w, `${head}\n${store(activate(layer.activation, `acts[${x}u + id]`))}`);
  }
}

/** The gradient of the mean squared error at the reconstruction, and each record's squared error. One invocation per record. */
export function lossShader(recordSize: number, batch: number, layout: StepLayout, last: TileLayer): string {
  const x = layout.actOffsets[0]!;
  const y = layout.actOffsets.at(-1)!;
  return entry(
    batch,
    `  let b = id;
  if (b >= step.count) { return; }
  var squares = 0.0;
  for (var e = b * ${recordSize}u; e < (b + 1u) * ${recordSize}u; e++) {
    let d = acts[${y}u + e] - acts[${x}u + e];
    squares += d * d;
    ${storeGradient(layout, layout.actOffsets.length - 1, last, 'e', 'step.mseScale * d')}
  }
  sums[b] = squares;`,
  );
}

/** Invocations of layer l's backward shader: input gradient elements (none for the first layer), then the weight-gradient partial sums. */
export function backwardInvocations(layer: TileLayer, l: number, batch: number): { input: number; weights: number } {
  const { c, h, w } = layer.input;
  // A convolution's input gradient: one invocation per row segment of the input (every input channel); its weights: one per record and
  // (output, input) channel pair. A pooling layer's: one per window.
  const o = layer.output;
  const input = l === 0 ? 0 : layer.kind === 'conv' ? batch * h * Math.ceil(w / SEGMENT) : layer.kind === 'pool' ? batch * o.c * o.h * o.w : batch * c * h * w;
  return { input, weights: layer.kind === 'conv' ? batch * layer.output.c * c : 0 };
}

/**
 * The backward pass of layer l in one dispatch: invocations [0, input) each
 * write the input's gradient at one element (a row segment, every channel,
 * for a convolution; a window for pooling); invocations [input, input + weights) each sum
 * a convolution's parameter gradients over one record, one invocation per
 * (output channel, input channel) pair.
 * The two read the same tensors and write different ones, so they need no
 * barrier between them. The gradient written for the input is already that
 * of the pre-activation when the input is a convolution's output (storeGradient);
 * with `codeGrad` (the first decoder layer when fine-tuning) it includes the
 * clustering head's gradient of the code. `stride`: parameters per row of `partials`.
 */
export function backwardShader(
  layer: TileLayer,
  producer: TileLayer | null,
  l: number,
  batch: number,
  stride: number,
  layout: StepLayout,
  codeGrad = false,
): string {
  const { input: inputCount, weights } = backwardInvocations(layer, l, batch);
  const x = layout.actOffsets[l]!;
  const y = layout.actOffsets[l + 1]!;
  const gy = layout.gradOffsets[l + 1]!;
  const { c, h, w } = layer.input;
  const o = layer.output;
  const outAt = `b * ${o.c * o.h * o.w}u`;
  const inAt = `b * ${c * h * w}u`;
  const head = `${coordinates(c, h, w)}
  let out = ${outAt};`;
  switch (layer.kind) {
    case 'conv': {
      const { kh, kw, pt, pl } = layer;
      // The gradient of the pre-activation, as the kernel that wrote it left it (storeGradient).
      const pre = `fn preActivationGrad(k: u32) -> f32 {
  return grads[${gy}u + k];
}
`;
      // gx[ci, i, j] = sum over (o, r, t) of w[o, ci, r, t] gpre[o, i + pt - r, j + pl - t]: every input channel of one position.
      const inputGrad = slidingConv({
        sources: o.c,
        source: { h: o.h, w: o.w },
        sourceBase: (oc) => `${outAt} + ${oc * o.h * o.w}u`,
        read: (index) => `preActivationGrad(${index})`,
        outputs: c,
        output: { h, w },
        kh,
        kw,
        rowOffset: (r) => pt - r,
        columnOffset: (t) => pl - t,
        weight: (ci, oc, r, t) => layer.weight + ((oc * c + ci) * kh + r) * kw + t,
        start: () => '0.0',
        at: (ci, e) => `grads[${layout.gradOffsets[l]}u + b * ${c * h * w}u + ${ci * h * w}u + ${e}]`,
        store: (ci, e, acc) => storeGradient(layout, l, producer, `b * ${c * h * w}u + ${ci * h * w}u + ${e}`, acc, codeGrad),
      });
      // One (output channel, input channel) pair of one record: its kh x kw kernel gradients (and with input channel 0 the bias's) summed
      // over the output positions in row-major order. The inputs under the kernel slide along a row in registers: each position loads
      // one gradient and kh inputs for kh x kw products.
      const taps = range(kh).flatMap((r) => range(kw).map((t) => ({ r, t })));
      const window = (r: number, t: number): string => `x${r}_${t}`;
      const inputAt = (r: number, col: string): string =>
        `select(0.0, acts[row${r} + u32(clamp(${col}, 0, ${w - 1}))], ok${r} && ${col} >= 0 && ${col} < ${w})`;
      const weightGrad = `  let b = id / ${o.c * c}u;
  if (b >= step.count) { return; }
  let oc = (id / ${c}u) % ${o.c}u;
  let ci = id % ${c}u;
  let gBase = ${outAt} + oc * ${o.h * o.w}u;
  let xBase = ${x}u + ${inAt} + ci * ${h * w}u;
${taps.map(({ r, t }) => `  var acc${r}_${t} = 0.0;`).join('\n')}
  var biasAcc = 0.0;
  for (var i = 0; i < ${o.h}; i++) {
${range(kh)
  .map(
    (r) => `    let ok${r} = i + ${r - pt} >= 0 && i + ${r - pt} < ${h};
    let row${r} = xBase + u32(clamp(i + ${r - pt}, 0, ${h - 1}) * ${w});`,
  )
  .join('\n')}
${taps
  .filter(({ t }) => t < kw - 1)
  .map(({ r, t }) => `    var ${window(r, t)} = ${inputAt(r, `${t - pl}`)};`)
  .join('\n')}
${range(kh)
  .map((r) => `    var ${window(r, kw - 1)} = 0.0;`)
  .join('\n')}
    for (var j = 0; j < ${o.w}; j++) {
${range(kh)
  .map((r) => `      ${window(r, kw - 1)} = ${inputAt(r, `j + ${kw - 1 - pl}`)};`)
  .join('\n')}
      let g = preActivationGrad(gBase + u32(i * ${o.w} + j));
      biasAcc += g;
${taps.map(({ r, t }) => `      acc${r}_${t} += g * ${window(r, t)};`).join('\n')}
${taps
  .filter(({ t }) => t < kw - 1)
  .map(({ r, t }) => `      ${window(r, t)} = ${window(r, t + 1)};`)
  .join('\n')}
    }
  }
  let row = b * ${stride}u + ${layer.weight}u + (oc * ${c}u + ci) * ${kh * kw}u;
${taps.map(({ r, t }) => `  partials[row + ${r * kw + t}u] = acc${r}_${t};`).join('\n')}
  if (ci == 0u) { partials[b * ${stride}u + ${layer.bias}u + oc] = biasAcc; }`;
      return pre + twoPart(inputCount, weights, inputGrad, weightGrad);
    }
    case 'pool': {
      const { ph, pw } = layer;
      // The window's gradient goes to its first maximum in row-major order, as the forward pass picked it.
      // One invocation per window writes the gradient of each of its inputs: the window's loads are shared.
      return entry(
        inputCount,
        `${coordinates(o.c, o.h, o.w)}
  let g = grads[${gy}u + id];
  let best = acts[${y}u + id];
  let plane = ${inAt} + ch * ${h * w}u;
  var found = false;
  for (var a = i * ${ph}u; a < min(i * ${ph}u + ${ph}u, ${h}u); a++) {
    for (var d = j * ${pw}u; d < min(j * ${pw}u + ${pw}u, ${w}u); d++) {
      let k = plane + a * ${w}u + d;
      let first = !found && acts[${x}u + k] == best;
      found = found || first;
      ${storeGradient(layout, l, producer, 'k', 'select(0.0, g, first)', codeGrad)}
    }
  }`,
      );
    }
    case 'upsample': {
      const { fh, fw } = layer;
      return entry(
        inputCount,
        `${head}
  var acc = 0.0;
  for (var a = 0u; a < ${fh}u; a++) {
    for (var d = 0u; d < ${fw}u; d++) {
      acc += grads[${gy}u + out + (ch * ${o.h}u + i * ${fh}u + a) * ${o.w}u + j * ${fw}u + d];
    }
  }
  ${storeGradient(layout, l, producer, 'id', 'acc', codeGrad)}`,
      );
    }
    case 'activation':
      return entry(
        inputCount,
        `${head}
  let yv = acts[${y}u + id];
  ${storeGradient(layout, l, producer, 'id', `grads[${gy}u + id] * ${derivative(layer.activation, 'yv')}`, codeGrad)}`,
      );
  }
}

/** One entry point over two ranges of invocations, each its own function of its index within the range. */
function twoPart(first: number, second: number, a: string, b: string): string {
  const parts = `fn inputGradient(id: u32) {\n${a}\n}\nfn weightGradient(id: u32) {\n${b}\n}\n`;
  if (first === 0) return parts + entry(second, '  weightGradient(id);');
  return parts + entry(first + second, `  if (id < ${first}u) { inputGradient(id); } else { weightGradient(id - ${first}u); }`);
}

/**
 * The clustering head at inference: Student's t soft assignments (alpha 1)
 * of each record's code to k centroids (params after the model's
 * parameters, [k, codeSize]), q_j = (1 + |z - mu_j|^2)^-1 normalised over j,
 * written to grads [batch, k] (free while encoding). One invocation per record.
 */
export function assignShader(codeSize: number, k: number, batch: number, parameterCount: number, codes: number): string {
  return entry(
    batch,
    `  let b = id;
  if (b >= step.count) { return; }
  let z = ${codes}u + b * ${codeSize}u;
  var total = 0.0;
  for (var j = 0u; j < ${k}u; j++) {
    var squares = 0.0;
    for (var m = 0u; m < ${codeSize}u; m++) {
      let d = acts[z + m] - params[${parameterCount}u + j * ${codeSize}u + m];
      squares += d * d;
    }
    let t = 1.0 / (1.0 + squares);
    grads[b * ${k}u + j] = t;
    total += t;
  }
  for (var j = 0u; j < ${k}u; j++) { grads[b * ${k}u + j] = grads[b * ${k}u + j] / total; }`,
  );
}

/**
 * The clustering head of a fine-tuning step, after the forward pass: per
 * record, Student's t soft assignments q of its code (as `assignShader`),
 * its KL(P || Q) term (Keras kld's clipping) into sums[batch + b], and the
 * gradient of klScale x KL as the CPU's compiled step takes it
 * (src/jit/program.ts): dq_j = -klScale p_j / q_j (0 where q is clipped),
 * through the normalisation and the kernel to the code (grads at
 * codeGradOffset, which the first decoder layer's backward pass adds) and
 * to the centroids (partials after the model's parameters). Every sum runs
 * over j, then m, in order. One invocation per record.
 */
export function headShader(codeSize: number, k: number, batch: number, parameterCount: number, stride: number, layout: StepLayout, codes: number): string {
  const D = codeSize;
  const mu = (j: string, m: string): string => `params[${parameterCount}u + ${j} * ${D}u + ${m}]`;
  return entry(
    batch,
    `  let b = id;
  if (b >= step.count) { return; }
  let z = ${codes}u + b * ${D}u;
  var s: array<f32, ${k}>;
  var total = 0.0;
  for (var j = 0u; j < ${k}u; j++) {
    var squares = 0.0;
    for (var m = 0u; m < ${D}u; m++) {
      let d = acts[z + m] - ${mu('j', 'm')};
      squares += d * d;
    }
    s[j] = 1.0 / (1.0 + squares);
    total += s[j];
  }
  var g: array<f32, ${k}>;
  var dot = 0.0;
  var kl = 0.0;
  for (var j = 0u; j < ${k}u; j++) {
    let q = s[j] / total;
    let p = clamp(grads[${layout.targetOffset}u + b * ${k}u + j], ${f32(KLD_EPS)}, 1.0);
    kl += p * log(p / clamp(q, ${f32(KLD_EPS)}, 1.0));
    g[j] = select(0.0, -step.klScale * p / q, q >= ${f32(KLD_EPS)});
    dot += g[j] * q;
  }
  sums[${batch}u + b] = kl;
  // t_j = d loss / d |z - mu_j|^2, times 2.
  var t: array<f32, ${k}>;
  for (var j = 0u; j < ${k}u; j++) { t[j] = -2.0 * s[j] * s[j] * (g[j] - dot) / total; }
  for (var m = 0u; m < ${D}u; m++) {
    var acc = 0.0;
    for (var j = 0u; j < ${k}u; j++) {
      let term = t[j] * (acts[z + m] - ${mu('j', 'm')});
      partials[b * ${stride}u + ${parameterCount}u + j * ${D}u + m] = -term;
      acc += term;
    }
    grads[${layout.codeGradOffset}u + b * ${D}u + m] = acc;
  }`,
  );
}

/**
 * Sums the partials of the first `count` parameters over the records in
 * order (rows of `stride`), keeps each sum (optimiser[2 stride + p]), and
 * takes Adam's step (Keras defaults, as src/optim's adamUpdate); m and v
 * are optimiser[p] and optimiser[stride + p]. One more invocation sums the
 * records' squared errors (and, with `kl`, their KL terms) into this step's
 * loss slots.
 */
export function updateShader(count: number, stride: number, batch: number, adam: { beta1: number; beta2: number; eps: number }, kl: boolean): string {
  return entry(
    count + 1,
    `  if (id == ${count}u) {
    var total = 0.0;
    var kl = 0.0;
    for (var b = 0u; b < step.count; b++) {
      total += sums[b];${
        kl
          ? `
      kl += sums[${batch}u + b];`
          : ''
      }
    }
    sums[${2 * batch}u + 2u * step.lossSlot] = total;
    sums[${2 * batch}u + 2u * step.lossSlot + 1u] = kl;
    return;
  }
  var g = 0.0;
  for (var b = 0u; b < step.count; b++) { g += partials[b * ${stride}u + id]; }
  optimiser[${2 * stride}u + id] = g;
  let m = ${f32(adam.beta1)} * optimiser[id] + ${f32(1 - adam.beta1)} * g;
  let v = ${f32(adam.beta2)} * optimiser[${stride}u + id] + ${f32(1 - adam.beta2)} * g * g;
  optimiser[id] = m;
  optimiser[${stride}u + id] = v;
  params[id] = params[id] - step.alpha * m / (sqrt(v) + ${f32(adam.eps)});`,
  );
}
