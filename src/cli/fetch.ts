import { cachedSize, cacheDir, ensureCached } from '../node/cache.js';
import { describeVerification, findEntry, registryEntries, type RegistryEntry } from '../registry/index.js';
import { escapeText } from '../limits.js';
import { parse, UsageError, type Command } from './command.js';

const usage = `Usage: effnet fetch <name…> [--offline]
       effnet fetch --list [--json]

Downloads pretrained ImageNet-1k weights into the cache, verifies them (the sha256 the registry
states, the sha256 prefix in torchvision's file name, or the hub's own sha256), and prints each
file's path. A cached file is verified again on every use and fetched anew if it is damaged.
Names: efficientnet_b0…efficientnet_b7 (torchvision; also b0…b7) and timm/<model> (effnet fetch
--list shows them all). \`effnet classify photo.jpg --model b0\` fetches on first use.

  --list       the registry: name, variant, family, input size, how it is verified, cached or not
  --json       the listing as JSON
  --offline    download nothing: succeed only for files already cached and intact

Environment:
  EFFNET_CACHE    the cache folder (default: $XDG_CACHE_HOME/effnet or ~/.cache/effnet;
                  ~/Library/Caches/effnet on macOS; %LOCALAPPDATA%\\effnet\\Cache on Windows)
  EFFNET_MIRROR   a base URL replacing the scheme, host and port of every registry URL (path kept)`;

export const fetchCommand: Command = {
  name: 'fetch',
  summary: 'download pretrained ImageNet weights (torchvision, timm) into the cache',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      list: { type: 'boolean' },
      json: { type: 'boolean' },
      offline: { type: 'boolean' },
    }, usage);
    if (values.list) {
      if (positionals.length > 0) throw new UsageError(`--list takes no names\n${usage}`);
      await list(values.json === true);
      return;
    }
    if (positionals.length === 0) throw new UsageError(`no name given (effnet fetch --list shows them)\n${usage}`);
    const entries = positionals.map(registryEntry);
    for (const entry of entries) console.log(await ensureCached(entry, { offline: values.offline === true }));
  },
};

/** The registry entry for a name or alias, or a UsageError listing the names. */
export function registryEntry(name: string): RegistryEntry {
  const entry = findEntry(name);
  if (!entry) throw new UsageError(`unknown weights '${escapeText(name, 60)}' (known: ${registryEntries().map((e) => e.aliases[0] ?? e.name).join(', ')})`);
  return entry;
}

async function list(json: boolean): Promise<void> {
  const dir = cacheDir();
  const rows = await Promise.all(registryEntries().map(async (e) => ({ ...e, cached: await cachedSize(e) })));
  if (json) {
    console.log(JSON.stringify({ cache: dir, weights: rows.map((r) => ({ ...r, cached: r.cached !== undefined, cachedBytes: r.cached })) }, null, 2));
    return;
  }
  const table = rows.map((r) => [
    r.name + (r.aliases.length ? ` (${r.aliases.join(', ')})` : ''), r.variant ?? '(shapes)', r.family, `${r.resolution}`, describeVerification(r.verify),
    r.cached === undefined ? '-' : `${(r.cached / 1e6).toFixed(1)} MB`,
  ]);
  const head = ['name', 'variant', 'family', 'input', 'verified by', 'cached'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log([`cache: ${dir}`, line(head), ...table.map(line)].join('\n'));
}
