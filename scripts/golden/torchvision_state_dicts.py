#!/usr/bin/env python3
"""Writes fixtures/golden/torchvision-state-dicts.json: the state_dict key names and shapes of
torchvision's efficientnet_b0…b7 (no values) and each one's batch norm epsilon, the independent
record effnet's torchvision name map is checked against for every variant.

    /usr/bin/python3 scripts/golden/torchvision_state_dicts.py
"""
import json
import os

import torch
import torchvision

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures', 'golden', 'torchvision-state-dicts.json')

variants = {}
for n in range(8):
    model = getattr(torchvision.models, f'efficientnet_b{n}')(weights=None)
    bn = next(m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    variants[f'b{n}'] = {
        'bn_eps': bn.eps,
        'tensors': [[k, list(v.shape)] for k, v in model.state_dict().items()],
    }
    del model
doc = {
    'producer': 'scripts/golden/torchvision_state_dicts.py',
    'framework': 'torchvision',
    'framework_version': {'torch': torch.__version__, 'torchvision': torchvision.__version__},
    'variants': variants,
}
with open(OUT, 'w') as f:
    json.dump(doc, f, separators=(',', ':'))
    f.write('\n')
print(OUT, sum(len(v['tensors']) for v in variants.values()), 'tensors')
