// Horizontal bar charts as plain HTML rows (label · bar · value): readable, selectable text,
// no canvas, no library.

export interface Bar {
  label: string;
  value: number;
  text: string;
  title?: string;
}

export function barChart(container: HTMLElement, bars: readonly Bar[], max = Math.max(...bars.map((b) => b.value), 1e-9)): void {
  container.replaceChildren(
    ...bars.map((b) => {
      const row = el('div', 'bar-row');
      if (b.title) row.title = b.title;
      const fill = el('span', 'bar-fill');
      fill.style.width = `${Math.max(0, Math.min(100, (100 * b.value) / max)).toFixed(1)}%`;
      const track = el('span', 'bar-track');
      track.append(fill);
      row.append(el('span', 'bar-label', b.label), track, el('span', 'bar-value', b.text));
      return row;
    }),
  );
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export const grouped = (n: number) => Math.round(n).toLocaleString('en-US');
export const fixed = (n: number, digits = 3) => Number(n.toFixed(digits)).toString();
