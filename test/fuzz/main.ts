import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { READERS, type Reader } from './cases.js';
import { formatTable, fuzz } from './runner.js';

// `npm run fuzz`: the long run (10,000 cases a reader unless told), a Markdown table on stdout,
// each failing case (reader, index, verdict, message) on stderr; exit 1 if any case failed.
const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string' },
    reader: { type: 'string', multiple: true },
    timeout: { type: 'string', default: '10000' },
  },
});
const readers = (values.reader as Reader[] | undefined) ?? [...READERS];
const started = Date.now();
const stop = new AbortController();
// SIGTERM or Ctrl-C: finish the cases in flight and report the ones run.
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stop.abort());
const { summaries, failures } = await fuzz({
  readers,
  cases: Number(values.cases),
  seed: Number(values.seed),
  workers: Number(values.workers ?? Math.max(1, availableParallelism() - 1)),
  timeoutMs: Number(values.timeout),
  ceiling: 512 * 2 ** 20,
  signal: stop.signal,
  onProgress: (done, total) => {
    if (done % 500 === 0 || done === total) process.stderr.write(`fuzz: ${done}/${total} cases, ${Math.round((Date.now() - started) / 1000)} s\n`);
  },
});
console.log(formatTable(summaries));
console.log(`\nseed ${values.seed}, ${stop.signal.aborted ? `stopped early; at most ` : ''}${values.cases} cases a reader, ${Math.round((Date.now() - started) / 1000)} s, ceiling 512 MiB above each worker's own need`);
for (const f of failures.slice(0, 50)) process.stderr.write(`${f.reader} #${f.index} ${f.verdict} (${f.note}): ${JSON.stringify(f.message)}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
