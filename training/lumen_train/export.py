"""Writes the trained demo model as a diffusers PixArt-α pipeline folder: fp16 safetensors and the
config files the published checkpoints carry, plus the eval set (eval/domain.json, eval/prompts.json).
Any reader of the published layout loads it: our engine through the same code path as a real model."""
import json
import shutil
from pathlib import Path

import torch

from . import domain
from .safetensors_io import save

DIFFUSERS = "0.31.0"
TRANSFORMERS = "4.46.3"


def _write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def _half(sd, dtype=torch.float16):
    return {k: v.detach().to(dtype).contiguous() for k, v in sd.items()}


def transformer_config(dit):
    c = dit.config
    return {
        "_class_name": "PixArtTransformer2DModel", "_diffusers_version": DIFFUSERS,
        "activation_fn": "gelu-approximate", "attention_bias": True,
        "attention_head_dim": c["attention_head_dim"], "attention_type": "default",
        "caption_channels": c["caption_channels"], "cross_attention_dim": c["cross_attention_dim"],
        "double_self_attention": False, "dropout": 0.0, "in_channels": c["in_channels"],
        "interpolation_scale": 1, "norm_elementwise_affine": False, "norm_eps": 1e-6,
        "norm_num_groups": 32, "norm_type": "ada_norm_single",
        "num_attention_heads": c["num_attention_heads"], "num_embeds_ada_norm": 1000,
        "num_layers": c["num_layers"], "num_vector_embeds": None, "only_cross_attention": False,
        "out_channels": c["out_channels"], "patch_size": c["patch_size"], "sample_size": c["sample_size"],
        "upcast_attention": False, "use_additional_conditions": False, "use_linear_projection": False,
    }


def t5_config(t5):
    c = t5.config
    return {
        "architectures": ["T5EncoderModel"], "classifier_dropout": 0.0, "d_ff": c["d_ff"], "d_kv": c["d_kv"],
        "d_model": c["d_model"], "decoder_start_token_id": 0, "dense_act_fn": "gelu_new", "dropout_rate": 0.1,
        "eos_token_id": 1, "feed_forward_proj": "gated-gelu", "initializer_factor": 1.0,
        "is_encoder_decoder": True, "is_gated_act": True, "layer_norm_epsilon": 1e-6, "model_type": "t5",
        "num_decoder_layers": c["num_layers"], "num_heads": c["num_heads"], "num_layers": c["num_layers"],
        "pad_token_id": 0, "relative_attention_max_distance": 128, "relative_attention_num_buckets": 32,
        "tie_word_embeddings": False, "torch_dtype": "float16", "transformers_version": TRANSFORMERS,
        "use_cache": True, "vocab_size": c["vocab_size"],
    }


def vae_config(vae):
    c = vae.config
    n = len(c["block_out_channels"])
    return {
        "_class_name": "AutoencoderKL", "_diffusers_version": DIFFUSERS, "act_fn": "silu",
        "block_out_channels": c["block_out_channels"], "down_block_types": ["DownEncoderBlock2D"] * n,
        "force_upcast": True, "in_channels": 3, "latent_channels": c["latent_channels"],
        "layers_per_block": c["layers_per_block"], "norm_num_groups": c["norm_num_groups"], "out_channels": 3,
        "sample_size": domain.WIDTH, "scaling_factor": 1.0, "up_block_types": ["UpDecoderBlock2D"] * n,
    }


DPM = {
    "_class_name": "DPMSolverMultistepScheduler", "_diffusers_version": DIFFUSERS,
    "algorithm_type": "dpmsolver++", "beta_end": 0.02, "beta_schedule": "linear", "beta_start": 0.0001,
    "dynamic_thresholding_ratio": 0.995, "euler_at_final": False, "lambda_min_clipped": float("-inf"),
    "lower_order_final": True, "num_train_timesteps": 1000, "prediction_type": "epsilon",
    "sample_max_value": 1.0, "solver_order": 2, "solver_type": "midpoint", "steps_offset": 0,
    "thresholding": False, "timestep_spacing": "linspace", "trained_betas": None,
    "use_karras_sigmas": False, "use_lu_lambdas": False, "variance_type": None,
}
LCM = {
    "_class_name": "LCMScheduler", "_diffusers_version": DIFFUSERS, "beta_end": 0.02, "beta_schedule": "linear",
    "beta_start": 0.0001, "clip_sample": False, "clip_sample_range": 1.0, "dynamic_thresholding_ratio": 0.995,
    "num_train_timesteps": 1000, "original_inference_steps": 50, "prediction_type": "epsilon",
    "rescale_betas_zero_snr": False, "sample_max_value": 1.0, "set_alpha_to_one": True, "steps_offset": 0,
    "thresholding": False, "timestep_spacing": "leading", "trained_betas": None,
}


