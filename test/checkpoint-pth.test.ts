import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../src/backends/backend.js';
import { EfficientNet } from '../src/efficientnet.js';
import { readCheckpointFile } from '../src/node/checkpoint.js';
import { readNpy } from '../src/tensor/npy.js';
import { Tensor } from '../src/tensor/tensor.js';
import { resolveCheckpoint } from '../src/weights/checkpoint.js';
import { readPth } from '../src/weights/pth.js';
import { compareAbsolute, compareLayer } from './golden-compare.js';
import { bytes, checkpoint, global, ORDERED_DICT, PROTO2, STOP, stateDict, str, tensor, u32 } from './pth-builder.js';
import { effnet } from './run-cli.js';

// .pth checkpoints written by Debian's torch (scripts/golden/torch_pth.py; producer in
// fixtures/pth/manifest.json) against torchvision's logits, and hostile pickles made byte by byte.

const fixture = (p: string) => new URL(`../fixtures/${p}`, import.meta.url).pathname;
const read = (p: string) => new Uint8Array(readFileSync(fixture(p)));
const npy = (p: string) => readNpy(read(p), p);
const input = npy('golden/torch-pth-32/input.npy');
const BACKENDS: BackendName[] = ['reference', 'wasm'];
const tmp = mkdtempSync(join(tmpdir(), 'effnet-pth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('.pth checkpoints written by torch.save match torchvision', () => {
  const cases = [
    ['golden/torch-pth-32/model.pth', 'golden/torch-pth-32/predictions.npy', 'a plain F32 state dict'],
    ['pth/state-f16.pth', 'pth/predictions-f16.npy', 'F16 views of one shared storage, one transposed'],
    ['pth/training.pth', 'golden/torch-pth-32/predictions.npy', "a training checkpoint's 'model' beside Adam's state"],
    ['pth/ema.pth', 'golden/torch-pth-32/predictions.npy', "torchvision's EMA ('module.' keys, n_averaged) preferred to 'model'"],
    ['pth/legacy.pth', 'golden/torch-pth-32/predictions.npy', 'the legacy (pre-1.6, _use_new_zipfile_serialization=False) format'],
  ] as const;
  for (const [file, logits, what] of cases) {
    it.each(BACKENDS)(`${what} (${file}) gives torchvision's logits on %s`, async (backend) => {
      const model = await EfficientNet.load(await readCheckpointFile(fixture(file)), { backend });
      const c = compareLayer('predictions', npy(logits), model.run(input), 1e-4);
      expect(c.message, `${file} on ${backend}`).toBe('');
      model.dispose();
    });
  }

  it('reports where the state dict was found and the checkpoint dict\'s scalars', () => {
    expect(resolveCheckpoint({ format: 'pth', bytes: read('pth/training.pth') }).info.metadata).toMatchObject({ format: 'pth', state_dict_key: 'model', epoch: '3' });
    const ema = resolveCheckpoint({ format: 'pth', bytes: read('pth/ema.pth') });
    expect(ema.info.metadata.state_dict_key).toBe('model_ema');
    expect(ema.info.ignored).toEqual(expect.arrayContaining(['features.0.1.num_batches_tracked']));
  });

  it("an explicit key picks another state dict: ema.pth's 'model' holds other weights", async () => {
    const model = await EfficientNet.load({ format: 'pth', bytes: read('pth/ema.pth'), key: 'model' }, { backend: 'reference' });
    const c = compareLayer('predictions', npy('golden/torch-pth-32/predictions.npy'), model.run(input), 1e-4);
    expect(c.ok).toBe(false);
  });

  it('F16 storages stay F16 and the transposed classifier is gathered by its strides', () => {
    const { tensors } = readPth(read('pth/state-f16.pth'), 'state-f16.pth');
    const w = tensors.get('classifier.1.weight')!;
    expect(w.dtype).toBe('F16');
    expect(w.shape[0]).toBe(10);
    const f32 = readPth(read('golden/torch-pth-32/model.pth'), 'model.pth').tensors.get('classifier.1.weight')!;
    // within 1e-3 absolute: half rounding, not a transposition
    const cmp = compareAbsolute('classifier.1.weight', new Tensor(f32.shape, f32.data!), new Tensor(w.shape, w.data!), 1e-3);
    expect(cmp.ok, cmp.message).toBe(true);
  });

  it('effnet infer --weights model.pth writes the golden logits', async () => {
    const out = join(tmp, 'logits.npy');
    const r = await effnet('infer', '--weights', fixture('golden/torch-pth-32/model.pth'), '--input', fixture('golden/torch-pth-32/input.npy'), '--output', out, '--backend', 'reference');
    expect(r.code, r.stderr).toBe(0);
    expect(compareLayer('predictions', npy('golden/torch-pth-32/predictions.npy'), readNpy(new Uint8Array(readFileSync(out)), out), 1e-4).message).toBe('');
  });
});

