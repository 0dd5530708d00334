#!/bin/sh
# mpi.sh — `mpirun -n 3 poolsim run` (make MPI=1) stores the same scalar
# table as a local `-j 2` run of the same file and seed, rank 0 alone
# writes the database, and a precision sweep (runs decided from finished
# ones) comes out the same too. Skipped, saying why, when Open MPI or the
# MPI build is missing; `make test` builds it when mpicc is there.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
mpibin=${POOLSIM_MPI_BIN:-$top/build/mpi/poolsim}
if ! command -v mpirun >/dev/null 2>&1; then
	echo "SKIP: mpirun not found (sh scripts/deps.sh libopenmpi-dev openmpi-bin)"; exit 0
fi
if [ ! -x "$mpibin" ]; then
	echo "SKIP: no MPI build at $mpibin (make MPI=1)"; exit 0
fi
case "$POOLSIM" in *asan*) echo "SKIP: the MPI test runs once, with the normal build"; exit 0;; esac
ini="$POOLSIM_TESTS/ini/sweep.ini"
mpirun_() { mpirun --oversubscribe --allow-run-as-root -n 3 "$@"; }
q="select e.name, r.point, r.replication, s.scope, s.name, s.value from scalar s join run r on r.id=s.run_id join experiment e on e.id=r.experiment_id order by 1,2,3,4,5"
"$POOLSIM" run "$ini" -o "$T/j2.db" -j 2 2>/dev/null || fail "run -j 2"
mpirun_ "$mpibin" run "$ini" -o "$T/mpi.db" 2>"$T/mpi.err" || { cat "$T/mpi.err"; fail "mpirun -n 3"; }
grep -c 'runs written' "$T/mpi.err" | grep -qx 1 || fail "expected one summary line (rank 0): $(cat "$T/mpi.err")"
sqlite3 "$T/j2.db" "$q" > "$T/j2.txt"
sqlite3 "$T/mpi.db" "$q" > "$T/mpi.txt"
n=$(wc -l < "$T/j2.txt")
[ "$n" -gt 100 ] || fail "only $n scalar rows"
cmp -s "$T/j2.txt" "$T/mpi.txt" || fail "mpirun -n 3 and -j 2 scalar tables differ: $(diff "$T/j2.txt" "$T/mpi.txt" | head -5)"
r1=$(sqlite3 "$T/j2.db" "select count(*) from run")
r2=$(sqlite3 "$T/mpi.db" "select count(*) from run where status='done'")
[ "$r1" = "$r2" ] || fail "runs: -j 2 has $r1, MPI has $r2 done"
echo "ok mpirun -n 3: $n scalars in $r2 runs identical to -j 2"

# series travel too
sq="select r.point, r.replication, s.scope, s.name, count(*), sum(s.value) from series s join run r on r.id=s.run_id group by 1,2,3,4 order by 1,2,3,4"
sqlite3 "$T/j2.db" "$sq" > "$T/j2s.txt"
sqlite3 "$T/mpi.db" "$sq" > "$T/mpis.txt"
cmp -s "$T/j2s.txt" "$T/mpis.txt" || fail "series differ"
echo "ok series identical ($(wc -l < "$T/j2s.txt") point/scope/name groups)"

# precision: replications are decided on rank 0 from finished ones
pq="select r.point, r.replication, p.name, p.value from run_param p join run r on r.id=p.run_id where p.name like 'precision_%' union all select point, count(*), 'runs', '' from run group by point order by 1,2,3"
"$POOLSIM" run "$ini" -c small --set 'precision=latency_p99 20%' --set repeat=8 -o "$T/p1.db" -j 2 2>/dev/null || fail "precision -j 2"
mpirun_ "$mpibin" run "$ini" -c small --set 'precision=latency_p99 20%' --set repeat=8 -o "$T/p2.db" 2>/dev/null || fail "precision mpirun"
sqlite3 "$T/p1.db" "$pq" > "$T/p1.txt"
sqlite3 "$T/p2.db" "$pq" > "$T/p2.txt"
cmp -s "$T/p1.txt" "$T/p2.txt" || fail "precision outcome differs under MPI"
echo "ok precision: same replications and outcomes under MPI"

# goals: stages of runs decided from stored values; ranks serve every
# stage and stop once, at the end: same answers and numbers as -j 1
gini="$POOLSIM_TESTS/ini/goal.ini"
gq="select e.name, r.point, r.replication, s.scope, s.name, s.value from scalar s join run r on r.id=s.run_id join experiment e on e.id=r.experiment_id order by 1,2,3,4,5"
"$POOLSIM" run "$gini" -c mmc-bisect -c usl-grid -o "$T/g1.db" -j 1 >"$T/g1.out" 2>/dev/null || fail "goal run -j 1"
mpirun_ "$mpibin" run "$gini" -c mmc-bisect -c usl-grid -o "$T/gm.db" >"$T/gm.out" 2>"$T/gm.err" || { cat "$T/gm.err"; fail "goal mpirun -n 3"; }
cmp -s "$T/g1.out" "$T/gm.out" || fail "goal answers differ under MPI: $(diff "$T/g1.out" "$T/gm.out")"
sqlite3 "$T/g1.db" "$gq" > "$T/g1.txt"
sqlite3 "$T/gm.db" "$gq" > "$T/gm.txt"
cmp -s "$T/g1.txt" "$T/gm.txt" || fail "goal runs differ under MPI"
echo "ok goals under mpirun -n 3: the same answers and $(wc -l < "$T/g1.txt") scalars as -j 1"
