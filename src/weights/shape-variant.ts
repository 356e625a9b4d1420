import { B0_STAGES, STEM_FILTERS } from '../model/blocks.js';
import type { ScalingCoefficients } from '../model/scaling.js';
import type { Family } from './names/index.js';
import type { SourceTensor } from './source.js';

// A checkpoint of a non-standard width and depth (a custom-trained .pth carries no metadata)
// still tells them by its shapes: the stem's output channels are roundFilters(32, w), so
// w = stem / 32 is one width that yields them; each stage holds ceil(d · repeats) blocks, so
// d = min over stages of blocks / repeats is one depth that yields every count. The caller
// checks the candidate against every tensor, as it does B0–B7.

const LAYOUT: Record<Family, { stem: string; stemAxis: number; block: RegExp; firstStage: number }> = {
  torchvision: { stem: 'features.0.0.weight', stemAxis: 0, block: /^features\.(\d+)\.(\d+)\./, firstStage: 1 },
  timm: { stem: 'conv_stem.weight', stemAxis: 0, block: /^blocks\.(\d+)\.(\d+)\./, firstStage: 0 },
  timm_tf: { stem: 'conv_stem.weight', stemAxis: 0, block: /^blocks\.(\d+)\.(\d+)\./, firstStage: 0 },
  keras: { stem: 'stem_conv/kernel', stemAxis: 3, block: /^block(\d)([a-z])_/, firstStage: 1 },
};

/** Width and depth read off the shapes, or undefined when the names do not show them. */
export function variantFromShapes(family: Family, tensors: ReadonlyMap<string, SourceTensor>, resolution = 224): ScalingCoefficients | undefined {
  const layout = LAYOUT[family];
  const stem = tensors.get(layout.stem)?.shape[layout.stemAxis];
  if (!stem) return undefined;
  const counts = new Array<number>(B0_STAGES.length).fill(0);
  for (const key of tensors.keys()) {
    const m = layout.block.exec(key);
    if (!m) continue;
    const stage = Number(m[1]) - layout.firstStage;
    const index = /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!.charCodeAt(0) - 97;
    if (stage >= 0 && stage < counts.length) counts[stage] = Math.max(counts[stage]!, index + 1);
  }
  if (counts.some((c) => c === 0)) return undefined;
  const width = stem / STEM_FILTERS;
  const depth = Math.min(...counts.map((c, s) => c / B0_STAGES[s]!.repeats));
  return { name: `width=${width},depth=${depth}`, width, depth, resolution, dropout: 0.2 };
}
