import { asBytes, escapeText } from '../limits.js';
import type { PaddingMode } from '../model/layers.js';
import { buildPlan, type ModelOptions, type Plan } from '../model/plan.js';
import { parseVariant, resolveVariant, roundFilters, VARIANTS, type ScalingCoefficients, type Variant, type VariantName } from '../model/scaling.js';
import { Tensor } from '../tensor/tensor.js';
import { sourceShape, toTfLayout } from './layout.js';
import { checkWeightValues } from './finite.js';
import { FAMILIES, NAME_MAPS, type Family, type NameMap } from './names/index.js';
import { readPth } from './pth.js';
import { readSafetensors } from './safetensors.js';
import { variantOfShapes } from './shape-variant.js';
import { CheckpointError, type SourceTensor } from './source.js';
import { readTfjsModel } from './tfjs.js';

/** Checkpoint bytes as the caller has them: no file system needed. */
export type Checkpoint =
  | { format: 'safetensors'; bytes: Uint8Array; name?: string }
  /** `shards`: each shard's bytes by its path in the manifest, as a Map or a plain object. */
  | { format: 'tfjs'; modelJson: unknown; shards: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>; name?: string }
  /** torch.save's zip; `key` picks the state dict inside a training checkpoint (else searched: src/weights/pth.ts). */
  | { format: 'pth'; bytes: Uint8Array; name?: string; key?: string };

/**
 * Options of a checkpoint load: the model options (variant, plan), each overriding what the
 * checkpoint says, and the name map. By default there is a classifier exactly when the
 * checkpoint has its tensors, and the variant is read off the metadata, else the shapes.
 */
export interface CheckpointOptions extends ModelOptions {
  /** Forces the name map; otherwise detected from the names. */
  family?: Family;
}

/** What was loaded and how it was understood. */
export interface CheckpointInfo {
  name: string;
  format: Checkpoint['format'];
  family: Family;
  coefficients: ScalingCoefficients;
  resolution: number;
  numClasses: number;
  padding: PaddingMode;
  epsilon: number;
  /** safetensors __metadata__ or TF.js userDefinedMetadata. */
  metadata: Record<string, string>;
  /** Checkpoint tensors deliberately not used (num_batches_tracked, Keras's Normalization). */
  ignored: string[];
  producer: string;
}

export interface ResolvedCheckpoint {
  plan: Plan;
  weights: Map<string, Tensor>;
  info: CheckpointInfo;
}

/**
 * Reads a checkpoint, recognises its family, works out the variant and resolution (options, then
 * the checkpoint's metadata, then its shapes), and maps every tensor onto the plan's Keras
 * names in TF layouts. Every weight the plan needs must be found with the right shape and every
 * tensor in the checkpoint must be used or explicitly ignored; otherwise one error lists what
 * is missing, misshapen or extra.
 */
