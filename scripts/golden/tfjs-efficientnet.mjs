// EfficientNet in @tensorflow/tfjs-layers, written from Keras's applications/efficientnet.py and
// not from effnet's plan: it is the independent side of the golden comparison (and the peer the
// benchmark runs). Layer names, layer order and weight names are Keras's.
//
//   import * as tfc from '@tensorflow/tfjs-core';
//   import * as tfl from '@tensorflow/tfjs-layers';
//   import '@tensorflow/tfjs-backend-cpu';
//   const tf = { ...tfc, ...tfl };                   // or @tensorflow/tfjs-node, which has both
//   const model = buildEfficientNet(tf, { width: 1, depth: 1, resolution: 224 });
//   setSeededWeights(model, 1);                      // = effnet's randomWeights(plan, 1)
//
// No preprocessing layers: the input is already normalised, as effnet's is.

import * as tfc from '@tensorflow/tfjs-core';

const BLOCKS_ARGS = [
  { kernel: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expandRatio: 1, strides: 1, seRatio: 0.25 },
  { kernel: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expandRatio: 6, strides: 2, seRatio: 0.25 },
  { kernel: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expandRatio: 6, strides: 2, seRatio: 0.25 },
  { kernel: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expandRatio: 6, strides: 2, seRatio: 0.25 },
  { kernel: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expandRatio: 6, strides: 1, seRatio: 0.25 },
  { kernel: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expandRatio: 6, strides: 2, seRatio: 0.25 },
  { kernel: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expandRatio: 6, strides: 1, seRatio: 0.25 },
];

/** The official (width, depth, resolution, dropout) of B0–B7. */
export const KERAS_VARIANTS = {
  b0: [1.0, 1.0, 224, 0.2], b1: [1.0, 1.1, 240, 0.2], b2: [1.1, 1.2, 260, 0.3], b3: [1.2, 1.4, 300, 0.3],
  b4: [1.4, 1.8, 380, 0.4], b5: [1.6, 2.2, 456, 0.4], b6: [1.8, 2.6, 528, 0.5], b7: [2.0, 3.1, 600, 0.5],
};

function roundFilters(filters, width, divisor = 8) {
  filters *= width;
  let newFilters = Math.max(divisor, Math.floor((filters + divisor / 2) / divisor) * divisor);
  if (newFilters < 0.9 * filters) newFilters += divisor;
  return newFilters;
}

const roundRepeats = (repeats, depth) => Math.ceil(depth * repeats);

// imagenet_utils.correct_pad: on even sizes one pixel less before than after (= TF 'SAME').
function correctPad(size, kernel) {
  const adjust = 1 - (size % 2);
  const correct = Math.floor(kernel / 2);
  return [correct - adjust, correct];
}

/**
 * Keras's EfficientNet(include_top=True) as a tf.LayersModel.
 * padding 'same': stride-2 convs get ZeroPadding2D(correct_pad) + 'valid' (Keras); 'symmetric':
 * ZeroPadding2D((k−1)/2) + 'valid' (PyTorch). Batch norm epsilon 1e-3 unless `epsilon` says.
 */
export function buildEfficientNet(tf, { width = 1, depth = 1, resolution = 224, numClasses = 1000, dropout = 0.2, padding = 'same', epsilon = 1e-3, dropConnect = 0.2, name = 'efficientnet' } = {}) {
  const L = tf.layers;
  const input = tf.input({ shape: [resolution, resolution, 3], name: 'input_1' });
  const bn = (n) => L.batchNormalization({ axis: -1, momentum: 0.99, epsilon, name: n });
  const act = (n) => L.activation({ activation: 'swish', name: n });
  const padFor = (x, kernel, n) => {
    const [h, w] = x.shape.slice(1, 3);
    const p = padding === 'same'
      ? [correctPad(h, kernel), correctPad(w, kernel)]
      : [[(kernel - 1) >> 1, (kernel - 1) >> 1], [(kernel - 1) >> 1, (kernel - 1) >> 1]];
    return L.zeroPadding2d({ padding: p, name: n }).apply(x);
  };

  let x = padFor(input, 3, 'stem_conv_pad');
  x = L.conv2d({ filters: roundFilters(32, width), kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'stem_conv' }).apply(x);
  x = bn('stem_bn').apply(x);
  x = act('stem_activation').apply(x);

  const blocks = BLOCKS_ARGS.reduce((n, a) => n + roundRepeats(a.repeats, depth), 0);
  let b = 0;
  BLOCKS_ARGS.forEach((args0, i) => {
    const args = { ...args0, filtersIn: roundFilters(args0.filtersIn, width), filtersOut: roundFilters(args0.filtersOut, width) };
    for (let j = 0; j < roundRepeats(args0.repeats, depth); j++) {
      if (j > 0) {
        args.strides = 1;
        args.filtersIn = args.filtersOut;
      }
      x = block(x, { ...args, dropRate: (dropConnect * b) / blocks, name: `block${i + 1}${String.fromCharCode(j + 97)}_` });
      b++;
    }
  });

  x = L.conv2d({ filters: roundFilters(1280, width), kernelSize: 1, padding: 'same', useBias: false, name: 'top_conv' }).apply(x);
  x = bn('top_bn').apply(x);
  x = act('top_activation').apply(x);
  x = L.globalAveragePooling2d({ name: 'avg_pool' }).apply(x);
  if (dropout > 0) x = L.dropout({ rate: dropout, name: 'top_dropout' }).apply(x);
  x = L.dense({ units: numClasses, name: 'predictions' }).apply(x);
  return tf.model({ inputs: input, outputs: x, name });

  function block(inputs, { filtersIn, filtersOut, kernel, strides, expandRatio, seRatio, dropRate, name: n }) {
    const filters = filtersIn * expandRatio;
    let y = inputs;
    if (expandRatio !== 1) {
      y = L.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, name: `${n}expand_conv` }).apply(y);
      y = bn(`${n}expand_bn`).apply(y);
      y = act(`${n}expand_activation`).apply(y);
    }
    let convPad = 'same';
    if (strides === 2) {
      y = padFor(y, kernel, `${n}dwconv_pad`);
      convPad = 'valid';
    }
    y = L.depthwiseConv2d({ kernelSize: kernel, strides, padding: convPad, useBias: false, name: `${n}dwconv` }).apply(y);
    y = bn(`${n}bn`).apply(y);
    y = act(`${n}activation`).apply(y);
    if (seRatio > 0 && seRatio <= 1) {
      const filtersSe = Math.max(1, Math.trunc(filtersIn * seRatio));
      let se = L.globalAveragePooling2d({ name: `${n}se_squeeze` }).apply(y);
      se = L.reshape({ targetShape: [1, 1, filters], name: `${n}se_reshape` }).apply(se);
      se = L.conv2d({ filters: filtersSe, kernelSize: 1, padding: 'same', activation: 'swish', name: `${n}se_reduce` }).apply(se);
      se = L.conv2d({ filters, kernelSize: 1, padding: 'same', activation: 'sigmoid', name: `${n}se_expand` }).apply(se);
      y = L.multiply({ name: `${n}se_excite` }).apply([y, se]);
    }
    y = L.conv2d({ filters: filtersOut, kernelSize: 1, padding: 'same', useBias: false, name: `${n}project_conv` }).apply(y);
    y = bn(`${n}project_bn`).apply(y);
    if (strides === 1 && filtersIn === filtersOut) {
      if (dropRate > 0) y = L.dropout({ rate: dropRate, noiseShape: [null, 1, 1, 1], name: `${n}drop` }).apply(y);
      y = L.add({ name: `${n}add` }).apply([y, inputs]);
    }
    return y;
  }
}

