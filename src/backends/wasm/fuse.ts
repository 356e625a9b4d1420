// Moved to ../fused/: kept until the thread files import from there.
export { fusePlan, type FusedPlan } from '../fused/fuse.js';
export type { FusedOp } from '../fused/ops.js';
