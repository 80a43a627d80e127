#!/bin/bash
# Writes Linking/nodes.order: the functions a seed and a peer execute in a short, ordinary run
# (start, register, link, gossip, liveness, a neighbour killed and reported dead, SIGINT), in
# the order they were first seen. Package.swift hands the file to lld (--symbol-ordering-file)
# when it links the release seed and peer, so that this code sits together at the start of the
# text segment instead of being spread over all of it.
#
# Why: an idle node's RSS is mostly the static binary's code pages, and the kernel maps a
# file-backed page fault's 64 KiB neighbourhood (fault-around). Scattered, the touched code
# made about 5.4 MB of 6.6 MB of text resident; grouped, about 3 MB (docs/PERFORMANCE.md).
#
# A stale file is harmless: lld skips names it does not find (--no-warn-symbol-ordering), and
# the code is only less well packed. Run this after larger changes, then `cluster bench
# footprint` to see the effect. Needs valgrind (apt-get install valgrind); takes about 30 s.
#
# Usage: Linking/make-order.sh   (from the package root; builds the release binaries first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v valgrind >/dev/null || { echo "make-order.sh: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
# The order file must exist for the link; its content does not change the names profiled.
[ -f Linking/nodes.order ] || : > Linking/nodes.order
swift build -c release --product seed
swift build -c release --product peer
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Ports from the top of the unprivileged range, away from the config's and the tests'.
seed_port=47311
mkdir -p "$work/logs"
printf '127.0.0.1:%d\n' "$seed_port" > "$work/config.txt"
cd "$work"
profile=(valgrind --tool=callgrind --demangle=no --dump-instr=no)
timings=(--liveness-interval 1s --gossip-interval 0.3s --control-dir "$work/control")

"${profile[@]}" --callgrind-out-file="$work/seed.cg" "$bin/seed" --port "$seed_port" \
    --liveness-interval 1s --control-dir "$work/control" >/dev/null 2>&1 &
seed=$!; pids+=("$seed")
sleep 2
"$bin/peer" --port 47411 "${timings[@]}" >/dev/null 2>&1 &
first=$!; pids+=("$first")
sleep 0.5
"${profile[@]}" --callgrind-out-file="$work/peer.cg" "$bin/peer" --port 47412 "${timings[@]}" >/dev/null 2>&1 &
profiled=$!; pids+=("$profiled")
sleep 0.5
"$bin/peer" --port 47413 "${timings[@]}" >/dev/null 2>&1 &
third=$!; pids+=("$third")
# Three phases, one callgrind dump each (`callgrind_control -d` writes FILE.N and starts
# counting afresh): start-up, registration, links and the 10 messages (*.cg.1); then idle
# liveness rounds and renewals only (*.cg.2); then a neighbour killed, reported dead and
# removed, and SIGINT (*.cg, at exit).
sleep 6
callgrind_control -d "$seed" "$profiled" >/dev/null 2>&1
sleep 8
callgrind_control -d "$seed" "$profiled" >/dev/null 2>&1
# (Reaped at once, in braces, so that the shell's "Killed" notice goes nowhere.)
{ kill -KILL "$third"; wait "$third"; } 2>/dev/null || true
# Three missed replies at 1 s, the report, the seeds' removal.
sleep 6
kill -INT "$first" "$profiled" "$seed"
wait "$first" "$profiled" "$seed" || true
pids=()
grep -q "Dead Node" logs/peerlog_47412.txt || { echo "make-order.sh: the run did not reach the dead-node report" >&2; exit 1; }
for f in seed.cg.1 seed.cg.2 peer.cg.1 peer.cg.2; do
    [ -s "$work/$f" ] || { echo "make-order.sh: callgrind_control wrote no $f" >&2; exit 1; }
done

# Every function callgrind saw, by its linkage name: `fn=(id) name` and `cfn=(id) name` give
# a name the first time an id is used in a file ('N marks recursion depth); keep the names
# the binary has, in first-seen order, the idle phase's first. What an idle node runs then
# sits in as few pages as it can: a wake-up after a second's sleep finds its code out of the
# caches and the TLB, and in a virtual machine each TLB miss is a two-level page walk.
nm "$bin/peer" "$bin/seed" | awk 'NF == 3 && $2 ~ /[tTwWiI]/ { print $3 }' | sort -u > "$work/symbols"
awk -F'\t' '
    FILENAME == ARGV[1] { known[$0] = 1; next }
    match($0, /^c?fn=\([0-9]+\) /) {
        name = substr($0, RLENGTH + 1); sub(/'"'"'[0-9]+$/, "", name)
        if ((name in known) && !(name in seen)) { seen[name] = 1; print name }
    }' "$work/symbols" "$work/peer.cg.2" "$work/seed.cg.2" "$work/peer.cg.1" "$work/seed.cg.1" \
    "$work/peer.cg" "$work/seed.cg" > "$root/Linking/nodes.order"
echo "Linking/nodes.order: $(wc -l < "$root/Linking/nodes.order") functions"
