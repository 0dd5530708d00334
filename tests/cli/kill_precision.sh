#!/bin/sh
# kill_precision.sh — `precision` commits each replication as it finishes:
# kill -9 in the middle of a precision point keeps the replications done so
# far, and --resume goes on with the stopping rule from the stored ones
# (without running them again) to the same replications, scalars and
# outcome as an uninterrupted run with the same seed.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ini="$POOLSIM_TESTS/ini/precision.ini"
fail() { echo "FAIL: $*"; exit 1; }
q="select r.point, r.replication, r.status, s.scope, s.name, s.value from scalar s join run r on r.id = s.run_id order by 1, 2, 4, 5"
pq="select r.point, r.replication, p.name, p.value from run_param p join run r on r.id = p.run_id order by 1, 2, 3"

"$POOLSIM" run "$ini" -o "$T/full.db" -j 2 2>"$T/full.err" || fail "uninterrupted run: $(cat "$T/full.err")"
sqlite3 "$T/full.db" "$q" >"$T/full.txt"
sqlite3 "$T/full.db" "$pq" >"$T/full.par"
total=$(sqlite3 "$T/full.db" 'select count(*) from run')
met=$(sqlite3 "$T/full.db" "select count(*) from run_param where name = 'precision_met' and value = 'yes'")
[ "$met" -eq 2 ] || fail "uninterrupted: $met of 2 points met the target"

# kill -9 once 40 replications of the first point are stored, before it closes
"$POOLSIM" run "$ini" -o "$T/k.db" -j 2 2>/dev/null & pid=$!
i=0; n=0
while [ $i -lt 600 ]; do
	n=$(sqlite3 "$T/k.db" 'select count(*) from run where point = 0' 2>/dev/null || echo 0)
	[ "${n:-0}" -ge 40 ] && break
	sleep 0.02; i=$((i + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
n=$(sqlite3 "$T/k.db" 'select count(*) from run')
n0=$(sqlite3 "$T/k.db" 'select count(*) from run where point = 0')
c=$(sqlite3 "$T/k.db" "select count(*) from run r join run_param p on p.run_id = r.id where r.point = 0 and p.name = 'precision_met'")
[ "$c" -eq 0 ] || fail "the first point closed before the kill ($n0 replications; not committed as they finish?)"
[ "$n0" -ge 40 ] || fail "only $n0 replications of the open point stored before the kill"
[ "$(sqlite3 "$T/k.db" 'pragma integrity_check')" = ok ] || fail "integrity after kill -9"
echo "ok killed mid-precision with $n of $total replications stored"

"$POOLSIM" run "$ini" -o "$T/k.db" -j 2 --resume -v 2>"$T/res.err" || fail "resume: $(cat "$T/res.err")"
grep -q "($n already there)" "$T/res.err" || fail "resume did not reuse the $n stored runs: $(tail -n 1 "$T/res.err")"
ran=$(grep -c '^poolsim: run .* finished at' "$T/res.err")
[ "$ran" -eq $((total - n)) ] || fail "resume simulated $ran runs, want $((total - n)): stored replications run again"
sqlite3 "$T/k.db" "$q" >"$T/k.txt"
sqlite3 "$T/k.db" "$pq" >"$T/k.par"
cmp -s "$T/full.txt" "$T/k.txt" || fail "replications or scalars after resume differ from an uninterrupted run"
cmp -s "$T/full.par" "$T/k.par" || { diff "$T/full.par" "$T/k.par" | head -n 5; fail "run_params (precision outcome) after resume differ"; }
echo "ok resume: the same $total replications, scalars and outcomes as without the kill"
