import { escapeText } from '../limits.js';
import { CheckpointError } from './source.js';

// A restricted unpickler: it reads the opcodes of pickle protocols 2–4 that hold plain data
// (numbers, strings, bytes, tuples, lists, dicts) and calls nothing. A GLOBAL is looked up in
// the caller's allow-list and refused, naming it, before anything else happens; REDUCE may only
// call an allowed global's handler, which builds data. Opcodes that instantiate or call by
// other routes (INST, OBJ, NEWOBJ, EXT*, text PERSID) are refused, as are unknown ones.
// Opcode bytes: CPython Lib/pickletools.py.

export type PyKey = string | number | bigint | boolean | null;

/** A Python dict (or OrderedDict): insertion-ordered, keys as JS primitives. */
export class PyDict {
  readonly entries = new Map<PyKey, PyValue>();
  /** The state BUILD gave it (an OrderedDict's `_metadata`, in a state dict). */
  attrs: PyDict | undefined;
  get(key: PyKey): PyValue | undefined {
    return this.entries.get(key);
  }
}

/** A global from the allow-list, as pushed by GLOBAL / STACK_GLOBAL. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Tuples are frozen arrays; lists are plain ones. Objects are whatever handlers build. */
export type PyValue = PyKey | Uint8Array | PyValue[] | PyDict | PyGlobal | object;

export interface UnpickleOptions {
  /** `module.name` → what REDUCE on it builds from its arguments; absent names are refused. */
  globals: ReadonlyMap<string, ((args: readonly PyValue[]) => PyValue) | null>;
  /** BINPERSID: turns a persistent id into a value (torch.save's storages). */
  persistentLoad?: (pid: PyValue) => PyValue;
  limits?: Partial<PickleLimits>;
}

export interface PickleLimits {
  maxBytes: number;
  /** Highest memo index accepted. */
  maxMemo: number;
  maxStack: number;
  /** Open MARKs at once. */
  maxMarks: number;
  /** Containers inside containers. */
  maxDepth: number;
  /**
   * Values the pickle builds that cost memory beyond their bytes: lists, tuples, dicts, and the
   * results of calls and persistent ids. One opcode byte can make one, so without this bound a
   * pickle of opcodes alone built ~120 bytes of objects per byte of file (a 64 MiB pickle, 7.5 GB).
   */
  maxObjects: number;
}

/**
 * A torch checkpoint builds a few objects per entry: the fixtures' small state dict 1,458, a
 * training checkpoint of 162 entries with its optimizer state 3,865 (~24 an entry), so 2^18 leaves
 * room for a B7 training checkpoint several times over, while an opcode-dense pickle stays near 40 MB.
 */
export const PICKLE_LIMITS: PickleLimits = { maxBytes: 64 * 2 ** 20, maxMemo: 2 ** 22, maxStack: 2 ** 20, maxMarks: 256, maxDepth: 64, maxObjects: 2 ** 18 };

const MARK = Symbol('mark');
/** Longest dict key, a string or a tuple as text (a state dict's keys are module paths, far shorter). */
const MAX_KEY = 1024;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function unpickle(bytes: Uint8Array, name: string, options: UnpickleOptions): PyValue {
  const { value, end } = unpickleAt(bytes, 0, name, options);
  if (end !== bytes.length) throw new CheckpointError(`${name}: ${bytes.length - end} bytes after the pickle's STOP`);
  return value;
}

