#!/bin/sh
# plot_big.sh — `plot` and `report` on 4000 points of a category axis (the
# x key's values are not numbers) finish well inside a generous limit: the
# figure code is O(n log n) (it was cubic: 172 s for 4000 points), only
# the drawn points' series are read, and a 4000-category axis is legible
# (every 100th label, no 2000-entry legend).
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$T/big.ini" <<'INI'
[General]
seed = 1
[big]
arrival = poisson(1000/s)
tasks   = 5
service = exp(1ms)
pool    = ants
K       = 2
plot    = service: latency_p99
INI
# 4000 values "1us" .. "4000us" from --set.
vals=$(seq 1 4000 | sed 's/$/us/' | paste -sd, - | sed 's/,/, /g')
"$POOLSIM" run "$T/big.ini" -o "$T/r.db" -j 2 --set "service=exp(\${$vals})" \
	>/dev/null 2>"$T/err" || { cat "$T/err"; fail "run failed"; }
start=$(date +%s)
timeout 30 "$POOLSIM" plot -o "$T/r.db" --dir "$T/out" >/dev/null 2>"$T/err"
rc=$?
[ $rc = 124 ] && fail "plot of 4000 category points took over 30 s"
[ $rc = 0 ] || { cat "$T/err"; fail "plot failed ($rc)"; }
echo "ok plot: 4000 category points in $(( $(date +%s) - start )) s"
[ -s "$T/out/big.png" ] || fail "no big.png"
# 40 labelled categories, not 4000
n=$(grep -o "'[0-9]*us' [0-9]*" "$T/out/big.gp" | wc -l)
[ "$n" -le 40 ] && [ "$n" -ge 20 ] || fail "$n x labels, want 20..40"
# only the 8 drawn points' series are inlined
n=$(grep -o "title 'service=[0-9]*us'" "$T/out/big-series.gp" | sort -u | wc -l)
[ "$n" -ge 2 ] && [ "$n" -le 8 ] || fail "$n points in the series figure, want 2..8"
sz=$(wc -c <"$T/out/big-series.gp")
[ "$sz" -lt 1000000 ] || fail "big-series.gp is $sz bytes: every point's series inlined"
timeout 30 "$POOLSIM" report -o "$T/r.db" --dir "$T/out" >/dev/null 2>"$T/err"
rc=$?
[ $rc = 124 ] && fail "report of 4000 points took over 30 s"
[ $rc = 0 ] || { cat "$T/err"; fail "report failed ($rc)"; }
grep -q '4000us' "$T/out/big.md" || fail "report lacks the last point"
echo "ok report: 4000 points"

# Two swept keys, the x key categorical: 20 lines (one per K), no legend.
cat >"$T/two.ini" <<'INI'
[General]
seed = 1
[two]
arrival = poisson(1000/s)
tasks   = 5
service = exp(1ms)
pool    = ${ants, tunny}
K       = ${1..20}
plot    = pool: latency_p99
INI
"$POOLSIM" run "$T/two.ini" -o "$T/r2.db" -j 2 >/dev/null 2>&1 || fail "run two failed"
timeout 30 "$POOLSIM" plot -o "$T/r2.db" --dir "$T/out2" >/dev/null 2>"$T/err" ||
	{ cat "$T/err"; fail "plot two failed"; }
grep -q 'unset key' "$T/out2/two.gp" || fail "20 lines drew a legend"
grep -q "20 lines, one per value of the other swept keys" "$T/out2/two.gp" ||
	fail "the x label does not say why there is no legend"
echo "ok plot: 20 lines, no legend"
