import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../backends/backend.js';
import { EfficientNet } from '../efficientnet.js';
import type { PaddingMode } from '../model/layers.js';
import { parseVariant } from '../model/scaling.js';
import { readNpy } from '../tensor/npy.js';
import type { Tensor } from '../tensor/tensor.js';
import type { WeightMap } from '../weights/weights.js';
import { readCheckpointFile } from './checkpoint.js';
import { isInside, readBytes } from './files.js';

// A golden case is a folder `<case>/manifest.json` + `<layer>.npy`, written by a generator under
// scripts/golden/ from another framework. Checking one is: rebuild the model (shipped weights, or
// the seeded scheme the generator re-implements), run the stored input, and hold every layer that
// both our dump and the golden have to max |ours − golden| ≤ tolerance × max |golden|.
// test/golden.test.ts and `effnet verify` both go through checkCase.

/** The parts of a manifest.json a check reads (the generators write more: device, schemes, notes). */
export interface GoldenManifest {
  case: string;
  producer: string;
  framework: string;
  framework_version?: Record<string, string>;
  backend: string;
  variant: string;
  resolution: number;
  num_classes?: number;
  padding?: PaddingMode;
  bn_epsilon?: number;
  seed?: number;
  weights: { file?: string; shipped?: boolean };
  tolerance: { relative_to_max_abs_golden: number };
  /** GPU cases: the golden's measured distance from its framework on the CPU (tfjs-cpu, torch cpu), worst layer. */
  tfjs_cpu_difference?: { relative_to_max_golden?: number };
  cpu_difference?: { relative_to_max_golden?: number };
  /** Layer name → shape (batch included) of every stored `<layer>.npy`. */
  tensors: Record<string, number[]>;
}

export interface GoldenCase {
  name: string;
  dir: string;
  manifest: GoldenManifest;
}

export interface LayerComparison {
  layer: string;
  ok: boolean;
  maxError: number;
  maxGolden: number;
  /** maxError / maxGolden */
  relative: number;
  message: string;
}

export interface CaseResult {
  case: string;
  /** framework version, backend: who wrote the goldens. */
  producer: string;
  backend: BackendName;
  /** Layers both in our dump and in the golden, each compared. */
  layers: LayerComparison[];
  /** Layers the golden stores. */
  stored: number;
  /** Layers that must be compared: all on the reference backend, half on wasm (it fuses). */
  needed: number;
  worst: LayerComparison | undefined;
  tolerance: number;
  /** GPU cases: how far the golden itself sits from its framework's CPU result (max over layers,
   * relative to max |golden|); the tolerance derives from it. */
  spread?: number;
  /** One line each: a layer out of tolerance, or too few layers compared. */
  failures: string[];
  ok: boolean;
}

/**
 * The checkout's fixtures folder (holding golden/), found from this module (src/node under tsx, dist/src/node once
 * built) by walking up to the effnet package root; undefined when it is not there, as in an
 * installed package, which ships no goldens.
 */
export function checkoutFixtures(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (!existsSync(pkg)) continue;
    try {
      if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name !== 'effnet') continue;
    } catch {
      continue;
    }
    const fixtures = join(dir, 'fixtures');
    return existsSync(join(fixtures, 'golden')) ? fixtures : undefined;
  }
  return undefined;
}

/** The cases under root: its sub-folders holding a manifest.json, sorted by name. */
export function listCases(root: string): string[] {
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'manifest.json')))
    .sort();
}

