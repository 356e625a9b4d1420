#!/usr/bin/python3
"""Writes fixtures/preprocess/: synthetic "photos" in every PNG/JPEG flavour effnet decodes, and
the tensors torchvision's own transforms make of them, the oracle src/image/ is tested against.

Rerun: /usr/bin/python3 scripts/golden/preprocess_torch.py   (Debian's torch, torchvision, PIL)

The photo is 317x251 (non-square, odd sizes) with gradients, hard-edged shapes, 1-px lines, a
3-px checkerboard, a fine sinusoid and a seeded noise patch. It is saved as:
  photo-rgb.png         8-bit RGB
  photo-rgba.png        8-bit RGBA, alpha ramps 0..255 left to right, a transparent band
  photo-grey.png        8-bit grey (PIL convert('L') of the photo)
  photo-grey-alpha.png  8-bit grey + alpha
  photo-palette.png     8-bit palette (median cut, 256 colours), palette index 0 transparent (tRNS)
  photo-rgb16.png       16-bit RGB (written by the small encoder below: PIL cannot write it)
  photo-grey16.png      16-bit grey
  photo-exif6.jpg       JPEG q95 4:4:4 stored rotated, EXIF orientation 6 (rotate 90 CW to show)
  photo-exif8-420.jpg   JPEG q90 4:2:0 stored rotated, EXIF orientation 8 (rotate 90 CCW to show)
and, for the JPEGs, <name>.pil.png: the RGB pixels PIL (libjpeg) decodes, after exif_transpose.

How an image becomes RGB before the transforms (effnet's decoder does the same):
  - PIL's Image.open, then ImageOps.exif_transpose (torchvision itself ignores EXIF);
  - alpha (RGBA, LA, palette tRNS) is composited onto white, in integers:
    round((c*a + 255*(255 - a)) / 255) (no ties: 255 is odd);
  - 16-bit samples keep their high byte (v >> 8), which is what PIL does for 16-bit RGB; PIL's
    convert('RGB') of 16-bit grey (mode I;16) clips instead of scaling, so that one is done here
    in numpy;
  - grey is replicated into R, G and B.

Expected tensors (NHWC float32 '<f4', [1, crop, crop, 3]), for each image:
  <name>.bilinear-128-112.npy  Resize(128, BILINEAR), CenterCrop(112), ToTensor, Normalize
and for photo-rgb.png and photo-exif6.jpg also
  <name>.b0.npy                Resize(256, BICUBIC), CenterCrop(224), ToTensor, Normalize
(the torchvision EfficientNet-B0 eval transform), mean (0.485, 0.456, 0.406),
std (0.229, 0.224, 0.225). 317x251 -> 161x128 makes the bilinear crop offset 24.5 -> 24
(Python's round half to even), and the resize a downscale, where PIL's filter widens.

Float resampling (the keras pipeline resizes in float, without 8-bit rounding): PIL resizes mode
"F" images with the same filters in double precision. float-<filter>-<w>x<h>.npy [h, w] float32
holds PIL's resize of a 100x80 float crop of the photo's red channel (rows 90..169, columns
120..219, values 0..255), up to 131x107 and down to 37x29, bilinear and bicubic.
"""

import json
import os
import struct
import zlib

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image, ImageDraw, ImageOps
from torchvision import transforms as T

PRODUCER = "scripts/golden/preprocess_torch.py"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "preprocess")
W, H = 317, 251
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
VARIANTS = {
    "b0": (256, 224, T.InterpolationMode.BICUBIC),
    "bilinear-128-112": (128, 112, T.InterpolationMode.BILINEAR),
}


