#!/usr/bin/python3
"""Train a scaled-down torchvision EfficientNet on Fashion-MNIST and write fixtures.

Outputs (relative to the repository root, all overwritten on rerun):
  fixtures/models/fashion-effnet.safetensors   the trained weights (float32) + metadata
  fixtures/fashion/test-1000.png               1000 test images as one grey 8-bit sprite
  fixtures/fashion/test-1000.json              labels, torch top-1, pipeline description
  fixtures/fashion/test-1000-logits.npy        torch logits, float32 [1000, 10], '<f4'
  fixtures/fashion/test-1000-resized32.png     the same 1000 images after the PIL resize
                                               to 32x32 (uint8, grey), to check resizers
  fixtures/images/*                            demo images + README.md with torch top-3

Training uses the same pipeline, precomputed once for all 60k images (kept as the uint8
32x32 result of the PIL resize; ToTensor/Normalize are applied per batch, which is the same
arithmetic), plus light augmentation on the precomputed 32x32 images: random horizontal
flip (p=0.5) and a random crop of 32x32 out of the image zero-padded by 2 pixels
(zero = black, padding applied before normalisation).
"""

import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import fashion_data
import fashion_model
from fashion_data import (CLASSES, PIPELINE_SUMMARY, RESOLUTION, eval_tensor_from_gray,
                          find_dataset_dir, load_fashion, pil_resize_u8)
from fashion_fixtures import PRODUCER, write_fashion_fixtures, write_sample_images
from fashion_model import build_model, predict
from safetensors_io import read_safetensors, write_safetensors

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CHECKPOINT = os.path.join("fixtures", "models", "fashion-effnet.safetensors")


# --------------------------------------------------------------------------- arguments

