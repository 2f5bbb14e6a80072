// Loaded for its registration: the CPU backend is the default (defaultBackend) of a model made without one.
import '../kernels/cpu.js';
import { reshape } from '../kernels/view.js';
import type { Backend } from '../tensor/backend.js';
import { defaultBackend } from '../tensor/create.js';
import type { DType, FloatArray } from '../tensor/dtype.js';
import { Rng } from '../tensor/random.js';
import { formatShape, ShapeError, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseModelDescription, planModel, type ModelDescription, type ModelPlan } from './description.js';
import { buildLayer, type Layer, type NamedParameter } from './layers.js';

export interface AutoencoderOptions {
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
  backend?: Backend;
  /** float32 for training; float64 (CPU) for gradient checks. */
  dtype?: DType;
}

/**
 * A convolutional autoencoder built from a model description. The encoder
 * maps a batch [N, ...input] to codes [N, codeSize] (the encoder's output,
 * flattened channel-first); the decoder maps codes back to [N, ...input].
 */
export class Autoencoder {
  readonly description: ModelDescription;
  readonly plan: ModelPlan;
  readonly backend: Backend;
  readonly dtype: DType;
  readonly encoderLayers: readonly Layer[];
  readonly decoderLayers: readonly Layer[];

  constructor(description: ModelDescription, options: AutoencoderOptions = {}) {
    // Re-parsed even when typed: a description built in code gets the same
    // checks as one read from JSON, before any tensor exists.
    this.description = parseModelDescription(JSON.parse(JSON.stringify(description)) as unknown);
    this.plan = planModel(this.description);
    this.backend = options.backend ?? defaultBackend();
    this.dtype = options.dtype ?? 'float32';
    const rng = new Rng(options.seed ?? 0);
    const create = { backend: this.backend, dtype: this.dtype };
    const layers = this.plan.layers.map((p) => buildLayer(p, rng, create));
    this.encoderLayers = layers.filter((l) => l.plan.part === 'encoder');
    this.decoderLayers = layers.filter((l) => l.plan.part === 'decoder');
  }

  /** Shape of one record, channel-first. */
  get inputShape(): Shape {
    return this.plan.inputShape;
  }

  /** Shape of the encoder's output for one record (before flattening). */
  get codeShape(): Shape {
    return this.plan.codeShape;
  }

  get codeSize(): number {
    return this.plan.codeSize;
  }

  /** Elements in one record. */
  get recordSize(): number {
    return this.plan.inputShape.reduce((p, d) => p * d, 1);
  }

  /** Every parameter with its checkpoint name, encoder first, in layer order. */
  namedParameters(): NamedParameter[] {
    return [...this.encoderLayers, ...this.decoderLayers].flatMap((l) => l.parameters);
  }

  /** The tensors the optimiser updates. */
  parameters(): Tensor[] {
    return this.namedParameters().map((p) => p.tensor);
  }

  /** Codes [N, codeSize] of a batch [N, ...input]. */
  encode(x: Tensor): Tensor {
    if (formatShape(x.shape.slice(1)) !== formatShape(this.inputShape))
      throw new ShapeError('Autoencoder.encode', { x: x.shape }, `expected [batch, ${this.inputShape.join(', ')}]`);
    let h = x;
    for (const layer of this.encoderLayers) h = layer.forward(h);
    return reshape(h, [x.shape[0]!, this.codeSize]);
  }

  /** Reconstructions [N, ...input] of codes [N, codeSize]. */
  decode(z: Tensor): Tensor {
    if (z.rank !== 2 || z.shape[1] !== this.codeSize)
      throw new ShapeError('Autoencoder.decode', { z: z.shape }, `expected [batch, ${this.codeSize}] (code ${formatShape(this.codeShape)})`);
    let h = reshape(z, [z.shape[0]!, ...this.codeShape]);
    for (const layer of this.decoderLayers) h = layer.forward(h);
    return h;
  }

  reconstruct(x: Tensor): Tensor {
    return this.decode(this.encode(x));
  }

  /** Host copies of every parameter, by name (checkpoints, snapshots). */
  async weights(): Promise<Map<string, FloatArray>> {
    const out = new Map<string, FloatArray>();
    for (const p of this.namedParameters()) out.set(p.name, await p.tensor.data());
    return out;
  }

  /** Overwrites every parameter in place (optimisers keep their references). */
  setWeights(weights: ReadonlyMap<string, ArrayLike<number>>): void {
    for (const p of this.namedParameters()) {
      const values = weights.get(p.name);
      if (values === undefined) throw new Error(`Autoencoder.setWeights: no values for ${p.name}`);
      if (values.length !== p.tensor.size)
        throw new Error(`Autoencoder.setWeights: ${p.name} has ${p.tensor.size} elements ${formatShape(p.tensor.shape)}, got ${values.length}`);
      p.tensor.backend.write(p.tensor.storage, values);
    }
  }

  dispose(): void {
    for (const p of this.namedParameters()) p.tensor.dispose();
  }
}
