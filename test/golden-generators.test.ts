import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The generators' refusals, without generating anything: tests never need a GPU, chromium's
// SwiftShader time, Python or the network. Where a producer cannot run here, it says so in one
// line and exits non-zero instead of writing goldens from a stand-in.

const REPO = new URL('../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'effnet-generators-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function node(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, args, { cwd: REPO, timeout: 60_000 });
    return { code: 0, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stderr: err.stderr ?? '' };
  }
}

describe('golden generators', () => {
  it('tfjs.mjs --tfjs-node-gpu fails in one line where @tensorflow/tfjs-node-gpu cannot load, writing nothing', async () => {
    const out = join(tmp, 'cuda');
    const r = await node('scripts/golden/tfjs.mjs', '--tfjs-node-gpu', '--out', out);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tfjs\.mjs: --tfjs-node-gpu: @tensorflow\/tfjs-node-gpu cannot be loaded here \(.*\); it needs a CUDA machine/);
    expect(lines[0]!.length).toBeLessThan(400);
    expect(() => readdirSync(out)).toThrow();
  });

  it('tfjs-gpu.mjs refuses an unknown backend or case in one line, before starting chromium', async () => {
    const bad = await node('scripts/golden/tfjs-gpu.mjs', '--backend', 'cuda');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("tfjs-gpu.mjs: --backend must be webgl or webgpu, got 'cuda'");
    const unknown = await node('scripts/golden/tfjs-gpu.mjs', 'b9-64');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^tfjs-gpu\.mjs: unknown argument 'b9-64'\nusage: /);
  });
});
