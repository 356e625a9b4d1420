import type { PaddingMode } from '../../model/layers.js';
import type { Plan } from '../../model/plan.js';
import type { Layout } from '../layout.js';

/** Who wrote the checkpoint's names: Keras (TF.js), timm's tf_ ports, timm, or torchvision. */
export type Family = 'keras' | 'timm_tf' | 'timm' | 'torchvision';

export const FAMILIES: readonly Family[] = ['keras', 'timm_tf', 'timm', 'torchvision'];

/** Where a Keras weight lives in a checkpoint, and how that tensor is laid out. */
export interface SourceRef {
  key: string;
  layout: Layout;
}

export interface NameMap {
  family: Family;
  padding: PaddingMode;
  /** Batch norm epsilon of the family for a variant of this width (torchvision: 1e-3 from B5 up). */
  epsilon(variantName: string): number;
  /** Whether the checkpoint's names are this family's. */
  detect(keys: ReadonlySet<string>): boolean;
  /** Every Keras weight of the plan → its tensor in the checkpoint. */
  sources(plan: Plan, keys: ReadonlySet<string>): Map<string, SourceRef>;
  /** Tensors the checkpoint may hold that inference does not use (num_batches_tracked…). */
  ignored(key: string): boolean;
}

/** `block2b_expand_conv` → { stage: 2, repeat: 1, part: 'expand_conv' }; null outside blocks. */
export function blockPart(layer: string): { stage: number; repeat: number; part: string } | null {
  const m = /^block(\d+)(.)_(.+)$/.exec(layer);
  if (!m) return null;
  return { stage: Number(m[1]), repeat: m[2]!.charCodeAt(0) - 97, part: m[3]! };
}

export const BN_ROLES: Readonly<Record<string, string>> = {
  gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var',
};

/** The PyTorch key and layout of a conv, batch norm or linear weight under `module`. */
export function torchRef(module: string, role: string, kind: 'conv' | 'depthwise' | 'bn' | 'linear'): SourceRef {
  if (kind === 'bn') return { key: `${module}.${BN_ROLES[role]}`, layout: 'tf' };
  if (role === 'bias') return { key: `${module}.bias`, layout: 'tf' };
  return { key: `${module}.weight`, layout: kind === 'conv' ? 'oihw' : kind };
}

export type TorchKind = 'conv' | 'depthwise' | 'bn' | 'linear';
/** The PyTorch module holding a Keras layer's weights, and what kind of module it is. */
export type TorchModule = readonly [module: string, kind: TorchKind];
type BlockPart = NonNullable<ReturnType<typeof blockPart>>;

/**
 * Every Keras weight of the plan → its PyTorch key, for a family described by where it keeps
 * the stem and head layers and, per block, each block layer (`expands`: the block has an
 * expand conv, which shifts the module numbering of timm and torchvision alike).
 */
export function torchSources(
  family: string,
  plan: Plan,
  outside: Readonly<Record<string, TorchModule>>,
  inBlock: (bp: BlockPart, expands: boolean) => TorchModule | undefined,
): Map<string, SourceRef> {
  const layers = new Set(plan.layers.map((l) => l.name));
  const refs = new Map<string, SourceRef>();
  for (const layer of plan.layers) {
    const bp = blockPart(layer.name);
    const expands = bp !== null && layers.has(`block${bp.stage}${String.fromCharCode(97 + bp.repeat)}_expand_conv`);
    const module = bp ? inBlock(bp, expands) : outside[layer.name];
    for (const w of layer.weights) {
      if (!module) throw new Error(`${family} names: no mapping for ${w.name}`);
      refs.set(w.name, torchRef(module[0], w.role, module[1]));
    }
  }
  return refs;
}
