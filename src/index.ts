// effnet's edge-safe public API: nothing below this file imports node: modules.
export { EfficientNet, type CreateOptions, type LoadOptions, type ModelOptions } from './efficientnet.js';
export { createBackend } from './backends/index.js';
export type { Backend, BackendName, CompiledModel, ConvOptions, Ops, RunOptions, StepProfile } from './backends/backend.js';
export { Tensor, sizeOf, type Shape } from './tensor/tensor.js';
export { readNpy, writeNpy, NpyError } from './tensor/npy.js';
export { buildPlan, type Plan, type PlanOptions, type StageSummary } from './model/plan.js';
export type { Activation, Layer, PaddingMode, Pads, WeightSpec } from './model/layers.js';
export { convGeometry } from './model/layers.js';
export { B0_STAGES, type StageArgs } from './model/blocks.js';
export {
  ALPHA, BETA, GAMMA, VARIANTS, compoundScaling, flopsBase, parseVariant, resolveVariant, roundFilters, roundRepeats,
  type ScalingCoefficients, type Variant, type VariantName,
} from './model/scaling.js';
export { summarize, formatSummary, type ModelSummary, type LayerSummary } from './model/summary.js';
export { gridSearch, gridTable, formatGrid, phiCost, type GridOptions, type GridCandidate, type GridResult, type PhiCost, type DimensionCost } from './model/grid.js';
export { randomWeights, randomInput, mulberry32 } from './weights/random.js';
export { checkWeights, type WeightMap } from './weights/weights.js';
export { resolveCheckpoint, type Checkpoint, type CheckpointInfo, type CheckpointOptions } from './weights/checkpoint.js';
export { readSafetensors, type Safetensors, type SafetensorsTensor } from './weights/safetensors.js';
export { readPth, STATE_DICT_KEYS, type Pth, type PthOptions } from './weights/pth.js';
export { REGISTRY, describeVerification, findEntry, mirrored, registerWeights, registryEntries, type RegistryEntry, type Verification } from './registry/index.js';
export { readTfjsModel, manifestPaths, checkShardPath, type TfjsModel } from './weights/tfjs.js';
export { CheckpointError, type SourceTensor } from './weights/source.js';
export { FAMILIES, type Family } from './weights/names/index.js';
export { wasmSimdSupported } from './backends/wasm/module.js';
export * from './image/index.js';
export { DEFAULT_LIMITS, LimitError, escapeText, limits, setLimits, type Limits } from './limits.js';
