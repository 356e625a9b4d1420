import type { Interpolation } from '../image/resample.js';
import type { VariantName } from '../model/scaling.js';
import type { Family } from '../weights/names/index.js';

// Pretrained ImageNet-1k weights effnet can fetch: data only, edge-safe (the downloader and the
// cache are Node's, src/node/cache.ts). Each entry says where the file is, how to check it, and
// how its images were preprocessed when it was evaluated.
//
// torchvision: the URLs of current torchvision's EfficientNet_B*_Weights.IMAGENET1K_V1. The file
// names end in the first 8 hex digits of the file's sha256, which torch.hub's check_hash compares.
// torchvision 0.14 (Debian's) names the same weights with prefixes that do not match their
// files (…b0_rwightman-3dd342df.pth; it never checked them); torchvision renamed them after
// pytorch/vision#7744, whose report gives the full sha256 of b0 and b2–b7 (b1: prefix only).
// Preprocessing is 0.14's `weights.transforms()`: resize, centre crop, bicubic.
//
// timm: model.safetensors on the Hugging Face hub. Where the hub's LFS sha256 is stated here it
// was read off the file's hub page; where not, the download is checked against the sha256 the hub
// sends with it (X-Linked-Etag) and the file must parse as safetensors; the sha256 is then kept
// beside the cached file, so a later corruption is still caught. Preprocessing is timm's
// pretrained cfg (test size and crop_pct where timm gives one).

export type Verification =
  | { sha256: string }
  /** The leading hex digits torch.hub checks. */
  | { sha256Prefix: string }
  /** Not stated here: the hub's X-Linked-Etag sha256 at download, then the format. */
  | { hub: true };

export interface RegistryEntry {
  name: string;
  /** Shorter names: `b0` for torchvision's. */
  aliases: readonly string[];
  url: string;
  /** The cache's file name. */
  file: string;
  format: 'pth' | 'safetensors';
  family: Family;
  /** Absent: read off the checkpoint's metadata and shapes. */
  variant?: VariantName;
  /** Centre-crop size (the network's input side). */
  resolution: number;
  /** Shorter side before the crop. */
  resize: number;
  interpolation: Interpolation;
  /** Absent: the checkpoint's own (or class indices). */
  classes?: 'imagenet-1k';
  verify: Verification;
  /** The URL torchvision 0.14 (Debian's) gives the same weights, whose hash prefix does not match. */
  formerly?: string;
  /** ImageNet-1k top-1 as the publisher reports it (torchvision's meta). */
  top1?: number;
  source: string;
}

const TV = 'https://download.pytorch.org/models/';
const TV_SOURCE = 'torchvision EfficientNet_B*_Weights.IMAGENET1K_V1; sha256 from pytorch/vision#7744';

function torchvision(n: number, file: string, verify: Verification, resolution: number, resize: number, top1: number, formerly: string): RegistryEntry {
  return {
    name: `efficientnet_b${n}`, aliases: [`b${n}`], url: `${TV}${file}`, file, format: 'pth', family: 'torchvision', variant: `b${n}` as VariantName,
    resolution, resize, interpolation: 'bicubic', classes: 'imagenet-1k', verify, top1, source: TV_SOURCE, formerly: `${TV}${formerly}`,
  };
}

function timm(model: string, family: Family, variant: VariantName, resolution: number, cropPct: number, verify: Verification): RegistryEntry {
  return {
    name: `timm/${model}`, aliases: [], url: `https://huggingface.co/timm/${model}/resolve/main/model.safetensors`, file: `timm--${model}.safetensors`,
    format: 'safetensors', family, variant, resolution, resize: Math.floor(resolution / cropPct), interpolation: 'bicubic', classes: 'imagenet-1k', verify,
    source: `timm pretrained cfg '${model}' on the Hugging Face hub`,
  };
}

