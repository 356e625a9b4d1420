import type { Backend, BackendName, BackendOptions, CompiledModel, RunOptions, StepProfile } from './backends/backend.js';
import { createBackend } from './backends/index.js';
import type { PaddingMode } from './model/layers.js';
import { buildPlan, type Plan } from './model/plan.js';
import type { Variant } from './model/scaling.js';
import { summarize, type ModelSummary } from './model/summary.js';
import type { Tensor } from './tensor/tensor.js';
import { resolveCheckpoint, type Checkpoint, type CheckpointInfo, type CheckpointOptions } from './weights/checkpoint.js';
import type { Family } from './weights/names/index.js';
import { checkWeightValues } from './weights/finite.js';
import { randomWeights } from './weights/random.js';
import type { WeightMap } from './weights/weights.js';

export interface ModelOptions extends BackendOptions {
  variant?: Variant;
  backend?: BackendName | Backend;
  /** Input size the plan is built for; inputs of another size get a plan of their own. */
  resolution?: number;
  numClasses?: number;
  padding?: PaddingMode;
  epsilon?: number;
}

/** Options of EfficientNet.load: what the checkpoint does not say, or overrides. */
export interface LoadOptions extends CheckpointOptions, BackendOptions {
  backend?: BackendName | Backend;
}

export interface CreateOptions extends ModelOptions {
  /** Seed of the deterministic weight generator (see randomWeights). */
  seed?: number;
}

/** An EfficientNet plan bound to weights on a backend. */
export class EfficientNet {
  private readonly compiled = new Map<string, { plan: Plan; model: CompiledModel }>();

  private constructor(
    readonly plan: Plan,
    readonly weights: WeightMap,
    readonly backend: Backend,
    /** Where the weights came from, when they came from a checkpoint. */
    readonly checkpoint?: CheckpointInfo,
  ) {
    this.compiled.set(`${plan.resolution}x${plan.resolution}`, { plan, model: backend.compile(plan, weights) });
  }

  /** A model with seeded weights: deterministic for a seed, finite through every block. */
  static async create(options: CreateOptions = {}): Promise<EfficientNet> {
    const plan = planFor(options);
    return new EfficientNet(plan, randomWeights(plan, options.seed ?? 1), await backendFor(options));
  }

  /** A model from weights already mapped to Keras names (see the checkpoint readers). */
  static async fromWeights(weights: WeightMap, options: ModelOptions = {}): Promise<EfficientNet> {
    const plan = planFor(options);
    checkWeightValues(plan, weights);
    return new EfficientNet(plan, weights, await backendFor(options));
  }

  /**
   * A model from a TF.js LayersModel or a safetensors checkpoint (Keras, timm tf_, timm or
   * torchvision names). Family, variant, resolution and classes come from the options, else
   * the checkpoint's metadata, else its names and shapes.
   */
  static async load(checkpoint: Checkpoint, options: LoadOptions = {}): Promise<EfficientNet> {
    const { plan, weights, info } = resolveCheckpoint(checkpoint, options);
    return new EfficientNet(plan, weights, await backendFor(options), info);
  }

  /** The checkpoint's metadata (safetensors __metadata__, TF.js userDefinedMetadata); {} for seeded weights. */
  get metadata(): Record<string, string> {
    return this.checkpoint?.metadata ?? {};
  }

  /** The checkpoint's naming family; undefined for seeded weights. */
  get family(): Family | undefined {
    return this.checkpoint?.family;
  }

  /** x: [N, H, W, 3], already normalised; returns logits [N, classes]. */
  run(x: Tensor, options?: RunOptions): Tensor {
    if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`input must be [N, H, W, 3], got [${x.shape.join(', ')}]`);
    return this.compiledFor(x.shape[1]!, x.shape[2]!).model.run(x, options);
  }

  /**
   * What each step of a run costs on the first image of x: every layer on the reference
   * backend, every fused kernel call (named after its last Keras layer) on wasm.
   */
  profile(x: Tensor, repeats = 1): StepProfile[] {
    if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`input must be [N, H, W, 3], got [${x.shape.join(', ')}]`);
    return this.compiledFor(x.shape[1]!, x.shape[2]!).model.profile(x, repeats);
  }

  /** Frees what the backend holds for this model (the wasm backend's weights and arena). */
  dispose(): void {
    for (const { model } of this.compiled.values()) model.dispose?.();
    this.compiled.clear();
  }

  summary(): ModelSummary {
    return summarize(this.plan);
  }

  private compiledFor(h: number, w: number) {
    const key = `${h}x${w}`;
    let entry = this.compiled.get(key);
    if (!entry) {
      if (h !== w) throw new Error(`input must be square, got ${h}×${w}`);
      const { coefficients, numClasses, padding, epsilon } = this.plan;
      const plan = buildPlan(coefficients, { resolution: h, numClasses, padding, epsilon });
      entry = { plan, model: this.backend.compile(plan, this.weights) };
      this.compiled.set(key, entry);
    }
    return entry;
  }
}

function planFor(options: ModelOptions): Plan {
  const { variant = 'b0', resolution, numClasses, padding, epsilon } = options;
  return buildPlan(variant, { resolution, numClasses, padding, epsilon });
}

async function backendFor({ backend = 'wasm', wasmModule }: { backend?: BackendName | Backend } & BackendOptions): Promise<Backend> {
  return typeof backend === 'string' ? createBackend(backend, { wasmModule }) : backend;
}
