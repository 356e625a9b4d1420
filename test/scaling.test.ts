import { describe, expect, it } from 'vitest';
import { buildPlan } from '../src/model/plan.js';
import { compoundScaling, flopsBase, parseVariant, roundFilters, roundRepeats, VARIANTS, type VariantName } from '../src/model/scaling.js';

// keras.io include_top totals less the 7 values of its Normalization layer (mean 3, variance 3, count 1).
const KERAS_PARAMS: Record<VariantName, number> = {
  b0: 5_330_571 - 7, b1: 7_856_239 - 7, b2: 9_177_569 - 7, b3: 12_320_535 - 7,
  b4: 19_466_823 - 7, b5: 30_562_527 - 7, b6: 43_265_143 - 7, b7: 66_658_687 - 7,
};
const BLOCKS: Record<VariantName, number> = { b0: 16, b1: 23, b2: 23, b3: 26, b4: 32, b5: 39, b6: 45, b7: 55 };
const PAPER_GMACS: Record<VariantName, number> = { b0: 0.39, b1: 0.7, b2: 1.0, b3: 1.8, b4: 4.2, b5: 9.9, b6: 19, b7: 37 };

describe('compound scaling as Keras computes it', () => {
  it('round_filters: nearest multiple of 8, never more than 10% below', () => {
    expect(roundFilters(32, 1.0)).toBe(32);
    expect(roundFilters(32, 1.1)).toBe(32); // 35.2 → 32 (≥ 0.9·35.2)
    expect(roundFilters(1280, 1.1)).toBe(1408);
    expect(roundFilters(16, 1.4)).toBe(24); // 22.4 → 24
    expect(roundFilters(40, 1.8)).toBe(72);
    expect(roundFilters(3, 1.0)).toBe(8); // at least the divisor
    expect(roundFilters(100, 0.47)).toBe(48); // 47 → 48
    expect(roundFilters(24, 0.3)).toBe(8); // 7.2 → 8
  });

  it('round_repeats: ceil(depth · repeats)', () => {
    expect(roundRepeats(1, 1.1)).toBe(2);
    expect(roundRepeats(4, 3.1)).toBe(13);
    expect(roundRepeats(3, 1.0)).toBe(3);
  });

  it.each(Object.keys(VARIANTS) as VariantName[])('%s has Keras’s parameter count and block count', (v) => {
    const plan = buildPlan(v);
    expect(plan.params).toBe(KERAS_PARAMS[v]);
    expect(plan.blocks).toBe(BLOCKS[v]);
    expect(Math.abs(plan.macs / 1e9 / PAPER_GMACS[v] - 1)).toBeLessThan(0.05);
  });

  it('b0 has 5,288,548 trainable parameters (as timm and torchvision count)', () => {
    expect(buildPlan('b0').trainableParams).toBe(5_288_548);
  });

  it('counts conv, depthwise and dense multiply-adds: b0 385,814,752 and b7 37,745,884,192', () => {
    expect(buildPlan('b0').macs).toBe(385_814_752);
    expect(buildPlan('b7').macs).toBe(37_745_884_192);
  });

  it('phi: d = 1.2^φ, w = 1.1^φ, r = 1.15^φ with resolution a multiple of 8', () => {
    const s = compoundScaling(2);
    expect(s.depth).toBeCloseTo(1.44, 12);
    expect(s.width).toBeCloseTo(1.21, 12);
    expect(s.resolution).toBe(296); // 224 · 1.3225 = 296.24
    expect(compoundScaling(1).resolution).toBe(256); // 257.6
    expect(compoundScaling(0)).toMatchObject({ width: 1, depth: 1, resolution: 224 });
    expect(flopsBase()).toBeCloseTo(1.92027, 5);
  });

  it('phi=1 costs about 2× B0 and phi=2 about 4× (rounding of repeats and channels adds to it)', () => {
    const b0 = buildPlan('b0').macs;
    const r1 = buildPlan({ phi: 1 }).macs / b0;
    const r2 = buildPlan({ phi: 2 }).macs / b0;
    expect(Math.abs(r1 / 2 - 1)).toBeLessThan(0.15);
    // The un-rounded FLOPs base is (α·β²·γ²)^2 = 3.69; ceil(1.44 · repeats) turns 23.0 blocks into 26.
    expect(r2).toBeGreaterThan(flopsBase() ** 2);
    expect(r2).toBeLessThan(4 * 1.2);
  });

  it('parses variant names and phi', () => {
    expect(parseVariant('B3')).toBe('b3');
    expect(parseVariant('phi=1.5')).toEqual({ phi: 1.5 });
    expect(() => parseVariant('b8')).toThrow(/unknown variant 'b8'/);
  });
});

describe('plan', () => {
  it('names layers as Keras does, in Keras order', () => {
    const names = buildPlan('b0').layers.map((l) => l.name);
    expect(names.slice(0, 4)).toEqual(['stem_conv', 'stem_bn', 'stem_activation', 'block1a_dwconv']);
    expect(names).toContain('block2b_add');
    expect(names).toContain('block2b_drop');
    expect(names).not.toContain('block2a_add');
    expect(names.slice(-6)).toEqual(['top_conv', 'top_bn', 'top_activation', 'avg_pool', 'top_dropout', 'predictions']);
  });

  it('SE width comes from the block input channels, not the expanded ones', () => {
    const layers = buildPlan('b0').layers;
    const reduce = layers.find((l) => l.name === 'block2a_se_reduce')!;
    expect(reduce.weights[0]!.shape).toEqual([1, 1, 96, 4]); // 16 · 0.25, not 96 · 0.25
  });

  it('pads stride-2 convs as TF SAME: one pixel more bottom/right on even sizes, symmetric on odd', () => {
    const even = buildPlan('b0', { resolution: 224 }).layers.find((l) => l.name === 'block3a_dwconv')!;
    expect(even.kind === 'depthwiseConv2d' && even.pads).toEqual([1, 1, 2, 2]); // k5 s2 on 56
    const odd = buildPlan('b0', { resolution: 225 }).layers.find((l) => l.name === 'stem_conv')!;
    expect(odd.kind === 'conv2d' && odd.pads).toEqual([1, 1, 1, 1]);
    expect(odd.shape).toEqual([113, 113, 32]);
  });

  it('symmetric padding follows PyTorch: (k − 1)/2 each side', () => {
    const plan = buildPlan('b0', { padding: 'symmetric' });
    const dw = plan.layers.find((l) => l.name === 'block3a_dwconv')!;
    expect(dw.kind === 'depthwiseConv2d' && dw.pads).toEqual([2, 2, 2, 2]);
    expect(dw.shape).toEqual([28, 28, 144]);
  });

  it('builds any resolution, down to a single pixel, for every variant', () => {
    for (const v of Object.keys(VARIANTS) as VariantName[]) {
      for (const r of [1, 33, 64, 97]) {
        const plan = buildPlan(v, { resolution: r });
        expect(plan.layers.at(-1)!.shape).toEqual([1000]);
        expect(plan.params).toBe(KERAS_PARAMS[v]);
      }
    }
  });
});
