import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// The host-neutral entry bundles for a web page: no Node built-in, no Dawn, no h5wasm's Node build.
describe('the engine entry (src/engine.ts)', () => {
  it('bundles for the browser with no Node built-in', async () => {
    const result = await build({
      entryPoints: ['src/engine.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => p.startsWith('node:') || /node_modules\/(webgpu|h5wasm\/dist\/node)\//.test(p))).toEqual([]);
    expect(inputs.some((p) => p === 'src/engine.ts')).toBe(true);
    expect(result.outputFiles[0]!.text).not.toMatch(/require\(["']node:/);
  });
});
