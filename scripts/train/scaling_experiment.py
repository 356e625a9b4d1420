#!/usr/bin/python3
"""The paper's scaling experiment in miniature: train a small EfficientNet baseline on
Fashion-MNIST and its versions scaled in width only, depth only, resolution only and all three
(compound), at matched multiply-add budgets, and record every run.

The configurations come from effnet's own plan (scaling_configs.ts writes them with their MACs
and parameters); this script trains each one with the recipe of train_fashion.py (AdamW, warm-up
then cosine, label smoothing 0.1, flip + padded random crop, dropout 0.2, stochastic depth 0.1,
one thread, channels_last), shortened to a few epochs, and checks on the way that torch's model
is the plan's: its parameter count and its multiply-adds (counted by forward hooks on every
Conv2d and Linear) must equal the plan's.

  npx tsx scripts/train/scaling_configs.ts > /tmp/scaling-configs.json
  nice -n 19 /usr/bin/python3 scripts/train/scaling_experiment.py --configs /tmp/scaling-configs.json
  npx tsx scripts/train/scaling_plot.ts      # docs/scaling-experiment.svg from the JSON

Runs already in the output file (same name, seed, epochs and train subset) are skipped, so an
interrupted experiment resumes where it stopped. Each finished run is written at once.
"""

import argparse
import datetime
import json
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
from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf

from fashion_data import find_dataset_dir, load_fashion
from train_fashion import tune_malloc

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MEAN, STD = 0.2860, 0.3530


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--configs", required=True, help="JSON list written by scaling_configs.ts")
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "docs", "scaling-experiment.json"))
    ap.add_argument("--seeds", default="0,1", help="comma-separated; all configs of a seed run before the next")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--train-subset", type=int, default=60000, help="first N shuffled training images")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--only", default="", help="comma-separated config names (default: all)")
    ap.add_argument("--threads", type=int, default=1)
    return ap.parse_args()


def build(cfg):
    """torchvision's B0 configuration at the config's width and depth, with the plan's head
    width (Keras round_filters(1280, w); torchvision would use 4 × the last stage's width)."""
    setting, _ = _efficientnet_conf("efficientnet_b0", width_mult=cfg["width"], depth_mult=cfg["depth"])
    return EfficientNet(setting, dropout=0.2, stochastic_depth_prob=0.1, num_classes=10,
                        last_channel=cfg["head"])


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
    """uint8 [N,28,28] -> uint8 [N,3,r,r]: the shipped model's pipeline (PIL bilinear) at size r."""
    out = np.empty((len(images28), 3, resolution, resolution), dtype=np.uint8)
    for i, a in enumerate(images28):
        im = Image.fromarray(a, mode="L").resize((resolution, resolution), Image.BILINEAR)
        out[i] = np.asarray(im, dtype=np.uint8)[None]
    return torch.from_numpy(out)


def augment(xb, pad):
    b, r = xb.shape[0], xb.shape[-1]
    flip = torch.rand(b) < 0.5
    xb = xb.clone()
    xb[flip] = xb[flip].flip(3)
    padded = F.pad(xb, (pad, pad, pad, pad))
    off = torch.randint(0, 2 * pad + 1, (b, 2)).tolist()
    return torch.stack([padded[i, :, oy:oy + r, ox:ox + r] for i, (oy, ox) in enumerate(off)])


def to_input(xb_u8):
    return ((xb_u8.float().div_(255.0) - MEAN) / STD).contiguous(memory_format=torch.channels_last)


