"""One entry point for every stage of the demo model:

  python3 -m lumen_train.train all --minutes 90      # data -> vae -> encode -> dit -> export -> parity -> lcm -> export-lcm -> parity-lcm (resumable)
  python3 -m lumen_train.train <stage> [options]     # data | vae | encode | dit | lcm | export | export-lcm | parity | parity-lcm | ceiling

State lives in --work (default ~/.cache/lumen/training): checkpoints with optimiser, EMA and RNG,
so a stopped run continues where it left off. Runs on CPU (Debian's python3-torch) or CUDA."""
import argparse
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import common, domain
from .models import AutoencoderKL, PixArtTransformer2DModel, T5EncoderModel
from .tokenizer import Tokenizer, build as build_tokenizer

DEFAULT_WORK = Path.home() / ".cache" / "lumen" / "training"
MAX_TOKENS = 32
DIT_SIZES = {  # name -> (layers, heads, head_dim); all patch 2 on the 16x16x4 latent (64 tokens)
    "s": (6, 4, 32),
    "m": (6, 4, 48),
}
T5_SIZE = dict(d_model=128, num_heads=4, d_kv=32, d_ff=256, num_layers=2)


# ------------------------------------------------------------------------------------------- data

def stage_data(a):
    """Renders the training scenes once (seeded) into work/data.npz + work/scenes.json."""
    out = a.work / "data.npz"
    if out.exists():
        return
    rng = np.random.default_rng(a.seed)
    images, scenes = np.empty((a.scenes, domain.HEIGHT, domain.WIDTH, 3), np.uint8), []
    t0 = time.time()
    for i in range(a.scenes):
        g, objs, rels = domain.sample_scene(rng)
        images[i] = domain.render(rng, objs)
        scenes.append(_scene_state(g, objs, rels))
    np.savez(a.work / "data.npz", images=images)
    (a.work / "scenes.json").write_text(json.dumps(scenes))
    build_tokenizer(a.work / "spiece.model")
    common.log(a.work, "data", {"scenes": a.scenes, "seconds": round(time.time() - t0, 1)})


def _scene_state(g, objs, rels):
    return {"group": g, "relations": rels, "objects": [
        {"colour": o.colour, "shape": o.shape, "size": o.size, "cell": list(o.cell),
         "said_size": o.said_size, "said_cell": o.said_cell} for o in objs]}


def _scene_objects(s):
    return [domain.Obj(o["colour"], o["shape"], o["size"], tuple(o["cell"]), o["said_size"], o["said_cell"])
            for o in s["objects"]]


def fresh_caption(rng, s):
    """A new paraphrase of a stored scene (single objects sometimes leave their place unsaid)."""
    objs = _scene_objects(s)
    if s["group"] == "one":
        objs[0].said_cell = rng.random() < 0.8
    return domain.caption(rng, s["group"], objs, s["relations"])


def images_to_tensor(u8):
    return torch.from_numpy(u8).permute(0, 3, 1, 2).float() / 127.5 - 1.0


# -------------------------------------------------------------------------------------------- VAE

def new_vae():
    return AutoencoderKL(block_out_channels=(32, 32, 64), layers_per_block=1, norm_num_groups=8, latent_channels=4)


