import { gridSearch, gridTable, phiCost } from '../../src/index.js';

// The grid search view: the table `effnet scaling --grid` prints, from the same gridSearch and
// gridTable, so the page and the CLI cannot disagree. Computed on first open (about 0.1 s).

export function mountGrid(root: HTMLElement): void {
  const details = root.querySelector<HTMLDetailsElement>('details')!;
  const render = () => {
    if (root.dataset.ready === 'true') return;
    const result = gridSearch();
    const { header, rows } = gridTable(result);
    const table = root.querySelector<HTMLTableElement>('#grid-table')!;
    const numeric = (i: number) => i >= 3 && i < 9;
    table.innerHTML = `<thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
      .map((r) => `<tr${r[9] ? ' class="paper"' : ''}>${r.map((c, i) => `<td${numeric(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`)
      .join('')}</tbody>`;
    const cost = phiCost(2);
    root.querySelector('#grid-why')!.innerHTML = `Why φ = 2 costs <b>${cost.planned.toFixed(2)}× B0</b> and not (α·β²·γ²)<sup>2</sup> = ${cost.ideal.toFixed(2)}×: the formula counts fractional layers, channels and pixels, the network whole ones. Each dimension alone, formula → plan: ${cost.dimensions
      .map((d) => `<b>${d.dimension}</b> ${d.ideal.toFixed(2)}× → ${d.planned.toFixed(2)}× (${d.rounding})`)
      .join('; ')}.`;
    root.dataset.ready = 'true';
  };
  details.addEventListener('toggle', () => details.open && render());
  if (details.open) render();
}
