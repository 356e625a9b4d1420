// What `import 'effnet'` resolves to in Node (package.json "exports", the "node" condition):
// the core, with Node's worker_threads registered for the wasm backend's `threads` option.
import './node/threads.js';

export * from './index.js';
