#!/usr/bin/python3
"""Benchmark checkpoints for tests/bench/run_benchmarks.sh (run with Debian's /usr/bin/python3 + python3-torch).

world-model.pt  The seed's world model shape: FrameStackMamba2 with d_model 384 (d_inner 768, d_state 64, headdim 64,
                12 heads, 4 layers), the key structure of fixtures/checkpoints/mamba2-small.pt scaled up (plus a
                state_age embedding, as with encoding_config.state_age_as_embed), sized so that the INT8 buffer is
                exactly 4,347,748 bytes in 2 shards of 2,174,976 + 2,172,772 with 39 matrix weights (SPEC §5), saved
                the way the trainer saves it: epoch, model_state_dict, AdamW optimizer_state_dict, val_loss,
                encoding_config, context_len (~52 MB).
big-1gib.pt     16 float32 4096x4096 matrices (268,435,456 parameters, 1 GiB of FP32) as an MLP trunk, no optimizer.
mid-128mib.pt   8 float32 2048x2048 matrices (33,554,432 parameters, 128 MiB of FP32), the same trunk shape: the
                GUI-stall benchmark's (issue 10) smaller case.

Weights are "trained-like" like the fixtures: per-row log-normal gains, ~0.1% outliers x6, zeroed row 0 in
embedding tables. Deterministic (fixed seed).
usage: make_checkpoints.py OUT_DIR [--only world|big|mid]
"""
import argparse
from collections import OrderedDict
from pathlib import Path

import torch

D_MODEL, D_INNER, D_STATE, HEADDIM, N_LAYERS = 384, 768, 64, 64, 4
NHEADS = D_INNER // HEADDIM
FRAME_DIM, CTRL_DIM = 368, 26
EMBEDS = [("action", 400, 32), ("jumps", 8, 4), ("character", 33, 8), ("stage", 33, 4), ("l_cancel", 3, 2),
          ("hurtbox", 3, 2), ("ground", 32, 4), ("last_attack", 64, 8), ("state_age", 257, 2)]
HEADS = [("continuous", 8), ("binary", 6), ("velocity", 10), ("dynamics", 6)]
PLAYER_HEADS = [("action", 400), ("jumps", 8), ("l_cancel", 3), ("hurtbox", 3), ("ground", 32), ("last_attack", 64)]


