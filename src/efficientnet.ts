import type { BackendName, BackendOptions, CompiledModel, RunOptions, Step, StepProfile } from './backends/backend.js';
import { createBackend, type AnyBackend } from './backends/index.js';
import { buildPlan, type ModelOptions, type Plan } from './model/plan.js';
export type { ModelOptions } from './model/plan.js';
import { summarize, type ModelSummary } from './model/summary.js';
import type { Tensor } from './tensor/tensor.js';
import { resolveCheckpoint, type Checkpoint, type CheckpointInfo, type CheckpointOptions } from './weights/checkpoint.js';
import type { Family } from './weights/names/index.js';
import { checkWeightValues } from './weights/finite.js';
import { randomWeights } from './weights/random.js';
import type { WeightMap } from './weights/weights.js';

/** Where a model runs: a backend by name (wasm by default) or one already made, and its options. */
export interface RuntimeOptions extends BackendOptions {
  backend?: BackendName | AnyBackend;
}

/** Options of EfficientNet.load: what the checkpoint does not say, or overrides. */
export interface LoadOptions extends CheckpointOptions, RuntimeOptions {}

/** What a run returns: logits (with a classifier), pooled features, or the stage feature maps. */
export type ModelOutput = 'logits' | 'pooled' | 'stages';

export interface ModelRunOptions extends RunOptions {
  output?: ModelOutput;
}

export interface CreateOptions extends ModelOptions, RuntimeOptions {
  /** Seed of the deterministic weight generator (see randomWeights). */
  seed?: number;
}

/** An EfficientNet plan bound to weights on a backend. */
export class EfficientNet {
  private disposed = false;
  private readonly compiled = new Map<string, { plan: Plan; model: CompiledModel }>();

  private constructor(
    readonly plan: Plan,
    readonly weights: WeightMap,
    readonly backend: AnyBackend,
    /** Where the weights came from, when they came from a checkpoint. */
    readonly checkpoint?: CheckpointInfo,
  ) {
    this.compiled.set(`${plan.resolution}x${plan.resolution}`, { plan, model: backend.compile(plan, weights) });
  }

  /** A model with seeded weights: deterministic for a seed, finite through every block. */
  static async create(options: CreateOptions = {}): Promise<EfficientNet> {
    const plan = planFor(options);
    return made(new EfficientNet(plan, randomWeights(plan, options.seed ?? 1), await backendFor(options)));
  }

  /** A model from weights already mapped to Keras names (see the checkpoint readers). */
  static async fromWeights(weights: WeightMap, options: ModelOptions & RuntimeOptions = {}): Promise<EfficientNet> {
    const plan = planFor(options);
    checkWeightValues(plan, weights);
    return made(new EfficientNet(plan, weights, await backendFor(options)));
  }

  /**
   * A model from a TF.js LayersModel or a safetensors checkpoint (Keras, timm tf_, timm or
   * torchvision names). Family, variant, resolution and classes come from the options, else
   * the checkpoint's metadata, else its names and shapes.
   */
  static async load(checkpoint: Checkpoint, options: LoadOptions = {}): Promise<EfficientNet> {
    const { plan, weights, info } = resolveCheckpoint(checkpoint, options);
    return made(new EfficientNet(plan, weights, await backendFor(options), info));
  }

  /** The checkpoint's metadata (safetensors __metadata__, TF.js userDefinedMetadata); {} for seeded weights. */
  get metadata(): Record<string, string> {
    return this.checkpoint?.metadata ?? {};
  }

  /** The checkpoint's naming family; undefined for seeded weights. */
  get family(): Family | undefined {
    return this.checkpoint?.family;
  }

  /**
   * x: [N, H, W, 3], already normalised. Returns the logits [N, classes] (the default with a
   * classifier), the pooled features [N, C] (`output: 'pooled'`, the default without one), or the
   * feature maps at strides 2, 4, 8, 16 and 32 (`output: 'stages'`, plan.endpoints.stages).
   * Synchronous, on the CPU backends; on webgpu use `predict`, which works on every backend.
   */
  run(x: Tensor, options?: ModelRunOptions & { output?: 'logits' | 'pooled' }): Tensor;
  run(x: Tensor, options: ModelRunOptions & { output: 'stages' }): Tensor[];
  run(x: Tensor, options: ModelRunOptions = {}): Tensor | Tensor[] {
    const { model, runOptions, finish } = this.prepare(x, options);
    return finish(model.run(x, runOptions));
  }

  /** What `run` returns, awaited: the one call that works on every backend, webgpu included. */
  predict(x: Tensor, options?: ModelRunOptions & { output?: 'logits' | 'pooled' }): Promise<Tensor>;
  predict(x: Tensor, options: ModelRunOptions & { output: 'stages' }): Promise<Tensor[]>;
  async predict(x: Tensor, options: ModelRunOptions = {}): Promise<Tensor | Tensor[]> {
    const { model, runOptions, finish } = this.prepare(x, options);
    return finish(await model.predict(x, runOptions));
  }

