// The tolerance of a golden made on a GPU, from its measured spread d (max over layers of
// |gpu − cpu| / max |gpu|, same framework, same weights and input): effnet agrees with the CPU
// goldens far inside 1e-4, and the GPU golden sits d from them, so effnet is held to
// max(1e-4, 2·d), rounded up to two significant digits: room for the GPU's spread plus effnet's,
// tight enough that an error as large as the GPU's whole deviation again fails.
export const FLOOR = 1e-4;
export const RULE = 'per layer: max |ours − golden| ≤ tolerance · max |golden|; tolerance = max(1e-4, 2 · d), d = the measured relative difference from tfjs-cpu (worst layer), rounded up to 2 significant digits';

export function toleranceFor(d) {
  if (!Number.isFinite(d)) throw new Error(`toleranceFor: the measured difference ${d} is not finite`);
  const twice = 2 * d;
  if (twice <= FLOOR) return FLOOR;
  const p = 10 ** (Math.floor(Math.log10(twice)) - 1);
  return Math.max(FLOOR, Number((Math.ceil(twice / p) * p).toPrecision(2)));
}
