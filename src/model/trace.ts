import { stageOf, type Net } from './forward.js';
import { convPads, type Activation, type Layer, type PaddingMode, type WeightSpec } from './layers.js';

/** A value while tracing: the layer that made it and its shape without the batch dimension. */
export interface Traced {
  name: string;
  shape: readonly number[];
}

/**
 * forward.ts run on shapes: each call records the Keras layer it stands for, with its inputs,
 * output shape, weights, parameters, multiply-adds and the pads its padding mode gives.
 */
export class LayerTracer implements Net<Traced> {
  readonly layers: Layer[] = [];

  constructor(readonly padding: PaddingMode, readonly epsilon: number) {}

  input(shape: readonly number[]): Traced {
    return { name: 'input', shape };
  }

  conv(name: string, x: Traced, filters: number, kernel: number, stride: number, options: { bias?: boolean; activation?: Activation } = {}): Traced {
    const useBias = options.bias ?? false;
    const cin = x.shape[2]!;
    const { oh, ow, pads } = this.geometry(x, kernel, stride);
    const weights = [weight(name, 'kernel', [kernel, kernel, cin, filters])];
    if (useBias) weights.push(weight(name, 'bias', [filters]));
    return this.push({
      kind: 'conv2d', name, inputs: [x.name], shape: [oh, ow, filters], weights, stage: stageOf(name),
      params: kernel * kernel * cin * filters + (useBias ? filters : 0),
      macs: oh * ow * filters * kernel * kernel * cin,
      kernel, stride, pads, filters, useBias, activation: options.activation ?? 'none',
    });
  }

  depthwiseConv(name: string, x: Traced, kernel: number, stride: number): Traced {
    const c = x.shape[2]!;
    const { oh, ow, pads } = this.geometry(x, kernel, stride);
    return this.push({
      kind: 'depthwiseConv2d', name, inputs: [x.name], shape: [oh, ow, c], stage: stageOf(name),
      weights: [weight(name, 'depthwise_kernel', [kernel, kernel, c, 1])],
      params: kernel * kernel * c, macs: oh * ow * c * kernel * kernel, kernel, stride, pads,
    });
  }

  batchNorm(name: string, x: Traced): Traced {
    const c = x.shape.at(-1)!;
    const roles = ['gamma', 'beta', 'moving_mean', 'moving_variance'] as const;
    return this.push({
      kind: 'batchNorm', name, inputs: [x.name], shape: x.shape, stage: stageOf(name),
      weights: roles.map((r) => weight(name, r, [c])), params: 4 * c, macs: 0, epsilon: this.epsilon,
    });
  }

  activation(name: string, x: Traced, activation: Activation): Traced {
    return this.push({ kind: 'activation', name, inputs: [x.name], shape: x.shape, weights: [], params: 0, macs: 0, stage: stageOf(name), activation });
  }

  globalAvgPool(name: string, x: Traced): Traced {
    return this.plain(name, 'globalAvgPool', [x], [x.shape.at(-1)!]);
  }

  reshapeToPixel(name: string, x: Traced): Traced {
    return this.plain(name, 'reshape', [x], [1, 1, x.shape.at(-1)!]);
  }

  multiply(name: string, x: Traced, gate: Traced): Traced {
    return this.plain(name, 'multiply', [x, gate], x.shape);
  }

  add(name: string, x: Traced, y: Traced): Traced {
    return this.plain(name, 'add', [x, y], x.shape);
  }

  dropout(name: string, x: Traced): Traced {
    return this.plain(name, 'dropout', [x], x.shape);
  }

  dense(name: string, x: Traced, units: number): Traced {
    const k = x.shape[0]!;
    return this.push({
      kind: 'dense', name, inputs: [x.name], shape: [units], stage: stageOf(name),
      weights: [weight(name, 'kernel', [k, units]), weight(name, 'bias', [units])],
      params: k * units + units, macs: k * units, units, activation: 'none',
    });
  }

  private plain(name: string, kind: 'globalAvgPool' | 'reshape' | 'multiply' | 'add' | 'dropout', inputs: readonly Traced[], shape: readonly number[]): Traced {
    return this.push({ kind, name, inputs: inputs.map((i) => i.name), shape, weights: [], params: 0, macs: 0, stage: stageOf(name) });
  }

  private push(layer: Layer): Traced {
    this.layers.push(layer);
    return { name: layer.name, shape: layer.shape };
  }

  private geometry(x: Traced, kernel: number, stride: number) {
    return convPads(x.shape[0]!, x.shape[1]!, kernel, stride, this.padding);
  }
}

function weight(layer: string, role: WeightSpec['role'], shape: readonly number[]): WeightSpec {
  return { name: `${layer}/${role}`, role, shape, trainable: role !== 'moving_mean' && role !== 'moving_variance' };
}
