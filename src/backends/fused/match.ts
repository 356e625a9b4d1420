// What a fusion rule (ops.ts, each kind's `match`) sees of the plan and returns: the op that starts
// at a layer and how many layers it takes. fuse.ts tries the rules in the op table's order.
import type { Layer, Pads } from '../../model/layers.js';

/** What a matcher sees of the plan. */
export interface FuseContext {
  readonly layers: readonly Layer[];
  /** layers[i] if it exists, reads only `from`, and is from's sole reader. */
  follows(i: number, from: string): Layer | undefined;
  /** How many layers read a value. */
  readers(name: string): number;
  /** The value a name stands for once layers that compute nothing (reshape, dropout) are skipped. */
  resolve(name: string): string;
  /** A value's shape without the batch dimension. */
  shapeOf(name: string): readonly number[];
}

export type Matcher<Op> = (ctx: FuseContext, i: number) => { op: Op; taken: number } | undefined;

/** Whether a convolution is pointwise: the one place this is decided. */
export function isPointwise(kernel: number | readonly [number, number], stride: number, pads: Pads): boolean {
  const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
  return kh === 1 && kw === 1 && stride === 1 && pads.every((p) => p === 0);
}

interface OpBase {
  kind: string;
  name: string;
  inputs: readonly string[];
  layers: readonly Layer[];
}

/** One layer as its own op, when `fields` accepts it (returns the op's own fields). */
export function singleLayer<Op extends OpBase>(
  kind: Op['kind'], fields: (l: Layer, shapeOf: (name: string) => readonly number[]) => Omit<Op, keyof OpBase> | undefined,
): Matcher<Op> {
  return (ctx, i) => {
    const l = ctx.layers[i]!;
    const f = fields(l, ctx.shapeOf);
    if (!f) return undefined;
    return { op: { kind, name: l.name, inputs: l.inputs.map(ctx.resolve), layers: [l], ...f } as unknown as Op, taken: 1 };
  };
}
