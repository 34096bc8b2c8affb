/** The export folder's README.md: what each file is and the commands that use them. */
import type { DataInfo } from './data.js';

export interface ReadmeFacts {
  arch: string;
  level: string;
  config: Record<string, unknown>;
  tokenizer: string;
  data: DataInfo | null;
}

function describe(f: ReadmeFacts): string {
  const c = f.config;
  if (f.arch === 'classifier') {
    return `a ${c.model} text classifier (${c.classes} classes, ${f.tokenizer} tokenizer, embed ${c.embed}, hidden ${c.hidden}, ${c.layers} layer(s)${c.bidirectional ? ', bidirectional' : ''}, pool ${c.pool})`;
  }
  return `a ${f.level}-level ${String(c.cell).toUpperCase()} language model (${f.tokenizer} tokenizer, vocabulary ${c.vocabSize}, ${c.embed === 0 ? 'one-hot input' : `embed ${c.embed}`}, hidden ${c.hidden}, ${c.layers} layer(s)${c.tieWeights ? ', tied weights' : ''})`;
}

export function folderReadme(f: ReadmeFacts): string {
  const lm = f.arch === 'lm';
  const use = lm
    ? [
      'python model.py --eval text.txt        # {"nll": …, "tokens": …} as the last line, as `rnnlab eval --batch 1 --data text.txt`',
      'python model.py --eval "some text"     # the text itself when it is not a file',
      'python model.py --sample --prime "The " --length 200 --temperature 0.8 --top-k 40 --seed 1',
    ]
    : ['python model.py --classify "some text"  # {"label": …, "probabilities": {…}} as `rnnlab classify predict --json`'];
  const train = lm
    ? `## Training on more machines: train_ddp.py

train_ddp.py continues training this model with DistributedDataParallel under torchrun: NCCL on
GPUs when \`torch.cuda.is_available()\`, gloo on CPUs otherwise. It reads a token stream written by
\`rnnlab export --with-data CORPUS\` (data.bin: int32 little-endian token ids; data.json describes
it); each process trains on its own contiguous shard in truncated-BPTT windows, as rnnlab's stream
batching does.

    torchrun --nproc_per_node 2 train_ddp.py --data data.bin --steps 500 --batch 16 --seq 64 --lr 2e-3

Process 0 prints one loss line per --log-every steps and writes checkpoints/step-N.safetensors and
checkpoints/latest.safetensors (written to a temporary file and renamed), with the tensor names of
weights.safetensors and rnnlab's metadata: \`rnnlab eval --model checkpoints/latest.safetensors
--data text.txt\` and \`python model.py --weights checkpoints/latest.safetensors --eval text.txt\`
read them as they are. \`python train_ddp.py --help\` lists every option; without torchrun it runs
as one process. (Debian's torch 1.13 under Python 3.11 has a torchrun that fails with
\`'NoneType' object has no attribute 'get'\`: add \`--redirects 1 --tee 1\` to its options.)
${f.data ? `\ndata.bin here holds ${f.data.tokens.toLocaleString('en-US')} tokens of ${f.data.source} (${f.data.documents} document(s)).\n` : ''}`
    : `## Training

train_ddp.py trains language models only (it predicts the next token of a stream); this folder
holds a text classifier, for which it refuses to run. Train classifiers with \`rnnlab classify train\`.
`;
  const what = describe(f);
  return `# ${what[0].toUpperCase()}${what.slice(1)}, exported by rnnlab

Plain PyTorch: nothing here needs rnnlab. \`safetensors\` is used when installed (pip install
safetensors); model.py reads and writes the format itself otherwise.

| file | what it is |
|---|---|
| model.py | the nn.Module (attribute names = tensor names), rnnlab's ${f.tokenizer} tokenizer and the command line below |
| weights.safetensors | the weights (float32) under PyTorch names; also a valid rnnlab model file |
| config.json | the model's config, plus "arch" and "level" |
| vocab.json | the vocabulary: token at index = id |
| tokenizer.json | the tokenizer settings, as rnnlab saved them |
| charclasses.json | Unicode classes (letters, digits, marks, spaces, …) as rnnlab's tokenizers see them |
| train_ddp.py | torchrun training (language models) |
${f.data ? '| data.bin, data.json | the corpus as int32 little-endian token ids, and what they are |\n' : ''}| README.md | this file |

## Use

    ${use.join('\n    ')}

In Python: \`import model; m = model.Exported()\` gives the module (\`m.module\`), the tokenizer
(\`m.tokenizer.tokenize(text)\`) and the vocabulary (\`m.vocab\`, \`m.ids\`). Text a tokenizer cannot
reproduce exactly (a character newer than this Python's Unicode database) is refused, never
tokenized differently.

${train}`;
}
