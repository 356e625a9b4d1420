// What `import 'effnet'` resolves to in Node (package.json "exports", the "node" condition):
// the core, with Node's worker_threads registered for the wasm backend's `threads` option and
// Dawn's WebGPU binding (the npm package webgpu, when installed) for the webgpu backend.
import './node/threads.js';
import './node/webgpu.js';

export * from './index.js';
