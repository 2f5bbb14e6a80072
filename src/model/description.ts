import type { Padding } from '../kernels/conv.js';
import { formatShape, sizeOf, type Shape } from '../tensor/shape.js';

/**
 * The declarative model description: a JSON object listing the encoder's and
 * the decoder's layers, from which an autoencoder is built. Shapes are per
 * record and channel-first, without the batch axis: [channels, height, width]
 * for 2-D models (spectrograms), [channels, length] for 1-D ones (waveforms).
 * The code is the encoder's output, flattened.
 *
 * Example (a 1-D autoencoder with a code of 4):
 * ```json
 * { "name": "tiny", "input": [1, 8],
 *   "encoder": [{ "type": "conv1d", "filters": 2, "kernel": 3, "activation": "tanh" },
 *               { "type": "maxPool1d", "pool": 2 }],
 *   "decoder": [{ "type": "upsample1d", "factor": 2 },
 *               { "type": "conv1d", "filters": 1, "kernel": 3 }] }
 * ```
 */
export type Activation = 'linear' | 'tanh' | 'relu' | 'sigmoid';

export const ACTIVATIONS: readonly Activation[] = ['linear', 'tanh', 'relu', 'sigmoid'];

/** 2-D convolution, stride 1; kernel is square when one number. Activation defaults to linear (as Keras). */
export interface Conv2dDescription {
  readonly type: 'conv2d';
  readonly filters: number;
  readonly kernel: number | readonly [number, number];
  readonly activation?: Activation;
  readonly padding?: Padding;
}

export interface Conv1dDescription {
  readonly type: 'conv1d';
  readonly filters: number;
  readonly kernel: number;
  readonly activation?: Activation;
  readonly padding?: Padding;
}

/** Max pooling with window = stride (Keras 'same': the output is ceil(size / pool)). Default pool 2. */
export interface MaxPool2dDescription {
  readonly type: 'maxPool2d';
  readonly pool?: number | readonly [number, number];
}

export interface MaxPool1dDescription {
  readonly type: 'maxPool1d';
  readonly pool?: number;
}

/** Nearest-neighbour upsampling by an integer factor. Default 2. */
export interface Upsample2dDescription {
  readonly type: 'upsample2d';
  readonly factor?: number | readonly [number, number];
}

export interface Upsample1dDescription {
  readonly type: 'upsample1d';
  readonly factor?: number;
}

/** An activation on its own (after a linear convolution, say). */
export interface ActivationDescription {
  readonly type: 'activation';
  readonly activation: Activation;
}

export type LayerDescription =
  | Conv2dDescription
  | Conv1dDescription
  | MaxPool2dDescription
  | MaxPool1dDescription
  | Upsample2dDescription
  | Upsample1dDescription
  | ActivationDescription;

export type LayerType = LayerDescription['type'];

export interface ModelDescription {
  readonly name?: string;
  /** Shape of one record, channel-first, no batch axis. */
  readonly input: readonly number[];
  readonly encoder: readonly LayerDescription[];
  readonly decoder: readonly LayerDescription[];
}

export type ModelPart = 'encoder' | 'decoder';

/** One layer with the shapes it sees, as validation computed them. */
export interface LayerPlan {
  readonly part: ModelPart;
  readonly index: number;
  readonly layer: LayerDescription;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** Trainable parameters (kernel plus bias). */
  readonly parameterCount: number;
}

export interface ModelPlan {
  readonly description: ModelDescription;
  readonly inputShape: Shape;
  readonly codeShape: Shape;
  readonly codeSize: number;
  readonly layers: readonly LayerPlan[];
  readonly parameterCount: number;
}

/** An invalid model description; the message names the layer (part, index and type) where one is at fault. */
export class ModelDescriptionError extends Error {
  constructor(message: string) {
    super(`model description: ${message}`);
    this.name = 'ModelDescriptionError';
  }
}