  // The compiled model for x's size, the run options that collect the asked-for outputs as they
  // are dumped, and what turns the run's last output into the answer.
  private prepare(x: Tensor, options: ModelRunOptions) {
    if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`input must be [N, H, W, 3], got [${x.shape.join(', ')}]`);
    const { output = this.plan.includeTop ? 'logits' : 'pooled', ...runOptions } = options;
    const model = this.compiledFor(x.shape[1]!, x.shape[2]!).model;
    if (output === 'logits') {
      if (!this.plan.includeTop) throw new Error("this model has no classifier (includeTop: false): ask for output 'pooled' or 'stages'");
      return { model, runOptions, finish: (last: Tensor): Tensor | Tensor[] => last };
    }
    if (output !== 'pooled' && output !== 'stages') throw new Error(`output must be 'logits', 'pooled' or 'stages', got '${String(output)}'`);
    const names = output === 'pooled' ? [this.plan.endpoints.pooled] : this.plan.endpoints.stages;
    const taken = new Map<string, Tensor>();
    const collecting: RunOptions = {
      dumpLayers: runOptions.dumpLayers ? [...runOptions.dumpLayers, ...names] : runOptions.dump ? undefined : names,
      dump: (name, t) => {
        if (names.includes(name)) taken.set(name, t);
        if (runOptions.dump && (!runOptions.dumpLayers || runOptions.dumpLayers.includes(name))) runOptions.dump(name, t);
      },
    };
    const finish = (last: Tensor): Tensor | Tensor[] => {
      if (output === 'pooled' && !this.plan.includeTop) return last;
      const found = names.map((name) => taken.get(name) ?? fail(name));
      return output === 'pooled' ? found[0]! : found;
    };
    return { model, runOptions: collecting, finish };
  }

  /**
   * What each step of a run costs on the first image of x: every layer on the reference
   * backend, every fused kernel call (named after its last Keras layer) on wasm. CPU backends;
   * `profileAsync` works on every backend.
   */
  profile(x: Tensor, repeats = 1): StepProfile[] {
    if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`input must be [N, H, W, 3], got [${x.shape.join(', ')}]`);
    return this.compiledFor(x.shape[1]!, x.shape[2]!).model.profile(x, repeats);
  }

  /** What `profile` returns, awaited; on webgpu, from GPU timestamps where the adapter has them. */
  async profileAsync(x: Tensor, repeats = 1): Promise<StepProfile[]> {
    if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`input must be [N, H, W, 3], got [${x.shape.join(', ')}]`);
    return this.compiledFor(x.shape[1]!, x.shape[2]!).model.profileAsync(x, repeats);
  }

  /**
   * What a run at the plan's resolution executes, in order: every Keras layer on the reference
   * backend, fused groups of layers (one kernel call each) on wasm. `dump` and `profile` name
   * their outputs after these steps.
   */
  get steps(): readonly Step[] {
    return this.compiledFor(this.plan.resolution, this.plan.resolution).model.steps;
  }

  /** Settles once the backend has checked what it compiled (the webgpu backend does so asynchronously). */
  async ready(): Promise<void> {
    for (const { model } of this.compiled.values()) await model.ready;
  }

  /** Frees what the backend holds for this model (the wasm backend's weights and arena). */
  dispose(): void {
    for (const { model } of this.compiled.values()) model.dispose?.();
    this.compiled.clear();
    this.disposed = true;
  }

  summary(): ModelSummary {
    return summarize(this.plan);
  }

  private compiledFor(h: number, w: number) {
    if (this.disposed) throw new Error('this model was disposed: load or create it again to run it');
    const key = `${h}x${w}`;
    let entry = this.compiled.get(key);
    if (!entry) {
      if (h !== w) throw new Error(`input must be square, got ${h}×${w}`);
      const { coefficients, numClasses, includeTop, padding, epsilon, limits } = this.plan;
      const plan = buildPlan(coefficients, { resolution: h, numClasses: includeTop ? numClasses : undefined, includeTop, padding, epsilon, limits });
      // the weights were prepared (packed) for the first size: a new size only plans its arena
      const share = this.compiled.values().next().value?.model;
      entry = { plan, model: this.backend.compile(plan, this.weights, { share }) };
      this.compiled.set(key, entry);
    }
    return entry;
  }
}

function planFor({ variant = 'b0', resolution, numClasses, includeTop, padding, epsilon, limits }: ModelOptions): Plan {
  return buildPlan(variant, { resolution, numClasses, includeTop, padding, epsilon, limits });
}

// A GPU checks a compile asynchronously (CompiledModel.ready): what it refuses is an error of
// create or load, not of the first run.
async function made(model: EfficientNet): Promise<EfficientNet> {
  await model.ready();
  return model;
}

function fail(name: string): never {
  throw new Error(`internal error: the backend produced no output for '${name}'`);
}

// The options go to createBackend whole (it reads only BackendOptions' fields), so a new backend
// option needs no line here.
async function backendFor(options: RuntimeOptions): Promise<AnyBackend> {
  const { backend = 'wasm' } = options;
  return typeof backend === 'string' ? createBackend(backend, options) : backend;
}
