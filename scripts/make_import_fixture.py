#!/usr/bin/env python3
"""Train two tiny language models in plain PyTorch for `rnnlab import`'s test (developer tool, not run in CI).

Usage (from the project root):

    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 scripts/make_import_fixture.py

Reads test/fixtures/pytorch-trained/train.txt and heldout.txt (an excerpt of The Time Machine)
and writes, in that folder, for a char GRU (`char-gru.*`) and a word LSTM (`word-lstm.*`):

    <name>.safetensors   the state_dict (embedding, rnn, decoder), written by the small writer
                         below (the `safetensors` package is not needed)
    <name>.config.json   the config rnnlab import reads ({"cell", "layers", "hidden", "embed", "level"})
    <name>.vocab.json    the vocabulary: JSON array, index = id, WITHOUT rnnlab's special tokens
    <name>.nll.json      PyTorch's NLL on the held-out text, scored as `rnnlab eval --batch 1` scores it

The word model reads heldout-words.txt / train-words.txt (also written here): the texts lower-cased
with only their letter runs, one space apart, so that rnnlab's word tokenizer and Python's
str.split() give the same tokens. The word LSTM's weights are saved as F16 (the model is rounded
to half precision before it is scored), which exercises the import's conversion.

What `rnnlab eval --batch 1` scores: the held-out file is one token stream; the state starts at
zero, and every token after the first is predicted from all the tokens before it (the first is
read, not predicted: there is no [SOS] in a stream), so n tokens give n - 1 predictions. The NLL
is the sum of -log softmax(logits)[target] over them, in nats; it is computed here in float64
(the reference the test compares rnnlab's float32 figure with) and in float32.
"""

import json
import os
import re
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIR = os.path.join(ROOT, "test", "fixtures", "pytorch-trained")


class LanguageModel(nn.Module):
    """The documented layout: embedding → rnn (batch_first) → decoder."""

    def __init__(self, cell, vocab, embed, hidden, layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.rnn = rnn(embed, hidden, num_layers=layers, batch_first=True)
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.rnn(self.embedding(x), state)
        return self.decoder(out), state


def save_safetensors(path, tensors, dtype):
    """A safetensors file: 8-byte little-endian header length, JSON header, raw little-endian data."""
    names = {"F32": torch.float32, "F16": torch.float16}
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        data = t.detach().to(names[dtype]).contiguous().numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def train(model, ids, steps, seq, batch, lr, seed):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        starts = torch.randint(0, len(ids) - seq - 1, (batch,), generator=g)
        x = torch.stack([ids[s:s + seq] for s in starts])
        y = torch.stack([ids[s + 1:s + seq + 1] for s in starts])
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return loss.item()


def stream_nll(model, ids):
    """rnnlab eval --batch 1: one row from a zero state, tokens 1..n-1 predicted."""
    with torch.no_grad():
        logits, _ = model(ids[:-1].unsqueeze(0))
        return F.cross_entropy(logits[0], ids[1:], reduction="sum").item(), len(ids) - 1


def make(name, cell, tokens_train, tokens_held, vocab, level, embed, hidden, layers, steps, dtype, seed):
    torch.manual_seed(seed)
    index = {t: i for i, t in enumerate(vocab)}
    train_ids = torch.tensor([index[t] for t in tokens_train])
    held_ids = torch.tensor([index[t] for t in tokens_held])
    model = LanguageModel(cell, len(vocab), embed, hidden, layers)
    loss = train(model, train_ids, steps, seq=32, batch=8, lr=0.01, seed=seed)
    if dtype == "F16":
        # the saved weights are the half-precision ones: score exactly those
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.half().float())
    save_safetensors(os.path.join(DIR, f"{name}.safetensors"), model.state_dict(), dtype)
    with open(os.path.join(DIR, f"{name}.config.json"), "w") as f:
        json.dump({"cell": cell, "layers": layers, "hidden": hidden, "embed": embed, "level": level}, f)
        f.write("\n")
    with open(os.path.join(DIR, f"{name}.vocab.json"), "w") as f:
        json.dump(vocab, f, ensure_ascii=False)
        f.write("\n")
    nll32, n = stream_nll(model.eval(), held_ids)
    nll64, _ = stream_nll(model.double(), held_ids)
    result = {"tokens": n, "nll": nll64, "nll_float32": nll32, "perplexity": float(torch.tensor(nll64 / n).exp()),
              "train_steps": steps, "last_train_loss": loss, "torch": torch.__version__}
    with open(os.path.join(DIR, f"{name}.nll.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(name, json.dumps(result))


def words(text):
    return re.findall(r"[a-z]+", text.lower())


def main():
    torch.set_num_threads(1)
    read = lambda n: open(os.path.join(DIR, n), encoding="utf-8").read()
    train_text, held_text = read("train.txt"), read("heldout.txt")
    # char level: every character of the text is a token; sorted, no [PAD]/[SOS]/[EOS]/[UNK]
    chars = sorted(set(train_text) | set(held_text))
    make("char-gru", "gru", list(train_text), list(held_text), chars, "char", embed=12, hidden=24, layers=2, steps=60, dtype="F32", seed=1)
    # word level: letter runs only, so rnnlab's word tokenizer splits the text as str.split() does
    train_words, held_words = words(train_text), words(held_text)
    for n, w in (("train-words.txt", train_words), ("heldout-words.txt", held_words)):
        with open(os.path.join(DIR, n), "w", encoding="utf-8") as f:
            f.write(" ".join(w) + "\n")
    vocab = sorted(set(train_words) | set(held_words))
    make("word-lstm", "lstm", train_words, held_words, vocab, "word", embed=8, hidden=16, layers=1, steps=40, dtype="F16", seed=2)


if __name__ == "__main__":
    main()
