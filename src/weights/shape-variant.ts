import { B0_STAGES, HEAD_FILTERS, STEM_FILTERS } from '../model/blocks.js';
import { VARIANTS, roundFilters, roundRepeats, type ScalingCoefficients, type VariantName } from '../model/scaling.js';
import { repeatOf } from '../model/forward.js';
import type { Family } from './names/index.js';
import type { SourceTensor } from './source.js';

// A checkpoint shows its network in its shapes: the stem's and the head's output channels are
// roundFilters(32, w) and roundFilters(1280, w), and stage i holds roundRepeats(L_i, d) blocks.
// Read those once; the B0–B7 variant with exactly that architecture is the answer, so the
// caller builds one plan. A checkpoint of a non-standard width and depth (a custom-trained .pth
// carries no metadata) gets w = stem / 32, one width that yields its stem, and d = min over
// stages of blocks / L_i, one depth that yields every count. The caller checks the candidate's
// plan against every tensor.

const LAYOUT: Record<Family, { stem: string; head: string; axis: 0 | 3; block: RegExp; firstStage: number }> = {
  torchvision: { stem: 'features.0.0.weight', head: 'features.8.0.weight', axis: 0, block: /^features\.(\d+)\.(\d+)\./, firstStage: 1 },
  timm: { stem: 'conv_stem.weight', head: 'conv_head.weight', axis: 0, block: /^blocks\.(\d+)\.(\d+)\./, firstStage: 0 },
  timm_tf: { stem: 'conv_stem.weight', head: 'conv_head.weight', axis: 0, block: /^blocks\.(\d+)\.(\d+)\./, firstStage: 0 },
  keras: { stem: 'stem_conv/kernel', head: 'top_conv/kernel', axis: 3, block: /^block(\d)([a-z]+)_/, firstStage: 1 },
};

/** B0–B7 by what their shapes show: stem and head channels, blocks per stage. */
function signature(c: ScalingCoefficients): string {
  return [roundFilters(STEM_FILTERS, c.width), roundFilters(HEAD_FILTERS, c.width), ...B0_STAGES.map((s) => roundRepeats(s.repeats, c.depth))].join(',');
}

/**
 * The variant a checkpoint's shapes show: a B0–B7 name when its architecture is one of theirs,
 * else the width and depth read off the shapes, else undefined (the names do not show them).
 */
export function variantOfShapes(family: Family, tensors: ReadonlyMap<string, SourceTensor>, resolution = 224): VariantName | ScalingCoefficients | undefined {
  const layout = LAYOUT[family];
  const stem = tensors.get(layout.stem)?.shape[layout.axis];
  const counts = blockCounts(family, tensors);
  if (!stem || !counts) return undefined;
  const head = tensors.get(layout.head)?.shape[layout.axis];
  const shown = [stem, head, ...counts].join(',');
  const named = (Object.keys(VARIANTS) as VariantName[]).find((v) => signature(VARIANTS[v]) === shown);
  if (named) return named;
  const width = stem / STEM_FILTERS;
  const depth = Math.min(...counts.map((c, s) => c / B0_STAGES[s]!.repeats));
  return { name: `width=${width},depth=${depth}`, width, depth, resolution, dropout: 0.2 };
}

function blockCounts(family: Family, tensors: ReadonlyMap<string, SourceTensor>): number[] | undefined {
  const layout = LAYOUT[family];
  const counts = new Array<number>(B0_STAGES.length).fill(0);
  for (const key of tensors.keys()) {
    const m = layout.block.exec(key);
    if (!m) continue;
    const stage = Number(m[1]) - layout.firstStage;
    const index = /^\d+$/.test(m[2]!) ? Number(m[2]) : repeatOf(m[2]!);
    if (stage >= 0 && stage < counts.length) counts[stage] = Math.max(counts[stage]!, index + 1);
  }
  return counts.some((c) => c === 0) ? undefined : counts;
}

