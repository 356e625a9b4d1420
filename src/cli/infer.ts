import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EfficientNet } from '../efficientnet.js';
import { loadCheckpointFile } from '../node/checkpoint.js';
import { limits } from '../limits.js';
import { readBytes } from '../node/files.js';
import { readNpy, writeNpy } from '../tensor/npy.js';
import { FAMILIES, type Family } from '../weights/names/index.js';
import { BACKEND_FLAGS, BACKEND_HELP, backendFromFlags } from './flags.js';
import { intOption, parse, stringOption, UsageError, variantOption, type Command } from './command.js';

const usage = `Usage: effnet infer --weights W --input x.npy --output y.npy [--model M] [--backend wasm|reference]
         [--threads N] [--dump DIR]

Runs a checkpoint on a raw tensor: the input is already normalised, NHWC float32 ([N, H, W, 3]
or [H, W, 3]); the output is the logits [N, classes]. With --dump, every layer's output is
written as DIR/<keras layer name>.npy, for PyTorch checkpoints too, so dumps line up across
frameworks (the wasm backend fuses layers and dumps a fused group under its last layer's name).
Outputs that are not finite (NaN, ±Infinity) are written as computed; infer then says how many
on stderr and exits 1.

  --weights W       model.json (TF.js LayersModel) or .safetensors (Keras, timm tf_, timm,
                    torchvision names); without it, seeded weights (--seed)
  --model M         b0…b7 or phi=X (default: from the checkpoint's metadata and shapes)
  --family F        keras | timm_tf | timm | torchvision (default: detected from the names)
  --resolution N    input size the plan is built for (default: the input's)
  --classes N       classifier width (default: from the checkpoint)
${BACKEND_HELP}
  --seed N          seed of the generated weights when there is no --weights (default 1)
  --dump DIR        write every layer's output to DIR`;

export const infer: Command = {
  name: 'infer',
  summary: 'run a checkpoint on a .npy tensor, write logits (and every layer) as .npy',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      model: { type: 'string' },
      weights: { type: 'string' },
      input: { type: 'string' },
      output: { type: 'string' },
      ...BACKEND_FLAGS,
      dump: { type: 'string' },
      family: { type: 'string' },
      resolution: { type: 'string' },
      classes: { type: 'string' },
      seed: { type: 'string' },
    }, usage);
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'\n${usage}`);
    const input = stringOption(values, 'input');
    const output = stringOption(values, 'output');
    if (!input || !output) throw new UsageError(`--input and --output are required\n${usage}`);
    const backend = await backendFromFlags(values, 'infer');
    const family = stringOption(values, 'family');
    if (family !== undefined && !(FAMILIES as readonly string[]).includes(family)) throw new UsageError(`--family must be one of ${FAMILIES.join(', ')}, got '${family}'`);
    const variant = variantOption(values);
    const weights = stringOption(values, 'weights');
    const seed = intOption(stringOption(values, 'seed'), '--seed');
    if (weights && seed !== undefined) throw new UsageError('--seed makes weights; it cannot be combined with --weights');

    let x = readNpy(await readBytes(input, input, limits().maxNpyBytes, 'maxNpyBytes'), input);
    if (x.rank === 3) x = x.reshape([1, ...x.shape]);
    if (x.rank !== 4 || x.shape[3] !== 3 || x.shape[1] !== x.shape[2]) {
      throw new UsageError(`${input}: expected a square NHWC tensor [N, H, W, 3] or [H, W, 3], got [${x.shape.join(', ')}]`);
    }
    const resolution = intOption(stringOption(values, 'resolution'), '--resolution') ?? x.shape[1];
    const numClasses = intOption(stringOption(values, 'classes'), '--classes');
    const options = { variant, resolution, numClasses, backend };
    const model = weights
      ? await loadCheckpointFile(weights, { ...options, family: family as Family | undefined })
      : await EfficientNet.create({ ...options, seed: seed ?? 1 });

    const dir = stringOption(values, 'dump');
    let dumped = 0;
    if (dir) mkdirSync(dir, { recursive: true });
    const logits = await model.predict(x, dir ? {
      dump: (layer, t) => {
        writeFileSync(join(dir, `${layer.replace(/[^A-Za-z0-9_.-]/g, '_')}.npy`), writeNpy(t));
        dumped++;
      },
    } : {});
    writeFileSync(output, writeNpy(logits));
    const c = model.plan.coefficients;
    const source = model.checkpoint ? `${model.checkpoint.family} ${model.checkpoint.format}` : `seeded weights (seed ${seed ?? 1})`;
    console.error(`${c.name} from ${source}, ${model.plan.padding} padding, bn eps ${model.plan.epsilon}, ${model.backend.name} backend: input [${x.shape.join(', ')}] → logits [${logits.shape.join(', ')}] in ${output}${dir ? `; ${dumped} layers in ${dir}` : ''}`);
    // Written as computed, for comparison with the reference's own NaN; the exit status says so.
    const nan = logits.data.reduce((n, v) => n + (Number.isNaN(v) ? 1 : 0), 0);
    const infinite = logits.data.reduce((n, v) => n + (Number.isFinite(v) || Number.isNaN(v) ? 0 : 1), 0);
    if (nan + infinite > 0) throw new Error(`${output}: ${nan + infinite} of ${logits.size} outputs are not finite (${nan} NaN, ${infinite} infinite)`);
  },
};
