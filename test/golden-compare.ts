// The comparison lives in src/node/golden.ts, shared with `effnet verify`; tests import it from here.
export { compareLayer, type LayerComparison } from '../src/node/golden.js';