/** One pickle starting at `start` (legacy torch.save files hold several in a row): its value and where it ended. */
export function unpickleAt(bytes: Uint8Array, start: number, name: string, options: UnpickleOptions): { value: PyValue; end: number } {
  const limits = { ...PICKLE_LIMITS, ...options.limits };
  let pos = start;
  const fail = (why: string): never => {
    throw new CheckpointError(`${name}: ${why}`);
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The pickle's own length is only known at its STOP, so the limit bounds how far it may read.
  const stop = Math.min(bytes.length, start + limits.maxBytes);
  const need = (n: number) => {
    if (n <= stop - pos) return;
    if (stop < bytes.length) fail(`pickle longer than the limit of ${limits.maxBytes} bytes`);
    fail(`truncated pickle: ${n} bytes needed at byte ${pos}, ${bytes.length - pos} left`);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const u8 = () => (need(1), bytes[pos++]!);
  const u16 = () => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const u64 = () => {
    const low = u32();
    const v = u32() * 2 ** 32 + low;
    if (!Number.isSafeInteger(v)) fail(`length ${v} at byte ${pos - 8} is too large`);
    return v;
  };
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const text = (n: number) => {
    const b = take(n);
    try {
      return utf8.decode(b);
    } catch {
      return fail(`invalid UTF-8 string at byte ${pos - n}`);
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 256) fail(`GLOBAL at byte ${pos} has no name line of at most 256 bytes`);
    return latin1(take(end - pos + 1).subarray(0, -1));
  };

  const stack: (PyValue | typeof MARK)[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  const depth = new WeakMap<object, number>();
  const depthOf = (v: PyValue) => (typeof v === 'object' && v !== null ? depth.get(v) ?? 0 : 0);
  // A container's depth is one more than its deepest member, kept as members arrive.
  const nest = (container: object, member: PyValue) => {
    const d = depthOf(member) + 1;
    if (d > limits.maxDepth) fail(`pickle nests containers more than ${limits.maxDepth} deep`);
    if (d > (depth.get(container) ?? 0)) depth.set(container, d);
  };
  const push = (v: PyValue) => {
    if (stack.length >= limits.maxStack) fail(`pickle stack passes ${limits.maxStack} items`);
    stack.push(v);
  };
  let objects = 0;
  /** A new container (or a call's result), counted against maxObjects. */
  const made = <T extends PyValue>(v: T): T => {
    if (++objects > limits.maxObjects) fail(`pickle builds more than ${limits.maxObjects} lists, tuples, dicts and objects (at byte ${pos - 1})`);
    return v;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail(`pickle stack underflow at byte ${pos - 1}`);
    return v as PyValue;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail(`pickle stack underflow at byte ${pos - 1}`);
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) fail(`pickle pops a MARK that was never set, at byte ${pos - 1}`);
    const items = stack.splice(m!) as PyValue[];
    items.shift();
    return items;
  };
  const tuple = (items: PyValue[]): PyValue => {
    for (const v of items) nest(items, v);
    return made(Object.freeze(items));
  };
  const put = (index: number) => {
    if (index > limits.maxMemo) fail(`memo index ${index} exceeds the limit of ${limits.maxMemo}`);
    memo.set(index, top());
  };
  const get = (index: number) => {
    const v = memo.get(index);
    if (v === undefined) fail(`memo index ${index} read before it was written, at byte ${pos}`);
    push(v!);
  };
  // A tuple key is kept as its text, `(a, b)`. Tuples shared through the memo can make that text
  // exponentially longer than the file ((t, t) of (t, t) …) and one tuple may key many dicts, so
  // each tuple's length is worked out once from its members' (stopping past MAX_KEY) and its text
  // made once. Only tuples are walked: a list is unhashable, and may hold itself.
  const keyLength = new WeakMap<object, number>();
  const keyText = new WeakMap<object, string>();
  const isTuple = (v: PyValue): v is readonly PyValue[] => Array.isArray(v) && Object.isFrozen(v);
  const lengthOf = (k: PyValue): number => {
    if (!isTuple(k)) return typeof k === 'object' && k !== null ? 0 : String(k).length;
    let n = keyLength.get(k);
    if (n === undefined) {
      n = 2 + Math.max(0, 2 * (k.length - 1));
      for (let i = 0; i < k.length && n <= MAX_KEY; i++) n += lengthOf(k[i]!);
      n = Math.min(n, MAX_KEY + 1);
      keyLength.set(k, n);
    }
    return n;
  };
  const keyOf = (k: PyValue): PyKey => {
    if (k === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof k)) return k as PyKey;
    if (!isTuple(k)) return fail(`unhashable dict key at byte ${pos - 1}`);
    let text = keyText.get(k);
    if (text === undefined) {
      if (lengthOf(k) > MAX_KEY) fail(`a tuple dict key longer than ${MAX_KEY} characters at byte ${pos - 1}`);
      text = `(${k.map((x) => String(keyOf(x))).join(', ')})`;
      keyText.set(k, text);
    }
    return text;
  };
  // Keys go into a Map, and V8 hashes a string of 16,384 characters or more by its length alone and
  // a BigInt by its low 64 bits: many such keys would collide, each insertion comparing with them all.
  const key = (k: PyValue): PyKey => {
    if (typeof k === 'string' && k.length > MAX_KEY) fail(`a dict key of ${k.length} characters at byte ${pos - 1} (at most ${MAX_KEY})`);
    if (typeof k === 'bigint' && (k >= 2n ** 64n || k < -(2n ** 63n))) fail(`an integer dict key wider than 64 bits at byte ${pos - 1}`);
    return keyOf(k);
  };
  const setItems = (dict: PyValue, items: PyValue[]) => {
    if (!(dict instanceof PyDict)) fail(`SETITEM(S) on something that is not a dict, at byte ${pos - 1}`);
    if (items.length % 2) fail(`SETITEMS with an odd number of items at byte ${pos - 1}`);
    for (let i = 0; i < items.length; i += 2) {
      (dict as PyDict).entries.set(key(items[i]!), items[i + 1]!);
      nest(dict as PyDict, items[i + 1]!);
    }
  };
  const append = (list: PyValue, items: PyValue[]) => {
    if (!Array.isArray(list) || Object.isFrozen(list)) fail(`APPEND(S) on something that is not a list, at byte ${pos - 1}`);
    for (const v of items) {
      (list as PyValue[]).push(v);
      nest(list as PyValue[], v);
    }
  };
  const global = (module: string, qualname: string) => {
    const full = `${module}.${qualname}`;
    if (!options.globals.has(full)) {
      const allowed = [...options.globals.keys()].filter((g) => !/Storage$/.test(g)).join(', ');
      fail(`refuses the pickled global ${escapeText(full, 80)}: a state dict needs only ${allowed} and torch storage types; nothing was executed`);
    }
    push(new PyGlobal(module, qualname));
  };
  const int = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    // through hex, in one step: shifting a byte in at a time is quadratic in the length
    let hex = '';
    for (let i = b.length - 1; i >= 0; i--) hex += HEX[b[i]!];
    let v = BigInt(`0x${hex}`);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) fail(`pickle protocol ${v} is not supported`);
        break;
      }
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        if (stack.length !== 1) fail(`pickle stops with ${stack.length} items on the stack, expected 1`);
        return { value: pop(), end: pos };
      }
      case 0x28: // MARK
        if (marks.length >= limits.maxMarks) fail(`pickle opens more than ${limits.maxMarks} MARKs at once`);
        marks.push(stack.length);
        push(MARK as unknown as PyValue);
        break;
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: need(4); push(dv.getInt32(pos, true)); pos += 4; break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(int(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = u32();
        if (n > 1024) fail(`LONG4 of ${n} bytes at byte ${at} (at most 1024)`);
        push(int(take(n)));
        break;
      }
      case 0x47: need(8); push(dv.getFloat64(pos, false)); pos += 8; break; // BINFLOAT
      case 0x58: push(text(u32())); break; // BINUNICODE
      case 0x8c: push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: push(text(u64())); break; // BINUNICODE8
      case 0x54: push(latin1(take(u32()))); break; // BINSTRING (Python 2 str)
      case 0x55: push(latin1(take(u8()))); break; // SHORT_BINSTRING
      case 0x42: push(take(u32()).slice()); break; // BINBYTES
      case 0x43: push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: push(take(u64()).slice()); break; // BINBYTES8
      case 0x29: push(tuple([])); break; // EMPTY_TUPLE
      case 0x85: push(tuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); push(tuple([pop(), b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); push(tuple([pop(), b, c])); break; } // TUPLE3
      case 0x74: push(tuple(popMark())); break; // TUPLE
      case 0x5d: push(made([])); break; // EMPTY_LIST
      case 0x6c: { const items = popMark(); const list: PyValue[] = made([]); append(list, items); push(list); break; } // LIST
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x7d: push(made(new PyDict())); break; // EMPTY_DICT
      case 0x64: { const items = popMark(); const d = made(new PyDict()); setItems(d, items); push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x71: put(u8()); break; // BINPUT
      case 0x72: put(u32()); break; // LONG_BINPUT
      case 0x94: put(memo.size); break; // MEMOIZE
      case 0x68: get(u8()); break; // BINGET
      case 0x6a: get(u32()); break; // LONG_BINGET
      case 0x63: { const module = line(); global(module, line()); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const qualname = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof qualname !== 'string') fail(`STACK_GLOBAL without two strings at byte ${at}`);
        global(module as string, qualname as string);
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PyGlobal)) fail(`REDUCE calls something that is not an allowed global, at byte ${at}`);
        const g = callable as PyGlobal;
        const handler = options.globals.get(g.qualified);
        if (!handler) fail(`refuses to call ${escapeText(g.qualified, 80)} (REDUCE at byte ${at}): it may only be named, not called; nothing was executed`);
        if (!Array.isArray(args) || !Object.isFrozen(args)) fail(`REDUCE of ${g.qualified} without an argument tuple, at byte ${at}`);
        push(made(handler!(args as PyValue[])));
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail(`persistent id at byte ${at}, which this pickle may not use`);
        push(made(options.persistentLoad!(pid)));
        break;
      }
      case 0x62: { // BUILD: only an OrderedDict's attribute dict (a state dict's _metadata)
        const state = pop();
        const target = top();
        if (!(target instanceof PyDict) || !(state instanceof PyDict)) fail(`refuses BUILD at byte ${at} on a ${target instanceof PyGlobal ? target.qualified : typeof target}: only a dict's attributes may be set; nothing was executed`);
        (target as PyDict).attrs = state as PyDict;
        break;
      }
      default: {
        const known: Record<number, string> = {
          0x69: 'INST', 0x6f: 'OBJ', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x50: 'PERSID',
          0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING', 0x56: 'UNICODE', 0x70: 'PUT', 0x67: 'GET',
          0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
        };
        fail(known[op] ? `refuses pickle opcode ${known[op]} at byte ${at}: not part of a state dict; nothing was executed` : `unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
      }
    }
  }
}