def stage_vae(a):
    dev = common.device()
    images = np.load(a.work / "data.npz")["images"]
    n_val = 256
    train, val = images[n_val:], images[:n_val]
    vae = new_vae().to(dev)
    opt = torch.optim.AdamW(vae.parameters(), lr=a.lr or 1e-3, weight_decay=0.0)
    ck = common.load_checkpoint(a.work / "vae.pt")
    it = 0
    rng = np.random.default_rng(a.seed + 1)
    if ck:
        vae.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"]); it = ck["it"]
        rng.bit_generator.state = ck["rng"]
    budget = common.Budget(a.minutes, a.iterations or 6000, it)
    crop_until = int(0.7 * budget.iterations)  # mostly 32x32 crops (cheap), then whole images
    t0, losses = time.time(), []
    while budget.more():
        crop = it < crop_until
        bs = a.batch or (64 if crop else 24)
        idx = rng.integers(len(train), size=bs)
        x = images_to_tensor(train[idx])
        if crop:
            ox, oy = rng.integers(0, 33, size=2)
            x = x[:, :, oy:oy + 32, ox:ox + 32]
        x = x.to(dev)
        for g in opt.param_groups:
            g["lr"] = common.lr_at(it, a.lr or 1e-3, 100, budget.iterations)
        mean = vae.encode_mean(x)
        z = mean + 0.1 * torch.randn_like(mean)
        y = vae.decode(z)
        # Shapes cover a small part of the image: weight their pixels up so colours come out right.
        fg = (x.min(dim=1, keepdim=True).values < 0.6).float()
        w = 1.0 + 4.0 * fg
        err = y - x
        loss = (w * (err.abs() + err.pow(2))).mean() + 1e-4 * mean.pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        it += 1; budget.it = it
        losses.append(loss.item())
        if it % 100 == 0 or not budget.more():
            psnr = vae_psnr(vae, val, dev)
            common.log(a.work, "vae", {"it": it, "loss": float(np.mean(losses)), "val_psnr": psnr,
                                       "s_per_it": round((time.time() - t0) / len(losses), 3)})
            losses, t0 = [], time.time()
            common.save_checkpoint(a.work / "vae.pt", model=vae.state_dict(), opt=opt.state_dict(), it=it,
                                   rng=rng.bit_generator.state)
    common.save_checkpoint(a.work / "vae.pt", model=vae.state_dict(), opt=opt.state_dict(), it=it,
                           rng=rng.bit_generator.state)


@torch.no_grad()
def vae_psnr(vae, val_u8, dev):
    x = images_to_tensor(val_u8).to(dev)
    y = vae.decode(vae.encode_mean(x)).clamp(-1, 1)
    mse = ((y - x) / 2).pow(2).mean().item()
    return round(10 * math.log10(1.0 / mse), 2)


def load_vae(a, normalised=True):
    vae = new_vae()
    if normalised and (a.work / "vae_normalised.pt").exists():
        vae.load_state_dict(torch.load(a.work / "vae_normalised.pt", map_location="cpu"))
    else:
        vae.load_state_dict(torch.load(a.work / "vae.pt", map_location="cpu")["model"])
    return vae.eval()


def stage_encode(a):
    """Encodes every training image to its latent mean; folds per-channel standardisation into
    the VAE (scaling_factor 1.0) and caches the standardised latents."""
    if (a.work / "latents.pt").exists():
        return
    dev = common.device()
    vae = load_vae(a, normalised=False).to(dev)
    images = np.load(a.work / "data.npz")["images"]
    lat = []
    with torch.no_grad():
        for i in range(0, len(images), 256):
            lat.append(vae.encode_mean(images_to_tensor(images[i:i + 256]).to(dev)).cpu())
    lat = torch.cat(lat)
    mean, std = lat.mean(dim=(0, 2, 3)), lat.std(dim=(0, 2, 3))
    vae = vae.cpu()
    vae.normalise_latents(mean, std)
    torch.save(vae.state_dict(), a.work / "vae_normalised.pt")
    lat = (lat - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)
    torch.save(lat.half(), a.work / "latents.pt")
    common.log(a.work, "encode", {"n": len(lat), "channel_mean": mean.tolist(), "channel_std": std.tolist()})


# -------------------------------------------------------------------------------------- DiT + T5

def new_dit(size):
    layers, heads, hd = DIT_SIZES[size]
    return PixArtTransformer2DModel(sample_size=16, patch_size=2, in_channels=4, out_channels=8, num_layers=layers,
                                    num_attention_heads=heads, attention_head_dim=hd,
                                    caption_channels=T5_SIZE["d_model"])


def new_t5(tok):
    return T5EncoderModel(vocab_size=tok.vocab_size() + 100, **T5_SIZE)  # + T5's 100 sentinel ids


class TextToImage(torch.nn.Module):
    """T5 and the transformer trained jointly (a from-scratch T5 has nothing to freeze)."""
    def __init__(self, size, tok):
        super().__init__()
        self.t5, self.dit = new_t5(tok), new_dit(size)

    def forward(self, x, t, ids, mask):
        return self.dit(x, t, self.t5(ids, mask), mask)


