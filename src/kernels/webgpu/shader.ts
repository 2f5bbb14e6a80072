import { MAX_RANK, type KernelPlan, type ParamType, type WebGpuKernel, type WorkgroupReduction } from './kernel.js';

/** Where each uniform field of a kernel sits (WGSL uniform layout rules). */
export interface UniformLayout {
  readonly fields: readonly { readonly name: string; readonly type: ParamType; readonly offset: number }[];
  /** Bytes, a multiple of 16. */
  readonly size: number;
}

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

export function uniformLayout(kernel: WebGpuKernel<never>): UniformLayout {
  const declared: [string, ParamType][] = [['count', 'u32'], ...Object.entries(kernel.params)];
  const fields: { name: string; type: ParamType; offset: number }[] = [];
  let offset = 0;
  for (const [name, type] of declared) {
    // A `dims` field is an array of vec4<u32>: 16-byte aligned, 32 bytes.
    offset = roundUp(offset, type === 'dims' ? 16 : 4);
    fields.push({ name, type, offset });
    offset += type === 'dims' ? 16 * (MAX_RANK / 4) : 4;
  }
  return { fields, size: roundUp(offset, 16) };
}

/** How each reduction's tree combines two partial values. */
const combine: Readonly<Record<WorkgroupReduction, string>> = {
  workgroupSum: 'partial[lane] + partial[lane + half]',
  workgroupMax: 'max(partial[lane], partial[lane + half])',
};

/** The WGSL of a workgroup tree reduction (see `WorkgroupReduction`). */
function reductionSource(reduction: WorkgroupReduction): string {
  return `var<workgroup> partial: array<f32, WG>;

// The lanes' values folded in a fixed tree; every lane calls it and gets the result.
fn ${reduction}(lane: u32, value: f32) -> f32 {
  partial[lane] = value;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lane < half) {
      partial[lane] = ${combine[reduction]};
    }
    workgroupBarrier();
  }
  return partial[0];
}

`;
}

/** The whole WGSL module of a kernel: constants, bindings, its reduction, its text and the entry point. */
export function shaderSource(kernel: WebGpuKernel<never>, layout: UniformLayout): string {
  const wgslType = (t: ParamType): string => (t === 'dims' ? 'Dims' : t);
  const bindings: string[] = ['@group(0) @binding(0) var<uniform> params: Params;'];
  for (const name of kernel.inputs) bindings.push(`@group(0) @binding(${bindings.length}) var<storage, read> ${name}: array<f32>;`);
  for (const name of kernel.outputs) bindings.push(`@group(0) @binding(${bindings.length}) var<storage, read_write> ${name}: array<f32>;`);
  if (kernel.indices !== undefined) bindings.push(`@group(0) @binding(${bindings.length}) var<storage, read> ${kernel.indices}: array<i32>;`);
  const entry =
    kernel.grid === 'thread'
      ? `let i = (wid.y * nwg.x + wid.x) * WG + lane;\n  if (i < params.count) {\n    run(i);\n  }`
      : `let group = wid.y * nwg.x + wid.x;\n  if (group < params.count) {\n    run(group, lane);\n  }`;
  return `const WG: u32 = ${kernel.workgroupSize}u;
alias Dims = array<vec4<u32>, ${MAX_RANK / 4}>;
struct Params {
${layout.fields.map((f) => `  ${f.name}: ${wgslType(f.type)},`).join('\n')}
}

${bindings.join('\n')}

${kernel.reduction === undefined ? '' : reductionSource(kernel.reduction)}${kernel.wgsl.trim()}

// Workgroups beyond 65535 spill into y, so the flat index is y * x-count + x.
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lane: u32) {
  ${entry}
}
`;
}

/** Writes a plan's parameters at `base` of `view` following `layout`; throws naming the op on a bad value. */
export function packParams(op: string, layout: UniformLayout, plan: KernelPlan, view: DataView, base: number): void {
  for (const { name, type, offset } of layout.fields) {
    const value = name === 'count' ? plan.count : plan.params[name];
    if (value === undefined) throw new Error(`${op}: WebGPU kernel parameter '${name}' missing`);
    const at = base + offset;
    if (type === 'dims') {
      if (typeof value === 'number' || value.length > MAX_RANK)
        throw new Error(`${op}: WebGPU kernel parameter '${name}' needs at most ${MAX_RANK} axes, got ${String(value)}`);
      for (let k = 0; k < MAX_RANK; k++) view.setUint32(at + 4 * k, checkU32(op, name, value[k] ?? 0), true);
    } else if (typeof value !== 'number') {
      throw new Error(`${op}: WebGPU kernel parameter '${name}' is a ${type}, got [${value.join(', ')}]`);
    } else if (type === 'u32') {
      view.setUint32(at, checkU32(op, name, value), true);
    } else {
      view.setFloat32(at, value, true);
    }
  }
}

function checkU32(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${op}: WebGPU kernel parameter '${name}' = ${v} is not a u32`);
  return v;
}
