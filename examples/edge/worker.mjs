// Cloudflare Workers: Workers forbid compiling Wasm from bytes, so the kernels arrive precompiled
// as a module import and are handed over as { wasmModule }. The model and the sample image are
// bundled as data modules here (wrangler.toml's rules); a real Worker may fetch them or read R2.
import wasmModule from 'effnet/effnet.wasm';
import modelData from './fashion-effnet.safetensors';
import imageData from './pullover.jpg';
import { classifySample, seededB0 } from './job.mjs';

let b0; // built on the first request, then reused by every request this isolate serves

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === '/classify') {
      const top = await classifySample({ modelBytes: new Uint8Array(modelData), imageBytes: new Uint8Array(imageData), wasmModule });
      return Response.json({ runtime: 'workerd', top });
    }
    if (pathname === '/b0') {
      // A Worker's clock stands still while it computes: time this request from outside.
      b0 ??= await seededB0({ wasmModule });
      return Response.json({ logits: Array.from(b0.model.run(b0.input).data) });
    }
    return new Response('GET /classify or /b0\n', { status: 404 });
  },
};
