"""DPM-Solver++ (2M, midpoint, lower-order final, linspace spacing) and LCM sampling exactly as
the published scheduler configs define them (pixart-spec.md §8), for sample grids, probes, the
parity reference and LCM distillation targets."""
import numpy as np
import torch

from .common import alphas_cumprod


def dpm_timesteps(n):
    return np.round(np.linspace(0, 999, n + 1)).astype(np.int64)[::-1][:-1].copy()


def lcm_timesteps(n, original=50):
    k = 1000 // original
    origin = (np.arange(1, original + 1) * k - 1)[::-1]
    return origin[np.floor(np.linspace(0, original, n, endpoint=False)).astype(np.int64)].copy()


def cfg_eps(model_fn, x, t, cond, uncond, guidance):
    """model_fn(x, t, text) -> first four output channels. CFG on batch [uncond, cond]."""
    if guidance <= 1.0:
        return model_fn(x, t, cond)
    out = model_fn(torch.cat([x, x]), torch.cat([t, t]), tuple(torch.cat([u, c]) for u, c in zip(uncond, cond)))
    u, c = out.chunk(2)
    return u + guidance * (c - u)


@torch.no_grad()
def dpm_solver(model_fn, x, cond, uncond, steps=20, guidance=4.5, trace=None):
    ac = alphas_cumprod().double()
    ts = dpm_timesteps(steps)
    sig = [float(torch.sqrt((1 - ac[t]) / ac[t])) for t in ts] + [0.0]
    alpha = [1.0 / np.sqrt(s * s + 1) for s in sig]
    sigma = [s * a for s, a in zip(sig, alpha)]
    lam = [np.log(a) - np.log(s) if s > 0 else np.inf for a, s in zip(alpha, sigma)]
    prev_x0 = None
    for i, t in enumerate(ts):
        tt = torch.full((x.shape[0],), int(t))
        eps = cfg_eps(model_fn, x, tt, cond, uncond, guidance)
        x0 = (x - sigma[i] * eps) / alpha[i]
        if i == len(ts) - 1:
            x_next = x0  # σ = 0: the final step returns the data prediction exactly
        else:
            h = lam[i + 1] - lam[i]
            e = np.exp(-h) - 1.0
            if i == 0:
                x_next = (sigma[i + 1] / sigma[i]) * x - alpha[i + 1] * e * x0
            else:
                r0 = (lam[i] - lam[i - 1]) / h
                d1 = (x0 - prev_x0) / r0
                x_next = (sigma[i + 1] / sigma[i]) * x - alpha[i + 1] * e * x0 - 0.5 * alpha[i + 1] * e * d1
        if trace is not None:
            trace.append((int(t), eps.clone(), x_next.clone()))
        prev_x0, x = x0, x_next.float()
    return x


@torch.no_grad()
def lcm_sample(model_fn, x, cond, uncond, steps=4, guidance=0.0, noises=None, generator=None, trace=None):
    ac = alphas_cumprod()
    ts = lcm_timesteps(steps)
    for i, t in enumerate(ts):
        tt = torch.full((x.shape[0],), int(t))
        eps = cfg_eps(model_fn, x, tt, cond, uncond, guidance)
        a = ac[t]
        x0 = (x - (1 - a).sqrt() * eps) / a.sqrt()
        u = 10.0 * float(t)
        c_skip, c_out = 0.25 / (u * u + 0.25), u / np.sqrt(u * u + 0.25)
        denoised = c_out * x0 + c_skip * x
        if i < len(ts) - 1:
            z = noises[i] if noises is not None else torch.randn(x.shape, generator=generator)
            a2 = ac[ts[i + 1]]
            x = a2.sqrt() * denoised + (1 - a2).sqrt() * z
        else:
            x = denoised
        if trace is not None:
            trace.append((int(t), eps.clone(), x.clone()))
    return x