def trained_like(gen, *shape, embed=False):
    fan_in = 1
    for d in shape[1:]:
        fan_in *= d
    w = torch.randn(*shape, generator=gen) / max(fan_in, 1) ** 0.5
    if len(shape) >= 2:
        gains = torch.exp(0.5 * torch.randn(shape[0], generator=gen))
        w *= gains.view(-1, *([1] * (len(shape) - 1)))
    flat = w.view(-1)
    k = max(1, flat.numel() // 1000)
    idx = torch.randint(0, flat.numel(), (k,), generator=gen)
    flat[idx] *= 6.0
    if embed:
        w[0].zero_()
    return w


def world_state_dict(gen):
    sd = OrderedDict()
    for name, vocab, dim in EMBEDS:
        sd[f"{name}_embed.weight"] = trained_like(gen, vocab, dim, embed=True)
    sd["frame_proj.weight"] = trained_like(gen, D_MODEL, FRAME_DIM)
    sd["frame_proj.bias"] = 0.01 * torch.randn(D_MODEL, generator=gen)
    in_proj = 2 * D_INNER + 2 * D_STATE + NHEADS
    conv = D_INNER + 2 * D_STATE
    for i in range(N_LAYERS):
        p = f"layers.{i}."
        sd[p + "mamba.dt_bias"] = torch.rand(NHEADS, generator=gen) - 4.0
        sd[p + "mamba.A_log"] = torch.log(torch.arange(1, NHEADS + 1, dtype=torch.float32))
        sd[p + "mamba.D"] = torch.ones(NHEADS) + 0.01 * torch.randn(NHEADS, generator=gen)
        sd[p + "mamba.in_proj.weight"] = trained_like(gen, in_proj, D_MODEL)
        sd[p + "mamba.conv1d.weight"] = trained_like(gen, conv, 1, 4)
        sd[p + "mamba.conv1d.bias"] = 0.01 * torch.randn(conv, generator=gen)
        sd[p + "mamba.norm.weight"] = 1.0 + 0.05 * torch.randn(D_INNER, generator=gen)
        sd[p + "mamba.out_proj.weight"] = trained_like(gen, D_MODEL, D_INNER)
        sd[p + "norm.weight"] = 1.0 + 0.05 * torch.randn(D_MODEL, generator=gen)
    sd["final_norm.weight"] = 1.0 + 0.05 * torch.randn(D_MODEL, generator=gen)
    sd["ctrl_proj.weight"] = trained_like(gen, D_MODEL, CTRL_DIM)
    sd["ctrl_proj.bias"] = 0.01 * torch.randn(D_MODEL, generator=gen)
    heads = HEADS + [(f"p{p}_{n}", v) for p in (0, 1) for n, v in PLAYER_HEADS]
    for name, out in heads:
        sd[f"{name}_head.weight"] = trained_like(gen, out, D_MODEL)
        sd[f"{name}_head.bias"] = 0.01 * torch.randn(out, generator=gen)
    # nn.Module.state_dict() carries per-module version metadata; keep that shape of pickle.
    sd._metadata = OrderedDict((k.rsplit(".", 1)[0], {"version": 1}) for k in sd)
    return sd


def adamw_state(sd, gen):
    state = {}
    for i, v in enumerate(sd.values()):
        state[i] = {"step": torch.tensor(1200.0),
                    "exp_avg": 1e-4 * torch.randn(v.shape, generator=gen),
                    "exp_avg_sq": 1e-8 * torch.rand(v.shape, generator=gen)}
    groups = [{"lr": 0.0003, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0.01, "amsgrad": False,
               "foreach": None, "maximize": False, "capturable": False, "params": list(range(len(sd)))}]
    return {"state": state, "param_groups": groups}


def make_world(out):
    gen = torch.Generator().manual_seed(384)
    sd = world_state_dict(gen)
    int8 = sum(v.numel() for v in sd.values() if v.dim() in (1, 2, 3))
    mats = sum(1 for v in sd.values() if v.dim() >= 2)
    assert int8 == 4347748 and mats == 39, (int8, mats)
    enc = torch.load("/work/shared/fixtures/checkpoints/mamba2-small.pt", map_location="cpu")["encoding_config"] \
        if Path("/work/shared/fixtures/checkpoints/mamba2-small.pt").exists() else {}
    enc = dict(enc, state_age_as_embed=True, state_age_embed_vocab=257, state_age_embed_dim=2)
    torch.save({"epoch": 40, "model_state_dict": sd, "optimizer_state_dict": adamw_state(sd, gen),
                "val_loss": 0.31, "encoding_config": enc, "context_len": 10}, out)


def make_trunk(out, layers, dim, seed):
    gen = torch.Generator().manual_seed(seed)
    sd = OrderedDict()
    for i in range(layers):
        sd[f"trunk.{i}.weight"] = trained_like(gen, dim, dim)
    sd._metadata = OrderedDict((f"trunk.{i}", {"version": 1}) for i in range(layers))
    torch.save({"epoch": 1, "model_state_dict": sd, "val_loss": 1.0, "config": {"context_len": 4}}, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--only", choices=["world", "big", "mid"])
    a = ap.parse_args()
    out = Path(a.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if a.only in (None, "world"):
        make_world(out / "world-model.pt")
    if a.only in (None, "big"):
        make_trunk(out / "big-1gib.pt", 16, 4096, 4096)
    if a.only in (None, "mid"):
        make_trunk(out / "mid-128mib.pt", 8, 2048, 2048)
    for f in sorted(out.glob("*.pt")):
        print(f"{f} {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
