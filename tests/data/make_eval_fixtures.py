#!/usr/bin/python3
"""Fixtures of the evaluation tests (tests/torch/): run with Debian's /usr/bin/python3 (python3-torch 1.13).

eval/policy-eval.pt          a trainer-style checkpoint of a small policy-like MLP (trunk.0 / trunk.3 / analog_head /
                             button_head, a 0-D `temperature` buffer the quantizer skips), legacy `config` dict.
eval/policy-eval-scripted.pt the same module traced (torch.jit.trace) with a dict output {"logits", "analog"}; it
                             records `input_shapes` (List[List[int]]) so `--random N` knows what to feed it.
eval/policy-eval-inputs.pt   a list of 4 input tuples, each (x,) with x of shape (8, 48).

Weights are "trained-like" (make_fixtures.trained_like: per-row log-normal gains, ~1% outliers x6, no AdamW steps) so
that INT8 error is visible and differs between tensors. Deterministic (fixed seeds); the files are a few tens of KB.
usage: make_eval_fixtures.py [OUT_DIR]   (default: the folder of this script)
"""
import sys
from pathlib import Path

import torch
from torch import nn

from make_fixtures import trained_like  # this script's folder is on sys.path

IN_DIM, HIDDEN, TRUNK = 48, 64, 32


class PolicyEval(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(IN_DIM, HIDDEN), nn.GELU(), nn.Dropout(0.1), nn.Linear(HIDDEN, TRUNK),
                                   nn.GELU())
        self.analog_head = nn.Linear(TRUNK, 5)
        self.button_head = nn.Linear(TRUNK, 8)
        self.register_buffer("temperature", torch.tensor(1.5))

    def forward(self, x):
        h = self.trunk(x)
        return {"logits": self.button_head(h) / self.temperature, "analog": torch.tanh(self.analog_head(h))}


def build(out):
    torch.manual_seed(13)
    m = PolicyEval()
    opt = trained_like(m, 13, outlier_rate=0.01, bias_std=0.05, adamw_steps=0)
    m.eval()
    ckpt = {"epoch": 3, "model_state_dict": m.state_dict(), "optimizer_state_dict": opt.state_dict(),
            "val_loss": 0.5, "config": {"context_len": 2, "model_type": "policy_mlp"}}
    torch.save(ckpt, out / "policy-eval.pt")

    g = torch.Generator().manual_seed(7)
    inputs = [(torch.randn(8, IN_DIM, generator=g),) for _ in range(4)]
    torch.save(inputs, out / "policy-eval-inputs.pt")

    traced = torch.jit.trace(m, inputs[0], strict=False)
    # Tracing keeps no input shapes; record them for `quantlens-eval --random N`.
    traced._c._register_attribute("input_shapes", torch._C.ListType(torch._C.ListType(torch._C.IntType.get())),
                                  [[8, IN_DIM]])
    traced.save(str(out / "policy-eval-scripted.pt"))


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "eval"
    out.mkdir(parents=True, exist_ok=True)
    build(out)


if __name__ == "__main__":
    main()
