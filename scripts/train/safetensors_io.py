"""Minimal safetensors writer and reader (no `safetensors` package needed), for train_fashion.py.

File layout: u64 little-endian header size, JSON header (`__metadata__` first, all values
strings, then one entry per tensor in the given order) padded with spaces to a multiple of 8,
then the contiguous little-endian data buffer.
"""

import json
import os
import struct

import numpy as np
import torch

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
    """Reader used to verify the writer round-trips (and by --from-checkpoint).
    Returns ({name: tensor}, metadata)."""
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
