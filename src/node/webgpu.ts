// WebGPU for Node: the core takes a `GPU` object (BackendOptions.gpu) and imports nothing for it;
// here, for effnet/node and the CLI, is where one comes from: navigator.gpu where the runtime has
// it, else Dawn's Node binding (the npm package `webgpu`, installed beside effnet by the user).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setGpuProvider } from '../backends/webgpu/device.js';

/** Debian's chromium ships SwiftShader's Vulkan driver: a GPU in software, for machines without one. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface DawnBinding {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

let made: Promise<GPU> | undefined;

/**
 * A `GPU` for the webgpu backend. Without a hardware adapter, and with VK_ICD_FILENAMES unset, Dawn
 * is pointed at SwiftShader when Debian's chromium has it (said once on stderr), so the backend runs
 * everywhere, slowly, instead of failing where there is no GPU.
 */
export function nodeGpu(): Promise<GPU> {
  made ??= findGpu().catch((e: unknown) => {
    made = undefined;
    throw e;
  });
  return made;
}

async function findGpu(): Promise<GPU> {
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (existing) return existing;
  let dawn: DawnBinding;
  try {
    dawn = (await import('webgpu' as string)) as DawnBinding;
  } catch {
    throw new Error("the webgpu backend in Node needs Dawn's Node binding: npm install webgpu (Deno and browsers have WebGPU built in)");
  }
  Object.assign(globalThis, dawn.globals);
  // Vulkan's window-system layers complain on stderr when the session has no runtime directory
  // (a server, a container); they need none to compute, so give this process a private one
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'effnet-xdg-'));
  const gpu = dawn.create([]);
  if (await gpu.requestAdapter()) return gpu;
  if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)) {
    // the Vulkan loader reads this when Dawn makes its next instance
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const software = dawn.create([]);
    if (await software.requestAdapter()) {
      console.error(`effnet: no GPU adapter found; WebGPU runs on SwiftShader (${SWIFTSHADER_ICD}), a GPU in software`);
      return software;
    }
  }
  return gpu;
}

setGpuProvider(nodeGpu);
