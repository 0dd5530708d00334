#!/bin/sh
# window.sh — one measurement window per run, at every scope, through the
# CLI on tests/ini/window.ini: rates and time-averages read the capacity of
# an overloaded run (not completions spread over its drain), equal at two
# run lengths; backlog_end, drain_s and unstable say what the window
# leaves out; p95 sits beside p99.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }

"$POOLSIM" run "$POOLSIM_TESTS/ini/window.ini" -o "$T/w.db" -j 2 2>/dev/null ||
	fail "window.ini did not run"
# mean of a metric: EXPERIMENT SCOPE NAME [ITERVARS]
m() {
	sqlite3 "$T/w.db" "select mean from point_summary where experiment =
		'$1' and scope = '$2' and name = '$3' and itervars = '${4:-}'"
}
# near VALUE WANT REL MESSAGE: |VALUE/WANT - 1| <= REL
near() {
	awk -v v="$1" -v w="$2" -v r="$3" 'BEGIN {
		d = v / w - 1; exit !(v != "" && d <= r && -d <= r) }' ||
		fail "$4: $1, want $2 within $3"
}

# Issue 15's tiers: 6000/5000/1000 per tier and tenant, utilization 0.75,
# with warm-up as a time, a count and a share (the window opens at the
# boundary, whatever it is given as).
for e in tiers tiers-count tiers-share; do
	for x in "premium acme 6000" "standard globex 5000" "free initech 1000"; do
		set -- $x
		near "$(m $e tier/$1 throughput)" "$3" 0.03 "$e tier/$1 throughput"
		near "$(m $e tenant/$2 throughput)" "$3" 0.03 "$e tenant/$2 throughput"
	done
	near "$(m $e pool throughput)" 12000 0.03 "$e pool throughput"
	near "$(m $e pool utilization)" 0.75 0.03 "$e pool utilization"
	[ "$(m $e pool unstable)" = 1.0 ] || fail "$e not flagged unstable"
	awk -v d="$(m $e pool drain_s)" -v b="$(m $e pool backlog_end)" \
		'BEGIN { exit !(d > 100 && b > 100000) }' ||
		fail "$e: the drain is not in drain_s/backlog_end"
done
echo "ok tiers: 6000/5000/1000 per tier and tenant, utilization 0.75, by time, count and share"

# Two run lengths, the same rates: pool, request, downstream, service,
# stage.
for len in 10s 20s; do
	iv="len=$len"
	near "$(m downstream pool throughput "$iv")" 1000 0.03 "downstream $iv pool"
	near "$(m downstream downstream/db utilization "$iv")" 1 0.01 "downstream/db $iv"
	near "$(m services service/hot throughput "$iv")" 2000 0.03 "service/hot $iv"
	near "$(m services service/cold throughput "$iv")" 1000 0.03 "service/cold $iv"
	near "$(m pipeline pool throughput "$iv")" 166.7 0.05 "pipeline $iv"
	near "$(m pipeline stage/transform utilization "$iv")" 1 0.01 "stage/transform $iv"
done
for x in "downstream pool throughput" "downstream request throughput" \
	 "services pool utilization" "pipeline stage/read utilization"; do
	set -- $x
	near "$(m $1 $2 $3 len=10s)" "$(m $1 $2 $3 len=20s)" 0.03 "$1 $2 $3: 10s against 20s"
done
echo "ok lengths: pool, request, downstream, service and stage rates equal at 10 s and 20 s"

[ "$(m stable pool unstable)" = 0.0 ] || fail "stable run flagged unstable"
for s in pool phase/1 phase/2; do
	awk -v a="$(m stable $s latency_p95)" -v b="$(m stable $s latency_p99)" \
		'BEGIN { exit !(a > 0 && a <= b) }' || fail "$s: p95 not at or below p99"
done
awk -v a="$(m tiers tier/free wait_p95)" -v b="$(m tiers tier/free wait_p99)" \
	'BEGIN { exit !(a > 0 && a <= b) }' || fail "tier wait_p95"
echo "ok stable: not flagged; latency_p95/wait_p95 beside p99"

# An overloaded single-point experiment's figures say so: hollow bars.
if command -v gnuplot >/dev/null; then
	"$POOLSIM" plot -o "$T/w.db" -c tiers --dir "$T/out" >/dev/null 2>&1 ||
		fail "plot tiers"
	grep -q "set style fill empty" "$T/out/tiers.gp" &&
		grep -q "overloaded: the backlog grew" "$T/out/tiers.gp" ||
		fail "tiers.gp: the overloaded point is not hollow"
	grep -q "fs empty.*title 'all (overloaded)'" "$T/out/tiers-scopes.gp" ||
		fail "tiers-scopes.gp: the overloaded point is not hollow"
	"$POOLSIM" plot -o "$T/w.db" -c stable --dir "$T/out" >/dev/null 2>&1 ||
		fail "plot stable"
	grep -q "fill empty\|overloaded" "$T/out/stable.gp" &&
		fail "stable.gp marked overloaded"
	echo "ok figures: overloaded single points drawn hollow, stable ones not"
fi
