import type { CompiledModel, Ops, RunOptions, StepProfile } from './backend.js';
import type { Layer } from '../model/layers.js';
import type { Plan } from '../model/plan.js';
import { Tensor } from '../tensor/tensor.js';
import { checkWeights, getWeight, type WeightMap } from '../weights/weights.js';

/**
 * Runs a plan one Keras layer at a time through the ops API: the plainest way to execute
 * it, and the one whose every intermediate can be dumped. Outputs are released as soon as
 * their last reader has run.
 */
export function interpret(ops: Ops, plan: Plan, weights: WeightMap): CompiledModel {
  checkWeights(plan, weights);
  const lastUse = new Map<string, number>();
  plan.layers.forEach((l, i) => l.inputs.forEach((name) => lastUse.set(name, i)));
  const forward = (x: Tensor, after: (layer: Layer, out: Tensor) => void): Tensor => {
    const [, h, w, c] = x.shape;
    const [ph, pw, pc] = plan.inputShape;
    if (x.rank !== 4 || h !== ph || w !== pw || c !== pc) {
      throw new Error(`input [${x.shape.join(', ')}] does not fit the plan's [N, ${plan.inputShape.join(', ')}]`);
    }
    const values = new Map<string, Tensor>([['input', x]]);
    let out = x;
    plan.layers.forEach((layer, i) => {
      out = step(ops, layer, layer.inputs.map((name) => values.get(name)!), weights);
      values.set(layer.name, out);
      after(layer, out);
      for (const name of layer.inputs) if (lastUse.get(name) === i) values.delete(name);
    });
    return out;
  };
  return {
    run(x: Tensor, options: RunOptions = {}): Tensor {
      const wanted = options.dumpLayers && new Set(options.dumpLayers);
      return forward(x, (layer, out) => {
        if (!wanted || wanted.has(layer.name)) options.dump?.(layer.name, out);
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
  };
}

function step(ops: Ops, layer: Layer, inputs: Tensor[], weights: WeightMap): Tensor {
  const x = inputs[0]!;
  const wt = (role: string) => getWeight(weights, `${layer.name}/${role}`);
  switch (layer.kind) {
    case 'conv2d':
      return ops.conv2d(x, wt('kernel'), layer.useBias ? wt('bias') : null, { strides: layer.stride, pads: layer.pads, activation: layer.activation });
    case 'depthwiseConv2d':
      return ops.depthwiseConv2d(x, wt('depthwise_kernel'), null, { strides: layer.stride, pads: layer.pads });
    case 'batchNorm':
      return ops.batchNorm(x, wt('gamma'), wt('beta'), wt('moving_mean'), wt('moving_variance'), layer.epsilon);
    case 'activation':
      return layer.activation === 'swish' ? ops.swish(x) : layer.activation === 'sigmoid' ? ops.sigmoid(x) : layer.activation === 'relu' ? ops.relu(x) : x;
    case 'globalAvgPool':
      return ops.globalAvgPool(x);
    case 'reshape':
      return x.reshape([x.shape[0]!, ...layer.shape]);
    case 'multiply':
      return ops.mul(x, inputs[1]!);
    case 'add':
      return ops.add(x, inputs[1]!);
    case 'dropout':
      return x;
    case 'dense':
      return ops.dense(x, wt('kernel'), wt('bias'));
  }
}
