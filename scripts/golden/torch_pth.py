#!/usr/bin/env python3
"""PyTorch .pth checkpoints written by torch.save (Debian's python3-torch / python3-torchvision)
and torchvision's outputs for them: the goldens of effnet's restricted .pth reader.

    /usr/bin/python3 scripts/golden/torch_pth.py    # writes fixtures/golden/torch-pth-32/ and fixtures/pth/

The model is torch-custom-32's (scripts/golden/torchvision_golden.py): torchvision's EfficientNet
with the B0 configuration at width 0.25, depth 0.25, 10 classes, 32×32 input, seeded by the same
scheme (seed 11), in eval mode.

  golden/torch-pth-32/model.pth   torch.save(model.state_dict()), F32: a golden case like the
                                  others (every block's output, logits), checked by effnet verify.
  pth/state-f16.pth               the weights rounded to float16 and stored as views of ONE shared
                                  half storage at increasing offsets; classifier.1.weight is a
                                  transposed (non-contiguous, stride (1, 10)) view. Logits from the
                                  rounded weights in float32: predictions-f16.npy.
  pth/training.pth                {'model': state dict, 'optimizer': Adam's state_dict after one
                                  step, 'epoch': 3, 'arch': ...}: the F32 weights, same logits as
                                  the golden case.
  pth/ema.pth                     {'model': other weights (seed 12), 'model_ema': the F32 weights
                                  under 'module.' with 'n_averaged', as torchvision's reference
                                  training script saves its ExponentialMovingAverage}: the EMA
                                  weights are the ones read, so again the golden case's logits.
  pth/legacy.pth                  torch.save(state dict, _use_new_zipfile_serialization=False): the
                                  pre-1.6 format (pickles in a row, then raw storages), F32.
  pth/module.pth                  torch.save(torch.nn.Linear(2, 2)): a pickled module, which the
                                  reader must refuse (its pickle names torch.nn.modules.linear.Linear).
"""
import copy
import json
import os
import platform
import shutil
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torchvision_golden import custom_model, keras_names, seed_weights, to_nhwc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', '..', 'fixtures')
CASE = os.path.join(FIXTURES, 'golden', 'torch-pth-32')
PTH = os.path.join(FIXTURES, 'pth')
SEED, OTHER_SEED, INPUT_SEED, R = 11, 12, 45, 32


def device():
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor()) if os.path.exists('/proc/cpuinfo') else platform.processor()
    return f'{cpu} ({torch.get_num_threads()} threads), {platform.system()} {platform.machine()}, python {platform.python_version()}'


def producer():
    return {
        'producer': 'scripts/golden/torch_pth.py',
        'framework': 'torchvision',
        'framework_version': {'torch': torch.__version__, 'torchvision': torchvision.__version__, 'numpy': np.__version__},
        'backend': 'torch cpu (eval, float32)',
        'device': device(),
    }


def seeded(seed):
    model = custom_model()
    seed_weights(model, seed)
    return model.eval()


def nchw(x):
    return torch.from_numpy(x.transpose(0, 3, 1, 2).copy())


def golden_case(model, x):
    shutil.rmtree(CASE, ignore_errors=True)
    os.makedirs(CASE)
    torch.save(model.state_dict(), os.path.join(CASE, 'model.pth'))
    np.save(os.path.join(CASE, 'input.npy'), x)
    outputs = {}
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: outputs.__setitem__(n, to_nhwc(o))) for m, n in keras_names(model, True).items()]
    with torch.no_grad():
        logits = model(nchw(x))
    for h in hooks:
        h.remove()
    outputs['avg_pool'] = outputs['avg_pool'].reshape(1, -1)
    assert np.array_equal(outputs['predictions'], logits.numpy())
    for name, a in outputs.items():
        np.save(os.path.join(CASE, f'{name}.npy'), a)
    manifest = {
        'case': 'torch-pth-32', **producer(),
        'variant': 'width=0.25,depth=0.25', 'width': 0.25, 'depth': 0.25, 'resolution': R, 'num_classes': 10,
        'padding': 'symmetric', 'bn_epsilon': 1e-5, 'seed': SEED,
        'input': {'file': 'input.npy', 'layout': 'NHWC, already normalised', 'scheme': 'numpy.random.default_rng(input_seed).uniform(-1, 1) float32', 'input_seed': INPUT_SEED},
        'weights': {'file': 'model.pth', 'format': 'torch.save(model.state_dict()) zip, F32, torchvision names and layouts', 'scheme': 'see scripts/golden/torchvision_golden.py'},
        'tolerance': {'relative_to_max_abs_golden': 1e-4, 'rule': 'per layer: max |ours − golden| ≤ tolerance · max |golden|'},
        'tensors': {name: list(a.shape) for name, a in outputs.items()},
    }
    write_json(os.path.join(CASE, 'manifest.json'), manifest)
    return logits.numpy()


