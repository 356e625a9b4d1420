import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBackend } from '../src/backends/index.js';
import { instantiateKernels, wasmSimdSupported } from '../src/backends/wasm/module.js';
import { Tensor } from '../src/tensor/tensor.js';

describe('the embedded wasm module', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is detected as SIMD-capable here and is instantiated once, from the embedded bytes', async () => {
    expect(wasmSimdSupported()).toBe(true);
    const a = await instantiateKernels();
    const b = await instantiateKernels();
    expect(b).toBe(a);
    expect(a.memory).toBeInstanceOf(WebAssembly.Memory);
    expect(a.heapBase()).toBeGreaterThan(0);
  });

  it('without WASM SIMD, the wasm backend fails with one clear line and the reference backend still works', async () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expect(wasmSimdSupported()).toBe(false);
    // A fresh module graph: the process-wide instance the tests above made would be reused.
    vi.resetModules();
    const fresh = (await import('../src/backends/index.js')).createBackend;
    await expect(fresh('wasm')).rejects.toThrow(/^this runtime lacks WebAssembly SIMD \(128-bit\), which the wasm backend needs; use the reference backend instead$/);
    const ref = await createBackend('reference');
    expect(Array.from(ref.add(Tensor.from([2], [1, 2]), Tensor.from([2], [3, 4])).data)).toEqual([4, 6]);
  });

  it('the wasm backend loads with no file system and no network: nothing under src/backends/wasm imports node: or calls fetch', () => {
    const dir = join(import.meta.dirname, '..', 'src', 'backends', 'wasm');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/from '(node:|fs|path)/);
      expect(text, file).not.toMatch(/\bfetch\(|\brequire\(/);
    }
  });
});
