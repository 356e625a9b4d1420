// effnet's edge-safe public API: nothing below this file imports node: modules. It exports what
// the README documents: the model, backends, loaders, classifier, tensors and the scaling helpers.
// Node-only helpers (files, images from disk) are in `effnet/node`.

// The model and its backends.
export { EfficientNet, type CreateOptions, type LoadOptions, type ModelOptions, type ModelOutput, type ModelRunOptions, type RuntimeOptions } from './efficientnet.js';
export { createBackend, type AnyBackend } from './backends/index.js';
export type { WebGpuBackend, WebGpuCompiledModel } from './backends/webgpu/index.js';
export type { Backend, BackendName, BackendOptions, CompiledModel, ConvOptions, KernelBuild, Ops, RunOptions, Step, StepProfile } from './backends/backend.js';
export { wasmRelaxedSimdSupported, wasmSimdSupported } from './backends/wasm/module.js';

// Tensors.
export { Tensor, type Shape } from './tensor/tensor.js';
export { readNpy, writeNpy, NpyError } from './tensor/npy.js';

// Compound scaling, the plan, the forward pass.
export {
  ALPHA, BETA, GAMMA, VARIANTS, compoundScaling, parseVariant, resolveVariant, roundFilters, roundRepeats,
  type ScalingCoefficients, type Variant, type VariantName,
} from './model/scaling.js';
export { B0_STAGES, type StageArgs } from './model/blocks.js';
export { buildPlan, type Plan, type PlanOptions, type StageSummary } from './model/plan.js';
export type { Activation, Layer, PaddingMode, Pads, WeightSpec } from './model/layers.js';
export { efficientNet, type Architecture, type Net } from './model/forward.js';
export { summarize, formatSummary, type ModelSummary, type LayerSummary } from './model/summary.js';
export { gridSearch, gridTable, formatGrid, phiCost, type GridOptions, type GridCandidate, type GridResult, type PhiCost, type DimensionCost } from './model/grid.js';

// Weights: seeded, from checkpoint bytes, from the registry of pretrained files.
export { randomWeights, randomInput } from './weights/random.js';
export type { WeightMap } from './weights/weights.js';
export type { Checkpoint, CheckpointInfo, CheckpointOptions } from './weights/checkpoint.js';
export { CheckpointError } from './weights/source.js';
export { FAMILIES, type Family } from './weights/names/index.js';
export { REGISTRY, findEntry, registerWeights, registryEntries, type RegistryEntry, type Verification } from './registry/index.js';

// Images and classification.
export { Classifier, DEFAULT_MODEL_FILE, type ClassifierOptions, type ClassifyOptions } from './image/classifier.js';
export { decodeJpeg, type JpegOptions } from './image/jpeg.js';
export { fromImageData, type ImageDataLike, type RgbImage } from './image/image.js';
export { makePipeline, preprocess, preprocessBatch, type Pipeline, type PipelineOptions } from './image/pipeline.js';
export type { Interpolation } from './image/resample.js';
export { IMAGENET_CLASSES } from './image/imagenet-classes.js';
export { IMAGENET_MEAN, IMAGENET_STD } from './image/normalize.js';
export type { Prediction } from './image/labels.js';
export { ImageError } from './image/errors.js';
export { NonFiniteOutputError, type NonFiniteRow } from './image/nonfinite.js';

// Limits on untrusted input.
export { DEFAULT_LIMITS, LimitError, limits, setLimits, type Limits } from './limits.js';
