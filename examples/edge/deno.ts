// Deno: deno run --allow-read examples/edge/deno.ts — 'effnet' resolves through package.json and
// node_modules (or `import … from 'npm:effnet'` in a project of your own).
import { edgeJob } from './job.mjs';

const file = (path: string) => Deno.readFile(new URL(path, import.meta.url));
const result = await edgeJob({
  runtime: `deno ${Deno.version.deno}`,
  modelBytes: await file('../../fixtures/models/fashion-effnet.safetensors'),
  imageBytes: await file('../../fixtures/images/pullover.jpg'),
});
console.log(JSON.stringify(result));
