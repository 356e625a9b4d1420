import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { wasmRelaxedSimdSupported, wasmSimdSupported } from '../src/backends/wasm/module.js';

// The relaxed-SIMD kernel build (asconfig.json's "relaxed" target: madd is f32x4.relaxed_madd) is
// chosen at load where the runtime has relaxed SIMD, the plain SIMD build elsewhere. Node 20 has
// relaxed SIMD only behind --experimental-wasm-relaxed-simd, so the relaxed build runs in a child
// Node started with it (test/relaxed-simd-child.ts).

const root = new URL('..', import.meta.url).pathname;
const plainBytes = readFileSync(`${root}build/effnet.wasm`);
const relaxedBytes = readFileSync(`${root}build/effnet-relaxed.wasm`);
// f32x4.relaxed_madd's opcode, 0xfd 0x105 (LEB128 0x85 0x02)
const RELAXED_MADD = Buffer.from([0xfd, 0x85, 0x02]);

describe('relaxed SIMD detection', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the probe says what this runtime does with the relaxed build: validates it exactly when relaxed SIMD is reported', () => {
    expect(wasmSimdSupported()).toBe(true);
    expect(WebAssembly.validate(plainBytes)).toBe(true);
    expect(wasmRelaxedSimdSupported()).toBe(WebAssembly.validate(relaxedBytes));
  });

  it('both builds are embedded in the core, byte for byte as built, and only the relaxed one holds relaxed_madd', async () => {
    const { WASM_BASE64, WASM_RELAXED_BASE64 } = await import('../src/backends/wasm/module.generated.js');
    expect(Buffer.from(WASM_BASE64, 'base64').equals(plainBytes)).toBe(true);
    expect(Buffer.from(WASM_RELAXED_BASE64, 'base64').equals(relaxedBytes)).toBe(true);
    expect(plainBytes.includes(RELAXED_MADD)).toBe(false);
    expect(relaxedBytes.includes(RELAXED_MADD)).toBe(true);
  });

  it("where relaxed SIMD is missing, 'auto' takes the plain build and 'relaxed-simd' fails with one clear line", async () => {
    // A runtime without relaxed SIMD: nothing holding relaxed_madd validates.
    const validate = WebAssembly.validate.bind(WebAssembly);
    vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => !Buffer.from(bytes as Uint8Array).includes(RELAXED_MADD) && validate(bytes));
    vi.resetModules(); // a fresh module graph: no instance from an earlier test
    const { createBackend } = await import('../src/backends/index.js');
    await expect(createBackend('wasm', { kernels: 'relaxed-simd' })).rejects.toThrow(
      /^kernels 'relaxed-simd' was asked for, but this runtime lacks WebAssembly relaxed SIMD \(Node 20 needs --experimental-wasm-relaxed-simd\); use kernels 'simd' or 'auto'$/,
    );
    expect((await createBackend('wasm')).kernels).toBe('simd');
    expect((await createBackend('wasm', { kernels: 'simd' })).kernels).toBe('simd');
    await expect(createBackend('wasm', { kernels: 'fast' as 'simd' })).rejects.toThrow(/^unknown kernels 'fast' \(expected auto, simd or relaxed-simd\)$/);
  });

  it("a precompiled plain module handed over with kernels 'relaxed-simd' is refused, naming the file to compile", async () => {
    vi.resetModules();
    const { createBackend } = await import('../src/backends/index.js');
    await expect(createBackend('wasm', { kernels: 'relaxed-simd', wasmModule: new WebAssembly.Module(plainBytes) })).rejects.toThrow(
      /^kernels 'relaxed-simd' was asked for, but wasmModule is the simd build: compile effnet\/effnet-relaxed\.wasm instead$/,
    );
    expect((await createBackend('wasm', { wasmModule: new WebAssembly.Module(plainBytes) })).kernels).toBe('simd');
  });
});

describe('with relaxed SIMD on (node --experimental-wasm-relaxed-simd)', () => {
  const run = () =>
    JSON.parse(execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', 'test/relaxed-simd-child.ts'], { cwd: root, encoding: 'utf8' })) as {
      supported: boolean; auto: string; relaxed: string; simd: string; layers: number;
      vsSimd: Comparison; vsReference: Comparison;
      golden: { tolerance: number; worst: { layer: string; relative: number }; failures: string[]; compared: number };
    };
  type Comparison = { compared: number; worst: { layer: string; relative: number }; differs: boolean };

  it('the probe reports it, auto picks the relaxed build, and B0 @224 agrees with the plain build, the reference and the tfjs golden within 1e-4 × max|·| per layer', () => {
    const r = run();
    console.log(
      `relaxed vs simd: worst ${r.vsSimd.worst.layer} ${r.vsSimd.worst.relative.toExponential(2)} (bitwise different: ${r.vsSimd.differs}); ` +
        `vs reference: ${r.vsReference.worst.layer} ${r.vsReference.worst.relative.toExponential(2)}; tfjs-b0-224 golden: ${r.golden.worst.layer} ${r.golden.worst.relative.toExponential(2)}`,
    );
    expect([r.supported, r.auto, r.relaxed, r.simd]).toEqual([true, 'relaxed-simd', 'relaxed-simd', 'simd']);
    expect(r.vsSimd.compared).toBe(r.layers);
    expect(r.vsReference.compared).toBe(r.layers);
    expect(r.vsSimd.worst.relative).toBeLessThanOrEqual(1e-4);
    expect(r.vsReference.worst.relative).toBeLessThanOrEqual(1e-4);
    expect(r.golden.tolerance).toBe(1e-4);
    expect(r.golden.failures).toEqual([]);
    expect(r.golden.compared).toBeGreaterThan(0);
  });
});
