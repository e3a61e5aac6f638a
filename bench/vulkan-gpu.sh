#!/usr/bin/env bash
# The Vulkan benchmark set of issue 4, for a machine with a GPU (run from the repository root):
#  1. CoopMatGemmTest: the cooperative-matrix GEMM against the CPU backend, first, so that a kernel
#     is verified on this GPU before it is timed (the script stops if it fails or does not run);
#  2. the GEMM table: PixArt's linear shapes with fp16 weights, gemm.comp and gemm_coopmat.comp
#     side by side (A/B), TFLOP/s and % of the card's fp16 tensor peak;
#  3. where ./lumen can build (JDK and Maven repository present): full-size PixArt-XL-2 shapes
#     (random checkpoints in the published layout, fp16 weights) at 256, 512 and 1024 px, batch 1
#     and 4, per-kernel GPU times; then the 4-step LCM image at 1024 px, cooperative matrices off
#     and on.
#
# Java: a JDK on the PATH / JAVA_HOME, else the bundle bench/gpu-bundle.sh packs into
# .gpu/bundle.tar.xz (carry '.gpu'; the lent GPU machines have no Java).
# The Vulkan loader must be present (`ldconfig -p | grep libvulkan`); on containers that ship
# only the NVIDIA driver, unpack Debian's libvulkan1 first and, if the loader finds no driver,
# export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json.
#
# PEAK_TFLOPS overrides the fp16 dense tensor peak taken from the GPU's name (H100 SXM 989,
# H100 PCIe 756, H100 NVL 835, H200 989).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f .gpu/bundle.tar.xz ] && ! command -v java >/dev/null && [ ! -x "${JAVA_HOME:-/nonexistent}/bin/java" ]; then
  BUNDLE=/tmp/lumen-gpu-bundle
  [ -x "$BUNDLE/jre/bin/java" ] || { mkdir -p "$BUNDLE" && tar -C "$BUNDLE" -xJf .gpu/bundle.tar.xz; }
  JAVA="$BUNDLE/jre/bin/java"
  CP="$BUNDLE/lib/*"
elif [ -d dit-worker/engine/target/test-classes ] && [ -f .gpu-classpath.txt ]; then
  JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  CP="dit-worker/engine/target/classes:dit-worker/engine/target/test-classes:$(cat .gpu-classpath.txt)"
else
  # A machine with JDK 25 and the Maven repository: build the engine's tests and take their classpath.
  JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  ./mvnw -q -B -o -pl dit-worker/engine -am test-compile
  ./mvnw -q -B -o -pl dit-worker/engine dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$PWD/.gpu-classpath.txt" >/dev/null
  CP="dit-worker/engine/target/classes:dit-worker/engine/target/test-classes:$(cat .gpu-classpath.txt)"
fi
JVM=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -cp "$CP")

GPU_NAME="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 || true)"
case "$GPU_NAME" in
  *H100*PCIe*) DEFAULT_PEAK=756 ;;
  *H100*NVL*) DEFAULT_PEAK=835 ;;
  *H100*|*H200*) DEFAULT_PEAK=989 ;;
  *) DEFAULT_PEAK=0 ;;
esac
PEAK="${PEAK_TFLOPS:-$DEFAULT_PEAK}"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,power.draw,temperature.gpu --format=csv 2>/dev/null || true

echo "== 1. CoopMatGemmTest: cooperative-matrix GEMM vs the CPU backend (must run and pass before timing)"
"$JAVA" "${JVM[@]}" dev.lumen.engine.testing.TestClassRunner --require-run \
  dev.lumen.engine.vulkan.CoopMatGemmTest

echo "== 2. GEMM, fp16 weights: gemm.comp (coopmat off) vs gemm_coopmat.comp (on); peak $PEAK TFLOP/s ($GPU_NAME)"
"$JAVA" "${JVM[@]}" dev.lumen.engine.vulkan.VulkanGemmBenchmark --peak-tflops "$PEAK" 256 1024 4096 16384

if ! command -v ./mvnw >/dev/null || [ ! -d "$HOME/.m2/repository" ]; then
  echo "== 3. skipped: ./lumen needs a JDK and the Maven repository to build (not on this machine)"
  exit 0
fi

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/lumen/models"
ALPHA="$CACHE/random-PixArt-XL-2-1024-MS-fp16"
LCM="$CACHE/random-PixArt-LCM-XL-2-1024-MS-fp16"
[ -f "$ALPHA/model_index.json" ] || ./lumen make-random-model --config PixArt-XL-2-1024-MS --dtype fp16 --out "$ALPHA"
[ -f "$LCM/model_index.json" ] || ./lumen make-random-model --config PixArt-LCM-XL-2-1024-MS --dtype fp16 --out "$LCM"

echo "== 3a. DPM-Solver, guidance 4.5 (CFG batch ×2), per-kernel profile (coopmat auto)"
./lumen bench --backend vulkan --model "$ALPHA" --sizes 256,512,1024 --batch 1,4 --steps 2 --profile

for mode in off auto; do
  echo "== 3b. PixArt-LCM, 4 steps, no guidance: the whole 1024 px image, LUMEN_VK_COOPMAT=$mode"
  LUMEN_VK_COOPMAT=$mode ./lumen bench --backend vulkan --model "$LCM" --sizes 1024 --batch 1 --steps 4 --guidance 0
done
