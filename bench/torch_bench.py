#!/usr/bin/env python3
"""PyTorch side of the rnnlab benchmark: one workload per process.

    OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
        /usr/bin/python3 bench/torch_bench.py --spec '<ChildSpec json>'
    /usr/bin/python3 bench/torch_bench.py --probe

bench/run.ts starts it (with the environment above) for every workload and thread count;
the spec is the same JSON the rnnlab child gets (bench/protocol.ts), and the events it
prints are the same `BENCH <json>` lines.

The models are the stock modules: nn.Embedding (or one-hot input) + nn.LSTM/GRU/RNN
(batch_first, dropout between layers) + nn.Dropout + nn.Linear, F.cross_entropy with
ignore_index, clip_grad_norm_(1.0), torch.optim.Adam. CLS: GRU last hidden state -> Linear.
CLS-CNN, CLS-GRU (padded rows): TextCNN / RecurrentClassifier from scripts/agnews_torch.py,
the PyTorch definition of rnnlab's classifiers (masked convs/BatchNorm/max; packed GRU).
Sampling: batch 1, prime fed once, then one token at a time with carried state, temperature
then top-k then torch.multinomial. The data come from the same LCG as bench/workloads.ts.

precision bf16 (the spec's "precision"): PyTorch's own mixed precision on CPU, as its docs
prescribe it — torch.cpu.amp.autocast(dtype=torch.bfloat16) around the forward pass and the
loss, backward and the optimizer step outside it (the parameters, their gradients and Adam's
state stay float32). Autocast runs the ops on its bf16 list (linear, matmul, conv1d, …) in
bfloat16 and keeps the others (the loss, softmax) in float32; sampling runs its forward passes
under the same autocast. In torch 1.13 that list has nn.Linear and nn.Conv1d but not the fused
nn.LSTM/GRU/RNN, which stay float32 under autocast (checked: their outputs are float32): its
bf16 run speeds up only the decoder/classifier head and the convolutions, where rnnlab's bf16
mode also rounds the recurrent products.
"""
import argparse
import contextlib
import json
import os
import resource
import sys
import time


def emit(**event):
    sys.stdout.write('BENCH ' + json.dumps(event) + '\n')
    sys.stdout.flush()


