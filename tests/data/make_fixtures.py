#!/usr/bin/env python3
"""Builds the unseen-family conformance fixtures and their expected outputs.

    /usr/bin/python3 tests/data/make_fixtures.py            # writes tests/data/extra/ and tests/data/golden-extra/
    /usr/bin/python3 tests/data/make_fixtures.py --large D  # also a seed-sized (2-shard) world model into D (not committed)

Needs Debian's python3-torch and python3-numpy. Only for (re)generating data: the tests never run it.

The checkpoints are saved the way the trainers save theirs (see /work/shared/fixtures): real nn.Modules with the
model families' parameter names, "trained-like" weights (per-row log-normal gains, ~0.1% outliers x6, row 0 of
every embedding table zeroed), two AdamW steps so the optimizer state is real, `encoding_config` as a dict or as a
pickled `models.encoding.EncodingConfig` dataclass, or the policy's legacy `config`. They differ from the shared
fixtures in size, pickle protocol, container (zip under another folder name, legacy, safetensors, big-endian
records) and top-level layout (bare state_dict, `state_dict` key, a plain dict of Parameters).

Expected outputs: weights_int8.bin and the per-tensor entries come from /work/shared/tools/numpy_peer.py (the seed's
quantize step, byte-identical to it); the manifest fields the peer does not write (format, architecture, shard_map,
groups, min/max SNR, encoding_config / context_len, 3-D reshape fields) are an independent re-implementation of
SPEC.md sections 2-5 below. Everything is seeded, so re-running reproduces the same tensors and expected outputs
(legacy-format files still differ byte-wise between runs: torch names their storages by memory address).
"""
import argparse
import collections
import dataclasses
import importlib.util
import io
import json
import math
import os
import struct
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
PEER = Path("/work/shared/tools/numpy_peer.py")

# ---------------------------------------------------------------------------------------------------------------
# models.encoding.EncodingConfig: defined in a throw-away package on sys.path so pickle records it by that name.
_pkg = Path(tempfile.mkdtemp(prefix="ql-fixtures-")) / "models"
_pkg.mkdir()
(_pkg / "__init__.py").write_text("")
(_pkg / "encoding.py").write_text('''
from dataclasses import dataclass

@dataclass
class EncodingConfig:
    xy_scale: float = 0.05
    percent_scale: float = 0.01
    shield_scale: float = 0.01
    velocity_scale: float = 0.05
    state_age_scale: float = 0.01
    hitlag_scale: float = 0.1
    stocks_scale: float = 0.25
    combo_count_scale: float = 0.1
    action_vocab: int = 400
    action_embed_dim: int = 32
    jumps_vocab: int = 8
    jumps_embed_dim: int = 4
    character_vocab: int = 33
    character_embed_dim: int = 8
    stage_vocab: int = 33
    stage_embed_dim: int = 4
    l_cancel_vocab: int = 3
    l_cancel_embed_dim: int = 2
    hurtbox_vocab: int = 3
    hurtbox_embed_dim: int = 2
    ground_vocab: int = 32
    ground_embed_dim: int = 4
    last_attack_vocab: int = 64
    last_attack_embed_dim: int = 8
    state_age_as_embed: bool = False
    state_age_embed_vocab: int = 150
    state_age_embed_dim: int = 8
    press_events: bool = False
    lookahead: int = 0
    projectiles: bool = False
    state_flags: bool = False
    hitstun: bool = False
    hitstun_scale: float = 0.02
    focal_offset: int = 0
    multi_position: bool = False
    ctrl_residual_to_action: bool = False
    ctrl_threshold_features: bool = False
    character_conditioning: bool = False
''')
sys.path.insert(0, str(_pkg.parent))
from models.encoding import EncodingConfig  # noqa: E402

EMBEDS = ["action", "jumps", "character", "stage", "l_cancel", "hurtbox", "ground", "last_attack"]


def small_encoding(**kw):
    """A smaller encoding than the shared fixtures' (other vocabularies and embedding sizes)."""
    return EncodingConfig(action_vocab=48, action_embed_dim=8, jumps_vocab=8, jumps_embed_dim=2, character_vocab=12,
                          character_embed_dim=4, stage_vocab=8, stage_embed_dim=2, ground_vocab=16, ground_embed_dim=2,
                          last_attack_vocab=24, last_attack_embed_dim=4, **kw)


