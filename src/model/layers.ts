import { conv1d, conv2d } from '../kernels/conv.js';
import { relu, sigmoid, tanh } from '../kernels/elementwise.js';
import { maxPool1d, maxPool2d } from '../kernels/pool.js';
import { upsample1d, upsample2d } from '../kernels/upsample.js';
import { glorotUniform, zeros, type CreateOptions } from '../tensor/create.js';
import type { Rng } from '../tensor/random.js';
import { keep } from '../tensor/scope.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Activation, LayerPlan } from './description.js';

/** A trainable tensor with its checkpoint name, e.g. `encoder.0.weight`. */
export interface NamedParameter {
  readonly name: string;
  readonly tensor: Tensor;
}

/** A built layer: its plan (description and shapes), its parameters and its forward pass on a batch. */
export interface Layer {
  readonly plan: LayerPlan;
  readonly parameters: readonly NamedParameter[];
  forward(x: Tensor): Tensor;
}

export function activate(x: Tensor, activation: Activation): Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'tanh':
      return tanh(x);
    case 'relu':
      return relu(x);
    case 'sigmoid':
      return sigmoid(x);
  }
}

function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  // The model owns its parameters: no enclosing tidy scope may dispose them.
  return keep(t);
}

/**
 * Names and shapes of a layer's parameters: a convolution has a kernel
 * [filters, inChannels, ...kernel] and a bias [filters]; other layers none.
 */
export function parameterShapes(plan: LayerPlan): { name: string; shape: Shape }[] {
  const layer = plan.layer;
  if (layer.type !== 'conv2d' && layer.type !== 'conv1d') return [];
  const kernel = typeof layer.kernel === 'number' ? (layer.type === 'conv2d' ? [layer.kernel, layer.kernel] : [layer.kernel]) : [...layer.kernel];
  const prefix = `${plan.part}.${plan.index}`;
  return [
    { name: `${prefix}.weight`, shape: [layer.filters, plan.inputShape[0]!, ...kernel] },
    { name: `${prefix}.bias`, shape: [layer.filters] },
  ];
}

/**
 * Builds one layer. Convolution kernels are Glorot-uniform and biases zero
 * (Keras defaults); kernels are drawn from `rng` in layer order, so a seed
 * fixes every weight.
 */
export function buildLayer(plan: LayerPlan, rng: Rng, options: CreateOptions): Layer {
  const layer = plan.layer;
  const prefix = `${plan.part}.${plan.index}`;
  switch (layer.type) {
    case 'conv2d':
    case 'conv1d': {
      const [weightShape, biasShape] = parameterShapes(plan).map((p) => p.shape) as [Shape, Shape];
      const weight = parameter(glorotUniform(weightShape, rng, options));
      const bias = parameter(zeros(biasShape, options));
      const padding = layer.padding ?? 'same';
      const activation = layer.activation ?? 'linear';
      const conv = layer.type === 'conv2d' ? conv2d : conv1d;
      return {
        plan,
        parameters: [
          { name: `${prefix}.weight`, tensor: weight },
          { name: `${prefix}.bias`, tensor: bias },
        ],
        forward: (x) => activate(conv(x, weight, bias, padding), activation),
      };
    }
    case 'maxPool2d':
      return { plan, parameters: [], forward: (x) => maxPool2d(x, layer.pool ?? 2) };
    case 'maxPool1d':
      return { plan, parameters: [], forward: (x) => maxPool1d(x, layer.pool ?? 2) };
    case 'upsample2d':
      return { plan, parameters: [], forward: (x) => upsample2d(x, layer.factor ?? 2) };
    case 'upsample1d':
      return { plan, parameters: [], forward: (x) => upsample1d(x, layer.factor ?? 2) };
    case 'activation':
      return { plan, parameters: [], forward: (x) => activate(x, layer.activation) };
  }
}
