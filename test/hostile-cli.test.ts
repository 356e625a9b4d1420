import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { userMessage } from '../src/limits.js';
import { jpegHeader, npy, withHeader } from './fuzz/builders.js';
import { effnet } from './run-cli.js';

const images = new URL('../fixtures/images/', import.meta.url).pathname;
const shippedPath = new URL('../fixtures/models/fashion-effnet.safetensors', import.meta.url).pathname;
const good = join(images, 'trouser.png');
const tmp = mkdtempSync(join(tmpdir(), 'effnet-hostile-'));
const fifo = join(tmp, 'x.png');
execFileSync('mkfifo', [fifo]);

/** A CLI run that must finish within 20 s (a FIFO read would block forever). */
async function run(...argv: string[]) {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`effnet ${argv.join(' ')} hung`)), 20_000); });
  try {
    return await Promise.race([effnet(...argv), hang]);
  } finally {
    clearTimeout(timer);
  }
}

const oneLine = (stderr: string) => {
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  for (const l of lines) {
    expect(l.length).toBeLessThanOrEqual(540);
    expect(l).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(l).not.toMatch(/Memory\.grow|typed array length|DataView/);
  }
  return lines;
};

describe('files effnet reads: regular files only, a bad one never stops the others', () => {
  it('a FIFO among the images is refused by its type and the good image is still classified', async () => {
    const r = await run('classify', fifo, good);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Trouser/);
    expect(oneLine(r.stderr)).toEqual([`effnet classify: ${fifo}: is a FIFO (named pipe); only regular files are read`, 'effnet classify: 1 of 2 images could not be read']);
  });

  it('a FIFO or /dev/zero as --weights, a shard or --input is refused before it is opened for reading', async () => {
    expect((await run('classify', '--weights', fifo, good)).stderr).toBe(`effnet classify: ${fifo}: is a FIFO (named pipe); only regular files are read`);
    expect((await run('classify', '--weights', '/dev/zero', good)).stderr).toBe('effnet classify: /dev/zero: is a device; only regular files are read');
    expect((await run('infer', '--input', '/dev/zero', '--output', join(tmp, 'y.npy'))).stderr).toBe('effnet infer: /dev/zero: is a device; only regular files are read');
    const dir = join(tmp, 'tfjs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', weightsManifest: [{ paths: ['w.bin'], weights: [] }] }));
    execFileSync('mkfifo', [join(dir, 'w.bin')]);
    expect((await run('classify', '--weights', join(dir, 'model.json'), good)).stderr).toBe(`effnet classify: ${join(dir, 'model.json')}: shard 'w.bin': is a FIFO (named pipe); only regular files are read`);
  });

  it('/dev/zero behind a symbolic link in a folder is refused as a device', async () => {
    const dir = join(tmp, 'linked');
    mkdirSync(dir);
    symlinkSync('/dev/zero', join(dir, 'a.png'));
    copyFileSync(good, join(dir, 'b.png'));
    const r = await run('classify', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/b\.png\n {2}\d\.\d{3} {2}Trouser/);
    expect(oneLine(r.stderr)[0]).toBe(`effnet classify: ${join(dir, 'a.png')}: is a device; only regular files are read`);
  });

  it('an empty folder named x.png is an error for that argument only', async () => {
    const dir = join(tmp, 'empty.png');
    mkdirSync(dir);
    const r = await run('classify', dir, good);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Trouser/);
    expect(oneLine(r.stderr)).toEqual([`effnet classify: ${dir}: a folder without .png, .jpg or .jpeg files`, 'effnet classify: 1 of 2 images could not be read']);
  });

  it('a 65535×1 JPEG is its own error line and the other images of the run are kept', async () => {
    const wide = join(tmp, 'wide.jpg');
    writeFileSync(wide, jpegHeader(65535, 1, 0x22));
    const r = await run('classify', wide, good);
    expect(r.stdout).toMatch(/Trouser/);
    // refused from its header, by the resize the pipeline would make of it, before any decoding
    expect(oneLine(r.stderr)[0]).toMatch(new RegExp(`^effnet classify: ${wide}: image 65535×1: [\\d,]+ pixels after resizing to \\d+×\\d+, more than allowed \\(limit maxPixels = 40,000,000\\)$`));
  });
});

