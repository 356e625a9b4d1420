// The browser side of scripts/golden/tfjs-gpu.mjs, bundled by esbuild into the page it serves:
// tfjs-core + tfjs-layers with the cpu, webgl and webgpu backends, and the same tfjs-layers
// EfficientNet builder and seeded weights as the CPU goldens (tfjs-efficientnet.mjs).
// The generator calls globalThis.goldenRun(spec) once per case and backend.

import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { buildEfficientNet, mulberry32, setWeights, seededValues, kerasWeights, variantOptions } from './tfjs-efficientnet.mjs';

const tf = { ...tfc, ...tfl };

// Flags that decide how a GPU backend rounds or accumulates: the manifest records each one.
const PRECISION_FLAGS = [
  'WEBGL_VERSION', 'WEBGL_RENDER_FLOAT32_CAPABLE', 'WEBGL_RENDER_FLOAT32_ENABLED', 'WEBGL_FORCE_F16_TEXTURES',
  'WEBGL_DOWNLOAD_FLOAT_ENABLED', 'WEBGL_PACK', 'WEBGL_PACK_DEPTHWISECONV', 'WEBGL_CONV_IM2COL', 'WEBGL_EXP_CONV',
  'WEBGL_USE_SHAPES_UNIFORMS', 'WEBGL_PACK_BINARY_OPERATIONS', 'WEBGL_PACK_ACTIVATION',
  'WEBGPU_USE_NAIVE_CONV2D_DEBUG', 'WEBGPU_CONV_SEPARATE_IM2COL_SHADER', 'WEBGPU_USE_LOW_POWER_GPU',
  'WEBGPU_MATMUL_PROGRAM_TYPE', 'WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL',
];

function base64(f32) {
  const u8 = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return btoa(s);
}

function seededInput(shape, seed) {
  const next = mulberry32(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => 2 * next() - 1);
}

function residualBranches(model) {
  return new Set(model.layers.map((l) => l.name).filter((n) => n.endsWith('_add')).map((n) => n.replace(/_add$/, '_project_bn')));
}

async function describeBackend(name) {
  const info = { backend: name };
  const b = tf.backend();
  if (name === 'webgl') {
    const gl = b.gpgpu.gl;
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    Object.assign(info, {
      vendor: gl.getParameter(gl.VENDOR),
      renderer: gl.getParameter(gl.RENDERER),
      version: gl.getParameter(gl.VERSION),
      shading_language: gl.getParameter(gl.SHADING_LANGUAGE_VERSION),
      unmasked_vendor: dbg ? gl.getParameter(dbg.UNMASKED_VENDOR_WEBGL) : null,
      unmasked_renderer: dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : null,
      ext_color_buffer_float: gl.getExtension('EXT_color_buffer_float') !== null,
    });
  } else if (name === 'webgpu') {
    const adapter = await navigator.gpu.requestAdapter();
    const a = adapter?.info ?? {};
    Object.assign(info, { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description, tfjs_adapter_info: { ...b.adapterInfo } });
  }
  const flags = {};
  for (const f of PRECISION_FLAGS) {
    try {
      flags[f] = tf.env().get(f);
    } catch {
      // a flag the other backend's package registers only
    }
  }
  info.flags = flags;
  return info;
}

/**
 * { variant, resolution, seed, inputSeed, layers, backend } → { info, ms, outputs: {layer: {shape, data (base64 f32)}} }.
 * The model is built and filled on the requested backend, run once to compile its shaders, then
 * timed on a second run whose outputs are returned.
 */
globalThis.goldenRun = async (spec) => {
  if (!(await tf.setBackend(spec.backend))) throw new Error(`tfjs backend '${spec.backend}' could not be initialised in this browser`);
  await tf.ready();
  const model = buildEfficientNet(tf, variantOptions(spec.variant, { resolution: spec.resolution }));
  try {
    setWeights(model, seededValues(kerasWeights(model), spec.seed, residualBranches(model)));
    const shape = [1, spec.resolution, spec.resolution, 3];
    const probe = tf.model({ inputs: model.inputs, outputs: spec.layers.map((n) => model.getLayer(n).output) });
    const x = tf.tensor(seededInput(shape, spec.inputSeed), shape);
    const once = async () => {
      const ys = probe.predict(x);
      const list = Array.isArray(ys) ? ys : [ys];
      const data = await Promise.all(list.map((t) => t.data()));
      const out = list.map((t, i) => ({ shape: t.shape, data: data[i] }));
      tf.dispose(list);
      return out;
    };
    const t0 = performance.now();
    await once();
    const firstMs = performance.now() - t0;
    const t1 = performance.now();
    const outs = await once();
    const ms = performance.now() - t1;
    x.dispose();
    const outputs = {};
    spec.layers.forEach((n, i) => (outputs[n] = { shape: outs[i].shape, data: base64(outs[i].data) }));
    return { info: await describeBackend(spec.backend), first_ms: Math.round(firstMs), ms: Math.round(ms), outputs, userAgent: navigator.userAgent };
  } finally {
    model.dispose();
  }
};

globalThis.goldenVersions = () => ({ 'tfjs-core': tf.version_core, 'tfjs-layers': tf.version_layers });
document.body.dataset.ready = 'true';
