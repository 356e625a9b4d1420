"""The scaling experiment's trainer (scaling_experiment.py runs the grid and keeps the results):
one configuration of the miniature EfficientNet built as torchvision builds B0 at the plan's width,
depth and head, its multiply-adds counted from torch's own shapes, the shipped model's input
pipeline and augmentation, and one run trained under the stopping rule, checkpointed every epoch so
that a run resumes where it stopped, with the same random state."""

import copy
import math
import os
import platform
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from PIL import Image
from torchvision.models.efficientnet import EfficientNet, MBConv, _efficientnet_conf
from torchvision.ops import StochasticDepth

MEAN, STD = 0.2860, 0.3530
TEST_IMAGES = 10000

# The stopping rule, in test images: scaling_plot.ts and the test read these from the JSON.
RULE = {"firstCheckEpoch": 5, "stageMinEpochs": 3, "windowEpochs": 2, "minGainImages": 20,
        "lrDrops": 2, "dropFactor": 0.1, "maxEpochs": 40}


def standard_hyper():
    return {"lr": 3e-3, "weightDecay": 0.05, "batchSize": 128, "stochasticDepth": 0.1, "dropout": 0.2,
            "bnMomentum": 0.1, "zeroInitResidual": False}


def build(cfg, hyper=None):
    """torchvision's B0 configuration at the config's width and depth, with the plan's head
    width (Keras round_filters(1280, w); torchvision would use 4 × the last stage's width)."""
    hyper = hyper or standard_hyper()
    setting, _ = _efficientnet_conf("efficientnet_b0", width_mult=cfg["width"], depth_mult=cfg["depth"])
    model = EfficientNet(setting, dropout=hyper["dropout"], stochastic_depth_prob=hyper["stochasticDepth"],
                         num_classes=10, last_channel=cfg["head"])
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = hyper["bnMomentum"]
        # Residual branches start as zero, so a deep stack starts as the identity (Goyal et al. 2017).
        if hyper["zeroInitResidual"] and isinstance(m, MBConv) and m.use_res_connect:
            nn.init.zeros_(m.block[-1][1].weight)
    return model


def torch_macs(model, resolution):
    """Multiply-adds of one image, counted from the shapes torch actually produces."""
    total = [0]

    def conv_hook(m, _inp, out):
        total[0] += out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, _inp, _out):
        total[0] += m.in_features * m.out_features

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, resolution, resolution))
    for h in hooks:
        h.remove()
    return total[0]


def resized(images28, resolution):
    """uint8 [N,28,28] -> uint8 [N,1,r,r]: the shipped model's pipeline (PIL bilinear) at size r;
    the grey channel is copied to R, G, B in to_input."""
    out = np.empty((len(images28), 1, resolution, resolution), dtype=np.uint8)
    for i, a in enumerate(images28):
        out[i, 0] = np.asarray(Image.fromarray(a, mode="L").resize((resolution, resolution), Image.BILINEAR))
    return torch.from_numpy(out)


def augment(xb, pad):
    """uint8 [B,1,r,r] on any device: each image flipped left-right with probability 1/2, then an
    r x r crop at a uniform offset from the image zero-padded by `pad`. The draws come from the
    CPU generator in the same order on every device, so a seed crops alike on CPU and GPU."""
    b, r = xb.shape[0], xb.shape[-1]
    flip = (torch.rand(b) < 0.5).to(xb.device)
    off = torch.randint(0, 2 * pad + 1, (b, 2)).to(xb.device)
    xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
    padded = F.pad(xb, (pad, pad, pad, pad))
    span = torch.arange(r, device=xb.device)
    rows, cols = off[:, 0, None] + span, off[:, 1, None] + span
    return padded[torch.arange(b, device=xb.device)[:, None, None], 0, rows[:, :, None], cols[:, None, :]][:, None]


def memory_format(device):
    """channels_last is 3-4x faster on the CPU; on CUDA, torch's own depthwise kernels want NCHW."""
    return torch.channels_last if device.type == "cpu" else torch.contiguous_format


def to_input(xb_u8):
    x = (xb_u8.float().div_(255.0) - MEAN) / STD
    return x.expand(-1, 3, -1, -1).contiguous(memory_format=memory_format(xb_u8.device))


def device_label(device):
    """Where an epoch ran, as the JSON records it."""
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda}, fp32, no TF32)"
    return f"CPU ({platform.machine()}), {torch.get_num_threads()} thread(s)"


def after_epoch(correct, stages):
    """The stopping rule, given the per-epoch counts of correct test images and the stage of each
    epoch so far (epoch 1 first): 'drop' (next stage), 'plateau' or 'max' (stop), or None."""
    e, stage = len(correct), stages[-1]
    in_stage = stages.count(stage)
    first = RULE["firstCheckEpoch"] if stage == 0 else RULE["stageMinEpochs"]
    if in_stage >= first and max(correct) - max(correct[:e - RULE["windowEpochs"]]) < RULE["minGainImages"]:
        return "plateau" if stage == RULE["lrDrops"] else "drop"
    return "max" if e >= RULE["maxEpochs"] else None


