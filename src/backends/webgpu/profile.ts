// Timing each step of a program on the GPU: between two timestamps the GPU writes where the device
// has 'timestamp-query' (one compute pass a step, all in one submit), else one submit a step timed
// on the CPU until the GPU says it is done (which adds each submit's own cost).
import { guarded, MAP_READ, settled, USAGE, type GpuContext } from './device.js';
import { encodeSteps, type Program } from './program.js';

/** Milliseconds of each step; `prepare` encodes what must come first (the input's copy) and returns the program. */
export async function profileSteps(context: GpuContext, what: string, steps: number, prepare: (encoder: GPUCommandEncoder) => Program): Promise<number[]> {
  return context.timestamps ? byTimestamps(context, what, steps, prepare) : bySubmits(context, what, steps, prepare);
}

async function byTimestamps(context: GpuContext, what: string, steps: number, prepare: (encoder: GPUCommandEncoder) => Program): Promise<number[]> {
  const { device } = context;
  const bytes = 16 * steps;
  const { querySet, resolved, read, mapped } = await guarded(context, what, () => {
    const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * steps });
    const resolved = device.createBuffer({ size: bytes, usage: USAGE.QUERY_RESOLVE | USAGE.COPY_SRC });
    const read = device.createBuffer({ size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const encoder = device.createCommandEncoder();
    const program = prepare(encoder);
    for (let s = 0; s < steps; s++) {
      const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * s, endOfPassWriteIndex: 2 * s + 1 } });
      encodeSteps(pass, program, s, s + 1);
      pass.end();
    }
    encoder.resolveQuerySet(querySet, 0, 2 * steps, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, read, 0, bytes);
    device.queue.submit([encoder.finish()]);
    const mapped = read.mapAsync(MAP_READ);
    mapped.catch(() => {});
    return { querySet, resolved, read, mapped };
  });
  try {
    await settled(context, mapped);
    const ns = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    return Array.from({ length: steps }, (_, s) => Number(ns[2 * s + 1]! - ns[2 * s]!) / 1e6);
  } finally {
    for (const b of [read, resolved]) b.destroy();
    querySet.destroy();
  }
}

async function bySubmits(context: GpuContext, what: string, steps: number, prepare: (encoder: GPUCommandEncoder) => Program): Promise<number[]> {
  const { device } = context;
  const times: number[] = [];
  let program: Program | undefined;
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    await guarded(context, what, () => {
      const encoder = device.createCommandEncoder();
      program ??= prepare(encoder);
      const pass = encoder.beginComputePass();
      encodeSteps(pass, program, s, s + 1);
      pass.end();
      device.queue.submit([encoder.finish()]);
    });
    await settled(context, device.queue.onSubmittedWorkDone());
    times.push(performance.now() - t0);
  }
  return times;
}
