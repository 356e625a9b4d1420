import { torchSources, type NameMap, type TorchModule } from './family.js';

// torchvision.models.efficientnet: features.0 = stem (conv, bn), features.1…7 = the stages,
// features.s.j.block.N = expand (block.0, absent in stage 1), depthwise, SE (fc1, fc2 with
// bias), project; features.8 = head (conv, bn); classifier.1 = the Linear.
export const torchvision: NameMap = {
  family: 'torchvision',
  padding: 'symmetric',
  epsilon: (variant) => (['b5', 'b6', 'b7'].includes(variant) ? 1e-3 : 1e-5),
  detect: (keys) => keys.has('features.0.0.weight'),
  sources(plan) {
    const head = plan.stages.length + 1;
    const outside: Record<string, TorchModule> = {
      stem_conv: ['features.0.0', 'conv'], stem_bn: ['features.0.1', 'bn'],
      top_conv: [`features.${head}.0`, 'conv'], top_bn: [`features.${head}.1`, 'bn'], predictions: ['classifier.1', 'linear'],
    };
    return torchSources('torchvision', plan, outside, (bp, expands) => {
      const e = expands ? 1 : 0;
      const at = (n: number) => `features.${bp.stage}.${bp.repeat}.block.${n}`;
      const parts: Record<string, TorchModule> = {
        expand_conv: [`${at(0)}.0`, 'conv'], expand_bn: [`${at(0)}.1`, 'bn'],
        dwconv: [`${at(e)}.0`, 'depthwise'], bn: [`${at(e)}.1`, 'bn'],
        se_reduce: [`${at(e + 1)}.fc1`, 'conv'], se_expand: [`${at(e + 1)}.fc2`, 'conv'],
        project_conv: [`${at(e + 2)}.0`, 'conv'], project_bn: [`${at(e + 2)}.1`, 'bn'],
      };
      return parts[bp.part];
    });
  },
  ignored: (key) => key.endsWith('.num_batches_tracked'),
};
