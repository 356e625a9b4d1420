// TF.js on the same seeded weights: the golden generator's EfficientNet (tfjs-layers, written from
// Keras's source, not from effnet's plan) on tfjs-backend-wasm (XNNPACK, SIMD; one thread in Node)
// and tfjs-backend-cpu. The two share TF.js's global backend, so each prepare selects its own.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { basename, dirname } from 'node:path';
import { buildEfficientNet, setSeededWeights, variantOptions } from '../../scripts/golden/tfjs-efficientnet.mjs';

const require = createRequire(import.meta.url);

export async function tfjsEngines(seed) {
  const tfc = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  await import('@tensorflow/tfjs-backend-cpu');
  const tfWasm = await import('@tensorflow/tfjs-backend-wasm');
  // Which binary tfjs-backend-wasm loads: its Emscripten glue reads the file with fs in Node.
  const loaded = [];
  for (const fn of ['readFileSync', 'readFile']) {
    const original = fs[fn];
    fs[fn] = function (file, ...rest) {
      if (String(file).endsWith('.wasm')) loaded.push(basename(String(file)));
      return original.call(this, file, ...rest);
    };
  }
  tfWasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
  const tf = { ...tfc, ...tfl };
  const version = require('@tensorflow/tfjs-core/package.json').version;
  let net = null, netKey = null;

  const engine = (backend) => {
    let xt = null;
    const info = { package: `@tensorflow/tfjs-backend-${backend}`, version };
    const run1 = () => tf.tidy(() => net.predict(xt).dataSync());
    return {
      name: `tfjs-backend-${backend} ${version}`,
      info,
      async prepare(k) {
        if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' could not be initialised`);
        await tf.ready();
        if (backend === 'wasm' && info.simd === undefined) {
          info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
          info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
          info.threads = tfWasm.getThreadsCount();
        }
        const key = `${k.variant}@${k.resolution}`;
        if (netKey !== key) {
          net?.dispose();
          net = buildEfficientNet(tf, variantOptions(k.variant, { resolution: k.resolution }));
          setSeededWeights(net, seed);
          netKey = key;
        }
        xt?.dispose();
        xt = tf.tensor(k.x.data, k.x.shape);
        if (backend === 'wasm') info.binary = loaded.join(', ') || 'unknown (no .wasm read through fs)';
      },
      run() {
        const t0 = performance.now();
        run1();
        return performance.now() - t0;
      },
      logits: run1,
      close() {
        xt?.dispose();
      },
    };
  };
  return { wasm: engine('wasm'), cpu: engine('cpu') };
}
