// effnet/node: the Node-only helpers (file system, pngjs, worker threads) beside the edge-safe core.
import './threads.js';
export { nodeGpu, SWIFTSHADER_ICD } from './webgpu.js';
export { readCheckpointFile, loadCheckpointFile } from './checkpoint.js';
export { decodeImage, readImage, type DecodeOptions } from './decode.js';
export { defaultModelPath } from './default-model.js';
export { cacheDir, ensureCached, FetchError, type CacheOptions } from './cache.js';
