import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../src/backends/index.js';
import { instantiateKernels } from '../src/backends/wasm/module.js';
import { EfficientNet } from '../src/efficientnet.js';
import { randomInput } from '../src/weights/random.js';

// Runs in its own file so that the process-wide instance starts empty.
const root = new URL('..', import.meta.url).pathname;
const kernels = () => new WebAssembly.Module(readFileSync(`${root}build/effnet.wasm`));
// A valid module that is not effnet's kernels: one function, no exports.
const stranger = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 4, 1, 2, 0, 11]));

describe('wasmModule: the kernels handed over precompiled', () => {
  it('refuses a module that is not effnet.wasm, and does not keep that failure', async () => {
    await expect(createBackend('wasm', { wasmModule: stranger })).rejects.toThrow(/wasmModule is not effnet's kernels \(it lacks heapBase/);
    await expect(createBackend('wasm', { wasmModule: {} as WebAssembly.Module })).rejects.toThrow(/must be a WebAssembly\.Module/);
    // The next attempt starts afresh and succeeds.
    await expect(instantiateKernels({ wasmModule: kernels() })).resolves.toHaveProperty('pointwise4x8');
  });

  it('runs B0 from build/effnet.wasm exactly as from the embedded bytes', async () => {
    const x = randomInput([1, 64, 64, 3], 3);
    const fromFile = await EfficientNet.create({ variant: 'b0', resolution: 64, seed: 2, wasmModule: kernels() });
    const embedded = await EfficientNet.create({ variant: 'b0', resolution: 64, seed: 2 });
    expect(Array.from(fromFile.run(x).data)).toEqual(Array.from(embedded.run(x).data));
  });

  it('build/effnet.wasm holds the same bytes as the module embedded in the core', async () => {
    const { WASM_BASE64 } = await import('../src/backends/wasm/module.generated.js');
    expect(Buffer.from(WASM_BASE64, 'base64').equals(readFileSync(`${root}build/effnet.wasm`))).toBe(true);
  });
});
