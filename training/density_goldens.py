"""Golden tensors for the engine's token-density operators (docs/adr/0009), from an independent
reference: each operator written out here in plain PyTorch, on top of the PixArt block of
lumen_train/models.py (whose names and math match diffusers and the engine), run on the pixart-tiny
fixture's transformer-noac weights in float32.

  /usr/bin/python3 training/density_goldens.py        (from the repository root; a few seconds)

Writes dit-worker/engine/src/test/resources/pixart-tiny/golden/density_ops.safetensors (whole
transformer forwards, one per case of density_cases.json: batch 2, odd grids so that cells and
windows are cut by the grid's edge) and density_pipeline_lcm4_cfg.safetensors (an LCM-4 run with
guidance under an explicit plan, from given embeddings, initial latents and per-step noise).

Operators on a row-major h×w token grid, tiles of side s from the top-left corner (edge tiles
smaller, averaging only their tokens):
  kv_pool(s, mode)      q = n·Wq; K, V = pool(n)·Wk, pool(n)·Wv (mode avg: mean; nearest: top-left token)
  kv_pool_local(s, win) each query: dense keys of its own win×win tile + every avg-pooled key (pooled
                        after the projections), pooled scores + ln(tokens in the cell); one softmax
  mean_v                attn1 output of every token = to_out(to_v(mean_j n_j))
  coarse(s)             x ← x + up(block(pool(x)) − pool(x)), the block run dense on the pooled grid
"""
import json
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lumen_train import sampling  # noqa: E402
from lumen_train.models import PixArtTransformer2DModel, pos_embed_2d  # noqa: E402
from lumen_train.safetensors_io import load, save  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "dit-worker/engine/src/test/resources/pixart-tiny"
MODEL = FIXTURE / "model/transformer-noac"
GOLDEN = FIXTURE / "golden"

# One whole forward per case: the operator of each of the fixture's two blocks, in the rule syntax
# of the engine's token_density (DensityRule), on the grid named.
CASES = [
    {"name": "kv_pool_s2_avg", "grid": [9, 13], "blocks": [{"op": "kv_pool", "s": 2, "mode": "avg"}] * 2},
    {"name": "kv_pool_s4_avg", "grid": [10, 14], "blocks": [{"op": "kv_pool", "s": 4, "mode": "avg"}] * 2},
    {"name": "kv_pool_s4_nearest", "grid": [10, 14], "blocks": [{"op": "kv_pool", "s": 4, "mode": "nearest"}] * 2},
    {"name": "kv_pool_s2_nearest", "grid": [9, 13], "blocks": [{"op": "kv_pool", "s": 2, "mode": "nearest"}] * 2},
    {"name": "kv_pool_local_s2_w4", "grid": [9, 13], "blocks": [{"op": "kv_pool_local", "s": 2, "window": 4}] * 2},
    {"name": "kv_pool_local_s4_w3", "grid": [10, 14], "blocks": [{"op": "kv_pool_local", "s": 4, "window": 3}] * 2},
    {"name": "mean_v", "grid": [9, 13], "blocks": [{"op": "mean_v", "experimental": True}] * 2},
    {"name": "coarse_s2", "grid": [9, 13], "blocks": [{"op": "coarse", "s": 2}, {"op": "dense"}]},
    {"name": "coarse_s4", "grid": [10, 14], "blocks": [{"op": "coarse", "s": 4}] * 2},
    {"name": "mixed", "grid": [10, 14],
     "blocks": [{"op": "mean_v", "experimental": True}, {"op": "kv_pool_local", "s": 4, "window": 3}]},
    {"name": "dense", "grid": [9, 13], "blocks": [{"op": "dense"}] * 2},
]

