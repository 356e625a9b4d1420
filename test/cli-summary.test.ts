import { describe, expect, it } from 'vitest';
import { effnet, effnetProcess } from './run-cli.js';

describe('effnet summary', () => {
  it.each([
    ['b0', 5_330_564],
    ['b3', 12_320_528],
    ['b7', 66_658_680],
  ])('%s --json reports %i parameters', async (v, params) => {
    const r = await effnet('summary', v, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.params).toBe(params);
    expect(s.layers.length).toBeGreaterThan(200);
    expect(s.stages).toHaveLength(7);
    expect(s).toHaveProperty('trainableParams');
  });

  it('prints a Keras-like table with totals', async () => {
    const r = await effnet('summary', 'b0');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/block2a_expand_conv \(conv2d\)\s+\(None, 112, 112, 96\)\s+1,536\s+19,267,584/);
    expect(r.stdout).toContain('Total params: 5,330,564');
    expect(r.stdout).toContain('Multiply-adds: 385,814,752');
  });

  it('phi=1 reports its MACs ratio to B0', async () => {
    const s = JSON.parse((await effnet('summary', 'phi=1', '--json')).stdout);
    expect(s.resolution).toBe(256);
    expect(s.macsRatioToB0).toBeGreaterThan(1.7);
    expect(s.macsRatioToB0).toBeLessThan(2.3);
  });

  it('answers --help, and bad input with one line and a non-zero exit', async () => {
    expect((await effnet('summary', '--help')).stdout).toMatch(/^Usage: effnet summary/);
    const bad = await effnet('summary', 'b9');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain("unknown variant 'b9'");
    expect((await effnet('summary', 'b0', '--bogus')).code).toBe(2);
    expect((await effnet('nope')).code).toBe(2);
  });

  // A process: the bin shim sets main()'s code as the exit status.
  it('bin/effnet.js runs main() and exits with its code: 0, 1 for a bad argument, 2 for bad usage', () => {
    const ok = effnetProcess(['summary', 'b0', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).params).toBe(5_330_564);
    expect(effnetProcess(['summary', 'b9']).code).toBe(1);
    expect(effnetProcess(['nope'])).toMatchObject({ code: 2, stdout: '' });
  });
});
