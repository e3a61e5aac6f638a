#!/usr/bin/env bash
# Runs the cooperative-matrix GEMM (gemm_coopmat.comp) on a CPU: Mesa's lavapipe exposes
# VK_KHR_cooperative_matrix from Mesa 26 on (Debian trixie-backports 26.1, sid 26.2; 8 × 8 × 8
# fp16 shapes, subgroup size 8), which Debian 12's Mesa 22.3 and 25.0 (bookworm-backports, trixie)
# do not. Newer Mesa needs a newer glibc than Debian 12's, so this sets up a Debian chroot with it
# (debootstrap) and runs the engine's tests inside, with this machine's JDK, Maven repository and
# working tree bind-mounted:
#  1. CoopMat*Test: the kernel against the CPU backend (awkward sizes, batch > 1, biases, fp16
#     outliers, repeatability, and whole PixArt transformer and T5 forwards with F16 weights, every
#     linear layer on the kernel), its SPIR-V through spirv-val, and the shape/tile selection;
#  2. Vulkan*Test: the whole Vulkan backend (ops, model and pipeline fixtures) on this lavapipe,
#     with the project's test setting for cooperative matrices (off: those tests hold fp32 paths to
#     1e-4, which fp16 activations cannot meet; their fixture weights are F32 anyway).
# With the Khronos validation layer installed in the chroot, so the tests' zero-validation-errors
# checks apply. Then a summary: tests run/failed/skipped per class and the relative errors.
#
# `./lumen test` (the CI test command) runs step 1 after the Maven suite when it runs as root: it
# needs root, debootstrap and the network to deb.debian.org on first use (about 300 MB); step 1
# took 2 min 17 s from scratch on two cores (chroot, packages, build, 18 tests), step 2 adds several
# minutes more. It is how the kernel gets executed on a machine without a GPU; bench/vulkan-gpu.sh
# is the GPU counterpart.
#
# Usage (as root, from anywhere): bench/lavapipe-coopmat.sh
# Environment:
#   SUITE    trixie-backports (default: Debian 13 with Mesa from its backports) or sid
#   CHROOT   where the chroot lives (default /var/tmp/lumen-lavapipe-$SUITE); created if missing,
#            reused (and its packages brought up to date) otherwise; keep it outside the repository
#   MIRROR   Debian mirror (default http://deb.debian.org/debian)
#   JAVA_HOME a JDK 25 (default /usr/lib/jvm/temurin-25-jdk-amd64); M2 the Maven repository with
#            the project's dependencies (default $HOME/.m2), mounted read-only: Maven runs offline
#   STEPS    "1 2" (default) or a subset; "3" (on request) prints the GEMM table of
#            `./lumen bench gemm --backend vulkan` there (gemm.comp and gemm_coopmat.comp side by
#            side, M = $BENCH_M, default 64,256), which needs `./lumen build` first
# Everything it mounts is unmounted on exit; the chroot itself is kept for the next run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUITE="${SUITE:-trixie-backports}"
CHROOT="${CHROOT:-/var/tmp/lumen-lavapipe-$SUITE}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
JDK="$(realpath "${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}")"
M2="$(realpath "${M2:-$HOME/.m2}")"
STEPS="${STEPS:-1 2}"
LOGS="$(mktemp -d /tmp/lavapipe-coopmat.XXXXXX)"

die() { echo "lavapipe-coopmat.sh: $*" >&2; exit 1; }
# Exit 3: this machine cannot host the chroot or its device (no root, no network to the mirror, no
# mounts, a Mesa without cooperative matrices). ./lumen test reports that as a skip, not a failure;
# failing tests exit 1.
unavailable() { echo "lavapipe-coopmat.sh: $*" >&2; exit 3; }

