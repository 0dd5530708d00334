#!/bin/sh
# steady.sh — results say when a number is not a steady state or has no
# interval (tests/ini/steady.ini): `show`, CSV, point_summary, the
# figures and the report flag the overloaded point, say n=1 instead of
# "± 0", and call identical replications deterministic, never "clearly"
# different.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }
db="$T/s.db"
"$POOLSIM" run "$POOLSIM_TESTS/ini/steady.ini" -o "$db" 2>/dev/null ||
	fail "steady.ini did not run"

u=$(sqlite3 "$db" "select itervars || ':' || mean from point_summary where
	experiment = 'replay' and scope = 'pool' and name = 'unstable' order by point")
[ "$u" = "K=1:1.0
K=2:0.0" ] || fail "unstable per point: $u"
"$POOLSIM" show -o "$db" -c replay >"$T/show" || fail "show"
grep -q "^ *0! K=1: overloaded in 3 of 3 replications" "$T/show" ||
	fail "show does not flag K=1: $(head -3 "$T/show")"
grep -q "^ *1! " "$T/show" && fail "show flags K=2"
grep -q "^ *0!.*latency_p99 .*(identical)" "$T/show" ||
	fail "identical replications not said: $(grep latency_p99 "$T/show")"
grep -q "± 0 " "$T/show" && fail "show prints ± 0"
echo "ok show: K=1 flagged overloaded, identical replications said"

n=$(sqlite3 "$db" "select count(*) from point_summary where experiment = 'once' and ci95 is not null")
[ "$n" -eq 0 ] || fail "point_summary.ci95 not NULL for n=1 ($n rows)"
"$POOLSIM" show -o "$db" -c once >"$T/once" || fail "show once"
grep -q "latency_p99 .* 1 .*(n=1, no CI)" "$T/once" ||
	fail "n=1 not said: $(grep latency_p99 "$T/once")"
grep -q "±" "$T/once" && fail "show prints an interval for n=1"
"$POOLSIM" show -o "$db" -c once --format csv >"$T/once.csv" || fail "csv"
grep -q '^"once",0,"1","pool","latency_p99",1,[0-9.e+-]*,,' "$T/once.csv" ||
	fail "CSV ci95 not empty for n=1: $(grep latency_p99 "$T/once.csv")"
echo "ok n=1: point_summary.ci95 NULL, show says n=1, CSV leaves ci95 empty"

if command -v gnuplot >/dev/null; then
	"$POOLSIM" plot -o "$db" -c replay --dir "$T/out" >/dev/null 2>&1 ||
		fail "plot"
	grep -q "pt 6 .*title 'overloaded'" "$T/out/replay.gp" ||
		fail "figure does not circle the overloaded point"
	# data rows: x mean ci unstable; K=1's (the first of each block)
	# flagged, K=2's not
	[ "$(sed -n '/^\$d0 << EOD/{n;p;}' "$T/out/replay.gp" | awk '{print $4}')" = 1 ] ||
		fail "K=1's data row not flagged"
	[ "$(sed -n '/^\$d0 << EOD/{n;n;p;}' "$T/out/replay.gp" | awk '{print $4}')" = 0 ] ||
		fail "K=2's data row flagged"
	echo "ok plot: the overloaded point is circled"
fi
"$POOLSIM" report -o "$db" -c replay --dir "$T/out" >/dev/null || fail "report"
r="$T/out/replay.md"
grep -q "^- K = 1: overloaded — p99 grows with the run's length" "$r" ||
	fail "report answer does not flag K=1: $(sed -n '/Answer/,$p' "$r")"
grep -q "| 1 | \*\*overloaded\*\* |" "$r" || fail "report table does not flag K=1"
grep -q "(deterministic)" "$r" || fail "report table: no deterministic cells"
grep -q "clearly" "$r" && fail "report calls deterministic points clearly different: $(grep clearly "$r")"
grep -q "deterministic: every replication gave the same value" "$r" ||
	fail "report does not say the difference is deterministic"
"$POOLSIM" report -o "$db" -c once --dir "$T/out" >/dev/null || fail "report once"
grep -q "(n=1)" "$T/out/once.md" || fail "report n=1 cells"
grep -q "± 0" "$T/out/once.md" && fail "report prints ± 0 for n=1"
grep -q "clearly" "$T/out/once.md" && fail "report: clearly on one replication"
grep -q "n=1; the runner-up K = 1 (.*, n=1) is worse" "$T/out/once.md" ||
	fail "report: n=1 points not ranked plainly: $(grep latency_p99 "$T/out/once.md")"
echo "ok report: overloaded answer, deterministic, n=1, never 'clearly'"
