import { CheckpointError, type Checkpoint } from '../../src/index.js';
import { checkShardPath, manifestPaths } from '../../src/weights/tfjs.js';

/** The default model, copied into the site by web/build.mjs and fetched same-origin. */
export const DEFAULT_MODEL_URL = './models/default.safetensors';
export const DEFAULT_MODEL_NAME = 'fashion-effnet.safetensors';

export async function fetchDefaultCheckpoint(base: string): Promise<Checkpoint> {
  const response = await fetch(new URL(DEFAULT_MODEL_URL, base));
  if (!response.ok) throw new Error(`${DEFAULT_MODEL_NAME} was not built into this site (HTTP ${response.status})`);
  return { format: 'safetensors', bytes: new Uint8Array(await response.arrayBuffer()), name: DEFAULT_MODEL_NAME };
}

/**
 * Files picked together as a checkpoint: one `.safetensors`, or a TF.js `model.json` with its
 * shards. A file picker hands over bare names, so each manifest path is matched by its last
 * segment among the picked files.
 */
export async function checkpointFromFiles(files: readonly File[]): Promise<Checkpoint> {
  const json = files.find((f) => f.name.endsWith('.json'));
  if (!json) {
    const st = files.filter((f) => f.name.endsWith('.safetensors'));
    if (st.length !== 1) throw new CheckpointError(`pick one .safetensors file, or a model.json with its shards (got ${files.map((f) => f.name).join(', ')})`);
    return { format: 'safetensors', bytes: new Uint8Array(await st[0]!.arrayBuffer()), name: st[0]!.name };
  }
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(await json.text());
  } catch (e) {
    throw new CheckpointError(`${json.name}: not JSON (${(e as Error).message})`);
  }
  const byName = new Map(files.map((f) => [f.name, f]));
  const shards = new Map<string, Uint8Array>();
  for (const path of manifestPaths(modelJson, json.name)) {
    const file = byName.get(checkShardPath(path, json.name).split(/[\\/]/).pop()!);
    if (!file) throw new CheckpointError(`${json.name}: shard '${path}' is missing: pick it together with ${json.name}`);
    shards.set(path, new Uint8Array(await file.arrayBuffer()));
  }
  return { format: 'tfjs', modelJson, shards, name: json.name };
}
