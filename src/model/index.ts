/** The autoencoders: declarative descriptions, the paper's two networks and their widened forms, the built-in names, layers. */
export { Autoencoder, type AutoencoderOptions } from './autoencoder.js';
export {
  ACTIVATIONS,
  ModelDescriptionError,
  parseModelDescription,
  planModel,
  type Activation,
  type ActivationDescription,
  type Conv1dDescription,
  type Conv2dDescription,
  type LayerDescription,
  type LayerPlan,
  type LayerType,
  type MaxPool1dDescription,
  type MaxPool2dDescription,
  type ModelDescription,
  type ModelPart,
  type ModelPlan,
  type Upsample1dDescription,
  type Upsample2dDescription,
} from './description.js';
export { activate, buildLayer, parameterShapes, type Layer, type NamedParameter } from './layers.js';
export { BUILT_IN_NETWORK_NAMES, BUILT_IN_NETWORKS, networkA, networkAWide, networkAWith, networkB, networkBWide, networkBWith } from './networks.js';
