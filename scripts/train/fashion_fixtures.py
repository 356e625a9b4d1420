"""Fixture writers for train_fashion.py: fixtures/fashion/test-1000.* (the 1000-image test
subset: sprite, resized sprite, JSON, logits) and fixtures/images/* (sample images and their
README.md with the torch top-3), all under out_root (the repository root unless --out-root
says otherwise). The file list is in train_fashion.py's docstring.

Subset rule: the first 100 test images of each class, in test-set order; item i is the tile
at column i % 40, row floor(i / 40). Logits are computed from the pixels re-read from the
written PNG.
"""

import json
import os

import numpy as np
import torch
import torchvision
from PIL import Image

from fashion_data import CLASSES, RESOLUTION, eval_tensor_from_gray, eval_transform, \
    pil_resize_u8, pipeline_description
from fashion_model import predict

PRODUCER = "scripts/train/train_fashion.py"


def select_subset(yte):
    """Rule: the first 100 test images of each class, kept in test-set order."""
    counts = [0] * 10
    sel = []
    for i, y in enumerate(yte):
        if counts[y] < 100:
            counts[y] += 1
            sel.append(i)
    assert len(sel) == 1000
    return sel


def write_fashion_fixtures(out_root, model, xte, yte, mean, std, test_acc):
    out_dir = os.path.join(out_root, "fixtures", "fashion")
    os.makedirs(out_dir, exist_ok=True)
    sel = select_subset(yte)
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
        "pipeline": pipeline_description(mean, std),
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


def save_image(im, path):
    """PNG as is (grey 8-bit); JPEG as 3-channel RGB, quality 95."""
    if path.endswith(".jpg"):
        im.convert("RGB").save(path, quality=95)
    else:
        im.save(path)


SAMPLES_README_HEAD = [
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
]
SAMPLES_README_TAIL = [
    "", "JPEG decoders differ slightly (IDCT, colour conversion), so another decoder",
    "can give probabilities that differ in the last digits for the `.jpg` files.", "",
]


def write_sample_images(out_root, model, xte, yte, mean, std):
    out_dir = os.path.join(out_root, "fixtures", "images")
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
        fn = f"{name}.{ext}"
        save_image(Image.fromarray(xte[idx], mode="L"), os.path.join(out_dir, fn))
        files.append((fn, idx, cls, "28x28 original"))
    # two upscaled copies (nearest, x4 = 112x112): one PNG, one JPEG q95
    ups = [("ankle-boot", "ankle-boot-112.png"), ("sneaker", "sneaker-112.jpg")]
    for base, fn in ups:
        name, cls, ext, idx = next(p for p in picks if p[0] == base)
        im = Image.fromarray(xte[idx], mode="L").resize((112, 112), Image.NEAREST)
        save_image(im, os.path.join(out_dir, fn))
        files.append((fn, idx, cls, "112x112, nearest-neighbour x4 upscale of the original"))
    lines = SAMPLES_README_HEAD + [
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
    lines += SAMPLES_README_TAIL
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write("\n".join(lines))
    for r in report:
        print("sample", r, flush=True)