export function resolveCheckpoint(checkpoint: Checkpoint, options: CheckpointOptions = {}): ResolvedCheckpoint {
  if (typeof checkpoint !== 'object' || checkpoint === null) {
    throw new CheckpointError(`a checkpoint must be an object such as { format: 'safetensors', bytes }, got ${checkpoint === null ? 'null' : typeof checkpoint}`);
  }
  const given = typeof checkpoint.name === 'string' ? escapeText(checkpoint.name, 120) : undefined;
  const name = given ?? (checkpoint.format === 'tfjs' ? 'model.json' : checkpoint.format === 'pth' ? 'checkpoint.pth' : 'checkpoint.safetensors');
  const fail = (why: string): never => {
    throw new CheckpointError(`${name}: ${why}`);
  };
  // what a caller passed as bytes: refused in one line here, not as an engine TypeError further in
  const bytesOf = (bytes: unknown) => {
    try {
      return asBytes(bytes, 'bytes');
    } catch (e) {
      return fail((e as Error).message);
    }
  };
  let tensors: Map<string, SourceTensor>;
  let metadata: Record<string, string>;
  let inputSize: number | undefined;
  let producer = '';
  if (checkpoint.format === 'safetensors') {
    ({ tensors, metadata } = readSafetensors(bytesOf(checkpoint.bytes), name));
    producer = metadata.producer ?? '';
  } else if (checkpoint.format === 'tfjs') {
    ({ tensors, metadata, inputSize, producer } = readTfjsModel(checkpoint.modelJson, shardMap(checkpoint.shards, fail), name));
  } else if (checkpoint.format === 'pth') {
    ({ tensors, metadata } = readPth(bytesOf(checkpoint.bytes), name, { key: checkpoint.key }));
    producer = metadata.producer ?? '';
  } else {
    return fail(`unknown checkpoint format '${String((checkpoint as { format: unknown }).format)}' (expected tfjs, safetensors or pth)`);
  }
  const keys = new Set(tensors.keys());

  const family = familyOf(options.family ?? metadata.family, keys, name, metadata, fail);
  const map = NAME_MAPS[family];
  const padding = options.padding ?? paddingOf(metadata.padding, fail) ?? map.padding;
  // A checkpoint without a classifier (timm num_classes=0, Keras include_top=False) loads headless.
  const classes = classesOf(map, tensors, keys);
  const includeTop = options.includeTop ?? (hasClassifier(map, tensors, keys) || options.numClasses !== undefined);
  const numClasses = includeTop ? (options.numClasses ?? intOf(metadata.num_classes, 'num_classes', fail) ?? classes ?? 1000) : undefined;
  const metaResolution = intOf(metadata.resolution, 'resolution', fail);
  const metaEps = numberOf(metadata.bn_eps, 'bn_eps', fail);
  const explicit = options.variant ?? variantFromMetadata(metadata, fail);

  const attempt = (variant: Variant, convert: boolean) => {
    const coefficients = resolveVariant(variant);
    const resolution = options.resolution ?? metaResolution ?? inputSize ?? coefficients.resolution;
    const epsilon = options.epsilon ?? metaEps ?? map.epsilon(coefficients.name);
    let plan: Plan;
    try {
      plan = buildPlan(coefficients, { resolution, numClasses, includeTop, padding, epsilon, limits: options.limits });
    } catch (e) {
      return fail((e as Error).message);
    }
    return { plan, ...mapWeights(plan, map, tensors, keys, convert) };
  };

  // The plan is built once, for the variant the metadata names or the shapes show.
  const resolution = options.resolution ?? metaResolution ?? inputSize;
  const variant = explicit ?? variantOfShapes(family, tensors, resolution);
  const resolved = variant === undefined ? undefined : attempt(variant, true);
  if (!resolved || (!explicit && typeof variant !== 'string' && resolved.problems.length > 0)) {
    // Only to explain the failure: which B0–B7 comes closest.
    let closest: ReturnType<typeof attempt> | undefined;
    for (const v of Object.keys(VARIANTS) as VariantName[]) {
      const t = attempt(v, false);
      if (!closest || t.problems.length < closest.problems.length) closest = t;
    }
    fail(`the ${family} tensors fit no B0–B7 variant; the closest, ${describe(closest!.plan)}, has ${summarizeProblems(closest!.problems)} (give the variant, or width and depth in the metadata)`);
  }
  const { plan, weights, problems, ignored } = resolved!;
  if (family === 'torchvision') checkTorchvisionHead(plan.coefficients, fail);
  if (problems.length > 0) fail(`${family} checkpoint does not fit ${describe(plan)}: ${summarizeProblems(problems)}`);
  const refs = map.sources(plan, keys);
  checkWeightValues(plan, weights, name, (n) => {
    const key = refs.get(n)?.key ?? n;
    return key === n ? n : `${key} (${n})`;
  });
  return {
    plan,
    weights,
    info: {
      name, format: checkpoint.format, family, coefficients: plan.coefficients, resolution: plan.resolution, numClasses: plan.numClasses,
      padding: plan.padding, epsilon: plan.epsilon, metadata, ignored, producer,
    },
  };
}

function mapWeights(plan: Plan, map: NameMap, tensors: ReadonlyMap<string, SourceTensor>, keys: ReadonlySet<string>, convert: boolean) {
  const refs = map.sources(plan, keys);
  const weights = new Map<string, Tensor>();
  const missing: string[] = [];
  const wrong: string[] = [];
  const used = new Set<string>();
  for (const layer of plan.layers) {
    for (const spec of layer.weights) {
      const ref = refs.get(spec.name)!;
      const want = sourceShape(ref.layout, spec.shape);
      const t = tensors.get(ref.key);
      const label = ref.key === spec.name ? ref.key : `${ref.key} (${spec.name})`;
      if (!t) {
        missing.push(`missing ${label} [${want.join(', ')}]`);
        continue;
      }
      used.add(ref.key);
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
        wrong.push(`${label} has shape [${t.shape.join(', ')}], expected [${want.join(', ')}]`);
      } else if (!t.data) {
        wrong.push(`${label} has dtype ${t.dtype}, expected a float type`);
      } else if (convert) {
        weights.set(spec.name, new Tensor(spec.shape, toTfLayout(ref.layout, spec.shape, t.data)));
      }
    }
  }
  const ignored: string[] = [];
  const extra: string[] = [];
  for (const [key, t] of tensors) {
    if (used.has(key)) continue;
    if (map.ignored(key)) ignored.push(key);
    else extra.push(`unexpected ${key} [${t.shape.join(', ')}]`);
  }
  return { weights, problems: [...wrong, ...missing, ...extra], ignored };
}

function summarizeProblems(problems: string[]): string {
  const shown = problems.slice(0, 6).join('; ');
  return `${problems.length} problem(s): ${shown}${problems.length > 6 ? `; … and ${problems.length - 6} more` : ''}`;
}

