#!/usr/bin/python3
"""The paper's scaling experiment in miniature: train a small EfficientNet baseline on
Fashion-MNIST and its versions scaled in width only, depth only, resolution only and all three
(compound), at matched multiply-add budgets, each until it stops improving, three seeds each.

The configurations come from effnet's own plan (scaling_configs.ts writes them with their MACs
and parameters). Every run uses one recipe: the shipped model's (train_fashion.py: AdamW lr 3e-3,
weight decay 0.05, batch 128, label smoothing 0.1, flip + padded random crop, dropout 0.2,
stochastic depth 0.1, one thread, channels_last) on all 60,000 training images, with a
learning rate that steps down on a plateau so that the run length can follow a stopping rule:

  stopping rule: a plateau is an epoch e after which the best test accuracy so far has gained
  less than 0.2 points (20 of the 10,000 test images) over the last two epochs,
  best(e) - best(e - 2) < 20 images, checked from the 5th epoch of the first stage and the 3rd
  of each later one. Stage 0 trains at lr 3e-3 (linear warm-up over epoch 1); each plateau
  divides the learning rate by 10, and the plateau of stage 2 (lr 3e-5) ends the run, as does
  epoch 40. The result is the test accuracy after the last epoch (not the best epoch).

Before training, torch's model is checked to be the plan's: its parameter count and its
multiply-adds (counted by forward hooks on every Conv2d and Linear) must equal the plan's.

  npx tsx scripts/train/scaling_configs.ts > /tmp/scaling-configs.json
  nice -n 19 /usr/bin/python3 scripts/train/scaling_experiment.py --configs /tmp/scaling-configs.json
  nice -n 19 /usr/bin/python3 scripts/train/scaling_experiment.py --configs /tmp/scaling-configs.json --ablation
  npx tsx scripts/train/scaling_plot.ts      # docs/scaling-experiment.svg from the JSON

Resuming: every finished run is appended to the output JSON at once (under a file lock), and
runs already there are skipped. A run in progress is checkpointed after every epoch under
--cache (default ~/.cache/effnet-scaling) and continues from its last finished epoch when the
script is started again, with the same random state. Several copies of the script may run at
once: each claims a run (a file under --cache holding its PID) before training it, and takes
over runs whose claimant has died. The grid runs cheapest comparisons first: the baseline and
the 2x configurations for seeds 0, 1, 2, then the 4x, then the 8x.
"""

import argparse
import datetime
import fcntl
import hashlib
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn

from fashion_data import find_dataset_dir, load_fashion
from scaling_trainer import RULE, augment, build, resized, standard_hyper, to_input, torch_macs, train_one
from train_fashion import tune_malloc

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FORMAT = 2
GRID_SEEDS = [0, 1, 2]
# What the epochs trained before runs recorded their device (all on this CPU, one thread, niced).
LEGACY = {"device": "CPU (x86_64), 1 thread(s)", "framework": "torch 1.13.0a0, torchvision 0.14.1a0"}

# The depth ablation: one change each against the standard recipe, on one configuration.
ABLATIONS = {
    "no-stochastic-depth": {"stochasticDepth": 0.0},
    "lr-1e-3": {"lr": 1e-3},
    "bn-momentum-0.01": {"bnMomentum": 0.01},
    "zero-init-residual": {"zeroInitResidual": True},
}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--configs", required=True, help="JSON list written by scaling_configs.ts")
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "docs", "scaling-experiment.json"))
    ap.add_argument("--cache", default=os.path.join(os.path.expanduser("~"), ".cache", "effnet-scaling"),
                    help="per-epoch checkpoints and run claims (outside the repository)")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--only", default="", help="comma-separated config names (default: all)")
    ap.add_argument("--ablation", action="store_true",
                    help=f"train the variants {', '.join(ABLATIONS)} of --ablation-config instead of the grid")
    ap.add_argument("--variants", default="", help="with --ablation: comma-separated variants (default: all)")
    ap.add_argument("--ablation-config", default="depth-4x",
                    help="the configuration the ablation varies (depth-4x: the first depth that fell below the "
                         "baseline on every seed, at half depth-8x's cost)")
    ap.add_argument("--train-subset", type=int, default=60000,
                    help="first N shuffled training images (smaller only for smoke tests: it is part of the recipe)")
    ap.add_argument("--max-runs", type=int, default=0, help="stop after this many finished runs (0: no limit)")
    ap.add_argument("--time-steps", type=int, default=0,
                    help="only time N training steps of each config and print seconds per 60k-image epoch")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (a lent GPU: fp32, TF32 off; see README.md)")
    ap.add_argument("--data-dir", default=None, help="folder of the Fashion-MNIST idx .gz files "
                    "(default: Debian's dataset-fashion-mnist)")
    ap.add_argument("--merge", default="",
                    help="only add the finished runs of this results JSON (another machine's) to --out, and exit")
    ap.add_argument("--deadline", type=float, default=0,
                    help="seconds from now: start no epoch that would end later (its checkpoint is kept; 0: none)")
    return ap.parse_args()


