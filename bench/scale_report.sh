#!/bin/sh
# scale_report.sh — every figure of the scale work in one run, from a
# release build: messages/s and peak RSS for N = 10^3 .. 10^6 without and
# with the JSONL trace, bytes per queued message, the event queue against a
# tuned 4-ary heap, `mailsim check` on 100,000 messages, the viewer's open
# time and memory on 10^4 and 10^6 events, and frame times.
#
# usage: bench/scale_report.sh [BUILD_DIR] [MAX_N]
#   BUILD_DIR defaults to build/bench; MAX_N (default 1000000) caps N —
#   10^6 messages need about 2 GiB of memory and a minute or two of CPU.
# Figures only: nothing here passes or fails. Big files go to $TMPDIR.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$here/build/bench"}
max=${2:-1000000}
tmp=${TMPDIR:-/tmp}/mailsim-scale.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM
export MAILSIM_SOURCE_DIR="$here"

for b in mailsim bench_scale bench_evq bench_trace_open bench_frame; do
	if [ ! -x "$build/$b" ]; then
		echo "scale_report: $build/$b is missing; build first:" >&2
		echo "  cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DMAILSIM_TESTS=OFF && cmake --build build/bench" >&2
		exit 2
	fi
done

ns=""
for n in 1000 10000 100000 1000000; do
	[ "$n" -le "$max" ] && ns="$ns $n"
done

echo "== simulator: messages/s, peak RSS (no trace, then trace) =="
# shellcheck disable=SC2086  # ns is a list of numbers
"$build/bench_scale" $ns
# shellcheck disable=SC2086
"$build/bench_scale" --trace $ns

echo "== bytes per queued message (100,000 held by a dead destination) =="
"$build/bench_scale" --hold 100000

echo "== event queue vs a tuned 4-ary heap (hold model) =="
"$build/bench_evq"

echo "== mailsim check on 100,000 messages =="
"$build/bench_scale" --write "$tmp/s100k.json" 100000 >/dev/null
if [ -x /usr/bin/time ]; then t="/usr/bin/time -f %e_s_wall,_%U_s_user,_%S_s_sys,_peak_RSS_%M_KiB"; else t=""; fi
$t \
	"$build/mailsim" check "$tmp/s100k.json"

echo "== viewer: open time and memory =="
"$build/bench_scale" --write "$tmp/s135.json" 135 >/dev/null
"$build/mailsim" run "$tmp/s135.json" --trace "$tmp/t135.jsonl" >/dev/null
"$build/bench_scale" --write "$tmp/s10k.json" 10000 >/dev/null
"$build/mailsim" run "$tmp/s10k.json" --trace "$tmp/t10k.jsonl" >/dev/null
head -n 1000000 "$tmp/t10k.jsonl" >"$tmp/t1m.jsonl" # exactly 10^6 events
"$build/bench_trace_open" "$tmp/t135.jsonl" "$tmp/t1m.jsonl" "$tmp/t10k.jsonl"

echo "== frame times at 1920x1080, software renderer =="
"$build/bench_frame" --frames 2400 "$here/scenarios/campaign-verified.json"
"$build/bench_frame" --frames 2400 "$tmp/s10k.json"
# the whole viewer's open (parse, pacing beside the walk, layout) of 10^6 events
"$build/bench_frame" --frames 2400 "$tmp/t1m.jsonl"
