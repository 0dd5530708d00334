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