/** Options of buildEfficientNet for a named variant, at its own or a given resolution. */
export function variantOptions(variant, overrides = {}) {
  const v = KERAS_VARIANTS[variant];
  if (!v) throw new Error(`unknown variant '${variant}' (expected b0…b7)`);
  const [width, depth, resolution, dropout] = v;
  return { width, depth, resolution, dropout, ...overrides };
}

/**
 * The model's weights in Keras order: layer by layer, each layer's own order (kernel, bias;
 * gamma, beta, moving_mean, moving_variance), named `<layer>/<weight>` without the `_1`
 * suffixes tfjs adds to variables when a model is built twice in one process.
 * (tfjs-layers' `model.weights` lists all trainable weights first, which is not Keras's order.)
 */
export function kerasWeights(model) {
  const out = [];
  for (const layer of model.layers) {
    for (const v of layer.weights) out.push({ name: v.originalName, shape: v.shape, variable: v, layer });
  }
  return out;
}

// mulberry32, the same 32-bit generator as effnet's src/weights/random.ts.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seeded scheme of effnet's randomWeights: one mulberry32(seed) stream over the weights in
 * Keras order, each tensor row-major in its TF layout, u = 2·next() − 1, then by role:
 * kernel/depthwise_kernel u·√(7/fanIn) (fanIn = all dims but the last; kh·kw for depthwise),
 * bias/beta/moving_mean 0.02·u, gamma (1 + 0.25·u) times 0.35 in the project_bn of a block
 * that ends in a residual add (`residualBranches`: the names of those batch norm layers),
 * moving_variance 1 + 0.5·u. Returns Map<name, Float32Array> in that order.
 */
export function seededValues(weights, seed, residualBranches = new Set()) {
  const next = mulberry32(seed);
  const values = new Map();
  for (const { name, shape } of weights) {
    const role = name.slice(name.lastIndexOf('/') + 1);
    const damped = residualBranches.has(name.slice(0, name.lastIndexOf('/')));
    const size = shape.reduce((a, b) => a * b, 1);
    const fanIn = role === 'depthwise_kernel' ? shape[0] * shape[1] : shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const u = 2 * next() - 1;
      switch (role) {
        case 'kernel':
        case 'depthwise_kernel': data[i] = u * Math.sqrt(7 / fanIn); break;
        case 'bias':
        case 'beta':
        case 'moving_mean': data[i] = 0.02 * u; break;
        case 'gamma': data[i] = (1 + 0.25 * u) * (damped ? 0.35 : 1); break;
        case 'moving_variance': data[i] = 1 + 0.5 * u; break;
        default: throw new Error(`seededValues: no scheme for weight ${name}`);
      }
    }
    values.set(name, data);
  }
  return values;
}

/** Fills the model with the seeded scheme (see seededValues); returns the values by name. */
export function setSeededWeights(model, seed) {
  const weights = kerasWeights(model);
  const residualBranches = new Set(model.layers.map((l) => l.name).filter((n) => n.endsWith('_add')).map((n) => n.replace(/_add$/, '_project_bn')));
  const values = seededValues(weights, seed, residualBranches);
  setWeights(model, values);
  return values;
}

/** Assigns Map<name, Float32Array> (Keras names) to the model's variables. */
export function setWeights(model, values) {
  for (const { name, shape, variable } of kerasWeights(model)) {
    const data = values.get(name);
    if (!data) throw new Error(`setWeights: no value for ${name}`);
    const t = tfc.tensor(data, shape, 'float32');
    variable.write(t);
    t.dispose();
  }
}
