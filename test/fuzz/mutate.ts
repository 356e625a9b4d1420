// Seeded mutations shared by the generators: what an attacker does to a file that works.

export type Rng = () => number;

export const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;

/** Numbers that break arithmetic: huge, negative, fractional, non-finite, off by one. */
export function hostileNumber(rng: Rng, near = 1): number {
  return pick(rng, [0, -1, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 53, 1e6, 1e9, 1e300, -1e300, 0.5, 1e-9, NaN, Infinity, -Infinity, near + 1, near - 1, near * 1000, -near]);
}

/** A number as metadata text: the same hostile values, and text that is not a number. */
export function hostileNumberText(rng: Rng): string {
  return pick(rng, ['1e9', '1e6', '200', '-1', '0', 'NaN', 'Infinity', '1e308', '0x10', ' ', '', '3.5', '1e-300', '99999999999999999999', 'phi=1', '1,2,3']);
}

/** Text from a stranger: escapes, newlines, bidi overrides, long runs. */
export function hostileText(rng: Rng): string {
  return pick(rng, ['\x1b[2J\x1b[H', 'a\nb', 'x\r\n', '\u202etxt.exe', '\0', '"\'', 'é'.repeat(3), 'A'.repeat(int(rng, 5000)), '${x}', '../../etc/passwd', '%s%n']);
}

/** Flips, sets, inserts or deletes bytes; cuts or extends the file. */
export function mutateBytes(rng: Rng, bytes: Uint8Array, from = 0): Uint8Array {
  const out = bytes.slice();
  const span = Math.max(1, out.length - from);
  switch (int(rng, 6)) {
    case 0: {
      for (let k = 1 + int(rng, 8); k > 0; k--) out[from + int(rng, span)] ^= 1 << int(rng, 8);
      return out;
    }
    case 1: {
      for (let k = 1 + int(rng, 4); k > 0; k--) out[from + int(rng, span)] = pick(rng, [0, 0xff, 0x7f, 0x80]);
      return out;
    }
    case 2:
      return out.subarray(0, from + int(rng, span));
    case 3: {
      const at = from + int(rng, span);
      const junk = Uint8Array.from({ length: 1 + int(rng, 64) }, () => int(rng, 256));
      return Uint8Array.from([...out.subarray(0, at), ...junk, ...out.subarray(at)]);
    }
    case 4: {
      const at = from + int(rng, span);
      return Uint8Array.from([...out.subarray(0, at), ...out.subarray(Math.min(out.length, at + 1 + int(rng, 32)))]);
    }
    default: {
      const at = from + int(rng, Math.max(1, span - 4));
      const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
      if (at + 4 <= out.length) v.setUint32(at, pick(rng, [0, 0xffffffff, 0x7fffffff, 0x80000000, 65535, 65536]));
      return out;
    }
  }
}

/** Replaces a random leaf of a JSON value with a hostile one (number, string, array, null). */
export function mutateJson(rng: Rng, value: unknown, depth = 0): unknown {
  if (Array.isArray(value) && value.length > 0 && depth < 6 && rng() < 0.8) {
    const copy = value.slice();
    const i = int(rng, copy.length);
    if (rng() < 0.1) copy.splice(i, 1);
    else copy[i] = mutateJson(rng, copy[i], depth + 1);
    return copy;
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && depth < 6 && rng() < 0.85) {
    const copy = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    if (keys.length === 0) return copy;
    const k = pick(rng, keys);
    if (rng() < 0.08) delete copy[k];
    else copy[k] = mutateJson(rng, copy[k], depth + 1);
    return copy;
  }
  switch (int(rng, 7)) {
    case 0: return hostileNumber(rng, typeof value === 'number' ? value : 1);
    case 1: return hostileText(rng);
    case 2: return typeof value === 'number' ? String(value) : hostileNumberText(rng);
    case 3: return null;
    case 4: return pick(rng, [[], {}, [1e9], new Array(int(rng, 10000)).fill(1), [1e6, 1e6], [-1]]);
    case 5: return Array.isArray(value) ? [...value, ...value] : [value];
    default: return typeof value === 'number' ? value * pick(rng, [2, 1000, 1e6, -1]) : value;
  }
}
