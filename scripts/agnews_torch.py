#!/usr/bin/env python3
"""The AG News course recipe in PyTorch, end to end, for comparing with rnnlab.

    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 scripts/agnews_torch.py --model gru --embeddings glove

Prints progress on stderr and one JSON line on stdout at the end:
{"model", "embeddings", "freeze_steps", "train_seconds", "test_accuracy", "test_loss", "steps", ...}.

This file is also the PyTorch definition of rnnlab's text classifiers (TextCNN,
RecurrentClassifier below): scripts/make_fixtures.py builds the test/fixtures/cls_*.json
fixtures from them and bench/torch_bench.py times them (CLS-CNN, CLS-GRU).

The recipe, step by step, and what in rnnlab it mirrors
-------------------------------------------------------
1. Data (../shared/data/ag_news, or --data DIR):
   - train_subset.csv: header `label,text,source`; text = title + " " + description already.
   - test_5600.csv: no header, columns label,title,description; text = title + " " + description
     (rnnlab: `textColumn: '1,2'` joins the columns with one space).
   - labels "1".."4" -> 0..3 (World, Sports, Business, Sci/Tech).
   Python's csv module undoes the RFC 4180 quoting (doubled quotes), as rnnlab's parseCsv does.
2. Cleaning of the AG News quirks (`clean_agnews`; --no-clean skips it). The files escape the
   original line breaks as a backslash, NOT as backslash-n: "dwindling\\band of" is "dwindling
   <newline> band of", and a literal `\\n` only occurs where the next line starts with n
   ("other\\name" = "other" + "name"), so replacing `\\n` would corrupt words. What the data hold:
     - a run of backslashes followed by `$`  -> `$`  (`\\$` is an escaped dollar sign)
     - any other run of backslashes (1 or 2) -> one space   (the line breaks)
     - `#39;` / `&#39;` numeric references   -> the character (HTML5 rules: 128-159 are read
       as Windows-1252, so `#151;` is an em dash and `#146;` a right quote; 0, surrogates and
       values above U+10FFFF give U+FFFD)
     - the named references quot amp lt gt apos nbsp hellip lsquo rsquo ldquo rdquo ndash mdash,
       written `&quot;` or, as the files mostly have them, `quot;` without the `&` (then only
       when no ASCII letter, digit or `_` comes right before: "camp;" stays) -> the character
   in that order (backslashes first, then references, one left-to-right pass each, so a
   decoded character is never decoded again). rnnlab does the same (src/text/sources/clean.ts,
   on by default for `classify`; `--no-clean` there and here skips it).
3. Tokenizing (rnnlab's `wordpunct` tokenizer with lower-casing, src/text/tokenizers/wordpunct.ts):
   NFC, lower-case, NFC again, then NLTK's WordPunctTokenizer regex `\\w+|[^\\w\\s]+` made
   Unicode-aware the way rnnlab does it: \\w = letters, numbers, combining marks and `_`
   (\\p{L}\\p{N}\\p{M}_), \\s = JavaScript's \\s. Each document is cut to its first 128 tokens.
4. Vocabulary: rnnlab's specials first, in src/text/vocab.ts SPECIALS order, [PAD]=0 [SOS]=1
   [EOS]=2 [UNK]=3, then the GloVe file's words in file order (ids 4..). A token not in it is
   [UNK]. The GloVe slice has five words that are not valid UTF-8 (single Windows-1252 bytes:
   0x96 0x92 0x97 0x93 0x94); a word that does not decode as UTF-8 is decoded as Windows-1252
   (giving – ’s — “ ”), which keeps every word distinct. An empty document (no token) becomes
   one [UNK], so every length is >= 1.
5. Embeddings (E = 50): `none` = nn.Embedding's default init, N(0, 1) for every row; `glove` =
   the file's vectors for the GloVe words, N(0, sigma) for [SOS] [EOS] [UNK] with sigma the
   (population) standard deviation of all GloVe values, zeros for [PAD]. [PAD] never reaches a
   real position (the models mask or pack it away), so its row gets no gradient either way.
6. Models (the contract rnnlab's classifiers match; see TextCNN and RecurrentClassifier):
   cnn: 3 x [Conv1d(k3, s2, p1) + BatchNorm1d + ReLU], F 64, max over each row's real
   positions, Linear; gru / rnn (tanh) / lstm: hidden 50, 1 layer, packed sequences, the last
   real hidden state (pool last) -> Linear. 4 classes.
7. Training: batches of 32 documents in a shuffled order (torch.randperm with a generator
   seeded by --seed, a new order each epoch), each batch padded with [PAD] to its longest
   document; F.cross_entropy (mean over the batch); Adam lr 1e-2; clip_grad_norm_(1.0);
   1 epoch. --freeze-steps N: the embedding is frozen (requires_grad False: no gradient, no
   Adam state, left out of the clipping norm, as rnnlab's Param.freeze()) for steps 0..N-1,
   then trained; its Adam step count starts at 0 then, as in rnnlab.
8. Test: eval mode (BatchNorm running statistics), accuracy and mean cross-entropy over all
   5600 test documents.
"""
import argparse
import csv
import json
import math
import os
import re
import sys
import time
import unicodedata

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'data'))

