"""Where the PyTorch golden generators run: `--device cpu` (the default) or `--device cuda`.

On CUDA the goldens are computed with TF32 off (torch.backends.cuda.matmul.allow_tf32 and
torch.backends.cudnn.allow_tf32 False: plain float32 convolutions and matmuls), then the same
forward runs with TF32 on and the manifest reports how far that moves each layer. The same model
also runs on the CPU: that difference is the GPU's measured spread d, and the case's tolerance is
max(1e-4, 2·d) rounded up to 2 significant digits (the rule of scripts/golden/tolerance.mjs).
"""
import argparse
import math
import os
import platform

import numpy as np
import torch

FLOOR = 1e-4
RULE = ('per layer: max |ours − golden| ≤ tolerance · max |golden|; tolerance = max(1e-4, 2 · d), d = the measured '
        'relative difference from torch on the CPU (worst layer), rounded up to 2 significant digits')


def arguments(prog, default_out, description):
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument('--device', choices=['cpu', 'cuda'], default='cpu', help='where the goldens are computed (default cpu)')
    p.add_argument('--out', default=default_out, help='folder of the cases (default fixtures/golden)')
    p.add_argument('cases', nargs='*', help='only these cases')
    return p


def require(device, prog):
    """Exits with one line when the device is not here; on CUDA turns TF32 off."""
    if device == 'cuda':
        if not torch.cuda.is_available():
            raise SystemExit(f'{prog}: --device cuda: no CUDA device visible to torch {torch.__version__} (CUDA build {torch.version.cuda}); run on a GPU machine or use --device cpu')
        set_tf32(False)


def set_tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def case_name(name, device):
    return name if device == 'cpu' else f'{name}-{device}'


def forward(model, x_nhwc, names, device, to_nhwc):
    """Runs x (NHWC numpy) through model on device; {keras layer name: NHWC float32 numpy}, logits."""
    model = model.to(device)
    outputs = {}
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: outputs.__setitem__(n, to_nhwc(o.detach().float().cpu()))) for m, n in names(model).items()]
    try:
        with torch.no_grad():
            logits = model(torch.from_numpy(x_nhwc.transpose(0, 3, 1, 2).copy()).to(device)).float().cpu()
        if device == 'cuda':
            torch.cuda.synchronize()
    finally:
        for h in hooks:
            h.remove()
    model.to('cpu')
    if outputs.get('avg_pool') is not None and outputs['avg_pool'].ndim == 4:
        outputs['avg_pool'] = outputs['avg_pool'].reshape(outputs['avg_pool'].shape[0], -1)
    return outputs, logits


def difference(reference, other):
    """max |other − reference| / max |other| per layer, and the worst."""
    per_layer = {}
    for n, a in other.items():
        b = reference[n]
        err = float(np.abs(a.astype(np.float64) - b).max())
        ref = float(np.abs(a).max()) or 1.0
        per_layer[n] = err / ref
    worst = max(per_layer, key=per_layer.get)
    return {'worst_layer': worst, 'relative_to_max_golden': per_layer[worst], 'per_layer': per_layer}


def tolerance_for(d):
    if not math.isfinite(d):
        raise ValueError(f'the measured difference {d} is not finite')
    twice = 2 * d
    if twice <= FLOOR:
        return FLOOR
    p = 10 ** (math.floor(math.log10(twice)) - 1)
    return max(FLOOR, float(f'{math.ceil(twice / p) * p:.2g}'))


def describe(device):
    """(backend, device) strings of a manifest."""
    cpu = platform.processor()
    if os.path.exists('/proc/cpuinfo'):
        cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), cpu)
    host = f'{cpu} ({torch.get_num_threads()} threads), {platform.system()} {platform.machine()}, python {platform.python_version()}'
    if device == 'cpu':
        return 'torch cpu (eval, float32)', host
    props = torch.cuda.get_device_properties(0)
    gpu = f'{props.name} ({props.total_memory // 2**20} MiB, compute {props.major}.{props.minor}), CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}'
    return 'torch cuda (eval, float32, TF32 off)', f'{gpu}; host {host}'


def gpu_report(model, x, names, golden, device, to_nhwc):
    """For a CUDA golden: its difference from the CPU and from TF32, and the tolerance."""
    if device == 'cpu':
        return {}
    cpu, _ = forward(model, x, names, 'cpu', to_nhwc)
    d = difference(cpu, golden)
    set_tf32(True)
    try:
        tf32, _ = forward(model, x, names, device, to_nhwc)
    finally:
        set_tf32(False)
    return {
        'cpu_difference': {'reference': 'the same model and input in torch on the CPU: max |cuda − cpu| / max |cuda| per layer', **d},
        'tf32_difference': {'reference': 'the same forward with allow_tf32 on (matmul and cuDNN): max |tf32 − fp32| / max |fp32| per layer; not the golden', **difference(golden, tf32)},
        'tolerance': {'relative_to_max_abs_golden': tolerance_for(d['relative_to_max_golden']), 'rule': RULE},
    }
