#!/bin/sh
# goal_pcs.sh — `make check-long`: the probability of correct selection of
# the goal searches (docs/goals.md), over independent macro-replications
# (seeds 1..N of tests/ini/goal.ini, each a whole search):
# - mmc-slo and mmc-bisect: M/M/c, the smallest K with Erlang C mean wait
#   under 5 ms is 8 (tests/cli/goal.sh computes it): correct = "K = 8 is";
# - usl-unimodal: the USL optimum is K = 22 and 18..26 are within the 2%
#   indifference zone: a correct selection is one of them;
# - usl-grid: the same U every 4 from 4 to 60, KN with its paired screen
#   over every point: a correct selection is 20 or 24.
# Each proportion is printed with its 95% Wilson interval; the check fails
# when the interval lies wholly below the stated 95% confidence.
# Usage: sh tests/long/goal_pcs.sh POOLSIM [N]   (N = 100)
set -u
bin=$1; n=${2:-100}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ini="$(dirname "$0")/../ini/goal.ini"
ok_slo=0; ok_bis=0; ok_opt=0; ok_grid=0; und=0; runs_bis=0; runs_opt=0; runs_grid=0
s=1
while [ $s -le "$n" ]; do
	"$bin" run "$ini" -c mmc-slo -c mmc-bisect -c usl-unimodal -c usl-grid --set seed=$s \
		-o "$T/$s.db" -j 2 >"$T/out" 2>"$T/err" || { echo "FAIL: seed $s: $(cat "$T/err")"; exit 1; }
	grep -q '^mmc-slo: K = 8 is the smallest' "$T/out" && ok_slo=$((ok_slo + 1))
	grep -q '^mmc-bisect: K = 8 is the smallest' "$T/out" && ok_bis=$((ok_bis + 1))
	grep -q 'undecided' "$T/out" && und=$((und + 1))
	k=$(sed -n 's/^usl-unimodal: K = \([0-9]*\) minimises.*/\1/p' "$T/out")
	case $k in 18|20|22|24|26) ok_opt=$((ok_opt + 1));; esac
	k=$(sed -n 's/^usl-grid: K = \([0-9]*\) minimises.*/\1/p' "$T/out")
	case $k in 20|24) ok_grid=$((ok_grid + 1));; esac
	r=$(sed -n 's/^usl-grid: .*; \([0-9]*\) of [0-9]* possible runs$/\1/p' "$T/out")
	runs_grid=$((runs_grid + r))
	r=$(sed -n 's/^mmc-bisect: .*; \([0-9]*\) of [0-9]* possible runs$/\1/p' "$T/out")
	runs_bis=$((runs_bis + r))
	r=$(sed -n 's/^usl-unimodal: .*; \([0-9]*\) of [0-9]* possible runs$/\1/p' "$T/out")
	runs_opt=$((runs_opt + r))
	rm -f "$T/$s.db"*
	s=$((s + 1))
done
fail=0
pcs() {
	awk -v x="$2" -v n="$n" -v what="$1" 'BEGIN {
		z = 1.959964; p = x / n; d = 1 + z * z / n
		c = (p + z * z / (2 * n)) / d; h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
		printf "%s: PCS %d/%d = %.3f, 95%% interval [%.3f, %.3f]%s\n", what, x, n, p, c - h, c + h,
			c + h < 0.95 ? "  BELOW 95%" : ""
		exit (c + h < 0.95) }' || fail=1
}
pcs "M/M/c slo, grid (K = 5..16)" $ok_slo
pcs "M/M/c slo, bisection (K = 6..1000)" $ok_bis
pcs "USL optimize, unimodal (K = 2..400, within 2%)" $ok_opt
pcs "USL optimize, grid (K = 4..60 step 4, within 2%)" $ok_grid
echo "undecided answers: $und; mean runs: bisection $((runs_bis / n)) of 39800, ternary $((runs_opt / n)) of 4000, grid $((runs_grid / n)) of 300"
exit $fail