SPECIALS = ['[PAD]', '[SOS]', '[EOS]', '[UNK]']  # src/text/vocab.ts SPECIALS
PAD, UNK = 0, 3
MAX_LEN = 128


# ---------------------------------------------------------------------------------------------
# The models (the contract for rnnlab's classifiers)
# ---------------------------------------------------------------------------------------------

def conv_length(L):
    """Real length after Conv1d(kernel 3, stride 2, padding 1): floor((L + 2 - 3) / 2) + 1."""
    return (L - 1) // 2 + 1


def time_mask(lengths, T, dtype):
    """[B, 1, T]: 1 at a row's real positions t < lengths[b], 0 at its padding."""
    return (torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]).to(dtype)[:, None, :]


def masked_batch_norm(bn, y, mask):
    """nn.BatchNorm1d over the real positions only. y [B, F, T], mask [B, 1, T].

    Training: per channel, mean and biased variance over all rows' real positions (N of them)
    normalise; running_mean/var move by momentum towards the mean and the unbiased variance
    (times N / (N - 1)); num_batches_tracked += 1. Eval: the running statistics. With every
    position real this is nn.BatchNorm1d exactly (TextCNN then calls the module itself)."""
    if bn.training:
        n = mask.sum()
        if n <= 1:
            raise ValueError('Expected more than 1 value per channel when training')
        mean = (y * mask).sum((0, 2)) / n
        var = ((y - mean[None, :, None]) ** 2 * mask).sum((0, 2)) / n
        with torch.no_grad():
            m = bn.momentum
            bn.num_batches_tracked.add_(1)
            bn.running_mean.mul_(1 - m).add_(m * mean)
            bn.running_var.mul_(1 - m).add_(m * var * (n / (n - 1)))
    else:
        mean, var = bn.running_mean, bn.running_var
    inv = torch.rsqrt(var + bn.eps)
    return (y - mean[None, :, None]) * (inv * bn.weight)[None, :, None] + bn.bias[None, :, None]


