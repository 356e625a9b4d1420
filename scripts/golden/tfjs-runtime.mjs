// The TF.js runtime the generators and the benchmark use: tfjs-node-gpu or tfjs-node when they
// load (native TensorFlow), otherwise tfjs-core with tfjs-layers on the 'cpu' backend; the
// 'wasm' backend is registered too, with its .wasm files from node_modules.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import os from 'node:os';

const require = createRequire(import.meta.url);

/** Tries the native bindings; returns { tf, name } or { error } with why they did not load. */
export async function tryTfjsNode() {
  const errors = [];
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
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
 * line) unless tfjs-node(-gpu) loads.
 */
export async function loadTf({ requireNode = false, backend } = {}) {
  const node = await tryTfjsNode();
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
    device: `${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), ${os.platform()} ${os.arch()}, node ${process.version}`,
    tfjsNode: node.tf ? node.name : `not available (${node.error})`,
  };
}
