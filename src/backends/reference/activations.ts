import type { Activation } from '../../model/layers.js';

export function sigmoidOf(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export function activate(v: number, activation: Activation = 'none'): number {
  switch (activation) {
    case 'none':
      return v;
    case 'swish':
      return v * sigmoidOf(v);
    case 'sigmoid':
      return sigmoidOf(v);
    case 'relu':
      // NaN fails the comparison and passes through, as in IEEE max and PyTorch's relu
      return v < 0 ? 0 : v;
  }
}
