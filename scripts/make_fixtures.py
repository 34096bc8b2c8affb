#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for rnnlab's tests (developer tool, not run in CI).

Usage (from the project root):

    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 scripts/make_fixtures.py [all|lm|cls]

Writes test/fixtures/lm_<case>.json, test/fixtures/adam.json and test/fixtures/clip.json
(`lm`), test/fixtures/cls_<case>.json (`cls`: the text classifiers, whose models are defined
in scripts/agnews_torch.py), or all of them (the default). All reference numbers are
computed in float64. See scripts/README.md for the format.

Each language-model and classifier fixture also holds a "bf16" entry: the same forward and
backward with rnnlab's bf16 mixed precision emulated in float64 (bf16_reference below): both
operands of every matrix product (the input projections, each step's h_{t-1}·W_hhᵀ, the
convolutions, the linear layers, and every product of the backward pass) rounded to bfloat16
(through float32, to nearest even), everything else — sums, biases, gates, cell state,
softmax, batch norm — in float64.
"""

import copy
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from agnews_torch import conv_length, make_classifier, masked_batch_norm, time_mask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures")
IGN = 0  # ignore_index for targets (token 0 plays [PAD])
N_IGNORED = 3  # target positions set to IGN
PERTURB = 0.05  # std of the noise added to PyTorch's default init

torch.set_default_dtype(torch.float64)


# ---------------------------------------------------------------------------------------------
# bf16 reference: rnnlab's --precision bf16 in float64
# ---------------------------------------------------------------------------------------------

def bf16_round(t):
    """t rounded to bfloat16 as rnnlab does it (src/backend/bf16.ts): made float32, then the low
    16 bits dropped with round to nearest, ties to even; NaN kept NaN. Returned in float64."""
    u = t.detach().float().view(torch.int32).to(torch.int64) & 0xFFFFFFFF
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    r = torch.where(nan, (u | 0x00400000) & 0xFFFF0000, (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000)
    r = torch.where(r >= 2 ** 31, r - 2 ** 32, r).to(torch.int32)
    out = r.view(torch.float32).double()
    # torch's own float32 -> bfloat16 conversion rounds the same way
    assert torch.equal(out[~nan.view(out.shape)], t.detach().float().bfloat16().double()[~nan.view(out.shape)])
    return out


class Bf16Product(torch.autograd.Function):
    """fn(a, b) for a bilinear fn (matmul, conv1d) on bf16-rounded operands; its backward rounds
    the incoming gradient and forms both products from the rounded operands, as every GEMM of
    rnnlab's backward pass does in bf16 mode."""

    @staticmethod
    def forward(ctx, a, b, fn):
        ra, rb = bf16_round(a), bf16_round(b)
        ctx.save_for_backward(ra, rb)
        ctx.fn = fn
        return fn(ra, rb)

    @staticmethod
    def backward(ctx, g):
        ra, rb = ctx.saved_tensors
        with torch.enable_grad():
            a, b = ra.detach().requires_grad_(True), rb.detach().requires_grad_(True)
            ga, gb = torch.autograd.grad(ctx.fn(a, b), (a, b), bf16_round(g))
        return ga, gb, None


def mmb(a, b):
    """a @ b in bf16 mode."""
    return Bf16Product.apply(a, b, torch.matmul)