# ---------------------------------------------------------------------------------------------------------------
# The three families, with the parameter names and registration order of the shared fixtures.
class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))


class Mamba2(nn.Module):
    def __init__(self, d_model, d_state, headdim):
        super().__init__()
        d_inner = 2 * d_model
        nheads = d_inner // headdim
        self.dt_bias = nn.Parameter(torch.zeros(nheads))
        self.A_log = nn.Parameter(torch.zeros(nheads))
        self.D = nn.Parameter(torch.ones(nheads))
        self.in_proj = nn.Linear(d_model, 2 * d_inner + 2 * d_state + nheads, bias=False)
        conv_dim = d_inner + 2 * d_state
        self.conv1d = nn.Conv1d(conv_dim, conv_dim, 4, groups=conv_dim, padding=3)
        self.norm = RMSNorm(d_inner)
        self.out_proj = nn.Linear(d_inner, d_model, bias=False)


class Block(nn.Module):
    def __init__(self, d_model, d_state, headdim):
        super().__init__()
        self.mamba = Mamba2(d_model, d_state, headdim)
        self.norm = RMSNorm(d_model)


def add_embeds(m, enc):
    for e in EMBEDS:
        setattr(m, f"{e}_embed", nn.Embedding(getattr(enc, f"{e}_vocab"), getattr(enc, f"{e}_embed_dim")))


def frame_dim(enc):
    return 2 * sum(getattr(enc, f"{e}_embed_dim") for e in EMBEDS) + 30


def add_world_heads(m, enc, d):
    m.continuous_head = nn.Linear(d, 8)
    m.binary_head = nn.Linear(d, 6)
    m.velocity_head = nn.Linear(d, 10)
    m.dynamics_head = nn.Linear(d, 6)
    for p in ("p0", "p1"):
        setattr(m, f"{p}_action_head", nn.Linear(d, enc.action_vocab))
    for e in ("jumps", "l_cancel", "hurtbox", "ground", "last_attack"):
        for p in ("p0", "p1"):
            setattr(m, f"{p}_{e}_head", nn.Linear(d, getattr(enc, f"{e}_vocab")))


class FrameStackMamba2(nn.Module):
    def __init__(self, enc, d_model, d_state, headdim, n_layers):
        super().__init__()
        add_embeds(self, enc)
        self.frame_proj = nn.Linear(frame_dim(enc), d_model)
        self.layers = nn.ModuleList([Block(d_model, d_state, headdim) for _ in range(n_layers)])
        self.final_norm = RMSNorm(d_model)
        self.ctrl_proj = nn.Linear(26, d_model)
        add_world_heads(self, enc, d_model)


class FrameStackMLP(nn.Module):
    def __init__(self, enc, hidden, trunk, context):
        super().__init__()
        add_embeds(self, enc)
        self.trunk = nn.Sequential(nn.Linear(context * frame_dim(enc) + 26, hidden), nn.GELU(), nn.Dropout(0.1),
                                   nn.Linear(hidden, trunk), nn.GELU())
        add_world_heads(self, enc, trunk)


class PolicyMLP(nn.Module):
    def __init__(self, enc, hidden, trunk, context):
        super().__init__()
        add_embeds(self, enc)
        self.trunk = nn.Sequential(nn.Linear(context * frame_dim(enc), hidden), nn.GELU(), nn.Dropout(0.1),
                                   nn.Linear(hidden, trunk), nn.GELU())
        self.analog_head = nn.Linear(trunk, 5)
        self.button_head = nn.Linear(trunk, 8)


