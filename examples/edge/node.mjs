// Node: node examples/edge/node.mjs — the wasm kernels compile from the bytes embedded in effnet.
import { readFile } from 'node:fs/promises';
import { edgeJob } from './job.mjs';

const file = (path) => readFile(new URL(path, import.meta.url)).then((b) => new Uint8Array(b));
const result = await edgeJob({
  runtime: `node ${process.versions.node}`,
  modelBytes: await file('../../fixtures/models/fashion-effnet.safetensors'),
  imageBytes: await file('../../fixtures/images/pullover.jpg'),
});
console.log(JSON.stringify(result));
