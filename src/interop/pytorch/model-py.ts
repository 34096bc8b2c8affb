/** model.py of a PyTorch export: the nn.Module, rnnlab's tokenizers and eval/sample/classify in plain PyTorch (the Python source verbatim: String.raw keeps its backslashes; it holds no backtick). */
export const MODEL_PY = String.raw`#!/usr/bin/env python3
"""An rnnlab model as plain PyTorch (written by 'rnnlab export --format pytorch').

    python model.py --eval FILE_OR_TEXT       {"nll": ..., "tokens": ...} as 'rnnlab eval --batch 1'
    python model.py --sample --prime TEXT     sampled text (--length --temperature --top-k --top-p --seed)
    python model.py --classify TEXT           class probabilities as JSON (classifiers)
    python model.py --info                    what the model is

Needs torch only; reads the weights with the 'safetensors' package when it is installed and
with the small reader below otherwise. The folder's config.json, vocab.json, tokenizer.json and
charclasses.json say how text becomes ids, exactly as in rnnlab; '--weights' loads another file
with the same tensor names (a checkpoint of train_ddp.py).
"""
import argparse
import bisect
import json
import math
import os
import re
import struct
import sys
import unicodedata
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
PAD, SOS, EOS, UNK = '[PAD]', '[SOS]', '[EOS]', '[UNK]'


class ModelError(Exception):
    """A problem with the input or the folder: printed as one line, exit status 1."""


# ---------------------------------------------------------------------------------------------
# safetensors: the package when installed, else a reader and writer of the same format
# ---------------------------------------------------------------------------------------------
_DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16,
           'I32': torch.int32, 'I64': torch.int64}
_NAMES = {v: k for k, v in _DTYPES.items()}


def read_safetensors(path):
    """(tensors by name, metadata dict) of a .safetensors file."""
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError as e:
        raise ModelError(f'cannot read {path}: {e.strerror}')
    if len(raw) < 8:
        raise ModelError(f'{path} is not a safetensors file')
    (n,) = struct.unpack('<Q', raw[:8])
    if n > len(raw) - 8:
        raise ModelError(f'{path} is not a safetensors file (or is truncated)')
    try:
        header = json.loads(raw[8:8 + n].decode('utf-8'))
    except ValueError:
        raise ModelError(f'{path} is not a safetensors file (its header is not JSON)')
    metadata = header.pop('__metadata__', {}) or {}
    try:
        from safetensors.torch import load as st_load  # the package, when installed
        return st_load(raw), metadata
    except ImportError:
        pass
    data = raw[8 + n:]
    tensors = {}
    for name, e in header.items():
        dtype = _DTYPES.get(e['dtype'])
        if dtype is None:
            raise ModelError(f'{path}: tensor {name} has dtype {e["dtype"]}, which this reader does not read')
        begin, end = e['data_offsets']
        buf = bytearray(data[begin:end])
        t = torch.frombuffer(buf, dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(e['shape']).clone()
    return tensors, metadata


def _crc(b):
    return format(zlib.crc32(b) & 0xFFFFFFFF, '08x')


def _js(v):
    """JSON as JavaScript's JSON.stringify writes it (no spaces, non-ASCII as is)."""
    return json.dumps(v, ensure_ascii=False, separators=(',', ':'))


def write_safetensors(path, tensors, metadata):
    """Writes a safetensors file atomically (a temporary file renamed over 'path'), with the
    checksums rnnlab adds (data_crc32, header_crc32), so rnnlab loads it as one of its own."""
    entries, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().to('cpu').contiguous()
        b = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        entries[name] = {'dtype': _NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    data = b''.join(chunks)
    own = {k: str(v) for k, v in metadata.items() if k not in ('data_crc32', 'header_crc32')}
    canonical = _js([sorted(own.items()), [[k, e['dtype'], e['shape'], e['data_offsets']] for k, e in sorted(entries.items())]])
    meta = dict(own, data_crc32=_crc(data), header_crc32=_crc(canonical.encode('utf-8')))
    header = _js(dict({'__metadata__': meta}, **entries)).encode('utf-8')
    header += b' ' * ((8 - (8 + len(header)) % 8) % 8)
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f'.{os.path.basename(path)}.{os.getpid()}.tmp')
    try:
        with open(tmp, 'wb') as f:
            f.write(struct.pack('<Q', len(header)))
            f.write(header)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


# ---------------------------------------------------------------------------------------------
# Text: rnnlab's tokenizers (src/text/tokenizers/), character for character
# ---------------------------------------------------------------------------------------------
class CharClasses:
    """Membership in the classes rnnlab's regular expressions use (\\p{L}, \\p{N}, \\s, …), read
    from charclasses.json, which rnnlab computed with those very expressions."""

    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            t = json.load(f)
        self.unicode = t['unicode']
        self._starts, self._ends = {}, {}
        for k, rs in t['classes'].items():
            self._starts[k] = [a for a, _ in rs]
            self._ends[k] = [b for _, b in rs]
        self._memo = {}

    def has(self, cls, ch):
        key = (cls, ch)
        r = self._memo.get(key)
        if r is None:
            c = ord(ch)
            s = self._starts[cls]
            i = bisect.bisect_right(s, c) - 1
            r = i >= 0 and c <= self._ends[cls][i]
            if len(self._memo) < 200000:
                self._memo[key] = r
        return r

    def check_known(self, text):
        """Refuses a character this Python's Unicode database does not know but rnnlab's does:
        normalisation and lower-casing of it might then differ from rnnlab's."""
        for ch in set(text):
            if unicodedata.category(ch) == 'Cn' and self.has('assigned', ch):
                raise ModelError(
                    f'the text holds U+{ord(ch):04X}, a character this Python\'s Unicode database '
                    f'({unicodedata.unidata_version}) does not know but rnnlab\'s ({self.unicode}) does: '
                    'model.py cannot tokenize it exactly as rnnlab; use a newer Python or rnnlab itself')


def normalize_text(text, lowercase):
    """NFC, then lower-cased and NFC again if asked (src/text/tokenizers/char.ts)."""
    nfc = unicodedata.normalize('NFC', text)
    return unicodedata.normalize('NFC', nfc.lower()) if lowercase else nfc


_DROPPED = set('\u00ad\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff')
_URL_STOP = set('<>"\u00ab\u00bb\u201c\u201d')
_URL_TAIL = set('.,;:!?\'\u2019\u2026')
_CLOSERS = {')': '(', ']': '[', '}': '{'}
_PUNCT_RUN = set('.?!\u2026')
_JOINERS = set('-\u2010\u2011_')


class WordSplitter:
    """rnnlab's word tokenizer (src/text/tokenizers/word.ts): its regular expression
    URL | e-mail | emoji | CJK | word | punctuation run | any other character, scanned the way
    JavaScript's RegExp does (at each position the first alternative that matches)."""

    def __init__(self, cc):
        self.cc = cc

    def _is(self, cls, s, i):
        return i < len(s) and self.cc.has(cls, s[i])

    def _lnm(self, s, i):
        return i < len(s) and (self.cc.has('L', s[i]) or self.cc.has('N', s[i]) or self.cc.has('M', s[i]))

    def _cjk(self, s, i):
        return self._is('cjk', s, i)

    def _alnum(self, s, i):
        if i >= len(s) or self._cjk(s, i):
            return False
        return s[i] in '\u200c\u200d' or self._lnm(s, i)

    def _url(self, s, i):
        n = len(s)
        j = None
        for head in ('https://', 'http://', 'ftp://', 'www.'):
            if s.startswith(head, i):
                j = i + len(head)
                break
        if j is None:
            return None
        k = j
        while k < n and not self.cc.has('space', s[k]) and s[k] not in _URL_STOP:
            k += 1
        if k == j:
            return None
        url = s[i:k]
        end = len(url)
        while True:
            last = url[end - 1]
            if last in _URL_TAIL:
                end -= 1
                continue
            opener = _CLOSERS.get(last)
            if opener is not None:
                body = url[:end]
                if body.count(opener) < body.count(last):
                    end -= 1
                    continue
            break
        return i + end

    def _email(self, s, i):
        n = len(s)

        def local(k):
            return k < n and (s[k] in '._%+-' or self.cc.has('L', s[k]) or self.cc.has('N', s[k]))

        def label(k):
            return k < n and (s[k] == '-' or self.cc.has('L', s[k]) or self.cc.has('N', s[k]))

        k = i
        while local(k):
            k += 1
        if k == i or k >= n or s[k] != '@':
            return None
        k += 1
        j = k
        while label(k):
            k += 1
        if k == j:
            return None
        parts = 0
        while k < n and s[k] == '.' and label(k + 1):
            k += 1
            while label(k):
                k += 1
            parts += 1
        return k if parts else None

    def _emoji_tail(self, s, k):
        while k < len(s) and (self.cc.has('emoji_modifier', s[k]) or s[k] in '\ufe0f\u20e3' or 0xE0020 <= ord(s[k]) <= 0xE007F):
            k += 1
        return k

    def _emoji(self, s, i):
        n = len(s)
        if self._is('regional_indicator', s, i) and self._is('regional_indicator', s, i + 1):
            return i + 2
        if s[i] in '#*0123456789':
            k = i + 1
            if k < n and s[k] == '\ufe0f':
                k += 1
            if k < n and s[k] == '\u20e3':
                return k + 1
        if self._is('ext_pict', s, i):
            k = self._emoji_tail(s, i + 1)
            while k + 1 < n and s[k] == '\u200d' and self._is('ext_pict', s, k + 1):
                k = self._emoji_tail(s, k + 2)
            return k
        return None

    def _piece(self, s, i):
        """PIECE: a letter/digit/mark (not CJK), alphanumerics, and the inner apostrophes and
        digit separators of 'don't' and '3.14'."""
        if i >= len(s) or self._cjk(s, i) or not self._lnm(s, i):
            return None
        k = i + 1
        while self._alnum(s, k):
            k += 1
        while k < len(s):
            prev_ln = self._is('L', s, k - 1) or self._is('N', s, k - 1)
            c = s[k]
            if c in '\'\u2019' and prev_ln and self._is('L', s, k + 1):
                pass
            elif c in '.,/' and self._is('N', s, k - 1) and self._is('N', s, k + 1):
                pass
            else:
                break
            if not self._alnum(s, k + 1):
                break
            k += 2
            while self._alnum(s, k):
                k += 1
        return k

    def _word(self, s, i):
        k = self._piece(s, i)
        if k is None:
            return None
        while k < len(s) and s[k] in _JOINERS and self._alnum(s, k + 1):
            j = self._piece(s, k + 1)
            if j is None:
                break
            k = j
        return k

    def _punct(self, s, i):
        n = len(s)
        if s[i] in _PUNCT_RUN:
            k = i
            while k < n and s[k] in _PUNCT_RUN:
                k += 1
            return k
        for c in '-*':
            if s[i] == c and i + 1 < n and s[i + 1] == c:
                k = i
                while k < n and s[k] == c:
                    k += 1
                return k
        return None

    def split(self, text):
        if any(c in _DROPPED or c == '\u200b' for c in text):
            text = unicodedata.normalize('NFC', ''.join(' ' if c == '\u200b' else c for c in text if c not in _DROPPED))
        s, n, i, out = text, len(text), 0, []
        while i < n:
            end = self._url(s, i)
            if end is None:
                end = self._email(s, i)
            if end is None:
                end = self._emoji(s, i)
            if end is None and self._cjk(s, i):
                end = i + 1
                while self._is('M', s, end):
                    end += 1
            if end is None:
                end = self._word(s, i)
            if end is None:
                end = self._punct(s, i)
            if end is None:
                if self.cc.has('space', s[i]) or s[i] in '\u200c\u200d':
                    i += 1
                    continue
                end = i + 1
            out.append(s[i:end])
            i = end
        return out


class Tokenizer:
    """tokenizer.json's settings as a function from text to tokens (char, word, wordpunct,
    whitespace, bpe), normalising first as rnnlab does."""

    def __init__(self, settings, cc):
        self.kind = settings['kind']
        self.lowercase = bool(settings.get('lowercase', False))
        self.cc = cc
        if self.kind not in ('char', 'word', 'wordpunct', 'whitespace', 'bpe'):
            raise ModelError(f'tokenizer kind {self.kind!r} is not one model.py reproduces (char, word, wordpunct, whitespace, bpe)')
        self.unk_token = settings.get('unkToken')
        self.eos_per_line = bool(settings.get('eosPerLine', False))
        self.words = WordSplitter(cc)
        self.ranks = {}
        for r, (a, b) in enumerate(settings.get('merges') or []):
            self.ranks.setdefault((a, b), r)
        self._bpe_cache = {}

    def tokenize(self, text):
        self.cc.check_known(text)
        s = normalize_text(text, self.lowercase)
        if self.kind == 'char':
            return list(s)
        if self.kind == 'word':
            return self.words.split(s)
        if self.kind == 'wordpunct':
            return self._wordpunct(s)
        if self.kind == 'whitespace':
            return self._whitespace(s)
        return [t for p in self._bpe_pieces(s) for t in self._bpe_encode(p)]

    def _w(self, ch):
        return ch == '_' or self.cc.has('L', ch) or self.cc.has('N', ch) or self.cc.has('M', ch)

    def _wordpunct(self, s):
        """\\w+|[^\\w\\s]+ with \\w = letters, numbers, marks and _ (src/text/tokenizers/wordpunct.ts)."""
        out, i, n = [], 0, len(s)
        while i < n:
            if self._w(s[i]):
                k = i
                while k < n and self._w(s[k]):
                    k += 1
            elif not self.cc.has('space', s[i]):
                k = i
                while k < n and not self._w(s[k]) and not self.cc.has('space', s[k]):
                    k += 1
            else:
                i += 1
                continue
            out.append(s[i:k])
            i = k
        return out

    def _whitespace(self, s):
        out = []
        unk = None if self.unk_token is None else normalize_text(self.unk_token, self.lowercase)
        lines = s.split('\n')
        for li, line in enumerate(lines):
            word = []
            for ch in line + ' ':
                if self.cc.has('space', ch):
                    if word:
                        t = ''.join(word)
                        out.append(UNK if t == unk else t)
                        word = []
                else:
                    word.append(ch)
            if self.eos_per_line and li < len(lines) - 1:
                out.append(EOS)
        return out

    def _bpe_pieces(self, s):
        """The pre-split of src/text/tokenizers/bpe.ts, / ?[LM]+| ?N+| ?[^\\sLMN]+|\\s*[^\\S ](?=\\S)|\\s+(?!\\S)|\\s+/:
        a letter, digit or symbol run with at most one leading space, or a whitespace run that
        leaves its last space to the word after it."""
        cc = self.cc
        sp = lambda ch: cc.has('space', ch)
        lm = lambda ch: cc.has('L', ch) or cc.has('M', ch)
        num = lambda ch: cc.has('N', ch)
        other = lambda ch: not (sp(ch) or lm(ch) or num(ch))
        out, i, n = [], 0, len(s)
        while i < n:
            end = None
            for cls in (lm, num, other):
                j = i + 1 if s[i] == ' ' and i + 1 < n and cls(s[i + 1]) else i
                if cls(s[j]):
                    end = j + 1
                    while end < n and cls(s[end]):
                        end += 1
                    break
            if end is None:  # s[i] is whitespace: q ends its run
                q = i
                while q < n and sp(s[q]):
                    q += 1
                if q < n and s[q - 1] != ' ':
                    end = q  # \s*[^\S ](?=\S): the run, ending in a break, before a word
                elif q < n and q - 1 > i:
                    end = q - 1  # \s+(?!\S): all but the space the next word takes
                else:
                    end = q  # \s+(?!\S) at the end of the text, or \s+
            out.append(s[i:end])
            i = end
        return out

    def _bpe_encode(self, piece):
        hit = self._bpe_cache.get(piece)
        if hit is not None:
            return hit
        syms = list(piece)
        while len(syms) > 1:
            best = None
            for a, b in zip(syms, syms[1:]):
                r = self.ranks.get((a, b))
                if r is not None and (best is None or r < best):
                    best = r
            if best is None:
                break
            merged, k = [], 0
            while k < len(syms):
                if k + 1 < len(syms) and self.ranks.get((syms[k], syms[k + 1])) == best:
                    merged.append(syms[k] + syms[k + 1])
                    k += 2
                else:
                    merged.append(syms[k])
                    k += 1
            syms = merged
        if len(self._bpe_cache) < 100000:
            self._bpe_cache[piece] = syms
        return syms


def read_text(arg):
    """--eval/--prime/--classify: a file's text when ARG names a file, else ARG itself; a BOM is
    dropped and line ends become \\n, as rnnlab reads files."""
    if os.path.isfile(arg):
        ext = os.path.splitext(arg[:-3] if arg.lower().endswith('.gz') else arg)[1].lower()
        if arg.lower().endswith('.gz') or ext in ('.json', '.jsonl', '.ndjson', '.csv', '.tsv'):
            raise ModelError(f'{arg}: model.py reads plain text files, and rnnlab reads this one as records '
                             '(JSON, CSV or gzip): give a .txt file or the text itself, or use rnnlab eval')
        try:
            with open(arg, 'rb') as f:
                raw = f.read()
            text = raw.decode('utf-8')
        except UnicodeDecodeError as e:
            raise ModelError(f'{arg} is not UTF-8 text (byte {e.start}); rnnlab eval --encoding reads other encodings')
    else:
        text = arg
    if text.startswith('\ufeff'):
        text = text[1:]
    return re.sub('\r\n?', '\n', text)


# ---------------------------------------------------------------------------------------------
# The modules: attribute names are the checkpoint's tensor names
# ---------------------------------------------------------------------------------------------
class LanguageModel(nn.Module):
    """embedding (absent: one-hot input) -> nn.LSTM/GRU/RNN -> dropout -> decoder (src/nn/language-model.ts)."""

    def __init__(self, c):
        super().__init__()
        V, E, H, L = c['vocabSize'], c['embed'], c['hidden'], c['layers']
        self.V, self.E = V, E
        self.embedding = nn.Embedding(V, E) if E > 0 else None
        cls = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[c['cell']]
        kw = {'nonlinearity': c.get('activation', 'tanh')} if c['cell'] == 'rnn' else {}
        self.rnn = cls(E if E > 0 else V, H, num_layers=L, batch_first=True, dropout=c.get('dropout', 0) if L > 1 else 0.0, **kw)
        self.dropout = nn.Dropout(c.get('dropout', 0))
        self.decoder = nn.Linear(H, V)
        if c.get('tieWeights'):
            self.decoder.weight = self.embedding.weight

    def forward(self, x, state=None):
        """x [B, T] ids -> logits [B, T, V] and the final state."""
        h = self.embedding(x) if self.embedding is not None else F.one_hot(x, self.V).to(self.decoder.weight.dtype)
        out, state = self.rnn(h, state)
        return self.decoder(self.dropout(out)), state


def time_pool(out, pool):
    if pool == 'max':
        return out.amax(1)
    if pool == 'mean':
        return out.mean(1)
    raise ModelError(f'unknown pool {pool!r}')


class TextCNN(nn.Module):
    """embedding -> layers x [Conv1d, BatchNorm1d, ReLU] (features.0, .1, .2, …) -> max/mean over
    time -> dropout -> fc (src/nn/classifier.ts)."""

    def __init__(self, c):
        super().__init__()
        self.pool = c['pool']
        self.embedding = nn.Embedding(c['vocabSize'], c['embed'])
        mods = []
        for i in range(c['layers']):
            mods += [nn.Conv1d(c['embed'] if i == 0 else c['hidden'], c['hidden'], c['kernel'], stride=c['stride'], padding=1),
                     nn.BatchNorm1d(c['hidden']), nn.ReLU()]
        self.features = nn.Sequential(*mods)
        self.dropout = nn.Dropout(c.get('dropout', 0))
        self.fc = nn.Linear(c['hidden'], c['classes'])

    def forward(self, x):
        h = self.features(self.embedding(x).transpose(1, 2))  # [B, F, T']
        return self.fc(self.dropout(time_pool(h.transpose(1, 2), self.pool)))


class RecurrentClassifier(nn.Module):
    """embedding -> nn.RNN(tanh)/GRU/LSTM (bidirectional or not) -> last/max/mean -> dropout -> fc."""

    def __init__(self, c):
        super().__init__()
        self.pool, self.bidirectional = c['pool'], bool(c.get('bidirectional'))
        self.embedding = nn.Embedding(c['vocabSize'], c['embed'])
        cls = {'rnn': nn.RNN, 'gru': nn.GRU, 'lstm': nn.LSTM}[c['model']]
        L = c['layers']
        self.rnn = cls(c['embed'], c['hidden'], num_layers=L, batch_first=True, bidirectional=self.bidirectional,
                       dropout=c.get('dropout', 0) if L > 1 else 0.0)
        self.dropout = nn.Dropout(c.get('dropout', 0))
        self.fc = nn.Linear(c['hidden'] * (2 if self.bidirectional else 1), c['classes'])

    def forward(self, x):
        """x [B, T] with every position real (one text at a time, as 'classify predict')."""
        out, h = self.rnn(self.embedding(x))
        if self.pool == 'last':
            h = h[0] if isinstance(h, tuple) else h
            pooled = torch.cat([h[-2], h[-1]], 1) if self.bidirectional else h[-1]
        else:
            pooled = time_pool(out, self.pool)
        return self.fc(self.dropout(pooled))


def build_module(arch, config):
    if arch == 'lm':
        return LanguageModel(config)
    if arch == 'classifier':
        return TextCNN(config) if config['model'] == 'cnn' else RecurrentClassifier(config)
    raise ModelError(f'architecture {arch!r} is not one model.py builds (lm, classifier)')


# ---------------------------------------------------------------------------------------------
# The exported model: folder files + weights
# ---------------------------------------------------------------------------------------------
def _json(name, folder):
    path = os.path.join(folder, name)
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except OSError as e:
        raise ModelError(f'cannot read {path}: {e.strerror}')
    except ValueError:
        raise ModelError(f'{path} is not valid JSON')


class Exported:
    """The folder's model: module (weights loaded, eval mode), vocabulary, tokenizer, metadata."""

    def __init__(self, folder=HERE, weights=None):
        self.folder = folder
        config = _json('config.json', folder)
        self.arch = config.pop('arch', 'lm')
        config.pop('level', None)
        self.config = config
        self.vocab = _json('vocab.json', folder)
        self.ids = {t: i for i, t in enumerate(self.vocab)}
        self.tokenizer = Tokenizer(_json('tokenizer.json', folder), CharClasses(os.path.join(folder, 'charclasses.json')))
        tensors, self.metadata = read_safetensors(weights or os.path.join(folder, 'weights.safetensors'))
        self.module = build_module(self.arch, config)
        own = self.module.state_dict()
        missing = [k for k in own if k not in tensors]
        if missing:
            raise ModelError(f'{weights or "weights.safetensors"} lacks the tensor {missing[0]}')
        self.module.load_state_dict({k: tensors[k].to(own[k].dtype) for k in own})
        self.module.eval()
        batching = self.metadata.get('batching')
        # older files lack "batching": a vocabulary with [SOS] then means documents
        self.documents = batching in ('pad', 'bucket') if batching is not None else SOS in self.ids

    def special(self, token):
        return self.ids.get(token, -1)

    def encode(self, tokens, drop_unknown):
        """Ids of tokens: unknown ones are [UNK], or dropped (a char vocabulary, which has none);
        returns (ids, number unknown)."""
        unk = self.special(UNK)
        ids, unknown = [], []
        for t in tokens:
            i = self.ids.get(t)
            if i is None:
                unknown.append(t)
                if drop_unknown:
                    continue
                if unk < 0:
                    raise ModelError(f'cannot map unknown tokens to {UNK}: the vocabulary has no {UNK} token (unknown: {json.dumps(t, ensure_ascii=False)})')
                i = unk
            ids.append(i)
        return ids, len(unknown)


# ---------------------------------------------------------------------------------------------
# What the command line does
# ---------------------------------------------------------------------------------------------
def evaluate(m, text, window=256):
    """Sum NLL and scored tokens of TEXT as 'rnnlab eval --batch 1': a stream model reads the
    tokens as one row from an empty state, the state carried across windows, scoring every
    token after the first; a document model reads [SOS] tokens [EOS] and scores all but [SOS]."""
    if m.arch != 'lm':
        raise ModelError('--eval scores language models; this folder holds a classifier (use --classify)')
    tokens = m.tokenizer.tokenize(text)
    drop = m.special(UNK) < 0 and m.tokenizer.kind == 'char'
    ids, oov = m.encode(tokens, drop)
    if m.documents:
        if not ids:
            return {'nll': 0.0, 'tokens': 0, 'oov': oov}
        ids = [m.special(SOS)] + ids + [m.special(EOS)]
    elif len(ids) < 2:
        raise ModelError(f'the text is too short to score: {len(ids)} token(s) give no target')
    x = torch.tensor(ids, dtype=torch.long)[None, :]
    nll, count, state = 0.0, 0, None
    with torch.no_grad():
        for s in range(0, x.shape[1] - 1, window):
            inp, tgt = x[:, s:s + window], x[:, s + 1:s + 1 + window]
            inp = inp[:, :tgt.shape[1]]
            logits, state = m.module(inp, state)
            nll += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]).double(), tgt.reshape(-1), reduction='sum'))
            count += tgt.numel()
    return {'nll': nll, 'tokens': count, 'loss': nll / count, 'perplexity': math.exp(nll / count), 'oov': oov}


def render(m, tokens):
    """Tokens as text: chars and BPE joined, words with single spaces, [EOS] as a line break."""
    kind = m.tokenizer.kind
    out = []
    for t in tokens:
        if t in (PAD, SOS):
            continue
        if t == EOS:
            out.append('\n')
        elif t == UNK:
            out.append('' if kind == 'char' else '<unk>' if kind == 'bpe' else ' <unk>')
        elif kind in ('char', 'bpe'):
            out.append(t)
        else:
            out.append(t if not out or out[-1].endswith('\n') else ' ' + t)
    return ''.join(out)


def sample(m, prime, length, temperature, top_k, top_p, seed):
    """Generated text after PRIME ([PAD], [SOS] and [UNK] are never drawn; a document model
    starts with [SOS] and stops at [EOS])."""
    if m.arch != 'lm':
        raise ModelError('--sample needs a language model; this folder holds a classifier (use --classify)')
    gen = torch.Generator().manual_seed(seed)
    tokens = m.tokenizer.tokenize(prime) if prime else []
    lead = [SOS] if m.documents else []
    if not tokens and not lead:
        tokens = ['\n'] if '\n' in m.ids else [EOS] if EOS in m.ids else []
        if not tokens:
            raise ModelError('--prime is required for this model (no [SOS], [EOS] or newline to start from)')
    missing = sorted({t for t in tokens if t not in m.ids})
    if missing and m.special(UNK) < 0:
        raise ModelError(f'the prime holds tokens outside the model\'s vocabulary: {", ".join(json.dumps(t, ensure_ascii=False) for t in missing[:10])}')
    ids, _ = m.encode(lead + tokens, False)
    banned = [i for i in (m.special(PAD), m.special(SOS), m.special(UNK)) if i >= 0]
    out = []
    with torch.no_grad():
        logits, state = m.module(torch.tensor([ids]), None)
        last = logits[0, -1]
        for _ in range(length):
            z = last.double().clone()
            z[banned] = -math.inf
            if temperature <= 0:
                nxt = int(z.argmax())
            else:
                z = z / temperature
                if top_k > 0 and top_k < z.numel():
                    kth = torch.topk(z, top_k).values[-1]
                    z[z < kth] = -math.inf
                if 0 < top_p < 1:
                    p_sorted, order = torch.sort(F.softmax(z, 0), descending=True)
                    keep = torch.cumsum(p_sorted, 0) - p_sorted < top_p
                    keep[0] = True
                    cut = torch.ones_like(z, dtype=torch.bool)
                    cut[order[keep]] = False
                    z[cut] = -math.inf
                nxt = int(torch.multinomial(F.softmax(z, 0), 1, generator=gen))
            if m.documents and nxt == m.special(EOS):
                break
            out.append(nxt)
            logits, state = m.module(torch.tensor([[nxt]]), state)
            last = logits[0, -1]
    shown = tokens if tokens != ['\n'] and tokens != [EOS] else []
    return render(m, shown + [m.vocab[i] for i in out])


_BACKSLASHES = re.compile(r'\\+(\$)?')
_NAMED = {'quot': '"', 'amp': '&', 'lt': '<', 'gt': '>', 'apos': "'", 'nbsp': '\xa0', 'hellip': '\u2026',
          'lsquo': '\u2018', 'rsquo': '\u2019', 'ldquo': '\u201c', 'rdquo': '\u201d', 'ndash': '\u2013', 'mdash': '\u2014'}
_REF = re.compile(r'&?#(\d+);|(?:&|(?<![A-Za-z0-9_]))(' + '|'.join(_NAMED) + r');')


def _numeric_ref(n):
    if 128 <= n <= 159:
        try:
            return bytes([n]).decode('cp1252')  # HTML: the C1 range means Windows-1252
        except UnicodeDecodeError:
            return chr(n)
    if n == 0 or n > 0x10FFFF or 0xD800 <= n <= 0xDFFF:
        return '\ufffd'
    return chr(n)


def clean_news_escapes(text):
    """The news-corpus escapes undone, as rnnlab's classifiers read text (src/text/sources/clean.ts)."""
    text = _BACKSLASHES.sub(lambda mm: '$' if mm.group(1) else ' ', text)
    return _REF.sub(lambda mm: _numeric_ref(int(mm.group(1))) if mm.group(1) else _NAMED[mm.group(2)], text)


def classify(m, text):
    """Class probabilities of TEXT as 'rnnlab classify predict': cleaned unless trained with
    --no-clean, cut to the training --max-len, unknown words as [UNK]."""
    if m.arch != 'classifier':
        raise ModelError('--classify needs a text classifier; this folder holds a language model (use --eval or --sample)')
    meta = m.metadata
    names = json.loads(meta.get('classes', 'null') or 'null')
    if not isinstance(names, list):
        raise ModelError('weights.safetensors has no class list in its metadata')
    max_len = int(meta.get('max_len', '0') or 0)
    clean = meta.get('clean', 'true') != 'false'
    tokens = m.tokenizer.tokenize(clean_news_escapes(text) if clean else text)
    if not tokens:
        raise ModelError('the text is empty: nothing to classify')
    ids, _ = m.encode(tokens[:max_len] if max_len > 0 else tokens, False)
    with torch.no_grad():
        logits = m.module(torch.tensor([ids]))[0].double()
    p = F.softmax(logits, 0).tolist()
    return {'label': names[max(range(len(p)), key=lambda i: p[i])], 'probabilities': dict(zip(names, p))}


def main(argv=None):
    ap = argparse.ArgumentParser(description='An rnnlab model in PyTorch: evaluate, sample or classify.')
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument('--eval', metavar='FILE_OR_TEXT', help='print {"nll", "tokens", …} of this text as rnnlab eval --batch 1')
    what.add_argument('--sample', action='store_true', help='generate text after --prime')
    what.add_argument('--classify', metavar='FILE_OR_TEXT', help='print the class probabilities of this text as JSON')
    what.add_argument('--info', action='store_true', help='print the architecture, config and tokenizer')
    ap.add_argument('--prime', default='', help='--sample: the text to continue (a file, or the text itself)')
    ap.add_argument('--length', type=int, default=200, help='--sample: tokens to generate (default 200)')
    ap.add_argument('--temperature', type=float, default=1.0, help='--sample: 0 is greedy (default 1)')
    ap.add_argument('--top-k', type=int, default=0, help='--sample: keep the k most likely tokens (0: all)')
    ap.add_argument('--top-p', type=float, default=1.0, help='--sample: keep the smallest set with this much probability (1: all)')
    ap.add_argument('--seed', type=int, default=1, help='--sample: the random seed (default 1)')
    ap.add_argument('--weights', help='another .safetensors file with the same tensor names (a train_ddp.py checkpoint)')
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: torch\'s default)')
    a = ap.parse_args(argv)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    try:
        if a.length < 0:
            raise ModelError(f'--length must be 0 or more, got {a.length}')
        m = Exported(HERE, a.weights)
        if a.info:
            print(json.dumps({'arch': m.arch, 'config': m.config, 'tokenizer': m.tokenizer.kind, 'vocab': len(m.vocab), 'documents': m.documents}))
        elif a.eval is not None:
            print(json.dumps(evaluate(m, read_text(a.eval))))
        elif a.sample:
            print(sample(m, read_text(a.prime) if a.prime else '', a.length, a.temperature, a.top_k, a.top_p, a.seed))
        else:
            print(json.dumps(classify(m, read_text(a.classify)), ensure_ascii=False))
    except ModelError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
`;
