// EfficientNet-B0, the base network (paper Table 1; block strings of the official builder):
// r1_k3_s11_e1_i32_o16 · r2_k3_s22_e6_i16_o24 · r2_k5_s22_e6_i24_o40 · r3_k3_s22_e6_i40_o80 ·
// r3_k5_s11_e6_i80_o112 · r4_k5_s22_e6_i112_o192 · r1_k3_s11_e6_i192_o320, SE ratio 0.25.
// Table 1's columns are these fields: operator F̂_i = MBConv{expandRatio}, k{kernel}×{kernel};
// #layers L̂_i = repeats; #channels Ĉ_i = filtersOut; resolution Ĥ_i×Ŵ_i follows from the strides.
// The paper did not design B0 by hand (§4): a MnasNet-style architecture search over this
// space maximised ACC(m)·[FLOPS(m)/T]^w with T = 400M FLOPS and w = −0.07, FLOPS rather than
// latency because no particular hardware was targeted. Compound scaling then grows it (§4).

export interface StageArgs {
  repeats: number;
  kernel: number;
  stride: number;
  expandRatio: number;
  filtersIn: number;
  filtersOut: number;
  seRatio: number;
}

export const B0_STAGES: readonly StageArgs[] = [
  { repeats: 1, kernel: 3, stride: 1, expandRatio: 1, filtersIn: 32, filtersOut: 16, seRatio: 0.25 },
  { repeats: 2, kernel: 3, stride: 2, expandRatio: 6, filtersIn: 16, filtersOut: 24, seRatio: 0.25 },
  { repeats: 2, kernel: 5, stride: 2, expandRatio: 6, filtersIn: 24, filtersOut: 40, seRatio: 0.25 },
  { repeats: 3, kernel: 3, stride: 2, expandRatio: 6, filtersIn: 40, filtersOut: 80, seRatio: 0.25 },
  { repeats: 3, kernel: 5, stride: 1, expandRatio: 6, filtersIn: 80, filtersOut: 112, seRatio: 0.25 },
  { repeats: 4, kernel: 5, stride: 2, expandRatio: 6, filtersIn: 112, filtersOut: 192, seRatio: 0.25 },
  { repeats: 1, kernel: 3, stride: 1, expandRatio: 6, filtersIn: 192, filtersOut: 320, seRatio: 0.25 },
];

export const STEM_FILTERS = 32;
export const HEAD_FILTERS = 1280;
export const NUM_CLASSES = 1000;
export const BN_EPSILON = 1e-3;
