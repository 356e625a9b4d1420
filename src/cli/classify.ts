import type { Backend, BackendName } from '../backends/backend.js';
import { createBackend } from '../backends/index.js';
import { Classifier } from '../image/classifier.js';
import { isFamily, makePipeline, type PipelineOptions } from '../image/pipeline.js';
import { escapeText, limits, setLimits } from '../limits.js';
import { isInterpolation } from '../image/resample.js';
import { parseLabels, type Prediction } from '../image/labels.js';
import { describeNonFinite, NonFiniteOutputError } from '../image/nonfinite.js';
import type { RgbImage } from '../image/image.js';
import { parseVariant } from '../model/scaling.js';
import { findEntry } from '../registry/index.js';
import { ensureCached } from '../node/cache.js';
import { loadCheckpointFile } from '../node/checkpoint.js';
import { readRegularFile } from '../node/files.js';
import { defaultModelPath } from '../node/default-model.js';
import { expandFolders, readBatch, type Entry } from './images.js';
import { intOption, parse, stringOption, UsageError, type Command } from './command.js';
import { BACKEND_FLAGS, BACKEND_HELP, PIPELINE_FLAGS, PIPELINE_HELP, backendFromFlags, pipelineOptions } from './flags.js';

const usage = `Usage: effnet classify <image or folder…> [--weights W] [--model M] [--top K] [--json]
         [--labels FILE] [--backend wasm|reference] [--threads N] [--family F] [--resize N]
         [--crop-pct X] [--interpolation bilinear|bicubic] [--max-pixels N]

Classifies PNG and JPEG images (EXIF orientation applied, transparency composited onto white);
a folder stands for the .png, .jpg and .jpeg files in it. Without --weights it runs the shipped
default: an EfficientNet trained on Fashion-MNIST (10 classes, 32×32 grey images).

  --weights W        model.json (TF.js) or .safetensors checkpoint (default: the shipped model)
  --model M          b0…b7 or phi=X, when the checkpoint's metadata and shapes do not say;
                     without --weights, pretrained ImageNet weights from the registry
                     (b0…b7, timm/…: see effnet fetch --list), fetched on first use
  --offline          with a registry --model: use the cache only, download nothing
  --top K            classes to print per image (default 5, at most the class count)
  --json             [{file, top: [{label, index, probability}]}] on stdout
  --labels FILE      class names, one a line or a JSON array (default: the checkpoint's own,
                     ImageNet's for 1000 classes)
${BACKEND_HELP}
${PIPELINE_HELP}
  --max-pixels N     refuse images above N pixels, decoded or resized (default 40,000,000)`;

export const classify: Command = {
  name: 'classify',
  summary: 'top classes of PNG/JPEG images (default: the shipped Fashion-MNIST model)',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      weights: { type: 'string' },
      model: { type: 'string' },
      top: { type: 'string' },
      json: { type: 'boolean' },
      labels: { type: 'string' },
      ...BACKEND_FLAGS,
      ...PIPELINE_FLAGS,
      offline: { type: 'boolean' },
      'max-pixels': { type: 'string' },
    }, usage);
    if (positionals.length === 0) throw new UsageError(`no image given\n${usage}`);
    const top = intOption(stringOption(values, 'top'), '--top') ?? 5;
    const maxPixels = intOption(stringOption(values, 'max-pixels'), '--max-pixels');
    if (maxPixels !== undefined) setLimits({ maxPixels });
    const pipeline = pipelineOptions(values);
    const files = await expandFolders(positionals);
    const family = pipeline.family;
    const model = stringOption(values, 'model');
    const labelsFile = stringOption(values, 'labels');
    const labels = labelsFile === undefined ? undefined : parseLabels(await readText(labelsFile), labelsFile);

    const backend = await backendFromFlags(values, 'classify');
    const given = stringOption(values, 'weights');
    // A registry name without --weights: the entry fixes family, variant and preprocessing; flags still win.
    const entry = given === undefined && model !== undefined ? findEntry(model) : undefined;
    const net = entry
      ? await loadCheckpointFile(await ensureCached(entry, { offline: values.offline === true }), { backend, family: family ?? entry.family, variant: entry.variant, resolution: entry.resolution })
      : await loadCheckpointFile(given ?? defaultModelPath(), { backend, family, variant: model === undefined ? undefined : parseVariant(model) });
    if (entry) Object.assign(pipeline, { ...(pipeline.cropPct === undefined ? { resize: entry.resize } : {}), interpolation: entry.interpolation, ...pipeline });
    checkPipelineFlags(net.plan.resolution, net.family, pipeline);
    const classifier = Classifier.fromModel(net, { pipeline, labels, labelsName: labelsFile });

    const results = await classifyFiles(classifier, files, top, values.json === true);
    if (values.json) console.log(JSON.stringify(results, null, 2));
  },
};

