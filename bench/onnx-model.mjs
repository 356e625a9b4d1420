// The ONNX file of effnet's seeded network, made on demand for the onnxruntime peers: effnet's
// plan and seeded weights are dumped (scripts/onnx/dump-seeded.mjs) and assembled by
// scripts/onnx/export_onnx.py. Files land in bench/.cache/ (gitignored), named by a hash of what
// went in, so a change to the seeded scheme or the exporter makes a new one.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dumpSeeded } from '../scripts/onnx/dump-seeded.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const exporter = join(root, 'scripts/onnx/export_onnx.py');
export const cacheDir = join(root, 'bench/.cache');
const python = process.env.EFFNET_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

const lastLine = (s) => String(s ?? '').trim().split('\n').at(-1)?.slice(0, 200) ?? '';

/** Why the exporter cannot run here, or null when python3 with numpy and onnx answers. */
export function exporterMissing() {
  const r = spawnSync(python, ['-c', 'import numpy, onnx'], { encoding: 'utf8' });
  if (r.error) return `${python} not found (${r.error.code ?? r.error.message})`;
  if (r.status !== 0) return `${python} cannot import numpy and onnx (${lastLine(r.stderr)}); Debian: apt install python3-onnx`;
  return null;
}

/** { path } of the ONNX model of (variant, resolution, seed), made if missing; or { skipped: reason }. */
export function onnxModel({ variant, resolution, seed }) {
  const missing = exporterMissing();
  if (missing) return { skipped: missing };
  const work = join(cacheDir, `dump-${process.pid}-${variant}`);
  try {
    const { plan } = dumpSeeded({ variant, resolution, seed }, work);
    const hash = createHash('sha256');
    for (const f of [join(work, 'plan.json'), join(work, 'weights.bin'), exporter]) hash.update(readFileSync(f));
    const path = join(cacheDir, `effnet-${variant}-r${plan.resolution}-seed${seed}-${hash.digest('hex').slice(0, 12)}.onnx`);
    if (!existsSync(path)) {
      mkdirSync(cacheDir, { recursive: true });
      const r = spawnSync(python, [exporter, work, path], { encoding: 'utf8' });
      if (r.status !== 0) return { skipped: `scripts/onnx/export_onnx.py failed for ${variant}: ${lastLine(r.stderr || r.stdout)}` };
    }
    return { path };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
