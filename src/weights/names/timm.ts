import { torchSources, type NameMap, type TorchModule } from './family.js';

// timm.models.efficientnet: conv_stem, bn1; blocks.i.j (i from 0) hold a DepthwiseSeparable
// block in the first stage {conv_dw, bn1, se, conv_pw, bn2} and InvertedResidual blocks after it
// {conv_pw, bn1, conv_dw, bn2, se, conv_pwl, bn3}; se.conv_reduce/conv_expand have biases; head
// conv_head, bn2; classifier. tf_efficientnet_* and efficientnet_* share these names and differ
// in padding (TF 'same' vs symmetric) and batch norm epsilon (1e-3 vs 1e-5).
const OUTSIDE: Record<string, TorchModule> = {
  stem_conv: ['conv_stem', 'conv'], stem_bn: ['bn1', 'bn'],
  top_conv: ['conv_head', 'conv'], top_bn: ['bn2', 'bn'], predictions: ['classifier', 'linear'],
};
const INVERTED_RESIDUAL: Record<string, TorchModule> = {
  expand_conv: ['conv_pw', 'conv'], expand_bn: ['bn1', 'bn'], dwconv: ['conv_dw', 'depthwise'], bn: ['bn2', 'bn'],
  se_reduce: ['se.conv_reduce', 'conv'], se_expand: ['se.conv_expand', 'conv'], project_conv: ['conv_pwl', 'conv'], project_bn: ['bn3', 'bn'],
};
const DEPTHWISE_SEPARABLE: Record<string, TorchModule> = {
  dwconv: ['conv_dw', 'depthwise'], bn: ['bn1', 'bn'], se_reduce: ['se.conv_reduce', 'conv'],
  se_expand: ['se.conv_expand', 'conv'], project_conv: ['conv_pw', 'conv'], project_bn: ['bn2', 'bn'],
};

const sources: NameMap['sources'] = (plan) =>
  torchSources('timm', plan, OUTSIDE, (bp, expands) => {
    const m = (expands ? INVERTED_RESIDUAL : DEPTHWISE_SEPARABLE)[bp.part];
    return m && [`blocks.${bp.stage - 1}.${bp.repeat}.${m[0]}`, m[1]];
  });
const detect = (keys: ReadonlySet<string>) => keys.has('conv_stem.weight');
const ignored = (key: string) => key.endsWith('.num_batches_tracked');

export const timmTf: NameMap = { family: 'timm_tf', padding: 'same', epsilon: () => 1e-3, detect, sources, ignored };
export const timm: NameMap = { family: 'timm', padding: 'symmetric', epsilon: () => 1e-5, detect, sources, ignored };