function describe(plan: Plan): string {
  const c = plan.coefficients;
  return `${c.name} (width ${c.width}, depth ${c.depth}) at ${plan.resolution}×${plan.resolution}, ${plan.includeTop ? `${plan.numClasses} classes` : 'no classifier'}`;
}

function familyOf(forced: string | undefined, keys: ReadonlySet<string>, name: string, metadata: Record<string, string>, fail: (why: string) => never): Family {
  if (forced !== undefined) {
    if (!(FAMILIES as readonly string[]).includes(forced)) fail(`unknown family '${forced}' (expected ${FAMILIES.join(', ')})`);
    return forced as Family;
  }
  const found = FAMILIES.filter((f) => NAME_MAPS[f].detect(keys));
  if (found.length === 0) {
    const sample = [...keys].slice(0, 4).join(', ');
    fail(`names match no known family (${FAMILIES.join(', ')}): the first are ${sample || '(no tensors)'}`);
  }
  // timm's tf_ ports and its own models share every name; the model name tells them apart.
  if (found.includes('timm')) return /tf_efficientnet/.test(`${name} ${metadata.architecture ?? ''} ${metadata.model ?? ''}`) ? 'timm_tf' : 'timm';
  return found[0]!;
}

// The classifier's bias gives the number of classes before the variant is known.
function hasClassifier(map: NameMap, tensors: ReadonlyMap<string, SourceTensor>, keys: ReadonlySet<string>): boolean {
  const refs = map.sources(buildPlan('b0'), keys);
  return ['predictions/kernel', 'predictions/bias'].some((name) => {
    const ref = refs.get(name);
    return ref !== undefined && tensors.has(ref.key);
  });
}

function classesOf(map: NameMap, tensors: ReadonlyMap<string, SourceTensor>, keys: ReadonlySet<string>): number | undefined {
  const ref = map.sources(buildPlan('b0'), keys).get('predictions/bias');
  const t = ref && tensors.get(ref.key);
  return t && t.shape.length === 1 && t.shape[0]! > 0 ? t.shape[0] : undefined;
}

function variantFromMetadata(metadata: Record<string, string>, fail: (why: string) => never): Variant | undefined {
  if (metadata.width !== undefined || metadata.depth !== undefined) {
    const width = numberOf(metadata.width, 'width', fail);
    const depth = numberOf(metadata.depth, 'depth', fail);
    if (width === undefined || depth === undefined || width <= 0 || depth <= 0) fail('metadata needs both width and depth, positive');
    return {
      name: metadata.variant ?? `width=${width},depth=${depth}`,
      width: width!,
      depth: depth!,
      resolution: intOf(metadata.resolution, 'resolution', fail) ?? 224,
      dropout: numberOf(metadata.dropout, 'dropout', fail) ?? 0.2,
    };
  }
  if (metadata.variant !== undefined) {
    try {
      return parseVariant(metadata.variant);
    } catch (e) {
      fail(`metadata variant: ${(e as Error).message}`);
    }
  }
  return undefined;
}

// torchvision's head has 4·make_divisible(320·w) channels, Keras's round_filters(1280·w): equal
// for every shipped width, not for all.
function checkTorchvisionHead(c: ScalingCoefficients, fail: (why: string) => never): void {
  const torch = 4 * roundFilters(320, c.width);
  const keras = roundFilters(1280, c.width);
  if (torch !== keras) fail(`width ${c.width}: torchvision's head has ${torch} channels, the Keras plan ${keras}; this width cannot be represented`);
}

function paddingOf(text: string | undefined, fail: (why: string) => never): PaddingMode | undefined {
  if (text === undefined) return undefined;
  if (text !== 'same' && text !== 'symmetric') fail(`metadata padding must be same or symmetric, got '${text}'`);
  return text as PaddingMode;
}

function numberOf(text: string | undefined, key: string, fail: (why: string) => never): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) fail(`metadata ${key} is not a number: '${text}'`);
  return n;
}

function intOf(text: string | undefined, key: string, fail: (why: string) => never): number | undefined {
  const n = numberOf(text, key, fail);
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) fail(`metadata ${key} must be a positive integer, got '${text}'`);
  return n;
}

/** TF.js shards as a Map, from a Map or a plain object of path → bytes; anything else is one line. */
function shardMap(shards: unknown, fail: (why: string) => never): ReadonlyMap<string, Uint8Array> {
  if (shards instanceof Map) return shards as ReadonlyMap<string, Uint8Array>;
  if (typeof shards === 'object' && shards !== null && !Array.isArray(shards) && !ArrayBuffer.isView(shards)) return new Map(Object.entries(shards));
  return fail(`shards must be a Map or an object of shard path → bytes, got ${shards === null ? 'null' : Array.isArray(shards) ? 'an array' : typeof shards}`);
}