describe('hand-made checkpoints: views and bounds', () => {
  const storage = Float32Array.from({ length: 12 }, (_, i) => i);

  it('tensors sharing one storage at offsets and with strides read the right values', () => {
    const pkl = stateDict([['a', tensor('0', 12, 2, [2, 3], [3, 1])], ['t', tensor('0', 12, 0, [3, 2], [1, 3])]]);
    const { tensors } = readPth(checkpoint(pkl, { 0: storage }), 'views.pth');
    expect([...tensors.get('a')!.data!]).toEqual([2, 3, 4, 5, 6, 7]);
    expect([...tensors.get('t')!.data!]).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it.each([
    ['a view past the storage', tensor('0', 12, 8, [2, 3], [3, 1]), /reaches element 13 of storage '0', which holds 12/],
    ['a storage shorter than its numel', tensor('0', 100, 0, [2], [1]), /storage '0' holds 48 bytes, its 100 F32 values need 400/],
  ])('%s is refused', (_, t, message) => {
    expect(() => readPth(checkpoint(stateDict([['w', t]]), { 0: storage }), 'bad.pth')).toThrow(message);
  });

  it('a missing storage entry, a truncated file and a corrupted byte are each one line naming the file', () => {
    const good = checkpoint(stateDict([['w', tensor('0', 12, 0, [12], [1])]]), { 0: storage });
    expect(() => readPth(checkpoint(stateDict([['w', tensor('7', 12, 0, [12], [1])]]), { 0: storage }), 'm.pth')).toThrow(/^m\.pth: storage '7' has no entry archive\/data\/7/);
    expect(() => readPth(good.subarray(0, good.length - 30), 't.pth')).toThrow(/^t\.pth: truncated zip/);
    const bad = good.slice();
    bad[good.indexOf(0x80) + 5]! ^= 0xff;
    expect(() => readPth(bad, 'c.pth')).toThrow(/^c\.pth: zip entry 'archive\/data\.pkl' is corrupted \(CRC-32 mismatch\)/);
  });

  it('a compressed entry, a non-zip, a pickle that is not torch.save\'s and a truncated legacy file are refused', () => {
    expect(() => readPth(new TextEncoder().encode('{"not": "a zip"}'), 'x.pth')).toThrow(/x\.pth: not a PyTorch checkpoint/);
    expect(() => readPth(bytes(PROTO2, 0x8a, 10, new Uint8Array(10), STOP), 'old.pth')).toThrow(/old\.pth: not a PyTorch checkpoint \(a pickle, but not torch\.save's\)/);
    const legacy = read('pth/legacy.pth');
    expect(() => readPth(legacy.subarray(0, legacy.length - 100), 'cut.pth')).toThrow(/^cut\.pth: truncated: storage '\d+' needs \d+ bytes at byte \d+, the file has \d+$/);
    expect(readPth(legacy, 'legacy.pth').metadata.format).toBe('pth (legacy)');
    const z = checkpoint(stateDict([]));
    new DataView(z.buffer).setUint16(z.lastIndexOf(0x50, z.length - 22 - 40) + 10, 8, true); // central method := deflate
    expect(() => readPth(z, 'z.pth')).toThrow(/compressed \(method 8\)/);
  });
});

describe('hostile pickles are refused and nothing is executed', () => {
  const pwned = join(tmp, 'pwned');
  const touch = `touch ${pwned}`;
  const hostile: [string, Uint8Array, RegExp][] = [
    ['os.system via REDUCE', bytes(PROTO2, global('os', 'system'), str(touch), 0x85, 'R', STOP), /refuses the pickled global os\.system/],
    ['posix.system via REDUCE', bytes(PROTO2, global('posix', 'system'), str(touch), 0x85, 'R', STOP), /refuses the pickled global posix\.system/],
    ['builtins.eval via REDUCE', bytes(PROTO2, global('builtins', 'eval'), str(`__import__('os').system('${touch}')`), 0x85, 'R', STOP), /refuses the pickled global builtins\.eval/],
    ['os.system via STACK_GLOBAL (protocol 4)', bytes(0x80, 4, 0x8c, 2, 'os', 0x8c, 6, 'system', 0x93, str(touch), 0x85, 'R', STOP), /refuses the pickled global os\.system/],
    ['subprocess.call inside a state dict', stateDict([['w', bytes(global('subprocess', 'call'), '(', str('touch'), str(pwned), 'l', 0x85, 'R')]]), /refuses the pickled global subprocess\.call/],
    ['calling an allowed storage type', bytes(PROTO2, global('torch', 'FloatStorage'), ')', 'R', STOP), /refuses to call torch\.FloatStorage .*may only be named/],
    ['BUILD on a list', bytes(PROTO2, ']', '}', 'b', STOP), /refuses BUILD/],
    ['NEWOBJ', bytes(PROTO2, global('collections', 'OrderedDict'), ')', 0x81, STOP), /refuses pickle opcode NEWOBJ/],
    ['INST', bytes('(', 'ios\nsystem\n', STOP), /refuses pickle opcode INST/],
    ['an unknown opcode', bytes(PROTO2, 0xff, STOP), /unknown pickle opcode 0xff at byte 2/],
    ['a control character in a global name', bytes(PROTO2, global('os\x1b[2J', 'system'), STOP), /refuses the pickled global os\\x1b\[2J\.system/],
    ['deeply nested lists', bytes(PROTO2, ...Array(100).fill(']'), ...Array(99).fill('a'), STOP), /nests containers more than 64 deep/],
    ['too many MARKs', bytes(PROTO2, ...Array(300).fill('('), STOP), /more than 256 MARKs/],
    ['a huge memo index', bytes(PROTO2, ']', 'r', u32(0xffffffff), STOP), /memo index 4294967295 exceeds the limit/],
    ['a string longer than the pickle', bytes(PROTO2, 'X', u32(0x7fffffff), 'abc'), /truncated pickle: 2147483647 bytes needed/],
    ['a memo read before it is written', bytes(PROTO2, 'h', 5, STOP), /memo index 5 read before it was written/],
    ['a dict of tensors with backward hooks', stateDict([['w', bytes(global('torch._utils', '_rebuild_parameter'), '(', tensor('0', 1, 0, [1], [1]), 0x88, ORDERED_DICT, str('h'), str('x'), 's', 't', 'R')]]), /backward hooks/],
  ];
  it.each(hostile)('%s', (_, pkl, message) => {
    let error: Error | undefined;
    try {
      readPth(checkpoint(pkl, { 0: new Float32Array(1) }), 'evil.pth');
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error!.message.startsWith('evil.pth: ')).toBe(true);
    expect(error!.message).not.toMatch(/\n/);
    expect(error!.message.length).toBeLessThan(400);
    expect(existsSync(pwned)).toBe(false);
  });

  it('the legacy format reads its main pickle through the same unpickler: os.system is refused there too', () => {
    const magic = bytes(PROTO2, 0x8a, 10, new Uint8Array([0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]), STOP);
    const header = bytes(magic, PROTO2, 'M', 0xe9, 0x03, STOP, PROTO2, '}', str('little_endian'), 0x88, 's', STOP);
    expect(() => readPth(bytes(header, hostile[0]![1]), 'old.pth')).toThrow(/^old\.pth: refuses the pickled global os\.system/);
    expect(existsSync(pwned)).toBe(false);
  });

  it('a pickled nn.Module (torch.save(torch.nn.Linear(2, 2))) is refused naming its class', () => {
    expect(() => readPth(read('pth/module.pth'), 'module.pth')).toThrow(/refuses the pickled global torch\.nn\.modules\.linear\.Linear: .*nothing was executed/);
  });

  it('effnet classify --weights evil.pth fails with one line and exit 1, creating nothing', async () => {
    const file = join(tmp, 'evil.pth');
    writeFileSync(file, checkpoint(hostile[0]![1]));
    const r = await effnet('classify', fixture('images/bag.png'), '--weights', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^effnet classify: .*evil\.pth: .*refuses the pickled global os\.system/);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(existsSync(pwned)).toBe(false);
  });
});
