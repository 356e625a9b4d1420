import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../src/backends/index.js';
import { referenceOf } from '../src/backends/fused/ops.js';
import { acquireDevice, guarded, MAP_READ, USAGE } from '../src/backends/webgpu/device.js';
import { createWebGpuBackend } from '../src/backends/webgpu/index.js';
import { nodeGpu } from '../src/node/webgpu.js';
import { Tensor } from '../src/tensor/tensor.js';
import { base } from './fused-cases.js';
import { webGpuBackend } from './webgpu-harness.js';

// What the webgpu kernels do beyond matching the reference on finite values (that is
// test/parity-fused.test.ts, every fused op on every backend): NaN stays NaN, a runtime without an
// adapter and a call the GPU refuses are one line each.

const gpu = await webGpuBackend();
const reference = await createBackend('reference');

describe('the webgpu kernels on what is not an ordinary number, and on what the GPU refuses', () => {
  afterAll(() => gpu.destroy());

  it('NaN stays NaN through relu, swish, sigmoid and softmax, and infinities saturate as in the reference', async () => {
    const x = Tensor.from([1, 1, 1, 4], [NaN, -Infinity, Infinity, -0.5]);
    for (const activation of ['relu', 'swish', 'sigmoid'] as const) {
      const op = { ...base('activation'), kind: 'activation', activation } as const;
      const got = await gpu.runFused(op, [x], null);
      expect(Number.isNaN(got.data[0]), `${activation}(NaN)`).toBe(true);
      const want = referenceOf(reference, op, [x], {});
      for (const i of [1, 2, 3]) if (!Number.isNaN(want.data[i]!)) expect(got.data[i], `${activation}(${x.data[i]})`).toBeCloseTo(want.data[i]!, 6);
    }
    const row = await gpu.runFused({ ...base('softmax'), kind: 'softmax' }, [Tensor.from([1, 3], [1, NaN, 2])], null);
    expect(Array.from(row.data).map(Number.isNaN), 'softmax of a row with a NaN').toEqual([true, true, true]);
  });

  it('a runtime without an adapter is one line naming the backends that run everywhere', async () => {
    const none = { requestAdapter: async () => null } as unknown as GPU;
    await expect(createWebGpuBackend({ gpu: none })).rejects.toThrow(/^WebGPU found no GPU adapter here: use backend 'wasm' \(or 'reference'\), which run everywhere$/);
  });

  it('what the GPU refuses inside a call is thrown from that call, in one line', async () => {
    const context = await acquireDevice(await nodeGpu());
    // a mappable buffer may not be a storage buffer: a validation error
    await expect(guarded(context, 'making a buffer', () => context.device.createBuffer({ size: 256, usage: MAP_READ | USAGE.STORAGE }))).rejects.toThrow(/^making a buffer: WebGPU refused it \([^\n]+\)$/);
    expect(await guarded(context, 'making a buffer', () => context.device.createBuffer({ size: 256, usage: MAP_READ | USAGE.COPY_DST }).size)).toBe(256);
    context.device.destroy();
  });
});