# The pipeline case: LCM 4 steps (t = 999, 759, 499, 259) with guidance 4.5, 48×80 px (a 6×10
# token grid), under explicit rules; the last matching rule wins, uncovered blocks run dense.
PIPELINE_RULES = [
    {"t": [600, 1000], "blocks": "0-1", "op": "kv_pool", "s": 2},
    {"t": [0, 600], "blocks": "1", "op": "kv_pool_local", "s": 2, "window": 4},
    {"t": [400, 600], "blocks": "0", "op": "mean_v", "experimental": True},
    {"t": [0, 400], "blocks": "0", "op": "kv_pool", "s": 4, "mode": "nearest"},
]
PIPELINE_SIZE = (48, 80)  # height, width in pixels; the fixture VAE downsamples ×4


def load_model():
    cfg = json.loads((MODEL / "config.json").read_text())
    model = PixArtTransformer2DModel(sample_size=cfg["sample_size"], patch_size=cfg["patch_size"],
                                     in_channels=cfg["in_channels"], out_channels=cfg["out_channels"],
                                     num_layers=cfg["num_layers"], num_attention_heads=cfg["num_attention_heads"],
                                     attention_head_dim=cfg["attention_head_dim"],
                                     caption_channels=cfg["caption_channels"])
    model.load_state_dict({k: v.float() for k, v in load(MODEL / "diffusion_pytorch_model.safetensors").items()})
    model.eval()
    # transformer-noac: interpolation_scale = max(sample_size // 64, 1), base size sample_size // patch.
    return model, cfg["sample_size"] // cfg["patch_size"], max(cfg["sample_size"] // 64, 1)


# ---------------------------------------------------------------------------- the token grid

def tiles(h, w, s):
    """(first row, end row, first column, end column) of every s×s tile, row-major."""
    return [(r, min(h, r + s), c, min(w, c + s)) for r in range(0, h, s) for c in range(0, w, s)]


def tile_tokens(h, w, tile):
    r0, r1, c0, c1 = tile
    return [r * w + c for r in range(r0, r1) for c in range(c0, c1)]


def pool(x, h, w, s, mode="avg"):
    """x [B, h·w, D] → [B, tiles, D]: the mean of each tile's tokens, or its top-left token."""
    out = []
    for tile in tiles(h, w, s):
        idx = tile_tokens(h, w, tile)
        out.append(x[:, idx[0]] if mode == "nearest" else x[:, idx].mean(dim=1))
    return torch.stack(out, dim=1)


