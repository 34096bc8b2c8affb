#!/usr/bin/env python3
"""Parity of `rnnlab export --format pytorch` with rnnlab itself, run by a developer (needs torch):

    npm run build && OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 scripts/pytorch_parity.py

Trains tiny rnnlab models of every kind the export covers (LSTM, GRU, RNN tanh/relu, one-hot
input, tied weights, two layers with dropout; char, word, wordpunct, whitespace, BPE and
lower-cased tokenizers; stream and document batching; CNN/RNN/GRU/LSTM classifiers with every
pool), exports each, and compares
  - `python model.py --eval FILE` with `rnnlab eval --batch 1 --json` (sum NLL, token count),
  - `python model.py --classify TEXT` with `rnnlab classify predict --json` (probabilities),
  - model.py's tokenizers with rnnlab's (src/text/tokenizers/) on texts full of edge cases and
    300 seeded random strings of the characters their rules turn on.
Prints one line per case and the largest relative NLL difference; exits 1 when any case is
off by more than 1e-5 relative (NLL), 1e-5 absolute (probabilities) or differs in tokens.
The corpora come from ../shared/data (tiny_shakespeare, ag_news); --keep keeps the work folder.
"""
import argparse
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = [shutil.which('node') or 'node', os.path.join(ROOT, 'dist', 'src', 'cli', 'main.js')]
DATA = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'data'))
PY = sys.executable

# Edge cases of every tokenizer: URLs, e-mail, emoji sequences, CJK, apostrophes, numbers,
# hyphens, invisible characters, combining marks, unusual whitespace, CRLF.
TORTURE = [
    "Don't stop: state-of-the-art k-means on 3.14 and 1,000/2 (v1.2.3) at 20.5-hour runs.",
    "See https://example.com/a_(b)?q=1. or www.test.org/x), mail me@ex-ample.co.uk!",
    "Emoji: 👩‍💻 👍🏽 🇫🇷 1️⃣ #️⃣ ❤️ and 😀😀 — 'quotes' «guillemets» “curly”…",
    "日本語のテキスト、漢字と ひらがな。中文句子。Ｆｕｌｌｗｉｄｔｈ",
    "co\u00adoperate zero\u200bwidth word\u2060joiner \ufeffbom \u200ePersian\u200cword e\u0301t\u00e9 x\u0305",
    "İstanbul ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ straße ǅemal ﬁne",
    "tabs\tand\u00a0nbsp  double  spaces   \n\n\nnew paragraph \r\n crlf\u2028ls  ",
    "wow?!... --- *** snake_case_word don’t 1990's O'Neil мо̣локо что-то",
    "  leading spaces and trailing ones   ",
    "<unk> tokens <unk> of PTB\nsecond line\n",
]

# Random strings over the characters the rules above turn on (seeded: the same every run).
FUZZ_CHARS = list("aZé1 9._-'’/,@:#*?!…()[]{}<>\"\t\n\r") + ['\u00a0', '\u200b', '\u200c', '\u200d', '\u00ad', '\u0301',
              '\u2010', '😀', '🏽', '\ufe0f', '\u20e3', '🇫', '🇷', '漢', 'か', 'ー', '\u00b7', 'http://', 'www.', 'ß', 'Σ', 'İ']


def fuzz_texts(n=300, seed=1):
    rng = random.Random(seed)
    return [''.join(rng.choice(FUZZ_CHARS) for _ in range(rng.randint(1, 30))) for _ in range(n)]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed ({r.returncode}): {r.stderr.strip()[-800:]}')
    return r.stdout


