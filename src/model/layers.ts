// The vocabulary of a plan: one entry per Keras layer, named as Keras names it.
import type { Activation } from './activations.js';

export type { Activation } from './activations.js';
/** `same` = TF/Keras (extra pixel bottom/right), `symmetric` = PyTorch ((k−1)/2 each side). */
export type PaddingMode = 'same' | 'symmetric';
/** [top, left, bottom, right] */
export type Pads = readonly [number, number, number, number];

/** A weight as Keras stores it: `<layer>/<role>`, TF layouts (HWIO, [kh, kw, c, 1], [in, out]). */
export interface WeightSpec {
  name: string;
  role: 'kernel' | 'depthwise_kernel' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_variance';
  shape: readonly number[];
  trainable: boolean;
}

interface LayerBase {
  name: string;
  /** Names of the layers feeding this one; `input` is the network input. */
  inputs: readonly string[];
  /** Output shape without the batch dimension. */
  shape: readonly number[];
  weights: readonly WeightSpec[];
  params: number;
  /** Multiply-adds of convolutions, depthwise convolutions and dense layers. */
  macs: number;
  /** 0 for the stem, 1…7 for the stages, 8 for the head. */
  stage: number;
}

export interface Conv2DLayer extends LayerBase {
  kind: 'conv2d';
  kernel: number;
  stride: number;
  pads: Pads;
  filters: number;
  useBias: boolean;
  activation: Activation;
}

export interface DepthwiseConv2DLayer extends LayerBase {
  kind: 'depthwiseConv2d';
  kernel: number;
  stride: number;
  pads: Pads;
}

export interface BatchNormLayer extends LayerBase {
  kind: 'batchNorm';
  epsilon: number;
}

export interface ActivationLayer extends LayerBase {
  kind: 'activation';
  activation: Activation;
}

export interface DenseLayer extends LayerBase {
  kind: 'dense';
  units: number;
  activation: Activation;
}

/** Layers without weights: pooling, SE reshape, the SE multiply, the residual add, dropout. */
export interface PlainLayer extends LayerBase {
  kind: 'globalAvgPool' | 'reshape' | 'multiply' | 'add' | 'dropout';
}

export type Layer = Conv2DLayer | DepthwiseConv2DLayer | BatchNormLayer | ActivationLayer | DenseLayer | PlainLayer;

/** Output size on one axis of a convolution with explicit pads: the one formula every backend uses. */
export function convOutputSize(size: number, kernel: number, stride: number, before: number, after: number): number {
  return Math.floor((size + before + after - kernel) / stride) + 1;
}

/** Output size and pads of a k×k convolution with stride s on one spatial axis. */
export function convGeometry(size: number, kernel: number, stride: number, mode: PaddingMode): { out: number; before: number; after: number } {
  if (mode === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + kernel - size, 0);
    const before = Math.floor(total / 2);
    return { out, before, after: total - before };
  }
  const pad = Math.floor((kernel - 1) / 2);
  return { out: convOutputSize(size, kernel, stride, pad, pad), before: pad, after: pad };
}

/** Output [height, width] and pads of a k×k convolution on an h×w input, by padding mode. */
export function convPads(h: number, w: number, kernel: number, stride: number, mode: PaddingMode): { oh: number; ow: number; pads: Pads } {
  const gy = convGeometry(h, kernel, stride, mode);
  const gx = convGeometry(w, kernel, stride, mode);
  return { oh: gy.out, ow: gx.out, pads: [gy.before, gx.before, gy.after, gx.after] };
}
