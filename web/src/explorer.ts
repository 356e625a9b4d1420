import {
  ALPHA, BETA, GAMMA, VARIANTS, buildPlan, summarize,
  type ModelSummary, type Variant, type VariantName,
} from '../../src/index.js';
import { flopsBase } from '../../src/model/scaling.js';
import { drawArchitecture } from './architecture.js';
import { el, fixed, grouped } from './charts.js';

// The scaling explorer: everything shown is computed live by src/model (buildPlan + summarize),
// the same code `effnet summary` prints, so the page and the CLI cannot disagree.

const b0 = summarize(buildPlan('b0'));

export function mountExplorer(root: HTMLElement): void {
  const slider = root.querySelector<HTMLInputElement>('#phi')!;
  const phiOut = root.querySelector<HTMLOutputElement>('#phi-value')!;
  const named = root.querySelector<HTMLElement>('#variants')!;
  const buttons = (Object.keys(VARIANTS) as VariantName[]).map((name) => {
    const b = el('button', 'variant', name.toUpperCase());
    b.type = 'button';
    b.dataset.variant = name;
    b.addEventListener('click', () => show(name));
    return b;
  });
  named.replaceChildren(...buttons);

  const show = (variant: Variant) => {
    const s = summarize(buildPlan(variant));
    for (const b of buttons) b.classList.toggle('active', b.dataset.variant === s.name);
    phiOut.value = typeof variant === 'object' && 'phi' in variant ? fixed(variant.phi, 2) : '–';
    root.dataset.variant = s.name;
    renderFormulas(root.querySelector('#formulas')!, variant, s);
    renderTotals(root.querySelector('#totals')!, s);
    renderStages(root.querySelector('#stage-table')!, s);
    const sameAsB0 = s.width === b0.width && s.depth === b0.depth && s.resolution === b0.resolution;
    const label = s.name.startsWith('phi=') ? `φ=${s.name.slice(4)}` : s.name.toUpperCase();
    drawArchitecture(root.querySelector('#architecture')!, sameAsB0 ? [{ label: 'B0', summary: b0 }] : [{ label: 'B0', summary: b0 }, { label, summary: s }]);
  };
  slider.addEventListener('input', () => show({ phi: Number(slider.value) }));
  show({ phi: Number(slider.value) });
}

function renderFormulas(box: HTMLElement, variant: Variant, s: ModelSummary): void {
  const base = flopsBase();
  const effectivePhi = Math.log(s.macsRatioToB0) / Math.log(base);
  if (typeof variant === 'object' && 'phi' in variant) {
    const phi = variant.phi;
    const r = GAMMA ** phi;
    box.innerHTML = [
      `<p><b>depth</b> d = α<sup>φ</sup> = ${ALPHA}<sup>${fixed(phi, 2)}</sup> = <b>${fixed(ALPHA ** phi)}</b> &nbsp;→ each stage repeats ⌈d·L<sub>i</sub>⌉ blocks (${s.blocks} in all; B0 has ${b0.blocks})</p>`,
      `<p><b>width</b> w = β<sup>φ</sup> = ${BETA}<sup>${fixed(phi, 2)}</sup> = <b>${fixed(BETA ** phi)}</b> &nbsp;→ channels C<sub>i</sub>·w rounded to a multiple of 8</p>`,
      `<p><b>resolution</b> r = γ<sup>φ</sup> = ${GAMMA}<sup>${fixed(phi, 2)}</sup> = <b>${fixed(r)}</b> &nbsp;→ 224·r = ${fixed(224 * r, 1)} → <b>${s.resolution}</b> px (a multiple of 8)</p>`,
      `<p>α·β²·γ² = ${ALPHA}·${BETA}²·${GAMMA}² = <b>${fixed(base, 4)}</b> ≈ 2, so FLOPs should grow ≈ (α·β²·γ²)<sup>φ</sup> = ${fixed(base ** phi, 2)}×; counted: <b>${fixed(s.macsRatioToB0, 2)}× B0</b> (rounding channels up and repeats to whole blocks adds the rest).</p>`,
    ].join('');
  } else {
    box.innerHTML = [
      `<p><b>${s.name.toUpperCase()}</b> as released: width w = <b>${s.width}</b>, depth d = <b>${s.depth}</b>, resolution <b>${s.resolution}</b> px.</p>`,
      `<p>These were set by hand in the official builder, not computed as α<sup>φ</sup>, β<sup>φ</sup>, γ<sup>φ</sup>. Its cost, <b>${fixed(s.macsRatioToB0, 2)}× B0</b>, is what (α·β²·γ²)<sup>φ</sup> gives at φ ≈ ${fixed(effectivePhi, 2)}.</p>`,
    ].join('');
  }
}

function renderTotals(box: HTMLElement, s: ModelSummary): void {
  const item = (label: string, value: string, testid: string, raw?: number) => {
    const dd = el('dd', undefined, value);
    dd.dataset.testid = testid;
    if (raw !== undefined) dd.dataset.value = String(raw);
    return [el('dt', undefined, label), dd];
  };
  box.replaceChildren(
    ...item('variant', s.name, 'variant'),
    ...item('input', `${s.resolution}×${s.resolution}×3`, 'resolution', s.resolution),
    ...item('blocks', String(s.blocks), 'blocks', s.blocks),
    ...item('parameters', grouped(s.params), 'params', s.params),
    ...item('multiply-adds', `${grouped(s.macs)} (${fixed(s.macs / 1e9, 2)} G)`, 'macs', s.macs),
    ...item('MACs / B0', `${fixed(s.macsRatioToB0, 2)}×`, 'macs-ratio', s.macsRatioToB0),
  );
}

// Rows as in the paper's Table 1: operator, input resolution, output channels, layers.
function renderStages(table: HTMLTableElement, s: ModelSummary): void {
  const layer = (name: string) => s.layers.find((l) => l.name === name)!;
  const stageTotals = (stage: number) => s.layers.filter((l) => l.stage === stage).reduce((a, l) => ({ params: a.params + l.params, macs: a.macs + l.macs }), { params: 0, macs: 0 });
  const withB0 = (value: number, b0value: number) => (value === b0value ? String(value) : `${value} <small>(B0 ${b0value})</small>`);
  const rows: string[][] = [];
  const stem = stageTotals(0);
  rows.push(['stem', 'Conv3×3', `${s.resolution}×${s.resolution}`, withB0(layer('stem_conv').shape[2]!, 32), '1', '2', grouped(stem.params), grouped(stem.macs)]);
  let side = layer('stem_conv').shape[0]!;
  s.stages.forEach((st, i) => {
    const b0st = b0.stages[i]!;
    rows.push([
      String(st.stage), `MBConv${st.expandRatio}, k${st.kernel}×${st.kernel}`, `${side}×${side}`,
      withB0(st.filtersOut, b0st.filtersOut), withB0(st.repeats, b0st.repeats), String(st.stride), grouped(st.params), grouped(st.macs),
    ]);
    side = st.shape[0]!;
  });
  const head = stageTotals(8);
  rows.push(['head', 'Conv1×1 & Pooling & FC', `${side}×${side}`, withB0(layer('top_conv').shape[2]!, 1280), '1', '1', grouped(head.params), grouped(head.macs)]);
  const th = ['stage', 'operator', 'resolution', 'channels', 'layers', 'stride', 'params', 'MACs'];
  table.innerHTML = `<thead><tr>${th.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${i >= 3 ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody>`;
}