def rnnlab(*args):
    return run(CLI + list(args))


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def load_model_py(folder):
    spec = importlib.util.spec_from_file_location(f'model_{abs(hash(folder))}', os.path.join(folder, 'model.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


LM_CASES = [
    # name, corpus, eval file, train flags
    ('lstm char', 'lm', 'eval', ['--cell', 'lstm']),
    ('gru char', 'lm', 'eval', ['--cell', 'gru']),
    ('rnn tanh char', 'lm', 'eval', ['--cell', 'rnn', '--activation', 'tanh']),
    ('rnn relu char', 'lm', 'eval', ['--cell', 'rnn', '--activation', 'relu']),
    ('one-hot (embed 0)', 'lm', 'eval', ['--embed', '0']),
    ('tied weights', 'lm', 'eval', ['--embed', '32', '--hidden', '32', '--tie-weights']),
    ('2 layers, dropout', 'lm', 'eval', ['--layers', '2', '--dropout', '0.2', '--cell', 'gru']),
    ('char lowercase', 'lm', 'eval', ['--lowercase']),
    ('word', 'lm', 'eval', ['--level', 'word']),
    ('word lowercase', 'lm', 'eval', ['--level', 'word', '--lowercase', '--cell', 'gru']),
    ('wordpunct', 'lm', 'eval', ['--level', 'word', '--tokenizer', 'wordpunct']),
    ('whitespace unk eos', 'ptb', 'ptbeval', ['--level', 'word', '--tokenizer', 'whitespace', '--unk-token', '<unk>', '--eos-per-line']),
    ('bpe', 'lm', 'eval', ['--level', 'bpe', '--bpe-merges', '300']),
    ('bpe lowercase', 'lm', 'eval', ['--level', 'bpe', '--bpe-merges', '150', '--lowercase']),
    ('word documents (pad)', 'docs', 'eval', ['--level', 'word', '--batching', 'pad']),
]

CLS_CASES = [
    ('cnn max', ['--model', 'cnn', '--pool', 'max', '--layers', '2']),
    ('cnn mean', ['--model', 'cnn', '--pool', 'mean', '--layers', '1']),
    ('rnn last', ['--model', 'rnn']),
    ('gru max', ['--model', 'gru', '--pool', 'max']),
    ('lstm mean', ['--model', 'lstm', '--pool', 'mean']),
    ('lstm bidirectional last', ['--model', 'lstm', '--bidirectional', '--layers', '2']),
    ('gru bidirectional word', ['--model', 'gru', '--bidirectional', '--tokenizer', 'word']),
]

CLS_TEXTS = [
    'Stocks fell sharply on Wall Street as oil prices rose.',
    'The team won the championship after a thrilling final quarter.',
    'Scientists unveil a new quantum computer chip #39;s design\\today quot;fast quot;',
    'Zyxwv unknownword qwertyuiop',
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--keep', action='store_true', help='keep the work folder')
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix='rnnlab-pt-parity-')
    failures, rows, worst = [], [], 0.0
    try:
        with open(os.path.join(DATA, 'tiny_shakespeare', 'input.txt'), encoding='utf-8') as f:
            shakespeare = f.read()
        files = {
            'lm': shakespeare[:30000] + '\n' + '\n'.join(TORTURE[:6]) + '\n',
            'eval': shakespeare[30000:33000] + '\n' + '\n'.join(TORTURE) + '\n',
            'ptb': ''.join(line + ' <unk>\n' for line in shakespeare[:20000].lower().split('\n') if line.strip()),
            'ptbeval': ''.join(line + '\n' for line in shakespeare[20000:22000].split('\n')) + TORTURE[9],
        }
        paths = {}
        for k, v in files.items():
            paths[k] = os.path.join(work, f'{k}.txt')
            with open(paths[k], 'w', encoding='utf-8', newline='') as f:
                f.write(v)
        paths['docs'] = os.path.join(work, 'docs.jsonl')
        with open(paths['docs'], 'w', encoding='utf-8') as f:
            for para in shakespeare[:30000].split('\n\n'):
                if para.strip():
                    f.write(json.dumps({'text': para}) + '\n')

        tiny = {'--hidden': '24', '--embed': '16', '--layers': '1', '--batch': '8', '--seq': '32', '--max-steps': '12'}
        for name, corpus, evalfile, flags in LM_CASES:
            run_dir, out = os.path.join(work, 'run-' + name.replace(' ', '_')), os.path.join(work, 'exp-' + name.replace(' ', '_'))
            # --seq is for stream batching only
            base = [x for k, v in tiny.items() if k not in flags and not (k == '--seq' and '--batching' in flags) for x in (k, v)]
            rnnlab('train', '--data', paths[corpus], '--out', run_dir, '--quiet', *base, *flags)
            rnnlab('export', '--model', run_dir, '--format', 'pytorch', '--out', out)
            ours = json.loads(rnnlab('eval', '--model', run_dir, '--data', paths[evalfile], '--batch', '1', '--json'))
            theirs = last_json(run([PY, os.path.join(out, 'model.py'), '--eval', paths[evalfile]]))
            rel = abs(theirs['nll'] - ours['nll']) / abs(ours['nll'])
            worst = max(worst, rel)
            ok = rel <= 1e-5 and theirs['tokens'] == ours['tokens']
            rows.append(f'{"ok  " if ok else "FAIL"} {name:26s} rnnlab nll {ours["nll"]:.6f} tokens {ours["tokens"]:5d} | model.py nll {theirs["nll"]:.6f} tokens {theirs["tokens"]:5d} | rel {rel:.2e}')
            if not ok:
                failures.append(name)
            print(rows[-1], flush=True)

        cls_csv = os.path.join(DATA, 'ag_news', 'train_subset.csv')
        for name, flags in CLS_CASES:
            run_dir, out = os.path.join(work, 'cls-' + name.replace(' ', '_')), os.path.join(work, 'expc-' + name.replace(' ', '_'))
            rnnlab('classify', 'train', '--data', cls_csv, '--max-docs', '400', '--max-steps', '6', '--batch', '16',
                   '--embed', '16', '--hidden', '16', '--lowercase', '--max-len', '40', '--out', run_dir, '--quiet', *flags)
            rnnlab('export', '--model', run_dir, '--format', 'pytorch', '--out', out)
            diff = 0.0
            # one text a line on stdin: one rnnlab process for all of them
            predicted = run(CLI + ['classify', 'predict', '--model', run_dir, '--json'], input='\n'.join(CLS_TEXTS) + '\n').strip().splitlines()
            for text, line in zip(CLS_TEXTS, predicted):
                ours = json.loads(line)
                theirs = last_json(run([PY, os.path.join(out, 'model.py'), '--classify', text]))
                diff = max(diff, max(abs(ours['probabilities'][k] - theirs['probabilities'][k]) for k in ours['probabilities']))
                if ours['label'] != theirs['label']:
                    diff = max(diff, 1.0)
            ok = diff <= 1e-5
            rows.append(f'{"ok  " if ok else "FAIL"} classifier {name:26s} max |p difference| {diff:.2e} over {len(CLS_TEXTS)} texts')
            if not ok:
                failures.append('classifier ' + name)
            print(rows[-1], flush=True)

        # the tokenizers themselves, on the edge cases (the settings of exported models)
        node_tok = os.path.join(ROOT, 'dist', 'src', 'text', 'tokenizers', 'tokenizer.js')
        for name in ('word', 'word lowercase', 'wordpunct', 'whitespace unk eos', 'bpe', 'bpe lowercase', 'char lowercase'):
            folder = os.path.join(work, 'exp-' + name.replace(' ', '_'))
            mp = load_model_py(folder)
            with open(os.path.join(folder, 'tokenizer.json'), encoding='utf-8') as f:
                settings = json.load(f)
            tok = mp.Tokenizer(settings, mp.CharClasses(os.path.join(folder, 'charclasses.json')))
            texts = TORTURE + [files['eval']] + fuzz_texts()
            script = ('import { createTokenizer } from ' + json.dumps('file://' + node_tok) + ';'
                      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const i=JSON.parse(s);'
                      'const t=createTokenizer(i.settings);process.stdout.write(JSON.stringify(i.texts.map(x=>t.tokenize(x))));});')
            ours = json.loads(run([CLI[0], '--input-type=module', '-e', script], input=json.dumps({'settings': settings, 'texts': texts})))
            bad = [i for i, text in enumerate(texts) if tok.tokenize(text) != ours[i]]
            n = sum(len(t) for t in ours)
            rows.append(f'{"ok  " if not bad else "FAIL"} tokenizer {name:27s} {n} tokens over {len(texts)} texts{"" if not bad else f", differs on texts {bad}"}')
            if bad:
                failures.append('tokenizer ' + name)
            print(rows[-1], flush=True)
    finally:
        if a.keep:
            print(f'work folder: {work}')
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f'max relative NLL difference: {worst:.2e}; {len(rows) - len(failures)} of {len(rows)} cases agree')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
