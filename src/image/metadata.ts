import { escapeText, MAX_ERROR } from '../limits.js';
import { isFamily, type PipelineOptions } from './pipeline.js';
import { isInterpolation } from './resample.js';
import type { Triple } from './normalize.js';

/**
 * The preprocessing a checkpoint's metadata states (safetensors __metadata__ strings): family,
 * resolution, resize, crop_pct, interpolation, and mean/std as JSON arrays ("[0.5, 0.5, 0.5]")
 * or comma lists. Absent keys stay absent; a present but malformed one is an error naming the file.
 */
export function pipelineFromMetadata(metadata: Readonly<Record<string, string>>, name: string): PipelineOptions {
  const fail = (key: string, why: string): never => {
    throw new Error(escapeText(`${name}: metadata '${key}' ${why}, got ${JSON.stringify(metadata[key])}`, MAX_ERROR));
  };
  const options: PipelineOptions = {};
  const { family, interpolation } = metadata;
  if (family !== undefined) {
    if (!isFamily(family)) fail('family', 'is not keras, torchvision, timm or timm_tf');
    options.family = family as PipelineOptions['family'];
  }
  if (interpolation !== undefined) {
    const v = interpolation.toLowerCase();
    if (!isInterpolation(v)) fail('interpolation', 'is not bilinear or bicubic');
    options.interpolation = v as PipelineOptions['interpolation'];
  }
  const int = (key: string) => {
    if (metadata[key] === undefined) return undefined;
    const n = Number(metadata[key]);
    return Number.isInteger(n) && n > 0 ? n : fail(key, 'must be a positive integer');
  };
  options.size = int('resolution');
  options.resize = int('resize');
  if (metadata.crop_pct !== undefined) {
    const v = Number(metadata.crop_pct);
    options.cropPct = v > 0 && v <= 1 ? v : fail('crop_pct', 'must be in (0, 1]');
  }
  options.mean = tripleOf(metadata, 'mean', fail);
  options.std = tripleOf(metadata, 'std', fail);
  for (const key of Object.keys(options) as (keyof PipelineOptions)[]) if (options[key] === undefined) delete options[key];
  return options;
}

function tripleOf(metadata: Readonly<Record<string, string>>, key: string, fail: (key: string, why: string) => never): Triple | undefined {
  const text = metadata[key];
  if (text === undefined) return undefined;
  let values: unknown;
  try {
    values = text.trim().startsWith('[') ? JSON.parse(text) : text.split(',').map(Number);
  } catch {
    return fail(key, 'is not a JSON array');
  }
  if (!Array.isArray(values) || values.length !== 3 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return fail(key, 'must hold three numbers');
  }
  return [values[0], values[1], values[2]];
}

/** The class names a checkpoint's metadata lists under 'classes' (a JSON array of strings). */
export function classesFromMetadata(metadata: Readonly<Record<string, string>>, name: string): string[] | undefined {
  const text = metadata.classes;
  if (text === undefined) return undefined;
  let names: unknown;
  try {
    names = JSON.parse(text);
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new Error(escapeText(`${name}: metadata 'classes' must be a JSON array of strings`, MAX_ERROR));
  }
  return names;
}
