/** seiscluster for Node: the engine (src/engine.ts) with the Node host installed (files, worker threads, Dawn). */
import './node/install.js';

export * from './engine.js';
export { nodeHost } from './node/host.js';
