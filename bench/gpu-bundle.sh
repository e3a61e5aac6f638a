#!/usr/bin/env bash
# Packs what bench/vulkan-gpu.sh needs on a GPU machine that has no Java and no Maven repository
# (the lent GPU machines reach nothing outside): a trimmed Java runtime (jlink), the engine's
# classes and tests, and their runtime and test jars, into .gpu/bundle.tar.xz (about 30 MB; the
# folder is git-ignored through .git/info/exclude). Run it from the repository root on a machine
# with JDK 25 and the Maven repository, then carry `.gpu` with the run; vulkan-gpu.sh unpacks it.
set -euo pipefail
cd "$(dirname "$0")/.."

JDK="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[ -x "$JDK/bin/jlink" ] || { echo "gpu-bundle: no jlink under $JDK (set JAVA_HOME to a JDK 25)" >&2; exit 1; }
export JAVA_HOME="$JDK"

EXCLUDE="$(git rev-parse --git-path info/exclude)"
grep -qx '/.gpu/' "$EXCLUDE" 2>/dev/null || echo '/.gpu/' >> "$EXCLUDE"
# Offline and without install: the engine's classes and test classes, and the test classpath.
./mvnw -q -B -o -pl dit-worker/engine -am test-compile
./mvnw -q -B -o -pl dit-worker/engine dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/.gpu-classpath.txt" >/dev/null

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE" .gpu-classpath.txt' EXIT
mkdir -p "$STAGE/lib"
tr ':' '\n' < .gpu-classpath.txt | while read -r jar; do
  case "$jar" in
    *byte-buddy*) ;;  # only AssertJ's soft assertions and proxies need it; the tests run here use neither
    *) cp "$jar" "$STAGE/lib/" ;;
  esac
done
"$JDK/bin/jar" --create --file "$STAGE/lib/lumen-engine-classes.jar" -C dit-worker/engine/target/classes .
"$JDK/bin/jar" --create --file "$STAGE/lib/lumen-engine-tests.jar" -C dit-worker/engine/target/test-classes .
# java.xml: Jackson's optional DOM handlers load when SafetensorsWriter first serialises.
# Uncompressed modules: xz packs them far tighter than jlink's zip does.
"$JDK/bin/jlink" --add-modules java.base,java.logging,java.xml,jdk.unsupported,jdk.incubator.vector \
  --strip-debug --no-man-pages --no-header-files --output "$STAGE/jre"
strip --strip-unneeded "$STAGE/jre/lib/server/libjvm.so" 2>/dev/null || true

mkdir -p .gpu
tar -C "$STAGE" -cJf .gpu/bundle.tar.xz .
echo "gpu-bundle: $(du -h .gpu/bundle.tar.xz | cut -f1) in .gpu/bundle.tar.xz (carry '.gpu')"
