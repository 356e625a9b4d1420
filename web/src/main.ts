// The page's main thread: wires the controls to the worker and draws what comes back. No model
// code runs here except the scaling explorer's plan arithmetic, which takes microseconds.
import { barChart, el, grouped } from './charts.js';
import { mountExplorer } from './explorer.js';
import { mountGrid } from './grid.js';
import { FrameWatch } from './frames.js';
import type { LayerTime, ModelInfo, Reply, Request, RequestBody } from './protocol.js';
import { byStage } from './timing.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const workerUrl = new URL('./worker.js', import.meta.url);
if (params.get('backend')) workerUrl.searchParams.set('backend', params.get('backend')!);
const worker = new Worker(workerUrl, { type: 'module' });
const frames = new FrameWatch();

let nextId = 1;
let benchAsked = false;
function send(req: RequestBody): void {
  frames.start();
  worker.postMessage({ ...req, id: nextId++ } as Request);
}

function setStatus(text: string, state: 'busy' | 'ready' | 'error' = 'busy'): void {
  $('status').textContent = text;
  $('status').dataset.state = state;
}

function describe(m: ModelInfo): string {
  return `${m.name} (${m.variant}, ${m.resolution}×${m.resolution}, ${m.classes} classes, ${grouped(m.params)} parameters) from ${m.source}`;
}

worker.onmessage = (event: MessageEvent<Reply>) => {
  const r = event.data;
  switch (r.type) {
    case 'ready':
      document.body.dataset.backend = r.backend;
      document.body.dataset.threads = String(r.threads);
      $('backend').textContent = r.backend === 'webgpu' ? 'WebGPU' : r.backend === 'wasm' ? `WASM SIMD${r.threads > 1 ? `, ${r.threads} threads` : ''}` : 'reference (TypeScript)';
      $('notice').textContent = r.notice ?? '';
      $('notice').hidden = !r.notice;
      $('model-info').textContent = r.model ? describe(r.model) : 'no model loaded';
      document.body.dataset.ready = 'true';
      setStatus(r.model ? 'Ready: choose or drop an image.' : 'Ready, but without a model: load a checkpoint.', 'ready');
      if (params.get('bench') && !benchAsked) runBench(params.get('bench')!);
      return;
    case 'progress':
      setStatus(r.message);
      return;
    case 'loaded':
      frames.stop();
      $('model-info').textContent = describe(r.model);
      setStatus('Checkpoint loaded: choose or drop an image.', 'ready');
      return;
    case 'result':
      showResult(r);
      return;
    case 'bench': {
      const gap = frames.stop();
      const text = `${r.variant} at ${r.resolution}×${r.resolution} on ${r.backend}: median ${r.medianMs.toFixed(1)} ms over ${r.runsMs.length} runs (${r.runsMs.map((m) => m.toFixed(0)).join(', ')} ms); main thread's longest frame meanwhile ${gap.toFixed(0)} ms`;
      $('bench-result').textContent = text;
      $('bench-result').dataset.median = String(r.medianMs);
      setStatus('Benchmark done.', 'ready');
      return;
    }
    case 'error':
      frames.stop();
      setStatus(`Error: ${r.message}`, 'error');
      return;
  }
};
worker.onerror = (e) => setStatus(`Error: the worker failed (${e.message})`, 'error');

function showResult(r: Extract<Reply, { type: 'result' }>): void {
  const gap = frames.stop();
  const top1 = el('strong', undefined, r.top[0]?.label ?? '');
  top1.dataset.testid = 'top1';
  top1.dataset.probability = String(r.top[0]?.probability ?? '');
  $('top1-line').replaceChildren('Top-1: ', top1, ` (${((r.top[0]?.probability ?? 0) * 100).toFixed(1)}%)`);
  barChart($('top5'), r.top.map((p) => ({ label: p.label, value: p.probability, text: `${(p.probability * 100).toFixed(1)}%` })), 1);
  $('latency').textContent = `${r.image.width}×${r.image.height} image; inference ${r.totalMs.toFixed(2)} ms (median of ${r.runs} run${r.runs > 1 ? 's' : ''}); main thread's longest frame meanwhile ${gap.toFixed(0)} ms.`;
  $('latency').dataset.ms = String(r.totalMs);
  const steps = r.layers.reduce((t, l) => t + l.ms, 0);
  $('timing-method').textContent = `${r.layers.length} steps, ${steps.toFixed(2)} ms in all: ${r.method}.`;
  showTimes(r.layers, steps);
  setStatus('Done: choose or drop another image.', 'ready');
}

function showTimes(layers: readonly LayerTime[], total: number): void {
  const pct = (ms: number) => `${ms.toFixed(2)} ms · ${((100 * ms) / total).toFixed(0)}%`;
  barChart($('stage-times'), byStage(layers).map((s) => ({ label: s.name, value: s.ms, text: pct(s.ms) })));
  const costly = [...layers].sort((a, b) => b.ms - a.ms).slice(0, 12);
  barChart($('layer-times'), costly.map((l) => ({ label: l.name, value: l.ms, text: pct(l.ms) })));
}

function classify(file: File): void {
  const img = $<HTMLImageElement>('preview');
  if (img.src) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(file);
  img.alt = file.name;
  setStatus(`Classifying ${file.name}…`);
  send({ type: 'classify', image: file, name: file.name });
}

function runBench(variant: string): void {
  benchAsked = true;
  setStatus(`Benchmarking ${variant} with seeded weights…`);
  send({ type: 'bench', variant, runs: Math.max(1, Number(params.get('runs') ?? 5)) });
}

$<HTMLInputElement>('image').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  if (file) classify(file);
  input.value = ''; // so that picking the same file again classifies it again
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = [...(e.dataTransfer?.files ?? [])].find((f) => f.type.startsWith('image/')) ?? e.dataTransfer?.files[0];
  if (file) classify(file);
});
$('load').addEventListener('click', () => {
  const files = [...($<HTMLInputElement>('checkpoint').files ?? [])];
  if (files.length === 0) return setStatus('Choose model.json and its shards, or one .safetensors file, first.', 'error');
  setStatus(`Loading ${files.map((f) => f.name).join(', ')}…`);
  send({ type: 'load', files, variant: $<HTMLInputElement>('ckpt-variant').value });
});
$('bench').addEventListener('click', () => runBench('b0'));
mountExplorer($('explorer'));
mountGrid($('grid'));
