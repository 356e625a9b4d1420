import { B0_STAGES, BN_EPSILON, HEAD_FILTERS, NUM_CLASSES, STEM_FILTERS, type StageArgs } from './blocks.js';
import { efficientNet, type Architecture } from './forward.js';
import type { Layer, PaddingMode } from './layers.js';
import { checkAtMost, limits as limitsFor, type Limits } from '../limits.js';
import { resolveVariant, roundFilters, roundRepeats, type ScalingCoefficients, type Variant } from './scaling.js';
import { LayerTracer } from './trace.js';

export interface PlanOptions {
  /** Input height = width; defaults to the variant's own resolution. Any size ≥ 1 works. */
  resolution?: number;
  numClasses?: number;
  /** `same` for Keras/TF and timm tf_ checkpoints, `symmetric` for torchvision and timm. */
  padding?: PaddingMode;
  /** Batch norm epsilon: 1e-3 in Keras/TF, 1e-5 in most PyTorch checkpoints. */
  epsilon?: number;
  /**
   * false: no classifier; the network ends at the global average pool, so a run gives the
   * pooled features [N, C] (Keras include_top=False with pooling='avg'; timm num_classes=0).
   */
  includeTop?: boolean;
  /** Raises (or lowers) the plan-size limits of src/limits.ts for this plan. */
  limits?: Partial<Limits>;
}

/** A scaled stage of the B0 table (its repeats and channels after scaling) and what it costs. */
export interface StageSummary extends Omit<StageArgs, 'seRatio'> {
  stage: number;
  /** Output shape [H, W, C] of the stage's last block. */
  shape: readonly number[];
  params: number;
  macs: number;
}

export interface Plan {
  coefficients: ScalingCoefficients;
  /** The scaled network forward.ts builds: channels and repeats of every stage. */
  architecture: Architecture;
  resolution: number;
  /** 0 when includeTop is false. */
  numClasses: number;
  includeTop: boolean;
  /**
   * Where the features people take from a backbone are: the pooled features, and the outputs at
   * strides 2, 4, 8, 16 and 32 (the last block of stages 1, 2, 3, 5 and 7, as timm's
   * features_only and Keras's block*_add endpoints give).
   */
  endpoints: { pooled: string; stages: readonly string[] };
  padding: PaddingMode;
  epsilon: number;
  /** The limits it was planned under (PlanOptions.limits): a plan of this network for another input size keeps them. */
  limits?: Partial<Limits>;
  inputShape: readonly number[];
  layers: readonly Layer[];
  stages: readonly StageSummary[];
  params: number;
  trainableParams: number;
  macs: number;
  blocks: number;
}

// Eq. 1 of Tan & Le 2019: a ConvNet is a chain of stages, F_i repeated L_i times on inputs of
// shape ⟨H_i, W_i, C_i⟩; Eq. 2 scales L_i by d, C_i by w and H_i, W_i by r. That is all this
// function does to the B0 table (blocks.ts), with the rounding of scaling.ts; forward.ts then
// lays out the layers, traced on shapes (trace.ts).
/** Which network: a member of the family (b0…b7, { phi } or explicit coefficients) and its plan options. */
export interface ModelOptions extends PlanOptions {
  /** b0…b7, { phi }, or explicit { name, width, depth, resolution, dropout }; b0 by default. */
  variant?: Variant;
}