def trained_like(model, seed, outlier_rate=0.001, bias_std=0.02, adamw_steps=2):
    """Per-row log-normal gains, outliers x6 (`outlier_rate` of the weights), zeroed row 0 of embedding tables; then
    `adamw_steps` AdamW steps, so the optimizer state is real. Returns the optimizer. make_eval_fixtures.py uses it too
    (more outliers, no steps): the random draws, in parameter order, are the fixtures' exact values."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                rows = p.shape[0]
                gain = torch.exp(0.5 * torch.randn(rows, generator=g)).view(rows, *([1] * (p.dim() - 1)))
                w = torch.randn(p.shape, generator=g) * gain / math.sqrt(max(1, p[0].numel()))
                mask = torch.rand(p.shape, generator=g) < outlier_rate
                w[mask] *= 6
                p.copy_(w)
            elif name.endswith("A_log"):
                p.copy_(torch.log(torch.arange(1, p.numel() + 1, dtype=torch.float32)))
            else:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g) if name.endswith("norm.weight") or
                        name.endswith(".D") else bias_std * torch.randn(p.shape, generator=g))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    for _ in range(adamw_steps):
        opt.zero_grad()
        loss = sum((p.float() ** 2).sum() * 1e-3 + p.float().sum() * 1e-4 for p in model.parameters())
        loss.backward()
        opt.step()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("_embed.weight"):
                p[0].zero_()
    return opt


def trainer_dict(model, opt, epoch, val_loss, **rest):
    d = {"epoch": epoch, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(),
         "val_loss": val_loss}
    d.update(rest)
    return d


# ---------------------------------------------------------------------------------------------------------------
# Containers.
def save_zip(obj, path, protocol=2, archive_folder=None):
    """torch.save's zip format. With archive_folder, the records go under that folder (torch uses 'archive' when
    saving to a file object), instead of the file's stem."""
    if archive_folder is None:
        torch.save(obj, path, pickle_protocol=protocol)
        return
    buf = io.BytesIO()
    torch.save(obj, buf, pickle_protocol=protocol)
    rewrite_zip(buf.getvalue(), path, lambda n, b: (archive_folder + n[n.index("/"):], b))