def photo_float():
    """float64 [H, W, 3] in 0..1."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    img = np.stack([x / (W - 1), y / (H - 1), 0.5 + 0.5 * np.sin((x + y) / 23.0)], axis=-1) * 0.8 + 0.1
    checker = ((x // 3 + y // 3) % 2 == 0) & (x > 200) & (y < 90)
    img[checker] = [0.95, 0.9, 0.1]
    fine = (x < 90) & (y > 170)
    img[fine, 0] = 0.5 + 0.45 * np.sin(x[fine] * 1.9) * np.cos(y[fine] * 1.3)
    rng = np.random.default_rng(20240521)
    img[100:160, 130:190] = rng.random((60, 60, 3))
    return img


def photo_u8():
    img = Image.fromarray(np.round(photo_float() * 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    d.ellipse((20, 20, 110, 110), fill=(200, 30, 40))
    d.rectangle((230, 150, 300, 230), fill=(20, 40, 160), outline=(255, 255, 255), width=2)
    for i in range(6):
        d.line((120 + 12 * i, 10, 150 + 20 * i, 240), fill=(0, 0, 0), width=1)
    return np.asarray(img).copy()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png16(path, a):
    """16-bit PNG (grey [H, W] or RGB [H, W, 3]), big-endian samples, filter 0 on every row."""
    colour = 2 if a.ndim == 3 else 0
    h, w = a.shape[:2]
    raw = b"".join(b"\x00" + a[r].astype(">u2").tobytes() for r in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 16, colour, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw, 9))
                + png_chunk(b"IEND", b""))


def exif_bytes(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def on_white(c, a):
    """Composite uint8 colour c [..., k] with alpha a [...] onto white, rounded."""
    c = c.astype(np.int64)
    a = a.astype(np.int64)[..., None]
    return ((c * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)


def write_images(rgb):
    """Writes every flavour; returns {file: RGB uint8 [H, W, 3] as PIL decodes it (the oracle)}."""
    path = lambda n: os.path.join(OUT, n)
    decoded = {}

    Image.fromarray(rgb, "RGB").save(path("photo-rgb.png"))
    decoded["photo-rgb.png"] = np.asarray(Image.open(path("photo-rgb.png")).convert("RGB"))

    y, x = np.mgrid[0:H, 0:W]
    alpha = np.round(x / (W - 1) * 255).astype(np.uint8)
    alpha[(y > 60) & (y < 80)] = 0
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(path("photo-rgba.png"))
    im = np.asarray(Image.open(path("photo-rgba.png")))
    assert im.shape == (H, W, 4)
    decoded["photo-rgba.png"] = on_white(im[..., :3], im[..., 3])

    grey = np.asarray(Image.fromarray(rgb, "RGB").convert("L"))
    Image.fromarray(grey, "L").save(path("photo-grey.png"))
    decoded["photo-grey.png"] = np.asarray(Image.open(path("photo-grey.png")).convert("RGB"))

    Image.fromarray(np.dstack([grey, alpha]), "LA").save(path("photo-grey-alpha.png"))
    im = np.asarray(Image.open(path("photo-grey-alpha.png")))
    assert im.shape == (H, W, 2)
    decoded["photo-grey-alpha.png"] = np.repeat(on_white(im[..., :1], im[..., 1]), 3, axis=2)

    pal = Image.fromarray(rgb, "RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    pal.save(path("photo-palette.png"), transparency=0)
    im = Image.open(path("photo-palette.png"))
    assert im.mode == "P" and im.info.get("transparency") == 0
    rgba = np.asarray(im.convert("RGBA"))
    assert (rgba[..., 3] == 0).any() and (rgba[..., 3] == 255).any()
    decoded["photo-palette.png"] = on_white(rgba[..., :3], rgba[..., 3])

    fine = photo_float()
    rgb16 = np.clip(np.round(fine * 65535), 0, 65535).astype(np.uint16)
    rgb16[rgb == 0] = 200  # the drawn black lines: low byte set, high byte 0
    write_png16(path("photo-rgb16.png"), rgb16)
    im = Image.open(path("photo-rgb16.png"))
    assert im.mode == "RGB"
    decoded["photo-rgb16.png"] = np.asarray(im.convert("RGB"))
    assert np.array_equal(decoded["photo-rgb16.png"], (rgb16 >> 8).astype(np.uint8)), "PIL keeps the high byte"

    grey16 = (grey.astype(np.uint16) << 8) | ((x * 7 + y * 3) % 256).astype(np.uint16)
    write_png16(path("photo-grey16.png"), grey16)
    g = np.asarray(Image.open(path("photo-grey16.png")))
    assert g.dtype.kind in "iu" and np.array_equal(g, grey16)
    decoded["photo-grey16.png"] = np.repeat((g >> 8).astype(np.uint8)[..., None], 3, axis=2)

    # Stored rotated so that the EXIF orientation brings the photo upright.
    up = Image.fromarray(rgb, "RGB")
    for name, orientation, stored, opts in [
        ("photo-exif6.jpg", 6, up.transpose(Image.Transpose.ROTATE_90), dict(quality=95, subsampling=0)),
        ("photo-exif8-420.jpg", 8, up.transpose(Image.Transpose.ROTATE_270), dict(quality=90, subsampling=2)),
    ]:
        stored.save(path(name), exif=exif_bytes(orientation), **opts)
        im = Image.open(path(name))
        assert im.getexif().get(0x0112) == orientation and im.size == (H, W)
        shown = ImageOps.exif_transpose(im).convert("RGB")
        assert shown.size == (W, H)
        decoded[name] = np.asarray(shown)
        shown.save(path(name + ".pil.png"))
        err = np.abs(decoded[name].astype(int) - rgb.astype(int))
        assert np.median(err) <= 3, f"{name} is not upright ({np.median(err)})"
    return decoded


def expected(rgb_u8, variant):
    resize, crop, interp = VARIANTS[variant]
    tf = T.Compose([T.Resize(resize, interpolation=interp), T.CenterCrop(crop), T.ToTensor(), T.Normalize(MEAN, STD)])
    chw = tf(Image.fromarray(rgb_u8, "RGB"))
    return np.ascontiguousarray(chw.permute(1, 2, 0).unsqueeze(0).numpy().astype("<f4"))


FLOAT_SIZES = [(131, 107), (37, 29)]


def float_resizes(rgb):
    src = rgb[90:170, 120:220, 0].astype(np.float32)
    np.save(os.path.join(OUT, "float-source-100x80.npy"), np.ascontiguousarray(src.astype("<f4")), allow_pickle=False)
    files = []
    for name, flt in [("bilinear", Image.Resampling.BILINEAR), ("bicubic", Image.Resampling.BICUBIC)]:
        for w, h in FLOAT_SIZES:
            out = np.asarray(Image.fromarray(src, "F").resize((w, h), flt), dtype=np.float32)
            fn = f"float-{name}-{w}x{h}.npy"
            np.save(os.path.join(OUT, fn), np.ascontiguousarray(out.astype("<f4")), allow_pickle=False)
            files.append({"file": fn, "source": "float-source-100x80.npy", "interpolation": name, "size": [w, h],
                          "producer": f"PIL Image.fromarray(float32, 'F').resize(({w}, {h}), {name.upper()})"})
    return files


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = photo_u8()
    decoded = write_images(rgb)
    floats = float_resizes(rgb)
    outputs = []
    for name, rgb in decoded.items():
        variants = ["bilinear-128-112"] + (["b0"] if name in ("photo-rgb.png", "photo-exif6.jpg") else [])
        for v in variants:
            t = expected(rgb, v)
            fn = f"{name}.{v}.npy"
            np.save(os.path.join(OUT, fn), t, allow_pickle=False)
            resize, crop, interp = VARIANTS[v]
            outputs.append({
                "file": fn, "image": name, "shape": list(t.shape), "layout": "NHWC float32 '<f4'",
                "transform": f"Resize({resize}, {interp.value}) -> CenterCrop({crop}) -> ToTensor -> Normalize",
                "resize": resize, "crop": crop, "interpolation": interp.value,
            })
    manifest = {
        "producer": PRODUCER,
        "framework": "torchvision",
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__,
                     "pillow": PIL.__version__, "numpy": np.__version__},
        "photo": f"{W}x{H} synthetic RGB (see the producer's docstring)",
        "decode": ("PIL Image.open -> ImageOps.exif_transpose -> RGB; alpha composited onto white as "
                   "round((c*a + 255*(255-a))/255); 16-bit samples keep the high byte; grey replicated"),
        "mean": MEAN, "std": STD,
        "jpeg_pil_decoded": "<name>.jpg.pil.png: PIL's decoded, exif-transposed RGB pixels",
        "tensors": outputs,
        "float_resizes": floats,
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {len(outputs)} tensors and {len(decoded)} images to fixtures/preprocess")


if __name__ == "__main__":
    main()
