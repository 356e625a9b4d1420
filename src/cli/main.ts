// The CLI runs in Node: its wasm backend may use worker_threads (--threads).
import '../node/threads.js';
import '../node/webgpu.js';
import { bench } from './bench.js';
import { classify } from './classify.js';
import { UsageError, type Command } from './command.js';
import { embed } from './embed.js';
import { errorText } from './errors.js';
import { fetchCommand } from './fetch.js';
import { infer } from './infer.js';
import { scaling } from './scaling.js';
import { summary } from './summary.js';
import { verify } from './verify.js';

const commands: Command[] = [summary, classify, embed, infer, verify, bench, scaling, fetchCommand];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: effnet <command> [options]   (effnet <command> --help for its options)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Add --debug to any command to see the stack trace of an error.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`effnet: unknown command '${name}'\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    if (debug) console.error(e);
    else console.error(`effnet ${name}: ${errorText(e, command.usage)}`);
    return e instanceof UsageError ? 2 : 1;
  }
}
