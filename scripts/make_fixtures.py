#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for rnnlab's tests (developer tool, not run in CI).

Usage (from the project root):

    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 scripts/make_fixtures.py

Writes test/fixtures/lm_<case>.json, test/fixtures/adam.json and
test/fixtures/clip.json. All reference numbers are computed in float64.
See scripts/README.md for the format.
"""

import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures")
IGN = 0  # ignore_index for targets (token 0 plays [PAD])
N_IGNORED = 3  # target positions set to IGN
PERTURB = 0.05  # std of the noise added to PyTorch's default init

torch.set_default_dtype(torch.float64)


class CharLM(nn.Module):
    def __init__(s, V, E, H, L, cell, nonlinearity="tanh"):
        super().__init__()
        s.cell = cell
        if E > 0:
            s.embedding = nn.Embedding(V, E)
        s.V, s.E = V, E
        rnn_cls = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn_tanh": nn.RNN, "rnn_relu": nn.RNN}[cell]
        kw = dict(nonlinearity=nonlinearity) if rnn_cls is nn.RNN else {}
        s.rnn = rnn_cls(E if E > 0 else V, H, num_layers=L, batch_first=True, **kw)
        s.decoder = nn.Linear(H, V)

    def forward(s, x, h0, c0=None):
        if s.E > 0:
            inp = s.embedding(x)
        else:
            inp = F.one_hot(x, s.V).to(torch.float64)
        if s.cell == "lstm":
            out, (hT, cT) = s.rnn(inp, (h0, c0))
        else:
            out, hT = s.rnn(inp, h0)
            cT = None
        return s.decoder(out), hT, cT


def flat(t):
    """Row-major flattened list of plain Python floats (full double precision)."""
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def flat_int(t):
    return [int(v) for v in t.reshape(-1).tolist()]


CASES = [
    # name,          cell,       V,  E, H, L, B, T, seed
    ("lstm",         "lstm",     11, 5, 7, 2, 3, 6, 1001),
    ("gru",          "gru",      11, 5, 7, 2, 3, 6, 1002),
    ("rnn_tanh",     "rnn_tanh", 11, 5, 7, 2, 3, 6, 1003),
    ("rnn_relu",     "rnn_relu", 11, 5, 7, 2, 3, 6, 1004),
    ("lstm_onehot",  "lstm",     11, 0, 7, 2, 3, 6, 1005),
    ("gru_1layer",   "gru",      11, 4, 9, 1, 2, 5, 1006),
]


def make_lm_case(name, cell, V, E, H, L, B, T, seed):
    torch.manual_seed(seed)
    nonlin = "relu" if cell == "rnn_relu" else "tanh"
    model = CharLM(V, E, H, L, cell, nonlin).double()
    # Default init, then a small perturbation so that (zero-or-equal) biases are distinct.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(PERTURB * torch.randn_like(p))

    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B, T))
    # Make sure exactly N_IGNORED positions are IGN: first move any accidental IGN
    # to a non-ignored token, then set N_IGNORED distinct positions to IGN.
    y[y == IGN] = 1 + torch.randint(0, V - 1, (int((y == IGN).sum()),))
    pos = torch.randperm(B * T)[:N_IGNORED]
    y.view(-1)[pos] = IGN
    assert int((y == IGN).sum()) == N_IGNORED

    h0 = (0.5 * torch.randn(L, B, H)).requires_grad_(True)
    c0 = (0.5 * torch.randn(L, B, H)).requires_grad_(True) if cell == "lstm" else None

    logits, hT, cT = model(x, h0, c0)
    loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1), ignore_index=IGN, reduction="mean")
    model.zero_grad()
    loss.backward()

    sd = model.state_dict()
    named = dict(model.named_parameters())
    assert list(sd.keys()) == list(named.keys()), (list(sd.keys()), list(named.keys()))
    params = {k: {"shape": list(v.shape), "data": flat(v)} for k, v in sd.items()}
    grads = {k: flat(named[k].grad) for k in sd.keys()}
    grads["h0"] = flat(h0.grad)
    if c0 is not None:
        grads["c0"] = flat(c0.grad)

    return {
        "name": name,
        "cell": cell,
        "V": V, "E": E, "H": H, "L": L, "B": B, "T": T,
        "ignore_index": IGN,
        "x": flat_int(x),
        "y": flat_int(y),
        "h0": flat(h0),
        "c0": flat(c0) if c0 is not None else None,
        "params": params,
        "loss": float(loss.item()),
        "logits": flat(logits),
        "hT": flat(hT),
        "cT": flat(cT) if cT is not None else None,
        "grads": grads,
    }


def make_adam():
    torch.manual_seed(2001)
    n, steps = 10, 3
    lr, betas, eps, wd = 0.01, (0.9, 0.999), 1e-8, 0.01
    p = torch.nn.Parameter(torch.randn(n))
    init = flat(p)
    opt = torch.optim.Adam([p], lr=lr, betas=betas, eps=eps, weight_decay=wd)
    grads, params = [], []
    for _ in range(steps):
        g = torch.randn(n)
        opt.zero_grad()
        p.grad = g.clone()
        opt.step()
        grads.append(flat(g))
        params.append(flat(p))
    return {
        "name": "adam",
        "lr": lr, "beta1": betas[0], "beta2": betas[1], "eps": eps, "weight_decay": wd,
        "amsgrad": False,
        "param": init,
        "grads": grads,    # grads[k] = gradient fed to step k+1
        "params": params,  # params[k] = parameter after step k+1
    }


def make_clip():
    torch.manual_seed(3001)
    max_norm = 1.0
    shapes = [[2, 3], [4], [3, 2, 2]]
    ps = [torch.nn.Parameter(torch.zeros(s)) for s in shapes]
    for p in ps:
        p.grad = torch.randn(p.shape)
    before = [flat(p.grad) for p in ps]
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm=max_norm, norm_type=2.0)
    return {
        "name": "clip",
        "max_norm": max_norm,
        "norm_type": 2.0,
        "shapes": shapes,
        "grads": before,                          # grads before clipping
        "total_norm": float(total.item()),        # returned (pre-clip) total norm
        "clipped": [flat(p.grad) for p in ps],    # grads after clipping
    }


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, allow_nan=False)  # json.dump uses repr(): shortest exact round-trip
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


def main():
    os.makedirs(OUT, exist_ok=True)
    print(f"torch {torch.__version__}, python {sys.version.split()[0]}")
    for case in CASES:
        write(f"lm_{case[0]}.json", make_lm_case(*case))
    write("adam.json", make_adam())
    write("clip.json", make_clip())


if __name__ == "__main__":
    main()
