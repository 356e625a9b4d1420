import { blockPart, torchRef, type NameMap, type SourceRef } from './family.js';

// torchvision.models.efficientnet: features.0 = stem (conv, bn), features.1…7 = the stages,
// features.s.j.block.N = expand (block.0, absent in stage 1), depthwise, SE (fc1, fc2 with
// bias), project; features.8 = head (conv, bn); classifier.1 = the Linear.
export const torchvision: NameMap = {
  family: 'torchvision',
  padding: 'symmetric',
  epsilon: (variant) => (['b5', 'b6', 'b7'].includes(variant) ? 1e-3 : 1e-5),
  detect: (keys) => keys.has('features.0.0.weight'),
  sources(plan) {
    const layers = new Set(plan.layers.map((l) => l.name));
    const head = plan.stages.length + 1;
    const refs = new Map<string, SourceRef>();
    for (const layer of plan.layers) {
      for (const w of layer.weights) {
        const role = w.role;
        const bp = blockPart(layer.name);
        let ref: SourceRef;
        if (layer.name === 'stem_conv') ref = torchRef('features.0.0', role, 'conv');
        else if (layer.name === 'stem_bn') ref = torchRef('features.0.1', role, 'bn');
        else if (layer.name === 'top_conv') ref = torchRef(`features.${head}.0`, role, 'conv');
        else if (layer.name === 'top_bn') ref = torchRef(`features.${head}.1`, role, 'bn');
        else if (layer.name === 'predictions') ref = torchRef('classifier.1', role, 'linear');
        else if (bp) {
          const e = layers.has(`block${bp.stage}${String.fromCharCode(97 + bp.repeat)}_expand_conv`) ? 1 : 0;
          const at = (n: number) => `features.${bp.stage}.${bp.repeat}.block.${n}`;
          const parts: Record<string, [string, 'conv' | 'depthwise' | 'bn']> = {
            expand_conv: [`${at(0)}.0`, 'conv'], expand_bn: [`${at(0)}.1`, 'bn'],
            dwconv: [`${at(e)}.0`, 'depthwise'], bn: [`${at(e)}.1`, 'bn'],
            se_reduce: [`${at(e + 1)}.fc1`, 'conv'], se_expand: [`${at(e + 1)}.fc2`, 'conv'],
            project_conv: [`${at(e + 2)}.0`, 'conv'], project_bn: [`${at(e + 2)}.1`, 'bn'],
          };
          const p = parts[bp.part];
          if (!p) throw new Error(`torchvision names: no mapping for ${w.name}`);
          ref = torchRef(p[0], role, p[1]);
        } else throw new Error(`torchvision names: no mapping for ${w.name}`);
        refs.set(w.name, ref);
      }
    }
    return refs;
  },
  ignored: (key) => key.endsWith('.num_batches_tracked'),
};
