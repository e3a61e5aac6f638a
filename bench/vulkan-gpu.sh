#!/usr/bin/env bash
# The Vulkan benchmark set of issue 4, for a machine with a GPU (run from the repository root):
# full-size PixArt-XL-2 shapes (random checkpoints in the published layout, fp16 weights) at 256,
# 512 and 1024 px, batch 1 and 4, per-kernel GPU times; then the 4-step LCM image at 1024 px
# (T5 + 4 steps + VAE). GEMM TFLOP/s per kernel follow from the per-stage FLOP counts and the
# per-kernel times printed with --profile.
#
# The Vulkan loader must be present (`ldconfig -p | grep libvulkan`); on containers that ship
# only the NVIDIA driver, unpack Debian's libvulkan1 first and, if the loader finds no driver,
# export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/lumen/models"
ALPHA="$CACHE/random-PixArt-XL-2-1024-MS-fp16"
LCM="$CACHE/random-PixArt-LCM-XL-2-1024-MS-fp16"
[ -f "$ALPHA/model_index.json" ] || ./lumen make-random-model --config PixArt-XL-2-1024-MS --dtype fp16 --out "$ALPHA"
[ -f "$LCM/model_index.json" ] || ./lumen make-random-model --config PixArt-LCM-XL-2-1024-MS --dtype fp16 --out "$LCM"

echo "== DPM-Solver, guidance 4.5 (CFG batch ×2), per-kernel profile"
./lumen bench --backend vulkan --model "$ALPHA" --sizes 256,512,1024 --batch 1,4 --steps 2 --profile

echo "== PixArt-LCM, 4 steps, no guidance: the whole 1024 px image"
./lumen bench --backend vulkan --model "$LCM" --sizes 1024 --batch 1 --steps 4 --guidance 0
