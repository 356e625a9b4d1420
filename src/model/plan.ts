import { B0_STAGES, BN_EPSILON, HEAD_FILTERS, NUM_CLASSES, STEM_FILTERS, type StageArgs } from './blocks.js';
import { convGeometry, type Activation, type Layer, type PaddingMode, type WeightSpec } from './layers.js';
import { checkAtMost, limits as limitsFor, type Limits } from '../limits.js';
import { resolveVariant, roundFilters, roundRepeats, type ScalingCoefficients, type Variant } from './scaling.js';

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

export interface StageSummary {
  stage: number;
  repeats: number;
  kernel: number;
  stride: number;
  expandRatio: number;
  filtersIn: number;
  filtersOut: number;
  /** Output shape [H, W, C] of the stage's last block. */
  shape: readonly number[];
  params: number;
  macs: number;
}

export interface Plan {
  coefficients: ScalingCoefficients;
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
// function does to the B0 table (blocks.ts), with the rounding of scaling.ts.
/** Turns (B0 table, scaling coefficients) into the ordered list of Keras layers. */
export function buildPlan(variant: Variant, options: PlanOptions = {}): Plan {
  const coefficients = resolveVariant(variant);
  const resolution = options.resolution ?? coefficients.resolution;
  const includeTop = options.includeTop ?? true;
  const numClasses = includeTop ? (options.numClasses ?? NUM_CLASSES) : 0;
  const padding = options.padding ?? 'same';
  const epsilon = options.epsilon ?? BN_EPSILON;
  if (!Number.isInteger(resolution) || resolution < 1) throw new Error(`resolution must be a positive integer, got ${resolution}`);
  if (includeTop && (!Number.isInteger(numClasses) || numClasses < 1)) throw new Error(`numClasses must be a positive integer, got ${numClasses}`);
  const filters = (f: number) => roundFilters(f, coefficients.width);
  const stageArgs = B0_STAGES.map((s) => ({ ...s, filtersIn: filters(s.filtersIn), filtersOut: filters(s.filtersOut), repeats: roundRepeats(s.repeats, coefficients.depth) }));
  const totalBlocks = stageArgs.reduce((n, s) => n + s.repeats, 0);
  checkPlanSize(coefficients, resolution, numClasses, stageArgs, totalBlocks, limitsFor(options.limits));

  const b = new PlanBuilder([resolution, resolution, 3], padding, epsilon);
  b.stage = 0;
  b.conv('stem_conv', filters(STEM_FILTERS), 3, 2);
  b.bn('stem_bn');
  b.activation('stem_activation', 'swish');

  const stages: StageSummary[] = [];
  let blockIndex = 0;
  stageArgs.forEach((args, i) => {
    b.stage = i + 1;
    const start = b.layers.length;
    for (let j = 0; j < args.repeats; j++) {
      const name = `block${i + 1}${String.fromCharCode(97 + j)}_`;
      const first = j === 0;
      b.block(name, {
        ...args,
        stride: first ? args.stride : 1,
        filtersIn: first ? args.filtersIn : args.filtersOut,
      }, blockIndex > 0);
      blockIndex++;
    }
    const stageLayers = b.layers.slice(start);
    stages.push({
      stage: i + 1,
      repeats: args.repeats,
      kernel: args.kernel,
      stride: args.stride,
      expandRatio: args.expandRatio,
      filtersIn: args.filtersIn,
      filtersOut: args.filtersOut,
      shape: b.shape,
      params: sum(stageLayers, (l) => l.params),
      macs: sum(stageLayers, (l) => l.macs),
    });
  });

  b.stage = 8;
  b.conv('top_conv', filters(HEAD_FILTERS), 1, 1);
  b.bn('top_bn');
  b.activation('top_activation', 'swish');
  b.globalAvgPool('avg_pool');
  if (includeTop) {
    if (coefficients.dropout > 0) b.plain('top_dropout', 'dropout', [b.last], b.shape);
    b.dense('predictions', numClasses);
  }

  const layers = b.layers;
  const weights = layers.flatMap((l) => l.weights);
  const params = sum(weights, (w) => size(w.shape));
  checkAtMost(params, limitsFor(options.limits).maxParams, coefficients.name, 'maxParams', 'parameters');
  return {
    coefficients,
    resolution,
    numClasses,
    includeTop,
    endpoints: { pooled: 'avg_pool', stages: stageEnds(layers, stages) },
    padding,
    epsilon,
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

class PlanBuilder {
  readonly layers: Layer[] = [];
  last = 'input';
  shape: readonly number[];
  stage = 0;

  constructor(inputShape: readonly number[], readonly padding: PaddingMode, readonly epsilon: number) {
    this.shape = inputShape;
  }

  private push(layer: Layer): void {
    this.layers.push(layer);
    this.last = layer.name;
    this.shape = layer.shape;
  }

  private weight(layer: string, role: WeightSpec['role'], shape: readonly number[]): WeightSpec {
    return { name: `${layer}/${role}`, role, shape, trainable: role !== 'moving_mean' && role !== 'moving_variance' };
  }

  private geometry(kernel: number, stride: number) {
    const [h, w] = this.shape as [number, number, number];
    const gy = convGeometry(h, kernel, stride, this.padding);
    const gx = convGeometry(w, kernel, stride, this.padding);
    return { oh: gy.out, ow: gx.out, pads: [gy.before, gx.before, gy.after, gx.after] as const };
  }

  conv(name: string, filters: number, kernel: number, stride: number, opts: { bias?: boolean; activation?: Activation; input?: string } = {}): void {
    const useBias = opts.bias ?? false;
    const cin = this.shape[2]!;
    const { oh, ow, pads } = this.geometry(kernel, stride);
    const weights = [this.weight(name, 'kernel', [kernel, kernel, cin, filters])];
    if (useBias) weights.push(this.weight(name, 'bias', [filters]));
    this.push({
      kind: 'conv2d', name, inputs: [opts.input ?? this.last], shape: [oh, ow, filters], weights, stage: this.stage,
      params: kernel * kernel * cin * filters + (useBias ? filters : 0),
      macs: oh * ow * filters * kernel * kernel * cin,
      kernel, stride, pads, filters, useBias, activation: opts.activation ?? 'none',
    });
  }

  depthwise(name: string, kernel: number, stride: number): void {
    const c = this.shape[2]!;
    const { oh, ow, pads } = this.geometry(kernel, stride);
    this.push({
      kind: 'depthwiseConv2d', name, inputs: [this.last], shape: [oh, ow, c], stage: this.stage,
      weights: [this.weight(name, 'depthwise_kernel', [kernel, kernel, c, 1])],
      params: kernel * kernel * c, macs: oh * ow * c * kernel * kernel, kernel, stride, pads,
    });
  }

  bn(name: string): void {
    const c = this.shape[this.shape.length - 1]!;
    const roles = ['gamma', 'beta', 'moving_mean', 'moving_variance'] as const;
    this.push({
      kind: 'batchNorm', name, inputs: [this.last], shape: this.shape, stage: this.stage,
      weights: roles.map((r) => this.weight(name, r, [c])), params: 4 * c, macs: 0, epsilon: this.epsilon,
    });
  }

  activation(name: string, activation: Activation): void {
    this.push({ kind: 'activation', name, inputs: [this.last], shape: this.shape, weights: [], params: 0, macs: 0, stage: this.stage, activation });
  }

  plain(name: string, kind: 'globalAvgPool' | 'reshape' | 'multiply' | 'add' | 'dropout', inputs: readonly string[], shape: readonly number[]): void {
    this.push({ kind, name, inputs, shape, weights: [], params: 0, macs: 0, stage: this.stage });
  }

  globalAvgPool(name: string): void {
    this.plain(name, 'globalAvgPool', [this.last], [this.shape[2]!]);
  }

  dense(name: string, units: number): void {
    const k = this.shape[0]!;
    this.push({
      kind: 'dense', name, inputs: [this.last], shape: [units], stage: this.stage,
      weights: [this.weight(name, 'kernel', [k, units]), this.weight(name, 'bias', [units])],
      params: k * units + units, macs: k * units, units, activation: 'none',
    });
  }

  // Keras efficientnet.block: expand 1×1 → depthwise k×k → squeeze-excite → project 1×1,
  // with a residual add when the block keeps its shape. This is MBConv, the paper's §4 block:
  // MobileNetV2's inverted residual (Sandler et al. 2018: expand, depthwise, linear projection,
  // no activation after the projection) as MnasNet used it, plus squeeze-and-excitation
  // (Hu et al. 2018). Every activation is swish, x·σ(x) (Ramachandran et al. 2018; §5.2 "SiLU").
  block(p: string, a: StageArgs, hasDropConnect: boolean): void {
    const blockInput = this.last;
    const expanded = a.filtersIn * a.expandRatio;
    if (a.expandRatio !== 1) {
      this.conv(`${p}expand_conv`, expanded, 1, 1);
      this.bn(`${p}expand_bn`);
      this.activation(`${p}expand_activation`, 'swish');
    }
    this.depthwise(`${p}dwconv`, a.kernel, a.stride);
    this.bn(`${p}bn`);
    this.activation(`${p}activation`, 'swish');
    const dwOut = this.last;
    const dwShape = this.shape;
    // SE width comes from the block's input channels, not the expanded ones (Keras, timm, torchvision agree).
    // Squeeze = global average pool; excite = 1×1 reduce (swish) then 1×1 expand (sigmoid) as a channel gate.
    const filtersSe = Math.max(1, Math.floor(a.filtersIn * a.seRatio));
    this.globalAvgPool(`${p}se_squeeze`);
    this.plain(`${p}se_reshape`, 'reshape', [this.last], [1, 1, expanded]);
    this.conv(`${p}se_reduce`, filtersSe, 1, 1, { bias: true, activation: 'swish' });
    this.conv(`${p}se_expand`, expanded, 1, 1, { bias: true, activation: 'sigmoid' });
    this.plain(`${p}se_excite`, 'multiply', [dwOut, this.last], dwShape);
    this.conv(`${p}project_conv`, a.filtersOut, 1, 1);
    this.bn(`${p}project_bn`);
    if (a.stride === 1 && a.filtersIn === a.filtersOut) {
      // Drop-connect is stochastic depth (Huang et al. 2016; §5.2: survival probability 0.8): in
      // training the residual branch is dropped with rate 0.2·i/n for block i of n, a survival
      // probability falling linearly from 1 (block 0, hence no layer) towards 0.8. Identity at inference.
      if (hasDropConnect) this.plain(`${p}drop`, 'dropout', [this.last], this.shape);
      this.plain(`${p}add`, 'add', [this.last, blockInput], this.shape);
    }
  }
}