def lr_at(hyper, step, steps_per_epoch, stage):
    """Linear warm-up over the first epoch, then lr / 10 ** stage."""
    lr = hyper["lr"] * RULE["dropFactor"] ** stage
    return lr * (step + 1) / steps_per_epoch if step < steps_per_epoch else lr


def evaluate(model, xte, yte):
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(to_input(xte[i:i + 500])).argmax(1) for i in range(0, len(xte), 500)])
    return int((pred == yte).sum())


def precise_bn_accuracy(model, xtr, xte, yte, batches=50):
    """Test correct count after recomputing every BatchNorm's statistics as a plain average over
    `batches` training batches with the final weights (dropout and stochastic depth off): if this
    is far above the plain evaluation, the running averages, not the weights, failed."""
    m = copy.deepcopy(model)
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.reset_running_stats()
            mod.momentum = None
    m.train()
    for mod in m.modules():
        if isinstance(mod, (nn.Dropout, StochasticDepth)):
            mod.eval()
    with torch.no_grad():
        for i in range(min(batches, len(xtr) // 128)):
            m(to_input(xtr[i * 128:(i + 1) * 128]))
    return evaluate(m, xte, yte)


def save_checkpoint(path, state):
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)


def train_one(cfg, hyper, seed, xtr, ytr, xte, yte, ckpt_path, deadline=None):
    """Trains one run under the stopping rule, on the device its data lives on; returns its
    learning curve, why it stopped and the test accuracy with recomputed batch-norm statistics.
    With a deadline (time.time() seconds), it returns None before an epoch that would end after
    it, leaving the run's checkpoint to resume on any device."""
    device = xtr.device
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = build(cfg, hyper).to(device=device, memory_format=memory_format(device))
    opt = torch.optim.AdamW(model.parameters(), lr=hyper["lr"], weight_decay=hyper["weightDecay"])
    crit = nn.CrossEntropyLoss(label_smoothing=0.1)
    pad = max(1, round(2 * cfg["resolution"] / 32))
    bs = hyper["batchSize"]
    steps_per_epoch = math.ceil(len(xtr) / bs)
    g = torch.Generator().manual_seed(seed)
    curve, stopped_by = [], None
    where = {"device": device_label(device),
             "framework": f"torch {torch.__version__}, torchvision {torchvision.__version__}"}

    if os.path.exists(ckpt_path):
        st = torch.load(ckpt_path, map_location="cpu")
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        torch.set_rng_state(st["torch_rng"])
        if device.type == "cuda" and "cuda_rng" in st:
            torch.cuda.set_rng_state(st["cuda_rng"])
        g.set_state(st["gen_rng"])
        curve, stopped_by = st["curve"], st["stopped_by"]
        print(f"  resumed after epoch {len(curve)}", flush=True)

    while stopped_by is None:
        epoch = len(curve) + 1
        if deadline is not None and curve and time.time() + 1.2 * curve[-1]["seconds"] > deadline:
            print(f"  deadline: stopping before epoch {epoch}, checkpoint kept", flush=True)
            return None
        stage = 0 if not curve else curve[-1]["stage"] + (curve[-1]["then"] == "drop")
        t0, c0 = time.time(), time.process_time()
        model.train()
        perm = torch.randperm(len(xtr), generator=g).to(device)
        step0 = (epoch - 1) * steps_per_epoch
        loss_sum = torch.zeros((), device=device)
        for bi in range(steps_per_epoch):
            idx = perm[bi * bs:(bi + 1) * bs]
            lr = lr_at(hyper, step0 + bi, steps_per_epoch, stage)
            for group in opt.param_groups:
                group["lr"] = lr
            loss = crit(model(to_input(augment(xtr[idx], pad))), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.detach() * len(idx)  # summed on the device: no wait for it each step
        correct = evaluate(model, xte, yte)
        curve.append({"epoch": epoch, "stage": stage, "lr": float(f"{lr:.3g}"),
                      "trainLoss": round(float(loss_sum) / len(xtr), 4), "testAccuracy": correct / TEST_IMAGES,
                      "seconds": round(time.time() - t0, 1), "cpuSeconds": round(time.process_time() - c0, 1),
                      "load1": round(os.getloadavg()[0], 2), **where})
        then = after_epoch([round(c["testAccuracy"] * TEST_IMAGES) for c in curve], [c["stage"] for c in curve])
        curve[-1]["then"] = then or "go on"
        stopped_by = then if then in ("plateau", "max") else None
        print(f"  epoch {epoch} stage {stage}: loss {curve[-1]['trainLoss']}, test {100 * correct / TEST_IMAGES:.2f}%, "
              f"{curve[-1]['seconds']} s ({curve[-1]['cpuSeconds']} s CPU), then {curve[-1]['then']}", flush=True)
        state = {"model": model.state_dict(), "opt": opt.state_dict(), "torch_rng": torch.get_rng_state(),
                 "gen_rng": g.get_state(), "curve": curve, "stopped_by": stopped_by}
        if device.type == "cuda":
            state["cuda_rng"] = torch.cuda.get_rng_state()
        save_checkpoint(ckpt_path, state)
    return curve, stopped_by, precise_bn_accuracy(model, xtr, xte, yte) / TEST_IMAGES
