import { expect, it } from 'vitest';
import { Adam, Rng, add, backward, cpu, gatherRows, matmul, mse, tanh, tensor, tidy } from '../../src/index.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import { networkA } from '../../src/model/networks.js';
import { BACKWARD, FORWARD, describeWebGpu, draw, expectClose } from './helpers.js';

/** Steps of the buffer-pool test (about 3-6 ms each on SwiftShader with two shared cores). */
const POOL_STEPS = 10_000;

describeWebGpu('training on WebGPU', (gpu) => {
  it('twenty Adam steps of Network A (batch 2 gathered on the device) match the CPU step by step', async () => {
    const [records] = draw([{ shape: [6, 1, 16, 48] }], 2);
    // The GPU model takes the seeded CPU model's weights, so any difference comes from the steps, not the initialisation.
    const reference = new Autoencoder(networkA(), { seed: 1, backend: cpu });
    const onGpu = new Autoencoder(networkA(), { backend: gpu });
    onGpu.setWeights(await reference.weights());
    const runs = [reference, onGpu].map((model) => ({
      model,
      optimizer: new Adam(model.parameters()),
      data: tensor(records!, [6, 1, 16, 48], { backend: model.backend }),
    }));
    for (let step = 0; step < 20; step++) {
      const batch = [(2 * step) % 6, (2 * step + 1) % 6];
      const [want, got] = await Promise.all(
        runs.map(async ({ model, optimizer, data }) => {
          // One pre-training step as `pretrain` takes it: mse reconstruction, backward, Adam.
          const loss = tidy(() => {
            const x = gatherRows(data, batch);
            const l = mse(model.reconstruct(x), x);
            backward(l);
            optimizer.update();
            optimizer.zeroGrad();
            return l;
          });
          const value = await loss.item();
          loss.dispose();
          return { loss: value, params: await Promise.all(model.parameters().map((p) => p.data())) };
        }),
      );
      expectClose(`loss at step ${step + 1}`, [got!.loss], [want!.loss], FORWARD);
      reference.namedParameters().forEach(({ name }, i) => expectClose(`${name} after step ${step + 1}`, got!.params[i]!, want!.params[i]!, BACKWARD));
    }
    for (const { model, optimizer, data } of runs) {
      optimizer.dispose();
      model.dispose();
      data.dispose();
    }
  });

  it('the buffer pool stops growing after warm-up: no new buffers and none leaked over thousands of steps', async () => {
    const rng = new Rng(3);
    const values = (n: number) => Float32Array.from({ length: n }, () => 0.3 * rng.normal());
    // A tiny dense autoencoder 6 -> 3 -> 6 on mini-batches of 2 gathered from 4 records.
    const params = [
      tensor(values(18), [6, 3], { backend: gpu }),
      tensor(new Float32Array(3), [3], { backend: gpu }),
      tensor(values(18), [3, 6], { backend: gpu }),
    ];
    for (const p of params) p.requiresGrad = true;
    const optimizer = new Adam(params, { lr: 0.01 });
    const data = tensor(values(24), [4, 6], { backend: gpu });
    const steps = POOL_STEPS;
    let afterWarmUp = gpu.stats();
    let first = 0;
    let last = 0;
    for (let step = 0; step < steps; step++) {
      const loss = tidy(() => {
        const x = gatherRows(data, [step % 4, (step + 1) % 4]);
        const l = mse(matmul(tanh(add(matmul(x, params[0]!), params[1]!)), params[2]!), x);
        backward(l);
        return l;
      });
      optimizer.update();
      optimizer.zeroGrad();
      // The loss is read back every 100 steps, never inside a step.
      if (step % 100 === 0) last = await loss.item();
      if (step === 0) first = last;
      loss.dispose();
      if (step === 9) afterWarmUp = gpu.stats();
    }
    await gpu.sync();
    expect(gpu.stats()).toEqual(afterWarmUp);
    expect(last).toBeLessThan(first / 2);
    console.log(`buffer pool over ${steps} steps: ${JSON.stringify(gpu.stats())}`);
    optimizer.dispose();
    for (const t of [...params, data]) t.dispose();
  }, 300_000);
});