# --------------------------------------------------------------------------- resuming

def atomic_write_json(path, obj):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def process_start(pid):
    """Start time of a process (clock ticks since boot), to tell a live claimant from a reused PID."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None


def claim(cache, key):
    """True if this process may train the run `key`: nobody else alive has claimed it."""
    os.makedirs(os.path.join(cache, "claims"), exist_ok=True)
    path = os.path.join(cache, "claims", key + ".claim")
    me = {"pid": os.getpid(), "start": process_start(os.getpid())}
    with open(os.path.join(cache, "claims.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(path):
            with open(path) as f:
                other = json.load(f)
            if other["pid"] != me["pid"] and process_start(other["pid"]) == other["start"]:
                return False
        atomic_write_json(path, me)
    return True


def release(cache, key):
    try:
        os.remove(os.path.join(cache, "claims", key + ".claim"))
    except FileNotFoundError:
        pass


def grid_order(configs, seeds):
    """Cheapest complete comparisons first: (baseline + 2x) x seeds, then 4x x seeds, then 8x."""
    budgets = sorted({c["budget"] for c in configs if c["family"] != "baseline"}) or [None]
    out = []
    for i, b in enumerate(budgets):
        tier = [c for c in configs if c["budget"] == b or (i == 0 and c["family"] == "baseline")]
        out += [(c, s) for s in seeds for c in tier]
    return out


def recipe(args):
    h = standard_hyper()
    return {"trainImages": args.train_subset, "batchSize": h["batchSize"],
            "optimizer": f"AdamW lr {h['lr']} weight decay {h['weightDecay']}",
            "schedule": "linear warm-up over epoch 1, then constant, divided by 10 at each plateau of the stopping rule",
            "labelSmoothing": 0.1, "dropout": h["dropout"], "stochasticDepth": h["stochasticDepth"],
            "bnMomentum": h["bnMomentum"], "init": "torchvision's (Kaiming normal fan-out convolutions, BN gamma 1)",
            "augmentation": "horizontal flip, random crop from the image zero-padded by r/16 pixels",
            "pipeline": "28x28 grey -> PIL resize to r x r (bilinear) -> /255 -> (x - 0.286) / 0.353",
            "stoppingRule": dict(RULE, text=" ".join(__doc__.split("\n\n")[2].split(": ", 1)[1].split()))}


def run_key(name, seed, variant, rec):
    digest = hashlib.sha1(json.dumps(rec, sort_keys=True).encode()).hexdigest()[:10]
    return f"{name}.{variant or 'standard'}.seed{seed}.{digest}"


def merge_run(args, rec, grid_names, seeds, run, section):
    """Appends one finished run to the output JSON under a lock, and restates what is missing."""
    with open(os.path.join(args.cache, "out.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        doc = load_doc(args.out, rec)
        if run is not None and not any(same_run(r, run) for r in doc[section]):
            doc[section].append(run)
        have = {(r["name"], r["seed"]) for r in doc["runs"]}
        missing = [{"name": n, "seed": s} for s in seeds for n in grid_names if (n, s) not in have]
        doc = dict(header(args, rec, grid_names, seeds, doc["runs"], doc["ablations"]), complete=not missing,
                   missing=missing, runs=doc["runs"], ablations=doc["ablations"])
        atomic_write_json(args.out, doc)
    return doc


def merge_file(args, rec, grid_names):
    """Adds another results JSON's finished runs (same recipe) to --out; runs already there stay."""
    other = load_doc(args.merge, rec)
    os.makedirs(args.cache, exist_ok=True)
    added = 0
    for section in ("runs", "ablations"):
        doc = merge_run(args, rec, grid_names, GRID_SEEDS, None, section)
        before = len(doc[section])
        for run in other[section]:
            doc = merge_run(args, rec, grid_names, GRID_SEEDS, run, section)
        added += len(doc[section]) - before
    print(f"{args.merge}: {added} runs added; {args.out} has {len(doc['runs'])} grid runs, "
          f"{len(doc['ablations'])} ablation runs, {len(doc['missing'])} missing")


