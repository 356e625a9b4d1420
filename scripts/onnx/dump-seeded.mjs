#!/usr/bin/env node
// The Node half of the ONNX export: writes effnet's plan (buildPlan) and its seeded weights
// (randomWeights, the same values EfficientNet.create({ variant, seed }) runs) to a folder, for
// scripts/onnx/export_onnx.py to assemble into an ONNX graph. Needs `npm run build` (reads dist/).
//
//   node scripts/onnx/dump-seeded.mjs --model b0 --seed 1 --out DIR [--resolution N]
//
// DIR/plan.json: { variant, resolution, seed, numClasses, layers: the plan's layers as they are,
// weights: { "<keras layer>/<role>": { shape, offset } } } (offset in float32 elements);
// DIR/weights.bin: every tensor's float32 values, little-endian, in the plan's order, TF layouts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan, randomWeights } from '../../dist/src/index.js';

/** Writes plan.json and weights.bin for (variant, resolution, seed) into dir. */
export function dumpSeeded({ variant, resolution, seed }, dir) {
  const plan = buildPlan(variant, resolution ? { resolution } : {});
  const weights = randomWeights(plan, seed);
  const index = {};
  let total = 0;
  for (const [name, t] of weights) {
    index[name] = { shape: t.shape, offset: total };
    total += t.size;
  }
  const data = new Float32Array(total);
  for (const [name, t] of weights) data.set(t.data, index[name].offset);
  mkdirSync(dir, { recursive: true });
  // Float32Array is little-endian on every platform Node runs on that this project targets.
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data.buffer));
  const doc = { variant, resolution: plan.resolution, seed, numClasses: plan.numClasses, layers: plan.layers, weights: index };
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(doc));
  return { plan, weights };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const value = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes('--help') || !value('--out')) {
    console.log('Usage: node scripts/onnx/dump-seeded.mjs --model b0…b7 --seed N --out DIR [--resolution N]');
    process.exit(args.includes('--help') ? 0 : 2);
  }
  const resolution = value('--resolution') ? Number(value('--resolution')) : undefined;
  dumpSeeded({ variant: value('--model') ?? 'b0', resolution, seed: Number(value('--seed') ?? 1) }, value('--out'));
}
