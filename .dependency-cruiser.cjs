/**
 * The layers of src/ and the one rule that keeps them: a module imports only
 * from its own layer and the layers below it. test/layers.test.ts runs this
 * over src/ and fails on any violation.
 *
 *   common, host            plain helpers and the host interfaces
 *   tensor ← autograd ← kernels ← optim ← model ← jit ← cluster     the engine
 *   data, report            beside the engine: they use tensor, never it them
 *   pipeline                prepare → train → evaluate → report, as a library
 *   node                    the Node host: files, threads, the OS, Dawn
 *   web                     the page: its host (files in memory, Web Workers) and its UI
 *   cli                     flags in, pipeline call, output out
 */
const engine = ['tensor', 'autograd', 'kernels', 'optim', 'model', 'jit', 'cluster'];
const below = {
  common: [],
  host: ['common'],
  data: ['common', 'host', 'tensor'],
  report: ['common', 'host', 'tensor'],
  pipeline: ['common', 'host', ...engine, 'data', 'report'],
  node: ['common', 'host', 'pipeline', ...engine, 'data', 'report'],
  web: ['common', 'host', 'pipeline', ...engine, 'data', 'report'],
  cli: ['common', 'host', 'pipeline', ...engine, 'data', 'report', 'node'],
};
engine.forEach((layer, i) => {
  below[layer] = ['common', 'host', ...engine.slice(0, i)];
});
const layers = Object.keys(below);

const upward = layers.map((layer) => {
  const allowed = new Set([layer, ...below[layer]]);
  const forbidden = layers.filter((l) => !allowed.has(l));
  return {
    name: `layer-${layer}`,
    comment: `src/${layer} may import only from ${[...allowed].join(', ')}`,
    severity: 'error',
    from: { path: `^src/${layer}/` },
    to: { path: `^src/(${forbidden.join('|')})/` },
  };
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'no-barrel-inside',
      comment: 'modules import the module they need, never the package entry',
      severity: 'error',
      from: { path: '^src/.+/' },
      to: { path: '^src/(index|engine)\\.ts$' },
    },
    {
      name: 'node-only-at-the-edge',
      comment: 'Node built-ins and Dawn only in the Node host and the CLI',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(node|cli)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'dawn-only-in-node-host',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/node/' },
      to: { path: 'node_modules/(webgpu|h5wasm/dist/node)/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    ...upward,
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'node', 'default'] },
  },
};
