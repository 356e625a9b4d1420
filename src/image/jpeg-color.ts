// libjpeg(-turbo)'s decoder steps after the IDCT, as PIL runs them: "fancy" (triangle) chroma
// upsampling (jdsample.c) and the fixed-point YCbCr → RGB conversion (jdcolor.c). jpeg-js
// replicates chroma samples and converts in float; redoing these two steps here makes a 4:2:0
// photo decode as PIL decodes it, but for the IDCT's own rounding.

/** One component's samples at its own resolution, row-major. */
export interface Plane {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A plane upsampled by (fx, fy) to at least outW×outH, then cut to that size: libjpeg's h2v1,
 * h1v2 and h2v2 fancy upsamplers (3/4 of the nearer sample, 1/4 of the next, edges replicated),
 * or plain replication for other integer factors and for planes 2 samples wide or less.
 */
export function upsample(plane: Plane, fx: number, fy: number, outW: number, outH: number): Uint8Array {
  const { width: w, height: h, data } = plane;
  const out = new Uint8Array(outW * outH);
  const at = (x: number, y: number) => data[Math.min(Math.max(y, 0), h - 1) * w + x]!;
  const fancyH = fx === 2 && w > 2;
  for (let oy = 0; oy < outH; oy++) {
    const y = Math.floor(oy / fy);
    // The vertically nearer and further rows (further: above for the upper half, below for the lower).
    const further = fy === 2 ? (oy % 2 === 0 ? y - 1 : y + 1) : y;
    const vertical = fy === 2 && (fx === 1 || fancyH);
    for (let ox = 0; ox < outW; ox++) {
      const x = Math.min(Math.floor(ox / fx), w - 1);
      let v: number;
      if (vertical && fx === 1) {
        v = (at(x, y) * 3 + at(x, further) + (oy % 2 === 0 ? 1 : 2)) >> 2;
      } else if (vertical) {
        const sum = (c: number) => at(c, y) * 3 + at(c, further);
        v = h2Sample(sum, x, w, ox % 2 === 1, 4, 8, 7);
      } else if (fancyH && fy === 1) {
        v = h2Sample((c) => at(c, y), x, w, ox % 2 === 1, 2, 1, 2);
      } else {
        v = at(x, y);
      }
      out[oy * outW + ox] = v;
    }
  }
  return out;
}

/**
 * The horizontal half of h2v1/h2v2: 3·this + the left (even output) or right (odd output)
 * neighbour, rounded with `biasLeft`/`biasRight` (libjpeg alternates them to avoid a drift),
 * and 4·this at the first and last columns.
 */
function h2Sample(s: (x: number) => number, x: number, w: number, odd: boolean, shift: number, biasLeft: number, biasRight: number): number {
  if (!odd) return x === 0 ? (s(0) * 4 + biasLeft) >> shift : (s(x) * 3 + s(x - 1) + biasLeft) >> shift;
  return x === w - 1 ? (s(x) * 4 + biasRight) >> shift : (s(x) * 3 + s(x + 1) + biasRight) >> shift;
}

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number) => Math.floor(x * (1 << SCALEBITS) + 0.5);
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALEBITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALEBITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** libjpeg's ycc_rgb_convert into interleaved RGB. */
export function yccToRgb(y: Uint8Array, cb: Uint8Array, cr: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < y.length; i++) {
    const Y = y[i]!, b = cb[i]!, r = cr[i]!;
    out[i * 3] = clamp(Y + CR_R[r]!);
    out[i * 3 + 1] = clamp(Y + ((CB_G[b]! + CR_G[r]!) >> SCALEBITS));
    out[i * 3 + 2] = clamp(Y + CB_B[b]!);
  }
}
