import { describe, expect, it } from 'vitest';
import { READERS } from './fuzz/cases.js';
import { formatTable, fuzz } from './fuzz/runner.js';

// The quick mode of the fuzz suite (`npm run fuzz` is the long one): the same seeded generators,
// fewer cases. Every case must end in a clear error or an accepted input: no crash, no hang, no
// more than 512 MiB above the worker's own need, no unclear message, no NaN passed as finite,
// no decoded byte that two decodes disagree on.
const CASES = Number(process.env.EFFNET_FUZZ_CASES ?? 50);

describe('fuzz (quick mode)', () => {
  it(`${CASES} seeded hostile cases per reader (${READERS.join(', ')}) all end in a clear error or a sound result`, async () => {
    const { summaries, failures } = await fuzz({ readers: READERS, cases: CASES, seed: 2, workers: 2, timeoutMs: 15_000, ceiling: 512 * 2 ** 20 });
    const shown = failures.slice(0, 10).map((f) => `${f.reader} #${f.index} ${f.verdict} (${f.note}): ${f.message}`);
    expect(shown, formatTable(summaries)).toEqual([]);
    for (const s of summaries) {
      expect(s.cases).toBe(CASES);
      expect(s.errors + s.accepted).toBe(CASES);
    }
    // The generators must reach both sides of every reader, or they test nothing.
    for (const s of summaries.filter((x) => x.reader !== 'png')) expect(s.accepted, s.reader).toBeGreaterThan(0);
    expect(summaries.every((s) => s.errors > 0)).toBe(true);
  }, 300_000);

  it('the runner sees a hang, a crash, memory held past the ceiling and an engine message', async () => {
    const { failures } = await fuzz({ readers: ['canary'], cases: 4, seed: 1, workers: 1, timeoutMs: 15_000, ceiling: 512 * 2 ** 20 });
    expect(failures.map((f) => f.verdict)).toEqual(['hang', 'crash', 'over-memory', 'unclear']);
  }, 240_000);
});
