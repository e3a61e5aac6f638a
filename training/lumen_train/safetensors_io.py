"""Minimal safetensors reader/writer (format: 8-byte little-endian header length, JSON header with
dtype/shape/data_offsets, raw little-endian bytes). Debian has no python3-safetensors."""
import json
import struct
import numpy as np
import torch

_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32"}
_NP = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def save(tensors, path, metadata=None):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        if info["dtype"] == "BF16":
            raw = np.frombuffer(data[a:b], np.int16).copy()
            out[name] = torch.from_numpy(raw).view(torch.bfloat16).reshape(info["shape"])
        else:
            out[name] = torch.from_numpy(np.frombuffer(data[a:b], _NP[info["dtype"]]).copy()).reshape(info["shape"])
    return out
