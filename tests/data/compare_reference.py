#!/usr/bin/python3
"""Independent figures for tests/core/tst_compare.cpp: what `compare` must report for two checkpoints, computed with
torch + NumPy from the FP32 weights and from the two golden output folders (their bins and manifests), sharing no code
with QuantLens.

usage: compare_reference.py CKPT_A CKPT_B GOLDEN_A GOLDEN_B   -> JSON on stdout:
  {"tensors": {name: {rel_l2_change, max_abs_change, snr_db_a, snr_db_b, scale_max_rel_change, int8_bytes_changed}},
   "shards": [{"index", "bytes_changed", "chunks": [changed chunk indices]}]}
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch

CHUNK = 1000


def state_dict(path):
    ck = torch.load(path, map_location="cpu")
    for key in ("model_state_dict", "state_dict"):
        if isinstance(ck, dict) and key in ck:
            return ck[key]
    return ck


def manifest_tensors(folder):
    m = json.loads((Path(folder) / "manifest.json").read_text())
    out = {}
    for group in m["weights"].values():
        out.update(group)
    return m, out


def scales(e, rows):
    if e["quantization"] == "per_channel_symmetric":
        return np.asarray(e["scales"], dtype=np.float32).astype(np.float64)
    return np.full(rows, float(e["scale"]))


def main():
    ca, cb, ga, gb = sys.argv[1:5]
    sa, sb = state_dict(ca), state_dict(cb)
    ma, ta = manifest_tensors(ga)
    mb, tb = manifest_tensors(gb)
    bin_a = np.fromfile(Path(ga) / "weights_int8.bin", dtype=np.int8)
    bin_b = np.fromfile(Path(gb) / "weights_int8.bin", dtype=np.int8)
    tensors = {}
    for name in sorted(set(ta) & set(tb)):
        ea, eb = ta[name], tb[name]
        if ea["shape"] != eb["shape"]:
            continue
        a = sa[name].detach().float().numpy().astype(np.float64).ravel()
        b = sb[name].detach().float().numpy().astype(np.float64).ravel()
        d = b - a
        rows = ea["shape"][0] if len(ea["shape"]) >= 2 else 1
        xa, xb = scales(ea, rows), scales(eb, rows)
        qa = bin_a[ea["offset"]:ea["offset"] + ea["size"]]
        qb = bin_b[eb["offset"]:eb["offset"] + eb["size"]]
        tensors[name] = {
            "rel_l2_change": float(np.linalg.norm(d) / np.linalg.norm(a)) if np.any(a) else None,
            "max_abs_change": float(np.max(np.abs(d))) if d.size else 0.0,
            "snr_db_a": ea["snr_db"],
            "snr_db_b": eb["snr_db"],
            "scale_max_rel_change": float(np.max(np.abs(xb - xa) / xa)),
            "int8_bytes_changed": int(np.count_nonzero(qa != qb)),
        }
    shards = []
    for s_a, s_b in zip(ma["shard_map"]["shards"], mb["shard_map"]["shards"]):
        pa = bin_a[s_a["offset"]:s_a["offset"] + s_a["size"]]
        pb = bin_b[s_b["offset"]:s_b["offset"] + s_b["size"]]
        n = min(len(pa), len(pb))
        diff = np.flatnonzero(pa[:n] != pb[:n])
        shards.append({"index": s_a["index"], "bytes_changed": int(diff.size),
                       "chunks": sorted(set(int(i) // CHUNK for i in diff))})
    json.dump({"tensors": tensors, "shards": shards}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
