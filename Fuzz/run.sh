#!/bin/sh
# Runs one fuzz target over its checked-in corpus (Fuzz/corpus/<target>) and new inputs.
#
#   Fuzz/run.sh <codec|config|seed|peer|auth> [libFuzzer options]
#   Fuzz/run.sh peer -max_total_time=600          # ten minutes on the peer
#   Fuzz/run.sh codec -runs=1000000               # a million new inputs
#   Fuzz/run.sh seed crash-1234abcd               # replay one input (GOSSIP_FUZZ_TRACE=1 to read it)
#
# New interesting inputs go to .build/fuzz/corpus/<target> (not to the checked-in corpus:
# copy an input there by hand when it is worth keeping, e.g. a fixed crash); crashes to
# .build/fuzz/artifacts/<target>/. GOSSIP_FUZZ_BUILD=debug uses the -Onone build (what the test
# command runs). Each target has its own input size bound; every run is bounded in memory
# (-rss_limit_mb) and in time per input (-timeout). GOSSIP_FUZZ_WORK=<dir> puts the new inputs
# there instead (the test command uses a fresh one, so it replays only the checked-in corpus).
set -eu
cd "$(dirname "$0")/.."
target="${1:?usage: Fuzz/run.sh <codec|config|seed|peer|auth> [libFuzzer options]}"
shift
mode="${GOSSIP_FUZZ_BUILD:-release}"
case "$target" in
    codec) max_len=9000; extra="-dict=Fuzz/protocol.dict" ;;  # Past the 4,096-byte line limit.
    config) max_len=2048; extra="-dict=Fuzz/protocol.dict" ;;
    seed | peer | auth) max_len=4096; extra="" ;;                     # About 500 script ops.
    *) echo "unknown target '$target': codec, config, seed, peer or auth" >&2; exit 2 ;;
esac
Fuzz/build.sh "$mode" >&2
work=${GOSSIP_FUZZ_WORK:-.build/fuzz/corpus}/$target
artifacts=.build/fuzz/artifacts/$target
mkdir -p "$work" "$artifacts"
# A replay of given inputs (files as arguments) must not read the corpus directories.
corpus="$work Fuzz/corpus/$target"
for argument in "$@"; do
    case "$argument" in -*) ;; *) corpus="" ;; esac
done
# Deterministic hashing: a Dictionary's order, and so a run, is the same every time. No Swift
# backtracer: its signal handlers would stand in front of libFuzzer's, which saves the crash input.
# shellcheck disable=SC2086
exec env GOSSIP_FUZZ_TARGET="$target" SWIFT_DETERMINISTIC_HASHING=1 SWIFT_BACKTRACE=enable=no \
    ".build/fuzz/gossip-fuzz-$mode" -max_len=$max_len -rss_limit_mb=1024 -timeout=10 $extra \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" $corpus