/** Turns (B0 table, scaling coefficients) into the ordered list of Keras layers. */
export function buildPlan(variant: Variant, options: PlanOptions = {}): Plan {
  const coefficients = resolveVariant(variant);
  const resolution = options.resolution ?? coefficients.resolution;
  const includeTop = options.includeTop ?? true;
  const numClasses = includeTop ? (options.numClasses ?? NUM_CLASSES) : 0;
  const padding = options.padding ?? 'same';
  const epsilon = options.epsilon ?? BN_EPSILON;
  checkAtMost(resolution, limitsFor(options.limits).maxResolution, coefficients.name, 'maxResolution', 'pixels of input side');
  if (!Number.isInteger(resolution) || resolution < 1) throw new Error(`resolution must be a positive integer, got ${resolution}`);
  if (includeTop && (!Number.isInteger(numClasses) || numClasses < 1)) throw new Error(`numClasses must be a positive integer, got ${numClasses}`);
  const filters = (f: number) => roundFilters(f, coefficients.width);
  const stageArgs = B0_STAGES.map((s) => ({ ...s, filtersIn: filters(s.filtersIn), filtersOut: filters(s.filtersOut), repeats: roundRepeats(s.repeats, coefficients.depth) }));
  const totalBlocks = stageArgs.reduce((n, s) => n + s.repeats, 0);
  checkPlanSize(coefficients, resolution, numClasses, stageArgs, totalBlocks, limitsFor(options.limits));

  const architecture: Architecture = {
    stemFilters: filters(STEM_FILTERS), stages: stageArgs, headFilters: filters(HEAD_FILTERS),
    includeTop, numClasses, dropout: coefficients.dropout,
  };
  const tracer = new LayerTracer(padding, epsilon);
  efficientNet(tracer, tracer.input([resolution, resolution, 3]), architecture);
  const layers = tracer.layers;
  const stages = stageArgs.map((args, i): StageSummary => {
    const stageLayers = layers.filter((l) => l.stage === i + 1);
    return {
      stage: i + 1, repeats: args.repeats, kernel: args.kernel, stride: args.stride, expandRatio: args.expandRatio,
      filtersIn: args.filtersIn, filtersOut: args.filtersOut, shape: stageLayers.at(-1)!.shape,
      params: sum(stageLayers, (l) => l.params), macs: sum(stageLayers, (l) => l.macs),
    };
  });

  const weights = layers.flatMap((l) => l.weights);
  const params = sum(weights, (w) => size(w.shape));
  checkAtMost(params, limitsFor(options.limits).maxParams, coefficients.name, 'maxParams', 'parameters');
  return {
    coefficients,
    architecture,
    resolution,
    numClasses,
    includeTop,
    endpoints: { pooled: 'avg_pool', stages: stageEnds(layers, stages) },
    padding,
    epsilon,
    limits: options.limits && { ...options.limits },
    inputShape: [resolution, resolution, 3],
    layers,
    stages,
    params,
    trainableParams: sum(weights.filter((w) => w.trainable), (w) => size(w.shape)),
    macs: sum(layers, (l) => l.macs),
    blocks: totalBlocks,
  };
}

// Checked from the coefficients alone, before a layer is built: φ = 200 asks for 10¹⁶ blocks.
function checkPlanSize(c: ScalingCoefficients, resolution: number, numClasses: number, stages: readonly StageArgs[], blocks: number, l: Readonly<Limits>): void {
  if (!(c.width > 0 && Number.isFinite(c.width) && c.depth > 0 && Number.isFinite(c.depth))) {
    throw new Error(`${c.name}: width and depth must be positive finite numbers, got ${c.width} and ${c.depth}`);
  }
  checkAtMost(resolution, l.maxResolution, c.name, 'maxResolution', 'pixels of input side');
  checkAtMost(numClasses, l.maxClasses, c.name, 'maxClasses', 'classes');
  checkAtMost(blocks, l.maxBlocks, c.name, 'maxBlocks', 'blocks');
  const widest = Math.max(roundFilters(STEM_FILTERS, c.width), roundFilters(HEAD_FILTERS, c.width), ...stages.map((s) => Math.max(s.filtersIn, s.filtersOut) * s.expandRatio));
  checkAtMost(widest, l.maxChannels, c.name, 'maxChannels', 'channels in its widest layer');
}

// The last layer of each stage after which the resolution next halves (or the network ends).
function stageEnds(layers: readonly Layer[], stages: readonly StageSummary[]): string[] {
  return stages
    .filter((s, i) => i === stages.length - 1 || stages[i + 1]!.stride > 1)
    .map((s) => layers.filter((l) => l.stage === s.stage).at(-1)!.name);
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sum<T>(items: readonly T[], f: (t: T) => number): number {
  return items.reduce((n, t) => n + f(t), 0);
}