def help_epilog():
    """The --help text after the first line: this docstring's sections with the model section
    (fashion_model.py) and the eval pipeline and dataset sections (fashion_data.py) in reading
    order, so that "the same pipeline" above follows the pipeline it refers to."""
    outputs, training = (s.strip("\n") for s in __doc__.split("\n\n")[1:])
    model, = (s.strip("\n") for s in fashion_model.__doc__.split("\n\n")[1:])
    pipeline, dataset = (s.strip("\n") for s in fashion_data.__doc__.split("\n\n")[1:])
    return "\n\n".join([outputs, model, pipeline, training, dataset]) + "\n"


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=help_epilog())
    ap.add_argument("--width", type=float, default=0.5, help="width_mult (default 0.5)")
    ap.add_argument("--depth", type=float, default=0.5, help="depth_mult (default 0.5)")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3, help="peak AdamW learning rate")
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--warmup-epochs", type=float, default=1.0)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--stochastic-depth", type=float, default=0.1)
    ap.add_argument("--pad", type=int, default=2, help="random-crop padding in pixels (0 = off)")
    ap.add_argument("--mean", type=float, default=0.2860)
    ap.add_argument("--std", type=float, default=0.3530)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch.set_num_threads (default 1: with 2 threads, OpenMP barriers collapse "
                         "to ~400s/epoch when other processes share the 2 cores; 1 thread stays ~50s)")
    ap.add_argument("--no-channels-last", action="store_true",
                    help="train in NCHW memory format (channels_last is ~3x faster on CPU here)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=None, help="folder with the four idx .gz files")
    ap.add_argument("--time-epoch", action="store_true",
                    help="only time one training epoch (or --max-steps steps) and exit")
    ap.add_argument("--max-steps", type=int, default=0,
                    help="stop each epoch after N steps (for timing / smoke tests)")
    ap.add_argument("--out-root", default=REPO_ROOT,
                    help="where fixtures/ is written (default: the repository root)")
    ap.add_argument("--from-checkpoint", action="store_true",
                    help="skip training; load fixtures/models/fashion-effnet.safetensors and "
                         "regenerate the fixtures from it")
    return ap.parse_args()


# --------------------------------------------------------------------------- train

def augment(xb_u8, pad):
    """xb_u8: uint8 [B,3,32,32]. Random h-flip + random crop from zero-padded image."""
    b = xb_u8.shape[0]
    flip = torch.rand(b) < 0.5
    xb = xb_u8.clone()
    xb[flip] = xb[flip].flip(3)
    if pad > 0:
        padded = F.pad(xb, (pad, pad, pad, pad))
        off = torch.randint(0, 2 * pad + 1, (b, 2)).tolist()
        xb = torch.stack([padded[i, :, oy:oy + RESOLUTION, ox:ox + RESOLUTION]
                          for i, (oy, ox) in enumerate(off)])
    return xb


def to_input(xb_u8, mean_t, std_t, fmt=torch.contiguous_format):
    return ((xb_u8.float().div_(255.0) - mean_t) / std_t).contiguous(memory_format=fmt)


def tune_malloc():
    """glibc returns big freed blocks to the OS (mmap/munmap, trim) on every step, which costs
    ~30% of the CPU time here (high system time). Keep freed memory in the process instead."""
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
        libc.mallopt(M_MMAP_THRESHOLD, 1 << 30)
        libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
        libc.mallopt(M_TOP_PAD, 256 << 20)
    except (OSError, AttributeError):
        pass


def train(args, model, xtr, ytr, xte_in, yte):
    """AdamW with linear warm-up then cosine decay, label smoothing, augmented batches; prints
    the test accuracy after every epoch. Returns (model in NCHW format, train_seconds, epochs),
    or None when --time-epoch only timed the first epoch."""
    mean_t = torch.tensor([args.mean] * 3).view(1, 3, 1, 1)
    std_t = torch.tensor([args.std] * 3).view(1, 3, 1, 1)
    t0 = time.time()
    xtr_u8 = torch.from_numpy(np.stack([pil_resize_u8(a) for a in xtr]))  # [60000,3,32,32] u8
    ytr_t = torch.from_numpy(ytr)
    print(f"train set precomputed: {tuple(xtr_u8.shape)} in {time.time() - t0:.1f}s", flush=True)

    fmt = torch.contiguous_format if args.no_channels_last else torch.channels_last
    model = model.to(memory_format=fmt)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(xtr_u8) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    warm = int(args.warmup_epochs * steps_per_epoch)

    def lr_at(step):
        if step < warm:
            return args.lr * (step + 1) / warm
        p = (step - warm) / max(1, total_steps - warm)
        return args.lr * 0.5 * (1 + math.cos(math.pi * p))

    crit = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    g = torch.Generator().manual_seed(args.seed)
    step = 0
    train_start = time.time()
    for epoch in range(args.epochs):
        model.train()
        te = time.time()
        perm = torch.randperm(len(xtr_u8), generator=g)
        tot_loss, tot_correct, seen = 0.0, 0, 0
        for bi in range(steps_per_epoch):
            idx = perm[bi * args.batch_size:(bi + 1) * args.batch_size]
            xb = to_input(augment(xtr_u8[idx], args.pad), mean_t, std_t, fmt)
            yb = ytr_t[idx]
            for group in opt.param_groups:
                group["lr"] = lr_at(step)
            out = model(xb)
            loss = crit(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            tot_loss += loss.item() * len(idx)
            tot_correct += (out.argmax(1) == yb).sum().item()
            seen += len(idx)
            if args.time_epoch and (bi + 1) % 50 == 0:
                el = time.time() - te
                print(f"  step {bi + 1}/{steps_per_epoch} {el:.1f}s "
                      f"(-> {el / (bi + 1) * steps_per_epoch:.0f}s/epoch)", flush=True)
            if args.max_steps and bi + 1 >= args.max_steps:
                break
        train_t = time.time() - te
        if args.time_epoch:
            print(f"timing: {seen} samples in {train_t:.1f}s -> "
                  f"{train_t / seen * len(xtr_u8):.0f}s per epoch", flush=True)
            return None
        logits = predict(model, xte_in, fmt=fmt)
        acc = (logits.argmax(1).numpy() == yte).mean()
        print(f"epoch {epoch + 1}/{args.epochs} loss {tot_loss / seen:.4f} "
              f"train_acc {tot_correct / seen:.4f} test_acc {acc:.4f} "
              f"epoch_time {train_t:.1f}s eval {time.time() - te - train_t:.1f}s "
              f"total {time.time() - train_start:.0f}s lr {lr_at(step - 1):.2e}", flush=True)
    train_seconds = time.time() - train_start
    return model.to(memory_format=torch.contiguous_format), train_seconds, args.epochs


# --------------------------------------------------------------------------- evaluate / export

def evaluate(model, xte_in, yte, train_seconds):
    """Final accuracy on the 10k test set; returns (logits, test_acc)."""
    model.eval()
    logits = predict(model, xte_in)
    pred = logits.argmax(1).numpy()
    test_acc = float((pred == yte).mean())
    print(f"final test accuracy (10k): {test_acc:.4f}  train_seconds {train_seconds:.0f}", flush=True)
    return logits, test_acc


def checkpoint_metadata(args, test_acc, train_seconds, epochs):
    """The safetensors `__metadata__` (all values strings)."""
    mean = [args.mean] * 3
    std = [args.std] * 3
    return {
        "family": "torchvision",
        "arch": "efficientnet",
        "base_conf": "efficientnet_b0",
        "width": repr(args.width),
        "depth": repr(args.depth),
        "resolution": str(RESOLUTION),
        "num_classes": "10",
        "classes": json.dumps(CLASSES),
        "mean": json.dumps(mean),
        "std": json.dumps(std),
        "interpolation": "bilinear",
        "crop_pct": "1.0",
        "bn_eps": "1e-5",
        "activation": "silu",
        "dataset": "fashion-mnist",
        "test_accuracy": f"{test_acc:.4f}",
        "train_seconds": f"{train_seconds:.0f}",
        "epochs": str(epochs),
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "producer": PRODUCER,
        "pipeline": PIPELINE_SUMMARY,
    }


def export_checkpoint(args, ckpt_path, model, xte_in, logits, meta):
    """Write the weights (unless meta is None: --from-checkpoint keeps the file), then check
    the file round-trips: same keys in state_dict() order, equal tensors, and a fresh model
    loaded from it reproduces the first 500 test logits exactly."""
    os.makedirs(os.path.dirname(ckpt_path), exist_ok=True)
    sd = model.state_dict()
    if meta is not None:
        write_safetensors(ckpt_path, {k: v.contiguous() for k, v in sd.items()}, meta)
    sd2, _ = read_safetensors(ckpt_path)
    assert list(sd2.keys()) == list(sd.keys())
    for k in sd:
        assert torch.equal(sd2[k], sd[k].cpu()), k
    m2 = build_model(args.width, args.depth, args.dropout, args.stochastic_depth)
    m2.load_state_dict(sd2)
    assert torch.equal(predict(m2, xte_in[:500]), logits[:500])
    print(f"wrote {ckpt_path} ({os.path.getsize(ckpt_path)} bytes, {len(sd)} tensors)", flush=True)


# --------------------------------------------------------------------------- main

def main():
    args = parse_args()
    out_root = os.path.abspath(args.out_root)

    tune_malloc()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    mean = [args.mean] * 3
    std = [args.std] * 3

    data_dir = find_dataset_dir(args.data_dir)
    print(f"dataset: {data_dir}", flush=True)
    xtr, ytr, xte, yte = load_fashion(data_dir)

    ckpt_path = os.path.join(out_root, CHECKPOINT)
    if args.from_checkpoint:
        ckpt_sd, ckpt_meta = read_safetensors(ckpt_path)
        args.width, args.depth = float(ckpt_meta["width"]), float(ckpt_meta["depth"])
    model = build_model(args.width, args.depth, args.dropout, args.stochastic_depth)
    nparams = sum(p.numel() for p in model.parameters())
    print(f"model: EfficientNet b0-conf width={args.width} depth={args.depth} params={nparams}", flush=True)

    t0 = time.time()
    xte_in = eval_tensor_from_gray(xte, mean, std)  # exact eval pipeline, [10000,3,32,32]
    print(f"test set through eval pipeline: {time.time() - t0:.1f}s", flush=True)

    if args.from_checkpoint:
        model.load_state_dict(ckpt_sd)
        train_seconds = float(ckpt_meta["train_seconds"])
        epochs = int(ckpt_meta.get("epochs", args.epochs))
    else:
        trained = train(args, model, xtr, ytr, xte_in, yte)
        if trained is None:  # --time-epoch
            return
        model, train_seconds, epochs = trained

    logits, test_acc = evaluate(model, xte_in, yte, train_seconds)
    meta = None if args.from_checkpoint else checkpoint_metadata(args, test_acc, train_seconds, epochs)
    export_checkpoint(args, ckpt_path, model, xte_in, logits, meta)

    write_fashion_fixtures(out_root, model, xte, yte, mean, std, test_acc)
    write_sample_images(out_root, model, xte, yte, mean, std)


if __name__ == "__main__":
    main()
