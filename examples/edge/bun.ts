// Bun: bun examples/edge/bun.ts — the same package, the same embedded kernels.
import { edgeJob } from './job.mjs';

const file = async (path: string) => new Uint8Array(await Bun.file(new URL(path, import.meta.url)).arrayBuffer());
const result = await edgeJob({
  runtime: `bun ${Bun.version}`,
  modelBytes: await file('../../fixtures/models/fashion-effnet.safetensors'),
  imageBytes: await file('../../fixtures/images/pullover.jpg'),
});
console.log(JSON.stringify(result));