def loss_weight(ac):
    """Plain ε-MSE plus a term on the noise levels where layout and colour are decided (the
    caption barely moves the plain ε-loss there: demo-model.md §6)."""
    return 1.0 + torch.clamp((1 - ac) / ac, max=20.0) / 4.0


def stage_dit(a):
    dev = common.device()
    tok = Tokenizer(a.work / "spiece.model", MAX_TOKENS)
    scenes = json.loads((a.work / "scenes.json").read_text())
    lat = torch.load(a.work / "latents.pt").float()
    model = TextToImage(a.size, tok).to(dev)
    ema = common.Ema(model)
    base_lr = a.lr or 5e-4
    opt = torch.optim.AdamW(model.parameters(), lr=base_lr, weight_decay=0.0)
    rng = np.random.default_rng(a.seed + 2)
    it = 0
    ck = common.load_checkpoint(a.work / f"dit-{a.size}.pt")
    if ck:
        model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"]); ema.load_state_dict(ck["ema"])
        it = ck["it"]; rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"])
    ac = common.alphas_cumprod().to(dev)
    n_probe = 128
    budget = common.Budget(a.minutes, a.iterations or 30000, it)
    bs = a.batch or 32
    t0, losses, last_save = time.time(), [], time.time()
    while budget.more():
        idx = rng.integers(n_probe, len(lat), size=bs)  # the first scenes are the probe set
        texts = ["" if rng.random() < 0.1 else fresh_caption(rng, scenes[i]) for i in idx]
        ids, mask = (torch.from_numpy(v).to(dev) for v in tok(texts))
        x0 = lat[idx].to(dev)
        t = torch.from_numpy(rng.integers(0, 1000, size=bs)).to(dev)
        noise = torch.randn_like(x0)
        a_t = ac[t].view(-1, 1, 1, 1)
        xt = a_t.sqrt() * x0 + (1 - a_t).sqrt() * noise
        for g in opt.param_groups:
            g["lr"] = common.lr_at(it, base_lr, 200, budget.iterations)
        eps = model(xt, t, ids, mask)[:, :4]  # channels 4-7 (learned sigma) stay untrained
        per = (eps - noise).pow(2).mean(dim=(1, 2, 3))
        loss = (loss_weight(ac[t]) * per).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema.update(model)
        it += 1; budget.it = it
        losses.append(loss.item())
        if it % 100 == 0:
            rec = {"it": it, "loss": float(np.mean(losses)), "s_per_it": round((time.time() - t0) / len(losses), 3),
                   "lr": opt.param_groups[0]["lr"]}
            if it % 500 == 0:
                rec["probe"] = shuffle_probe(model, ema, a, tok, scenes, lat, ac, dev, n_probe)
            common.log(a.work, f"dit-{a.size}", rec)
            losses, t0 = [], time.time()
        if time.time() - last_save > 300 or not budget.more():
            common.save_checkpoint(a.work / f"dit-{a.size}.pt", model=model.state_dict(), opt=opt.state_dict(),
                                   ema=ema.state_dict(), it=it, rng=rng.bit_generator.state,
                                   torch_rng=torch.get_rng_state())
            last_save = time.time()


@torch.no_grad()
def shuffle_probe(model, ema, a, tok, scenes, lat, ac, dev, n):
    """ε-MSE with the true caption vs another scene's vs the empty one, at the noise levels where
    the layout is decided: the gap says whether the model reads its text."""
    ema_model = TextToImage(a.size, tok).to(dev)
    ema_model.load_state_dict(ema.shadow)
    ema_model.eval()
    rng = np.random.default_rng(123)
    true = [fresh_caption(rng, scenes[i]) for i in range(n)]
    shuffled = true[1:] + true[:1]
    x0 = lat[:n].to(dev)
    g = torch.Generator().manual_seed(5)
    noise = torch.randn(x0.shape, generator=g).to(dev)
    out = {}
    for tv in (300, 500, 700):
        t = torch.full((n,), tv, device=dev)
        a_t = ac[t].view(-1, 1, 1, 1)
        xt = a_t.sqrt() * x0 + (1 - a_t).sqrt() * noise
        row = []
        for texts in (true, shuffled, [""] * n):
            ids, mask = (torch.from_numpy(v).to(dev) for v in tok(texts))
            row.append(round((ema_model(xt, t, ids, mask)[:, :4] - noise).pow(2).mean().item(), 5))
        out[str(tv)] = row
    return out


