#!/usr/bin/env python3
"""Prints the CPython-written reference pickles embedded (as hex) in tests/core/tst_unpickler.cpp.

    python3 tests/data/make_pickles.py > /tmp/pickles.inc

Standard library only; pickle output is deterministic for a given CPython version (these came from 3.11)."""
import collections
import dataclasses
import os
import pickle
import sys
import types

# models.encoding.EncodingConfig, as the trainers' dataclass is recorded by pickle.
models, encoding = types.ModuleType("models"), types.ModuleType("models.encoding")
sys.modules["models"], sys.modules["models.encoding"] = models, encoding


@dataclasses.dataclass
class EncodingConfig:
    xy_scale: float = 0.05
    action_vocab: int = 400
    flag: bool = False


class WithArgsEx:
    """Pickled with NEWOBJ_EX at protocol 4."""

    def __init__(self, a, k=0):
        self.a, self.k = a, k

    def __getnewargs_ex__(self):
        return (self.a,), {"k": self.k}


for cls in (EncodingConfig, WithArgsEx):
    cls.__module__ = "models.encoding"
    setattr(encoding, cls.__name__, cls)


class EvilSystem:
    def __reduce__(self):
        return os.system, ("touch quantlens-pwned",)


class EvilEval:
    def __reduce__(self):
        return eval, ("1+1",)


VALUES = [None, True, False, 1, -5, 300, 70000, -70000, 2**40, -2**63, 1.5, "abc", "é", (), (1,), (1, 2), (1, 2, 3),
          (1, 2, 3, 4), [], {"a": 1, "b": [2]}, b"xy"]
shared = ["x"]
od = collections.OrderedDict([("w", 1), ("b", 2)])
PICKLES = [(f"proto{p}", VALUES, p) for p in range(6)] + [
    ("memo2", [shared, shared, shared], 2),
    *[(f"dataclass{p}", {"cfg": EncodingConfig()}, p) for p in (0, 2, 4)],
    ("newobjex", WithArgsEx(7, k=9), 4),
    *[(f"sets{p}", [{1, 2}, frozenset([3])], p) for p in (0, 1, 2, 4)],
    ("bytearray5", bytearray(b"abc"), 5),
    ("odict2", od, 2), ("odict0", od, 0),
    *[(f"evil_os{p}", EvilSystem(), p) for p in (0, 2, 4)],
    *[(f"evil_eval{p}", EvilEval(), p) for p in (2, 4)],
]

for name, value, protocol in PICKLES:
    h = pickle.dumps(value, protocol=protocol).hex()
    lines = [h[i:i + 112] for i in range(0, len(h), 112)]
    print(f"const char *const k_{name} =")
    print("\n".join(f'    "{line}"' for line in lines) + ";")