[ "$(id -u)" = 0 ] || unavailable "needs root (debootstrap, chroot, bind mounts)"
[ -x "$JDK/bin/java" ] || die "no JDK at $JDK (set JAVA_HOME to a JDK 25)"
[ -d "$M2/repository" ] || die "no Maven repository at $M2/repository (set M2); Maven runs offline"
case "$CHROOT" in "$ROOT"|"$ROOT"/*) die "CHROOT ($CHROOT) must be outside the repository" ;; esac
case "$SUITE" in
  trixie-backports) BASE=trixie; TARGET=(-t trixie-backports) ;;
  sid|unstable) BASE=sid; TARGET=() ;;
  *) die "SUITE must be trixie-backports or sid (Mesa >= 26, whose lavapipe has cooperative matrices), not '$SUITE'" ;;
esac

# ---- the chroot (idempotent) ------------------------------------------------------------------
if [ ! -x "$CHROOT/usr/bin/apt-get" ]; then
  command -v debootstrap >/dev/null || { apt-get update -q && apt-get install -y -q debootstrap; } \
    || unavailable "cannot install debootstrap"
  echo "== debootstrap $BASE into $CHROOT"
  debootstrap --variant=minbase --include=ca-certificates "$BASE" "$CHROOT" "$MIRROR" \
    || { rm -rf "$CHROOT"; unavailable "debootstrap of $BASE from $MIRROR failed"; }
fi
# ---- mounts (only what this run mounted is unmounted) -------------------------------------------
MOUNTED=()
cleanup() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount -R "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" || true
  done
}
trap cleanup EXIT
mount_once() { # mount_once TARGET mount-arguments...
  local target="$1"; shift
  mkdir -p "$target"
  mountpoint -q "$target" && return 0
  mount "$@" "$target" || unavailable "cannot mount $target"
  MOUNTED+=("$target")
}
# The chroot's root must be a mount point of its own: Java's Files.getFileStore (the safetensors
# writer checks free space) looks a path's mount up in /proc/self/mounts, which inside a chroot
# lists only the mounts below its root.
mount_once "$CHROOT" --bind "$CHROOT"
mount_once "$CHROOT/proc" -t proc proc
mount_once "$CHROOT/sys" --bind /sys
mount_once "$CHROOT/dev" --rbind /dev
mount_once "$CHROOT/tmp" -t tmpfs tmpfs
mount_once "$CHROOT$JDK" --bind -o ro "$JDK"
mount_once "$CHROOT/root/.m2" --bind -o ro "$M2"
mount_once "$CHROOT$ROOT" --bind "$ROOT"

# ---- packages (brought up to date on every run) ----------------------------------------------
cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
if [ "$SUITE" = trixie-backports ]; then
  echo "deb $MIRROR trixie-backports main" > "$CHROOT/etc/apt/sources.list.d/trixie-backports.list"
fi
PACKAGES=(mesa-vulkan-drivers libvulkan1 vulkan-tools vulkan-validationlayers spirv-tools)
echo "== apt-get install ${PACKAGES[*]} ($SUITE)"
chroot "$CHROOT" apt-get update -q >/dev/null || unavailable "apt-get update failed in the chroot ($MIRROR)"
chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${TARGET[@]}" "${PACKAGES[@]}" >/dev/null || unavailable "apt-get install ${PACKAGES[*]} failed in the chroot"

# ---- the device ---------------------------------------------------------------------------------
chroot "$CHROOT" vulkaninfo 2>/dev/null > "$LOGS/vulkaninfo.txt" || unavailable "vulkaninfo failed in the chroot"
echo "== $(grep -m1 -o 'driverInfo *= .*' "$LOGS/vulkaninfo.txt" | sed 's/ *= /: /')"
grep -q 'VK_KHR_cooperative_matrix ' "$LOGS/vulkaninfo.txt" \
  || unavailable "this lavapipe does not expose VK_KHR_cooperative_matrix (see $LOGS/vulkaninfo.txt)"
grep -E 'subgroupSize +=|cooperativeMatrix +=' "$LOGS/vulkaninfo.txt" | sed 's/^\s*/   /' | sort -u

# ---- the tests ----------------------------------------------------------------------------------
run_tests() { # run_tests NAME maven-arguments...
  local name="$1"; shift
  echo "== $name"
  set +e
  chroot "$CHROOT" /bin/bash -c 'cd "$1" && shift && HOME=/root JAVA_HOME="$0" nice ./mvnw -B -o \
      -pl dit-worker/engine -am test -Dsurefire.failIfNoSpecifiedTests=false "$@"' \
      "$JDK" "$ROOT" "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  set -e
  # The device line the tests print, then per class: run, failures, errors, skipped.
  grep -m1 -A3 ' on llvmpipe' "$LOGS/$name.log" | grep -E 'llvmpipe|cooperative matrix' | sed 's/^\s*/   /' || true
  grep -E 'Tests run: .* -- in ' "$LOGS/$name.log" | sed -E 's/^\[[A-Z]+\] /   /; s/, Time elapsed: [0-9.]+ s//; s/ <<< FAILURE!//'
  # The cooperative-matrix products and forwards one by one; of everything else only the largest.
  grep -E '^coopmat .*relative error' "$LOGS/$name.log" | sed 's/^/   /' || true
  grep -E 'relative error' "$LOGS/$name.log" | grep -v '^coopmat ' \
    | awk '{ e = $NF + 0; if (e >= max) { max = e; line = $0 } n++ }
           END { if (n) printf "   largest of %d other relative errors: %s\n", n, line }' || true
  grep -E '^\[ERROR\]   ' "$LOGS/$name.log" | sed 's/^\[ERROR\]/   FAILED/' || true
  echo "   $(grep -E '^\[(INFO|ERROR|WARNING)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' "$LOGS/$name.log" | tail -1 | sed -E 's/^\[[A-Z]+\] //') (exit $rc; log $LOGS/$name.log)"
  return $rc
}

STATUS=0
for step in $STEPS; do
  case "$step" in
    1) run_tests coopmat -Dtest='CoopMat*Test' || STATUS=1 ;;
    2) run_tests vulkan -Dtest='Vulkan*Test' || STATUS=1 ;;
    3) echo "== bench gemm (M = ${BENCH_M:-64,256})"
       chroot "$CHROOT" /bin/bash -c 'cd "$1" && HOME=/root JAVA_HOME="$0" ./lumen bench gemm --backend vulkan --m "$2"' \
         "$JDK" "$ROOT" "${BENCH_M:-64,256}" 2>&1 | grep -v '^WARNING' | tee "$LOGS/bench.log" || STATUS=1 ;;
    *) die "unknown step '$step' (STEPS: 1 2 3)" ;;
  esac
done
[ "$STATUS" = 0 ] && echo "== all passed" || echo "== FAILURES (logs in $LOGS)"
exit "$STATUS"