def upsample(y, h, w, s):
    """y [B, tiles, D] → [B, h·w, D]: every token takes its tile's row."""
    cols = math.ceil(w / s)
    index = [(r // s) * cols + c // s for r in range(h) for c in range(w)]
    return y[:, index]


# ---------------------------------------------------------------------------- attention

def heads_attention(q, k, v, heads, bias=None):
    """softmax(q·kᵀ/√d + bias)·v per head; bias [Nq, Nk] or [Nk] (added to every head's scores)."""
    b, nq, d = q.shape
    hd = d // heads
    qh = q.view(b, nq, heads, hd).transpose(1, 2)
    kh = k.view(b, k.shape[1], heads, hd).transpose(1, 2)
    vh = v.view(b, v.shape[1], heads, hd).transpose(1, 2)
    s = qh @ kh.transpose(-1, -2) / math.sqrt(hd)
    if bias is not None:
        s = s + bias
    return (torch.softmax(s, -1) @ vh).transpose(1, 2).reshape(b, nq, d)


def self_attention(attn, n, h, w, op):
    """attn1 of a block (to_out included) on the modulated tokens n [B, N, D] under op."""
    kind = op["op"]
    if kind == "dense":
        return attn(n)
    if kind == "kv_pool":
        p = pool(n, h, w, op.get("s", 2), op.get("mode", "avg"))
        return attn.to_out[0](heads_attention(attn.to_q(n), attn.to_k(p), attn.to_v(p), attn.heads))
    if kind == "kv_pool_local":
        s, win = op.get("s", 2), op["window"]
        q, k, v = attn.to_q(n), attn.to_k(n), attn.to_v(n)
        pk, pv = pool(k, h, w, s), pool(v, h, w, s)
        n_tok, cells = h * w, tiles(h, w, s)
        bias = torch.full((n_tok, n_tok + len(cells)), float("-inf"))
        for tile in tiles(h, w, win):
            idx = torch.tensor(tile_tokens(h, w, tile))
            bias[idx[:, None], idx[None, :]] = 0.0
        counts = torch.tensor([float((r1 - r0) * (c1 - c0)) for r0, r1, c0, c1 in cells])
        bias[:, n_tok:] = torch.log(counts)[None, :]
        out = heads_attention(q, torch.cat([k, pk], 1), torch.cat([v, pv], 1), attn.heads, bias)
        return attn.to_out[0](out)
    if kind == "mean_v":
        m = n.mean(dim=1, keepdim=True)
        return attn.to_out[0](attn.to_v(m)).expand_as(n)
    raise ValueError(kind)


def block_forward(blk, x, h, w, t6, ctx, key_bias, op):
    """BasicTransformerBlock.forward of models.py with attn1 under op; coarse runs it on the pooled grid."""
    if op["op"] == "coarse":
        s = op.get("s", 2)
        xc = pool(x, h, w, s)
        yc = block_forward(blk, xc, math.ceil(h / s), math.ceil(w / s), t6, ctx, key_bias, {"op": "dense"})
        return x + upsample(yc - xc, h, w, s)
    sh_msa, sc_msa, g_msa, sh_mlp, sc_mlp, g_mlp = (blk.scale_shift_table[None] + t6.view(-1, 6, blk.d)).chunk(6, dim=1)
    n = F.layer_norm(x, (blk.d,), eps=1e-6) * (1 + sc_msa) + sh_msa
    x = x + g_msa * self_attention(blk.attn1, n, h, w, op)
    x = x + blk.attn2(x, ctx, key_bias)
    n = F.layer_norm(x, (blk.d,), eps=1e-6) * (1 + sc_mlp) + sh_mlp
    return x + g_mlp * blk.ff(n)


@torch.no_grad()
def forward(model, base, scale, x, t, text, text_mask, ops):
    """PixArtTransformer2DModel.forward of models.py at any grid, block l under ops[l]."""
    b, _, H, W = x.shape
    h, w = H // model.p, W // model.p
    tok = model.pos_embed.proj(x).flatten(2).transpose(1, 2) + pos_embed_2d(model.d, h, w, base, scale)
    t6, emb_t = model.adaln_single(t)
    ctx = model.caption_projection(text)
    key_bias = (1.0 - text_mask.float()) * -10000.0
    for blk, op in zip(model.transformer_blocks, ops):
        tok = block_forward(blk, tok, h, w, t6, ctx, key_bias, op)
    shift, sc = (model.scale_shift_table[None] + emb_t[:, None]).chunk(2, dim=1)
    y = F.layer_norm(tok, (model.d,), eps=1e-6) * (1 + sc) + shift
    o = model.proj_out(y).view(b, h, w, model.p, model.p, model.cout)
    return o.permute(0, 5, 1, 3, 2, 4).reshape(b, model.cout, H, W)


def rule_ops(rules, t, layers):
    ops = [{"op": "dense"}] * layers
    for r in rules:
        lo, hi = r.get("t", [0, 1000])
        first, _, last = r.get("blocks", f"0-{layers - 1}").partition("-")
        last = last or first
        if lo <= t < hi:
            for blk in range(int(first), int(last) + 1):
                ops[blk] = r  # the last matching rule wins
    return ops


def main():
    torch.set_num_threads(1)
    model, base, scale = load_model()
    # The reference itself first: dense, it must reproduce the diffusers golden of the same weights.
    shared = load(GOLDEN / "transformer.safetensors")
    dense = forward(model, base, scale, shared["hidden_states"], shared["timestep"], shared["encoder_hidden_states"],
                    shared["encoder_attention_mask"], [{"op": "dense"}] * 2)
    err = ((dense - shared["output_noac"]).norm() / shared["output_noac"].norm()).item()
    print(f"dense reference vs diffusers golden output_noac: {err:.2e}")
    assert err < 1e-5, err
    g = torch.Generator().manual_seed(9009)
    text = torch.randn(2, 12, 32, generator=g)
    mask = torch.ones(2, 12)
    mask[1, 7:] = 0
    timestep = torch.tensor([999, 417])
    tensors = {"encoder_hidden_states": text, "encoder_attention_mask": mask, "timestep": timestep.float()}
    for hh, ww in sorted({tuple(c["grid"]) for c in CASES}):
        tensors[f"hidden_states_{hh}x{ww}"] = torch.randn(2, 4, 2 * hh, 2 * ww, generator=g)
    for case in CASES:
        hh, ww = case["grid"]
        out = forward(model, base, scale, tensors[f"hidden_states_{hh}x{ww}"], timestep, text, mask, case["blocks"])
        tensors[f"output_{case['name']}"] = out
        if case["name"] != "dense":
            dense = forward(model, base, scale, tensors[f"hidden_states_{hh}x{ww}"], timestep, text, mask,
                            [{"op": "dense"}] * 2)
            print(f"{case['name']:22s} ‖out − dense‖/‖dense‖ = {((out - dense).norm() / dense.norm()).item():.3e}")
    save({k: v.float().contiguous() for k, v in tensors.items()}, GOLDEN / "density_ops.safetensors",
         {"producer": "training/density_goldens.py", "model": "pixart-tiny/model/transformer-noac",
          "cases": json.dumps(CASES)})
    (GOLDEN / "density_cases.json").write_text(json.dumps(CASES, indent=1) + "\n")

    # Pipeline: LCM-4 with guidance under PIPELINE_RULES, embeddings of the shared lcm4_cfg golden.
    ref = load(GOLDEN / "pipeline_lcm4_cfg.safetensors")
    emb, emb_mask = ref["prompt_embeds"], ref["prompt_attention_mask"]
    nemb, nmask = ref["negative_prompt_embeds"], ref["negative_prompt_attention_mask"]
    height, width = PIPELINE_SIZE
    shape = (1, 4, height // 4, width // 4)
    latents = torch.randn(shape, generator=g)
    noises = [torch.randn(shape, generator=g) for _ in range(3)]

    def model_fn(rules):
        return lambda x, t, txt: forward(model, base, scale, x, t, txt[0], txt[1],
                                         rule_ops(rules, int(t[0]), 2))[:, :4]

    runs = {}
    for label, rules in (("", PIPELINE_RULES), ("dense_", [])):
        trace = []
        sampling.lcm_sample(model_fn(rules), latents, (emb, emb_mask), (nemb, nmask), 4, 4.5, noises=noises,
                            trace=trace)
        runs[label] = trace
    out = {"latents_init": latents, "prompt_embeds": emb, "prompt_attention_mask": emb_mask,
           "negative_prompt_embeds": nemb, "negative_prompt_attention_mask": nmask,
           "timesteps": torch.tensor([float(t) for t, _, _ in runs[""]])}
    for i, z in enumerate(noises):
        out[f"noise_step{i}"] = z
    for label, trace in runs.items():
        for i, (_, eps, x) in enumerate(trace):
            out[f"{label}model_output_step{i}"] = eps
            out[f"{label}latents_step{i}"] = x
    last = len(runs[""]) - 1
    diff = (out[f"latents_step{last}"] - out[f"dense_latents_step{last}"]).norm() / out[f"dense_latents_step{last}"].norm()
    print(f"pipeline final latents ‖plan − dense‖/‖dense‖ = {diff.item():.3e}")
    save({k: v.float().contiguous() for k, v in out.items()}, GOLDEN / "density_pipeline_lcm4_cfg.safetensors",
         {"producer": "training/density_goldens.py", "model": "pixart-tiny/model transformer-noac, scheduler-lcm",
          "rules": json.dumps(PIPELINE_RULES), "guidance_scale": "4.5", "steps": "4",
          "height": str(height), "width": str(width)})


if __name__ == "__main__":
    main()
