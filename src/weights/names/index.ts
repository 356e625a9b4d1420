import type { Family, NameMap } from './family.js';
import { keras } from './keras.js';
import { timm, timmTf } from './timm.js';
import { torchvision } from './torchvision.js';

export { FAMILIES, type Family, type NameMap, type SourceRef } from './family.js';

export const NAME_MAPS: Readonly<Record<Family, NameMap>> = { keras, timm_tf: timmTf, timm, torchvision };
