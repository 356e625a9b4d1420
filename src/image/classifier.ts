import { EfficientNet, type LoadOptions } from '../efficientnet.js';
import { escapeText } from '../limits.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Checkpoint } from '../weights/checkpoint.js';
import { fromImageData, type ImageDataLike, type RgbImage } from './image.js';
import { labelsFor, topK, type Prediction } from './labels.js';
import { classesFromMetadata, pipelineFromMetadata } from './metadata.js';
import { checkFiniteLogits } from './nonfinite.js';
import { makePipeline, preprocessBatch, type Pipeline, type PipelineOptions } from './pipeline.js';

/**
 * The default model, relative to the package root: an EfficientNet (width 0.5) trained on
 * Fashion-MNIST, 32×32 input, its classes and pipeline in its metadata. Node's `effnet classify`
 * reads it from there; a browser fetches or bundles these bytes and calls Classifier.load.
 */
export const DEFAULT_MODEL_FILE = 'fixtures/models/fashion-effnet.safetensors';

export interface ClassifierOptions extends LoadOptions {
  /** Overrides of the preprocessing the checkpoint's metadata (or family) implies. */
  pipeline?: PipelineOptions;
  /** Class names; else the checkpoint's metadata 'classes', else ImageNet's for 1000 classes. */
  labels?: readonly string[];
  /** Where `labels` came from, for errors. */
  labelsName?: string;
}

export interface ClassifyOptions {
  /** How many classes to report per image (default 5, at most the class count). */
  top?: number;
}

/** An EfficientNet with the pipeline that prepares its input and the names of its classes. */
export class Classifier {
  private constructor(
    readonly model: EfficientNet,
    readonly pipeline: Pipeline,
    readonly labels: readonly string[],
  ) {}

  /** Loads a checkpoint (bytes in hand, no file system) with its metadata's pipeline and classes. */
  static async load(checkpoint: Checkpoint, options: ClassifierOptions = {}): Promise<Classifier> {
    return Classifier.fromModel(await EfficientNet.load(checkpoint, options), options);
  }

  /**
   * Pipeline: the family's defaults at the model's resolution, then the checkpoint's metadata,
   * then `options.pipeline`. Labels as in ClassifierOptions.
   */
  static fromModel(model: EfficientNet, options: Omit<ClassifierOptions, keyof LoadOptions> = {}): Classifier {
    const name = model.checkpoint?.name ?? 'model';
    const meta = pipelineFromMetadata(model.metadata, name);
    let pipeline: Pipeline;
    try {
      pipeline = makePipeline({ size: model.plan.resolution, family: model.family, ...meta, ...options.pipeline });
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
    // A model without a classifier can still embed; it has no classes to name.
    const labels = !model.plan.includeTop ? [] : labelsFor(model.plan.numClasses, options.labels ?? classesFromMetadata(model.metadata, name), options.labels ? (options.labelsName ?? 'labels') : name);
    return new Classifier(model, pipeline, labels);
  }

  /** The network input for these images: [N, size, size, 3]. */
  preprocess(images: readonly (RgbImage | ImageDataLike)[]): Tensor {
    return preprocessBatch(images.map(asRgb), this.pipeline);
  }

  /**
   * The top classes of each image, in the order given, in one batch (split large sets yourself).
   * An image whose logits are not all finite makes it throw NonFiniteOutputError, which carries
   * the other images' predictions. Synchronous, on the CPU backends; `classifyAsync` works on every
   * backend, webgpu included.
   */
  classify(images: readonly (RgbImage | ImageDataLike)[], options: ClassifyOptions = {}): Prediction[][] {
    const top = this.checkClassify(options);
    if (images.length === 0) return [];
    return this.ranked(this.model.run(this.preprocess(images)), top);
  }

  /** What `classify` returns, awaited. */
  async classifyAsync(images: readonly (RgbImage | ImageDataLike)[], options: ClassifyOptions = {}): Promise<Prediction[][]> {
    const top = this.checkClassify(options);
    if (images.length === 0) return [];
    return this.ranked(await this.model.predict(this.preprocess(images)), top);
  }

  /**
   * The pooled features of each image ([N, C], 1280 for B0), through the checkpoint's own
   * preprocessing: the embedding used for similarity search and transfer learning. Works on
   * models with or without a classifier. `embedAsync` works on every backend.
   */
  embed(images: readonly (RgbImage | ImageDataLike)[]): Tensor {
    return this.model.run(this.preprocess(images), { output: 'pooled' });
  }

  /** What `embed` returns, awaited. */
  embedAsync(images: readonly (RgbImage | ImageDataLike)[]): Promise<Tensor> {
    return this.model.predict(this.preprocess(images), { output: 'pooled' });
  }

  private checkClassify(options: ClassifyOptions): number {
    const top = options.top ?? 5;
    if (!Number.isInteger(top) || top < 1) throw new Error(`top must be a positive integer, got ${String(top)}`);
    if (!this.model.plan.includeTop) throw new Error('this model has no classifier (includeTop: false): use embed()');
    return top;
  }

  private ranked(logits: Tensor, top: number): Prediction[][] {
    const predictions = topK(logits, this.labels, top);
    checkFiniteLogits(logits, predictions, escapeText(this.model.checkpoint?.name ?? 'model', 120));
    return predictions;
  }

  /** A batch size that keeps a batch's activations near 0.5 M pixels per channel (1 at 600×600). */
  get batchSize(): number {
    return Math.max(1, Math.min(32, Math.floor(524_288 / this.pipeline.size ** 2)));
  }
}

/** RGB (3 bytes a pixel) as is; RGBA ImageData composited onto white. */
function asRgb(image: RgbImage | ImageDataLike): RgbImage {
  const n = image.width * image.height;
  if (image.data.length === n * 3) {
    const { buffer, byteOffset, byteLength } = image.data;
    return { width: image.width, height: image.height, data: new Uint8Array(buffer, byteOffset, byteLength) };
  }
  if (image.data.length === n * 4) return fromImageData(image);
  throw new Error(`image data has ${image.data.length} bytes for ${image.width}×${image.height}: neither RGB nor RGBA`);
}
