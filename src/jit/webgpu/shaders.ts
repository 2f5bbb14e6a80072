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
 * 1) at fixed offsets of two buffers: `acts` holds every stored layer
 * output, `grads` the gradients of those outputs. Records past the batch's
 * count (the last, short batch) are skipped by every kernel that feeds the
 * weight gradients, so they never count.
 *
 * Weight gradients are never summed with atomics: each record's gradient is
 * summed over its positions in a fixed order into its own row of `partials`
 * [batch, parameters (and centroids)], and the update kernel adds the rows
 * in record order. The sums therefore have the same order on every device
 * and every run.
 *
 * On SwiftShader every storage-buffer access with per-invocation addresses
 * is a gather or scatter, one lane at a time, and these accesses, not the
 * arithmetic, bound the kernels. So the kernels share loads and skip
 * tensors: a convolution's invocation runs a row segment of PAIR rows with
 * its weights in registers and its inputs sliding along (`slidingConv`); a
 * weight gradient's, one (record, input channel) with every output
 * channel, PAIR rows at a time; a max-pool gradient's, a row segment of
 * windows. A 2 x 2 max pooling is computed by the convolution before it, a
 * nearest upsampling is read through by the convolution after it (its
 * output is never written) and its gradient summed by that convolution's
 * backward pass, and the first convolution reads the resident records
 * through the order instead of a copy (`StepLayout.fused`,
 * `fusedGradient`, `gathered`).
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
  /**
   * grads: where the clustering head keeps the target rows [steps, batch, k]
   * of the fine-tuning steps of one submission (a step's at its start in
   * the order), then the KL gradient of its codes [batch, codeSize] (past
   * the layers' gradients; unused without a head).
   */
  readonly targetOffset: number;
  readonly codeGradOffset: number;
  /**
   * Per layer: whether its forward pass is done by a neighbour's kernel: an
   * upsampling whose output is never stored, its reader reading its input
   * (`fusableUpsample`), or a pooling its convolution writes (`fusablePool`).
   */
  readonly fused: readonly boolean[];
  /** Per layer: whether its backward pass is done by the next layer's kernel (`fusableUpsampleGradient`). */
  readonly fusedGradient: readonly boolean[];
  /**
   * Whether the last layer's forward kernel also takes the loss (the last
   * layer is a convolution): it writes the reconstruction's gradient and
   * partial sums of squared errors, never the reconstruction itself.
   */
  readonly lossFused: boolean;
  /** sums: squared-error partial sums per record at [b x squareSums + k], the records' KL terms at klSums + b, two sums per step at stepSums + 2 slot. */
  readonly squareSums: number;
  readonly klSums: number;
  readonly stepSums: number;
  /**
   * Whether the gather copies the batch's records into acts (at
   * actOffsets[0]); when not (the first layer is a convolution), the first
   * layer and the loss read the resident records through the order.
   */
  readonly gathered: boolean;
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
function storeGradient(
  layout: StepLayout,
  l: number,
  producer: TileLayer | null,
  index: string,
  gradient: string,
  codeGrad = false,
  loaded: string | null = null,
): string {
  const target = `grads[${layout.gradOffsets[l]}u + ${index}]`;
  // The code's gradient also has the clustering head's part, added before the activation's derivative.
  const value = codeGrad ? `(${gradient}) + grads[${layout.codeGradOffset}u + ${index}]` : gradient;
  if (producer === null || producer.kind !== 'conv' || producer.activation === 'linear') return `${target} = ${value};`;
  // `loaded`: the value of acts[l] at `index` when the kernel already holds it, which saves a load.
  return `${target} = (${value}) * ${derivative(producer.activation, loaded ?? `acts[${layout.actOffsets[l]}u + ${index}]`)};`;
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

/** Positions of a row that one invocation runs along: a convolution's (forward, or the input's gradient), a pooling's or upsampling's, the gather's. */
const SEGMENT = 16;

/** Invocations over a [batch, c, h, w] tensor when each runs one row segment. */
function segmentInvocations(batch: number, { c, h, w }: { c: number; h: number; w: number }): number {
  return batch * c * h * Math.ceil(w / SEGMENT);
}

/**
 * Lines that split `id` into (b, ch, i) and a row segment's first column j0
 * of a [batch, c, h, w] tensor, and open the loop over the segment's columns
 * j (the caller closes it).
 */
function segmentLoop(c: number, h: number, w: number): string {
  const segments = Math.ceil(w / SEGMENT);
  return `  let b = id / ${c * h * segments}u;
  if (b >= step.count) { return; }
  let ch = (id / ${h * segments}u) % ${c}u;
  let i = (id / ${segments}u) % ${h}u;
  let j0 = (id % ${segments}u) * ${SEGMENT}u;
  for (var j = j0; j < min(j0 + ${SEGMENT}u, ${w}u); j++) {`;
}

/**
 * The taps (r, t) of a pooling window at output (i, j) with the WGSL
 * condition under which each lies inside the input: Keras 'same' pooling
 * cuts the last window of a row or column short when the size is not a
 * multiple of the window. The first tap always lies inside.
 */
function poolTaps(input: { h: number; w: number }, ph: number, pw: number): { r: number; t: number; inside: string }[] {
  return range(ph).flatMap((r) =>
    range(pw).map((t) => {
      const conditions = [
        ...(r > 0 && input.h % ph !== 0 ? [`i * ${ph}u + ${r}u < ${input.h}u`] : []),
        ...(t > 0 && input.w % pw !== 0 ? [`j * ${pw}u + ${t}u < ${input.w}u`] : []),
      ];
      return { r, t, inside: conditions.join(' && ') };
    }),
  );
}

/** `body` as is, or inside `if (inside)` when the condition is not always true. */
function guarded(inside: string, body: string): string {
  return inside === '' ? body : `if (${inside}) { ${body} }`;
}
/** Output rows a convolution's weight-gradient invocation runs at once: they share kh - 1 of their input rows. */
const PAIR = 2;
/**
 * Source values a sliding window keeps in registers at most: SwiftShader's
 * compile time grows steeply past about this many (a 36-value window took
 * seconds per shader), so larger windows are split over the sources.
 */
const WINDOW = 24;

/**
 * How a convolution reads its input planes [h, w] as stored: directly, or,
 * when the input is a nearest-neighbour upsampling's output, from the
 * upsampling's input (fused: the upsampled planes are never written).
 * Rows and columns are clamped i32 WGSL expressions.
 */
interface PlaneRead {
  /** Elements per stored plane. */
  readonly planeSize: number;
  /** u32 offset of row `row`'s first element within a plane. */
  rowStart(row: string): string;
  /** u32 offset of column `col` within a row. */
  column(col: string): string;
}

/** Planes [h, w] read as stored. */
function directRead(h: number, w: number): PlaneRead {
  return { planeSize: h * w, rowStart: (row) => `u32(${row} * ${w})`, column: (col) => `u32(${col})` };
}

/** The planes of layer l's input as a convolution reads them: through the upsampling that produced them, or as stored. */
function planeRead(layers: readonly TileLayer[], l: number, layout: StepLayout): PlaneRead {
  const producer = layers[l - 1];
  const { h, w } = layers[l]!.input;
  if (producer?.kind === 'upsample' && layout.fused[l - 1] === true) {
    const { input: p, fh, fw } = producer;
    return { planeSize: p.h * p.w, rowStart: (row) => `${divide(`u32(${row})`, fh)} * ${p.w}u`, column: (col) => divide(`u32(${col})`, fw) };
  }
  return directRead(h, w);
}

/**
 * Whether layer l can be an upsampling whose input gradient the
 * convolution after it sums as it computes its own input gradient
 * (`SlidingConv.block`): 2 x 2 blocks, one per PAIR rows and two columns of
 * a row segment. The layout says which ones are (not the first decoder
 * layer, whose input gradient takes the clustering head's part).
 */
export function fusableUpsampleGradient(layers: readonly TileLayer[], l: number): boolean {
  const up = layers[l];
  return l > 0 && up?.kind === 'upsample' && layers[l + 1]?.kind === 'conv' && up.fh === PAIR && up.fw === 2 && SEGMENT % 2 === 0;
}

/**
 * Whether layer l is a max pooling that the convolution before it can
 * compute as it writes its outputs (`SlidingConv.block`): 2 x 2 windows,
 * one per PAIR rows and two columns of a row segment, none cut short.
 */
export function fusablePool(layers: readonly TileLayer[], l: number): boolean {
  const pool = layers[l];
  return (
    pool?.kind === 'pool' &&
    layers[l - 1]?.kind === 'conv' &&
    pool.ph === PAIR &&
    pool.pw === 2 &&
    SEGMENT % 2 === 0 &&
    pool.input.h % 2 === 0 &&
    pool.input.w % 2 === 0
  );
}

/** u32 `value` / `by`: a shift when `by` is a power of two (SIMD lanes divide one at a time on some implementations). */
function divide(value: string, by: number): string {
  const shift = Math.log2(by);
  return Number.isInteger(shift) ? `(${value} >> ${shift}u)` : `(${value} / ${by}u)`;
}

/**
 * Whether layer l can be an upsampling that the next convolution reads
 * through (`planeRead`): its forward pass then writes nothing, and the
 * convolution's inputs come from the upsampling's input. The layout says
 * which ones are (the code, which the head and the encoder read, stays
 * stored).
 */
export function fusableUpsample(layers: readonly TileLayer[], l: number): boolean {
  return layers[l]?.kind === 'upsample' && layers[l + 1]?.kind === 'conv';
}

/** Where layer l's input is stored: its own place, or the fused upsampling's input. */
function storedInput(layers: readonly TileLayer[], l: number, layout: StepLayout): { array: string; base: string } {
  if (l === 0 && !layout.gathered) return { array: 'records', base: `order[step.start + b] * ${layout.sizes[0]}u` };
  const from = layout.fused[l - 1] === true && layers[l - 1]?.kind === 'upsample' ? l - 1 : l;
  return { array: 'acts', base: `${layout.actOffsets[from]}u + b * ${layout.sizes[from]}u` };
}

/** A convolution over planes as `slidingConv` runs it: out[o](i, j) = start(o) + sum over (s, r, t) of weight(o, s, r, t) src[s](i + rowOffset(r), j + columnOffset(t)), zero outside the source. */
interface SlidingConv {
  readonly sources: number;
  readonly source: { readonly h: number; readonly w: number };
  /** Index (WGSL u32) of source plane s's first element; `b` is the record. */
  readonly sourceBase: (s: number) => string;
  /** How the source planes are laid out. */
  readonly plane: PlaneRead;
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
  /** WGSL storing output o's value (`value` of its finished sum) at position `e`. */
  readonly store: (o: number, e: string, value: string) => string;
  /** The output's value from its finished sum (the activation; the sum itself when absent), which a fused block reduces too. */
  readonly value?: (acc: string) => string;
  /** WGSL run before the first group of sources and after the last (the fused loss's partial sum). */
  readonly begin?: string;
  readonly end?: string;
  /**
   * A 2 x 2 block of the outputs reduced as they are written: their max (a
   * max pooling after the convolution, `fusablePool`; ties keep the first
   * maximum in row-major order, as the pooling kernel) or their sum (the
   * gradient of a nearest upsampling before it, `fusableUpsample`, in the
   * upsampling kernel's row-major order). `store` writes output o's reduced
   * value at block row `row` and column `col` (u32); with `each`, every
   * output is stored as well.
   */
  readonly block?: {
    readonly reduce: 'max' | 'sum';
    readonly each: boolean;
    readonly store: (o: number, row: string, col: string, value: string) => string;
  };
}

/** Invocations of a `slidingConv` kernel over a batch: one per row segment of PAIR output rows. */
function slidingInvocations(batch: number, { h, w }: { h: number; w: number }): number {
  return batch * Math.ceil(h / PAIR) * Math.ceil(w / SEGMENT);
}

/**
 * Partial sums of squared errors per record: one per invocation of the
 * last convolution when it takes the loss, else the loss kernel's one.
 */
export function squareSumsPerRecord(layers: readonly TileLayer[]): number {
  const last = layers.at(-1)!;
  return last.kind === 'conv' ? slidingInvocations(1, last.output) : 1;
}

/**
 * The body of a convolution kernel whose invocation runs SEGMENT positions
 * of PAIR neighbouring output rows, every output channel: the weights are
 * loaded once, and the source values under the kernel slide along the rows
 * in registers, so each position loads one new column of the rows the
 * PAIR rows' windows cover (sources x (kh + PAIR - 1) values) instead of
 * the whole windows, and each weight once per invocation. The sources go in
 * groups whose window fits WINDOW values, one pass along the segment each,
 * the running sums kept in the output in between. Every output sums over
 * (s, r, t) in order, from start(o).
 */
function slidingConv(k: SlidingConv): string {
  const { h: H, w: W } = k.source;
  const { h: OH, w: OW } = k.output;
  const segments = Math.ceil(OW / SEGMENT);
  const pairs = Math.ceil(OH / PAIR);
  const offsets = range(k.kw).map(k.columnOffset);
  const low = Math.min(...offsets);
  const high = Math.max(...offsets);
  const width = high - low + 1;
  // The source rows the PAIR output rows read, as offsets from the first output row.
  const sourceRows = [...new Set(range(PAIR).flatMap((q) => range(k.kh).map((r) => q + k.rowOffset(r))))].sort((x, y) => x - y);
  const rowOf = (q: number, r: number): number => sourceRows.indexOf(q + k.rowOffset(r));
  const perGroup = Math.max(1, Math.floor(WINDOW / (sourceRows.length * width)));
  const groups = range(Math.ceil(k.sources / perGroup)).map((g) => range(Math.min(perGroup, k.sources - g * perGroup)).map((s) => g * perGroup + s));
  const value = (s: number, d: number, c: number): string => `v${s}_${d}_${c}`;
  const load = (s: number, d: number, col: string): string =>
    `select(0.0, ${k.read(`row${s}_${d} + ${k.plane.column(`clamp(${col}, 0, ${W - 1})`)}`)}, ok${s}_${d} && ${col} >= 0 && ${col} < ${W})`;
  const rowsOut = range(PAIR);
  const finished = k.value ?? ((acc: string): string => acc);
  const lines: string[] = [];
  lines.push(`  let b = id / ${pairs * segments}u;
  if (b >= step.count) { return; }
  let i = i32((id / ${segments}u) % ${pairs}u) * ${PAIR};
  let j0 = i32(id % ${segments}u) * ${SEGMENT};`);
  if (k.begin !== undefined) lines.push(k.begin);
  groups.forEach((sources, g) => {
    const last = g === groups.length - 1;
    const windowRows = sources.flatMap((s) => sourceRows.map((dr, d) => ({ s, d, dr })));
    const taps = sources.flatMap((s) => range(k.kh).flatMap((r) => range(k.kw).map((t) => ({ s, r, t }))));
    lines.push('  {');
    for (let o = 0; o < k.outputs; o++) for (const { s, r, t } of taps) lines.push(`  let w${o}_${s}_${r}_${t} = params[${k.weight(o, s, r, t)}u];`);
    for (const { s, d, dr } of windowRows) {
      lines.push(`  let ok${s}_${d} = i + ${dr} >= 0 && i + ${dr} < ${H};
  let row${s}_${d} = ${k.sourceBase(s)} + ${k.plane.rowStart(`clamp(i + ${dr}, 0, ${H - 1})`)};`);
      for (let c = 0; c < width - 1; c++) lines.push(`  var ${value(s, d, c)} = ${load(s, d, `j0 + ${low + c}`)};`);
      lines.push(`  var ${value(s, d, width - 1)} = 0.0;`);
    }
    if (last && k.block !== undefined) for (let o = 0; o < k.outputs; o++) for (const q of rowsOut) lines.push(`  var prev${o}_${q} = 0.0;`);
    lines.push(`  for (var j = j0; j < min(j0 + ${SEGMENT}, ${OW}); j++) {`);
    for (const q of rowsOut) lines.push(`    let e${q} = u32((i + ${q}) * ${OW} + j);`);
    for (const { s, d } of windowRows) lines.push(`    ${value(s, d, width - 1)} = ${load(s, d, `j + ${high}`)};`);
    // A second row past the plane's last (odd heights) is computed from clamped rows and never stored.
    const live = (q: number, line: string): string => (q === 0 || OH % PAIR === 0 ? line : `if (i + ${q} < ${OH}) { ${line} }`);
    for (const q of rowsOut)
      for (let o = 0; o < k.outputs; o++)
        lines.push(`    var acc${o}_${q} = ${g === 0 ? k.start(o) : `0.0; ${live(q, `acc${o}_${q} = ${k.at(o, `e${q}`)};`)}`};`);
    for (const { s, r, t } of taps)
      for (const q of rowsOut)
        for (let o = 0; o < k.outputs; o++) lines.push(`    acc${o}_${q} += w${o}_${s}_${r}_${t} * ${value(s, rowOf(q, r), offsets[t]! - low)};`);
    const block = last ? k.block : undefined;
    for (const q of rowsOut)
      for (let o = 0; o < k.outputs; o++) {
        if (!last) lines.push(`    ${live(q, `${k.at(o, `e${q}`)} = acc${o}_${q};`)}`);
        else if (block === undefined) lines.push(`    ${live(q, k.store(o, `e${q}`, finished(`acc${o}_${q}`)))}`);
        else {
          lines.push(`    let y${o}_${q} = ${finished(`acc${o}_${q}`)};`);
          if (block.each) lines.push(`    ${k.store(o, `e${q}`, `y${o}_${q}`)}`);
        }
      }
    if (block !== undefined) {
      // The block of (i, j - 1), (i, j), (i + 1, j - 1), (i + 1, j) closes at each odd column; the even column's values wait in prev.
      const order = (o: number): string[] => [`prev${o}_0`, `y${o}_0`, `prev${o}_1`, `y${o}_1`];
      lines.push(`    if ((j & 1) == 1) {`);
      for (let o = 0; o < k.outputs; o++) {
        const [first, ...rest] = order(o);
        lines.push(
          block.reduce === 'max'
            ? `      var best${o} = ${first};\n${rest.map((v) => `      if (${v} > best${o}) { best${o} = ${v}; }`).join('\n')}`
            : `      let best${o} = 0.0 + ${order(o).join(' + ')};`,
          `      ${block.store(o, '(u32(i) >> 1u)', '(u32(j) >> 1u)', `best${o}`)}`,
        );
      }
      lines.push('    }');
      for (let o = 0; o < k.outputs; o++) for (const q of rowsOut) lines.push(`    prev${o}_${q} = y${o}_${q};`);
    }
    for (const { s, d } of windowRows) for (let c = 0; c < width - 1; c++) lines.push(`    ${value(s, d, c)} = ${value(s, d, c + 1)};`);
    lines.push('  }', '  }');
  });
  if (k.end !== undefined) lines.push(k.end);
  return lines.join('\n');
}

/** Invocations of the gather: one per SEGMENT values of a record. */
export function gatherInvocations(recordSize: number, batch: number): number {
  return batch * Math.ceil(recordSize / SEGMENT);
}

/** Copies the batch's records from the resident set, in the order's sequence, SEGMENT values per invocation. */
export function gatherShader(recordSize: number, batch: number, layout: StepLayout): string {
  const segments = Math.ceil(recordSize / SEGMENT);
  return entry(
    gatherInvocations(recordSize, batch),
    `  let b = id / ${segments}u;
  if (b >= step.count) { return; }
  let e0 = (id % ${segments}u) * ${SEGMENT}u;
  let src = order[step.start + b] * ${recordSize}u;
  let dst = ${layout.actOffsets[0]}u + b * ${recordSize}u;
  for (var e = e0; e < min(e0 + ${SEGMENT}u, ${recordSize}u); e++) { acts[dst + e] = records[src + e]; }`,
  );
}

/**
 * Invocations of layer l's forward shader: one per row segment of a
 * convolution's output (all channels at once), of a pooling's output, of an
 * upsampling's input; one per element of an activation.
 */
export function forwardInvocations(layer: TileLayer, batch: number): number {
  const { c, h, w } = layer.output;
  switch (layer.kind) {
    case 'conv':
      return slidingInvocations(batch, layer.output);
    case 'pool':
      return segmentInvocations(batch, layer.output);
    case 'upsample':
      return segmentInvocations(batch, layer.input);
    case 'activation':
      return batch * c * h * w;
  }
}

/**
 * The forward pass of layer l over the batch, invocations as
 * `forwardInvocations` says; a convolution also writes a fused pooling after
 * it, and the last one takes the loss when the layout says so.
 */
export function forwardShader(layers: readonly TileLayer[], l: number, batch: number, layout: StepLayout): string {
  const layer = layers[l]!;
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
      const plane = planeRead(layers, l, layout);
      const stored = storedInput(layers, l, layout);
      const next = layers[l + 1];
      const loss = layout.lossFused && l === layers.length - 1;
      const recordSize = layout.sizes[0]!;
      const input = (e: string): string => `${layout.gathered ? 'acts' : 'records'}[record + ${e}]`;
      const pooled =
        layout.fused[l + 1] === true && next?.kind === 'pool' ? { at: layout.actOffsets[l + 2]!, size: layout.sizes[l + 2]!, ...next.output } : null;
      return entry(
        forwardInvocations(layer, batch),
        slidingConv({
          sources: p.c,
          source: { h: p.h, w: p.w },
          sourceBase: (ci) => `${stored.base} + ${ci * plane.planeSize}u`,
          plane,
          read: (index) => `${stored.array}[${index}]`,
          outputs: c,
          output: { h, w },
          kh,
          kw,
          rowOffset: (r) => r - pt,
          columnOffset: (t) => t - pl,
          weight: (o, ci, r, t) => layer.weight + ((o * p.c + ci) * kh + r) * kw + t,
          start: (o) => `params[${layer.bias + o}u]`,
          at: (o, e) => `acts[${y}u + b * ${c * h * w}u + ${o * h * w}u + ${e}]`,
          store: (o, e, value) =>
            loss
              ? `{ let yv = ${value}; let d = yv - ${input(`${o * h * w}u + ${e}`)}; squares += d * d;
      ${storeGradient(layout, layers.length, layer, `b * ${c * h * w}u + ${o * h * w}u + ${e}`, 'step.mseScale * d', false, 'yv')} }`
              : `acts[${y}u + b * ${c * h * w}u + ${o * h * w}u + ${e}] = ${value};`,
          value: (acc) => activate(layer.activation, acc),
          ...(loss && {
            begin: `  var squares = 0.0;
  let record = ${layout.gathered ? `${layout.actOffsets[0]}u + b * ${recordSize}u` : `order[step.start + b] * ${recordSize}u`};`,
            end: `  sums[b * ${layout.squareSums}u + id % ${layout.squareSums}u] = squares;`,
          }),
          ...(pooled !== null && {
            block: {
              reduce: 'max',
              each: true,
              store: (o: number, row: string, col: string, best: string) =>
                `acts[${pooled.at}u + b * ${pooled.size}u + (${o * pooled.h}u + ${row}) * ${pooled.w}u + ${col}] = ${best};`,
            },
          }),
        }),
      );
    }
    case 'pool': {
      const { input: p, ph, pw } = layer;
      // Ties keep the first maximum in row-major order (strict >), as the CPU.
      const taps = poolTaps(p, ph, pw).slice(1);
      return entry(
        forwardInvocations(layer, batch),
        `${segmentLoop(c, h, w)}
    let corner = ${at} + ch * ${p.h * p.w}u + i * ${ph * p.w}u + j * ${pw}u;
    var best = acts[corner];
${taps.map(({ r, t, inside }) => `    ${guarded(inside, `let v${r}_${t} = acts[corner + ${r * p.w + t}u]; if (v${r}_${t} > best) { best = v${r}_${t}; }`)}`).join('\n')}
    acts[${y}u + b * ${c * h * w}u + (ch * ${h}u + i) * ${w}u + j] = best;
  }`,
      );
    }
    case 'upsample': {
      // One invocation per input row segment writes each value's fh x fw copies.
      const { input: p, fh, fw } = layer;
      const copies = range(fh).flatMap((a) => range(fw).map((d) => `    acts[corner + ${a * w + d}u] = v;`));
      return entry(
        forwardInvocations(layer, batch),
        `${segmentLoop(p.c, p.h, p.w)}
    let v = acts[${at} + (ch * ${p.h}u + i) * ${p.w}u + j];
    let corner = ${y}u + b * ${c * h * w}u + (ch * ${h}u + i * ${fh}u) * ${w}u + j * ${fw}u;
${copies.join('\n')}
  }`,
      );
    }
    case 'activation':
      return entry(batch * c * h * w, `${head}\n${store(activate(layer.activation, `acts[${x}u + id]`))}`);
  }
}

