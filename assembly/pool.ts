// Global average pooling of one NHWC image: out[c] = mean over the hw pixels of x[p, c].
// Sixteen channels at a time in registers while the pixels stream past.
import { storePartial } from './math';

export function globalAvgPool(x: usize, hw: i32, c: i32, out: usize): void {
  const row = <usize>c << 2;
  const inv = f32x4.splat(<f32>1.0 / <f32>hw);
  let ch = 0;
  for (; ch + 16 <= c; ch += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let p = x + (<usize>ch << 2);
    for (let i = 0; i < hw; i++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
      p += row;
    }
    const o = out + (<usize>ch << 2);
    v128.store(o, f32x4.mul(s0, inv));
    v128.store(o, f32x4.mul(s1, inv), 16);
    v128.store(o, f32x4.mul(s2, inv), 32);
    v128.store(o, f32x4.mul(s3, inv), 48);
  }
  for (; ch < c; ch += 4) {
    let s = f32x4.splat(0);
    let p = x + (<usize>ch << 2);
    for (let i = 0; i < hw; i++) {
      s = f32x4.add(s, v128.load(p));
      p += row;
    }
    storePartial(out + (<usize>ch << 2), f32x4.mul(s, inv), c - ch);
  }
}
