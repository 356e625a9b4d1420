import type { NameMap, SourceRef } from './family.js';

// Keras / TF.js: the checkpoint already uses effnet's names (`block2a_expand_conv/kernel`) and
// layouts. A converted model may put every name under one scope (`efficientnetb0/stem_conv/kernel`);
// a name is then found by its unique `/…` suffix.
export const keras: NameMap = {
  family: 'keras',
  padding: 'same',
  epsilon: () => 1e-3,
  detect: (keys) => keys.has('stem_conv/kernel') || [...keys].some((k) => k.endsWith('/stem_conv/kernel')),
  sources(plan, keys) {
    const bySuffix = new Map<string, string | null>();
    for (const k of keys) {
      const parts = k.split('/');
      if (parts.length < 3) continue;
      const tail = parts.slice(-2).join('/');
      bySuffix.set(tail, bySuffix.has(tail) ? null : k);
    }
    const refs = new Map<string, SourceRef>();
    for (const layer of plan.layers) {
      for (const w of layer.weights) {
        const key = keys.has(w.name) ? w.name : bySuffix.get(w.name) ?? w.name;
        refs.set(w.name, { key, layout: 'tf' });
      }
    }
    return refs;
  },
  // Keras applications put Rescaling and Normalization(mean, variance, count) in front of the
  // network; effnet takes already-normalised input, so those values are not weights of the plan.
  ignored: (key) => /(^|\/)(normalization|rescaling)(_\d+)?\/[^/]+$/.test(key),
};
