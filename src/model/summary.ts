import { buildPlan, type Plan, type StageSummary } from './plan.js';
import { ALPHA, BETA, GAMMA, flopsBase, VARIANTS } from './scaling.js';

export interface LayerSummary {
  name: string;
  kind: string;
  inputs: readonly string[];
  shape: readonly number[];
  params: number;
  macs: number;
  stage: number;
}

export interface ModelSummary {
  name: string;
  width: number;
  depth: number;
  resolution: number;
  numClasses: number;
  padding: string;
  blocks: number;
  params: number;
  trainableParams: number;
  macs: number;
  /** MACs divided by B0's at 224: the paper expects about (α·β²·γ²)^φ ≈ 2^φ. */
  macsRatioToB0: number;
  /** The scaling constants and their FLOPs base α·β²·γ² (≈ 2 by the paper's constraint). */
  scaling: { alpha: number; beta: number; gamma: number; flopsBase: number };
  stages: readonly StageSummary[];
  layers: readonly LayerSummary[];
}

let b0Macs: number | undefined;

export function summarize(plan: Plan): ModelSummary {
  b0Macs ??= buildPlan(VARIANTS.b0).macs;
  const c = plan.coefficients;
  return {
    name: c.name,
    width: c.width,
    depth: c.depth,
    resolution: plan.resolution,
    numClasses: plan.numClasses,
    padding: plan.padding,
    blocks: plan.blocks,
    params: plan.params,
    trainableParams: plan.trainableParams,
    macs: plan.macs,
    macsRatioToB0: plan.macs / b0Macs,
    scaling: { alpha: ALPHA, beta: BETA, gamma: GAMMA, flopsBase: flopsBase() },
    stages: plan.stages,
    layers: plan.layers.map(({ name, kind, inputs, shape, params, macs, stage }) => ({ name, kind, inputs, shape, params, macs, stage })),
  };
}

const group = (n: number) => n.toLocaleString('en-US');
const fixed = (n: number, d = 3) => Number(n.toFixed(d)).toString();

/** A table in the manner of Keras's model.summary(): every layer, its output shape, params and MACs. */
export function formatSummary(s: ModelSummary): string {
  const rows: string[][] = [['Layer (type)', 'Output shape', 'Params', 'MACs']];
  for (const l of s.layers) rows.push([`${l.name} (${l.kind})`, `(None, ${l.shape.join(', ')})`, group(l.params), group(l.macs)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const stageRows = s.stages.map(
    (st) => `  stage ${st.stage}: ${st.repeats} × MBConv${st.expandRatio} k${st.kernel} s${st.stride}  ${st.filtersIn} → ${st.filtersOut}  out (${st.shape.join(', ')})  params ${group(st.params)}  MACs ${group(st.macs)}`,
  );
  return [
    `EfficientNet ${s.name}: width ×${fixed(s.width)}, depth ×${fixed(s.depth)}, resolution ${s.resolution}, ${s.blocks} blocks, ${s.numClasses > 0 ? `${s.numClasses} classes` : 'no classifier'}, '${s.padding}' padding`,
    ...stageRows,
    rule,
    line(rows[0]!),
    rule,
    ...rows.slice(1).map(line),
    rule,
    `Total params: ${group(s.params)}`,
    `Trainable params: ${group(s.trainableParams)}`,
    `Non-trainable params: ${group(s.params - s.trainableParams)} (batch norm statistics)`,
    `Multiply-adds: ${group(s.macs)} (${fixed(s.macs / 1e9, 2)} G), ${fixed(s.macsRatioToB0, 2)}× B0; α·β²·γ² = ${fixed(s.scaling.flopsBase, 4)}`,
  ].join('\n');
}
