#!/usr/bin/python3
"""Independent Python computation of what `quantlens-eval --json --sensitivity` reports (tests/torch/tst_eval.cpp).

usage: eval_reference.py MODEL.pt CHECKPOINT.pt DEQUANTIZED.pt INPUTS.pt LOGITS_GLOB [QUANTIZE_OUT_DIR]

Loads the FP32 state dict with torch.load and the dequantized one (written by `quantlens-cli export-dequantized`) with
torch.load(weights_only=True), runs the TorchScript module on the inputs with each, and prints JSON with the same
figures (outputs; sensitivity one tensor at a time both ways, ranked by the lowest output SNR). With
QUANTIZE_OUT_DIR (a `quantlens-cli quantize` output folder) it first checks that every exported tensor is
weights_int8.bin · manifest scale, computed here from the artifacts.
"""
import fnmatch
import json
import math
import sys

import numpy as np
import torch


def flatten(v, path, out):
    child = (lambda k: k if not path else path + "." + k)
    if isinstance(v, torch.Tensor):
        out.append((path or "output", v))
    elif isinstance(v, (tuple, list)):
        for i, e in enumerate(v):
            flatten(e, child(str(i)), out)
    elif isinstance(v, dict):
        for k, e in v.items():
            flatten(e, child(str(k)), out)
    return out


def run(module, state, batches):
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            t.copy_(state[name])
        return [flatten(module(*b), "", []) for b in batches]


def figures(ref, other, pattern):
    out = []
    for i, (name, _) in enumerate(ref[0]):
        y = torch.cat([r[i][1].double().reshape(-1) for r in ref])
        h = torch.cat([o[i][1].double().reshape(-1) for o in other])
        e = y - h
        sy2, se2, sh2 = float((y * y).sum()), float((e * e).sum()), float((h * h).sum())
        f = {"name": name,
             "snr_db": 10 * math.log10(sy2 / se2) if se2 > 0 and sy2 > 0 else None,
             "max_abs_diff": float(e.abs().max()) if e.numel() else 0.0,
             "cosine": float((y * h).sum()) / math.sqrt(sy2 * sh2) if sy2 > 0 and sh2 > 0 else 1.0,
             "top1_agreement": None}
        if fnmatch.fnmatchcase(name, pattern):
            agree = rows = 0
            for r, o in zip(ref, other):
                a, b = r[i][1], o[i][1]
                agree += int((a.argmax(-1) == b.argmax(-1)).sum())
                rows += a.numel() // a.shape[-1]
            f["top1_agreement"] = agree / rows
        out.append(f)
    return out


def check_artifacts(deq, out_dir):
    manifest = json.load(open(f"{out_dir}/manifest.json"))
    blob = np.fromfile(f"{out_dir}/weights_int8.bin", dtype=np.int8)
    n = 0
    for group in manifest["weights"].values():
        for name, e in group.items():
            q = blob[e["offset"]:e["offset"] + e["size"]].astype(np.float32)
            rows = e["shape"][0] if len(e["shape"]) >= 2 else 1
            q = q.reshape(rows, -1)
            if "scales" in e:
                s = np.asarray(e["scales"], dtype=np.float32).reshape(-1, 1)
            else:
                s = np.float32(e["scale"])
            want = (q * s).reshape(e["shape"])
            got = deq[name].numpy()
            if not np.array_equal(want, got):
                raise SystemExit(f"{name}: exported values differ from weights_int8.bin * scale "
                                 f"(max {np.abs(want - got).max()})")
            n += 1
    return n


def main():
    model_path, ckpt_path, deq_path, inputs_path, pattern = sys.argv[1:6]
    ckpt = torch.load(ckpt_path, map_location="cpu")
    fp32 = ckpt["model_state_dict"]
    deq_doc = torch.load(deq_path, weights_only=True)
    deq = deq_doc["model_state_dict"]
    checked = check_artifacts(deq, sys.argv[6]) if len(sys.argv) > 6 else 0
    inputs = torch.load(inputs_path)
    batches = [tuple(b) for b in inputs] if isinstance(inputs, list) and isinstance(inputs[0], (tuple, list)) \
        else [inputs if isinstance(inputs, tuple) else (inputs,)]
    m = torch.jit.load(model_path)
    m.eval()
    ref = run(m, fp32, batches)
    report = {"num_inputs": len(batches), "artifact_tensors_checked": checked,
              "outputs": figures(ref, run(m, deq, batches), pattern), "sensitivity": []}
    quantized = [k for k in fp32 if not torch.equal(fp32[k], deq[k])]
    for k in quantized:
        only = dict(fp32)
        only[k] = deq[k]
        keep = dict(deq)
        keep[k] = fp32[k]
        report["sensitivity"].append({"tensor": k, "outputs": figures(ref, run(m, only, batches), pattern),
                                      "keep_fp32_outputs": figures(ref, run(m, keep, batches), pattern)})
    worst = (lambda e: min((o["snr_db"] for o in e["outputs"] if o["snr_db"] is not None), default=math.inf))
    report["sensitivity"].sort(key=worst)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
