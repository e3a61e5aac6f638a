"""Reference tensors for the engine parity test: the exported folder is read back (fp16 weights
widened to fp32), and this code's own pipeline runs fixed inputs through it, dumping the same
names our engine's golden tests use (prompt_embeds, latents_step{i}, model_output_step{i},
decoded, image). The Java test loads the same folder and must agree within 1e-4."""
import json
from pathlib import Path

import torch

from . import sampling
from .models import AutoencoderKL, PixArtTransformer2DModel, T5EncoderModel
from .safetensors_io import load, save
from .tokenizer import Tokenizer

SEQ = 120  # PixArt-α's max_sequence_length: what the engine pads to
CASES = [
    {"file": "pipeline_dpm4.safetensors", "scheduler": "scheduler", "steps": 4, "guidance_scale": 4.5,
     "prompt": "a large red circle in the top left", "negative_prompt": "", "seed": 7},
    {"file": "pipeline_lcm2_cfg.safetensors", "scheduler": "scheduler-lcm", "steps": 2, "guidance_scale": 4.5,
     "prompt": "a blue square above a yellow triangle", "negative_prompt": "", "seed": 8},
]
# The distilled model at its defaults: its own scheduler is the LCMScheduler, guidance baked in.
LCM_CASES = [
    {"file": "pipeline_lcm4.safetensors", "scheduler": "scheduler", "steps": 4, "guidance_scale": 0.0,
     "prompt": "a large red circle in the top left", "negative_prompt": "", "seed": 7},
]


def load_folder(folder):
    folder = Path(folder)
    cfg = lambda p: json.loads((folder / p / "config.json").read_text())
    tc, ec, vc = cfg("transformer"), cfg("text_encoder"), cfg("vae")
    dit = PixArtTransformer2DModel(sample_size=tc["sample_size"], patch_size=tc["patch_size"], in_channels=tc["in_channels"],
                                   out_channels=tc["out_channels"], num_layers=tc["num_layers"],
                                   num_attention_heads=tc["num_attention_heads"], attention_head_dim=tc["attention_head_dim"],
                                   caption_channels=tc["caption_channels"])
    t5 = T5EncoderModel(ec["vocab_size"], ec["d_model"], ec["num_heads"], ec["d_kv"], ec["d_ff"], ec["num_layers"])
    vae = AutoencoderKL(tuple(vc["block_out_channels"]), vc["layers_per_block"], vc["norm_num_groups"], vc["latent_channels"])
    for module, path in ((dit, "transformer/diffusion_pytorch_model.safetensors"),
                         (t5, "text_encoder/model.safetensors"), (vae, "vae/diffusion_pytorch_model.safetensors")):
        sd = {k: v.float() for k, v in load(folder / path).items() if k != "encoder.embed_tokens.weight"}
        module.load_state_dict(sd, strict=True)
        module.eval()
    return dit, t5, vae, Tokenizer(folder / "tokenizer" / "spiece.model", SEQ), vc["scaling_factor"]


@torch.no_grad()
def run_case(folder, case):
    dit, t5, vae, tok, scaling = load_folder(folder)
    ids, mask = (torch.from_numpy(v) for v in tok([case["prompt"]]))
    nids, nmask = (torch.from_numpy(v) for v in tok([case["negative_prompt"]]))
    emb, nemb = t5(ids, mask), t5(nids, nmask)
    size = dit.config["sample_size"]
    g = torch.Generator().manual_seed(case["seed"])
    latents = torch.randn((1, 4, size, size), generator=g)
    model_fn = lambda x, t, text: dit(x, t, text[0], text[1])[:, :4]
    trace, out = [], {}
    scheduler = json.loads((Path(folder) / case["scheduler"] / "scheduler_config.json").read_text())["_class_name"]
    if scheduler == "DPMSolverMultistepScheduler":
        z = sampling.dpm_solver(model_fn, latents, (emb, mask), (nemb, nmask), case["steps"], case["guidance_scale"], trace)
    else:
        noises = [torch.randn((1, 4, size, size), generator=g) for _ in range(case["steps"] - 1)]
        for i, n in enumerate(noises):
            out[f"noise_step{i}"] = n
        z = sampling.lcm_sample(model_fn, latents, (emb, mask), (nemb, nmask), case["steps"], case["guidance_scale"],
                                noises=noises, trace=trace)
    decoded = vae.decode(z / scaling)
    out.update({"latents_init": latents, "prompt_input_ids": ids.float(), "prompt_attention_mask": mask.float(),
                "prompt_embeds": emb, "negative_prompt_input_ids": nids.float(),
                "negative_prompt_attention_mask": nmask.float(), "negative_prompt_embeds": nemb,
                "timesteps": torch.tensor([float(t) for t, _, _ in trace]), "decoded": decoded,
                "image": (decoded[0] * 0.5 + 0.5).clamp(0, 1).permute(1, 2, 0).contiguous()})
    for i, (_, eps, x) in enumerate(trace):
        out[f"model_output_step{i}"] = eps
        out[f"latents_step{i}"] = x
    return out


def write(folder, cases=CASES):
    folder = Path(folder)
    (folder / "parity").mkdir(exist_ok=True)
    for case in cases:
        tensors = {k: v.float().contiguous() for k, v in run_case(folder, case).items()}
        meta = {k: json.dumps(v) if isinstance(v, str) else str(v) for k, v in case.items() if k != "file"}
        save(tensors, folder / "parity" / case["file"], {"producer": "training/lumen_train/parity.py", **meta})
    (folder / "parity" / "cases.json").write_text(json.dumps(cases, indent=2) + "\n")


def stage_parity(a):
    write(a.out)


def stage_parity_lcm(a):
    write(a.out.with_name(a.out.name + "-lcm"), LCM_CASES)