def cell_step(cell, xw_t, h, c, whh, bhh):
    """One step of rnnlab's recurrent kernels (PyTorch's cells): xw_t = x_t·W_ihᵀ + b_ih."""
    hw = mmb(h, whh.t()) + bhh
    if cell == "lstm":
        i, f, g, o = (xw_t + hw).chunk(4, -1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
    if cell == "gru":
        xr, xz, xn = xw_t.chunk(3, -1)
        hr, hz, hn = hw.chunk(3, -1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        return (1 - z) * n + z * h, None
    pre = xw_t + hw
    return (torch.relu(pre) if cell == "rnn_relu" else torch.tanh(pre)), None


def run_layer(cell, xw, h, c, whh, bhh, reverse=False):
    """xw [B, T, G] -> outputs [B, T, H], h_T, c_T (reverse: from t = T-1 down to 0)."""
    T = xw.shape[1]
    outs = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        h, c = cell_step(cell, xw[:, t], h, c, whh, bhh)
        outs[t] = h
    return torch.stack(outs, 1), h, c


def lm_bf16(model, cell, x, h0, c0):
    """CharLM's forward in bf16 mode: logits, h_T, c_T (h0/c0 [L, B, H])."""
    rnn = model.rnn
    if model.E > 0:
        inp = model.embedding(x)  # a gather: not a product, nothing rounded
        onehot = False
    else:
        inp = F.one_hot(x, model.V).to(torch.float64)
        onehot = True  # rnnlab gathers columns of W_ih (onehotForward): exact, nothing rounded
    hT, cT = [], []
    for l in range(rnn.num_layers):
        wih, whh = getattr(rnn, f"weight_ih_l{l}"), getattr(rnn, f"weight_hh_l{l}")
        bih, bhh = getattr(rnn, f"bias_ih_l{l}"), getattr(rnn, f"bias_hh_l{l}")
        xw = (inp @ wih.t() if (onehot and l == 0) else mmb(inp, wih.t())) + bih
        inp, h, c = run_layer(cell, xw, h0[l], c0[l] if c0 is not None else None, whh, bhh)
        hT.append(h)
        cT.append(c)
    logits = mmb(inp, model.decoder.weight.t()) + model.decoder.bias
    return logits, torch.stack(hT), (torch.stack(cT) if c0 is not None else None)


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

    # The same model and inputs in bf16 mode (the model's weights as they were, the gradients anew).
    h0b, c0b = h0.detach().clone().requires_grad_(True), (c0.detach().clone().requires_grad_(True) if c0 is not None else None)
    model.zero_grad()
    with torch.no_grad():
        full_logits, _, _ = model(x, h0b, c0b)
    logits_b, hT_b, cT_b = lm_bf16(model, cell, x, h0b, c0b)
    loss_b = F.cross_entropy(logits_b.reshape(-1, V), y.reshape(-1), ignore_index=IGN, reduction="mean")
    loss_b.backward()
    # bf16 moves the numbers by about 2^-9 per operand, never more than a few percent here
    assert torch.allclose(logits_b, full_logits, rtol=0, atol=0.05 * float(full_logits.abs().max())), name
    bf16 = {
        "loss": float(loss_b.item()),
        "logits": flat(logits_b),
        "hT": flat(hT_b),
        "cT": flat(cT_b) if cT_b is not None else None,
        "grads": {**{k: flat(named[k].grad) for k in sd.keys()}, "h0": flat(h0b.grad), **({"c0": flat(c0b.grad)} if c0 is not None else {})},
    }

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
        "bf16": bf16,
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


# Text classifiers (models: scripts/agnews_torch.py). Sizes: V vocabulary, E embedding, H hidden
# units (CNN: filters F), C classes, L layers (CNN: conv blocks), B rows, T padded length.
CLS_CASES = [
    # name,         kind,   V,  E, H, C, L, B,  T, bidirectional, pool,   lengths,              seed
    ("cnn",         "cnn",  13, 5, 6, 4, 3, 3, 16, False,         "max",  [16, 16, 16],         4001),
    ("cnn_ragged",  "cnn",  13, 5, 6, 4, 3, 5, 16, False,         "max",  [16, 9, 1, 12, 3],    4002),
    ("bigru_last",  "gru",  11, 4, 5, 3, 1, 4, 7,  True,          "last", [7, 3, 5, 1],         4003),
    ("bigru_mean",  "gru",  11, 4, 5, 3, 2, 4, 7,  True,          "mean", [7, 3, 5, 1],         4004),
    ("lstm_max",    "lstm", 11, 4, 5, 3, 1, 4, 7,  False,         "max",  [4, 6, 2, 5],         4005),
    ("rnn_last",    "rnn",  11, 4, 5, 3, 1, 4, 7,  False,         "last", [5, 1, 7, 3],         4006),
]


def check_cls_semantics(model, kind, x, lengths, bidirectional, pool):
    """Self-checks of the contract (on copies: the model's state is not changed)."""
    m = copy.deepcopy(model).eval()
    with torch.no_grad():
        pooled = m.pooled(x, lengths)
        # Each row alone, unpadded, gives the same features: padding never leaks in.
        for b in range(x.shape[0]):
            row = m.pooled(x[b:b + 1, :int(lengths[b])], lengths[b:b + 1])
            assert torch.allclose(row[0], pooled[b], atol=1e-12, rtol=0), (kind, b)
        if kind != "cnn" and pool == "last":
            # pool last = forward output at lengths-1 (+ reverse output at 0) of the padded outputs.
            packed = nn.utils.rnn.pack_padded_sequence(m.embedding(x), lengths, batch_first=True, enforce_sorted=False)
            out, _ = nn.utils.rnn.pad_packed_sequence(m.rnn(packed)[0], batch_first=True, total_length=x.shape[1])
            H = m.rnn.hidden_size
            last = torch.stack([out[b, int(lengths[b]) - 1, :H] for b in range(x.shape[0])])
            if bidirectional:
                last = torch.cat([last, out[:, 0, H:]], 1)
            assert torch.allclose(last, pooled, atol=1e-12, rtol=0)
    if kind == "cnn":
        # Training mode, independently: every row unpadded through each conv on its own, the
        # real positions of all rows concatenated for a stock F.batch_norm, then split again.
        # Same logits, running statistics and gradients as the masked batched forward.
        a, b = copy.deepcopy(model).train(), copy.deepcopy(model).train()
        la = F.cross_entropy(a(x, lengths), torch.zeros_like(lengths))
        la.backward()
        rows = [b.embedding(x[i:i + 1, :int(lengths[i])]).transpose(1, 2) for i in range(x.shape[0])]
        for i in range(0, len(b.features), 3):
            conv, bn = b.features[i], b.features[i + 1]
            rows = [conv(r) for r in rows]
            cat = bn(torch.cat(rows, 2))  # stock BatchNorm1d over all real positions
            rows = list(torch.relu(cat).split([r.shape[2] for r in rows], 2))
        lb = F.cross_entropy(b.fc(torch.cat([r.amax(2) for r in rows])), torch.zeros_like(lengths))
        lb.backward()
        assert torch.allclose(la, lb, atol=1e-12, rtol=0)
        for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
            assert torch.allclose(va.double(), vb.double(), atol=1e-12, rtol=0), k
        for (k, pa), pb in zip(a.named_parameters(), b.parameters()):
            assert torch.allclose(pa.grad, pb.grad, atol=1e-12, rtol=0), k
        # The masked BatchNorm path equals the stock one when every row is full: compare the
        # stock model on full rows with the masked path forced.
        a, b = copy.deepcopy(model).train(), copy.deepcopy(model).train()
        full = torch.full_like(lengths, x.shape[1])
        ya = a(x, full)
        h = b.embedding(x).transpose(1, 2)
        L = full
        for i in range(0, len(b.features), 3):
            h = b.features[i](h * time_mask(L, h.shape[2], h.dtype))
            L = conv_length(L)
            h = b.features[i + 2](masked_batch_norm(b.features[i + 1], h, time_mask(L, h.shape[2], h.dtype)))
        yb = b.fc(h.amax(2))
        assert torch.allclose(ya, yb, atol=1e-12, rtol=0)
        for k, v in a.state_dict().items():
            assert torch.allclose(v.double(), b.state_dict()[k].double(), atol=1e-12, rtol=0), k


def cls_pooled_bf16(m, kind, x, lengths, bidirectional, pool):
    """The classifier's pooled features in bf16 mode (model `m` in train or eval mode)."""
    if kind == "cnn":
        h = m.embedding(x).transpose(1, 2)
        Lr = lengths
        for i in range(0, len(m.features), 3):
            conv, bn = m.features[i], m.features[i + 1]
            h = Bf16Product.apply(h * time_mask(Lr, h.shape[2], h.dtype), conv.weight,
                                  lambda a, w: F.conv1d(a, w, None, stride=2, padding=1)) + conv.bias[None, :, None]
            Lr = conv_length(Lr)
            h = torch.relu(masked_batch_norm(bn, h, time_mask(Lr, h.shape[2], h.dtype)))
        return h.masked_fill(time_mask(Lr, h.shape[2], h.dtype) == 0, float("-inf")).amax(2)
    # recurrent: each row over its real positions only (what packing does), zero initial state
    rnn, Hh = m.rnn, m.rnn.hidden_size
    cell = {"rnn": "rnn_tanh", "gru": "gru", "lstm": "lstm"}[kind]
    emb = m.embedding(x)
    rows = []
    for b in range(x.shape[0]):
        n = int(lengths[b])
        inp = emb[b:b + 1, :n]
        for l in range(rnn.num_layers):
            outs = []
            for d, sfx in enumerate(["", "_reverse"][:2 if bidirectional else 1]):
                w = lambda k: getattr(rnn, f"{k}_l{l}{sfx}")
                zero = torch.zeros(1, Hh)
                out, _, _ = run_layer(cell, mmb(inp, w("weight_ih").t()) + w("bias_ih"), zero, zero if cell == "lstm" else None,
                                      w("weight_hh"), w("bias_hh"), reverse=d == 1)
                outs.append(out)
            inp = torch.cat(outs, 2)
        if pool == "last":
            rows.append(torch.cat([inp[:, n - 1, :Hh], inp[:, 0, Hh:]], 1) if bidirectional else inp[:, n - 1])
        elif pool == "max":
            rows.append(inp.amax(1))
        else:
            rows.append(inp.mean(1))
    return torch.cat(rows, 0)


def cls_bf16(before, kind, x, lengths, labels, bidirectional, pool):
    """The fixture's training forward and backward (and the CNN's eval forward) in bf16 mode."""
    m = copy.deepcopy(before).train()
    pooled = cls_pooled_bf16(m, kind, x, lengths, bidirectional, pool)
    logits = mmb(pooled, m.fc.weight.t()) + m.fc.bias
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    out = {
        "loss": float(loss.item()),
        "logits": flat(logits),
        "pooled": flat(pooled),
        "grads": {k: flat(p.grad) for k, p in m.named_parameters()},
        "buffers_after": None,
        "eval": None,
    }
    if kind == "cnn":
        out["buffers_after"] = {k: flat(v) if v.is_floating_point() else flat_int(v) for k, v in m.named_buffers()}
        e = copy.deepcopy(before).eval()
        with torch.no_grad():
            ev = mmb(cls_pooled_bf16(e, kind, x, lengths, bidirectional, pool), e.fc.weight.t()) + e.fc.bias
        out["eval"] = {"loss": float(F.cross_entropy(ev, labels).item()), "logits": flat(ev)}
    return out


def make_cls_case(name, kind, V, E, H, C, L, B, T, bidirectional, pool, lengths, seed):
    assert len(lengths) == B and all(1 <= n <= T for n in lengths)
    torch.manual_seed(seed)
    model = make_classifier(kind, V, E, H, C, layers=L, bidirectional=bidirectional, pool=pool, dropout=0.0).double()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(PERTURB * torch.randn_like(p))
        if kind == "cnn":  # non-trivial running statistics
            for i in range(1, 3 * L, 3):
                bn = model.features[i]
                bn.running_mean.copy_(0.1 * torch.randn_like(bn.running_mean))
                bn.running_var.uniform_(0.5, 1.5)
                bn.num_batches_tracked.fill_(7)

    lengths_t = torch.tensor(lengths, dtype=torch.long)
    x = 1 + torch.randint(0, V - 1, (B, T))  # real tokens in [1, V); [PAD] = 0 after each row's length
    x[torch.arange(T)[None, :] >= lengths_t[:, None]] = 0
    labels = torch.randint(0, C, (B,))

    check_cls_semantics(model, kind, x, lengths_t, bidirectional, pool)
    before = copy.deepcopy(model)  # original params and buffers, for the eval forward

    sd0 = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    pooled = model.pooled(x, lengths_t)
    logits = model.fc(model.dropout(pooled))
    loss = F.cross_entropy(logits, labels)
    model.zero_grad()
    loss.backward()

    named = dict(model.named_parameters())
    params = {k: {"shape": list(v.shape), "data": flat(v) if v.is_floating_point() else flat_int(v)} for k, v in sd0.items()}
    out = {
        "name": name,
        "kind": kind,
        "V": V, "E": E, "H": H, "C": C, "L": L, "B": B, "T": T,
        "bidirectional": bidirectional,
        "pool": pool,
        "x": flat_int(x),
        "lengths": list(lengths),
        "labels": flat_int(labels),
        "params": params,
        "loss": float(loss.item()),
        "logits": flat(logits),
        "pooled": flat(pooled),
        "grads": {k: flat(named[k].grad) for k in sd0 if k in named},
        "buffers_after": None,
        "eval": None,
    }
    assert set(out["grads"]) == set(named)
    out["bf16"] = cls_bf16(before, kind, x, lengths_t, labels, bidirectional, pool)
    # bf16 moves the numbers by about 2^-9 per operand, never more than a few percent here
    assert torch.allclose(torch.tensor(out["bf16"]["logits"]), logits.detach().reshape(-1), rtol=0, atol=0.05 * float(logits.abs().max())), name
    if kind == "cnn":
        bufs = dict(model.named_buffers())
        out["buffers_after"] = {k: flat(v) if v.is_floating_point() else flat_int(v) for k, v in bufs.items()}
        before.eval()
        with torch.no_grad():
            ev = before(x, lengths_t)
            out["eval"] = {"loss": float(F.cross_entropy(ev, labels).item()), "logits": flat(ev)}
    return out


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, allow_nan=False)  # json.dump uses repr(): shortest exact round-trip
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what not in ("all", "lm", "cls"):
        sys.exit(f"usage: {sys.argv[0]} [all|lm|cls]")
    os.makedirs(OUT, exist_ok=True)
    print(f"torch {torch.__version__}, python {sys.version.split()[0]}")
    if what in ("all", "lm"):
        for case in CASES:
            write(f"lm_{case[0]}.json", make_lm_case(*case))
        write("adam.json", make_adam())
        write("clip.json", make_clip())
    if what in ("all", "cls"):
        for case in CLS_CASES:
            write(f"cls_{case[0]}.json", make_cls_case(*case))


if __name__ == "__main__":
    main()
