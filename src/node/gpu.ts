/** The Node host's GPU: `navigator.gpu` when the runtime has one, else Dawn. */
import { navigatorGpu, type GpuHost } from '../host/gpu.js';

export const nodeGpu: GpuHost = navigatorGpu;