def rewrite_zip(data, path, fn, extra=()):
    """Copies a torch zip record by record through fn(name, bytes) -> (name, bytes); stored, 64-byte aligned."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        records = [fn(i.filename, zin.read(i.filename)) for i in zin.infolist()] + list(extra)
        for name, b in records:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            header = 30 + len(name.encode())
            pad = (-(out.tell() + header + 4)) % 64
            info.extra = struct.pack("<HH", 0x1234, pad) + b"\0" * pad  # alignment padding, as torch does
            zout.writestr(info, b)
    Path(path).write_bytes(out.getvalue())


def save_legacy(obj, path, protocol=2):
    torch.save(obj, path, _use_new_zipfile_serialization=False, pickle_protocol=protocol)


def save_safetensors(sd, path, metadata):
    header, body = {"__metadata__": metadata}, bytearray()
    for name, t in sd.items():
        b = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [len(body), len(body) + len(b)]}
        body += b
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(h)) + h + bytes(body))


def save_big_endian(obj, path):
    """A zip checkpoint whose storages are big-endian, marked by a '<dir>/byteorder' record of 'big' (what torch
    writes on big-endian machines). obj must hold float32 tensors only."""
    buf = io.BytesIO()
    torch.save(obj, buf)

    def swap(name, b):
        if "/data/" in name:
            b = np.frombuffer(b, dtype="<f4").astype(">f4").tobytes()
        return name, b
    rewrite_zip(buf.getvalue(), path, swap, extra=[("archive/byteorder", b"big")])


# ---------------------------------------------------------------------------------------------------------------
# Expected outputs: numpy_peer for the bytes and entries, SPEC 2-5 for the rest.
def load_peer():
    spec = importlib.util.spec_from_file_location("numpy_peer", PEER)
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)
    return peer


def state_dict_of(ckpt):
    if isinstance(ckpt, dict) and "model_state_dict" in ckpt:
        return ckpt["model_state_dict"]
    if isinstance(ckpt, dict) and "state_dict" in ckpt:
        return ckpt["state_dict"]
    return ckpt  # a bare dict of tensors


def architecture(sd):
    keys = list(sd)
    if any("layers.0.mamba" in k for k in keys):
        d_model = sd["frame_proj.weight"].shape[0]
        d_inner = 2 * d_model
        nheads = sd["layers.0.mamba.A_log"].shape[0]
        return "mamba2", {"model_type": "mamba2", "d_model": d_model, "d_inner": d_inner,
                          "d_state": (sd["layers.0.mamba.conv1d.weight"].shape[0] - d_inner) // 2,
                          "n_layers": len({k.split(".")[1] for k in keys if k.startswith("layers.")}),
                          "nheads": nheads, "headdim": d_inner // nheads}
    if any(k.startswith("trunk.") for k in keys):
        mt = "policy" if any("analog_head" in k for k in keys) else "mlp"
        return mt, {"model_type": mt, "hidden_dim": sd["trunk.0.weight"].shape[0],
                    "trunk_dim": sd["trunk.3.weight"].shape[0]}
    raise ValueError("unknown family")


def group_of(k):
    if k.startswith("layers."):
        return "layer_weights"
    if k.endswith("_embed.weight"):
        return "embeddings"
    if k.endswith("_head.weight") or k.endswith("_head.bias"):
        return "heads"
    return "projections"


def shard_map(total, target=4 * 1024 * 1024):
    if total == 0:
        return {"num_shards": 0, "shards": []}
    n = max(1, -(-total // target))
    bounds = [((i + 1) * total // n + 4095) & ~4095 for i in range(n - 1)] + [total]
    shards, start = [], 0
    for i, end in enumerate(bounds):
        shards.append({"index": i, "offset": start, "size": end - start})
        start = end
    return {"num_shards": n, "shards": shards}


def config_of(ckpt):
    out = {}
    if not isinstance(ckpt, dict):
        return out
    ec = ckpt.get("encoding_config")
    if ec is not None and not isinstance(ec, torch.Tensor):
        out["encoding_config"] = dataclasses.asdict(ec) if dataclasses.is_dataclass(ec) else dict(ec)
        if "context_len" in ckpt:
            out["context_len"] = ckpt["context_len"]
    elif isinstance(ckpt.get("config"), dict):
        cfg = dict(ckpt["config"])
        if "context_len" in cfg:
            out["context_len"] = cfg.pop("context_len")
        out["encoding_config"] = cfg
    elif "context_len" in ckpt and not isinstance(ckpt["context_len"], torch.Tensor):
        out["context_len"] = ckpt["context_len"]
    return out


def expected_outputs(peer, ckpt_path, out_dir):
    ckpt = torch.load(ckpt_path, map_location="cpu")
    sd = collections.OrderedDict((k, v.detach().float() if v.is_floating_point() else v)
                                 for k, v in state_dict_of(ckpt).items())
    real_load = peer.torch.load
    peer.torch.load = lambda p, map_location=None: {"model_state_dict": sd}
    try:
        peer.main(ckpt_path, out_dir)
    finally:
        peer.torch.load = real_load
    flat = json.loads((Path(out_dir) / "manifest.json").read_text())
    model_type, arch = architecture(sd)
    weights = {g: {} for g in ("layer_weights", "embeddings", "projections", "heads")}
    for k in sorted(flat["weights"]):
        e = flat["weights"][k]
        if len(e["shape"]) == 3:
            e["original_shape_3d"] = e["shape"]
            e["reshaped_2d"] = [e["shape"][0], e["shape"][1] * e["shape"][2]]
        weights[group_of(k)][k] = e
    snrs = [e["snr_db"] for e in flat["weights"].values() if len(e["shape"]) >= 2]
    finite = [s for s in snrs if math.isfinite(s)]
    manifest = {"format": f"{model_type}_int8_v1", "architecture": arch,
                "total_weight_bytes": flat["total_weight_bytes"], "shard_map": shard_map(flat["total_weight_bytes"]),
                "weights": weights,
                "error_summary": {"num_2d_weights": len(snrs),
                                  "mean_snr_db": flat["error_summary"]["mean_snr_db"] if finite else 0,
                                  "min_snr_db": min(finite) if finite else 0,
                                  "max_snr_db": max(finite) if finite else 0}}
    manifest.update(config_of(ckpt))
    # numpy scalars (np.int64 context_len, np.float32 values) are written as the plain numbers they hold.
    (Path(out_dir) / "manifest.json").write_text(json.dumps(manifest, indent=2, default=lambda o: o.item()) + "\n")
    return manifest


# ---------------------------------------------------------------------------------------------------------------
def build_cases(extra):
    """Returns [(case, checkpoint file, golden folder)]; writes the checkpoints."""
    cases = []
    torch.manual_seed(1234)

    # 1. Mamba2, other sizes (d_model 40, d_state 8, headdim 20 -> 4 heads, 3 layers), dict config, protocol 2.
    enc = small_encoding()
    m = FrameStackMamba2(enc, d_model=40, d_state=8, headdim=20, n_layers=3)
    opt = trained_like(m, 11)
    ck = trainer_dict(m, opt, 7, 0.41, encoding_config=dataclasses.asdict(enc), context_len=6)
    save_zip(ck, extra / "mamba2-d40-l3.pt")
    cases.append(("mamba2-d40-l3", "mamba2-d40-l3.pt", "mamba2-d40-l3"))
    # ... the same tensors as safetensors with JSON-encoded metadata (conforms to the same golden).
    save_safetensors(m.state_dict(), extra / "mamba2-d40-l3.safetensors",
                     {"encoding_config": json.dumps(dataclasses.asdict(enc)), "context_len": "6"})
    cases.append(("mamba2-d40-l3-safetensors", "mamba2-d40-l3.safetensors", "mamba2-d40-l3"))

    # 2. Mamba2 d_model 32, d_state 16, headdim 8 (8 heads), 2 layers; pickle protocol 4; dataclass config.
    enc = small_encoding(lookahead=2)
    m = FrameStackMamba2(enc, d_model=32, d_state=16, headdim=8, n_layers=2)
    opt = trained_like(m, 12)
    save_zip(trainer_dict(m, opt, 3, 0.77, encoding_config=enc, context_len=10), extra / "mamba2-d32-p4-dataclass.pt",
             protocol=4)
    cases.append(("mamba2-d32-p4-dataclass", "mamba2-d32-p4-dataclass.pt", "mamba2-d32-p4-dataclass"))

    # 3. Policy, hidden 96 / trunk 48, legacy config; records under 'archive/' (torch.save to a file object).
    enc = small_encoding()
    m = PolicyMLP(enc, hidden=96, trunk=48, context=2)
    opt = trained_like(m, 13)
    save_zip(trainer_dict(m, opt, 5, 0.9, config={"context_len": 2, "model_type": "policy_mlp"}),
             extra / "policy-h96-archive.pt", archive_folder="archive")
    cases.append(("policy-h96-archive", "policy-h96-archive.pt", "policy-h96-archive"))

    # 4. MLP world model, hidden 80 / trunk 40, protocol 4, dataclass config.
    enc = small_encoding(press_events=True)
    m = FrameStackMLP(enc, hidden=80, trunk=40, context=2)
    opt = trained_like(m, 14)
    save_zip(trainer_dict(m, opt, 9, 0.33, encoding_config=enc, context_len=2), extra / "mlp-h80-p4-dataclass.pt",
             protocol=4)
    cases.append(("mlp-h80-p4-dataclass", "mlp-h80-p4-dataclass.pt", "mlp-h80-p4-dataclass"))

    # 5. torch.save(model.state_dict()): a bare OrderedDict of tensors (the reference rejects it).
    enc = small_encoding()
    m = PolicyMLP(enc, hidden=64, trunk=32, context=1)
    trained_like(m, 15)
    save_zip(m.state_dict(), extra / "policy-bare-state-dict.pt")
    cases.append(("policy-bare-state-dict", "policy-bare-state-dict.pt", "policy-bare-state-dict"))

    # 6. 'state_dict' as the key, dict config.
    m = FrameStackMLP(enc, hidden=48, trunk=24, context=1)
    trained_like(m, 16)
    save_zip({"state_dict": m.state_dict(), "epoch": 1, "encoding_config": dataclasses.asdict(enc), "context_len": 1},
             extra / "mlp-state-dict-key.pt")
    cases.append(("mlp-state-dict-key", "mlp-state-dict-key.pt", "mlp-state-dict-key"))

    # 7. Legacy (pre-1.6) format, policy hidden 56 / trunk 28, protocol 2.
    m = PolicyMLP(enc, hidden=56, trunk=28, context=1)
    opt = trained_like(m, 17)
    save_legacy(trainer_dict(m, opt, 2, 1.25, config={"context_len": 1, "model_type": "policy_mlp"}),
                extra / "policy-legacy.pt")
    cases.append(("policy-legacy", "policy-legacy.pt", "policy-legacy"))

    # 8. Legacy format written with pickle protocol 4, a one-layer Mamba2 (d_model 32, d_state 8, headdim 16).
    enc = small_encoding()
    m = FrameStackMamba2(enc, d_model=32, d_state=8, headdim=16, n_layers=1)
    opt = trained_like(m, 18)
    save_legacy(trainer_dict(m, opt, 4, 0.52, encoding_config=dataclasses.asdict(enc), context_len=8),
                extra / "mamba2-legacy-p4.pt", protocol=4)
    cases.append(("mamba2-legacy-p4", "mamba2-legacy-p4.pt", "mamba2-legacy-p4"))

    # 9. A plain dict of nn.Parameters (torch._utils._rebuild_parameter), MLP hidden 32 / trunk 16.
    m = FrameStackMLP(enc, hidden=32, trunk=16, context=1)
    trained_like(m, 19)
    save_zip(dict(m.named_parameters()), extra / "mlp-parameters.pt")
    cases.append(("mlp-parameters", "mlp-parameters.pt", "mlp-parameters"))

    # 10. Big-endian storages with a byteorder record (policy hidden 40 / trunk 20).
    m = PolicyMLP(enc, hidden=40, trunk=20, context=1)
    opt = trained_like(m, 20)
    ck = {"epoch": 1, "model_state_dict": m.state_dict(), "val_loss": 0.5,
          "config": {"context_len": 1, "model_type": "policy_mlp"}}
    save_big_endian(ck, extra / "policy-big-endian.pt")
    save_zip(ck, extra / "policy-big-endian.ref.pt.tmp")  # little-endian twin, for the expected outputs
    cases.append(("policy-big-endian", "policy-big-endian.pt", "policy-big-endian"))
    return cases


def build_large(out):
    """A seed-sized world model (d_model 384, 4 layers, full vocabularies): > 4 MiB of INT8, 2 shards. Too large to
    commit; written for manual side-by-side checks, with its expected outputs next to it."""
    out.mkdir(parents=True, exist_ok=True)
    enc = EncodingConfig()
    m = FrameStackMamba2(enc, d_model=384, d_state=64, headdim=64, n_layers=4)
    opt = trained_like(m, 99)
    save_zip(trainer_dict(m, opt, 30, 0.21, encoding_config=enc, context_len=10), out / "world-model-large.pt",
             protocol=4)
    expected_outputs(load_peer(), str(out / "world-model-large.pt"), str(out / "expected"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--large", type=Path, help="also write a 2-shard seed-sized model and its expected outputs here")
    args = ap.parse_args()
    extra, golden = HERE / "extra", HERE / "golden-extra"
    extra.mkdir(exist_ok=True)
    peer = load_peer()
    cases = build_cases(extra)
    index = []
    for case, ckpt, gold in cases:
        src = extra / ckpt
        if case == "policy-big-endian":
            src = extra / "policy-big-endian.ref.pt.tmp"
        if not ckpt.endswith(".safetensors"):
            expected_outputs(peer, str(src), str(golden / gold))
        index.append({"case": case, "checkpoint": f"extra/{ckpt}", "golden": f"golden-extra/{gold}"})
    (extra / "policy-big-endian.ref.pt.tmp").unlink()
    (golden / "cases.json").write_text(json.dumps({"cases": index}, indent=2) + "\n")
    total = sum(f.stat().st_size for d in (extra, golden) for f in d.rglob("*") if f.is_file())
    print(f"{len(index)} cases, {total / 1e6:.2f} MB in {extra.name}/ and {golden.name}/")
    if args.large:
        build_large(args.large)
        print(f"large model and expected outputs in {args.large}")


if __name__ == "__main__":
    main()
