// EfficientNet's forward pass, top to bottom, as the paper and Keras's efficientnet.py describe it
// (Tan & Le 2019, arXiv 1905.11946). It is written once, over `Net`, a vocabulary of Keras layers:
// src/model/trace.ts runs it on shapes to make the plan (every layer's name, shape, parameters and
// multiply-adds), and the reference backend runs it on tensors to compute the network.
import type { StageArgs } from './blocks.js';
import type { Activation } from './layers.js';

/** One Keras layer per call, named as Keras names it; `T` is a value: a shape or a tensor. */
export interface Net<T> {
  conv(name: string, x: T, filters: number, kernel: number, stride: number, options?: { bias?: boolean; activation?: Activation }): T;
  depthwiseConv(name: string, x: T, kernel: number, stride: number): T;
  batchNorm(name: string, x: T): T;
  activation(name: string, x: T, activation: Activation): T;
  globalAvgPool(name: string, x: T): T;
  /** [N, C] → [N, 1, 1, C], so that a 1×1 convolution can read the pooled channels. */
  reshapeToPixel(name: string, x: T): T;
  /** x · gate, the gate [N, 1, 1, C] broadcast over height and width. */
  multiply(name: string, x: T, gate: T): T;
  add(name: string, x: T, y: T): T;
  /** Identity at inference. */
  dropout(name: string, x: T): T;
  dense(name: string, x: T, units: number): T;
}

/** A network of the family, already scaled: the B0 table with rounded channels and repeats. */
export interface Architecture {
  stemFilters: number;
  stages: readonly StageArgs[];
  headFilters: number;
  /** false: the network ends at the pooled features. */
  includeTop: boolean;
  numClasses: number;
  /** Rate of the dropout before the classifier (Keras's dropout_rate; identity at inference). */
  dropout: number;
}

/**
 * The whole network: stem, the MBConv blocks of seven stages, head. Stage i repeats its block
 * L̂_i times (Table 1); the first block of a stage changes stride and width, the rest keep them.
 */
export function efficientNet<T>(nn: Net<T>, image: T, a: Architecture): T {
  let x = stem(nn, image, a.stemFilters);
  let index = 0;
  a.stages.forEach((stage, i) => {
    for (let j = 0; j < stage.repeats; j++) {
      const first = j === 0;
      const block = { ...stage, stride: first ? stage.stride : 1, filtersIn: first ? stage.filtersIn : stage.filtersOut };
      x = mbconv(nn, x, blockName(i + 1, j), block, index++ > 0);
    }
  });
  return head(nn, x, a);
}

/** Table 1, stage 1: a 3×3 convolution with stride 2, batch norm, swish. */
export function stem<T>(nn: Net<T>, image: T, filters: number): T {
  const x = nn.conv('stem_conv', image, filters, 3, 2);
  return nn.activation('stem_activation', nn.batchNorm('stem_bn', x), 'swish');
}

/**
 * MBConv (§4), MobileNetV2's inverted residual (Sandler et al. 2018) as MnasNet used it, with
 * squeeze-and-excitation (Hu et al. 2018): a 1×1 convolution expands the channels by the expand
 * ratio, a k×k depthwise convolution filters each channel (with the block's stride), SE gates the
 * channels, a 1×1 convolution projects to the output width with no activation after it (the
 * "linear bottleneck"), and the input is added back when the shape is kept. Every activation is
 * swish, x·σ(x) (Ramachandran et al. 2017).
 */
export function mbconv<T>(nn: Net<T>, input: T, p: string, a: StageArgs, hasDropConnect: boolean): T {
  let x = input;
  const expanded = a.filtersIn * a.expandRatio;
  if (a.expandRatio !== 1) {
    x = nn.conv(`${p}expand_conv`, x, expanded, 1, 1);
    x = nn.activation(`${p}expand_activation`, nn.batchNorm(`${p}expand_bn`, x), 'swish');
  }
  x = nn.depthwiseConv(`${p}dwconv`, x, a.kernel, a.stride);
  x = nn.activation(`${p}activation`, nn.batchNorm(`${p}bn`, x), 'swish');
  // SE's bottleneck is a quarter of the block's input channels, not of the expanded ones
  // (Keras, timm and torchvision agree).
  x = squeezeExcite(nn, x, p, expanded, Math.max(1, Math.floor(a.filtersIn * a.seRatio)));
  x = nn.batchNorm(`${p}project_bn`, nn.conv(`${p}project_conv`, x, a.filtersOut, 1, 1));
  if (a.stride !== 1 || a.filtersIn !== a.filtersOut) return x;
  // Drop-connect is stochastic depth (Huang et al. 2016; §5.2: survival probability 0.8): in
  // training the residual branch of block i of n is dropped with rate 0.2·i/n, a survival
  // probability falling linearly from 1 (block 0, hence no layer) towards 0.8. Identity here.
  if (hasDropConnect) x = nn.dropout(`${p}drop`, x);
  return nn.add(`${p}add`, x, input);
}

/**
 * Squeeze-and-excitation (Hu et al. 2018): squeeze each channel to its mean, excite through a
 * 1×1 bottleneck (swish) and a 1×1 expansion (sigmoid), and scale the channels by the result.
 */
export function squeezeExcite<T>(nn: Net<T>, x: T, p: string, channels: number, bottleneck: number): T {
  let s = nn.reshapeToPixel(`${p}se_reshape`, nn.globalAvgPool(`${p}se_squeeze`, x));
  s = nn.conv(`${p}se_reduce`, s, bottleneck, 1, 1, { bias: true, activation: 'swish' });
  s = nn.conv(`${p}se_expand`, s, channels, 1, 1, { bias: true, activation: 'sigmoid' });
  return nn.multiply(`${p}se_excite`, x, s);
}

/** Table 1, stage 9: a 1×1 convolution to 1280·w channels, pooling, and the classifier. */
export function head<T>(nn: Net<T>, input: T, a: Architecture): T {
  let x = nn.conv('top_conv', input, a.headFilters, 1, 1);
  x = nn.activation('top_activation', nn.batchNorm('top_bn', x), 'swish');
  x = nn.globalAvgPool('avg_pool', x);
  if (!a.includeTop) return x;
  if (a.dropout > 0) x = nn.dropout('top_dropout', x);
  return nn.dense('predictions', x, a.numClasses);
}

/**
 * Keras's block names: stage number and a letter per repeat (block2a_, block2b_, …). Keras's own
 * chr(97 + j) runs past z into `{` at the 27th repeat (φ ≥ 11); from there the letters go on as
 * aa, ab, … so that no two blocks share a name.
 */
export function blockName(stage: number, repeat: number): string {
  const letter = (i: number) => String.fromCharCode(97 + i);
  const suffix = repeat < 26 ? letter(repeat) : letter(Math.floor(repeat / 26) - 1) + letter(repeat % 26);
  return `block${stage}${suffix}_`;
}

/** The repeat a block's letters name (blockName's suffix): a → 0, z → 25, aa → 26, ab → 27… */
export function repeatOf(letters: string): number {
  const letter = (i: number) => letters.charCodeAt(i) - 97;
  return letters.length === 1 ? letter(0) : 26 * (letter(0) + 1) + letter(1);
}

/** The stage a layer belongs to, from its name: 0 the stem, 1…7 the blocks, 8 the head. */
export function stageOf(layer: string): number {
  if (layer.startsWith('stem_')) return 0;
  const block = /^block(\d+)/.exec(layer);
  return block ? Number(block[1]) : 8;
}