/** Reads and checks `<root>/<name>/manifest.json`; a malformed one is one error line naming it. */
export function readCase(root: string, name: string): GoldenCase {
  const dir = join(root, name);
  const file = join(dir, 'manifest.json');
  let m: GoldenManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as GoldenManifest;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message.split('\n')[0]}`);
  }
  const bad = (what: string) => new Error(`${file}: ${what}`);
  if (typeof m !== 'object' || m === null) throw bad('not a JSON object');
  if (typeof m.variant !== 'string') throw bad("'variant' must be a string");
  if (!Number.isInteger(m.resolution) || m.resolution < 1) throw bad("'resolution' must be a positive integer");
  const tol = m.tolerance?.relative_to_max_abs_golden;
  if (typeof tol !== 'number' || !(tol > 0)) throw bad("'tolerance.relative_to_max_abs_golden' must be a positive number");
  if (typeof m.tensors !== 'object' || m.tensors === null || Object.keys(m.tensors).length === 0) throw bad("'tensors' must name the stored layers");
  for (const layer of Object.keys(m.tensors)) {
    if (!/^[A-Za-z0-9_]+$/.test(layer)) throw bad(`tensor name '${layer}' is not a layer name`);
  }
  if (m.padding !== undefined && m.padding !== 'same' && m.padding !== 'symmetric') throw bad("'padding' must be same or symmetric");
  if (m.num_classes !== undefined && !(Number.isInteger(m.num_classes) && m.num_classes >= 1)) throw bad("'num_classes' must be a positive integer");
  if (m.bn_epsilon !== undefined && !(typeof m.bn_epsilon === 'number' && m.bn_epsilon > 0)) throw bad("'bn_epsilon' must be a positive number");
  if (typeof m.weights !== 'object' || m.weights === null) throw bad("'weights' must be an object");
  if (m.weights.file !== undefined && typeof m.weights.file !== 'string') throw bad("'weights.file' must be a file name");
  if (m.weights.file === undefined && !Number.isInteger(m.seed)) throw bad("without 'weights.file' the case needs an integer 'seed' for the seeded weights");
  if (m.weights.file === undefined) {
    try {
      parseVariant(m.variant);
    } catch (e) {
      throw bad(`'variant': ${(e as Error).message}`);
    }
  }
  return { name, dir, manifest: m };
}

/** "framework version, backend", e.g. "tfjs-layers 4.22.0, cpu". */
function producerOf(m: GoldenManifest): string {
  const short = String(m.framework ?? 'unknown').replace(/^@[^/]+\//, '');
  const version = m.framework_version?.[short];
  return `${short}${version ? ` ${version}` : ''}, ${m.backend ?? 'unknown backend'}`;
}

/** `<case>/<name>.npy`, read from the case's own folder only. */
async function readGoldenTensor(c: GoldenCase, name: string): Promise<Tensor> {
  const file = await caseFile(c, `${name}.npy`, 'golden tensor');
  return readNpy(await readBytes(file), join(c.dir, `${name}.npy`));
}

/**
 * The real path of a file the manifest names, refused when it leaves the case's folder (by `..`,
 * an absolute path or a symbolic link): nothing outside it is read because a manifest said so.
 */
async function caseFile(c: GoldenCase, rel: string, what: string): Promise<string> {
  const dir = await realpath(c.dir);
  const full = resolve(c.dir, rel);
  if (!isInside(dir, resolve(dir, rel))) throw new Error(`${join(c.dir, 'manifest.json')}: ${what} '${rel}' is outside the case's folder`);
  let real: string;
  try {
    real = await realpath(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${full}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message} (the ${what} of case ${c.name})`);
  }
  if (!isInside(dir, real)) throw new Error(`${full}: a link to ${real}, outside the case's folder`);
  return real;
}

/**
 * The case's model on a backend: its shipped checkpoint (read from the case's folder only), or
 * the seeded weights the generator re-implements. Seeded weights of the big variants take
 * seconds to draw, so pass a cache to share them between backends (and delete the entry after).
 */
async function modelForCase(c: GoldenCase, backend: BackendName, seeded?: Map<string, WeightMap>): Promise<EfficientNet> {
  const m = c.manifest;
  if (m.weights.file) {
    const file = await caseFile(c, m.weights.file, 'checkpoint');
    return EfficientNet.load(await readCheckpointFile(file), { backend });
  }
  const options = { variant: parseVariant(m.variant), resolution: m.resolution, numClasses: m.num_classes, padding: m.padding, epsilon: m.bn_epsilon, backend };
  const weights = seeded?.get(c.name);
  if (weights) return EfficientNet.fromWeights(weights, options);
  const model = await EfficientNet.create({ ...options, seed: m.seed });
  seeded?.set(c.name, model.weights);
  return model;
}

