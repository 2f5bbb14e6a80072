/** seiscluster's engine for any host (a web page, a worker, Node): tensors, autograd, ops, optimisers, the networks and the method. */
export { host, setHost, bareHost, type Host } from './host/host.js';
export type { FileSystem, ReadableFile, WritableFile, PathKind } from './host/files.js';
export type { Threads, HostWorker } from './host/threads.js';
export type { GpuHost, GpuEntry } from './host/gpu.js';
export type { Hdf5Host, Hdf5Library } from './host/hdf5.js';
export { Tensor } from './tensor/tensor.js';
export type { Backend, Storage, Operand, AllocationStats, CpuView, CpuKernel, Kernel } from './tensor/backend.js';
export type { DType, FloatArray } from './tensor/dtype.js';
export { ShapeError, sizeOf, formatShape, type Shape } from './tensor/shape.js';
export { Rng } from './tensor/random.js';
export { tidy, keep } from './tensor/scope.js';
export {
  tensor,
  full,
  zeros,
  ones,
  zerosLike,
  onesLike,
  uniform,
  normal,
  glorotUniform,
  defaultBackend,
  setDefaultBackend,
  type CreateOptions,
} from './tensor/create.js';
export { cpu, CpuBackend, cpuData, MAX_THREADS, type CpuBackendOptions } from './kernels/cpu.js';
export { createBackend, type BackendChoice, type SelectedBackend } from './kernels/select.js';
export { WebGpuBackend, WebGpuError, type WebGpuBackendOptions, type AdapterInfo } from './kernels/webgpu/backend.js';
export { defineWebGpuKernel, type WebGpuKernel, type KernelPlan, type ParamType } from './kernels/webgpu/kernel.js';
export { backward } from './autograd/backward.js';
export { noGrad, isGradEnabled } from './autograd/mode.js';
export { apply, applyInPlace, defineOp, type OpDef } from './autograd/op.js';
export * from './kernels/elementwise.js';
export { sum, expand, sumTo } from './kernels/sum.js';
export { mean, max } from './kernels/reduce.js';
export { reshape, flatten, detach } from './kernels/view.js';
export { gatherRows, sliceRows, concatRows } from './kernels/rows.js';
export { matmul } from './kernels/matmul.js';
export { conv2d, conv1d, type Padding } from './kernels/conv.js';
export { maxPool2d, maxPool1d } from './kernels/pool.js';
export { upsample2d, upsample1d } from './kernels/upsample.js';
export { pairwiseSqDist, rowNormalize } from './kernels/distance.js';
export { mse, kld, KLD_EPS } from './kernels/loss.js';
export { Adam, Sgd, zeroGrad, type AdamOptions, type SgdOptions } from './optim/optimizer.js';
/** The paper's networks, the clustering method and the pipeline, as namespaces: `model.networkA()`, `cluster.runExperiment(...)`, `pipeline.train(...)`. */
export {
  CompiledAutoencoder,
  compiledFor,
  optimiserStep,
  type CompileOptions,
  type StepSums,
} from './jit/compiled.js';
export * as model from './model/index.js';
export * as cluster from './cluster/index.js';
/** The data layer (readers, preparation, the data-set format) and the report layer (figures, HTML, t-SNE), as namespaces: `data.readSac(...)`, `report.renderReport(...)`. */
export * as data from './data/index.js';
export * as report from './report/index.js';
/** The pipeline as a library: prepare → train → evaluate → report, reproduce, predict, with progress through a callback. */
export * as pipeline from './pipeline/index.js';
