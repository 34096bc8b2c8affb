#!/usr/bin/env python3
"""Zaremba et al. (2014), "Recurrent Neural Network Regularization", small configuration, in
PyTorch: the reference rnnlab's PTB reproduction is compared with (README "Penn Treebank").

    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 scripts/ptb_torch.py --threads 1 --out runs/ptb-torch

The recipe, as TensorFlow's ptb_word_lm.py (the paper's authors' reproduction) has it:
- Data: ptb.{train,valid,test}.txt; every line break becomes <eos>, then split on whitespace.
  The vocabulary is the training file's 10,000 types (<unk> and <eos> among them).
- Batching: the token stream cut into `batch` contiguous rows, walked in windows of `bptt`
  tokens; the recurrent state is carried from one window to the next (detached) and reset at
  each epoch.
- Model: Embedding(10000, 200) -> 2-layer LSTM(200) -> Linear(200, 10000), no dropout, every
  parameter initialised U(-0.1, 0.1).
- Training: 13 epochs of SGD, rate 1 for the first 4 epochs, then halved every epoch
  (lr = 1 * 0.5 ** max(epoch + 1 - 4, 0), epoch 0-based); the loss is the SUM over the window's
  time steps of the batch-mean cross-entropy (TF: reduce_sum(loss) / batch_size), and the
  gradient's global norm is clipped at 5.
  rnnlab's loss is the mean per token, so the same updates are `--lr 20 --clip 0.25`
  (scaling the loss by bptt = 20 scales the gradient by 20: 1 * clip(20 g, 5) = 20 * clip(g, 0.25)).
- Evaluation: validation after every epoch; the test file at the end. Both are scored as rnnlab
  scores held-out data (`batch` rows, windows of `bptt`, state carried; each row starts from
  zeros) and, for the paper's protocol, the test file also in one row (batch 1), the state
  carried through the whole file.

Prints one JSON line on stdout at the end; per-epoch lines on stderr. With --out DIR it also
writes DIR/metrics.jsonl in rnnlab's event schema (step lines every 100 steps, val lines, a
test line), so `rnnlab plot` can draw these curves beside rnnlab's.
"""
import argparse
import json
import math
import os
import sys
import time
from collections import Counter


def read_words(path):
    with open(path, encoding='utf-8') as f:
        return f.read().replace('\n', '<eos>').split()


