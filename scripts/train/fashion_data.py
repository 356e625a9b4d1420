"""Fashion-MNIST data and the eval input pipeline, for train_fashion.py.

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

The dataset is read from Debian's dataset-fashion-mnist package (idx ubyte .gz files);
nothing is downloaded.
"""

import gzip
import os
import struct
import subprocess
import sys

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
RESOLUTION = 32

DATA_DIR_CANDIDATES = [
    "/usr/share/fashion-mnist",
    "/usr/share/dataset-fashion-mnist",
    "/usr/share/data/fashion-mnist",
]

# one-line form, stored in the checkpoint's __metadata__ ("pipeline")
PIPELINE_SUMMARY = ("28x28 grey uint8 -> PIL convert('RGB') -> Resize(32, bilinear, PIL) -> "
                    "CenterCrop(32) -> ToTensor (/255) -> Normalize(mean, std)")


def pipeline_description(mean, std):
    """The eval pipeline as written into fixtures/fashion/test-1000.json ("pipeline")."""
    return {
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


# --------------------------------------------------------------------------- dataset

def find_dataset_dir(explicit):
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    cands = [explicit] if explicit else list(DATA_DIR_CANDIDATES)
    if not explicit:
        try:
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


# --------------------------------------------------------------------------- eval pipeline

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
