#!/bin/sh
# write_fail.sh — the database refuses one run in the middle of a sweep
# (a trigger stands in for a full disk or a broken file): the error names
# the run, every run finished before it is kept whole (not rolled back with
# the failing run's batch), nothing of the failing run is stored, and once
# the cause is gone --resume completes the sweep with the scalars of an
# uninterrupted one.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat > "$T/sweep.ini" <<'INI'
[General]
seed = 5
repeat = 2

[wf]
arrival = poisson(80/s)
service = exp(10ms)
pool    = ants
K       = ${K=1..8}
tasks   = 20000
INI
cat > "$T/tiny.ini" <<'INI'
[tiny]
arrival = poisson(10/s)
service = exp(10ms)
pool    = ants
K       = 2
tasks   = 100
INI
q="select r.point, r.replication, s.scope, s.name, s.value from scalar s join run r on r.id=s.run_id join experiment e on e.id=r.experiment_id where e.name='wf' order by 1,2,3,4"
"$POOLSIM" run "$T/sweep.ini" -o "$T/full.db" -j 2 2>/dev/null || fail "clean run"
sqlite3 "$T/full.db" "$q" > "$T/full.txt"

# a database with the schema, then a trigger that rejects point 3's run
"$POOLSIM" run "$T/tiny.ini" -o "$T/base.db" 2>/dev/null || fail "tiny run"
sqlite3 "$T/base.db" "CREATE TRIGGER boom BEFORE INSERT ON run WHEN NEW.point = 3
	BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;" || fail "trigger"
for j in 1 2; do
	cp "$T/base.db" "$T/f.db"
	"$POOLSIM" run "$T/sweep.ini" -o "$T/f.db" -j $j 2>"$T/err" && fail "-j $j: exit 0 on a write error"
	grep -q "point 3, replication .*disk on fire" "$T/err" || fail "-j $j: message: $(cat "$T/err")"
	n=$(sqlite3 "$T/f.db" "select count(*) from run r join experiment e on e.id=r.experiment_id where e.name='wf'")
	[ "$n" -ge 2 ] || fail "-j $j: only $n runs kept before the failing one"
	grep -q "$n runs kept in .*($n written now).*--resume" "$T/err" || fail "-j $j: want $n kept and a --resume hint: $(cat "$T/err")"
	[ "$(sqlite3 "$T/f.db" "select count(*) from run where point = 3")" -eq 0 ] || fail "-j $j: part of point 3 stored"
	# every kept run is whole: exactly the clean sweep's rows for it
	sqlite3 "$T/f.db" "$q" > "$T/kept.txt"
	sqlite3 "$T/f.db" "select r.point || '|' || r.replication from run r join experiment e on e.id=r.experiment_id where e.name='wf'" > "$T/runs.txt"
	awk -F'|' 'NR == FNR { want[$0] = 1; next } ($1 "|" $2) in want' "$T/runs.txt" "$T/full.txt" > "$T/want.txt"
	cmp -s "$T/want.txt" "$T/kept.txt" || fail "-j $j: kept runs differ from the clean sweep's"
	[ "$(sqlite3 "$T/f.db" 'pragma integrity_check')" = ok ] || fail "-j $j: integrity"
	echo "ok -j $j: write error at point 3 keeps the $n runs finished before it, whole"
done
sqlite3 "$T/f.db" "drop trigger boom"
"$POOLSIM" run "$T/sweep.ini" -o "$T/f.db" -j 2 --resume 2>"$T/err" || fail "resume: $(cat "$T/err")"
grep -q "already there" "$T/err" || fail "resume did not skip: $(cat "$T/err")"
sqlite3 "$T/f.db" "$q" > "$T/f.txt"
cmp -s "$T/full.txt" "$T/f.txt" || fail "scalars after resume differ from the clean sweep"
echo "ok resume after the cause is gone: 16 runs, scalars equal the clean sweep"
