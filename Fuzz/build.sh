#!/bin/sh
# Builds the fuzzer: the harness in Fuzz/ and the GossipCore sources, compiled together with
# libFuzzer (`swiftc -sanitize=fuzzer`), into .build/fuzz/gossip-fuzz. Rebuilds only when a
# source is newer than the binary.
#
#   Fuzz/build.sh            optimised (-O), for long runs
#   Fuzz/build.sh debug      -Onone: builds in a third of the time, keeps the standard
#                            library's debug checks; what the test command uses
set -eu
cd "$(dirname "$0")/.."
mode="${1:-release}"
case "$mode" in
    release) flags="-O" ;;
    debug) flags="-Onone" ;;
    *) echo "usage: Fuzz/build.sh [release|debug]" >&2; exit 2 ;;
esac
out=.build/fuzz
binary="$out/gossip-fuzz-$mode"
mkdir -p "$out"
sources="$(find Sources/GossipCore Fuzz -name '*.swift' | sort)"
if [ -x "$binary" ] && [ -z "$(find Sources/GossipCore Fuzz -name '*.swift' -newer "$binary")" ]; then
    echo "$binary is up to date"
    exit 0
fi
# -wmo: one compiler job for the whole module, several times faster than per-file jobs here.
# shellcheck disable=SC2086
swiftc $flags -wmo -sanitize=fuzzer -parse-as-library -swift-version 6 -enable-upcoming-feature ExistentialAny \
    -module-name GossipFuzz $sources -o "$binary.tmp"
mv "$binary.tmp" "$binary"
echo "built $binary"
