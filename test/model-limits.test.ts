import { describe, expect, it } from 'vitest';
import { EfficientNet, randomInput } from 'effnet';

// A model's limits hold for every input size it is run at: the plan made for a new size keeps the
// limits the model was created with (they were dropped, and the process defaults applied instead).

describe("a model's limits at another input size", () => {
  it('a lowered maxResolution refuses run and profile above it, naming the limit', async () => {
    const model = await EfficientNet.create({ variant: 'b0', resolution: 64, limits: { maxResolution: 256 } });
    expect(model.run(randomInput([1, 256, 256, 3], 1)).shape).toEqual([1, 1000]);
    expect(() => model.run(randomInput([1, 320, 320, 3], 1))).toThrow('b0: 320 pixels of input side, more than allowed (limit maxResolution = 256)');
    expect(() => model.profile(randomInput([1, 288, 288, 3], 1))).toThrow('(limit maxResolution = 256)');
    model.dispose();
  });

  it('a raised maxResolution lets run go past the default 1,024', async () => {
    const model = await EfficientNet.create({ variant: 'b0', resolution: 32, includeTop: false, limits: { maxResolution: 2048 } });
    expect(model.run(randomInput([1, 1056, 1056, 3], 2)).shape).toEqual([1, 1280]);
    model.dispose();
  });
});
