import { applyInPlace } from '../autograd/op.js';
import { zerosLike } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { adamUpdateOp, sgdUpdateOp } from './kernels.js';

/** Clears the gradients of `params`. */
export function zeroGrad(params: readonly Tensor[]): void {
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
  }
}

function checkParams(name: string, params: readonly Tensor[]): void {
  params.forEach((p, i) => {
    if (!p.requiresGrad) throw new Error(`${name}: parameter ${i} ${p} does not require grad`);
  });
}

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Adam with Keras defaults: lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-7, bias correction. */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Steps taken so far (the t of the bias correction). */
  step = 0;
  readonly m: Tensor[];
  readonly v: Tensor[];

  constructor(
    readonly params: readonly Tensor[],
    options: AdamOptions = {},
  ) {
    checkParams('Adam', params);
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-7;
    this.m = params.map(zerosLike);
    this.v = params.map(zerosLike);
  }

  /** One update of every parameter that has a gradient. */
  update(): void {
    this.step++;
    const t = this.step;
    const alpha = (this.lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    this.params.forEach((p, i) => {
      if (p.grad === null) return;
      applyInPlace(adamUpdateOp, [p.grad], [p, this.m[i]!, this.v[i]!], { alpha, beta1: this.beta1, beta2: this.beta2, eps: this.eps });
    });
  }

  zeroGrad(): void {
    zeroGrad(this.params);
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

export interface SgdOptions {
  lr?: number;
  momentum?: number;
}

/** SGD with momentum (Keras form); defaults lr 0.01, momentum 0. */
export class Sgd {
  readonly lr: number;
  readonly momentum: number;
  readonly velocity: Tensor[];

  constructor(
    readonly params: readonly Tensor[],
    options: SgdOptions = {},
  ) {
    checkParams('Sgd', params);
    this.lr = options.lr ?? 0.01;
    this.momentum = options.momentum ?? 0;
    this.velocity = params.map(zerosLike);
  }

  update(): void {
    this.params.forEach((p, i) => {
      if (p.grad === null) return;
      applyInPlace(sgdUpdateOp, [p.grad], [p, this.velocity[i]!], { lr: this.lr, momentum: this.momentum });
    });
  }

  zeroGrad(): void {
    zeroGrad(this.params);
  }

  dispose(): void {
    for (const t of this.velocity) t.dispose();
  }
}
