import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EfficientNet, type LoadOptions } from '../efficientnet.js';
import type { Checkpoint } from '../weights/checkpoint.js';
import { CheckpointError } from '../weights/source.js';
import { manifestPaths, parseModelJson } from '../weights/tfjs.js';
import { isZip } from '../weights/zip.js';
import { readBytes, resolveInside } from './files.js';

/**
 * A checkpoint file as the edge API takes it: a TF.js `model.json` (its shards read from its own
 * folder only), a `.safetensors` file, a PyTorch `.pth`/`.pt`/`.bin` (or any zip), or a folder
 * holding `model.json` or `model.safetensors`.
 */
export async function readCheckpointFile(path: string): Promise<Checkpoint> {
  let file = path;
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CheckpointError(`${path}: no such file`);
  if (info.isDirectory()) {
    const found = await firstExisting([join(path, 'model.json'), join(path, 'model.safetensors')]);
    if (!found) throw new CheckpointError(`${path}: a folder without model.json or model.safetensors`);
    file = found;
  }
  const bytes = await readBytes(file);
  if (/\.(pth|pt|bin)$/i.test(file) || isZip(bytes)) return { format: 'pth', bytes, name: file };
  const looksJson = file.endsWith('.json') || (!file.endsWith('.safetensors') && bytes[0] === 0x7b);
  if (!looksJson) return { format: 'safetensors', bytes, name: file };
  const json = parseModelJson(bytes, file);
  const dir = dirname(file);
  const shards = new Map<string, Uint8Array>();
  for (const p of manifestPaths(json, file)) {
    if (!shards.has(p)) shards.set(p, await readBytes(await resolveInside(dir, p, file), `${file}: shard '${p}'`));
  }
  return { format: 'tfjs', modelJson: json, shards, name: file };
}

/** `EfficientNet.load` on a file: used by `effnet infer` and `effnet classify`. */
export async function loadCheckpointFile(path: string, options: LoadOptions = {}): Promise<EfficientNet> {
  return EfficientNet.load(await readCheckpointFile(path), options);
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await stat(p).then((s) => s.isFile(), () => false)) return p;
  return undefined;
}

