import { describe, expect, it } from 'vitest';
import { instantiateKernels, wasmSimdSupported } from '../src/backends/wasm/module.js';
import { createReferenceBackend } from '../src/backends/reference/index.js';
import { randomInput } from '../src/weights/random.js';

describe('the embedded wasm module', () => {
  it('is detected as SIMD-capable here and instantiates from embedded bytes', async () => {
    expect(wasmSimdSupported()).toBe(true);
    const k = await instantiateKernels();
    expect(k.heapBase()).toBeGreaterThan(0);
  });

  it('add and swish agree with the reference on a length that is not a multiple of 4', async () => {
    const k = await instantiateKernels();
    const n = 1031;
    const a = randomInput([n], 1), b = randomInput([n], 2);
    for (let i = 0; i < n; i++) a.data[i]! *= 10;
    const base = (k.heapBase() + 15) & ~15;
    if (k.memory.buffer.byteLength < base + 3 * 4 * n) k.memory.grow(1);
    const f32 = () => new Float32Array(k.memory.buffer);
    f32().set(a.data, base / 4);
    f32().set(b.data, base / 4 + n);
    k.add(base, base + 4 * n, base + 8 * n, n);
    const ref = createReferenceBackend();
    expect(f32().slice(base / 4 + 2 * n, base / 4 + 3 * n)).toEqual(ref.add(a, b).data);
    k.swish(base, base + 8 * n, n);
    const got = f32().slice(base / 4 + 2 * n, base / 4 + 3 * n);
    const want = ref.swish(a).data;
    for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]!)));
  });
});
