// The effnet kernels. Every pointer is a byte offset into the one linear memory; the
// host (src/backends/wasm) owns that memory above heapBase() and plans where tensors live.
export { heapBase } from './memory';
export { add, swish } from './eltwise';
