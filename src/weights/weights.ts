import type { Plan } from '../model/plan.js';
import type { Tensor } from '../tensor/tensor.js';

/** Weights by their Keras names (`block2a_expand_conv/kernel`), in TF layouts. */
export type WeightMap = ReadonlyMap<string, Tensor>;

/** Every weight the plan needs, present with the right shape, or one error listing what is not. */
export function checkWeights(plan: Plan, weights: WeightMap, source = 'weights'): void {
  const problems: string[] = [];
  for (const layer of plan.layers) {
    for (const spec of layer.weights) {
      const t = weights.get(spec.name);
      if (!t) problems.push(`missing ${spec.name} [${spec.shape.join(', ')}]`);
      else if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
        problems.push(`${spec.name} has shape [${t.shape.join(', ')}], the plan needs [${spec.shape.join(', ')}]`);
      }
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 8).join('; ');
    const more = problems.length > 8 ? `; … and ${problems.length - 8} more` : '';
    throw new Error(`${source}: ${problems.length} weight problem(s): ${shown}${more}`);
  }
}

export function getWeight(weights: WeightMap, name: string): Tensor {
  const t = weights.get(name);
  if (!t) throw new Error(`missing weight ${name}`);
  return t;
}
