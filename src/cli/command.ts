import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { BackendName } from '../backends/backend.js';
import { parseVariant, type Variant } from '../model/scaling.js';

/** A CLI command: its usage text and what it does with its arguments. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<void> | void;
}

/** An error whose message is the one line the user sees (no stack trace unless --debug). */
export class UsageError extends Error {}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Strict option parsing; an unknown or malformed option is a UsageError (main.ts answers --help). */
export function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>, usage: string): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]}\n${usage}`);
  }
}

export function stringOption(values: ParsedArgs['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A positive integer option, or undefined when it is absent. */
export function intOption(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  return n;
}

/** A whole-number option (0 allowed), or undefined when it is absent. */
export function countOption(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number, got '${text}'`);
  return n;
}

/** --model as a variant (b0…b7 or phi=X), or undefined when it is absent. */
export function variantOption(values: ParsedArgs['values']): Variant | undefined {
  const text = stringOption(values, 'model');
  try {
    return text === undefined ? undefined : parseVariant(text);
  } catch (e) {
    throw new UsageError(`--model: ${(e as Error).message}`);
  }
}

/** --backend as wasm or reference, or undefined when it is absent. */
export function backendOption(values: ParsedArgs['values']): BackendName | undefined {
  const name = stringOption(values, 'backend');
  if (name !== undefined && name !== 'wasm' && name !== 'reference' && name !== 'webgpu') throw new UsageError(`--backend must be wasm, reference or webgpu, got '${name}'`);
  return name;
}
