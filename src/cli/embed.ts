import { writeFileSync } from 'node:fs';
import { Classifier } from '../image/classifier.js';
import { escapeText } from '../limits.js';
import { parseVariant } from '../model/scaling.js';
import { loadCheckpointFile } from '../node/checkpoint.js';
import { defaultModelPath } from '../node/default-model.js';
import { Tensor } from '../tensor/tensor.js';
import { writeNpy } from '../tensor/npy.js';
import { BACKEND_FLAGS, BACKEND_HELP, PIPELINE_FLAGS, PIPELINE_HELP, backendFromFlags, pipelineOptions } from './flags.js';
import { expandFolders, readBatch } from './images.js';
import { parse, stringOption, UsageError, type Command } from './command.js';

const usage = `Usage: effnet embed <image or folder…> (--output emb.npy | --json) [--weights W] [--model M]
         [--backend wasm|reference] [--threads N] [--family F] [--resize N] [--crop-pct X]
         [--interpolation I]

The pooled features of each image (1280 values for B0; the input of the classifier), through the
checkpoint's own preprocessing: embeddings for similarity search or transfer learning. Works with
checkpoints that have no classifier. Without --weights it uses the shipped Fashion-MNIST model.

  --output F         write a float32 .npy [N, C], one row per readable image, in the order the
                     file names are then printed on stdout
  --json             [{file, embedding: [...]}] on stdout instead
  --weights W        model.json (TF.js), .safetensors or .pth checkpoint
  --model M          b0…b7 or phi=X, when the checkpoint's metadata and shapes do not say
${BACKEND_HELP}
${PIPELINE_HELP}`;

export const embed: Command = {
  name: 'embed',
  summary: 'pooled features (embeddings) of PNG/JPEG images as .npy or JSON',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      output: { type: 'string' },
      json: { type: 'boolean' },
      weights: { type: 'string' },
      model: { type: 'string' },
      ...BACKEND_FLAGS,
      ...PIPELINE_FLAGS,
    }, usage);
    if (positionals.length === 0) throw new UsageError(`no image given\n${usage}`);
    const output = stringOption(values, 'output');
    if ((output === undefined) === (values.json !== true)) throw new UsageError(`give exactly one of --output FILE and --json\n${usage}`);
    const pipeline = pipelineOptions(values);
    const files = await expandFolders(positionals);
    const model = stringOption(values, 'model');
    const backend = await backendFromFlags(values, 'embed');
    const weights = stringOption(values, 'weights') ?? defaultModelPath();
    const net = await loadCheckpointFile(weights, { backend, family: pipeline.family, variant: model === undefined ? undefined : parseVariant(model) });
    const classifier = Classifier.fromModel(net, { pipeline });

    const rows: { file: string; embedding: Float32Array }[] = [];
    let failures = 0;
    for (let start = 0; start < files.length; start += classifier.batchSize) {
      const images = await readBatch(files.slice(start, start + classifier.batchSize), classifier.pipeline, files.length === 1, (e) => {
        failures++;
        console.error(`effnet embed: ${escapeText(e.message)}`);
      });
      if (images.length === 0) continue;
      const features = await classifier.embedAsync(images.map((i) => i.image));
      const width = features.shape[1]!;
      images.forEach(({ file }, i) => rows.push({ file, embedding: features.data.slice(i * width, (i + 1) * width) }));
    }
    const bad = rows.filter((r) => r.embedding.some((v) => !Number.isFinite(v)));
    for (const r of bad) console.error(`effnet embed: ${escapeText(r.file)}: the embedding has non-finite values`);

    if (values.json) {
      console.log(JSON.stringify(rows.map((r) => ({ file: r.file, embedding: Array.from(r.embedding) }))));
    } else if (rows.length > 0) {
      const width = rows[0]!.embedding.length;
      const data = new Float32Array(rows.length * width);
      rows.forEach((r, i) => data.set(r.embedding, i * width));
      writeFileSync(output!, writeNpy(new Tensor([rows.length, width], data)));
      for (const r of rows) console.log(escapeText(r.file));
    }
    if (failures > 0 || bad.length > 0) {
      throw new Error([
        ...(failures > 0 ? [`${failures} of ${files.length} images could not be read`] : []),
        ...(bad.length > 0 ? [`${bad.length} of ${files.length} embeddings are not finite`] : []),
      ].join('; '));
    }
  },
};
