import { blockPart, torchRef, type NameMap, type SourceRef } from './family.js';

// timm.models.efficientnet: conv_stem, bn1; blocks.i.j (i from 0) hold a DepthwiseSeparable
// block in the first stage {conv_dw, bn1, se, conv_pw, bn2} and InvertedResidual blocks after it
// {conv_pw, bn1, conv_dw, bn2, se, conv_pwl, bn3}; se.conv_reduce/conv_expand have biases; head
// conv_head, bn2; classifier. tf_efficientnet_* and efficientnet_* share these names and differ
// in padding (TF 'same' vs symmetric) and batch norm epsilon (1e-3 vs 1e-5).
function sources(plan: Parameters<NameMap['sources']>[0]): Map<string, SourceRef> {
  const layers = new Set(plan.layers.map((l) => l.name));
  const refs = new Map<string, SourceRef>();
  for (const layer of plan.layers) {
    for (const w of layer.weights) {
      const role = w.role;
      const bp = blockPart(layer.name);
      let ref: SourceRef;
      if (layer.name === 'stem_conv') ref = torchRef('conv_stem', role, 'conv');
      else if (layer.name === 'stem_bn') ref = torchRef('bn1', role, 'bn');
      else if (layer.name === 'top_conv') ref = torchRef('conv_head', role, 'conv');
      else if (layer.name === 'top_bn') ref = torchRef('bn2', role, 'bn');
      else if (layer.name === 'predictions') ref = torchRef('classifier', role, 'linear');
      else if (bp) {
        const at = `blocks.${bp.stage - 1}.${bp.repeat}`;
        const expands = layers.has(`block${bp.stage}${String.fromCharCode(97 + bp.repeat)}_expand_conv`);
        const parts: Record<string, [string, 'conv' | 'depthwise' | 'bn']> = expands
          ? {
            expand_conv: ['conv_pw', 'conv'], expand_bn: ['bn1', 'bn'], dwconv: ['conv_dw', 'depthwise'], bn: ['bn2', 'bn'],
            se_reduce: ['se.conv_reduce', 'conv'], se_expand: ['se.conv_expand', 'conv'], project_conv: ['conv_pwl', 'conv'], project_bn: ['bn3', 'bn'],
          }
          : {
            dwconv: ['conv_dw', 'depthwise'], bn: ['bn1', 'bn'], se_reduce: ['se.conv_reduce', 'conv'],
            se_expand: ['se.conv_expand', 'conv'], project_conv: ['conv_pw', 'conv'], project_bn: ['bn2', 'bn'],
          };
        const p = parts[bp.part];
        if (!p) throw new Error(`timm names: no mapping for ${w.name}`);
        ref = torchRef(`${at}.${p[0]}`, role, p[1]);
      } else throw new Error(`timm names: no mapping for ${w.name}`);
      refs.set(w.name, ref);
    }
  }
  return refs;
}

const detect = (keys: ReadonlySet<string>) => keys.has('conv_stem.weight');
const ignored = (key: string) => key.endsWith('.num_batches_tracked');

export const timmTf: NameMap = { family: 'timm_tf', padding: 'same', epsilon: () => 1e-3, detect, sources, ignored };
export const timm: NameMap = { family: 'timm', padding: 'symmetric', epsilon: () => 1e-5, detect, sources, ignored };
