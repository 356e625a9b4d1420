import { formatGrid, gridSearch, gridTable, phiCost } from '../model/grid.js';
import { parse, stringOption, UsageError, type Command } from './command.js';

const usage = `Usage: effnet scaling --grid [--step X] [--tolerance X] [--phi N] [--json]

The grid search of Tan & Le 2019 (§4, step 1) as far as it runs without ImageNet: at φ = 1,
every α, β, γ ≥ 1 on a grid with α·β²·γ² within the tolerance of 2, and the exact multiply-adds
and parameters of each candidate network, counted from its plan. The accuracy half (the paper
trained each candidate on ImageNet) is not reproduced. Then why φ costs more than (α·β²·γ²)^φ.

  --grid           run the grid search (the only mode for now)
  --step X         grid spacing of α, β, γ (default 0.05, at least 0.01)
  --tolerance X    keep |α·β²·γ² − 2| ≤ X (default 0.1)
  --phi N          the φ whose cost is explained after the table (default 2)
  --json           {options, b0, candidates, table: {header, rows}, phiCost}`;

function numberOption(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got '${JSON.stringify(text.slice(0, 40)).slice(1, -1)}'`);
  return n;
}

export const scaling: Command = {
  name: 'scaling',
  summary: "the paper's α, β, γ grid search at φ = 1, with each candidate's exact cost",
  usage,
  run(argv) {
    const { values, positionals } = parse(argv, {
      grid: { type: 'boolean' },
      step: { type: 'string' },
      tolerance: { type: 'string' },
      phi: { type: 'string' },
      json: { type: 'boolean' },
    }, usage);
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${JSON.stringify(positionals[0]!.slice(0, 40)).slice(1, -1)}' (effnet scaling --help)`);
    if (!values.grid) throw new UsageError('give --grid (effnet scaling --help for the options)');
    const phi = numberOption(stringOption(values, 'phi'), '--phi') ?? 2;
    if (phi < 0 || phi > 8) throw new UsageError(`--phi must be between 0 and 8, got ${phi}`);
    let result;
    try {
      result = gridSearch({
        step: numberOption(stringOption(values, 'step'), '--step'),
        tolerance: numberOption(stringOption(values, 'tolerance'), '--tolerance'),
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const cost = phiCost(phi);
    console.log(values.json ? JSON.stringify({ ...result, table: gridTable(result), phiCost: cost }, null, 2) : formatGrid(result, cost));
  },
};
