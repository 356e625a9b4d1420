import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe("the README's API example (examples/api.mjs)", () => {
  it('runs as printed: B0 shape and parameters, a trouser, TF-same stride 2 by hand', () => {
    const out = execFileSync(process.execPath, ['examples/api.mjs'], { cwd: root, encoding: 'utf8' }).trim().split('\n');
    expect(out[0]).toBe('[ 1, 1000 ] 5330564');
    expect(out[1]).toMatch(/^slowest step: \w+, \d+\.\d\d ms$/);
    expect(out[2]).toMatch(/^Trouser 0\.9\d\d, /);
    expect(out[3]).toBe('[ 54, 45, 72, 54 ]');
  });
});
