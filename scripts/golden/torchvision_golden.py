#!/usr/bin/env python3
"""Golden outputs from torchvision's EfficientNet (Debian's python3-torch / python3-torchvision).

    /usr/bin/python3 scripts/golden/torchvision_golden.py     # writes fixtures/golden/torch-*/
    python3 scripts/golden/torchvision_golden.py --device cuda --out DIR   # DIR/torch-*-cuda/

--device cuda computes the goldens on the GPU with TF32 off and reports, in each manifest, the
difference from the CPU (the tolerance derives from it) and from TF32 (see torch_device.py).

Cases:
  torch-b0-224     torchvision.models.efficientnet_b0(weights=None), weights stored as F16, no
                   metadata: family, variant and epsilon must be inferred from names and shapes.
  torch-custom-32  the B0 configuration at width 0.25, depth 0.25, 10 classes, 32×32 input (what
                   scripts/train/train_fashion.py builds), weights stored as BF16 with metadata
                   family, width, depth, resolution, num_classes, bn_eps, as a trained
                   non-standard checkpoint describes itself.

The seeded weights (scheme below) are rounded to the stored type and saved as model.safetensors
(num_batches_tracked as I64, written by hand: a u64 header length, a JSON header, the raw data).
The goldens are computed in float32 from those same rounded values, in eval mode, so they match
what a reader of the file gets. Forward hooks dump activations under the Keras layer names they
equal, NCHW transposed to NHWC.

Seeded scheme: one torch.Generator seeded with SEED; modules in state_dict order; for each of
their tensors u = 2·rand − 1 (float32), then
  Conv2d weight      u·√(6 / (in/groups·kh·kw))      Conv2d bias (SE)   0.02·u
  Linear weight      u·√(6 / in)                      Linear bias        0.02·u
  BatchNorm weight   1 + 0.25·u   bias 0.02·u   running_mean 0.02·u   running_var 1 + 0.5·u
  num_batches_tracked = 1000 (stored, ignored by readers).
The input is numpy.random.default_rng(input_seed).uniform(−1, 1, (1, R, R, 3)) as float32, NHWC.
"""
import json
import math
import os
import shutil
import struct
import sys

import numpy as np
import torch
import torchvision
from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_device  # noqa: E402

TOLERANCE = 1e-4
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures', 'golden')


def custom_model():
    setting, last_channel = _efficientnet_conf('efficientnet_b0', width_mult=0.25, depth_mult=0.25)
    return EfficientNet(setting, dropout=0.2, last_channel=last_channel, num_classes=10)


CASES = [
    {'name': 'torch-b0-224', 'build': lambda: torchvision.models.efficientnet_b0(weights=None), 'variant': 'b0',
     'width': 1.0, 'depth': 1.0, 'resolution': 224, 'num_classes': 1000, 'bn_eps': 1e-5, 'seed': 7, 'input_seed': 43,
     'dtype': np.float16, 'every_block': False, 'metadata': {}},
    {'name': 'torch-custom-32', 'build': custom_model, 'variant': 'width=0.25,depth=0.25',
     'width': 0.25, 'depth': 0.25, 'resolution': 32, 'num_classes': 10, 'bn_eps': 1e-5, 'seed': 8, 'input_seed': 44,
     'dtype': 'bfloat16', 'every_block': True,
     'metadata': {'family': 'torchvision', 'width': '0.25', 'depth': '0.25', 'resolution': '32', 'num_classes': '10', 'bn_eps': '1e-05'}},
]


def bfloat16_round(a):
    """float32 → bfloat16 (round to nearest even) as uint16 bits, and those bits widened back."""
    bits = a.astype(np.float32).view(np.uint32)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return rounded, (rounded.astype(np.uint32) << 16).view(np.float32)


