#!/usr/bin/python3
"""Reference re-implementation of Pillow's 8-bit BILINEAR resize (Image.resize((w, h),
Image.BILINEAR) = torchvision transforms.Resize(..., BILINEAR) on a PIL image), checked
bit-exactly against Pillow. It documents the algorithm the non-PyTorch implementation must
follow to reproduce the training/eval pipeline of train_fashion.py.

Algorithm (Pillow libImaging/Resample.c, 8 bits per channel, no box, no reducing_gap):
  For each axis separately (in = input size, out = output size):
    scale       = in / out                      (double)
    filterscale = max(scale, 1.0)               (antialiasing when downscaling)
    support     = 1.0 * filterscale             (bilinear = triangle filter, support 1)
    for each output index o:
      center = (o + 0.5) * scale
      xmin   = max(trunc(center - support + 0.5), 0)
      xmax   = min(trunc(center + support + 0.5), in)      (exclusive)
      w[x]   = tri((x - center + 0.5) / filterscale)  for x in [xmin, xmax),
               tri(t) = max(0, 1 - |t|)
      w[x]  /= sum(w)                                     (if the sum is not 0)
      k[x]   = trunc(w[x] * 2^22 + 0.5)  (w >= 0; negative weights, impossible for
                                          bilinear, would use trunc(w * 2^22 - 0.5))
  Horizontal pass first (if the width changes), each row:
      acc = 2^21 + sum_x in[y][x] * k[x]         (32-bit int, per channel)
      out = clamp(acc >> 22, 0, 255)             (uint8 intermediate image)
  Then the vertical pass (if the height changes) on that uint8 image, same arithmetic.
  (Pillow only runs the horizontal pass over the rows the vertical pass needs; this does not
  change any value.)

Usage: pil_resize_reference.py [--check]   (checks against Pillow on random images and on
Fashion-MNIST test images when the dataset package is installed)
"""

import argparse
import math

import numpy as np

PRECISION_BITS = 32 - 8 - 2


def coeff_matrix(in_size, out_size):
    """Integer coefficient matrix K [out, in] (int64) for one axis."""
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = 1.0 * filterscale
    K = np.zeros((out_size, in_size), dtype=np.int64)
    for o in range(out_size):
        center = (o + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)   # int() truncates toward zero, as C does
        xmax = min(int(center + support + 0.5), in_size)
        ws = []
        for x in range(xmin, xmax):
            t = abs((x - center + 0.5) / filterscale)
            ws.append(1.0 - t if t < 1.0 else 0.0)
        total = sum(ws)
        for j, x in enumerate(range(xmin, xmax)):
            w = ws[j] / total if total != 0.0 else ws[j]
            K[o, x] = int(w * (1 << PRECISION_BITS) + 0.5) if w >= 0 else int(w * (1 << PRECISION_BITS) - 0.5)
    return K


def _pass(img, K, axis):
    """Apply K along axis (0 = rows/vertical, 1 = columns/horizontal) of uint8 HxW[xC]."""
    a = img.astype(np.int64)
    if axis == 1:
        acc = np.tensordot(a, K, axes=([1], [1]))  # H x C x out  or H x out
        acc = np.moveaxis(acc, -1, 1) if a.ndim == 3 else acc
    else:
        acc = np.tensordot(K, a, axes=([1], [0]))  # out x W [x C]
    acc = (acc + (1 << (PRECISION_BITS - 1))) >> PRECISION_BITS
    return np.clip(acc, 0, 255).astype(np.uint8)


def resize_bilinear_u8(img, out_w, out_h):
    """img: uint8 [H, W] or [H, W, C]. Returns uint8 [out_h, out_w(, C)] equal to Pillow's."""
    h, w = img.shape[:2]
    out = img
    if out_w != w:
        out = _pass(out, coeff_matrix(w, out_w), 1)
    if out_h != h:
        out = _pass(out, coeff_matrix(h, out_h), 0)
    return out


def check():
    from PIL import Image
    rng = np.random.default_rng(0)
    n = 0
    for (h, w, oh, ow) in [(28, 28, 32, 32), (112, 112, 32, 32), (32, 32, 32, 32), (50, 37, 32, 21),
                           (300, 200, 32, 48), (7, 9, 32, 32), (224, 224, 32, 32)]:
        for mode in ["L", "RGB"]:
            for _ in range(5):
                shape = (h, w) if mode == "L" else (h, w, 3)
                a = rng.integers(0, 256, size=shape, dtype=np.uint8)
                ref = np.asarray(Image.fromarray(a, mode=mode).resize((ow, oh), Image.BILINEAR))
                mine = resize_bilinear_u8(a, ow, oh)
                assert np.array_equal(ref, mine), (h, w, oh, ow, mode)
                n += 1
    try:
        import gzip, os
        p = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
        if os.path.exists(p):
            with gzip.open(p) as f:
                x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
            for a in x[:2000]:
                ref = np.asarray(Image.fromarray(a, mode="L").convert("RGB").resize((32, 32), Image.BILINEAR))
                mine = resize_bilinear_u8(a, 32, 32)
                assert np.array_equal(ref[..., 0], mine) and np.array_equal(ref[..., 2], mine)
                n += 1
    except ImportError:
        pass
    print(f"ok: {n} resizes identical to Pillow")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--check", action="store_true", help="compare against Pillow")
    args = ap.parse_args()
    if args.check:
        check()
    else:
        ap.print_help()