def stage_ceiling(a):
    """Ground-truth renders and their VAE reconstructions of the eval set, as <id>.png in
    work/ceiling/{truth,vae}: `./lumen eval prompts --images DIR` scores them, which gives the
    ceilings the transformer is measured against."""
    from PIL import Image
    vae = load_vae(a)
    for kind in ("truth", "vae"):
        (a.work / "ceiling" / kind).mkdir(parents=True, exist_ok=True)
    for prompt, objects in domain.eval_scenes():
        img = domain.render(np.random.default_rng(prompt["seed"]), objects)
        Image.fromarray(img).save(a.work / "ceiling" / "truth" / f"{prompt['id']}.png")
        with torch.no_grad():
            y = vae.decode(vae.encode_mean(images_to_tensor(img[None])))
        rec = ((y[0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
        Image.fromarray(rec).save(a.work / "ceiling" / "vae" / f"{prompt['id']}.png")
    common.log(a.work, "ceiling", {"dir": str(a.work / "ceiling")})


# ------------------------------------------------------------------------------------------ export

def stage_export(a):
    """Writes the diffusers pipeline folder (fp16 weights) from the EMA weights."""
    from . import export
    export.write(a, load_vae(a), TextToImage, new_dit)


def stage_export_lcm(a):
    """Writes the distilled LCM pipeline folder next to the DPM one (<out>-lcm)."""
    from . import export
    export.write_lcm(a, load_vae(a), TextToImage, a.out.with_name(a.out.name + "-lcm"))


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stage", choices=["data", "vae", "encode", "ceiling", "dit", "lcm", "export", "export-lcm", "parity", "parity-lcm", "all"])
    p.add_argument("--work", type=Path, default=DEFAULT_WORK)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "models" / "shapes-demo")
    p.add_argument("--minutes", type=float, default=None, help="wall-clock budget for this call")
    p.add_argument("--iterations", type=int, default=None, help="iteration target of the whole run (the lr schedule's length)")
    p.add_argument("--vae-minutes", type=float, default=20)
    p.add_argument("--lcm-minutes", type=float, default=None,
                   help="`all`: wall-clock minutes of LCM distillation, taken out of --minutes (default: a quarter of it)")
    p.add_argument("--batch", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--size", choices=sorted(DIT_SIZES), default="s")
    p.add_argument("--scenes", type=int, default=30000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=None)
    return p.parse_args(argv)


def main(argv=None):
    a = parse(argv)
    common.setup_torch(a.threads)
    a.work.mkdir(parents=True, exist_ok=True)
    if a.stage == "all":
        start = time.time()
        stage_data(a)
        if not (a.work / "latents.pt").exists():
            vae_args = argparse.Namespace(**{**vars(a), "minutes": a.vae_minutes, "iterations": None})
            stage_vae(vae_args)
            stage_encode(a)
        lcm_minutes = a.lcm_minutes if a.lcm_minutes is not None else (None if a.minutes is None else a.minutes / 4)
        left = None if a.minutes is None else max(1.0, a.minutes - (time.time() - start) / 60 - (lcm_minutes or 0))
        stage_dit(argparse.Namespace(**{**vars(a), "minutes": left}))
        stage_export(a)
        from . import lcm, parity
        parity.stage_parity(a)
        # Distillation learns from the teacher just exported; a later, longer `all` resumes it too.
        lcm.stage_lcm(argparse.Namespace(**{**vars(a), "minutes": max(0.5, lcm_minutes) if lcm_minutes else None,
                                            "iterations": None, "batch": None, "lr": None}))
        stage_export_lcm(a)
        parity.stage_parity_lcm(a)
        return
    stage = {"data": stage_data, "vae": stage_vae, "encode": stage_encode, "ceiling": stage_ceiling, "dit": stage_dit,
             "export": stage_export, "export-lcm": stage_export_lcm}.get(a.stage)
    if stage is None:
        from . import lcm, parity
        stage = {"lcm": lcm.stage_lcm, "parity": parity.stage_parity, "parity-lcm": parity.stage_parity_lcm}[a.stage]
    stage(a)


if __name__ == "__main__":
    main()