/** The gradient of the mean squared error at the reconstruction, and each record's squared error. One invocation per record. */
export function lossShader(recordSize: number, batch: number, layout: StepLayout, last: TileLayer): string {
  const y = layout.actOffsets.at(-1)!;
  const input = layout.gathered ? `acts[${layout.actOffsets[0]}u + at]` : `records[order[step.start + b] * ${recordSize}u + e]`;
  return entry(
    batch,
    `  let b = id;
  if (b >= step.count) { return; }
  var squares = 0.0;
  for (var e = 0u; e < ${recordSize}u; e++) {
    let at = b * ${recordSize}u + e;
    let d = acts[${y}u + at] - ${input};
    squares += d * d;
    ${storeGradient(layout, layout.actOffsets.length - 1, last, 'at', 'step.mseScale * d')}
  }
  sums[b * ${layout.squareSums}u] = squares;`,
  );
}

/** Invocations of layer l's backward shader: input gradient elements (none for the first layer), then the weight-gradient partial sums. */
export function backwardInvocations(layer: TileLayer, l: number, batch: number): { input: number; weights: number } {
  const { c, h, w } = layer.input;
  // A convolution's input gradient: one invocation per row segment of the input (every input channel); its weights: one per record and
  // input channel (every output channel). A pooling layer's: one per row segment of windows; an upsampling's: one per input row segment.
  const o = layer.output;
  const input =
    l === 0
      ? 0
      : layer.kind === 'conv'
        ? slidingInvocations(batch, layer.input)
        : layer.kind === 'pool'
          ? segmentInvocations(batch, o)
          : layer.kind === 'upsample'
            ? segmentInvocations(batch, layer.input)
            : batch * c * h * w;
  return { input, weights: layer.kind === 'conv' ? batch * c : 0 };
}