def seed_weights(model, seed):
    g = torch.Generator().manual_seed(seed)
    u = lambda t: torch.rand(t.shape, generator=g, dtype=torch.float32) * 2 - 1
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Conv2d):
                fan_in = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
                module.weight.copy_(u(module.weight) * math.sqrt(6 / fan_in))
                if module.bias is not None:
                    module.bias.copy_(0.02 * u(module.bias))
            elif isinstance(module, torch.nn.Linear):
                module.weight.copy_(u(module.weight) * math.sqrt(6 / module.in_features))
                module.bias.copy_(0.02 * u(module.bias))
            elif isinstance(module, torch.nn.BatchNorm2d):
                module.weight.copy_(1 + 0.25 * u(module.weight))
                module.bias.copy_(0.02 * u(module.bias))
                module.running_mean.copy_(0.02 * u(module.running_mean))
                module.running_var.copy_(1 + 0.5 * u(module.running_var))
                module.num_batches_tracked.fill_(1000)


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, numpy array); float16 → F16, int64 → I64."""
    """tensors: list of (name, numpy array, safetensors dtype); uint16 arrays hold BF16 bits."""
    header = {'__metadata__': metadata}
    offset = 0
    blobs = []
    for name, a, dtype in tensors:
        a = np.ascontiguousarray(a)
        data = a.astype(a.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(a.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def keras_names(model, every_block):
    """module → Keras layer name whose output it equals (see the module docstring)."""
    names = {model.features[0]: 'stem_activation', model.features[8]: 'top_activation', model.avgpool: 'avg_pool', model.classifier: 'predictions'}
    # Each stage's output, or each block's; at 224 the stem and stage 2 on stand for stage 1
    # (fixtures/ stays under 40 MB).
    for stage in range(1 if every_block else 2, 8):
        for j, block in enumerate(model.features[stage]):
            if every_block or j == len(model.features[stage]) - 1:
                names[block] = f'block{stage}{chr(97 + j)}_' + ('add' if block.use_res_connect else 'project_bn')
    # One block's every layer: the last block of stage 6 (expand, depthwise, SE, project, and its
    # residual when it has one).
    j = len(model.features[6]) - 1
    p = f'block6{chr(97 + j)}_'
    b = model.features[6][j].block
    names.update({
        b[0]: p + 'expand_activation', b[1]: p + 'activation', b[2].avgpool: p + 'se_reshape',
        b[2].activation: p + 'se_reduce', b[2].scale_activation: p + 'se_expand', b[2]: p + 'se_excite',
        b[3][1]: p + 'project_bn',
    })
    return names


def to_nhwc(t):
    a = t.detach().clone().numpy()
    if a.ndim == 4:
        a = a.transpose(0, 2, 3, 1)
    return np.ascontiguousarray(a, dtype=np.float32)


def generate(c, device='cpu', root=ROOT):
    case = torch_device.case_name(c['name'], device)
    out = os.path.join(root, case)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    model = c['build']()
    seed_weights(model, c['seed'])
    state = model.state_dict()
    stored = []
    for name, t in state.items():
        if t.dtype == torch.float32:
            if c['dtype'] == 'bfloat16':
                bits, back = bfloat16_round(t.numpy())
                stored.append((name, bits, 'BF16'))
            else:
                half = t.numpy().astype(np.float16)
                back = half.astype(np.float32)
                stored.append((name, half, 'F16'))
            t.copy_(torch.from_numpy(back))  # compute with what the file holds
        else:
            stored.append((name, t.numpy().astype(np.int64), 'I64'))
    model.load_state_dict(state)
    model.eval()
    producer = f"scripts/golden/torchvision_golden.py (torchvision {torchvision.__version__}, {c['name']}, seed {c['seed']})"
    write_safetensors(os.path.join(out, 'model.safetensors'), stored, {'format': 'pt', 'producer': producer, **c['metadata']})

    r = c['resolution']
    x = np.random.default_rng(c['input_seed']).uniform(-1, 1, (1, r, r, 3)).astype(np.float32)
    np.save(os.path.join(out, 'input.npy'), x)
    names = lambda m: keras_names(m, c['every_block'])
    outputs, logits = torch_device.forward(model, x, names, device, to_nhwc)
    assert np.array_equal(outputs['predictions'], logits.numpy())
    on_gpu = torch_device.gpu_report(model, x, names, outputs, device, to_nhwc)
    tensors = {}
    for name, a in outputs.items():
        np.save(os.path.join(out, f'{name}.npy'), a)
        tensors[name] = list(a.shape)

    backend, where = torch_device.describe(device)
    manifest = {
        'case': case,
        'producer': 'scripts/golden/torchvision_golden.py',
        'framework': 'torchvision',
        'framework_version': {'torch': torch.__version__, 'torchvision': torchvision.__version__, 'numpy': np.__version__},
        'backend': backend,
        'device': where,
        'variant': c['variant'],
        'width': c['width'],
        'depth': c['depth'],
        'resolution': r,
        'num_classes': c['num_classes'],
        'padding': 'symmetric',
        'bn_epsilon': c['bn_eps'],
        'seed': c['seed'],
        'input': {'file': 'input.npy', 'layout': 'NHWC, already normalised', 'scheme': 'numpy.random.default_rng(input_seed).uniform(-1, 1) float32', 'input_seed': c['input_seed']},
        'weights': {
            'file': 'model.safetensors',
            'format': f"safetensors, {'BF16' if c['dtype'] == 'bfloat16' else 'F16'} (num_batches_tracked I64), torchvision names and layouts",
            'metadata': c['metadata'],
            'scheme': 'see the docstring of scripts/golden/torchvision_golden.py',
            'note': 'goldens computed in float32 from the rounded weights, i.e. what a reader of the file gets',
        },
        'tolerance': {'relative_to_max_abs_golden': TOLERANCE, 'rule': 'per layer: max |ours − golden| ≤ tolerance · max |golden|'},
        'tensors': tensors,
    }
    manifest.update(on_gpu)
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write('\n')
    gpu = f", cuda vs cpu {on_gpu['cpu_difference']['relative_to_max_golden']:.2e}, tf32 vs fp32 {on_gpu['tf32_difference']['relative_to_max_golden']:.2e}" if on_gpu else ''
    print(f"{case}: {len(tensors)} tensors, logits max |·| {np.abs(logits.numpy()).max():.4f}{gpu}")


def main():
    args = torch_device.arguments('torchvision_golden.py', ROOT, 'Golden outputs from torchvision EfficientNet.').parse_args()
    unknown = [n for n in args.cases if n not in [c['name'] for c in CASES]]
    if unknown:
        raise SystemExit(f"torchvision_golden.py: unknown case(s) {', '.join(unknown)} (known: {', '.join(c['name'] for c in CASES)})")
    torch_device.require(args.device, 'torchvision_golden.py')
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    for c in CASES:
        if not args.cases or c['name'] in args.cases:
            generate(c, args.device, os.path.abspath(args.out))


if __name__ == '__main__':
    main()
