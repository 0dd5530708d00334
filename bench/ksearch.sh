#!/bin/sh
# ksearch.sh — `make bench`: what a goal saves (docs/goals.md). The default
# study's K questions, slow-downstream and webhook, with
# optimize = latency_p99 min at repeat = R: the runs the search used as a
# share of the full grid (points x R), and whether a full grid (every point
# at R replications, repeat.min = R: the same procedure with every run
# made) gives the same answer. Target: <= 30% of the runs.
# Usage: sh bench/ksearch.sh POOLSIM [R]   (R = 20)
set -u
bin=$1; R=${2:-20}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ini=experiments.ini
for c in slow-downstream webhook; do
	"$bin" run "$ini" -c $c --set "optimize=latency_p99 min" --set repeat=$R \
		-o "$T/s.db" -j 2 >"$T/s.out" 2>"$T/s.err" || { echo "ksearch: $c: $(cat "$T/s.err")"; exit 1; }
	"$bin" run "$ini" -c $c --set "optimize=latency_p99 min" --set repeat=$R --set repeat.min=$R \
		-o "$T/g.db" -j 2 >"$T/g.out" 2>"$T/g.err" || { echo "ksearch: $c grid: $(cat "$T/g.err")"; exit 1; }
	awk -v c=$c '
	function k(line) { if (match(line, /K = [0-9]+/)) return substr(line, RSTART + 4, RLENGTH - 4); return "?" }
	function und(line) { return line ~ /undecided/ }
	FNR == 1 && NR == 1 { s = $0; match(s, /; [0-9]+ of [0-9]+ possible runs/); split(substr(s, RSTART + 2), a, " "); used = a[1]; grid = a[3] }
	FNR == 1 && NR > 1 { g = $0 }
	END {
		same = k(s) == k(g) && und(s) == und(g)
		printf "  K-search %s: %d of %d runs (%.0f%%, target <= 30%%); answer K = %s%s, the full grid K = %s%s: %s\n",
			c, used, grid, 100 * used / grid, k(s), und(s) ? " (undecided)" : "", k(g), und(g) ? " (undecided)" : "",
			same ? "the same" : "DIFFERENT"
	}' "$T/s.out" "$T/g.out"
	rm -f "$T"/*.db*
done