def tokenizer_files(out, spiece):
    tok = out / "tokenizer"
    tok.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(spiece, tok / "spiece.model")
    extra = [f"<extra_id_{i}>" for i in range(100)]
    _write_json(tok / "special_tokens_map.json", {"additional_special_tokens": extra, "eos_token": "</s>",
                                                   "pad_token": "<pad>", "unk_token": "<unk>"})
    _write_json(tok / "tokenizer_config.json", {
        "add_prefix_space": True, "additional_special_tokens": extra, "clean_up_tokenization_spaces": False,
        "eos_token": "</s>", "extra_ids": 100, "legacy": True, "model_max_length": 120, "pad_token": "<pad>",
        "sp_model_kwargs": {}, "tokenizer_class": "T5Tokenizer", "unk_token": "<unk>"})


def write_folder(out, vae, t5, dit, spiece, scheduler=DPM):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "model_index.json", {
        "_class_name": "PixArtAlphaPipeline", "_diffusers_version": DIFFUSERS,
        "scheduler": ["diffusers", scheduler["_class_name"]], "text_encoder": ["transformers", "T5EncoderModel"],
        "tokenizer": ["transformers", "T5Tokenizer"], "transformer": ["diffusers", "PixArtTransformer2DModel"],
        "vae": ["diffusers", "AutoencoderKL"]})
    _write_json(out / "transformer" / "config.json", transformer_config(dit))
    save(_half(dit.state_dict()), out / "transformer" / "diffusion_pytorch_model.safetensors", {"format": "pt"})
    _write_json(out / "text_encoder" / "config.json", t5_config(t5))
    save(_half(t5.state_dict_for_export()), out / "text_encoder" / "model.safetensors", {"format": "pt"})
    _write_json(out / "vae" / "config.json", vae_config(vae))
    save(_half(vae.state_dict()), out / "vae" / "diffusion_pytorch_model.safetensors", {"format": "pt"})
    _write_json(out / "scheduler" / "scheduler_config.json", scheduler)
    if scheduler is not LCM:  # the DPM model also offers LCM sampling (few steps, lower quality)
        _write_json(out / "scheduler-lcm" / "scheduler_config.json", LCM)
    tokenizer_files(out, spiece)
    _write_json(out / "eval" / "domain.json", domain.domain_json())
    _write_json(out / "eval" / "prompts.json", domain.make_eval_set())


def _teacher(a, text_to_image_cls):
    """T5 and transformer with the EMA weights the dit stage trained, and that stage's checkpoint."""
    from .tokenizer import Tokenizer
    from . import common
    model = text_to_image_cls(a.size, Tokenizer(a.work / "spiece.model"))
    ck = common.load_checkpoint(a.work / f"dit-{a.size}.pt")
    model.load_state_dict(ck["ema"]["shadow"])
    return model, ck


def _write(a, out, vae, model, scheduler, training, logged):
    """The folder, its training.json (what it was trained for) and a line in the work folder's log."""
    from . import common
    write_folder(out, vae, model.t5, model.dit, a.work / "spiece.model", scheduler=scheduler)
    (Path(out) / "training.json").write_text(json.dumps({**training, "size": a.size}, indent=2) + "\n")
    common.log(a.work, "export", {"out": str(out), **logged})


def write(a, vae, text_to_image_cls, new_dit):
    model, ck = _teacher(a, text_to_image_cls)
    _write(a, a.out, vae, model, DPM, {"transformer_iterations": ck["it"]}, {"it": ck["it"]})


def write_lcm(a, vae, text_to_image_cls, out):
    """The distilled model as its own pipeline folder, the way PixArt-LCM is published: the same
    VAE, text encoder and tokenizer, the distilled transformer (the EMA target network of the
    consistency distillation) and an LCMScheduler as its scheduler, so its default is 4 LCM steps."""
    from . import common
    model, teacher = _teacher(a, text_to_image_cls)
    ck = common.load_checkpoint(a.work / f"lcm-{a.size}.pt")
    if not ck:
        raise SystemExit(f"no {a.work / f'lcm-{a.size}.pt'}: run the lcm stage first")
    model.dit.load_state_dict(ck["target"])
    _write(a, out, vae, model, LCM, {"transformer_iterations": teacher["it"], "lcm_iterations": ck["it"]},
           {"it": teacher["it"], "lcm_it": ck["it"]})
