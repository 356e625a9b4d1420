// The TF.js runtime the generators and the benchmark use: tfjs-node-gpu or tfjs-node when they
// load (native TensorFlow), otherwise tfjs-core with tfjs-layers on the 'cpu' backend; the
// 'wasm' backend is registered too, with its .wasm files from node_modules.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import os from 'node:os';

const require = createRequire(import.meta.url);

/** Tries the native bindings; returns { tf, name } or { error } with why they did not load. */
export async function tryTfjsNode(names = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
  const errors = [];
  for (const name of names) {
    try {
      return { tf: await import(name), name };
    } catch (e) {
      errors.push(`${name}: ${String(e.message).split('\n')[0]}`);
    }
  }
  return { error: errors.join('; ') };
}

/**
 * { tf, backend, versions, device, tfjsNode } with `backend` active. `requireNode`: fail (one
 * line) unless tfjs-node(-gpu) loads; `requireGpu`: unless tfjs-node-gpu itself loads.
 */
export async function loadTf({ requireNode = false, requireGpu = false, backend } = {}) {
  const node = await tryTfjsNode(requireGpu ? ['@tensorflow/tfjs-node-gpu'] : undefined);
  if (requireGpu && !node.tf) {
    throw new Error(`--tfjs-node-gpu: @tensorflow/tfjs-node-gpu cannot be loaded here (${node.error.replace(/^[^:]+: /, '').slice(0, 200)}); it needs a CUDA machine with network for its install (README: "TF.js goldens on a CUDA GPU")`);
  }
  if (requireNode && !node.tf) {
    throw new Error(`--tfjs-node: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node can be loaded here (${node.error}); install one, or run without --tfjs-node to use the cpu backend`);
  }
  let tf;
  if (node.tf) {
    tf = node.tf;
  } else {
    const tfc = await import('@tensorflow/tfjs-core');
    const tfl = await import('@tensorflow/tfjs-layers');
    await import('@tensorflow/tfjs-backend-cpu');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
    tf = { ...tfc, ...tfl };
  }
  const want = backend ?? (node.tf ? 'tensorflow' : 'cpu');
  if (!(await tf.setBackend(want))) throw new Error(`tfjs backend '${want}' could not be initialised`);
  await tf.ready();
  return {
    tf,
    backend: tf.getBackend(),
    versions: { 'tfjs-core': tf.version_core, 'tfjs-layers': tf.version_layers, ...(node.tf ? { [node.name]: node.tf.version?.['tfjs-node'] ?? 'loaded' } : {}) },
    device: `${node.name === '@tensorflow/tfjs-node-gpu' ? `${cudaDevices()} on ` : ''}${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), ${os.platform()} ${os.arch()}, node ${process.version}`,
    tfjsNode: node.tf ? node.name : `not available (${node.error})`,
  };
}

/** The CUDA GPUs nvidia-smi lists (name, driver, memory), for a manifest's device line. */
function cudaDevices() {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000 });
    return out.trim().split('\n').join('; ');
  } catch {
    return 'CUDA GPU (nvidia-smi did not answer)';
  }
}