def same_run(a, b):
    return (a["name"], a["seed"], a.get("variant")) == (b["name"], b["seed"], b.get("variant"))


def load_doc(path, rec):
    if not os.path.exists(path):
        return {"runs": [], "ablations": []}
    with open(path) as f:
        doc = json.load(f)
    if doc.get("format") != FORMAT:
        print(f"{path}: format {doc.get('format', 1)} (cut-short runs), replaced by format {FORMAT}", flush=True)
        return {"runs": [], "ablations": []}
    if doc["recipe"] != rec:
        raise SystemExit(f"{path} was written with another recipe; use another --out to train this one")
    return doc


def segments(curve, field):
    """'A' when every epoch ran with A, else 'A (epochs 1-4), B (epochs 5-17)'."""
    parts = []
    for c in curve:
        value = c.get(field, LEGACY[field])
        if parts and parts[-1][0] == value:
            parts[-1][2] = c["epoch"]
        else:
            parts.append([value, c["epoch"], c["epoch"]])
    if len(parts) == 1:
        return parts[0][0]
    return ", ".join(f"{v} (epochs {a}-{b})" for v, a, b in parts)


def header(args, rec, grid_names, seeds, grid_runs, ablations):
    runs = grid_runs + ablations
    # The configurations the ablation has varied so far, in grid order (a worker's own
    # --ablation-config when none has finished), so no worker's flag overwrites another's.
    varied = [n for n in grid_names if any(r["name"] == n for r in ablations)] or [args.ablation_config]
    devices = sorted({c.get("device", LEGACY["device"]) for r in runs for c in r["curve"]})
    frameworks = sorted({c.get("framework", LEGACY["framework"]) for r in runs for c in r["curve"]})
    return {
        "format": FORMAT,
        "producer": "scripts/train/scaling_experiment.py",
        "framework": " and ".join(frameworks or ["torch " + torch.__version__]) + " (each run's in runs[].framework)",
        "device": "; ".join(devices or ["none yet"]) + " (each run's in runs[].device, each epoch's in its curve)",
        "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist), evaluated on all 10,000 test images",
        "recipe": rec,
        "grid": {"configs": grid_names, "seeds": seeds},
        "ablation": {"configs": varied, "variants": ABLATIONS},
    }


def time_steps(args, configs, xtr28, ytr):
    for cfg in configs:
        x = resized(xtr28[:128 * (args.time_steps + 3)], cfg["resolution"])
        torch.manual_seed(0)
        model = build(cfg).to(memory_format=torch.channels_last).train()
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
        crit = nn.CrossEntropyLoss(label_smoothing=0.1)
        pad = max(1, round(2 * cfg["resolution"] / 32))
        for i in range(args.time_steps + 3):
            if i == 3:
                t0, c0 = time.time(), time.process_time()
            loss = crit(model(to_input(augment(x[i * 128:(i + 1) * 128], pad))), ytr[i * 128:(i + 1) * 128])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        k = math.ceil(60000 / 128) / args.time_steps
        print(json.dumps({"name": cfg["name"], "epochSeconds": round((time.time() - t0) * k),
                          "epochCpuSeconds": round((time.process_time() - c0) * k),
                          "load1": round(os.getloadavg()[0], 2)}), flush=True)


