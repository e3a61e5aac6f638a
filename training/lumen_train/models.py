"""The three networks of a PixArt-α pipeline in plain PyTorch, with parameter names exactly as
diffusers (AutoencoderKL, PixArtTransformer2DModel) and transformers (T5EncoderModel) name them, so
a state_dict is a checkpoint in the published layout. Semantics follow ../shared/reference/pixart-spec.md."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


# ------------------------------------------------------------------------------------------ VAE

class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout, groups, eps=1e-6):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.conv_shortcut(x) if self.conv_shortcut is not None else x) + h


class VaeAttention(nn.Module):
    """Single-head spatial self-attention of the VAE mid block (diffusers Attention, residual)."""
    def __init__(self, c, groups, eps=1e-6):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, c, eps=eps)
        self.to_q, self.to_k, self.to_v = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)
        self.to_out = nn.ModuleList([nn.Linear(c, c)])

    def forward(self, x):
        b, c, h, w = x.shape
        g = self.group_norm(x).reshape(b, c, h * w).transpose(1, 2)
        q, k, v = self.to_q(g), self.to_k(g), self.to_v(g)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1) @ v
        return x + self.to_out[0](a).transpose(1, 2).reshape(b, c, h, w)


class MidBlock(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, groups), ResnetBlock2D(c, c, groups)])
        self.attentions = nn.ModuleList([VaeAttention(c, groups)])

    def forward(self, x):
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock(nn.Module):
    def __init__(self, cin, cout, layers, groups, down):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, groups) for i in range(layers)])
        self.downsamplers = nn.ModuleList([Downsample(cout)]) if down else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.downsamplers[0](x) if self.downsamplers is not None else x


class UpBlock(nn.Module):
    def __init__(self, cin, cout, layers, groups, up):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, groups) for i in range(layers)])
        self.upsamplers = nn.ModuleList([Upsample(cout)]) if up else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.upsamplers[0](x) if self.upsamplers is not None else x


class Encoder(nn.Module):
    def __init__(self, channels, layers, groups, latent):
        super().__init__()
        self.conv_in = nn.Conv2d(3, channels[0], 3, padding=1)
        blocks, prev = [], channels[0]
        for i, c in enumerate(channels):
            blocks.append(DownBlock(prev, c, layers, groups, down=i < len(channels) - 1))
            prev = c
        self.down_blocks = nn.ModuleList(blocks)
        self.mid_block = MidBlock(prev, groups)
        self.conv_norm_out = nn.GroupNorm(groups, prev, eps=1e-6)
        self.conv_out = nn.Conv2d(prev, 2 * latent, 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        for b in self.down_blocks:
            x = b(x)
        return self.conv_out(F.silu(self.conv_norm_out(self.mid_block(x))))


class Decoder(nn.Module):
    def __init__(self, channels, layers, groups, latent):
        super().__init__()
        rev = list(reversed(channels))
        self.conv_in = nn.Conv2d(latent, rev[0], 3, padding=1)
        self.mid_block = MidBlock(rev[0], groups)
        blocks, prev = [], rev[0]
        for i, c in enumerate(rev):
            blocks.append(UpBlock(prev, c, layers + 1, groups, up=i < len(rev) - 1))
            prev = c
        self.up_blocks = nn.ModuleList(blocks)
        self.conv_norm_out = nn.GroupNorm(groups, prev, eps=1e-6)
        self.conv_out = nn.Conv2d(prev, 3, 3, padding=1)

    def forward(self, z):
        x = self.mid_block(self.conv_in(z))
        for b in self.up_blocks:
            x = b(x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class AutoencoderKL(nn.Module):
    """Trained as a deterministic autoencoder (the posterior mean plus a little noise): the logvar
    half of quant_conv is kept for the layout but text-to-image never uses it."""
    def __init__(self, block_out_channels=(32, 32, 64), layers_per_block=1, norm_num_groups=8, latent_channels=4):
        super().__init__()
        self.config = dict(block_out_channels=list(block_out_channels), layers_per_block=layers_per_block,
                           norm_num_groups=norm_num_groups, latent_channels=latent_channels)
        self.encoder = Encoder(block_out_channels, layers_per_block, norm_num_groups, latent_channels)
        self.decoder = Decoder(block_out_channels, layers_per_block, norm_num_groups, latent_channels)
        self.quant_conv = nn.Conv2d(2 * latent_channels, 2 * latent_channels, 1)
        self.post_quant_conv = nn.Conv2d(latent_channels, latent_channels, 1)
        self.latent_channels = latent_channels

    def encode_mean(self, x):
        return self.quant_conv(self.encoder(x))[:, :self.latent_channels]

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))

    @torch.no_grad()
    def normalise_latents(self, mean, std):
        """Folds a per-channel standardisation of the latent into quant_conv (mean rows) and
        post_quant_conv, so the published scalar scaling_factor can be 1.0 while every latent channel
        has zero mean and unit variance (diffusers has no per-channel latents_mean for this VAE)."""
        L = self.latent_channels
        w, b = self.quant_conv.weight, self.quant_conv.bias
        w[:L] /= std.view(L, 1, 1, 1)
        b[:L] = (b[:L] - mean) / std
        pw, pb = self.post_quant_conv.weight, self.post_quant_conv.bias
        pb += (pw[:, :, 0, 0] @ mean)
        pw *= std.view(1, L, 1, 1)


# ------------------------------------------------------------------------------------------ T5

def t5_bucket(rel):
    """Bidirectional relative position bucket, 32 buckets, max distance 128 (pixart-spec §3.3)."""
    base = (rel > 0).long() * 16
    a = rel.abs()
    large = 8 + (torch.log(a.float().clamp(min=1) / 8) / math.log(128 / 8) * 8).long()
    large = large.clamp(max=15)
    return base + torch.where(a < 8, a, large)


class T5LayerNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)


class T5Attention(nn.Module):
    def __init__(self, d, heads, d_kv, has_bias):
        super().__init__()
        inner = heads * d_kv
        self.q, self.k, self.v = (nn.Linear(d, inner, bias=False) for _ in range(3))
        self.o = nn.Linear(inner, d, bias=False)
        self.heads, self.d_kv = heads, d_kv
        if has_bias:
            self.relative_attention_bias = nn.Embedding(32, heads)

    def forward(self, x, bias):
        b, s, _ = x.shape
        q = self.q(x).view(b, s, self.heads, self.d_kv).transpose(1, 2)
        k = self.k(x).view(b, s, self.heads, self.d_kv).transpose(1, 2)
        v = self.v(x).view(b, s, self.heads, self.d_kv).transpose(1, 2)
        p = torch.softmax(q @ k.transpose(-1, -2) + bias, dim=-1)  # T5: no 1/sqrt(d) scaling
        return self.o((p @ v).transpose(1, 2).reshape(b, s, -1))


class T5SelfLayer(nn.Module):
    def __init__(self, d, heads, d_kv, has_bias):
        super().__init__()
        self.SelfAttention = T5Attention(d, heads, d_kv, has_bias)
        self.layer_norm = T5LayerNorm(d)


class T5DenseGated(nn.Module):
    def __init__(self, d, d_ff):
        super().__init__()
        self.wi_0 = nn.Linear(d, d_ff, bias=False)
        self.wi_1 = nn.Linear(d, d_ff, bias=False)
        self.wo = nn.Linear(d_ff, d, bias=False)

    def forward(self, x):
        return self.wo(F.gelu(self.wi_0(x), approximate="tanh") * self.wi_1(x))


class T5FFLayer(nn.Module):
    def __init__(self, d, d_ff):
        super().__init__()
        self.DenseReluDense = T5DenseGated(d, d_ff)
        self.layer_norm = T5LayerNorm(d)


class T5Block(nn.Module):
    def __init__(self, d, heads, d_kv, d_ff, has_bias):
        super().__init__()
        self.layer = nn.ModuleList([T5SelfLayer(d, heads, d_kv, has_bias), T5FFLayer(d, d_ff)])

    def forward(self, h, bias):
        sa, ff = self.layer
        h = h + sa.SelfAttention(sa.layer_norm(h), bias)
        return h + ff.DenseReluDense(ff.layer_norm(h))


class T5Stack(nn.Module):
    def __init__(self, vocab, d, heads, d_kv, d_ff, layers):
        super().__init__()
        self.block = nn.ModuleList([T5Block(d, heads, d_kv, d_ff, i == 0) for i in range(layers)])
        self.final_layer_norm = T5LayerNorm(d)


class T5EncoderModel(nn.Module):
    def __init__(self, vocab_size, d_model=128, num_heads=4, d_kv=32, d_ff=256, num_layers=2):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, d_model=d_model, num_heads=num_heads, d_kv=d_kv,
                           d_ff=d_ff, num_layers=num_layers)
        self.shared = nn.Embedding(vocab_size, d_model)
        self.encoder = T5Stack(vocab_size, d_model, num_heads, d_kv, d_ff, num_layers)
        nn.init.normal_(self.shared.weight, std=1.0)

    def forward(self, ids, mask):
        s = ids.shape[1]
        pos = torch.arange(s)
        rel = self.encoder.block[0].layer[0].SelfAttention.relative_attention_bias(t5_bucket(pos[None, :] - pos[:, None]))
        bias = rel.permute(2, 0, 1)[None] + (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        h = self.shared(ids)
        for blk in self.encoder.block:
            h = blk(h, bias)
        return self.encoder.final_layer_norm(h)

    def state_dict_for_export(self):
        sd = dict(self.state_dict())
        sd["encoder.embed_tokens.weight"] = sd["shared.weight"]
        return sd


# ------------------------------------------------------------------------------------ PixArt DiT

def sinusoid256(t):
    """diffusers Timesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0): cos first."""
    freqs = torch.exp(-math.log(10000) * torch.arange(128, dtype=torch.float32) / 128)
    a = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


def pos_embed_2d(d, h, w, base_size, scale):
    """PatchEmbed's 2-D sin-cos table; the first half encodes the column (x) coordinate."""
    import numpy as np
    y = np.arange(h, dtype=np.float32) / (h / base_size) / scale
    x = np.arange(w, dtype=np.float32) / (w / base_size) / scale
    omega = 1.0 / 10000 ** (np.arange(d // 4, dtype=np.float64) / (d // 4))

    def emb(coord):
        a = np.outer(coord, omega)
        return np.concatenate([np.sin(a), np.cos(a)], axis=1)
    ex, ey = emb(x), emb(y)
    table = np.concatenate([np.repeat(ex[None], h, 0).reshape(h * w, -1),
                            np.repeat(ey[:, None], w, 1).reshape(h * w, -1)], axis=1)
    return torch.from_numpy(table.astype(np.float32))


class PatchEmbed(nn.Module):
    def __init__(self, cin, d, patch):
        super().__init__()
        self.proj = nn.Conv2d(cin, d, patch, stride=patch)


class TimestepEmbedding(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.linear_1 = nn.Linear(256, d)
        self.linear_2 = nn.Linear(d, d)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


class CombinedEmbedding(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.timestep_embedder = TimestepEmbedding(d)


class AdaLayerNormSingle(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.emb = CombinedEmbedding(d)
        self.linear = nn.Linear(d, 6 * d)

    def forward(self, t):
        cond = self.emb.timestep_embedder(sinusoid256(t))
        return self.linear(F.silu(cond)), cond


class CaptionProjection(nn.Module):
    def __init__(self, cin, d):
        super().__init__()
        self.linear_1 = nn.Linear(cin, d)
        self.linear_2 = nn.Linear(d, d)

    def forward(self, e):
        return self.linear_2(F.gelu(self.linear_1(e), approximate="tanh"))


class Attention(nn.Module):
    def __init__(self, d, heads, kv_dim=None):
        super().__init__()
        kv_dim = kv_dim or d
        self.to_q = nn.Linear(d, d)
        self.to_k = nn.Linear(kv_dim, d)
        self.to_v = nn.Linear(kv_dim, d)
        self.to_out = nn.ModuleList([nn.Linear(d, d)])
        self.heads = heads

    def forward(self, x, ctx=None, key_bias=None):
        ctx = x if ctx is None else ctx
        b, n, d = x.shape
        hd = d // self.heads
        q = self.to_q(x).view(b, n, self.heads, hd).transpose(1, 2)
        k = self.to_k(ctx).view(b, ctx.shape[1], self.heads, hd).transpose(1, 2)
        v = self.to_v(ctx).view(b, ctx.shape[1], self.heads, hd).transpose(1, 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(hd)
        if key_bias is not None:
            s = s + key_bias[:, None, None, :]
        return self.to_out[0]((torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, n, d))


class FeedForward(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.ModuleList([GeluProj(d, 4 * d), nn.Identity(), nn.Linear(4 * d, d)])

    def forward(self, x):
        return self.net[2](self.net[0](x))


class GeluProj(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.proj = nn.Linear(cin, cout)

    def forward(self, x):
        return F.gelu(self.proj(x), approximate="tanh")


class BasicTransformerBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.attn1 = Attention(d, heads)
        self.attn2 = Attention(d, heads)
        self.ff = FeedForward(d)
        self.scale_shift_table = nn.Parameter(torch.randn(6, d) / d ** 0.5)
        self.d = d

    def forward(self, x, t6, ctx, key_bias):
        sh_msa, sc_msa, g_msa, sh_mlp, sc_mlp, g_mlp = (self.scale_shift_table[None] + t6.view(-1, 6, self.d)).chunk(6, dim=1)
        n = F.layer_norm(x, (self.d,), eps=1e-6) * (1 + sc_msa) + sh_msa
        x = x + g_msa * self.attn1(n)
        x = x + self.attn2(x, ctx, key_bias)
        n = F.layer_norm(x, (self.d,), eps=1e-6) * (1 + sc_mlp) + sh_mlp
        return x + g_mlp * self.ff(n)


class PixArtTransformer2DModel(nn.Module):
    def __init__(self, sample_size=16, patch_size=2, in_channels=4, out_channels=8, num_layers=6,
                 num_attention_heads=4, attention_head_dim=48, caption_channels=128):
        super().__init__()
        d = num_attention_heads * attention_head_dim
        self.config = dict(sample_size=sample_size, patch_size=patch_size, in_channels=in_channels,
                           out_channels=out_channels, num_layers=num_layers,
                           num_attention_heads=num_attention_heads, attention_head_dim=attention_head_dim,
                           caption_channels=caption_channels, cross_attention_dim=d)
        self.d, self.p, self.cout = d, patch_size, out_channels
        self.pos_embed = PatchEmbed(in_channels, d, patch_size)
        self.adaln_single = AdaLayerNormSingle(d)
        self.caption_projection = CaptionProjection(caption_channels, d)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(d, num_attention_heads) for _ in range(num_layers)])
        self.scale_shift_table = nn.Parameter(torch.randn(2, d) / d ** 0.5)
        self.proj_out = nn.Linear(d, patch_size * patch_size * out_channels)
        base = sample_size // patch_size
        self.register_buffer("pe", pos_embed_2d(d, base, base, base, 1.0), persistent=False)
        for blk in self.transformer_blocks:  # cross-attention starts as a no-op, as PixArt initialises it
            nn.init.zeros_(blk.attn2.to_out[0].weight)
            nn.init.zeros_(blk.attn2.to_out[0].bias)
        nn.init.zeros_(self.proj_out.weight)
        nn.init.zeros_(self.proj_out.bias)

    def forward(self, x, t, text, text_mask):
        b, _, H, W = x.shape
        h, w = H // self.p, W // self.p
        tok = self.pos_embed.proj(x).flatten(2).transpose(1, 2) + self.pe
        t6, emb_t = self.adaln_single(t)
        ctx = self.caption_projection(text)
        key_bias = (1.0 - text_mask.float()) * -10000.0
        for blk in self.transformer_blocks:
            tok = blk(tok, t6, ctx, key_bias)
        shift, scale = (self.scale_shift_table[None] + emb_t[:, None]).chunk(2, dim=1)
        y = F.layer_norm(tok, (self.d,), eps=1e-6) * (1 + scale) + shift
        o = self.proj_out(y).view(b, h, w, self.p, self.p, self.cout)
        return o.permute(0, 5, 1, 3, 2, 4).reshape(b, self.cout, H, W)