def shared_f16(model):
    """The state dict as float16 views of one storage; the model takes the rounded values."""
    state = model.state_dict()
    floats = [(k, v) for k, v in state.items() if v.dtype == torch.float32]
    flat = torch.cat([(v.t().contiguous() if k == 'classifier.1.weight' else v).reshape(-1) for k, v in floats]).half()
    out, at = {}, 0
    for k, v in state.items():
        if v.dtype != torch.float32:
            out[k] = v.clone()
            continue
        n = v.numel()
        view = flat[at:at + n]
        out[k] = view.view(v.shape[1], v.shape[0]).t() if k == 'classifier.1.weight' else view.view(v.shape)
        at += n
    assert not out['classifier.1.weight'].is_contiguous() and out['classifier.1.weight'].stride() == (1, 10)
    rounded = {k: (v.float() if v.dtype == torch.float16 else v) for k, v in out.items()}
    model.load_state_dict(rounded)
    return out


def main():
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    x = np.random.default_rng(INPUT_SEED).uniform(-1, 1, (1, R, R, 3)).astype(np.float32)
    model = seeded(SEED)
    logits = golden_case(model, x)

    shutil.rmtree(PTH, ignore_errors=True)
    os.makedirs(PTH)
    trainee = copy.deepcopy(model).train()
    optimizer = torch.optim.Adam(trainee.parameters(), lr=1e-3)
    trainee(nchw(np.concatenate([x, -x]))).sum().backward()
    optimizer.step()
    torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'epoch': 3, 'arch': 'torchvision efficientnet width 0.25 depth 0.25'},
               os.path.join(PTH, 'training.pth'))

    ema = {f'module.{k}': v for k, v in model.state_dict().items()}
    ema['n_averaged'] = torch.tensor(5)
    torch.save({'model': seeded(OTHER_SEED).state_dict(), 'model_ema': ema, 'epoch': 9}, os.path.join(PTH, 'ema.pth'))

    torch.save(model.state_dict(), os.path.join(PTH, 'legacy.pth'), _use_new_zipfile_serialization=False)
    torch.manual_seed(0)
    torch.save(torch.nn.Linear(2, 2), os.path.join(PTH, 'module.pth'))

    half = seeded(SEED)
    torch.save(shared_f16(half), os.path.join(PTH, 'state-f16.pth'))
    with torch.no_grad():
        logits16 = half(nchw(x)).numpy()
    np.save(os.path.join(PTH, 'predictions-f16.npy'), logits16)

    write_json(os.path.join(PTH, 'manifest.json'), {
        **producer(),
        'input': '../golden/torch-pth-32/input.npy',
        'model': 'torch-custom-32 configuration (width 0.25, depth 0.25, 10 classes, 32×32), seeded weights (seed 11)',
        'files': {
            'training.pth': {'format': "torch.save({'model', 'optimizer' (Adam, one step), 'epoch', 'arch'}), F32", 'logits': '../golden/torch-pth-32/predictions.npy'},
            'ema.pth': {'format': "torch.save({'model' (seed 12), 'model_ema' ('module.' keys + n_averaged), 'epoch'}), F32", 'logits': '../golden/torch-pth-32/predictions.npy'},
            'legacy.pth': {'format': 'torch.save(state dict, _use_new_zipfile_serialization=False): the pre-1.6 format, F32', 'logits': '../golden/torch-pth-32/predictions.npy'},
            'module.pth': {'format': 'torch.save(torch.nn.Linear(2, 2)): a pickled nn.Module, to be refused'},
            'state-f16.pth': {'format': 'torch.save(state dict), F16 views of one shared storage, classifier.1.weight transposed (stride (1, 10))', 'logits': 'predictions-f16.npy'},
        },
        'tolerance': {'relative_to_max_abs_golden': 1e-4},
    })
    print(f'logits max |·| {np.abs(logits).max():.4f}; f16 {np.abs(logits16).max():.4f}')


def write_json(path, doc):
    with open(path, 'w') as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write('\n')


if __name__ == '__main__':
    main()