class TextCNN(nn.Module):
    """embedding -> `layers` x [Conv1d(k3, s2, p1), BatchNorm1d, ReLU] -> max over real time -> dropout -> fc.

    Padding never leaks in: each conv's input is zero at a row's padding positions (so the
    conv equals the conv of the unpadded row with its own zero padding), the real length
    becomes conv_length(L) after each conv, BatchNorm's training statistics are over real
    positions only, and the max is over real positions only."""

    def __init__(self, V, E, F, C, layers=3, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        mods = []
        for i in range(layers):
            mods += [nn.Conv1d(E if i == 0 else F, F, 3, stride=2, padding=1), nn.BatchNorm1d(F), nn.ReLU()]
        self.features = nn.Sequential(*mods)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(F, C)

    def pooled(self, x, lengths):
        h = self.embedding(x).transpose(1, 2)  # [B, E, T]
        full = bool((lengths == x.shape[1]).all())  # no padding anywhere: stock modules
        L = lengths
        for i in range(0, len(self.features), 3):
            conv, bn, relu = self.features[i], self.features[i + 1], self.features[i + 2]
            if full:
                h = relu(bn(conv(h)))
            else:
                h = conv(h * time_mask(L, h.shape[2], h.dtype))
                L = conv_length(L)
                h = relu(masked_batch_norm(bn, h, time_mask(L, h.shape[2], h.dtype)))
        if not full:
            h = h.masked_fill(time_mask(L, h.shape[2], h.dtype) == 0, float('-inf'))
        return h.amax(2)  # [B, F]

    def forward(self, x, lengths):
        return self.fc(self.dropout(self.pooled(x, lengths)))


class RecurrentClassifier(nn.Module):
    """embedding -> packed nn.RNN(tanh)/GRU/LSTM (zero initial state) -> pool over real positions -> dropout -> fc.

    pool 'last': forward direction at t = lengths[b] - 1 and (bidirectional) reverse direction
    at t = 0, concatenated [forward, reverse] = the top layer's h_n. 'max' / 'mean': over
    t < lengths[b] of the [forward, reverse] outputs."""

    def __init__(self, kind, V, E, H, C, layers=1, bidirectional=False, pool='last', dropout=0.0):
        super().__init__()
        rnn_cls = {'rnn': nn.RNN, 'gru': nn.GRU, 'lstm': nn.LSTM}[kind]
        kw = {'nonlinearity': 'tanh'} if kind == 'rnn' else {}
        self.pool, self.bidirectional = pool, bidirectional
        self.embedding = nn.Embedding(V, E)
        self.rnn = rnn_cls(E, H, num_layers=layers, batch_first=True, bidirectional=bidirectional,
                           dropout=dropout if layers > 1 else 0.0, **kw)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(H * (2 if bidirectional else 1), C)

    def pooled(self, x, lengths):
        T = x.shape[1]
        packed = pack_padded_sequence(self.embedding(x), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h = self.rnn(packed)
        if self.pool == 'last':
            h = h[0] if isinstance(h, tuple) else h  # [layers * dirs, B, H], back in batch order
            return torch.cat([h[-2], h[-1]], 1) if self.bidirectional else h[-1]
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)  # [B, T, D], zeros at padding
        real = time_mask(lengths, T, out.dtype).transpose(1, 2)  # [B, T, 1]
        if self.pool == 'max':
            return out.masked_fill(real == 0, float('-inf')).amax(1)
        if self.pool == 'mean':
            return (out * real).sum(1) / lengths[:, None].to(out.dtype)
        raise ValueError(f'unknown pool {self.pool!r}')

    def forward(self, x, lengths):
        return self.fc(self.dropout(self.pooled(x, lengths)))


def make_classifier(kind, V, E, H, C, layers=None, bidirectional=False, pool=None, dropout=0.0):
    """kind 'cnn' (H = filters F, layers = conv blocks, default 3; max pool) or 'rnn'/'gru'/'lstm'."""
    if kind == 'cnn':
        if pool not in (None, 'max'):
            raise ValueError('the CNN pools with max')
        return TextCNN(V, E, H, C, layers=3 if layers is None else layers, dropout=dropout)
    return RecurrentClassifier(kind, V, E, H, C, layers=1 if layers is None else layers,
                               bidirectional=bidirectional, pool=pool or 'last', dropout=dropout)


# ---------------------------------------------------------------------------------------------
# Text: cleaning, tokenizing, vocabulary
# ---------------------------------------------------------------------------------------------

_BACKSLASHES = re.compile(r'\\+(\$)?')
_NAMED = {'quot': '"', 'amp': '&', 'lt': '<', 'gt': '>', 'apos': "'", 'nbsp': '\xa0', 'hellip': '\u2026',
          'lsquo': '\u2018', 'rsquo': '\u2019', 'ldquo': '\u201c', 'rdquo': '\u201d', 'ndash': '\u2013', 'mdash': '\u2014'}
# numeric `#39;` with or without the `&`; named `&quot;` with the `&`, or without it (the files
# mostly lost it: " quot;") when no ASCII letter, digit or _ comes right before (not "camp;")
_REF = re.compile(r'&?#(\d+);|(?:&|(?<![A-Za-z0-9_]))(' + '|'.join(_NAMED) + r');')


def _numeric_ref(n):
    if 128 <= n <= 159:
        try:
            return bytes([n]).decode('cp1252')  # HTML5: the C1 range means Windows-1252
        except UnicodeDecodeError:
            return chr(n)  # 0x81 0x8D 0x8F 0x90 0x9D: undefined in Windows-1252, kept
    if n == 0 or n > 0x10FFFF or 0xD800 <= n <= 0xDFFF:
        return '\ufffd'
    return chr(n)


def clean_agnews(text):
    """AG News escapes: backslashes + `$` -> `$`, other backslash runs -> a space, `#39;`-style and
    named (`&quot;`, `quot;`, ...) references -> the character (module docstring, step 2)."""
    text = _BACKSLASHES.sub(lambda m: '$' if m.group(1) else ' ', text)
    return _REF.sub(lambda m: _numeric_ref(int(m.group(1))) if m.group(1) else _NAMED[m.group(2)], text)


def _ranges(pred):
    out, start = [], None
    for c in range(0x110001):
        if c <= 0x10FFFF and pred(c):
            if start is None:
                start = c
        elif start is not None:
            out.append((start, c - 1))
            start = None
    return ''.join(re.escape(chr(a)) if a == b else f'{re.escape(chr(a))}-{re.escape(chr(b))}' for a, b in out)


_WORD_CHARS = _ranges(lambda c: unicodedata.category(chr(c))[0] in 'LNM') + '_'
_JS_SPACE = '\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'  # JavaScript's \s
_WORDPUNCT = re.compile(f'[{_WORD_CHARS}]+|[^{_WORD_CHARS}{_JS_SPACE}]+')


def tokenize(text):
    """rnnlab's wordpunct tokenizer with lower-casing: NFC, lower, NFC, then \\w+|[^\\w\\s]+."""
    text = unicodedata.normalize('NFC', unicodedata.normalize('NFC', text).lower())
    return _WORDPUNCT.findall(text)


def read_glove(path):
    """(words, vectors [n, E]) in file order; a word that is not UTF-8 is read as Windows-1252."""
    words, rows = [], []
    with open(path, 'rb') as f:
        for line in f.read().split(b'\n'):
            if not line.strip():
                continue
            parts = line.rstrip(b'\r').split(b' ')
            try:
                word = parts[0].decode('utf-8')
            except UnicodeDecodeError:
                word = parts[0].decode('cp1252')
            words.append(word)
            rows.append([float(v) for v in parts[1:]])
    return words, torch.tensor(rows, dtype=torch.float32)


def read_agnews(path, header):
    """(texts, labels 0..3). With a header the columns are label,text,...; without one,
    label,title,description and the text is title + ' ' + description."""
    texts, labels = [], []
    with open(path, newline='', encoding='utf-8-sig') as f:
        rows = csv.reader(f)
        if header:
            names = next(rows)
            li, ti = names.index('label'), names.index('text')
        for row in rows:
            if not row:
                continue
            if header:
                label, text = row[li], row[ti]
            else:
                label, text = row[0], row[1] + ' ' + row[2]
            texts.append(text)
            labels.append(int(label) - 1)
    return texts, labels


def encode(texts, ids, clean):
    """Token id lists, cut at MAX_LEN, unknown words -> [UNK], an empty document -> [[UNK]]."""
    out, n_tok, n_unk, n_cut = [], 0, 0, 0
    for text in texts:
        toks = tokenize(clean_agnews(text) if clean else text)
        n_cut += len(toks) > MAX_LEN
        seq = [ids.get(t, UNK) for t in toks[:MAX_LEN]] or [UNK]
        n_tok += len(seq)
        n_unk += sum(1 for i in seq if i == UNK)
        out.append(seq)
    return out, n_unk / max(1, n_tok), n_cut


def pad_batch(seqs):
    """x [B, T] padded with [PAD] to the longest row, lengths [B]."""
    T = max(len(s) for s in seqs)
    x = torch.full((len(seqs), T), PAD, dtype=torch.long)
    for b, s in enumerate(seqs):
        x[b, :len(s)] = torch.tensor(s, dtype=torch.long)
    return x, torch.tensor([len(s) for s in seqs], dtype=torch.long)


# ---------------------------------------------------------------------------------------------
# The recipe
# ---------------------------------------------------------------------------------------------

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def evaluate(model, seqs, labels, batch=256):
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(seqs), batch):
            x, lengths = pad_batch(seqs[i:i + batch])
            y = torch.tensor(labels[i:i + batch], dtype=torch.long)
            logits = model(x, lengths)
            loss_sum += float(F.cross_entropy(logits, y, reduction='sum'))
            correct += int((logits.argmax(1) == y).sum())
    return correct / len(seqs), loss_sum / len(seqs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', choices=['cnn', 'gru', 'rnn', 'lstm'], default='gru')
    ap.add_argument('--embeddings', choices=['none', 'glove'], default='glove')
    ap.add_argument('--freeze-steps', type=int, default=0, help='embedding frozen for the first N steps (-1: always)')
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--hidden', type=int, default=None, help='default: 64 filters (cnn), 50 units (recurrent)')
    ap.add_argument('--pool', choices=['last', 'max', 'mean'], default=None, help='recurrent pooling (default last)')
    ap.add_argument('--bidirectional', action='store_true')
    ap.add_argument('--dropout', type=float, default=0.0)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=1e-2)
    ap.add_argument('--no-clean', action='store_true', help='skip clean_agnews (as rnnlab classify --no-clean)')
    ap.add_argument('--data', default=DEFAULT_DATA, help='folder holding ag_news/ and glove/')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    words, vectors = read_glove(os.path.join(a.data, 'glove', 'glove.6B.50d.top2446.txt'))
    vocab = SPECIALS + words
    ids = {w: i for i, w in enumerate(vocab)}
    assert len(ids) == len(vocab), 'duplicate vocabulary entries'
    tr_texts, tr_labels = read_agnews(os.path.join(a.data, 'ag_news', 'train_subset.csv'), header=True)
    te_texts, te_labels = read_agnews(os.path.join(a.data, 'ag_news', 'test_5600.csv'), header=False)
    train, tr_unk, tr_cut = encode(tr_texts, ids, not a.no_clean)
    test, te_unk, te_cut = encode(te_texts, ids, not a.no_clean)
    log(f'vocab {len(vocab)}; train {len(train)} docs ({tr_unk:.1%} [UNK], {tr_cut} cut at {MAX_LEN}), '
        f'test {len(test)} docs ({te_unk:.1%} [UNK], {te_cut} cut)')

    torch.manual_seed(a.seed)
    E = vectors.shape[1]
    H = a.hidden or (64 if a.model == 'cnn' else 50)
    model = make_classifier(a.model, len(vocab), E, H, 4, bidirectional=a.bidirectional,
                            pool=a.pool if a.model != 'cnn' else None, dropout=a.dropout)
    if a.embeddings == 'glove':
        sigma = float(vectors.double().std(unbiased=False))
        with torch.no_grad():
            w = model.embedding.weight
            w[len(SPECIALS):] = vectors
            w[:len(SPECIALS)] = torch.randn(len(SPECIALS), E) * sigma
            w[PAD] = 0
    n_params = sum(p.numel() for p in model.parameters())
    log(f'{a.model}: {n_params} parameters, embeddings {a.embeddings}')

    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    order_gen = torch.Generator().manual_seed(a.seed)
    emb = model.embedding.weight
    step = 0
    train_seconds = 0.0
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(train), generator=order_gen).tolist()
        t0 = time.perf_counter()
        run_loss, run_n = 0.0, 0
        for i in range(0, len(order), a.batch):
            idx = order[i:i + a.batch]
            x, lengths = pad_batch([train[j] for j in idx])
            y = torch.tensor([tr_labels[j] for j in idx], dtype=torch.long)
            frozen = a.freeze_steps < 0 or step < a.freeze_steps
            if emb.requires_grad == frozen:
                emb.requires_grad_(not frozen)
                emb.grad = None
            opt.zero_grad()
            loss = F.cross_entropy(model(x, lengths), y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            run_loss += float(loss) * len(idx)
            run_n += len(idx)
            if step % 100 == 0:
                log(f'epoch {epoch + 1} step {step}: train loss {run_loss / run_n:.4f}')
                run_loss, run_n = 0.0, 0
        train_seconds += time.perf_counter() - t0
    acc, test_loss = evaluate(model, test, te_labels)
    print(json.dumps({
        'model': a.model, 'embeddings': a.embeddings, 'freeze_steps': a.freeze_steps,
        'train_seconds': round(train_seconds, 3), 'test_accuracy': acc, 'test_loss': test_loss, 'steps': step,
        'epochs': a.epochs, 'seed': a.seed, 'threads': a.threads, 'params': n_params,
    }))


if __name__ == '__main__':
    main()
