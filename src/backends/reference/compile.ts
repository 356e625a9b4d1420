import { withAwaitedCalls, type CompiledModel, type Ops, type RunOptions, type StepProfile } from '../backend.js';
import { efficientNet, type Net } from '../../model/forward.js';
import { convPads, type Activation, type PaddingMode, type Pads } from '../../model/layers.js';
import type { Plan } from '../../model/plan.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkWeights, getWeight, type WeightMap } from '../../weights/weights.js';

/**
 * forward.ts on tensors: each Keras layer of the forward pass is one call of the ops API, with
 * its weights looked up by name and its pads computed from the padding mode. `tap` sees every
 * layer's output, which is how dumps and per-layer timings are taken.
 */
class TensorNet implements Net<Tensor> {
  constructor(
    private readonly ops: Ops,
    private readonly weights: WeightMap,
    private readonly padding: PaddingMode,
    private readonly epsilon: number,
    private readonly tap: (layer: string, out: Tensor) => void,
  ) {}

  conv(name: string, x: Tensor, _filters: number, kernel: number, stride: number, options: { bias?: boolean; activation?: Activation } = {}): Tensor {
    const bias = options.bias ? this.w(name, 'bias') : null;
    return this.out(name, this.ops.conv2d(x, this.w(name, 'kernel'), bias, { strides: stride, pads: this.pads(x, kernel, stride), activation: options.activation }));
  }

  depthwiseConv(name: string, x: Tensor, kernel: number, stride: number): Tensor {
    return this.out(name, this.ops.depthwiseConv2d(x, this.w(name, 'depthwise_kernel'), null, { strides: stride, pads: this.pads(x, kernel, stride) }));
  }

  batchNorm(name: string, x: Tensor): Tensor {
    const w = (role: string) => this.w(name, role);
    return this.out(name, this.ops.batchNorm(x, w('gamma'), w('beta'), w('moving_mean'), w('moving_variance'), this.epsilon));
  }

  activation(name: string, x: Tensor, activation: Activation): Tensor {
    return this.out(name, activation === 'none' ? x : this.ops.activation(x, activation));
  }

  globalAvgPool(name: string, x: Tensor): Tensor {
    return this.out(name, this.ops.globalAvgPool(x));
  }

  reshapeToPixel(name: string, x: Tensor): Tensor {
    return this.out(name, x.reshape([x.shape[0]!, 1, 1, x.shape.at(-1)!]));
  }

  multiply(name: string, x: Tensor, gate: Tensor): Tensor {
    return this.out(name, this.ops.mul(x, gate));
  }

  add(name: string, x: Tensor, y: Tensor): Tensor {
    return this.out(name, this.ops.add(x, y));
  }

  dropout(name: string, x: Tensor): Tensor {
    return this.out(name, x);
  }

  dense(name: string, x: Tensor, _units: number): Tensor {
    return this.out(name, this.ops.dense(x, this.w(name, 'kernel'), this.w(name, 'bias')));
  }

  private w(layer: string, role: string): Tensor {
    return getWeight(this.weights, `${layer}/${role}`);
  }

  private pads(x: Tensor, kernel: number, stride: number): Pads {
    return convPads(x.shape[1]!, x.shape[2]!, kernel, stride, this.padding).pads;
  }

  private out(name: string, y: Tensor): Tensor {
    this.tap(name, y);
    return y;
  }
}

/** The reference backend's compiled model: the forward pass itself, one op call per Keras layer. */
export function compileReference(ops: Ops, plan: Plan, weights: WeightMap): CompiledModel {
  checkWeights(plan, weights);
  const forward = (x: Tensor, tap: (layer: string, out: Tensor) => void): Tensor => {
    const [, h, w, c] = x.shape;
    const [ph, pw, pc] = plan.inputShape;
    if (x.rank !== 4 || h !== ph || w !== pw || c !== pc) {
      throw new Error(`input [${x.shape.join(', ')}] does not fit the plan's [N, ${plan.inputShape.join(', ')}]`);
    }
    return efficientNet(new TensorNet(ops, weights, plan.padding, plan.epsilon, tap), x, plan.architecture);
  };
  return withAwaitedCalls({
    steps: plan.layers.map((l) => ({ name: l.name, layers: [l.name] })),
    run(x: Tensor, options: RunOptions = {}): Tensor {
      const wanted = options.dumpLayers && new Set(options.dumpLayers);
      return forward(x, (layer, out) => {
        if (!wanted || wanted.has(layer)) options.dump?.(layer, out);
      });
    },
    profile(x: Tensor, repeats = 1): StepProfile[] {
      const one = new Tensor([1, ...x.shape.slice(1)], x.data.subarray(0, x.size / x.shape[0]!));
      const best = plan.layers.map(() => Infinity);
      for (let r = 0; r < repeats; r++) {
        let i = 0;
        let last = performance.now();
        forward(one, () => {
          const now = performance.now();
          best[i] = Math.min(best[i]!, now - last);
          i++;
          last = now;
        });
      }
      return plan.layers.map((l, i) => ({ name: l.name, ms: best[i]!, macs: l.macs }));
    },
  });
}