def main():
    args = parse_args()
    tune_malloc()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda":
        # fp32 as on the CPU: no TF32 in convolutions or matrix products.
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.benchmark = True
    deadline = time.time() + args.deadline if args.deadline else None
    with open(args.configs) as f:
        configs = json.load(f)
    grid_names = [c["name"] for c in configs]
    if args.only:
        keep = set(args.only.split(","))
        configs = [c for c in configs if c["name"] in keep]
    seeds = [int(s) for s in args.seeds.split(",")]
    rec = recipe(args)
    if args.merge:
        return merge_file(args, rec, grid_names)

    data_dir = find_dataset_dir(args.data_dir)
    xtr28, ytr, xte28, yte = load_fashion(data_dir)
    order = np.random.RandomState(1234).permutation(len(xtr28))[:args.train_subset]
    xtr28, ytr = xtr28[order], torch.from_numpy(ytr[order])
    yte = torch.from_numpy(yte)
    if args.time_steps:
        return time_steps(args, configs, xtr28, ytr)

    if args.ablation:
        base = next((c for c in configs if c["name"] == args.ablation_config), None)
        if base is None:
            raise SystemExit(f"--ablation-config {args.ablation_config}: not a configuration of --configs "
                             f"({', '.join(c['name'] for c in configs)})")
        variants = args.variants.split(",") if args.variants else list(ABLATIONS)
        unknown = [v for v in variants if v not in ABLATIONS]
        if unknown:
            raise SystemExit(f"unknown variant(s) {', '.join(unknown)}; the variants are {', '.join(ABLATIONS)}")
        todo = [(base, s, v) for s in seeds for v in variants]
        section = "ablations"
    else:
        todo = [(c, s, None) for c, s in grid_order(configs, seeds)]
        section = "runs"
    os.makedirs(args.cache, exist_ok=True)
    doc = merge_run(args, rec, grid_names, GRID_SEEDS, None, section)
    cache, finished = {}, 0

    for cfg, seed, variant in todo:
        if any(same_run(r, {"name": cfg["name"], "seed": seed, "variant": variant}) for r in doc[section]):
            continue
        key = run_key(cfg["name"], seed, variant, rec)
        if not claim(args.cache, key):
            continue
        # Another process may have finished it between our last read and the claim.
        doc = merge_run(args, rec, grid_names, GRID_SEEDS, None, section)
        if any(same_run(r, {"name": cfg["name"], "seed": seed, "variant": variant}) for r in doc[section]):
            release(args.cache, key)
            continue
        hyper = dict(standard_hyper(), **(ABLATIONS[variant] if variant else {}))
        r = cfg["resolution"]
        if r not in cache:
            cache.clear()  # one resolution at a time keeps memory small
            cache[r] = (resized(xtr28, r).to(device), resized(xte28, r).to(device))
        xtr, xte = cache[r]
        model = build(cfg, hyper)
        params = sum(p.numel() for p in model.parameters())
        macs = torch_macs(model, r)
        if params != cfg["params"] or macs != cfg["macs"]:
            raise SystemExit(f"{cfg['name']}: torch has {params} params / {macs} MACs, "
                             f"the plan {cfg['params']} / {cfg['macs']}")
        print(f"{cfg['name']} seed {seed}{' ' + variant if variant else ''}: {key}", flush=True)
        ckpt = os.path.join(args.cache, key + ".pt")
        done = train_one(cfg, hyper, seed, xtr, ytr.to(device), xte, yte.to(device), ckpt, deadline)
        if done is None:
            release(args.cache, key)
            break
        curve, stopped_by, precise_bn = done
        run = {k: cfg[k] for k in ("name", "family", "budget", "width", "depth", "resolution",
                                    "head", "blocks", "macs", "params")}
        if variant:
            run.update({"variant": variant, "changes": ABLATIONS[variant]})
        run.update({"torchParams": params, "torchMacs": macs, "seed": seed, "epochs": len(curve),
                    "device": segments(curve, "device"), "framework": segments(curve, "framework"),
                    "stoppedBy": stopped_by,
                    "testAccuracy": curve[-1]["testAccuracy"], "preciseBnTestAccuracy": precise_bn,
                    "seconds": round(sum(c["seconds"] for c in curve), 1),
                    "cpuSeconds": round(sum(c["cpuSeconds"] for c in curve), 1),
                    "finished": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "curve": curve})
        doc = merge_run(args, rec, grid_names, GRID_SEEDS, run, section)
        os.remove(ckpt)
        release(args.cache, key)
        print(json.dumps({k: v for k, v in run.items() if k != "curve"}), flush=True)
        finished += 1
        if args.max_runs and finished >= args.max_runs:
            break


if __name__ == "__main__":
    main()
