#!/bin/sh
# plot_report.sh — `poolsim run`, `plot` and `report` on a tiny study with the
# real binary: every figure is a PNG of the promised size, every .gp script
# re-draws by hand from a copy, the report answers, point_summary works in
# the plain sqlite3 shell, and a missing gnuplot gives the install hint.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$T/p.ini" <<'INI'
[General]
repeat = 3
tasks  = 500

[ksweep]
description = 1% slow calls: which K minimises p99?
arrival = poisson(200/s)
service = mix(0.99: const(10ms), 0.01: const(200ms))
pool    = errgroup
K       = ${2, 4, 50}
plot    = K: latency_p50 latency_p99

[pools]
description = it's `touch $T/PWNED` and @macro
arrival = burst(50)
service = const(20ms)
pool    = ${errgroup, tunny}
K       = 4
INI
sed -i "s|\$T|$T|" "$T/p.ini"

"$POOLSIM" run "$T/p.ini" -o "$T/r.db" -j 2 >/dev/null || fail "run failed"
"$POOLSIM" plot -o "$T/r.db" --dir "$T/out" >/dev/null || fail "plot failed"
[ -e "$T/PWNED" ] && fail "plotting ran a backquoted command"
for f in ksweep pools; do
	[ -s "$T/out/$f.png" ] || fail "no $f.png"
	wh=$(od -An -tu1 -j16 -N8 "$T/out/$f.png" | tr -s ' ')
	[ "$wh" = " 0 0 3 232 0 0 2 88" ] || fail "$f.png IHDR size bytes '$wh', want 1000x600"
done
echo "ok plot: PNGs of 1000x600, nothing executed"

mkdir "$T/again"
for gp in "$T"/out/*.gp; do
	b=$(basename "$gp" .gp)
	cp "$gp" "$T/again/"
	(cd "$T/again" && gnuplot "$b.gp") || fail "gnuplot $b.gp failed"
	[ -s "$T/again/$b.png" ] || fail "$b.gp drew nothing"
done
echo "ok scripts re-draw by hand"

"$POOLSIM" report -o "$T/r.db" -c ksweep --dir "$T/out" >/dev/null || fail "report failed"
grep -q '^# ksweep$' "$T/out/ksweep.md" || fail "report heading"
grep -q 'minimises latency_p99' "$T/out/ksweep.md" || fail "report has no answer"
grep -q '](ksweep.png)' "$T/out/ksweep.md" || fail "report does not link the figure"
echo "ok report"

n=$(sqlite3 "$T/r.db" "select count(*) from point_summary where experiment='ksweep' and scope='pool' and name='latency_p99' and n=3 and ci95>=0")
[ "$n" -eq 3 ] || fail "point_summary in the sqlite3 shell: $n rows"
echo "ok point_summary in plain sqlite3"

PATH=/nonexistent "$POOLSIM" plot -o "$T/r.db" --dir "$T/out2" 2>"$T/err" && fail "plot without gnuplot succeeded"
grep -q "gnuplot not found: install it with 'apt-get install gnuplot-nox'" "$T/err" || fail "message: $(cat "$T/err")"
[ -s "$T/out2/ksweep.gp" ] || fail "scripts not written without gnuplot"
echo "ok gnuplot missing"
