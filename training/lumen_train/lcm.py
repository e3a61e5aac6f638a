"""Latent consistency distillation (PIXART-δ style) of the trained transformer into a 2-4 step
LCM model: the teacher (EMA weights, guidance w baked in) takes one DDIM step of k = 20 on the
50-step grid the LCM scheduler uses; the student at (x_t, t) must match the target network
(an EMA of the student) at (x_{t-k}, t-k), both through the LCM boundary parameterisation
c_skip·x + c_out·x0 with timestep_scaling 10. The text encoder stays frozen (the teacher's)."""
import copy
import json
import time

import numpy as np
import torch

from . import common
from .tokenizer import Tokenizer

GUIDANCE = 4.5
SKIP = 20


def boundary(t):
    u = 10.0 * t.float()
    return 0.25 / (u * u + 0.25), u / torch.sqrt(u * u + 0.25)


def consistency(model, x, t, text, ac):
    eps = model(x, t, *text)[:, :4]
    a = ac[t].view(-1, 1, 1, 1)
    x0 = (x - (1 - a).sqrt() * eps) / a.sqrt()
    c_skip, c_out = boundary(t)
    return c_skip.view(-1, 1, 1, 1) * x + c_out.view(-1, 1, 1, 1) * x0


def stage_lcm(a):
    from .train import TextToImage, fresh_caption
    dev = common.device()
    tok = Tokenizer(a.work / "spiece.model", 32)
    scenes = json.loads((a.work / "scenes.json").read_text())
    lat = torch.load(a.work / "latents.pt").float()
    teacher = TextToImage(a.size, tok)
    teacher_ck = common.load_checkpoint(a.work / f"dit-{a.size}.pt")
    teacher.load_state_dict(teacher_ck["ema"]["shadow"])
    teacher = teacher.to(dev).eval().requires_grad_(False)
    student = copy.deepcopy(teacher.dit).train().requires_grad_(True)
    target = copy.deepcopy(teacher.dit).eval().requires_grad_(False)
    opt = torch.optim.AdamW(student.parameters(), lr=a.lr or 1e-4, weight_decay=0.0)
    rng = np.random.default_rng(a.seed + 3)
    it = 0
    ck = common.load_checkpoint(a.work / f"lcm-{a.size}.pt")
    if ck and ck.get("teacher_it", teacher_ck["it"]) != teacher_ck["it"]:
        # The teacher trained on since: distil the better teacher from its own weights.
        common.log(a.work, f"lcm-{a.size}", {"restart": "teacher changed", "old_teacher_it": ck["teacher_it"],
                                            "teacher_it": teacher_ck["it"]})
        ck = None
    if ck:
        student.load_state_dict(ck["student"]); target.load_state_dict(ck["target"]); opt.load_state_dict(ck["opt"])
        it = ck["it"]; rng.bit_generator.state = ck["rng"]
    ac = common.alphas_cumprod().to(dev)
    budget = common.Budget(a.minutes, a.iterations or 2000, it)
    bs = a.batch or 32
    t0, losses, last_save = time.time(), [], time.time()
    empty_ids, empty_mask = (torch.from_numpy(v).to(dev) for v in tok([""]))
    while budget.more():
        idx = rng.integers(0, len(lat), size=bs)
        ids, mask = (torch.from_numpy(v).to(dev) for v in tok([fresh_caption(rng, scenes[i]) for i in idx]))
        with torch.no_grad():
            text = teacher.t5(ids, mask)
            utext = teacher.t5(empty_ids, empty_mask).expand(bs, -1, -1)
        umask = empty_mask.expand(bs, -1)
        x0 = lat[idx].to(dev)
        n = torch.from_numpy(rng.integers(1, 51, size=bs)).to(dev)
        t = n * SKIP - 1                       # 19, 39, ..., 999
        t_prev = (t - SKIP).clamp(min=0)
        a_t = ac[t].view(-1, 1, 1, 1)
        xt = a_t.sqrt() * x0 + (1 - a_t).sqrt() * torch.randn_like(x0)
        with torch.no_grad():
            e_c = teacher.dit(xt, t, text, mask)[:, :4]
            e_u = teacher.dit(xt, t, utext, umask)[:, :4]
            eps = e_u + GUIDANCE * (e_c - e_u)
            x0_hat = (xt - (1 - a_t).sqrt() * eps) / a_t.sqrt()
            a_p = ac[t_prev].view(-1, 1, 1, 1)
            x_prev = a_p.sqrt() * x0_hat + (1 - a_p).sqrt() * eps     # DDIM step t -> t - k
            goal = consistency(lambda *q: target(*q), x_prev, t_prev, (text, mask), ac)
            goal = torch.where((t_prev == 0).view(-1, 1, 1, 1), x0_hat, goal)
        pred = consistency(lambda *q: student(*q), xt, t, (text, mask), ac)
        diff = pred - goal
        loss = (torch.sqrt(diff.pow(2).mean(dim=(1, 2, 3)) + 1e-6) - 1e-3).mean()  # pseudo-Huber
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for p_t, p_s in zip(target.parameters(), student.parameters()):
                p_t.mul_(0.95).add_(p_s, alpha=0.05)
        it += 1; budget.it = it
        losses.append(loss.item())
        if it % 50 == 0:
            common.log(a.work, f"lcm-{a.size}", {"it": it, "loss": float(np.mean(losses)),
                                                "s_per_it": round((time.time() - t0) / len(losses), 3)})
            losses, t0 = [], time.time()
        if time.time() - last_save > 300 or not budget.more():
            common.save_checkpoint(a.work / f"lcm-{a.size}.pt", student=student.state_dict(), target=target.state_dict(),
                                   opt=opt.state_dict(), it=it, rng=rng.bit_generator.state,
                                   teacher_it=teacher_ck["it"])
            last_save = time.time()
