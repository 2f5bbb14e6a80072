/**
 * Computes with TF.js (its pure-JavaScript CPU backend) the values that
 * test/engine/tfjs-conventions.test.ts pins: 'same' convolution with odd,
 * even and mixed kernels, 'same' max pooling over odd sizes, nearest
 * upsampling and Keras kld, on the fixed inputs of test/engine/tfjs-cases.ts.
 * The test does not load TF.js; this script is how the pinned numbers were
 * made and how anyone can make them again:
 *
 *   npx tsx scripts/tfjs-conventions.ts
 *
 * It prints the `PINNED` object to paste into the test. TF.js is channels
 * last, so inputs are transposed in and outputs back to NCHW.
 */
import * as tf from '@tensorflow/tfjs';
import {
  CONV1D_KERNELS,
  CONV1D_X,
  CONV2D_KERNELS,
  CONV2D_X,
  KLD_P,
  KLD_Q,
  KLD_SHAPE,
  POOL1D_X,
  POOL2D_X,
  UPSAMPLE1D_FACTOR,
  UPSAMPLE1D_X,
  UPSAMPLE2D_FACTOR,
  UPSAMPLE2D_X,
  steps,
} from '../test/engine/tfjs-cases.js';

await tf.setBackend('cpu');

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
/** [N, C, H, W] values to an NHWC tensor. */
const nhwc = (values: Float32Array, shape: readonly [number, number, number, number]): tf.Tensor4D =>
  tf.transpose(tf.tensor4d(values, [...shape]), [0, 2, 3, 1]);
/** An NHWC result, read back in NCHW order. */
const nchw = (y: tf.Tensor4D): number[] => Array.from(tf.transpose(y, [0, 3, 1, 2]).dataSync());
/** [N, C, L] values to an NWC tensor. */
const nwc = (values: Float32Array, shape: readonly [number, number, number]): tf.Tensor3D => tf.transpose(tf.tensor3d(values, [...shape]), [0, 2, 1]);
/** An NWC result, read back in NCL order. */
const ncl = (y: tf.Tensor3D): number[] => Array.from(tf.transpose(y, [0, 2, 1]).dataSync());

const conv2d = CONV2D_KERNELS.map(([kh, kw], i) => {
  const [, ci] = CONV2D_X;
  const x = nhwc(steps(size(CONV2D_X), 1), CONV2D_X);
  // seiscluster's [out, in, kh, kw] to TF's [kh, kw, in, out].
  const w = tf.transpose(tf.tensor4d(steps(ci * kh * kw, 2 + i), [1, ci, kh, kw]), [2, 3, 1, 0]) as tf.Tensor4D;
  return nchw(tf.conv2d(x, w, 1, 'same'));
});

const conv1d = CONV1D_KERNELS.map((k, i) => {
  const [, ci] = CONV1D_X;
  const x = nwc(steps(size(CONV1D_X), 1), CONV1D_X);
  // [out, in, k] to TF's [k, in, out].
  const w = tf.transpose(tf.tensor3d(steps(ci * k, 2 + i), [1, ci, k]), [2, 1, 0]) as tf.Tensor3D;
  return ncl(tf.conv1d(x, w, 1, 'same'));
});

const maxPool2d = nchw(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(nhwc(steps(size(POOL2D_X), 1), POOL2D_X)) as tf.Tensor4D);
const maxPool1d = ncl(tf.layers.maxPooling1d({ poolSize: 2, padding: 'same' }).apply(nwc(steps(size(POOL1D_X), 1), POOL1D_X)) as tf.Tensor3D);

const upsample2d = nchw(tf.layers.upSampling2d({ size: [...UPSAMPLE2D_FACTOR] }).apply(nhwc(steps(size(UPSAMPLE2D_X), 1), UPSAMPLE2D_X)) as tf.Tensor4D);
// TF.js has no UpSampling1D layer: the 1-D case is the 2-D layer on a height of 1, as seiscluster's upsample1d is.
const [n1, c1, l1] = UPSAMPLE1D_X;
const upsample1d = nchw(tf.layers.upSampling2d({ size: [1, UPSAMPLE1D_FACTOR] }).apply(nhwc(steps(size(UPSAMPLE1D_X), 1), [n1, c1, 1, l1])) as tf.Tensor4D);

// The Keras 'kld' loss (TF.js names it kullbackLeiblerDivergence) as a compiled model applies it: a linear identity model outputs Q, the target is P, and
// evaluate gives the loss averaged over the rows, as seiscluster's kld is.
const identity = tf.sequential({ layers: [tf.layers.activation({ activation: 'linear', inputShape: [KLD_SHAPE[1]] })] });
identity.compile({ loss: 'kullbackLeiblerDivergence', optimizer: 'sgd' });
const evaluated = identity.evaluate(tf.tensor2d([...KLD_Q], [...KLD_SHAPE]), tf.tensor2d([...KLD_P], [...KLD_SHAPE]), { batchSize: KLD_SHAPE[0] });
const kld = (Array.isArray(evaluated) ? evaluated[0]! : evaluated).dataSync()[0]!;

/** Eight significant digits: finer than the test's 1e-5 tolerance, coarser than float32 noise. */
const literal = (values: readonly number[]): string => `[${values.map((v) => Number(v.toPrecision(8))).join(', ')}]`;
console.log(`// TF.js ${tf.version.tfjs}, backend ${tf.getBackend()}, epsilon ${tf.backend().epsilon()}
const PINNED = {
  conv2d: [
${conv2d.map((v) => `    ${literal(v)},`).join('\n')}
  ],
  conv1d: [
${conv1d.map((v) => `    ${literal(v)},`).join('\n')}
  ],
  maxPool2d: ${literal(maxPool2d)},
  maxPool1d: ${literal(maxPool1d)},
  upsample2d: ${literal(upsample2d)},
  upsample1d: ${literal(upsample1d)},
  kld: ${Number(kld.toPrecision(8))},
};`);