/** Runs the case's input on its model on one backend and compares every layer both sides have. */
export async function checkCase(c: GoldenCase, backend: BackendName, seeded?: Map<string, WeightMap>): Promise<CaseResult> {
  const m = c.manifest;
  const model = await modelForCase(c, backend, seeded);
  const dumps = new Map<string, Tensor>();
  let steps: ReadonlySet<string>;
  try {
    steps = new Set(model.steps.flatMap((s) => [...(s.inner ?? []), s.name]));
    // The wasm backend may reuse buffers after the callback returns, so keep copies.
    const logits = await model.predict(await readGoldenTensor(c, 'input'), { dump: (layer, t) => dumps.set(layer, t.clone()) });
    dumps.set('predictions', logits.clone());
  } finally {
    model.dispose();
  }

  const tolerance = m.tolerance.relative_to_max_abs_golden;
  const stored = Object.keys(m.tensors);
  const layers: LayerComparison[] = [];
  for (const layer of stored) {
    const ours = dumps.get(layer);
    if (ours) layers.push(compareLayer(layer, await readGoldenTensor(c, layer), ours, tolerance));
  }
  const worst = layers.reduce<LayerComparison | undefined>((a, b) => (!a || b.relative > a.relative ? b : a), undefined);
  // A backend dumps one output per step (model.steps): every layer on the reference backend, a
  // fused group's last layer on wasm (and the values inside a step it names in Step.inner). Each
  // stored layer that ends a step must be compared.
  const needed = stored.filter((layer) => steps.has(layer) || layer === 'predictions').length;
  const failures = layers.filter((l) => !l.ok).map((l) => l.message);
  if (!layers.some((l) => l.layer === 'predictions')) failures.push('predictions: not compared (the golden has no predictions.npy)');
  if (layers.length < needed) failures.push(`only ${layers.length} of ${stored.length} stored layers are in our dump, ${needed} needed`);
  const spread = (m.tfjs_cpu_difference ?? m.cpu_difference)?.relative_to_max_golden;
  return {
    case: c.name, producer: producerOf(m), backend, layers, stored: stored.length, needed, worst, tolerance,
    ...(typeof spread === 'number' ? { spread } : {}), failures, ok: failures.length === 0,
  };
}

/**
 * max |ours − golden| ≤ tolerance · max |golden|, and on failure one message with the layer,
 * the max error, where it is (index and coordinates) and the first values on both sides.
 */
export function compareLayer(layer: string, golden: Tensor, ours: Tensor, tolerance: number): LayerComparison {
  const base = { layer, maxError: Infinity, maxGolden: 0, relative: Infinity };
  if (golden.shape.join() !== ours.shape.join()) {
    return { ...base, ok: false, message: `${layer}: shape [${ours.shape.join(', ')}], golden [${golden.shape.join(', ')}]` };
  }
  let maxError = 0;
  let at = 0;
  let maxGolden = 0;
  let nonFinite = -1;
  for (let i = 0; i < golden.size; i++) {
    const g = golden.data[i]!;
    const o = ours.data[i]!;
    if (!Number.isFinite(o) && nonFinite < 0) nonFinite = i;
    const e = Math.abs(o - g);
    if (e > maxError) {
      maxError = e;
      at = i;
    }
    maxGolden = Math.max(maxGolden, Math.abs(g));
  }
  if (nonFinite >= 0) at = nonFinite;
  const relative = nonFinite >= 0 ? Infinity : maxError / (maxGolden || 1);
  const ok = relative <= tolerance;
  const first = (t: Tensor) => Array.from(t.data.subarray(0, 6), (v) => v.toPrecision(6)).join(', ');
  const message = ok
    ? ''
    : `${layer}: max error ${maxError.toExponential(3)} = ${relative.toExponential(2)} × max|golden| ${maxGolden.toPrecision(4)} (tolerance ${tolerance}) at index ${at} [${unravel(at, golden.shape).join(', ')}]: ours ${ours.data[at]}, golden ${golden.data[at]}; first values ours [${first(ours)}] golden [${first(golden)}]`;
  return { layer, ok, maxError, maxGolden, relative, message };
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(index % shape[d]!);
    index = Math.floor(index / shape[d]!);
  }
  return out;
}

