import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as effnet from '../src/index.js';
import * as effnetNode from '../src/node/index.js';

// The main entry is the documented API: each name it exports is named in the README's API
// section, and that section names nothing the entry does not export.

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const api = readme.slice(readme.indexOf('## API'), readme.indexOf('\n## ', readme.indexOf('## API') + 1));

describe('the main entry', () => {
  it('exports only what the README documents', () => {
    const undocumented = Object.keys(effnet).filter((name) => !new RegExp(`\`${name}\``).test(api));
    expect(undocumented).toEqual([]);
  });

  it('exports everything the README lists', () => {
    const list = api.slice(api.indexOf('`effnet` exports'), api.indexOf('→'));
    const listed = [...list.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]!);
    // the list names effnet/node's additions too, in its first sentence
    const missing = listed.filter((name) => name !== 'effnet' && !/^'/.test(name) && !(name in effnet) && !(name in effnetNode));
    expect(missing).toEqual([]);
    expect(listed.length).toBeGreaterThan(40);
  });
});
