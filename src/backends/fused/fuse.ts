import type { Plan } from '../../model/plan.js';
import type { FuseContext } from './match.js';
import { FUSED_OPS, type FusedOp, type Kind } from './ops.js';

export interface FusedPlan {
  ops: FusedOp[];
  /** Layers that compute nothing (reshape, dropout): their value is their input's. */
  aliases: Map<string, string>;
}

const KINDS = Object.keys(FUSED_OPS) as Kind[];

/**
 * Groups the plan's layers into fused ops: at each layer, the first kind of the op table whose
 * fusion rule matches there (ops.ts) takes its layers; a layer that computes nothing becomes an
 * alias of its input. Every backend that compiles a plan runs these ops, each with its own kernel;
 * `kinds` (default: all) are the kinds the backend has kernels for, so a backend without a
 * composite op's kernel gets its parts.
 */
export function fusePlan(plan: Plan, kinds: readonly Kind[] = KINDS): FusedPlan {
  const layers = plan.layers;
  const readers = new Map<string, number>();
  for (const l of layers) for (const name of l.inputs) readers.set(name, (readers.get(name) ?? 0) + 1);
  const aliases = new Map<string, string>();
  const shapes = new Map<string, readonly number[]>([['input', plan.inputShape]]);
  for (const l of layers) shapes.set(l.name, l.shape);
  const ctx: FuseContext = {
    layers,
    readers: (name) => readers.get(name) ?? 0,
    resolve: (name) => aliases.get(name) ?? name,
    shapeOf: (name) => shapes.get(name)!,
    follows(i, from) {
      const l = layers[i];
      return l !== undefined && l.inputs.length === 1 && l.inputs[0] === from && readers.get(from) === 1 ? l : undefined;
    },
  };

  const ops: FusedOp[] = [];
  for (let i = 0; i < layers.length; ) {
    const l = layers[i]!;
    if (l.kind === 'reshape' || l.kind === 'dropout') {
      aliases.set(l.name, ctx.resolve(l.inputs[0]!));
      i++;
      continue;
    }
    let found: { op: FusedOp; taken: number } | undefined;
    for (const kind of KINDS) if (kinds.includes(kind) && (found = FUSED_OPS[kind].match?.(ctx, i))) break;
    if (!found) throw new Error(`internal error: no fused op takes layer ${l.name} (${l.kind})`);
    ops.push(found.op);
    i += found.taken;
  }
  return { ops, aliases };
}
