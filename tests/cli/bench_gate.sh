#!/bin/sh
# bench_gate.sh — the performance regression gate (exercise 25).
# Measures poolsim's CPU time per task on M/M/50 (rho=0.9) as a RATIO to the
# Kiefer–Wolfowitz recursion on a tournament tree in the same process
# (bench_mmc --gate: 5 repetitions of each, interleaved, best kept), and
# fails when the ratio is more than 20% above the committed
# bench/baseline.txt (its ratio_tree line). Ratios, not seconds: a slower
# or busier machine slows both alike. The tree, not DESIGN's heap floor,
# because both it and the engine are branch-free: the heap floor is
# mispredict-bound, so poolsim/heap read 1.81 on one CI CPU and 2.42-2.50
# on an AMD EPYC (Zen 1) with no code change, while poolsim/tree read
# 4.3-4.6 and 4.07-4.37 there. make bench still prints the heap ratio. A ratio lower than
# the baseline by more than 20% passes with a hint to refresh it
# (make bench-baseline).
# Under ASan/UBSan the ratio means nothing (the engine is instrumented, the
# floor is not): skipped there, saying so.
# Env: GATE_BENCH (bench_mmc to measure), GATE_BASELINE (file), GATE_TASKS.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
case "${POOLSIM:-}" in *asan*)
	echo "SKIP: the regression gate does not run under ASan (it changes the ratio)"; exit 0;;
esac
bench=${GATE_BENCH:-$top/build/bench/bench_mmc}
base=${GATE_BASELINE:-$top/bench/baseline.txt}
tasks=${GATE_TASKS:-1000000}
[ -x "$bench" ] || { echo "FAIL: $bench not built (make build/bench/bench_mmc)"; exit 1; }
want=$(awk '$1 == "ratio_tree" { print $2 }' "$base")
[ -n "$want" ] || { echo "FAIL: no 'ratio_tree R' line in $base"; exit 1; }
measure() { "$bench" --gate 5 "$tasks" | awk '$1 == "ratio_tree" { print $2 }'; }
got=$(measure)
[ -n "$got" ] || { echo "FAIL: $bench --gate printed no ratio"; exit 1; }
# A noisy burst can only make a ratio worse: confirm a failure once more
# before reporting it, keeping the better of the two.
if awk -v g="$got" -v w="$want" 'BEGIN { exit !(g > 1.2 * w) }'; then
	again=$(measure)
	got=$(awk -v a="$got" -v b="${again:-$got}" 'BEGIN { print (b < a ? b : a) }')
fi
awk -v g="$got" -v w="$want" 'BEGIN {
	printf "ratio to the KW tree recursion %.3f, baseline %.3f, limit %.3f (+20%%)\n", g, w, 1.2 * w
	if (g > 1.2 * w) { print "FAIL: poolsim is more than 20% slower relative to the floor than the baseline"; exit 1 }
	if (g < w / 1.2) print "note: more than 20% faster than the baseline: make bench-baseline to lock the gain in"
	print "ok"
}'