export const REGISTRY: readonly RegistryEntry[] = Object.freeze([
  torchvision(0, 'efficientnet_b0_rwightman-7f5810bc.pth', { sha256: '7f5810bc96def8f7552d5b7e68d53c4786f81167d28291b21c0d90e1fca14934' }, 224, 256, 77.692, 'efficientnet_b0_rwightman-3dd342df.pth'),
  torchvision(1, 'efficientnet_b1_rwightman-bac287d4.pth', { sha256Prefix: 'bac287d4' }, 240, 256, 78.642, 'efficientnet_b1_rwightman-533bc792.pth'),
  torchvision(2, 'efficientnet_b2_rwightman-c35c1473.pth', { sha256: 'c35c147384e385a5bab5a8eabdabbe5a3df0487ee4a554108626ae474a5bf755' }, 288, 288, 80.608, 'efficientnet_b2_rwightman-bcdf34b7.pth'),
  torchvision(3, 'efficientnet_b3_rwightman-b3899882.pth', { sha256: 'b3899882250c22946d0229d266049fcd133c169233530b36b9ffa7983988362f' }, 300, 320, 82.008, 'efficientnet_b3_rwightman-cf984f9c.pth'),
  torchvision(4, 'efficientnet_b4_rwightman-23ab8bcd.pth', { sha256: '23ab8bcd5bdbef61a7a43b91adcad81f622fd7f36fb4935a569828d77888c44e' }, 380, 384, 83.384, 'efficientnet_b4_rwightman-7eb33cd5.pth'),
  torchvision(5, 'efficientnet_b5_lukemelas-1a07897c.pth', { sha256: '1a07897c0d357db7981640f6be44a63420f11deb932344a69768b62ebe272946' }, 456, 456, 83.444, 'efficientnet_b5_lukemelas-b6417697.pth'),
  torchvision(6, 'efficientnet_b6_lukemelas-24a108a5.pth', { sha256: '24a108a596a00ad522bdfb9a2d98a9bd31819dfd7e37dd96bad6bb5bc00d6015' }, 528, 528, 84.008, 'efficientnet_b6_lukemelas-c76e70fd.pth'),
  torchvision(7, 'efficientnet_b7_lukemelas-c5b4e57e.pth', { sha256: 'c5b4e57e0da1a10bb4f8a5b410dd3b7b6e7461f9b757209be29409707c3d87dd' }, 600, 600, 84.122, 'efficientnet_b7_lukemelas-dcc49843.pth'),
  timm('efficientnet_b0.ra_in1k', 'timm', 'b0', 224, 0.875, { hub: true }),
  timm('efficientnet_b3.ra2_in1k', 'timm', 'b3', 320, 1.0, { hub: true }),
  timm('tf_efficientnet_b0.aa_in1k', 'timm_tf', 'b0', 224, 0.875, { sha256: 'bc97e48e1360ee9d9c9d8a39ad2fb9b85ad150eb89d6fc69cd0f08301b5e0b3e' }),
]);

const added: RegistryEntry[] = [];

/**
 * Adds an entry (weights of your own on a server you trust, under the same verification rules);
 * it is found by name like the built-in ones, for this process only.
 */
export function registerWeights(entry: RegistryEntry): void {
  if (findEntry(entry.name) || entry.aliases.some((a) => findEntry(a))) throw new Error(`weights '${entry.name}' are already registered`);
  if (!/^https?:\/\//.test(entry.url)) throw new Error(`weights '${entry.name}': url must be http(s)`);
  if (!/^[\w-][\w.-]*$/.test(entry.file)) throw new Error(`weights '${entry.name}': file must be a plain file name`);
  added.push(Object.freeze({ ...entry }));
}

/** The built-in entries, then the registered ones. */
export function registryEntries(): readonly RegistryEntry[] {
  return [...REGISTRY, ...added];
}

/** The entry a name or alias stands for (case-insensitive), or undefined. */
export function findEntry(name: string): RegistryEntry | undefined {
  const n = name.trim().toLowerCase();
  return registryEntries().find((e) => e.name.toLowerCase() === n || e.aliases.includes(n));
}

/** The URL with its scheme, host and port replaced by `mirror`'s (whose path, if any, goes first). */
export function mirrored(url: string, mirror: string | undefined): string {
  if (!mirror) return url;
  const base = new URL(mirror);
  const u = new URL(url);
  return `${base.protocol}//${base.host}${base.pathname.replace(/\/$/, '')}${u.pathname}${u.search}`;
}

/** How an entry is verified, in words (for `effnet fetch --list` and errors). */
export function describeVerification(v: Verification): string {
  if ('sha256' in v) return `sha256 ${v.sha256.slice(0, 12)}…`;
  if ('sha256Prefix' in v) return `sha256 prefix ${v.sha256Prefix}`;
  return "hub's sha256 (X-Linked-Etag)";
}
