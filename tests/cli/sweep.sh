#!/bin/sh
# sweep.sh — a valid sweep end to end: `list` counts points x repeat, `run`
# stores exactly those runs with their parameters, `show` reads them back;
# --set, -r and command-line mistakes behave as documented.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ini="$POOLSIM_TESTS/ini/sweep.ini"
fail() { echo "FAIL: $*"; exit 1; }

"$POOLSIM" check "$ini" || fail "check refused a valid file"
n=$("$POOLSIM" list "$ini" | tail -n 1)
[ "$n" = "total: 18 runs" ] || fail "list total '$n', want 18 (9 points x 2)"
lines=$("$POOLSIM" list "$ini" | grep -c '^[0-9]')
[ "$lines" -eq 18 ] || fail "list printed $lines run lines"
echo "ok list: 18 runs (small: 5 points after the constraint, child: 4; x2)"

"$POOLSIM" run "$ini" -o "$T/sub/r.db" -j 2 || fail "run failed"
db="$T/sub/r.db"
c=$(sqlite3 "$db" 'select count(*) from run')
[ "$c" -eq 18 ] || fail "run table has $c rows, want 18"
d=$(sqlite3 "$db" "select count(distinct experiment_id||'/'||point||'/'||replication) from run where status='done'")
[ "$d" -eq 18 ] || fail "$d distinct done runs"
iv=$(sqlite3 "$db" "select itervars from run r join experiment e on e.id=r.experiment_id where e.name='small' and point=2 limit 1")
[ "$iv" = "pool=ants, K=4" ] || fail "itervars of small/2 '$iv'"
p=$(sqlite3 "$db" "select count(*) from run_param where name in ('description','plot','K','pool','service')")
[ "$p" -eq 90 ] || fail "$p run_param rows for 5 keys x 18 runs"
k=$(sqlite3 "$db" "select value from run_param p join run r on r.id=p.run_id where r.point=1 and name='K' and r.experiment_id=(select id from experiment where name='child')")
[ "$k" = "12
12" ] || fail "child point 1 K params: $k"
echo "ok run: 18 rows in run, parameters stored (description, plot, K ...)"

"$POOLSIM" show -o "$db" -c small --format csv > "$T/s.csv" || fail "show failed"
head -n 1 "$T/s.csv" | grep -qx 'experiment,point,pool,K,scope,name,n,mean,ci95,min,max' ||
	fail "csv header: $(head -n 1 "$T/s.csv")"
grep -q '^"small",4,"ants","16","pool","latency_p99",2,' "$T/s.csv" || fail "no p99 row for point 4"
echo "ok show: csv with a header row"

n=$("$POOLSIM" list "$ini" -c child --set repeat=1 | tail -n 1)
[ "$n" = "total: 4 runs" ] || fail "--set repeat=1 -c child: '$n'"
"$POOLSIM" run "$ini" -c small -r '0..2,9' -o "$T/sel.db" -j 1 2>/dev/null || fail "run -r"
s=$(sqlite3 "$T/sel.db" 'select group_concat(point||"."||replication, " ") from (select * from run order by point, replication)')
[ "$s" = "0.0 0.1 1.0 4.1" ] || fail "-r 0..2,9 stored '$s'"
echo "ok --set repeat=1 and -r 0..2,9"

err=$("$POOLSIM" check "$ini" --set 'K=${0, 4}' 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--set K=0 exit $rc"
[ "$err" = "poolsim: error: --set: K must be > 0 (got 0): a pool of 0 workers refuses every task" ] ||
	fail "--set K=0 said: $err"
err=$("$POOLSIM" check "$ini" --set nonblocking=maybe 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q '^poolsim: error: --set: nonblocking is not an option of pool .errgroup' ||
	fail "--set nonblocking: $rc $err"
echo "ok --set errors say --set"

"$POOLSIM" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown verb not 2"
"$POOLSIM" run --bogus "$ini" >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option not 2"
"$POOLSIM" show -j 2 >/dev/null 2>&1; [ $? -eq 2 ] || fail "-j for show not 2"
"$POOLSIM" run -c nosuch "$ini" -o "$T/x.db" >/dev/null 2>&1; [ $? -eq 2 ] || fail "-c nosuch not 2"
"$POOLSIM" --help | grep -q 'Examples:' || fail "--help has no examples"
"$POOLSIM" run --help | grep -q 'poolsim run' || fail "run --help"
"$POOLSIM" --version | grep -q '^poolsim [0-9]' || fail "--version"
"$POOLSIM" check "$T/missing.ini" 2>/dev/null; [ $? -eq 2 ] || fail "missing file not 2"
echo "ok usage errors exit 2; --help, --version"
