import { describe, expect, it } from 'vitest';
import { buildPlan } from '../src/model/plan.js';
import { VARIANTS, type VariantName } from '../src/model/scaling.js';
import { variantOfShapes } from '../src/weights/shape-variant.js';
import type { SourceTensor } from '../src/weights/source.js';

// A checkpoint's variant is read off its shapes once (stem and head channels, blocks per
// stage), so loading builds one plan; these are the shapes Keras's own B0–B7 have.
const kerasShapes = (variant: VariantName | { name: string; width: number; depth: number; resolution: number; dropout: number }) =>
  new Map(buildPlan(variant, { resolution: 32 }).layers.flatMap((l) => l.weights).map((w) => [w.name, { shape: w.shape } as unknown as SourceTensor]));

describe('the variant a checkpoint shows', () => {
  it('names each of B0–B7 from its Keras shapes alone', () => {
    for (const v of Object.keys(VARIANTS) as VariantName[]) expect(variantOfShapes('keras', kerasShapes(v))).toBe(v);
  });

  it('reads a custom width and depth off the shapes, past 26 blocks a stage (letters aa, ab…)', () => {
    const custom = { name: 'custom', width: 0.5, depth: 7, resolution: 32, dropout: 0.2 };
    const shown = variantOfShapes('keras', kerasShapes(custom));
    expect(shown).toMatchObject({ width: 0.5, depth: 7 });
    // the guess rebuilds the same architecture
    const plan = buildPlan(shown as typeof custom, { resolution: 32 });
    expect(plan.blocks).toBe(buildPlan(custom, { resolution: 32 }).blocks);
  });

  it('shows nothing when the names do not', () => {
    expect(variantOfShapes('keras', new Map())).toBeUndefined();
  });
});
