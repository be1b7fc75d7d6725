#!/usr/bin/python3
"""The evaluation benchmark's model (docs/benchmarks.md, "Evaluation"): a policy of the seed's size, 1.57 M parameters.

PolicyMLP as the seed trains it: the seed encoding's 8 embedding tables (action 400x32, jumps 8x4, character 33x8,
stage 33x4, l_cancel 3x2, hurtbox 3x2, ground 32x4, last_attack 64x8), a frame of 30 continuous values + both players'
embeddings (158 wide), 8 frames of context, trunk 1264 -> 1024 -> 256 (GELU), analog_head (5) and button_head (8):
1,574,981 parameters in 20 tensors (12 matrices). Written: policy-seed.pt (trainer-style checkpoint),
policy-seed-scripted.pt (traced, dict output {"logits", "analog"}), policy-seed-inputs.pt (16 input tuples, each
(continuous float (1, 8, 30), categories int64 (1, 8, 16))). Weights trained-like; deterministic.
usage: make_eval_policy.py OUT_DIR
"""
import math
import sys
from pathlib import Path

import torch
from torch import nn

EMBEDS = [("action", 400, 32), ("jumps", 8, 4), ("character", 33, 8), ("stage", 33, 4), ("l_cancel", 3, 2),
          ("hurtbox", 3, 2), ("ground", 32, 4), ("last_attack", 64, 8)]
CONTEXT, CONT = 8, 30
FRAME = CONT + 2 * sum(d for _, _, d in EMBEDS)


class PolicyMLP(nn.Module):
    def __init__(self, hidden=1024, trunk=256):
        super().__init__()
        for name, vocab, dim in EMBEDS:
            setattr(self, f"{name}_embed", nn.Embedding(vocab, dim))
        self.trunk = nn.Sequential(nn.Linear(CONTEXT * FRAME, hidden), nn.GELU(), nn.Dropout(0.1),
                                   nn.Linear(hidden, trunk), nn.GELU())
        self.analog_head = nn.Linear(trunk, 5)
        self.button_head = nn.Linear(trunk, 8)

    def forward(self, cont, cats):
        parts = [cont]
        for p in range(2):
            for i, (name, _, _) in enumerate(EMBEDS):
                parts.append(getattr(self, f"{name}_embed")(cats[:, :, 8 * p + i]))
        h = self.trunk(torch.cat(parts, -1).flatten(1))
        return {"logits": self.button_head(h), "analog": torch.tanh(self.analog_head(h))}


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(157)
    m = PolicyMLP().eval()
    g = torch.Generator().manual_seed(157)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if p.dim() >= 2:
                gain = torch.exp(0.5 * torch.randn(p.shape[0], generator=g)).view(-1, 1)
                w = torch.randn(p.shape, generator=g) * gain / math.sqrt(p.shape[1])
                w[torch.rand(p.shape, generator=g) < 0.001] *= 6
                if name.endswith("_embed.weight"):
                    w[0].zero_()
                p.copy_(w)
            else:
                p.copy_(0.02 * torch.randn(p.shape, generator=g))
    n = sum(p.numel() for p in m.parameters())
    assert n == 1574981, n
    torch.save({"epoch": 40, "model_state_dict": m.state_dict(), "val_loss": 0.8,
                "config": {"context_len": CONTEXT, "model_type": "policy_mlp"}}, out / "policy-seed.pt")
    vocab = torch.tensor([v for _, v, _ in EMBEDS] * 2)
    inputs = [(torch.randn(1, CONTEXT, CONT, generator=g),
               (torch.rand(1, CONTEXT, 16, generator=g) * vocab).long()) for _ in range(16)]
    torch.save(inputs, out / "policy-seed-inputs.pt")
    torch.jit.trace(m, inputs[0], strict=False).save(str(out / "policy-seed-scripted.pt"))
    print(f"{out}: {n} parameters")


if __name__ == "__main__":
    main()
