import { buildPlan } from '../model/plan.js';
import { parseVariant } from '../model/scaling.js';
import { formatSummary, summarize } from '../model/summary.js';
import { intOption, parse, stringOption, UsageError, type Command } from './command.js';

const usage = `Usage: effnet summary <b0…b7 | phi=X> [--resolution N] [--classes N] [--padding same|symmetric] [--json]

Prints every layer of the variant with its output shape, parameters and multiply-adds, the
stage table and the totals (parameters as Keras counts them, batch norm statistics included).

  --resolution N   input size (default: the variant's own)
  --classes N      classifier width (default 1000)
  --padding MODE   same (TF/Keras, default) or symmetric (PyTorch)
  --json           {name, width, depth, resolution, params, trainableParams, macs, stages, layers, …}`;

export const summary: Command = {
  name: 'summary',
  summary: 'layers, shapes, parameters and multiply-adds of a variant',
  usage,
  run(argv) {
    const { values, positionals } = parse(argv, {
      json: { type: 'boolean' },
      resolution: { type: 'string' },
      classes: { type: 'string' },
      padding: { type: 'string' },
    }, usage);
    if (positionals.length !== 1) throw new UsageError(`expected one variant, got ${positionals.length}\n${usage}`);
    const variant = parseVariant(positionals[0]!);
    const padding = stringOption(values, 'padding') ?? 'same';
    if (padding !== 'same' && padding !== 'symmetric') throw new UsageError(`--padding must be same or symmetric, got '${padding}'`);
    const plan = buildPlan(variant, {
      resolution: intOption(stringOption(values, 'resolution'), '--resolution'),
      numClasses: intOption(stringOption(values, 'classes'), '--classes'),
      padding,
    });
    const s = summarize(plan);
    console.log(values.json ? JSON.stringify(s, null, 2) : formatSummary(s));
  },
};
