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

Model: torchvision.models.efficientnet.EfficientNet built from
  _efficientnet_conf("efficientnet_b0", width_mult=W, depth_mult=D), num_classes=10,
  default norm layer nn.BatchNorm2d (eps=1e-5, momentum=0.1), SiLU everywhere.

Eval input pipeline (this is what any other implementation has to reproduce):
  28x28 uint8 grey image
  -> PIL.Image (mode "L") -> .convert("RGB")        (grey replicated into R, G, B)
  -> transforms.Resize(32, interpolation=BILINEAR)  (PIL's Image.resize((32, 32), BILINEAR):
                                                     separable triangle filter, support
                                                     scaled by max(1, in/out), pixel centres
                                                     at +0.5, edge taps dropped and weights
                                                     renormalised, 22-bit fixed-point
                                                     coefficients, horizontal pass first into
                                                     a uint8 image, then vertical pass, each
                                                     pass rounded and clamped to 0..255)
  -> transforms.CenterCrop(32)                      (a no-op for square inputs)
  -> transforms.ToTensor()                          (uint8 / 255, CHW float32)
  -> transforms.Normalize(mean, std)                ((x - mean) / std per channel)

Training uses the same pipeline, precomputed once for all 60k images (kept as the uint8
32x32 result of the PIL resize; ToTensor/Normalize are applied per batch, which is the same
arithmetic), plus light augmentation on the precomputed 32x32 images: random horizontal
flip (p=0.5) and a random crop of 32x32 out of the image zero-padded by 2 pixels
(zero = black, padding applied before normalisation).