const LAYER_FIELDS: Record<LayerType, { required: readonly string[]; optional: readonly string[] }> = {
  conv2d: { required: ['filters', 'kernel'], optional: ['activation', 'padding'] },
  conv1d: { required: ['filters', 'kernel'], optional: ['activation', 'padding'] },
  maxPool2d: { required: [], optional: ['pool'] },
  maxPool1d: { required: [], optional: ['pool'] },
  upsample2d: { required: [], optional: ['factor'] },
  upsample1d: { required: [], optional: ['factor'] },
  activation: { required: ['activation'], optional: [] },
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/** A positive integer or a pair of them (the 2-D layers' kernel, pool, factor). */
function isPositivePair(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && v.every(isPositiveInteger);
}

/**
 * Checks a parsed JSON value field by field and returns it typed. Every
 * error names the layer it is about, e.g. `encoder[2] (conv2d): "filters"
 * must be a positive integer, got 0`. Shapes are checked as well (see
 * `planModel`), so a description that passes builds and runs.
 */
export function parseModelDescription(value: unknown): ModelDescription {
  if (!isRecord(value)) throw new ModelDescriptionError('expected a JSON object with "input", "encoder" and "decoder"');
  for (const key of Object.keys(value)) if (!['name', 'input', 'encoder', 'decoder'].includes(key)) throw new ModelDescriptionError(`unknown field "${key}"`);
  if (value.name !== undefined && typeof value.name !== 'string') throw new ModelDescriptionError('"name" must be a string');
  const input = value.input;
  if (!Array.isArray(input) || input.length < 2 || input.length > 3 || !input.every(isPositiveInteger))
    throw new ModelDescriptionError(`"input" must be [channels, length] or [channels, height, width] of positive integers, got ${JSON.stringify(input)}`);
  const parts: Partial<Record<ModelPart, LayerDescription[]>> = {};
  for (const part of ['encoder', 'decoder'] as const) {
    const list = value[part];
    if (!Array.isArray(list)) throw new ModelDescriptionError(`"${part}" must be a list of layers`);
    parts[part] = list.map((layer, index) => parseLayer(part, index, layer));
  }
  const description: ModelDescription = {
    ...(typeof value.name === 'string' && { name: value.name }),
    input: input as number[],
    encoder: parts.encoder!,
    decoder: parts.decoder!,
  };
  planModel(description);
  return description;
}

function parseLayer(part: ModelPart, index: number, layer: unknown): LayerDescription {
  const at = `${part}[${index}]`;
  if (!isRecord(layer)) throw new ModelDescriptionError(`${at}: expected an object with a "type", got ${JSON.stringify(layer)}`);
  const type = layer.type;
  if (typeof type !== 'string' || !(type in LAYER_FIELDS))
    throw new ModelDescriptionError(`${at}: unknown layer type ${JSON.stringify(type)} (known: ${Object.keys(LAYER_FIELDS).join(', ')})`);
  const where = `${at} (${type})`;
  const fields = LAYER_FIELDS[type as LayerType];
  for (const key of Object.keys(layer))
    if (key !== 'type' && !fields.required.includes(key) && !fields.optional.includes(key))
      throw new ModelDescriptionError(`${where}: unknown field "${key}" (allowed: ${[...fields.required, ...fields.optional].join(', ')})`);
  for (const key of fields.required) if (layer[key] === undefined) throw new ModelDescriptionError(`${where}: missing "${key}"`);
  const bad = (key: string, what: string): never => {
    throw new ModelDescriptionError(`${where}: "${key}" must be ${what}, got ${JSON.stringify(layer[key])}`);
  };
  const twoD = type.endsWith('2d');
  if (layer.filters !== undefined && !isPositiveInteger(layer.filters)) bad('filters', 'a positive integer');
  for (const key of ['kernel', 'pool', 'factor']) {
    const v = layer[key];
    if (v !== undefined && !isPositiveInteger(v) && !(twoD && isPositivePair(v)))
      bad(key, twoD ? 'a positive integer or a pair of them' : 'a positive integer');
  }
  if (layer.activation !== undefined && !ACTIVATIONS.includes(layer.activation as Activation)) bad('activation', `one of ${ACTIVATIONS.join(', ')}`);
  if (layer.padding !== undefined && layer.padding !== 'same' && layer.padding !== 'valid') bad('padding', '"same" or "valid"');
  return layer as unknown as LayerDescription;
}

function pair(v: number | readonly [number, number] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Output shape and parameter count of one layer, or a reason it does not fit its input. */
function planLayer(layer: LayerDescription, input: Shape): { output: Shape; parameterCount: number } {
  const rank = input.length;
  const need = (r: number): void => {
    if (rank !== r) throw new Error(`needs a ${r === 3 ? '[channels, height, width]' : '[channels, length]'} input, got ${formatShape(input)}`);
  };
  const outLength = (size: number, k: number, padding: Padding | undefined, axis: string): number => {
    if (padding !== 'valid') return size;
    if (k > size) throw new Error(`'valid' kernel ${k} is longer than the input's ${axis} ${size} (input ${formatShape(input)})`);
    return size - k + 1;
  };
  switch (layer.type) {
    case 'conv2d': {
      need(3);
      const [kh, kw] = pair(layer.kernel, 1);
      const [c, h, w] = input as [number, number, number];
      return {
        output: [layer.filters, outLength(h, kh, layer.padding, 'height'), outLength(w, kw, layer.padding, 'width')],
        parameterCount: layer.filters * c * kh * kw + layer.filters,
      };
    }
    case 'conv1d': {
      need(2);
      const [c, l] = input as [number, number];
      return { output: [layer.filters, outLength(l, layer.kernel, layer.padding, 'length')], parameterCount: layer.filters * c * layer.kernel + layer.filters };
    }
    case 'maxPool2d': {
      need(3);
      const [ph, pw] = pair(layer.pool, 2);
      return { output: [input[0]!, Math.ceil(input[1]! / ph), Math.ceil(input[2]! / pw)], parameterCount: 0 };
    }
    case 'maxPool1d':
      need(2);
      return { output: [input[0]!, Math.ceil(input[1]! / (layer.pool ?? 2))], parameterCount: 0 };
    case 'upsample2d': {
      need(3);
      const [fh, fw] = pair(layer.factor, 2);
      return { output: [input[0]!, input[1]! * fh, input[2]! * fw], parameterCount: 0 };
    }
    case 'upsample1d':
      need(2);
      return { output: [input[0]!, input[1]! * (layer.factor ?? 2)], parameterCount: 0 };
    case 'activation':
      return { output: input, parameterCount: 0 };
  }
}

/**
 * Walks the layers with their shapes: the encoder from the input, the
 * decoder from the code; the decoder must give back the input's shape.
 * Throws ModelDescriptionError naming the first layer that does not fit.
 */
export function planModel(description: ModelDescription): ModelPlan {
  const inputShape = [...description.input];
  if (description.encoder.length === 0) throw new ModelDescriptionError('the encoder has no layers');
  if (description.decoder.length === 0) throw new ModelDescriptionError('the decoder has no layers');
  const layers: LayerPlan[] = [];
  let shape: Shape = inputShape;
  let codeShape: Shape = inputShape;
  for (const part of ['encoder', 'decoder'] as const) {
    description[part].forEach((layer, index) => {
      let planned: { output: Shape; parameterCount: number };
      try {
        planned = planLayer(layer, shape);
      } catch (err) {
        throw new ModelDescriptionError(`${part}[${index}] (${layer.type}): ${(err as Error).message}`);
      }
      layers.push({ part, index, layer, inputShape: shape, outputShape: planned.output, parameterCount: planned.parameterCount });
      shape = planned.output;
    });
    if (part === 'encoder') codeShape = shape;
  }
  if (formatShape(shape) !== formatShape(inputShape)) {
    const last = description.decoder.length - 1;
    throw new ModelDescriptionError(
      `decoder[${last}] (${description.decoder[last]!.type}): the reconstruction ${formatShape(shape)} does not match the input ${formatShape(inputShape)}`,
    );
  }
  return {
    description,
    inputShape,
    codeShape,
    codeSize: sizeOf(codeShape),
    layers,
    parameterCount: layers.reduce((s, l) => s + l.parameterCount, 0),
  };
}
