/** train_ddp.py of a PyTorch export: torchrun/DistributedDataParallel training of the exported language model (the Python source verbatim). */
export const TRAIN_DDP_PY = String.raw`#!/usr/bin/env python3
"""Continue training the exported rnnlab language model with DistributedDataParallel.

    torchrun --nproc_per_node 2 train_ddp.py --data data.bin --steps 500
    python train_ddp.py --data data.bin --steps 500          (one process, no torchrun)

NCCL on GPUs when torch.cuda.is_available(), gloo on CPUs otherwise. data.bin is a token stream
written by 'rnnlab export --with-data CORPUS' (int32 little-endian ids). Each process takes its
own contiguous shard of the stream, cuts it into --batch rows and walks them in windows of --seq
tokens, carrying the recurrent state from one window to the next (truncated BPTT, as rnnlab's
stream batching). Adam, gradient-norm clipping; DDP averages the gradients of all processes.
Process 0 prints the loss and writes checkpoints/step-N.safetensors and
checkpoints/latest.safetensors (temporary file + rename) with the tensor names and metadata of
weights.safetensors, so they are rnnlab model files and load in model.py --weights.
"""
import argparse
import array
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model as exported  # noqa: E402  (model.py of this folder)


def fail(msg):
    print(f'error: {msg}', file=sys.stderr)
    sys.exit(1)


def read_shard(path, vocab_size, rank, world):
    """This process's contiguous part of data.bin (int32 little-endian ids) as an int64 tensor,
    checked against the vocabulary; the one token past its end is its last target. Only the
    shard is read, so each process holds 1/world of a large corpus."""
    try:
        size = os.path.getsize(path)
    except OSError as e:
        fail(f'cannot read --data {path}: {e.strerror} (write it with rnnlab export --with-data CORPUS)')
    if size % 4:
        fail(f'--data {path} is {size} bytes, not a whole number of int32 token ids')
    n = size // 4
    shard = (n - 1) // world
    if shard < 2:
        fail(f'--data {path} holds {n} tokens: too few for {world} process(es)')
    with open(path, 'rb') as f:
        f.seek(rank * shard * 4)
        buf = array.array('i')
        buf.frombytes(f.read((shard + 1) * 4))
    if sys.byteorder == 'big':
        buf.byteswap()
    ids = torch.frombuffer(buf, dtype=torch.int32).to(torch.int64)
    if int(ids.min()) < 0 or int(ids.max()) >= vocab_size:
        fail(f'--data {path} holds ids outside the vocabulary of {vocab_size} tokens (written for another model?)')
    return ids, n, shard


class Stream:
    """A shard cut into B rows of row_len inputs, walked in windows of T (src/text/batching/stream.ts)."""

    def __init__(self, ids, B, T):
        if ids.numel() - 1 < B:
            fail(f'each process\'s shard holds {ids.numel()} tokens: too few for --batch {B} rows (use a smaller --batch, or fewer processes)')
        self.B, self.T = B, T
        self.row_len = (ids.numel() - 1) // B
        self.windows = math.ceil(self.row_len / T)
        self.x = ids[:B * self.row_len].view(B, self.row_len)
        self.y = ids[1:B * self.row_len + 1].view(B, self.row_len)

    def window(self, k):
        s = k * self.T
        return self.x[:, s:s + self.T], self.y[:, s:s + self.T]


def detach(state):
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def save(module, metadata, path, info):
    """The model's tensors under their names (tied weights under both, as rnnlab writes them),
    with weights.safetensors's metadata, written to a temporary file and renamed."""
    tensors = {k: v.detach().to('cpu').float().clone().contiguous() for k, v in module.state_dict().items()}
    for k, v in module.state_dict().items():
        if v.dtype == torch.int64:  # BatchNorm counters stay int64, as rnnlab writes them
            tensors[k] = v.detach().to('cpu').clone()
    meta = {k: v for k, v in metadata.items() if k not in ('data_crc32', 'header_crc32')}
    meta['train_ddp'] = json.dumps(info)
    try:
        from safetensors.torch import save_file
    except ImportError:
        exported.write_safetensors(path, tensors, meta)
        return
    tmp = os.path.join(os.path.dirname(path), f'.{os.path.basename(path)}.{os.getpid()}.tmp')
    save_file(tensors, tmp, metadata=meta)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description='Train the exported rnnlab language model with DistributedDataParallel (torchrun).')
    ap.add_argument('--data', default=os.path.join(HERE, 'data.bin'), help='the token stream (rnnlab export --with-data); default: data.bin here')
    ap.add_argument('--steps', type=int, default=0, help='optimizer steps (0: --epochs passes over the data)')
    ap.add_argument('--epochs', type=float, default=1, help='passes over each process\'s shard when --steps is 0 (default 1)')
    ap.add_argument('--batch', type=int, default=16, help='rows per process (default 16)')
    ap.add_argument('--seq', type=int, default=64, help='window length: steps of backpropagation through time (default 64)')
    ap.add_argument('--lr', type=float, default=2e-3, help='Adam learning rate (default 2e-3)')
    ap.add_argument('--clip', type=float, default=1.0, help='gradient-norm limit (0: off; default 1)')
    ap.add_argument('--seed', type=int, default=1, help='random seed (dropout); default 1')
    ap.add_argument('--save-every', type=int, default=100, help='write a checkpoint every N steps (0: only at the end)')
    ap.add_argument('--log-every', type=int, default=10, help='print the mean loss of every N steps (default 10)')
    ap.add_argument('--out', default=os.path.join(HERE, 'checkpoints'), help='checkpoint folder (default: checkpoints/ here)')
    ap.add_argument('--weights', default=None, help='start from this .safetensors, e.g. checkpoints/latest.safetensors to go on (Adam starts afresh); default: weights.safetensors here')
    ap.add_argument('--threads', type=int, default=0, help='torch threads per process (0: torch\'s default)')
    a = ap.parse_args()
    for name in ('batch', 'seq'):
        if getattr(a, name) < 1:
            fail(f'--{name} must be 1 or more, got {getattr(a, name)}')
    if a.steps < 0 or a.epochs <= 0:
        fail('--steps must be 0 or more and --epochs more than 0')

    distributed = 'RANK' in os.environ and 'WORLD_SIZE' in os.environ
    cuda = torch.cuda.is_available()
    if distributed:
        dist.init_process_group(backend='nccl' if cuda else 'gloo')
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    local = int(os.environ.get('LOCAL_RANK', 0))
    device = torch.device(f'cuda:{local}') if cuda else torch.device('cpu')
    if cuda:
        torch.cuda.set_device(device)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed + rank)

    try:
        m = exported.Exported(HERE, a.weights)
    except exported.ModelError as e:
        fail(str(e))
    if m.arch != 'lm':
        fail('train_ddp.py trains language models; this folder holds a text classifier (train it with rnnlab classify train)')
    ids, total, shard = read_shard(a.data, len(m.vocab), rank, world)
    stream = Stream(ids, a.batch, a.seq)
    steps = a.steps if a.steps > 0 else max(1, int(a.epochs * stream.windows))

    module = m.module.to(device)
    module.train()
    net = torch.nn.parallel.DistributedDataParallel(module, device_ids=[local] if cuda else None) if distributed else module
    opt = torch.optim.Adam(module.parameters(), lr=a.lr)
    if rank == 0:
        os.makedirs(a.out, exist_ok=True)
        print(f'training on {world} process(es), {"cuda/nccl" if cuda else "cpu/gloo" if distributed else "cpu"}: '
              f'{total:,} tokens, {shard:,} a process, {a.batch} rows x {a.seq} steps, '
              f'{stream.windows} windows an epoch, {steps} steps', flush=True)
        log = open(os.path.join(a.out, 'log.jsonl'), 'a', encoding='utf-8')

    state, k, epoch = None, 0, 0
    since, nll_sum, n_sum, t0 = 0, 0.0, 0, time.time()
    for step in range(1, steps + 1):
        if k == stream.windows:  # a new pass over the shard starts from an empty state
            k, epoch, state = 0, epoch + 1, None
        x, y = (t.to(device) for t in stream.window(k))
        logits, state = net(x, state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if a.clip > 0:
            torch.nn.utils.clip_grad_norm_(module.parameters(), a.clip)
        opt.step()
        state = detach(state)
        k += 1
        nll_sum += float(loss.detach()) * y.numel()
        n_sum += y.numel()
        since += 1
        last = step == steps
        if since == a.log_every or last:
            sums = torch.tensor([nll_sum, float(n_sum)], dtype=torch.float64, device=device)
            if distributed:
                dist.all_reduce(sums)
            mean = float(sums[0] / sums[1])
            if rank == 0:
                rate = float(sums[1]) / max(1e-9, time.time() - t0)
                print(f'step {step}/{steps}  epoch {epoch + 1}  loss {mean:.4f}  {rate:,.0f} tokens/s', flush=True)
                log.write(json.dumps({'step': step, 'epoch': epoch + 1, 'loss': mean, 'tokens_per_second': rate}) + '\n')
                log.flush()
            since, nll_sum, n_sum, t0 = 0, 0.0, 0, time.time()
        if rank == 0 and ((a.save_every > 0 and step % a.save_every == 0) or last):
            info = {'step': step, 'processes': world, 'batch': a.batch, 'seq': a.seq, 'lr': a.lr, 'data': os.path.basename(a.data)}
            path = os.path.join(a.out, f'step-{step}.safetensors')
            save(module, m.metadata, path, info)
            save(module, m.metadata, os.path.join(a.out, 'latest.safetensors'), info)
    if rank == 0:
        log.close()
        print(f'saved {os.path.join(a.out, "latest.safetensors")}', flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
`;