def train_one(args, cfg, seed, xtr, ytr, xte, yte):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = build(cfg).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    crit = nn.CrossEntropyLoss(label_smoothing=0.1)
    pad = max(1, round(2 * cfg["resolution"] / 32))
    steps_per_epoch = math.ceil(len(xtr) / args.batch_size)
    total = steps_per_epoch * args.epochs
    warm = max(1, steps_per_epoch // 4)

    def lr_at(step):
        if step < warm:
            return args.lr * (step + 1) / warm
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    g = torch.Generator().manual_seed(seed)
    step, start = 0, time.time()
    for _ in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        for bi in range(steps_per_epoch):
            idx = perm[bi * args.batch_size:(bi + 1) * args.batch_size]
            for group in opt.param_groups:
                group["lr"] = lr_at(step)
            loss = crit(model(to_input(augment(xtr[idx], pad))), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
    seconds = time.time() - start
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(to_input(xte[i:i + 500])).argmax(1) for i in range(0, len(xte), 500)])
    return float((pred == yte).float().mean()), seconds, float(loss.item())


def main():
    args = parse_args()
    tune_malloc()
    torch.set_num_threads(args.threads)
    with open(args.configs) as f:
        configs = json.load(f)
    if args.only:
        keep = set(args.only.split(","))
        configs = [c for c in configs if c["name"] in keep]
    seeds = [int(s) for s in args.seeds.split(",")]

    doc = {"runs": []}
    if os.path.exists(args.out):
        with open(args.out) as f:
            doc = json.load(f)
    doc.update({
        "producer": "scripts/train/scaling_experiment.py",
        "framework": "torch " + torch.__version__,
        "torchvision": torchvision.__version__,
        "device": f"CPU ({platform.machine()}), {args.threads} thread(s), shared with other jobs",
        "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist), evaluated on all 10,000 test images",
        "recipe": {"epochs": args.epochs, "trainImages": args.train_subset, "batchSize": args.batch_size,
                   "optimizer": f"AdamW lr {args.lr} weight decay {args.weight_decay}, warm-up 1/4 epoch, cosine",
                   "labelSmoothing": 0.1, "dropout": 0.2, "stochasticDepth": 0.1,
                   "augmentation": "horizontal flip, random crop from the image zero-padded by r/16 pixels",
                   "pipeline": "28x28 grey -> PIL resize to r x r (bilinear) -> /255 -> (x - 0.286) / 0.353"},
    })
    done = {(r["name"], r["seed"], r["epochs"], r["trainImages"]) for r in doc["runs"]}

    data_dir = find_dataset_dir(None)
    xtr28, ytr, xte28, yte = load_fashion(data_dir)
    order = np.random.RandomState(1234).permutation(len(xtr28))[:args.train_subset]
    xtr28, ytr = xtr28[order], torch.from_numpy(ytr[order])
    yte = torch.from_numpy(yte)
    cache = {}

    for seed in seeds:
        for cfg in configs:
            key = (cfg["name"], seed, args.epochs, args.train_subset)
            if key in done:
                continue
            r = cfg["resolution"]
            if r not in cache:
                cache.clear()  # one resolution at a time keeps memory small
                cache[r] = (resized(xtr28, r), resized(xte28, r))
            xtr, xte = cache[r]
            model = build(cfg)
            params = sum(p.numel() for p in model.parameters())
            macs = torch_macs(model, r)
            if params != cfg["params"] or macs != cfg["macs"]:
                raise SystemExit(f"{cfg['name']}: torch has {params} params / {macs} MACs, "
                                 f"the plan {cfg['params']} / {cfg['macs']}")
            acc, seconds, loss = train_one(args, cfg, seed, xtr, ytr, xte, yte)
            run = {k: cfg[k] for k in ("name", "family", "budget", "width", "depth", "resolution",
                                        "head", "blocks", "macs", "params")}
            run.update({"torchParams": params, "torchMacs": macs, "seed": seed, "epochs": args.epochs,
                        "trainImages": args.train_subset, "testAccuracy": round(acc, 4),
                        "finalLoss": round(loss, 4), "seconds": round(seconds, 1),
                        "finished": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")})
            doc["runs"].append(run)
            print(json.dumps(run), flush=True)
            tmp = args.out + ".tmp"
            with open(tmp, "w") as f:
                json.dump(doc, f, indent=1)
                f.write("\n")
            os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
