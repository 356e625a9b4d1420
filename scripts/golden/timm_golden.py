#!/usr/bin/env python3
"""Golden outputs from timm's EfficientNet: the first timm-produced oracle for effnet's timm and
timm_tf name maps (until now only checked against hand-written key lists).

    python3 scripts/golden/timm_golden.py [--device cpu|cuda] [--out DIR] [CASE…]

Needs timm (not packaged by Debian: the GPU machine has it); without it, one line and exit 1.

Cases: timm.create_model(NAME, pretrained=False, num_classes=10) at 64×64 input, in eval mode:
  timm-efficientnet_b0-64      BN eps 1e-5, symmetric padding      → effnet family 'timm'
  timm-tf_efficientnet_b0-64   BN eps 1e-3, TF 'SAME' (Conv2dSame) → effnet family 'timm_tf'
Ten classes keep each checkpoint at 8 MB instead of 10.6 MB; the classifier's keys are the same.
Weights: the seeded scheme of torchvision_golden.py (seed_weights: one torch.Generator, modules in
order), rounded to float16 and saved as model.safetensors with metadata {architecture: NAME}
(how effnet tells tf_ ports from timm's own models, whose keys are identical); the goldens are
computed in float32 from the rounded values. Input: numpy.random.default_rng(input_seed)
.uniform(−1, 1, (1, 64, 64, 3)) float32, NHWC. Stored: stem, each stage's output, head, logits.
"""
import json
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_device  # noqa: E402
from torchvision_golden import ROOT, seed_weights, to_nhwc, write_safetensors  # noqa: E402

PROG = 'timm_golden.py'
CASES = [
    {'name': 'timm-efficientnet_b0-64', 'model': 'efficientnet_b0', 'padding': 'symmetric', 'bn_eps': 1e-5, 'seed': 21, 'input_seed': 51},
    {'name': 'timm-tf_efficientnet_b0-64', 'model': 'tf_efficientnet_b0', 'padding': 'same', 'bn_eps': 1e-3, 'seed': 22, 'input_seed': 52},
]
RESOLUTION = 64
NUM_CLASSES = 10
TOLERANCE = 1e-4


def import_timm():
    try:
        import timm
    except ImportError as e:
        raise SystemExit(f'{PROG}: timm cannot be imported here ({e}); run where timm is installed (pip install timm, or the GPU machine)')
    return timm


def keras_names(model):
    """module → the Keras layer name whose output it equals. timm ≥ 0.9 folds the activation into
    BatchNormAct2d (bn1, bn2); older versions keep act1/act2 modules."""
    def act(bn, name):
        a = getattr(model, name, None)
        return a if a is not None and not isinstance(a, torch.nn.Identity) else bn
    names = {act(model.bn1, 'act1'): 'stem_activation', act(model.bn2, 'act2'): 'top_activation',
             model.global_pool: 'avg_pool', model.classifier: 'predictions'}
    for i, stage in enumerate(model.blocks):
        j = len(stage) - 1
        block = stage[j]
        skip = getattr(block, 'has_skip', getattr(block, 'has_residual', False))
        names[block] = f'block{i + 1}{chr(97 + j)}_' + ('add' if skip else 'project_bn')
    return names


def generate(timm, c, device, root):
    case = torch_device.case_name(c['name'], device)
    out = os.path.join(root, case)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    model = timm.create_model(c['model'], pretrained=False, num_classes=NUM_CLASSES)
    seed_weights(model, c['seed'])
    state = model.state_dict()
    stored = []
    for key, t in state.items():
        if t.dtype == torch.float32:
            half = t.numpy().astype(np.float16)
            stored.append((key, half, 'F16'))
            t.copy_(torch.from_numpy(half.astype(np.float32)))  # compute with what the file holds
        else:
            stored.append((key, t.numpy().astype(np.int64), 'I64'))
    model.load_state_dict(state)
    model.eval()
    producer = f"scripts/golden/timm_golden.py (timm {timm.__version__}, {c['model']}, seed {c['seed']})"
    write_safetensors(os.path.join(out, 'model.safetensors'), stored, {'format': 'pt', 'architecture': c['model'], 'producer': producer})

    x = np.random.default_rng(c['input_seed']).uniform(-1, 1, (1, RESOLUTION, RESOLUTION, 3)).astype(np.float32)
    np.save(os.path.join(out, 'input.npy'), x)
    outputs, logits = torch_device.forward(model, x, keras_names, device, to_nhwc)
    assert np.array_equal(outputs['predictions'], logits.numpy())
    on_gpu = torch_device.gpu_report(model, x, keras_names, outputs, device, to_nhwc)
    tensors = {}
    for layer, a in outputs.items():
        np.save(os.path.join(out, f'{layer}.npy'), a)
        tensors[layer] = list(a.shape)

    backend, where = torch_device.describe(device)
    manifest = {
        'case': case,
        'producer': 'scripts/golden/timm_golden.py',
        'framework': 'timm',
        'framework_version': {'timm': timm.__version__, 'torch': torch.__version__, 'numpy': np.__version__},
        'backend': backend,
        'device': where,
        'model': c['model'],
        'variant': 'b0',
        'width': 1.0,
        'depth': 1.0,
        'resolution': RESOLUTION,
        'num_classes': NUM_CLASSES,
        'padding': c['padding'],
        'bn_epsilon': c['bn_eps'],
        'seed': c['seed'],
        'input': {'file': 'input.npy', 'layout': 'NHWC, already normalised', 'scheme': 'numpy.random.default_rng(input_seed).uniform(-1, 1) float32', 'input_seed': c['input_seed']},
        'weights': {
            'file': 'model.safetensors',
            'format': 'safetensors, F16 (num_batches_tracked I64), timm names and layouts',
            'metadata': {'architecture': c['model']},
            'scheme': 'seed_weights of scripts/golden/torchvision_golden.py over timm.create_model(pretrained=False)',
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
    args = torch_device.arguments(PROG, ROOT, "Golden outputs from timm's EfficientNet.").parse_args()
    unknown = [n for n in args.cases if n not in [c['name'] for c in CASES]]
    if unknown:
        raise SystemExit(f"{PROG}: unknown case(s) {', '.join(unknown)} (known: {', '.join(c['name'] for c in CASES)})")
    timm = import_timm()
    torch_device.require(args.device, PROG)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    for c in CASES:
        if not args.cases or c['name'] in args.cases:
            generate(timm, c, args.device, os.path.abspath(args.out))


if __name__ == '__main__':
    main()