def build_vocab(words):
    # TF's _build_vocab: by count (descending), ties by the word
    counts = Counter(words)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {w: i for i, (w, _) in enumerate(ordered)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default=os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data', 'ptb'))
    ap.add_argument('--epochs', type=int, default=13)
    ap.add_argument('--decay-start', type=int, default=4)
    ap.add_argument('--lr', type=float, default=1.0)
    ap.add_argument('--decay', type=float, default=0.5)
    ap.add_argument('--clip', type=float, default=5.0)
    ap.add_argument('--batch', type=int, default=20)
    ap.add_argument('--bptt', type=int, default=20)
    ap.add_argument('--hidden', type=int, default=200)
    ap.add_argument('--layers', type=int, default=2)
    ap.add_argument('--init', type=float, default=0.1)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--max-steps', type=int, default=0, help='stop after this many steps (a quick check; 0: the whole recipe)')
    ap.add_argument('--out', default=None, help='write metrics.jsonl here (rnnlab event schema)')
    a = ap.parse_args()

    # OpenBLAS starts its own threads unless told: with torch.set_num_threads alone a "1-thread"
    # run keeps a second BLAS thread spinning, which on a busy machine slows it several times
    for k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[k] = str(a.threads)
    os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
    import torch
    import torch.nn as nn
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    import gzip
    def words_of(name):
        p = os.path.join(a.data, name)
        if os.path.exists(p):
            return read_words(p)
        with gzip.open(p + '.gz', 'rt', encoding='utf-8') as f:
            return f.read().replace('\n', '<eos>').split()

    train_w, valid_w, test_w = words_of('ptb.train.txt'), words_of('ptb.valid.txt'), words_of('ptb.test.txt')
    vocab = build_vocab(train_w)
    V = len(vocab)
    ids = lambda ws: torch.tensor([vocab[w] for w in ws], dtype=torch.long)
    train, valid, test = ids(train_w), ids(valid_w), ids(test_w)
    print(f'vocabulary {V}, tokens: train {len(train)}, valid {len(valid)}, test {len(test)}', file=sys.stderr)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, a.hidden)
            self.rnn = nn.LSTM(a.hidden, a.hidden, a.layers)
            self.decoder = nn.Linear(a.hidden, V)
            for p in self.parameters():
                nn.init.uniform_(p, -a.init, a.init)

        def forward(self, x, state):
            h, state = self.rnn(self.embedding(x), state)
            return self.decoder(h), state

    model = Model()
    crit = nn.CrossEntropyLoss()

    def rows(data, B):
        n = len(data) // B
        return data[: n * B].view(B, n).t().contiguous()  # [n, B], time-major

    def zero_state(B):
        z = torch.zeros(a.layers, B, a.hidden)
        return (z, z.clone())

    def evaluate(data, B, T):
        model.eval()
        d = rows(data, B)
        state, nll, count = zero_state(B), 0.0, 0
        with torch.no_grad():
            for i in range(0, d.size(0) - 1, T):
                x, y = d[i:i + T], d[i + 1:i + 1 + T]
                x = x[: y.size(0)]
                out, state = model(x, state)
                nll += nn.functional.cross_entropy(out.view(-1, V), y.reshape(-1), reduction='sum').item()
                count += y.numel()
        return nll / count, count

    metrics = None
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        metrics = open(os.path.join(a.out, 'metrics.jsonl'), 'w')
        with open(os.path.join(a.out, 'config.json'), 'w') as f:
            json.dump({'rnnlab': 'pytorch reference (scripts/ptb_torch.py)', 'config': vars(a) | {'data': os.path.basename(os.path.normpath(a.data))}}, f, indent=2)

    def emit(e):
        if metrics:
            metrics.write(json.dumps(e) + '\n')
            metrics.flush()

    d = rows(train, a.batch)
    steps_per_epoch = (d.size(0) - 1) // a.bptt
    step, train_seconds, best = 0, 0.0, math.inf
    opt = torch.optim.SGD(model.parameters(), lr=a.lr)
    emit({'type': 'start', 'step': 0, 'epoch': 0, 'total_steps': steps_per_epoch * a.epochs, 'steps_per_epoch': steps_per_epoch,
          'params': sum(p.numel() for p in model.parameters()), 'train_tokens': len(train), 'val_tokens': len(valid)})
    history = []
    for epoch in range(a.epochs):
        lr = a.lr * a.decay ** max(epoch + 1 - a.decay_start, 0)
        for g in opt.param_groups:
            g['lr'] = lr
        model.train()
        state = zero_state(a.batch)
        t0 = time.perf_counter()
        epoch_nll, epoch_count = 0.0, 0
        for i in range(steps_per_epoch):
            x, y = d[i * a.bptt:(i + 1) * a.bptt], d[i * a.bptt + 1:(i + 1) * a.bptt + 1]
            state = tuple(s.detach() for s in state)
            out, state = model(x, state)
            loss = crit(out.view(-1, V), y.reshape(-1))
            opt.zero_grad()
            (loss * a.bptt).backward()  # TF's cost: summed over the window's steps
            nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            opt.step()
            step += 1
            epoch_nll += loss.item() * y.numel()
            epoch_count += y.numel()
            if step % 100 == 0:
                emit({'type': 'step', 'step': step, 'epoch': epoch, 'batch': i + 1, 'batches': steps_per_epoch, 'loss': loss.item(),
                      'lr': lr, 'tokens': y.numel(), 'elapsed': round(train_seconds + time.perf_counter() - t0, 3)})
            if a.max_steps and step >= a.max_steps:
                break
        train_seconds += time.perf_counter() - t0
        val, val_tokens = evaluate(valid, a.batch, a.bptt)
        best = min(best, val)
        history.append({'epoch': epoch + 1, 'lr': lr, 'train_ppl': math.exp(epoch_nll / epoch_count), 'val_ppl': math.exp(val), 'train_seconds': round(train_seconds, 1)})
        emit({'type': 'val', 'step': step, 'epoch': epoch, 'loss': val, 'perplexity': math.exp(val), 'bits_per_token': val / math.log(2),
              'tokens': val_tokens, 'best': val <= best})
        print(f'epoch {epoch + 1}: lr {lr:g}, train perplexity {history[-1]["train_ppl"]:.2f}, valid {math.exp(val):.2f}, {train_seconds:.0f} s', file=sys.stderr)
        if a.max_steps and step >= a.max_steps:
            break
    test_loss, test_tokens = evaluate(test, a.batch, a.bptt)
    test_b1, test_b1_tokens = evaluate(test, 1, a.bptt)
    emit({'type': 'test', 'step': step, 'loss': test_loss, 'perplexity': math.exp(test_loss), 'bits_per_token': test_loss / math.log(2), 'tokens': test_tokens, 'oov': 0})
    if metrics:
        metrics.close()
    print(json.dumps({
        'vocabulary': V, 'steps': step, 'epochs': len(history), 'train_seconds': round(train_seconds, 1), 'threads': a.threads,
        'valid_perplexity': history[-1]['val_ppl'], 'test_perplexity': math.exp(test_loss), 'test_tokens': test_tokens,
        'test_perplexity_one_row': math.exp(test_b1), 'test_tokens_one_row': test_b1_tokens, 'history': history,
        'torch': torch.__version__,
    }))


if __name__ == '__main__':
    main()
