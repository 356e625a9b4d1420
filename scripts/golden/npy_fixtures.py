#!/usr/bin/env python3
"""Writes fixtures/npy/: .npy files made by NumPy itself, the independent producer the
tensor layer's reader is tested against. Rerun: /usr/bin/python3 scripts/golden/npy_fixtures.py"""
import json
import os

import numpy as np

out = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'npy')
os.makedirs(out, exist_ok=True)
values = (np.arange(24, dtype=np.float32) * 0.5 - 3.0).reshape(2, 3, 4)
with open(os.path.join(out, 'v1-f4-2x3x4.npy'), 'wb') as f:
    np.lib.format.write_array(f, values, version=(1, 0))
with open(os.path.join(out, 'v2-f4-2x3x4.npy'), 'wb') as f:
    np.lib.format.write_array(f, values, version=(2, 0))
np.save(os.path.join(out, 'scalar-f4.npy'), np.float32(1.5))
np.save(os.path.join(out, 'f8-2x3x4.npy'), values.astype(np.float64))
np.save(os.path.join(out, 'big-endian-f4.npy'), values.astype('>f4'))
np.save(os.path.join(out, 'fortran-f4.npy'), np.asfortranarray(values))
manifest = {
    'producer': 'scripts/golden/npy_fixtures.py',
    'framework': 'numpy',
    'version': np.__version__,
    'values': 'arange(24, float32) * 0.5 - 3, shape (2, 3, 4); scalar 1.5; the rest are formats the reader must refuse',
}
with open(os.path.join(out, 'manifest.json'), 'w') as f:
    json.dump(manifest, f, indent=2)
    f.write('\n')
