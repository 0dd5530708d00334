#!/bin/sh
# ksearch.sh — `make bench`: what a goal saves (docs/goals.md). The default
# study's K questions, slow-downstream and webhook, with
# optimize = latency_p99 min at repeat = R: the runs the search used as a
# share of the full grid (points x R), and whether a full grid (every point
# at R replications, repeat.min = R: the same procedure with every run
# made) gives the same answer. Target: <= 30% of the runs.
# Usage: sh bench/ksearch.sh POOLSIM [R]   (R: the experiment's repeat, 40)
set -u
bin=$1; R0=${2:-}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ini=experiments.ini
for c in slow-downstream webhook; do
	R=$R0
	[ -n "$R" ] || R=$(( $("$bin" list "$ini" -c $c | awk -F '\t' 'NR > 1 && $4 ~ /^[0-9]+$/ && $4 > m { m = $4 } END { print m + 0 }') + 1 ))
	"$bin" run "$ini" -c $c --set "optimize=latency_p99 min" --set repeat=$R \
		-o "$T/s.db" -j 2 >"$T/s.out" 2>"$T/s.err" || { echo "ksearch: $c: $(cat "$T/s.err")"; exit 1; }
	"$bin" run "$ini" -c $c --set "optimize=latency_p99 min" --set repeat=$R --set repeat.min=$R \
		-o "$T/g.db" -j 2 >"$T/g.out" 2>"$T/g.err" || { echo "ksearch: $c grid: $(cat "$T/g.err")"; exit 1; }
	q="select chosen || '|' || decided || '|' || indifferent || '|' || runs_used || '|' || runs_grid from answer"
	sqlite3 "$T/s.db" "$q" >"$T/s.ans"
	sqlite3 "$T/g.db" "$q" >"$T/g.ans"
	# the same answer: the same chosen point, decided or not, and when
	# undecided the same points left
	awk -F '|' -v c=$c -v R=$R '
	NR == 1 { sc = $1; sd = $2; si = $3; used = $4; grid = $5 }
	NR == 2 { gc = $1; gd = $2; gi = $3 }
	END {
		same = sc == gc && sd == gd && (sd == 1 || si == gi)
		printf "  K-search %s (repeat = %d): %d of %d runs (%.0f%%, target <= 30%%); answer %s%s%s, the full grid %s%s%s: %s\n",
			c, R, used, grid, 100 * used / grid,
			sc, sd == 1 ? "" : " (undecided: " si ")", sd == 1 && si != "" ? " (within delta: " si ")" : "",
			gc, gd == 1 ? "" : " (undecided: " gi ")", gd == 1 && gi != "" ? " (within delta: " gi ")" : "",
			same ? "the same" : "DIFFERENT"
	}' "$T/s.ans" "$T/g.ans"
	rm -f "$T"/*.db*
done
