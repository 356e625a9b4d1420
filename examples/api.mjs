// The README's API example, run by test/examples.test.ts: node examples/api.mjs (after npm run build).
import { readFile } from 'node:fs/promises';
import { Classifier, EfficientNet, Tensor, createBackend, randomInput } from 'effnet';
import { defaultModelPath, readImage } from 'effnet/node';

// Seeded B0 on the wasm backend: logits, parameters, and what each fused kernel call costs.
const model = await EfficientNet.create({ variant: 'b0', seed: 1 });          // backend 'wasm' by default
const logits = model.run(randomInput([1, 224, 224, 3], 42));                  // NHWC, normalised → [1, 1000]
console.log(logits.shape, model.summary().params);                            // [ 1, 1000 ] 5330564
const slowest = model.profile(randomInput([1, 224, 224, 3], 42), 3).sort((a, b) => b.ms - a.ms)[0];
console.log(`slowest step: ${slowest.name}, ${slowest.ms.toFixed(2)} ms`);
model.dispose();

// A checkpoint from bytes (edge-safe), with its own preprocessing and class names.
const bytes = new Uint8Array(await readFile(defaultModelPath()));
const classifier = await Classifier.load({ format: 'safetensors', bytes, name: 'fashion-effnet.safetensors' });
const [top] = classifier.classify([await readImage('fixtures/images/trouser.png')], { top: 3 });
console.log(top.map((p) => `${p.label} ${p.probability.toFixed(3)}`).join(', '));

// Single ops on NHWC tensors, the same on 'wasm' and 'reference'.
const ops = await createBackend('wasm');
const x = Tensor.from([1, 4, 4, 1], Array.from({ length: 16 }, (_, i) => i + 1));
const w = Tensor.from([3, 3, 1, 1], new Array(9).fill(1));
const y = ops.conv2d(x, w, null, { strides: 2, pads: [0, 0, 1, 1] });         // TF 'same' on an even size
console.log(Array.from(y.data));                                               // [ 54, 45, 72, 54 ]
