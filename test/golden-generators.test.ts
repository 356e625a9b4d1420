import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tryTfjsNode } from '../scripts/golden/tfjs-runtime.mjs';

const generator = new URL('../scripts/golden/tfjs.mjs', import.meta.url).pathname;
const nodeBindings = await tryTfjsNode();

describe('scripts/golden/tfjs.mjs', () => {
  it.skipIf(Boolean(nodeBindings.tf))('--tfjs-node fails with one clear line when neither tfjs-node-gpu nor tfjs-node loads', () => {
    const r = spawnSync(process.execPath, [generator, '--tfjs-node'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tfjs\.mjs: --tfjs-node: neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node can be loaded here \(.*\); install one, or run without --tfjs-node/);
  });

  it('an unknown case name is refused before any work', () => {
    const r = spawnSync(process.execPath, [generator, 'tfjs-b9-64'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown case\(s\) tfjs-b9-64 \(known: tfjs-b0-224, tfjs-b1-64/);
  });
});