The dataset is read from Debian's dataset-fashion-mnist package (idx ubyte .gz files);
nothing is downloaded.
"""

import argparse
import gzip
import json
import math
import os
import random
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from PIL import Image
from torchvision import transforms
from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf

CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
RESOLUTION = 32
PRODUCER = "scripts/train/train_fashion.py"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_ROOT = REPO_ROOT

DATA_DIR_CANDIDATES = [
    "/usr/share/fashion-mnist",
    "/usr/share/dataset-fashion-mnist",
    "/usr/share/data/fashion-mnist",
]


# --------------------------------------------------------------------------- data

def find_dataset_dir(explicit):
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    cands = [explicit] if explicit else list(DATA_DIR_CANDIDATES)
    if not explicit:
        try:
            import subprocess
            out = subprocess.run(["dpkg", "-L", "dataset-fashion-mnist"], capture_output=True,
                                 text=True, check=False).stdout.split()
            cands = sorted({os.path.dirname(p) for p in out if p.endswith("t10k-images-idx3-ubyte.gz")}) + cands
        except OSError:
            pass
    for d in cands:
        if d and all(os.path.exists(os.path.join(d, n)) for n in names):
            return d
    sys.exit("Fashion-MNIST idx files not found (install dataset-fashion-mnist or pass --data-dir)")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype_code == 0x08, "expected unsigned byte idx file"
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(shape).copy()


def load_fashion(data_dir):
    xtr = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
    ytr = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))
    xte = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))
    yte = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"))
    assert xtr.shape == (60000, 28, 28) and xte.shape == (10000, 28, 28)
    return xtr, ytr.astype(np.int64), xte, yte.astype(np.int64)


def pil_resize_u8(img28):
    """uint8 [28,28] -> uint8 [3,32,32]: the PIL part of the pipeline (convert RGB + Resize)."""
    im = Image.fromarray(img28, mode="L").convert("RGB")
    im = transforms.Resize(RESOLUTION, interpolation=transforms.InterpolationMode.BILINEAR)(im)
    im = transforms.CenterCrop(RESOLUTION)(im)
    return np.asarray(im, dtype=np.uint8).transpose(2, 0, 1).copy()


def eval_transform(mean, std):
    """The exact eval pipeline, applied to a PIL image."""
    return transforms.Compose([
        transforms.Lambda(lambda im: im.convert("RGB")),
        transforms.Resize(RESOLUTION, interpolation=transforms.InterpolationMode.BILINEAR),
        transforms.CenterCrop(RESOLUTION),
        transforms.ToTensor(),
        transforms.Normalize(mean, std),
    ])


def eval_tensor_from_gray(imgs28, mean, std):
    tf = eval_transform(mean, std)
    return torch.stack([tf(Image.fromarray(a, mode="L")) for a in imgs28])


# --------------------------------------------------------------------------- model

def build_model(width, depth, dropout, stochastic_depth):
    setting, last_channel = _efficientnet_conf("efficientnet_b0", width_mult=width, depth_mult=depth)
    return EfficientNet(setting, dropout=dropout, stochastic_depth_prob=stochastic_depth,
                        num_classes=10, last_channel=last_channel)


# --------------------------------------------------------------------------- writers

SAFETENSORS_DTYPES = {
    torch.float32: ("F32", "<f4"), torch.float16: ("F16", "<f2"), torch.float64: ("F64", "<f8"),
    torch.int64: ("I64", "<i8"), torch.int32: ("I32", "<i4"), torch.uint8: ("U8", "|u1"),
}


def write_safetensors(path, tensors, metadata):
    """Minimal safetensors writer: u64 LE header size, JSON header padded with spaces to a
    multiple of 8, then the contiguous little-endian data buffer (tensors in given order)."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        dt, npdt = SAFETENSORS_DTYPES[t.dtype]
        raw = np.ascontiguousarray(t.detach().cpu().numpy().astype(npdt, copy=False)).tobytes()
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    assert all(isinstance(v, str) for v in metadata.values())
    header = {"__metadata__": metadata, **header}
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """Reader used to verify the writer round-trips."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n).decode("utf-8"))
        buf = f.read()
    meta = header.pop("__metadata__", {})
    inv = {v[0]: v[1] for v in SAFETENSORS_DTYPES.values()}
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(buf[b:e], dtype=inv[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta


# --------------------------------------------------------------------------- train / eval

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


@torch.no_grad()
def predict(model, x, bs=500, fmt=torch.contiguous_format):
    model.eval()
    return torch.cat([model(x[i:i + bs].contiguous(memory_format=fmt)) for i in range(0, x.shape[0], bs)])


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
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
    args = ap.parse_args()
    global OUT_ROOT
    OUT_ROOT = os.path.abspath(args.out_root)

    tune_malloc()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    mean = [args.mean] * 3
    std = [args.std] * 3
    mean_t = torch.tensor(mean).view(1, 3, 1, 1)
    std_t = torch.tensor(std).view(1, 3, 1, 1)

    data_dir = find_dataset_dir(args.data_dir)
    print(f"dataset: {data_dir}", flush=True)
    xtr, ytr, xte, yte = load_fashion(data_dir)

    models_dir = os.path.join(OUT_ROOT, "fixtures", "models")
    ckpt_path = os.path.join(models_dir, "fashion-effnet.safetensors")
    if args.from_checkpoint:
        _, ckpt_meta = read_safetensors(ckpt_path)
        args.width, args.depth = float(ckpt_meta["width"]), float(ckpt_meta["depth"])
    model = build_model(args.width, args.depth, args.dropout, args.stochastic_depth)
    nparams = sum(p.numel() for p in model.parameters())
    print(f"model: EfficientNet b0-conf width={args.width} depth={args.depth} params={nparams}", flush=True)

    t0 = time.time()
    xte_in = eval_tensor_from_gray(xte, mean, std)  # exact eval pipeline, [10000,3,32,32]
    print(f"test set through eval pipeline: {time.time() - t0:.1f}s", flush=True)

    if args.from_checkpoint:
        sd, meta = read_safetensors(ckpt_path)
        model.load_state_dict(sd)
        train_seconds = float(meta["train_seconds"])
        epochs = int(meta.get("epochs", args.epochs))
    else:
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
        epochs = args.epochs
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
                return
            logits = predict(model, xte_in, fmt=fmt)
            acc = (logits.argmax(1).numpy() == yte).mean()
            print(f"epoch {epoch + 1}/{args.epochs} loss {tot_loss / seen:.4f} "
                  f"train_acc {tot_correct / seen:.4f} test_acc {acc:.4f} "
                  f"epoch_time {train_t:.1f}s eval {time.time() - te - train_t:.1f}s "
                  f"total {time.time() - train_start:.0f}s lr {lr_at(step - 1):.2e}", flush=True)
        train_seconds = time.time() - train_start
        model = model.to(memory_format=torch.contiguous_format)

    # ------------------------------------------------------------------ final eval + outputs
    model.eval()
    logits = predict(model, xte_in)
    pred = logits.argmax(1).numpy()
    test_acc = float((pred == yte).mean())
    print(f"final test accuracy (10k): {test_acc:.4f}  train_seconds {train_seconds:.0f}", flush=True)

    pipeline = {
        "input": "28x28 uint8 grey image",
        "steps": [
            "PIL.Image.fromarray(uint8, mode='L').convert('RGB')",
            "torchvision.transforms.Resize(32, interpolation=BILINEAR) on the PIL image "
            "(= PIL Image.resize((32, 32), Image.BILINEAR), uint8 output, PIL antialiasing "
            "convolution with 22-bit fixed-point weights, horizontal pass then vertical pass)",
            "torchvision.transforms.CenterCrop(32) (no-op for square input)",
            "torchvision.transforms.ToTensor() (x / 255, CHW)",
            "torchvision.transforms.Normalize(mean, std)",
        ],
        "resolution": RESOLUTION,
        "interpolation": "bilinear",
        "crop_pct": 1.0,
        "mean": mean,
        "std": std,
        "layout": "NCHW float32, RGB",
    }
    meta = {
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
        "pipeline": ("28x28 grey uint8 -> PIL convert('RGB') -> Resize(32, bilinear, PIL) -> "
                     "CenterCrop(32) -> ToTensor (/255) -> Normalize(mean, std)"),
    }
    os.makedirs(models_dir, exist_ok=True)
    sd = model.state_dict()
    if not args.from_checkpoint:
        write_safetensors(ckpt_path, {k: v.contiguous() for k, v in sd.items()}, meta)
    # verify round trip
    sd2, meta2 = read_safetensors(ckpt_path)
    assert list(sd2.keys()) == list(sd.keys())
    for k in sd:
        assert torch.equal(sd2[k], sd[k].cpu()), k
    m2 = build_model(args.width, args.depth, args.dropout, args.stochastic_depth)
    m2.load_state_dict(sd2)
    assert torch.equal(predict(m2, xte_in[:500]), logits[:500])
    print(f"wrote {ckpt_path} ({os.path.getsize(ckpt_path)} bytes, {len(sd)} tensors)", flush=True)

    write_fashion_fixtures(model, xte, yte, mean, std, pipeline, test_acc)
    write_sample_images(model, xte, yte, mean, std)


def write_fashion_fixtures(model, xte, yte, mean, std, pipeline, test_acc):
    out_dir = os.path.join(OUT_ROOT, "fixtures", "fashion")
    os.makedirs(out_dir, exist_ok=True)
    # rule: the first 100 test images of each class, kept in test-set order
    counts = [0] * 10
    sel = []
    for i, y in enumerate(yte):
        if counts[y] < 100:
            counts[y] += 1
            sel.append(i)
    assert len(sel) == 1000
    cols, rows, tile = 40, 25, 28
    sprite = np.zeros((rows * tile, cols * tile), dtype=np.uint8)
    sprite32 = np.zeros((rows * RESOLUTION, cols * RESOLUTION), dtype=np.uint8)
    for j, i in enumerate(sel):
        r, c = divmod(j, cols)
        sprite[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile] = xte[i]
    png_path = os.path.join(out_dir, "test-1000.png")
    Image.fromarray(sprite, mode="L").save(png_path, optimize=True)
    back = np.asarray(Image.open(png_path))
    assert back.dtype == np.uint8 and back.shape == sprite.shape and np.array_equal(back, sprite)
    tiles = []
    for j in range(1000):
        r, c = divmod(j, cols)
        t = back[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile]
        tiles.append(t)
        sprite32[r * RESOLUTION:(r + 1) * RESOLUTION, c * RESOLUTION:(c + 1) * RESOLUTION] = pil_resize_u8(t)[0]
    Image.fromarray(sprite32, mode="L").save(os.path.join(out_dir, "test-1000-resized32.png"), optimize=True)
    x = eval_tensor_from_gray(np.stack(tiles), mean, std)
    logits = predict(model, x)
    probs = torch.softmax(logits, 1)
    top = probs.argmax(1)
    labels = yte[sel]
    subset_acc = float((top.numpy() == labels).mean())
    np.save(os.path.join(out_dir, "test-1000-logits.npy"),
            np.ascontiguousarray(logits.numpy().astype("<f4")), allow_pickle=False)
    doc = {
        "producer": PRODUCER,
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "model": "fixtures/models/fashion-effnet.safetensors",
        "rule": ("the first 100 images of each class in the Fashion-MNIST test set (t10k), "
                 "kept in test-set order (ascending index_in_test_set)"),
        "tile": 28,
        "columns": cols,
        "rows": rows,
        "count": 1000,
        "layout": "item i is the 28x28 tile at column i % 40, row floor(i / 40); grey 8-bit PNG",
        "resized32": ("test-1000-resized32.png: same grid with 32x32 tiles holding the uint8 "
                      "output of the PIL bilinear resize (channel R; G and B are identical)"),
        "logits": "test-1000-logits.npy: float32 '<f4' [1000, 10], C order, model.eval()",
        "classes": CLASSES,
        "pipeline": pipeline,
        "torch_test_accuracy_10k": round(test_acc, 4),
        "torch_subset_accuracy": subset_acc,
        "items": [
            {"index_in_test_set": int(i), "label": int(labels[j]), "torch_top1": int(top[j]),
             "torch_prob_top1": round(float(probs[j, top[j]]), 6)}
            for j, i in enumerate(sel)
        ],
    }
    with open(os.path.join(out_dir, "test-1000.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote fixtures/fashion (subset accuracy {subset_acc:.4f})", flush=True)


def topk_for_pil(model, im, mean, std, k=3):
    x = eval_transform(mean, std)(im).unsqueeze(0)
    p = torch.softmax(predict(model, x), 1)[0]
    v, i = p.topk(k)
    return [(CLASSES[int(a)], float(b)) for a, b in zip(i, v)]


def write_sample_images(model, xte, yte, mean, std):
    out_dir = os.path.join(OUT_ROOT, "fixtures", "images")
    os.makedirs(out_dir, exist_ok=True)
    x = eval_tensor_from_gray(xte[:2000], mean, std)
    probs = torch.softmax(predict(model, x), 1)
    wanted = [("ankle-boot", 9, "png"), ("trouser", 1, "png"), ("bag", 8, "png"),
              ("sneaker", 7, "png"), ("dress", 3, "png"), ("pullover", 2, "jpg")]
    picks = []
    for name, cls, ext in wanted:
        # first test image of that class predicted correctly with probability >= 0.9
        idx = next((i for i in range(2000)
                    if yte[i] == cls and int(probs[i].argmax()) == cls and float(probs[i, cls]) >= 0.9),
                   None)
        if idx is None:  # only for an undertrained model (smoke tests)
            print(f"warning: no confident {name} found; using the first one", flush=True)
            idx = next(i for i in range(2000) if yte[i] == cls)
        picks.append((name, cls, ext, idx))
    files = []
    for name, cls, ext, idx in picks:
        im = Image.fromarray(xte[idx], mode="L")
        fn = f"{name}.{ext}"
        if ext == "jpg":
            im.convert("RGB").save(os.path.join(out_dir, fn), quality=95)
        else:
            im.save(os.path.join(out_dir, fn))
        files.append((fn, idx, cls, "28x28 original"))
    # two upscaled copies (nearest, x4 = 112x112): one PNG, one JPEG q95
    ups = [("ankle-boot", "ankle-boot-112.png"), ("sneaker", "sneaker-112.jpg")]
    for base, fn in ups:
        name, cls, ext, idx = next(p for p in picks if p[0] == base)
        im = Image.fromarray(xte[idx], mode="L").resize((112, 112), Image.NEAREST)
        if fn.endswith(".jpg"):
            im.convert("RGB").save(os.path.join(out_dir, fn), quality=95)
        else:
            im.save(os.path.join(out_dir, fn))
        files.append((fn, idx, cls, "112x112, nearest-neighbour x4 upscale of the original"))
    lines = [
        "# Sample images",
        "",
        "Images from the [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist) test set",
        "(`t10k-images-idx3-ubyte`), Copyright (c) 2017 Zalando SE, released under the MIT license.",
        f"Written by `{PRODUCER}` (`--from-checkpoint` regenerates them). Each one is the first",
        "test image of its class that the model predicts correctly with probability >= 0.9.",
        "",
        "PNGs are 8-bit greyscale; JPEGs are 3-channel (RGB, grey content) baseline JPEG, quality 95,",
        "Pillow defaults (4:2:0 chroma subsampling). The 112x112 copies are nearest-neighbour x4",
        "upscales, so the model's resize has to downscale them (PIL bilinear with antialiasing).",
        "",
        "The model was trained with label smoothing 0.1, so its top probability stays near 0.9",
        "even for easy images.",
        "",
        "PyTorch top-3 for `fixtures/models/fashion-effnet.safetensors`, read with Pillow and run",
        "through the eval pipeline (convert RGB -> Resize(32, bilinear) -> ToTensor -> Normalize),",
        f"torch {torch.__version__}, torchvision {torchvision.__version__}:",
        "",
        "| file | test index | label | top-1 | top-2 | top-3 |",
        "|---|---|---|---|---|---|",
    ]
    report = []
    for fn, idx, cls, what in files:
        im = Image.open(os.path.join(out_dir, fn))
        im.load()
        t3 = topk_for_pil(model, im, mean, std)
        cells = [f"{n} {p:.4f}" for n, p in t3]
        lines.append(f"| `{fn}` ({im.size[0]}x{im.size[1]}) | {idx} | {CLASSES[cls]} | " + " | ".join(cells) + " |")
        report.append((fn, idx, CLASSES[cls], t3))
    lines += ["", "JPEG decoders differ slightly (IDCT, colour conversion), so another decoder",
              "can give probabilities that differ in the last digits for the `.jpg` files.", ""]
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write("\n".join(lines))
    for r in report:
        print("sample", r, flush=True)


if __name__ == "__main__":
    main()
