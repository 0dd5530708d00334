#!/bin/sh
# determinism.sh — same seed => the same scalars, whatever -j; another seed
# => different scalars.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ini="$POOLSIM_TESTS/ini/sweep.ini"
fail() { echo "FAIL: $*"; exit 1; }
q="select e.name, r.point, r.replication, s.scope, s.name, s.value from scalar s join run r on r.id=s.run_id join experiment e on e.id=r.experiment_id order by 1,2,3,4,5"
"$POOLSIM" run "$ini" -o "$T/a.db" -j 1 2>/dev/null || fail "run -j 1"
"$POOLSIM" run "$ini" -o "$T/b.db" -j 2 2>/dev/null || fail "run -j 2"
"$POOLSIM" run "$ini" -o "$T/c.db" -j 2 2>/dev/null || fail "run again"
"$POOLSIM" run "$ini" -o "$T/d.db" -j 2 --set seed=8 2>/dev/null || fail "run seed=8"
for x in a b c d; do sqlite3 "$T/$x.db" "$q" > "$T/$x.txt"; done
n=$(wc -l < "$T/a.txt")
[ "$n" -gt 100 ] || fail "only $n scalar rows"
cmp -s "$T/a.txt" "$T/b.txt" || fail "-j 1 and -j 2 differ"
cmp -s "$T/b.txt" "$T/c.txt" || fail "two runs with the same seed differ"
echo "ok $n scalars identical for -j 1, -j 2 and a second run"
cmp -s "$T/a.txt" "$T/d.txt" && fail "seed 8 gives the same scalars as seed 7"
nd=$(diff "$T/a.txt" "$T/d.txt" | grep -c '^<')
echo "ok seed 8 differs from seed 7 in $nd scalar rows"

# precision: replications added per point, and where the outcome is stored
# (run_param precision_met/precision_halfwidth on the point's last run),
# must not depend on -j either.
pq="select r.point, r.replication, p.name, p.value from run_param p join run r on r.id=p.run_id where p.name like 'precision_%' union all select point, count(*), 'runs', '' from run group by point order by 1,2,3"
for j in 1 2; do
	"$POOLSIM" run "$ini" -c small --set 'precision=latency_p99 20%' --set repeat=8 \
		-o "$T/p$j.db" -j $j 2>"$T/p$j.err" || fail "precision run -j $j"
	sqlite3 "$T/p$j.db" "$pq" > "$T/p$j.txt"
done
cmp -s "$T/p1.txt" "$T/p2.txt" || fail "precision runs differ between -j 1 and -j 2"
m=$(grep -c 'target 20% met' "$T/p1.err")
[ "$m" -eq 5 ] || fail "precision: $m of 5 points report the target met"
grep -q '^0|7|runs|' "$T/p1.txt" || fail "point 0 should need 7 replications: $(cat "$T/p1.txt")"
echo "ok precision: same replications and outcomes for -j 1 and -j 2 ($(sqlite3 "$T/p1.db" 'select count(*) from run') runs)"