/**
 * Decodes and classifies the files a batch at a time, printing each result as it comes (text)
 * or returning them all (JSON). An unreadable file, or one whose logits are not finite, gets its
 * line on stderr and the rest go on; the run then fails with a count. A single file's error is
 * just that error.
 */
async function classifyFiles(classifier: Classifier, files: Entry[], top: number, json: boolean): Promise<{ file: string; top: Prediction[] }[]> {
  const results: { file: string; top: Prediction[] }[] = [];
  let failures = 0, nonFinite = 0;
  const progress = new Progress(files.length);
  for (let start = 0; start < files.length; start += classifier.batchSize) {
    const batch = files.slice(start, start + classifier.batchSize);
    const images = await readBatch(batch, classifier.pipeline, files.length === 1, (e) => {
      failures++;
      progress.interrupt(() => console.error(`effnet classify: ${escapeText(e.message)}`));
    });
    const tops = await classifyBatch(classifier, images.map((i) => i.image), top);
    images.forEach(({ file }, i) => {
      const t = tops[i]!;
      if (typeof t === 'string') {
        if (files.length === 1) throw new Error(`${file}: ${t}`);
        nonFinite++;
        progress.interrupt(() => console.error(`effnet classify: ${escapeText(`${file}: ${t}`)}`));
        return;
      }
      results.push({ file, top: t });
      if (!json) progress.interrupt(() => console.log(formatResult(file, t, results.length === 1)));
    });
    progress.update(start + batch.length);
  }
  progress.done();
  if (failures > 0 || nonFinite > 0) {
    if (json) console.log(JSON.stringify(results, null, 2));
    const why = [
      ...(failures > 0 ? [`${failures} of ${files.length} images could not be read`] : []),
      ...(nonFinite > 0 ? [`${nonFinite} of ${files.length} images gave a non-finite output`] : []),
    ];
    throw new Error(why.join('; '));
  }
  return results;
}

/** Each image's predictions, or why it has none (logits that are not finite). */
async function classifyBatch(classifier: Classifier, images: RgbImage[], top: number): Promise<(Prediction[] | string)[]> {
  try {
    return await classifier.classifyAsync(images, { top });
  } catch (e) {
    if (!(e instanceof NonFiniteOutputError)) throw e;
    const why = new Map(e.failed.map((r) => [r.image, describeNonFinite(r)]));
    return e.predictions.map((p, i) => p ?? why.get(i)!);
  }
}

// --resize and --crop-pct are checked against the limits once the model's input size is known,
// so that an error names the flag, not the checkpoint.
function checkPipelineFlags(size: number, family: PipelineOptions['family'], pipeline: PipelineOptions): void {
  if (pipeline.resize === undefined && pipeline.cropPct === undefined) return;
  try {
    makePipeline({ size, family, ...pipeline });
  } catch (e) {
    throw new UsageError(`${pipeline.cropPct !== undefined ? '--crop-pct' : '--resize'}: ${(e as Error).message}`);
  }
}

async function readText(file: string): Promise<string> {
  return new TextDecoder().decode(await readRegularFile(file, { maxBytes: limits().maxTextBytes, limit: 'maxTextBytes' }));
}

/** One header line (the file), then one line a class: probability, label. */
function formatResult(file: string, top: readonly Prediction[], first: boolean): string {
  return [...(first ? [] : ['']), escapeText(file), ...top.map((p) => `  ${p.probability.toFixed(3)}  ${escapeText(p.label, 120)}`)].join('\n');
}

/**
 * "classified 12/40" on stderr when there are more than a few images: rewritten in place on a
 * terminal, otherwise a line at every tenth of the way.
 */
class Progress {
  private shown = false;
  private lastTenth = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly total: number) {}

  update(done: number): void {
    if (this.total <= 4) return;
    const text = `classified ${done}/${this.total}`;
    if (this.tty) {
      process.stderr.write(`\r${text}\x1b[K`);
      this.shown = true;
    } else {
      const tenth = Math.floor((done * 10) / this.total);
      if (tenth > this.lastTenth) process.stderr.write(`${text}\n`);
      this.lastTenth = tenth;
    }
  }

  /** Prints something else without leaving the progress line in the middle of it. */
  interrupt(print: () => void): void {
    this.clear();
    print();
  }

  done(): void {
    this.clear();
  }

  private clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