/**
 * The backward pass of layer l in one dispatch: invocations [0, input) each
 * write the input's gradient over a row segment (of PAIR rows and every
 * channel for a convolution, of windows for pooling; for a convolution
 * after a fused upsampling, the upsampling's input gradient instead);
 * invocations [input, input + weights) each sum a convolution's parameter
 * gradients over one record, one invocation per input channel.
 * The two read the same tensors and write different ones, so they need no
 * barrier between them. The gradient written for the input is already that
 * of the pre-activation when the input is a convolution's output (storeGradient);
 * with `codeGrad` (the first decoder layer when fine-tuning) it includes the
 * clustering head's gradient of the code. `stride`: parameters per row of `partials`.
 */
export function backwardShader(layers: readonly TileLayer[], l: number, batch: number, stride: number, layout: StepLayout, codeGrad = false): string {
  const layer = layers[l]!;
  const producer = layers[l - 1] ?? null;
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
      // A fused upsampling's input gradient: the sums of the 2 x 2 blocks of this layer's input gradient, which is never stored.
      const upsampled = producer?.kind === 'upsample' && layout.fusedGradient[l - 1] === true ? producer.input : null;
      const inputGrad = slidingConv({
        sources: o.c,
        source: { h: o.h, w: o.w },
        sourceBase: (oc) => `${outAt} + ${oc * o.h * o.w}u`,
        plane: directRead(o.h, o.w),
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
        ...(upsampled !== null && {
          block: {
            reduce: 'sum',
            each: false,
            store: (ci: number, row: string, col: string, sum: string) =>
              storeGradient(
                layout,
                l - 1,
                layers[l - 2] ?? null,
                `b * ${upsampled.c * upsampled.h * upsampled.w}u + (${ci * upsampled.h}u + ${row}) * ${upsampled.w}u + ${col}`,
                sum,
              ),
          },
        }),
      });
      // One input channel of one record: the kh x kw kernel gradients of every output channel joined to it (and with input channel 0
      // the biases'), each summed over the output positions, PAIR rows at a time, column by column, row by row within a column. The
      // inputs under the kernel slide along the rows in registers: each column loads kh + PAIR - 1 inputs and PAIR gradients per
      // output channel for PAIR x oc x kh x kw products.
      const taps = range(kh).flatMap((r) => range(kw).map((t) => ({ r, t })));
      const outputs = range(o.c);
      const rows = range(kh + PAIR - 1);
      const window = (r: number, t: number): string => `x${r}_${t}`;
      const plane = planeRead(layers, l, layout);
      const stored = storedInput(layers, l, layout);
      const inputAt = (r: number, col: string): string =>
        `select(0.0, ${stored.array}[row${r} + ${plane.column(`clamp(${col}, 0, ${w - 1})`)}], ok${r} && ${col} >= 0 && ${col} < ${w})`;
      const products = (q: number): string =>
        outputs
          .map(
            (oc) => `      let g${oc}_${q} = preActivationGrad(position + ${oc * o.h * o.w + q * o.w}u);
      biasAcc${oc} += g${oc}_${q};
${taps.map(({ r, t }) => `      acc${oc}_${r}_${t} += g${oc}_${q} * ${window(q + r, t)};`).join('\n')}`,
          )
          .join('\n');
      const weightGrad = `  let b = id / ${c}u;
  if (b >= step.count) { return; }
  let ci = id % ${c}u;
  let gBase = ${outAt};
  let xBase = ${stored.base} + ci * ${plane.planeSize}u;
${outputs.flatMap((oc) => [...taps.map(({ r, t }) => `  var acc${oc}_${r}_${t} = 0.0;`), `  var biasAcc${oc} = 0.0;`]).join('\n')}
  for (var i = 0; i < ${o.h}; i += ${PAIR}) {
${rows
  .map(
    (r) => `    let ok${r} = i + ${r - pt} >= 0 && i + ${r - pt} < ${h};
    let row${r} = xBase + ${plane.rowStart(`clamp(i + ${r - pt}, 0, ${h - 1})`)};`,
  )
  .join('\n')}
${rows.flatMap((r) => range(kw - 1).map((t) => `    var ${window(r, t)} = ${inputAt(r, `${t - pl}`)};`)).join('\n')}
${rows.map((r) => `    var ${window(r, kw - 1)} = 0.0;`).join('\n')}
    for (var j = 0; j < ${o.w}; j++) {
${rows.map((r) => `      ${window(r, kw - 1)} = ${inputAt(r, `j + ${kw - 1 - pl}`)};`).join('\n')}
      let position = gBase + u32(i * ${o.w} + j);
${range(PAIR)
  .map((q) => (q === 0 ? products(q) : `      if (i + ${q} < ${o.h}) {\n${products(q)}\n      }`))
  .join('\n')}
${rows.flatMap((r) => range(kw - 1).map((t) => `      ${window(r, t)} = ${window(r, t + 1)};`)).join('\n')}
    }
  }
  let row = b * ${stride}u + ${layer.weight}u + ci * ${kh * kw}u;
${outputs.flatMap((oc) => taps.map(({ r, t }) => `  partials[row + ${oc * c * kh * kw + r * kw + t}u] = acc${oc}_${r}_${t};`)).join('\n')}
  if (ci == 0u) {
${outputs.map((oc) => `    partials[b * ${stride}u + ${layer.bias + oc}u] = biasAcc${oc};`).join('\n')}
  }`;
      return pre + twoPart(inputCount, weights, inputGrad, weightGrad);
    }
    case 'pool': {
      const { ph, pw } = layer;
      // The window's gradient goes to its first maximum in row-major order, as the forward pass picked it. One invocation per row
      // segment of windows writes the gradient of each window's inputs: each input is loaded once, for the comparison and for its
      // producer's derivative.
      const taps = poolTaps(layer.input, ph, pw).map(({ r, t, inside }) => {
        const k = `k${r}_${t}`;
        const v = `v${r}_${t}`;
        const first = `first${r}_${t}`;
        return guarded(
          inside,
          `let ${k} = corner + ${r * w + t}u; let ${v} = acts[${x}u + ${k}]; let ${first} = !found && ${v} == best; found = found || ${first};
    ${storeGradient(layout, l, producer, k, `select(0.0, g, ${first})`, codeGrad, v)}`,
        );
      });
      return entry(
        inputCount,
        `${segmentLoop(o.c, o.h, o.w)}
    let cell = ${outAt} + (ch * ${o.h}u + i) * ${o.w}u + j;
    let g = grads[${gy}u + cell];
    let best = acts[${y}u + cell];
    let corner = ${inAt} + ch * ${h * w}u + i * ${ph * w}u + j * ${pw}u;
    var found = false;
${taps.map((tap) => `    ${tap}`).join('\n')}
  }`,
      );
    }
    case 'upsample': {
      const { fh, fw } = layer;
      const copies = range(fh).flatMap((a) => range(fw).map((d) => `grads[corner + ${a * o.w + d}u]`));
      return entry(
        inputCount,
        `${segmentLoop(c, h, w)}
    let corner = ${gy}u + ${outAt} + (ch * ${o.h}u + i * ${fh}u) * ${o.w}u + j * ${fw}u;
    let acc = ${copies.join(' + ')};
    ${storeGradient(layout, l, producer, `${inAt} + (ch * ${h}u + i) * ${w}u + j`, 'acc', codeGrad)}
  }`,
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
 * its KL(P || Q) term (Keras kld's clipping) into sums[klSums + b], and the
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
    let p = clamp(grads[${layout.targetOffset}u + (step.start + b) * ${k}u + j], ${f32(KLD_EPS)}, 1.0);
    kl += p * log(p / clamp(q, ${f32(KLD_EPS)}, 1.0));
    g[j] = select(0.0, -step.klScale * p / q, q >= ${f32(KLD_EPS)});
    dot += g[j] * q;
  }
  sums[${layout.klSums}u + b] = kl;
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
export function updateShader(count: number, stride: number, layout: StepLayout, adam: { beta1: number; beta2: number; eps: number }, kl: boolean): string {
  return entry(
    count + 1,
    `  if (id == ${count}u) {
    var total = 0.0;
    var kl = 0.0;
    for (var b = 0u; b < step.count; b++) {
      for (var k = 0u; k < ${layout.squareSums}u; k++) { total += sums[b * ${layout.squareSums}u + k]; }${
        kl
          ? `
      kl += sums[${layout.klSums}u + b];`
          : ''
      }
    }
    sums[${layout.stepSums}u + 2u * step.lossSlot] = total;
    sums[${layout.stepSums}u + 2u * step.lossSlot + 1u] = kl;
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
