import { readFile } from 'node:fs/promises';
import { cpu } from '../../kernels/cpu.js';
import { describeAdapter, requestAdapter } from '../../kernels/webgpu/device.js';
import { commonOptions, type CommandSpec, type ParsedArgs } from '../args.js';
import { output } from '../context.js';

export const infoSpec: CommandSpec = {
  name: 'info',
  summary: 'version, backends available and the WebGPU adapter',
  usage: 'seiscluster info [--json]',
  options: commonOptions.filter((o) => o.name === 'json'),
  examples: ['seiscluster info', 'seiscluster info --json'],
};

export async function info(args: ParsedArgs): Promise<void> {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const probe = await requestAdapter();
  const webgpu = probe.ok
    ? { available: true, adapter: describeAdapter(probe.info), hardware: !probe.info.software }
    : { available: false, reason: probe.reason };
  const result = {
    version: pkg.version,
    node: process.version,
    backends: { cpu: { available: true, dtypes: cpu.dtypes, compiledThreads: cpu.threads }, webgpu },
    auto: probe.ok && !probe.info.software ? 'webgpu' : 'cpu',
  };
  output(args, result, () =>
    [
      `seiscluster ${result.version} (node ${result.node})`,
      `backends: cpu (float32, float64; autoencoders compiled to WebAssembly SIMD, ${result.backends.cpu.compiledThreads} threads)`,
      probe.ok ? `          webgpu on ${webgpu.adapter}${probe.info.software ? ' (software adapter)' : ''}` : `          webgpu unavailable: ${probe.reason}`,
      `--backend auto picks: ${result.auto}`,
    ].join('\n'),
  );
}
