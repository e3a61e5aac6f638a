"""Shared training plumbing: work folder, resumable checkpoints, EMA, noise schedule, timing."""
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

NUM_TRAIN_TIMESTEPS = 1000


def setup_torch(threads=None):
    torch.set_num_threads(threads or min(os.cpu_count() or 2, 16))
    torch.manual_seed(0)


def device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def alphas_cumprod():
    """PixArt's training noise: linear betas 1e-4..0.02 over 1000 steps, float32 cumprod."""
    betas = torch.linspace(0.0001, 0.02, NUM_TRAIN_TIMESTEPS, dtype=torch.float32)
    return torch.cumprod(1.0 - betas, dim=0)


class Ema:
    """EMA of parameters with PixArt-style warm-up decay min(max_decay, (1+n)/(10+n))."""
    def __init__(self, model, max_decay=0.999):
        self.shadow = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self.n, self.max_decay = 0, max_decay

    @torch.no_grad()
    def update(self, model):
        self.n += 1
        d = min(self.max_decay, (1 + self.n) / (10 + self.n))
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                self.shadow[k].mul_(d).add_(v.detach(), alpha=1 - d)
            else:
                self.shadow[k].copy_(v)

    def state_dict(self):
        return {"shadow": self.shadow, "n": self.n}

    def load_state_dict(self, s):
        self.shadow, self.n = s["shadow"], s["n"]


class Budget:
    """Stops a run after a wall-clock budget or an iteration target, whichever comes first."""
    def __init__(self, minutes, iterations, start_iteration):
        self.deadline = time.time() + minutes * 60 if minutes else None
        self.iterations, self.it = iterations, start_iteration

    def more(self):
        if self.it >= self.iterations:
            return False
        return self.deadline is None or time.time() < self.deadline


def save_checkpoint(path, **state):
    tmp = Path(str(path) + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a crash mid-write never leaves a torn checkpoint


def load_checkpoint(path):
    return torch.load(path, map_location="cpu") if Path(path).exists() else None


def log(work, name, record):
    record = dict(record, time=round(time.time(), 1))
    with open(Path(work) / f"{name}.log.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")
    print(name, json.dumps(record), flush=True)


def lr_at(it, base, warmup, total, final_fraction=0.1):
    """Linear warm-up, then cosine decay to final_fraction·base at `total` iterations."""
    if it < warmup:
        return base * (it + 1) / warmup
    p = min(1.0, (it - warmup) / max(1, total - warmup))
    return base * (final_fraction + (1 - final_fraction) * 0.5 * (1 + np.cos(np.pi * p)))
