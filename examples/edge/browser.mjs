// A browser page: the bytes come from fetch, the kernels compile from the embedded bytes
// (or hand over WebAssembly.compileStreaming(fetch('effnet.wasm')) as wasmModule).
import { edgeJob } from './job.mjs';

const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
try {
  const result = await edgeJob({
    runtime: navigator.userAgent,
    modelBytes: await bytes('fashion-effnet.safetensors'),
    imageBytes: await bytes('pullover.jpg'),
  });
  document.getElementById('out').textContent = JSON.stringify(result.top, null, 2);
  document.body.dataset.result = JSON.stringify(result);
} catch (e) {
  document.body.dataset.error = String(e);
}
