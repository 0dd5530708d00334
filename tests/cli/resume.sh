#!/bin/sh
# resume.sh — kill -9 in the middle of a sweep, then --resume: the database
# is intact, every run is there exactly once, and the scalars equal an
# uninterrupted sweep. Then Ctrl-C (SIGINT): exit 130, runs kept, resumable.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ini="$POOLSIM_TESTS/ini/resume.ini"
fail() { echo "FAIL: $*"; exit 1; }
q="select r.point, r.replication, s.scope, s.name, s.value from scalar s join run r on r.id=s.run_id order by 1,2,3,4"
total=$("$POOLSIM" list "$ini" | tail -n 1 | sed 's/total: \([0-9]*\) runs/\1/')
[ "$total" -eq 32 ] || fail "list says $total runs"

"$POOLSIM" run "$ini" -o "$T/full.db" -j 2 2>/dev/null || fail "uninterrupted run"
sqlite3 "$T/full.db" "$q" > "$T/full.txt"

# wait until a few runs are stored, then kill -9
"$POOLSIM" run "$ini" -o "$T/k.db" -j 2 2>/dev/null & pid=$!
i=0; n=0
while [ $i -lt 400 ]; do
	n=$(sqlite3 "$T/k.db" 'select count(*) from run' 2>/dev/null || echo 0)
	[ "${n:-0}" -ge 4 ] && break
	sleep 0.05; i=$((i + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
n=$(sqlite3 "$T/k.db" 'select count(*) from run')
[ "$n" -lt "$total" ] || fail "the sweep finished before kill -9 ($n runs)"
echo "ok killed with $n of $total runs stored"
[ "$(sqlite3 "$T/k.db" 'pragma integrity_check')" = ok ] || fail "integrity after kill"
"$POOLSIM" run "$ini" -o "$T/k.db" -j 2 --resume 2>"$T/resume.err" || fail "resume: $(cat "$T/resume.err")"
grep -q "already there" "$T/resume.err" || fail "resume did not skip: $(cat "$T/resume.err")"
[ "$(sqlite3 "$T/k.db" 'pragma integrity_check')" = ok ] || fail "integrity after resume"
c=$(sqlite3 "$T/k.db" 'select count(*) from run')
d=$(sqlite3 "$T/k.db" "select count(distinct point||'/'||replication) from run")
e=$(sqlite3 "$T/k.db" 'select count(*) from experiment')
[ "$c" -eq "$total" ] && [ "$d" -eq "$total" ] && [ "$e" -eq 1 ] ||
	fail "after resume: $c runs, $d distinct, $e experiments"
sqlite3 "$T/k.db" "$q" > "$T/k.txt"
cmp -s "$T/full.txt" "$T/k.txt" || fail "scalars after resume differ from an uninterrupted sweep"
echo "ok resume: integrity ok, $total runs exactly once, scalars equal the uninterrupted sweep"

"$POOLSIM" run "$ini" -o "$T/i.db" -j 1 2>"$T/int.err" & pid=$!
i=0
while [ $i -lt 400 ]; do
	n=$(sqlite3 "$T/i.db" 'select count(*) from run' 2>/dev/null || echo 0)
	[ "${n:-0}" -ge 2 ] && break
	sleep 0.05; i=$((i + 1))
done
kill -INT $pid; wait $pid; rc=$?
[ $rc -eq 130 ] || fail "SIGINT exit status $rc, want 130"
grep -q 'interrupted: .* runs kept .*--resume' "$T/int.err" || fail "SIGINT message: $(cat "$T/int.err")"
n=$(sqlite3 "$T/i.db" 'select count(*) from run')
[ "$n" -lt "$total" ] || fail "SIGINT did not stop the sweep"
"$POOLSIM" run "$ini" -o "$T/i.db" -j 2 --resume 2>/dev/null || fail "resume after SIGINT"
sqlite3 "$T/i.db" "$q" > "$T/i.txt"
cmp -s "$T/full.txt" "$T/i.txt" || fail "scalars after SIGINT+resume differ"
echo "ok SIGINT: exit 130 with $n runs kept, resume completes identically"
