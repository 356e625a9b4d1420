import type { ModelSummary } from '../../src/index.js';

// The network drawn as the paper's Figure 2 draws scaling: one box per block, its height the
// feature map's side (resolution), its thickness the channels (width), their number the depth.
// Rows share one scale, so a scaled variant next to B0 shows all three dimensions growing.

const SVG = 'http://www.w3.org/2000/svg';
const ROW_HEIGHT = 120;
const MAX_BOX = 96;
const LABEL = 78;

interface Box {
  stage: number;
  side: number;
  channels: number;
  name: string;
}

function boxes(s: ModelSummary): Box[] {
  const out: Box[] = [];
  for (const l of s.layers) {
    if (l.name === 'stem_conv' || l.name === 'top_conv' || /^block\d+[a-z]+_project_conv$/.test(l.name)) {
      out.push({ stage: l.stage, side: l.shape[0]!, channels: l.shape[2]!, name: l.name.replace(/_(project_)?conv$/, '') });
    }
  }
  return out;
}

const thickness = (channels: number) => 3 + 1.1 * Math.sqrt(channels);

export function drawArchitecture(svg: SVGSVGElement, rows: readonly { label: string; summary: ModelSummary }[]): void {
  const all = rows.map((r) => boxes(r.summary));
  const scale = MAX_BOX / Math.max(...all.flat().map((b) => b.side));
  let width = 0;
  const children: SVGElement[] = [];
  rows.forEach((row, i) => {
    const mid = i * ROW_HEIGHT + ROW_HEIGHT / 2;
    children.push(text(4, mid + 4, row.label, 'arch-label'));
    const groups = new Map<number, { start: number; end: number }>();
    let x = LABEL;
    for (const b of all[i]!) {
      if (!groups.has(b.stage)) {
        if (groups.size > 0) x += 6;
        groups.set(b.stage, { start: x, end: x });
      }
      const w = thickness(b.channels);
      const h = Math.max(2, b.side * scale);
      const r = rect(x, mid - h / 2, w, h, `arch-box s${b.stage}`);
      r.append(title(`${b.name}: ${b.side}×${b.side}×${b.channels}`));
      children.push(r);
      x += w;
      groups.get(b.stage)!.end = x;
      x += 2;
    }
    width = Math.max(width, x + 4);
    if (i < rows.length - 1) return;
    // Stage numbers under the last row, centred on each group; `stem` ends at its box, in the label margin.
    for (const [stage, { start, end }] of groups) {
      const label = text(stage === 0 ? end : (start + end) / 2, (i + 1) * ROW_HEIGHT - 4, stage === 0 ? 'stem' : stage === 8 ? 'head' : String(stage), 'arch-stage');
      label.setAttribute('text-anchor', stage === 0 ? 'end' : 'middle');
      children.push(label);
    }
  });
  svg.setAttribute('viewBox', `0 0 ${width} ${rows.length * ROW_HEIGHT}`);
  svg.setAttribute('width', String(Math.ceil(width)));
  svg.setAttribute('height', String(rows.length * ROW_HEIGHT));
  svg.replaceChildren(...children);
}

function rect(x: number, y: number, w: number, h: number, cls: string): SVGRectElement {
  const r = document.createElementNS(SVG, 'rect');
  for (const [k, v] of Object.entries({ x, y, width: w, height: h })) r.setAttribute(k, v.toFixed(1));
  r.setAttribute('class', cls);
  return r;
}

function text(x: number, y: number, content: string, cls: string): SVGTextElement {
  const t = document.createElementNS(SVG, 'text');
  t.setAttribute('x', String(x));
  t.setAttribute('y', String(y));
  t.setAttribute('class', cls);
  t.textContent = content;
  return t;
}

function title(content: string): SVGTitleElement {
  const t = document.createElementNS(SVG, 'title');
  t.textContent = content;
  return t;
}
