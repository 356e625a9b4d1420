// The effnet kernels. Every pointer is a byte offset into the one linear memory; the
// host (src/backends/wasm) owns that memory above heapBase() and plans where tensors live.
// Activation codes: see math.ts.
export { heapBase } from './memory';
export { relaxedSimd } from './math';
export { add, activation, batchNorm, multiply } from './eltwise';
export { pointwise4x8 } from './gemm';
export { conv2d } from './conv';
export { depthwiseConv2d } from './depthwise';
export { expandDepthwise } from './expand-depthwise';
export { squeezeExcite } from './se';
export { exciteProject } from './excite-project';
export { globalAvgPool } from './pool';
export { dense, softmax } from './dense';
