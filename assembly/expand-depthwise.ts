// An MBConv block's expand (1×1 convolution, gemm.ts) then depthwise convolution (depthwise.ts) of
// one NHWC image, in strips of output rows: the expanded rows a strip reads are computed into buf,
// sized by the host to stay in L2, so the expanded tensor (6× the block's channels) never goes to
// memory whole. Rows the previous strip expanded and this one still reads are moved to the front of
// buf, not recomputed: each expanded row is computed once per call. Every value is computed as the
// two kernels compute it alone (the GEMM's rows are independent of where a call starts them), so
// the result is bit for bit the two ops' result. Only output rows [y0, y1) are computed.
// Weights: wExpand as packPointwise lays them out, wDepthwise as packDepthwise (layouts.ts).
import { pointwise4x8 } from './gemm';
import { depthwiseConv2d } from './depthwise';

export function expandDepthwise(
  x: usize, h: i32, w: i32, cin: i32, wExpand: usize, c: i32, wDepthwise: usize,
  kh: i32, kw: i32, stride: i32, top: i32, left: i32, out: usize, oh: i32, ow: i32,
  actExpand: i32, actDepthwise: i32, y0: i32, y1: i32, buf: usize, bufRows: i32,
): void {
  const rowIn = <usize>w * cin << 2;
  const rowExpanded = <usize>w * c << 2;
  const panels = (c + 7) >> 3;
  // expanded rows [b0, b1) of the image are in buf, row b0 first
  let b0 = 0, b1 = 0;
  for (let y = y0; y < y1; ) {
    // the strip: output rows [y, yEnd), as many as buf holds the input rows of (at least one: bufRows ≥ kh)
    const first = max(0, y * stride - top);
    let yEnd = y + 1;
    while (yEnd < y1 && min(h, yEnd * stride - top + kh) - first <= bufRows) yEnd++;
    const last = min(h, (yEnd - 1) * stride - top + kh);
    let from = first;
    if (first >= b0 && first < b1) {
      if (first > b0) memory.copy(buf, buf + <usize>(first - b0) * rowExpanded, <usize>(b1 - first) * rowExpanded);
      from = b1;
    }
    if (last > from) {
      pointwise4x8(x + <usize>from * rowIn, (last - from) * w, cin, wExpand, c, buf + <usize>(from - first) * rowExpanded, actExpand, 0, 0, panels);
    }
    b0 = first;
    b1 = last;
    // the depthwise reads expanded row r at buf + (r − first) · rowExpanded
    depthwiseConv2d(buf - <usize>first * rowExpanded, h, w, c, wDepthwise, kh, kw, stride, top, left, out, oh, ow, actDepthwise, y, yEnd);
    y = yEnd;
  }
}
