import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { effnet, effnetProcess } from './run-cli.js';

const images = new URL('../fixtures/images/', import.meta.url).pathname;
const classify = (...args: string[]) => effnet('classify', ...args);
const samples = readdirSync(images).filter((f) => /\.(png|jpe?g)$/.test(f)).sort().map((f) => join(images, f));
// Each sample is a Fashion-MNIST test image of the class its name says, one that PyTorch
// classifies correctly with probability ≥ 0.9 (fixtures/images/README.md).
const CLASS_OF: Record<string, string> = {
  'ankle-boot': 'Ankle boot', trouser: 'Trouser', bag: 'Bag', sneaker: 'Sneaker', dress: 'Dress', pullover: 'Pullover',
};
const classOf = (file: string) => CLASS_OF[/([a-z-]+?)(-\d+)?\.\w+$/.exec(file)![1]!]!;
const tmp = mkdtempSync(join(tmpdir(), 'effnet-classify-'));

describe('effnet classify with the shipped default model', () => {
  // A process, started in another directory: the shipped model is found from the package, not the cwd.
  it('names the class of every sample image in the folder, from any working directory', () => {
    expect(samples.length).toBeGreaterThanOrEqual(6);
    const r = effnetProcess(['classify', '--json', images.replace(/\/$/, '')], { cwd: tmp });
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as { file: string; top: { label: string; index: number; probability: number }[] }[];
    expect(results.map((x) => x.file)).toEqual(samples); // README.md in there is not an image
    for (const { file, top } of results) {
      expect(top[0]!.label, file).toBe(classOf(file));
      expect(top[0]!.probability).toBeGreaterThan(0.5);
    }
  });

  it('--json gives [{file, top: [{label, index, probability}]}], best first, --top clamped to the 10 classes', async () => {
    const [result] = JSON.parse((await classify('--json', '--top', '50', samples[0]!)).stdout);
    expect(Object.keys(result)).toEqual(['file', 'top']);
    expect(result.top).toHaveLength(10);
    expect(Object.keys(result.top[0])).toEqual(['label', 'index', 'probability']);
    const p = result.top.map((t: { probability: number }) => t.probability);
    expect([...p].sort((a, b) => b - a)).toEqual(p);
    expect(p.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);
    expect(new Set(result.top.map((t: { index: number }) => t.index)).size).toBe(10);
  });

  it('text output: the file, then one "probability  label" line per class', async () => {
    const r = await classify('--top', '3', '--backend', 'reference', samples[0]!, samples[1]!);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    expect(lines[0]).toBe(samples[0]);
    expect(lines[1]).toMatch(/^ {2}[01]\.\d{3} {2}\S/);
    expect(lines[4]).toBe('');
    expect(lines[5]).toBe(samples[1]);
  });

  it('--labels replaces the class names (one a line, or a JSON array)', async () => {
    const file = join(tmp, 'labels.txt');
    writeFileSync(file, Array.from({ length: 10 }, (_, i) => `L${i}`).join('\n') + '\n');
    const [result] = JSON.parse((await classify('--json', '--labels', file, samples[0]!)).stdout);
    expect(result.top[0].label).toBe(`L${result.top[0].index}`);
    const short = join(tmp, 'short.json');
    writeFileSync(short, '["a", "b"]');
    const bad = await classify('--labels', short, samples[0]!);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`effnet classify: ${short}: 2 labels but the model has 10 classes`);
  });

  // A process: the progress line is written straight to process.stderr.
  it('many images: a progress line on stderr, and the same answer for each copy', () => {
    const copies = Array.from({ length: 12 }, (_, i) => {
      const f = join(tmp, `copy-${i}.png`);
      copyFileSync(samples.find((s) => s.endsWith('bag.png'))!, f);
      return f;
    });
    const r = effnetProcess(['classify', '--json', '--top', '1', ...copies]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('classified 12/12');
    expect(new Set(JSON.parse(r.stdout).map((x: { top: { label: string }[] }) => x.top[0]!.label))).toEqual(new Set(['Bag']));
  });
});

describe('effnet classify: bad input is one line naming the file, non-zero exit', () => {
  it('one bad image: one error line', async () => {
    const file = join(tmp, 'not-an-image.png');
    writeFileSync(file, 'hello');
    const r = await classify(file);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`effnet classify: ${file}: not a PNG or JPEG image (unrecognised first bytes)`]);
  });

  it('a bad image among good ones: its line, the others classified, a count, exit 1', async () => {
    const missing = join(tmp, 'missing.jpg');
    const r = await classify(samples[0]!, missing);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe(samples[0]);
    expect(r.stderr.trim().split('\n')).toEqual([`effnet classify: ${missing}: no such file`, 'effnet classify: 1 of 2 images could not be read']);
  });

  it.each([
    [['--interpolation', 'nearest', 'x.png'], /--interpolation must be bilinear or bicubic/],
    [['--backend', 'gpu', 'x.png'], /--backend must be wasm, reference or webgpu/],
    [['--top', '0', 'x.png'], /--top must be a positive integer/],
    [['--crop-pct', '2', 'x.png'], /--crop-pct must be a number in \(0, 1\]/],
    [[], /no image given/],
  ])('usage error %j exits 2', async (args, message) => {
    const r = await classify(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(message);
  });

  it('--help prints the usage', async () => {
    expect((await classify('--help')).stdout).toMatch(/^Usage: effnet classify <image or folder…>/);
  });
});
