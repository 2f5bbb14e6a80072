/**
 * The small fixed inputs of the TF.js convention checks, in seiscluster's
 * layout (NCHW; conv weights [out, in, kh, kw]). scripts/tfjs-conventions.ts
 * feeds them to TF.js and prints the outputs that
 * test/engine/tfjs-conventions.test.ts pins, so both read them from here.
 */

/**
 * n values in [-11/8, 11/8], multiples of 1/8 (exact in float32, so both
 * frameworks start from the same numbers), cycling every 23 so no pooling
 * window here holds a tie; `seed` shifts the cycle.
 */
export function steps(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (((i * 37 + seed * 11) % 23) - 11) / 8);
}

/** Odd 5 x 7 input, 2 channels in, 1 out: odd, even and mixed kernels under 'same', stride 1 (weights: steps(size, 2 + kernel index)). */
export const CONV2D_X = [1, 2, 5, 7] as const;
export const CONV2D_KERNELS = [
  [3, 3],
  [2, 2],
  [4, 4],
  [2, 3],
] as const;
/** Odd length 9, 2 channels in, 1 out, under 'same'. */
export const CONV1D_X = [1, 2, 9] as const;
export const CONV1D_KERNELS = [2, 3, 4] as const;
/** Pool 2 over odd sizes: the last window hangs over the edge. */
export const POOL2D_X = [1, 2, 5, 7] as const;
export const POOL1D_X = [1, 2, 9] as const;
/** Nearest upsampling by unequal factors, so rows and columns cannot be swapped unseen. */
export const UPSAMPLE2D_X = [1, 1, 2, 3] as const;
export const UPSAMPLE2D_FACTOR = [2, 3] as const;
export const UPSAMPLE1D_X = [1, 1, 4] as const;
export const UPSAMPLE1D_FACTOR = 3;

/**
 * Rows of P and Q for kld: probabilities, with zeros (clipped to 1e-7 before
 * the log) in both, so the clip convention shows in the value.
 */
export const KLD_P = [0.5, 0.25, 0.25, 0, 0.1, 0.2, 0.3, 0.4, 0, 0, 1, 0] as const;
export const KLD_Q = [0.25, 0.25, 0.25, 0.25, 0.4, 0.3, 0.2, 0.1, 0.5, 0.5, 0, 0] as const;
export const KLD_SHAPE = [3, 4] as const;
