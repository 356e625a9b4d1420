import { userMessage } from '../limits.js';
import { UsageError } from './command.js';

/**
 * What the user sees of an error: one line, control characters escaped, bounded, no engine
 * message (see userMessage); a usage error keeps the command's usage text after its line.
 */
export function errorText(e: unknown, usage: string): string {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof UsageError && message.endsWith(`\n${usage}`)) {
    return `${userMessage(new UsageError(message.slice(0, -usage.length - 1)))}\n${usage}`;
  }
  return userMessage(e);
}
