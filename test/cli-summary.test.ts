import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bin = new URL('../bin/effnet.js', import.meta.url).pathname;
const effnet = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('effnet summary', () => {
  it.each([
    ['b0', 5_330_564],
    ['b3', 12_320_528],
    ['b7', 66_658_680],
  ])('%s --json reports %i parameters', (v, params) => {
    const s = JSON.parse(execFileSync(process.execPath, [bin, 'summary', v, '--json'], { encoding: 'utf8' }));
    expect(s.params).toBe(params);
    expect(s.layers.length).toBeGreaterThan(200);
    expect(s.stages).toHaveLength(7);
    expect(s).toHaveProperty('trainableParams');
  });

  it('prints a Keras-like table with totals', () => {
    const r = effnet('summary', 'b0');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/block2a_expand_conv \(conv2d\)\s+\(None, 112, 112, 96\)\s+1,536\s+19,267,584/);
    expect(r.stdout).toContain('Total params: 5,330,564');
    expect(r.stdout).toContain('Multiply-adds: 385,814,752');
  });

  it('phi=1 reports its MACs ratio to B0', () => {
    const s = JSON.parse(effnet('summary', 'phi=1', '--json').stdout);
    expect(s.resolution).toBe(256);
    expect(s.macsRatioToB0).toBeGreaterThan(1.7);
    expect(s.macsRatioToB0).toBeLessThan(2.3);
  });

  it('answers --help, and bad input with one line and a non-zero exit', () => {
    expect(effnet('summary', '--help').stdout).toMatch(/^Usage: effnet summary/);
    const bad = effnet('summary', 'b9');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain("unknown variant 'b9'");
    expect(effnet('summary', 'b0', '--bogus').status).toBe(2);
    expect(effnet('nope').status).toBe(2);
  });
});
