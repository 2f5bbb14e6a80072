import {
  Adam,
  Rng,
  backward,
  conv2d,
  cpu,
  glorotUniform,
  cpuData,
  maxPool2d,
  mse,
  tanh,
  tensor,
  tidy,
  upsample2d,
  type Backend,
  type Tensor,
} from '../../src/index.js';

/**
 * The paper's 2-D autoencoder (Network A, METHOD.md Table S1) composed from
 * the engine's ops, for backend parity tests and benchmarks: 3 x 3 'same'
 * convolutions 1-4-2-1 | 1-2-4-1 with tanh (the last linear), 2 x 2 max
 * pooling after each encoder convolution, nearest 2 x 2 upsampling after
 * each decoder convolution but the last. Input [N, 1, 16, 48].
 */
const channels: readonly (readonly [number, number])[] = [
  [1, 4],
  [4, 2],
  [2, 1],
  [1, 1],
  [1, 2],
  [2, 4],
  [4, 1],
];

/** Keras-style initial values (Glorot-uniform kernels, zero biases), drawn once so every backend starts equal. */
export function networkAInit(seed: number): { shape: number[]; values: Float32Array }[] {
  const rng = new Rng(seed);
  return channels.flatMap(([ci, co]) => {
    const w = glorotUniform([co, ci, 3, 3], rng, { backend: cpu });
    const values = Float32Array.from(cpuData(w.storage));
    w.dispose();
    return [
      { shape: [co, ci, 3, 3], values },
      { shape: [co], values: new Float32Array(co) },
    ];
  });
}

export class NetworkA {
  readonly params: Tensor[];
  readonly optimizer: Adam;

  constructor(backend: Backend, init: readonly { shape: number[]; values: Float32Array }[]) {
    this.params = init.map(({ shape, values }) => {
      const t = tensor(values, shape, { backend });
      t.requiresGrad = true;
      return t;
    });
    this.optimizer = new Adam(this.params);
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (let l = 0; l < channels.length; l++) {
      h = conv2d(h, this.params[2 * l]!, this.params[2 * l + 1]!);
      if (l === channels.length - 1) break;
      h = tanh(h);
      h = l < 3 ? maxPool2d(h, 2) : upsample2d(h, 2);
    }
    return h;
  }

  /** One pre-training step (mse reconstruction, Adam); returns the loss tensor, nothing read back. */
  step(x: Tensor): Tensor {
    const loss = tidy(() => {
      const l = mse(this.forward(x), x);
      backward(l);
      return l;
    });
    this.optimizer.update();
    this.optimizer.zeroGrad();
    return loss;
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const p of this.params) p.dispose();
  }
}