def rss_mb(which):
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(which + ':'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Lcg:
    """Numerical Recipes LCG mod 2**32, identical to Lcg in bench/workloads.ts."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFF

    def next(self):
        self.s = (self.s * 1664525 + 1013904223) & 0xFFFFFFFF
        return self.s

    def below(self, n):
        return int((self.next() / 4294967296) * n)


DATA_SEED = 1234


def blas_libraries(torch):
    """The BLAS/LAPACK shared objects mapped after a matmul (resolved through the
    Debian alternatives symlinks). The reference BLAS (…/blas/libblas.so.3) is 20-70x slower
    than OpenBLAS; PyTorch from Debian uses whichever libblas.so.3 the alternatives select."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    libs = set()
    try:
        with open('/proc/self/maps') as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[5].startswith('/'):
                    name = os.path.basename(parts[5])
                    if 'blas' in name or 'mkl' in name or 'lapack' in name:
                        libs.add(os.path.realpath(parts[5]))
    except OSError:
        pass
    return sorted(libs)


def lm_batch(w):
    B, T, V = w['B'], w['T'], w['vocab']
    g = Lcg(DATA_SEED)
    x = [[0] * T for _ in range(B)]
    y = [[0] * T for _ in range(B)]
    lo = 1 if w['padded'] else 0
    for b in range(B):
        length = T // 2 + g.below(T - T // 2 + 1) if w['padded'] else T
        prev = lo + g.below(V - lo)
        for t in range(T):
            nxt = lo + g.below(V - lo)
            if t < length:
                x[b][t] = prev
                y[b][t] = nxt
            prev = nxt
    return x, y


def cls_batch(w):
    """As clsBatch in bench/workloads.ts: (x [B*T], labels [B], lengths [B])."""
    B, T, V = w['B'], w['T'], w['vocab']
    g = Lcg(DATA_SEED)
    if w.get('padded'):
        x, lengths = [0] * (B * T), []
        for b in range(B):
            length = T // 2 + g.below(T - T // 2 + 1)
            lengths.append(length)
            for t in range(T):
                tok = 1 + g.below(V - 1)
                if t < length:
                    x[b * T + t] = tok
    else:
        x = [g.below(V) for _ in range(B * T)]
        lengths = [T] * B
    labels = [g.below(w['classes']) for _ in range(B)]
    return x, labels, lengths


def is_contract_classifier(w):
    """CLS-CNN / CLS-GRU (and any cls workload other than the original CLS): the classifiers of
    scripts/agnews_torch.py. The original CLS keeps its stock GRU h_n[-1] -> Linear."""
    return w['kind'] == 'cls' and (w.get('model', 'recurrent') != 'recurrent' or w.get('padded', False)
                                   or w.get('pool', 'last') != 'last' or w.get('bidirectional', False))


def prime_ids(w):
    g = Lcg(DATA_SEED)
    return [g.below(w['vocab']) for _ in range(w['prime'])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--spec')
    ap.add_argument('--probe', action='store_true')
    args = ap.parse_args()

    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    if args.probe:
        libs = blas_libraries(torch)
        blas = ', '.join(l for l in libs if 'blas' in os.path.basename(l)) or 'none found'
        emit(event='start', describe=f'PyTorch {torch.__version__}, Python {sys.version.split()[0]}, BLAS {blas}',
             threads=torch.get_num_threads(), baselineRssMB=rss_mb('VmRSS'), version=torch.__version__,
             blas=libs, coretype=os.environ.get('OPENBLAS_CORETYPE'))
        return

    spec = json.loads(args.spec)
    w = spec['workload']
    threads = spec['threads']
    bf16 = spec.get('precision', 'fp32') == 'bf16'

    def autocast():
        return torch.cpu.amp.autocast(dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    RNN = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[w['cell']]

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            V, E, H, L = w['vocab'], w['embed'], w['hidden'], w['layers']
            self.embedding = nn.Embedding(V, E) if E > 0 else None
            kw = {'nonlinearity': 'tanh'} if w['cell'] == 'rnn' else {}
            self.rnn = RNN(E if E > 0 else V, H, num_layers=L, batch_first=True,
                           dropout=w['dropout'] if L > 1 else 0.0, **kw)
            self.drop = nn.Dropout(w['dropout'])
            self.decoder = nn.Linear(H, V)

        def forward(self, x, h=None):
            inp = self.embedding(x) if self.embedding is not None else F.one_hot(x, w['vocab']).float()
            out, h = self.rnn(inp, h)
            return self.decoder(self.drop(out)), h

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(w['vocab'], w['embed'])
            self.rnn = RNN(w['embed'], w['hidden'], batch_first=True)
            self.out = nn.Linear(w['hidden'], w['classes'])

        def forward(self, x):
            _, h = self.rnn(self.embedding(x))
            if isinstance(h, tuple):
                h = h[0]
            return self.out(h[-1])

    def detach(h):
        if h is None:
            return None
        return tuple(t.detach() for t in h) if isinstance(h, tuple) else h.detach()

    kind = w['kind']
    contract = is_contract_classifier(w)
    if contract:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'scripts'))
        from agnews_torch import make_classifier
        cnn = w.get('model') == 'cnn'
        model = make_classifier('cnn' if cnn else w['cell'], w['vocab'], w['embed'], w['hidden'], w['classes'],
                                layers=w['layers'], bidirectional=w.get('bidirectional', False),
                                pool=w.get('pool', 'max' if cnn else 'last'), dropout=w['dropout'])
    else:
        model = Classifier() if kind == 'cls' else LM()
    n_params = sum(p.numel() for p in model.parameters())
    emit(event='start', describe=f'PyTorch {torch.__version__}{" bf16 autocast" if bf16 else ""} ({threads} thread{"s" if threads > 1 else ""})',
         threads=torch.get_num_threads(), baselineRssMB=rss_mb('VmRSS'), version=torch.__version__)

    if kind == 'sample':
        model.eval()
        prime = torch.tensor([prime_ids(w)], dtype=torch.long)
        n, temp, k = w['T'], w['temperature'], w['topK']
        gen = torch.Generator().manual_seed(0)

        def step():
            with torch.no_grad(), autocast():
                logits, h = model(prime)
                last = logits[0, -1]
                out = []
                for i in range(n):
                    vals, idx = torch.topk(last.float() / temp, k)
                    j = torch.multinomial(F.softmax(vals, dim=-1), 1, generator=gen)
                    tok = idx[j]
                    out.append(int(tok))
                    if i < n - 1:
                        logits, h = model(tok.view(1, 1), h)
                        last = logits[0, -1]
                assert len(out) == n
            return None
    else:
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        if kind == 'cls':
            x, labels, lengths = cls_batch(w)
            x = torch.tensor(x, dtype=torch.long).view(w['B'], w['T'])
            labels = torch.tensor(labels, dtype=torch.long)
            lengths = torch.tensor(lengths, dtype=torch.long)

            def step():
                opt.zero_grad()
                with autocast():
                    loss = F.cross_entropy(model(x, lengths) if contract else model(x), labels)
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                return loss.item()
        else:
            x, y = lm_batch(w)
            x = torch.tensor(x, dtype=torch.long)
            y = torch.tensor(y, dtype=torch.long)
            ignore = 0 if w['padded'] else -100
            state = {'h': None}

            def step():
                opt.zero_grad()
                with autocast():
                    logits, h = model(x, state['h'] if w['carryState'] else None)
                    loss = F.cross_entropy(logits.reshape(-1, w['vocab']), y.reshape(-1), ignore_index=ignore)
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                if w['carryState']:
                    state['h'] = detach(h)
                return loss.item()

    cap = spec['cap']
    t0 = time.perf_counter()
    last = 0.0
    capped = False

    def over():
        return time.perf_counter() - t0 + last > cap

    def one(i, warm):
        nonlocal last
        s = time.perf_counter()
        loss = step()
        last = time.perf_counter() - s
        emit(event='step', index=i, warmup=warm, ms=last * 1000, loss=loss,
             peakRssMB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    for i in range(spec['warmup']):
        if i > 0 and over():
            capped = True
            break
        one(i, True)
    # a warm-up that alone used up the budget stands in for the timed steps (flagged by the parent)
    warmup_only = spec['warmup'] > 0 and time.perf_counter() - t0 > cap
    if warmup_only:
        capped = True
    for i in range(0 if warmup_only else spec['steps']):
        if i > 0 and over():
            capped = True
            break
        one(i, False)
    done = {'event': 'done', 'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            'params': n_params}
    if capped:
        done['note'] = f'time cap {cap} s reached'
    emit(**done)


if __name__ == '__main__':
    try:
        main()
    except Exception as e:  # report, then fail
        emit(event='error', message=f'{type(e).__name__}: {e}')
        raise
