// Flags more than one command takes, each parsed in one place: where a model runs (--backend,
// --threads) and how an image is prepared for it (--family, --resize, --crop-pct, --interpolation).
import type { BackendName } from '../backends/backend.js';
import { createBackend, type AnyBackend } from '../backends/index.js';
import { MAX_THREADS } from '../backends/wasm/index.js';
import { isFamily, type PipelineOptions } from '../image/pipeline.js';
import { isInterpolation } from '../image/resample.js';
import { limits } from '../limits.js';
import { backendOption, intOption, stringOption, UsageError, type ParsedArgs } from './command.js';

export const BACKEND_FLAGS = {
  backend: { type: 'string' },
  threads: { type: 'string' },
} as const;

export const BACKEND_HELP = `  --backend B        wasm (default; falls back to reference if it cannot start), reference, or
                     webgpu (in Node, through the npm package webgpu; SwiftShader where no GPU)
  --threads N        threads for the wasm kernels (default 1); results are identical at any count`;

export const PIPELINE_FLAGS = {
  family: { type: 'string' },
  resize: { type: 'string' },
  'crop-pct': { type: 'string' },
  interpolation: { type: 'string' },
} as const;

export const PIPELINE_HELP = `  --family F         keras, torchvision, timm or timm_tf: the checkpoint's family, which also
                     picks the preprocessing (default: the checkpoint's metadata, else its names)
  --resize N         shorter side before the centre crop (torchvision/timm)
  --crop-pct X       share of the shorter side the crop keeps, in (0, 1]
  --interpolation I  bilinear or bicubic`;

/** --threads as a thread count, or undefined when it is absent; more than one only on wasm. */
export function threadsOption(values: ParsedArgs['values']): number | undefined {
  const threads = intOption(stringOption(values, 'threads'), '--threads');
  if (threads !== undefined && threads > MAX_THREADS) throw new UsageError(`--threads must be at most ${MAX_THREADS}, got ${threads}`);
  const backend = backendOption(values);
  if (threads !== undefined && threads > 1 && (backend === 'reference' || backend === 'webgpu')) {
    throw new UsageError(`--threads is for the wasm backend; the ${backend} backend runs on one thread${backend === 'webgpu' ? ' of the CPU' : ''}`);
  }
  return threads;
}

/**
 * The backend --backend and --threads ask for. Without --backend, the wasm backend, or the
 * reference backend (with one line on stderr from `command`) when wasm cannot start here.
 */
export async function backendFromFlags(values: ParsedArgs['values'], command: string): Promise<AnyBackend> {
  const name: BackendName | undefined = backendOption(values);
  const threads = threadsOption(values);
  if (name !== undefined) return createBackend(name, { threads });
  try {
    return await createBackend('wasm', { threads });
  } catch (e) {
    console.error(`effnet ${command}: the wasm backend cannot start (${(e as Error).message.split('\n')[0]}); using the reference backend`);
    return createBackend('reference');
  }
}

export function pipelineOptions(values: ParsedArgs['values']): PipelineOptions {
  const options: PipelineOptions = {};
  const family = stringOption(values, 'family');
  if (family !== undefined) {
    if (!isFamily(family)) throw new UsageError(`--family must be keras, torchvision, timm or timm_tf, got '${family}'`);
    options.family = family;
  }
  const interpolation = stringOption(values, 'interpolation');
  if (interpolation !== undefined) {
    if (!isInterpolation(interpolation)) throw new UsageError(`--interpolation must be bilinear or bicubic, got '${interpolation}'`);
    options.interpolation = interpolation;
  }
  const resize = intOption(stringOption(values, 'resize'), '--resize');
  if (resize !== undefined && resize > limits().maxResize) throw new UsageError(`--resize ${resize} is more than allowed (limit maxResize = ${limits().maxResize})`);
  if (resize !== undefined) options.resize = resize;
  const crop = stringOption(values, 'crop-pct');
  if (crop !== undefined) {
    const v = Number(crop);
    if (!(v > 0 && v <= 1)) throw new UsageError(`--crop-pct must be a number in (0, 1], got '${crop}'`);
    options.cropPct = v;
  }
  return options;
}
