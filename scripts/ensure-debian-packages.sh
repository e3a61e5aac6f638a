#!/usr/bin/env bash
# Makes sure Debian packages that tests need are installed: installs the missing ones with apt-get
# when run as root, and otherwise fails (exit 3) with the exact command to run. One helper for every
# such need: ./lumen test (Mesa's Vulkan driver for the lavapipe tests) and the playground's browser
# tests (Chromium and its driver), so the install logic and its message are the same everywhere.
#
# Usage: scripts/ensure-debian-packages.sh "WHAT NEEDS THEM" PACKAGE...
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 \"what needs them\" package..." >&2; exit 2; }
purpose="$1"
shift

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for package in "$@"; do
  installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing Debian packages for $purpose: ${missing[*]}; run as root: $command" >&2
  exit 3
fi

echo "installing ${missing[*]} for $purpose..." >&2
export DEBIAN_FRONTEND=noninteractive
# Update first when the machine has no package lists yet (a fresh image); otherwise try the lists
# there are, and update only if they turn out stale (a version the mirror no longer has).
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]; then
  apt-get update -qq >&2
fi
if ! apt-get install -y -qq "${missing[@]}" >&2; then
  apt-get update -qq >&2 || true
  apt-get install -y -qq "${missing[@]}" >&2 || {
    echo "could not install ${missing[*]} for $purpose; run as root: $command" >&2
    exit 4
  }
fi