describe('what reaches the terminal is escaped and bounded', () => {
  it('a file name with an ESC sequence and a newline is printed escaped', async () => {
    const evil = join(tmp, 'a\x1b[2Jb\nc.png');
    copyFileSync(good, evil);
    const r = await run('classify', evil);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`${tmp}/a\\x1b[2Jb\\x0ac.png`);
    expect(r.stdout).not.toMatch(/\x1b/);
  });

  it('metadata classes with ESC sequences or newlines are printed escaped', async () => {
    const file = join(tmp, 'evil-classes.safetensors');
    const classes = Array.from({ length: 10 }, (_, i) => `c${i}\x1b]0;pwned\x07\nline`);
    writeFileSync(file, withHeader(new Uint8Array(readFileSync(shippedPath)), (h) => Object.assign(h.__metadata__ as object, { classes: JSON.stringify(classes) })));
    const r = await run('classify', '--weights', file, '--top', '1', good);
    expect(r.stdout.split('\n')[1]).toMatch(/^ {2}\d\.\d{3} {2}c\d\\x1b\]0;pwned\\x07\\x0aline$/);
  });

  it('a 10,000-dimension .npy shape gives one bounded line', async () => {
    const file = join(tmp, 'dims.npy');
    writeFileSync(file, npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (${new Array(10000).fill(1).join(', ')}), }`, new Uint8Array(4)));
    const r = await run('infer', '--input', file, '--output', join(tmp, 'o.npy'));
    expect(oneLine(r.stderr)).toEqual([`effnet infer: ${file}: shape has 10000 dimensions, more than allowed (limit maxRank = 8)`]);
  });

  it('an engine message never reaches the user', () => {
    expect(userMessage(new RangeError('WebAssembly.Memory.grow(): Unable to grow instance memory'), 'x.png')).toBe('x.png: ran out of memory (run with --debug for the details)');
    expect(userMessage(new RangeError('Invalid typed array length: 12884705280'))).toBe('ran out of memory (run with --debug for the details)');
    expect(userMessage(new Error(`a${'z'.repeat(40000)}`)).length).toBeLessThanOrEqual(530);
  });
});

describe('CLI limits: one line naming the flag or argument and the limit', () => {
  it.each([
    [['summary', 'phi=100'], /^effnet summary: phi=100: [\d,]+ pixels of input side, more than allowed \(limit maxResolution = 1,024\)$/],
    [['bench', '--model', 'phi=100'], /^effnet bench: phi=100: .*more than allowed \(limit max\w+ = [\d,]+\)$/],
    [['classify', '--model', 'phi=1000000', good], /^effnet classify: .*fashion-effnet\.safetensors: phi=1000000: width and depth must be positive finite numbers, got Infinity and Infinity$/],
    [['classify', '--model', 'phi=40', good], /^effnet classify: .*fashion-effnet\.safetensors: phi=40: [\d,]+ blocks, more than allowed \(limit maxBlocks = 128\)$/],
    [['classify', '--crop-pct', '0.001', good], /^effnet classify: --crop-pct: crop_pct 0\.001: 32,000 pixels of shorter side, more than allowed \(limit maxResize = 4,096\)$/],
    [['classify', '--resize', '30000', good], /^effnet classify: --resize 30000 is more than allowed \(limit maxResize = 4096\)$/],
    [['classify', '--max-pixels', '100', good], /^effnet classify: .*trouser\.png: 28×28 is 784 pixels, more than allowed \(limit maxPixels = 100\)$/],
  ])('effnet %j', async (argv, message) => {
    const before = process.memoryUsage().rss;
    const r = await run(...(argv as string[]));
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)[0]).toMatch(message);
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 2 ** 20);
  });
});
