import { Adam, Rng, backward, conv2d, glorotUniform, maxPool2d, mse, normal, tanh, tidy, upsample2d, zeros, type Tensor } from '../index.js';

const usage = `seiscluster — unsupervised clustering of seismic signals with deep convolutional autoencoders

Usage:
  seiscluster demo [--seed N] [--steps N]   train a small conv autoencoder on generated data and print its loss
  seiscluster --help
`;

/** Parses `--name value` pairs; unknown flags are an error. */
function flags(args: readonly string[], known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]!.replace(/^--/, '');
    if (!known.includes(name) || args[i + 1] === undefined) throw new UsageError(`unknown or incomplete option '${args[i]}'`);
    out.set(name, args[i + 1]!);
  }
  return out;
}

class UsageError extends Error {}

function intFlag(map: Map<string, string>, name: string, fallback: number): number {
  const raw = map.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`--${name}: expected a non-negative integer, got '${raw}'`);
  return v;
}

async function demo(args: readonly string[]): Promise<void> {
  const opts = flags(args, ['seed', 'steps']);
  const rng = new Rng(intFlag(opts, 'seed', 0));
  const steps = intFlag(opts, 'steps', 300);
  const params: Tensor[] = [glorotUniform([4, 1, 3, 3], rng), zeros([4]), glorotUniform([1, 4, 3, 3], rng), zeros([1])];
  for (const p of params) p.requiresGrad = true;
  const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
  const x = tanh(normal([32, 1, 16, 48], rng));
  const opt = new Adam(params);
  for (let step = 0; step <= steps; step++) {
    const loss = tidy(() => {
      const y = conv2d(upsample2d(maxPool2d(tanh(conv2d(x, w1, b1)))), w2, b2);
      const l = mse(y, x);
      backward(l);
      return l;
    });
    opt.update();
    opt.zeroGrad();
    if (step % 50 === 0) console.log(`step ${step}: reconstruction mse ${(await loss.item()).toFixed(5)}`);
    loss.dispose();
  }
}

export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === '--help' || command === 'help') {
      console.log(usage);
      return 0;
    }
    if (command === 'demo') {
      await demo(rest);
      return 0;
    }
    throw new UsageError(`unknown command '${command}'`);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`seiscluster: ${err.message}\n\n${usage}`);
      return 1;
    }
    throw err;
  }
}
