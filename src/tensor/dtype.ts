/** Element types. float32 everywhere; float64 on the CPU backend, for gradient checks. */
export type DType = 'float32' | 'float64';

export type FloatArray = Float32Array | Float64Array;

export function allocArray(dtype: DType, size: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}
