#!/bin/sh
# goal.sh — goals answered through the CLI on tests/ini/goal.ini (fixed
# seed): the M/M/c SLOs' answers are Erlang C's (mean wait; p99 of the wait,
# whose simulated values must match its tail), found on the grid and by
# bisection over 1..1000 with a fraction of the runs; the U-shaped optimum
# (USL) is found by ternary search; the answer, the runs used and every
# stored number are the same for -j 1 and -j 2; --resume after losing the
# later stages gives the same answer and stores only what was lost; -r is
# refused with a goal.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ini="$POOLSIM_TESTS/ini/goal.ini"
fail() { echo "FAIL: $*"; exit 1; }
q="select e.name, r.point, r.replication, r.status, s.scope, s.name, s.value from scalar s join run r on r.id=s.run_id join experiment e on e.id=r.experiment_id order by 1,2,3,5,6"

# the truth: the smallest c with Erlang C mean wait C(c, a) / (c mu - lambda) < 5 ms
truth=$(awk 'BEGIN { lambda = 100; mu = 20; a = lambda / mu
	for (c = 6; c < 100; c++) {
		s = 0; t = 1
		for (k = 0; k < c; k++) { if (k) t *= a / k; s += t }
		t *= a / c; pc = t * c / (c - a); C = pc / (s + pc)
		if (C / (c * mu - lambda) < 0.005) { print c; exit }
	} }')
[ "$truth" = 8 ] || fail "Erlang C says $truth"

"$POOLSIM" run "$ini" -o "$T/a.db" -j 1 >"$T/a.out" 2>"$T/a.err" || fail "run -j 1: $(cat "$T/a.err")"
"$POOLSIM" run "$ini" -o "$T/b.db" -j 2 >"$T/b.out" 2>"$T/b.err" || fail "run -j 2: $(cat "$T/b.err")"
cat "$T/a.out"
for c in mmc-slo mmc-bisect; do
	grep -q "^$c: K = $truth is the smallest K with wait_mean < 5ms at 95% confidence (one-sided); " "$T/a.out" ||
		fail "$c does not answer K = $truth: $(grep "^$c:" "$T/a.out")"
done
echo "ok the M/M/c SLO answers Erlang C's K = $truth, on the grid and by bisection"
used=$(sed -n 's/^mmc-bisect: .*; \([0-9]*\) of \([0-9]*\) possible runs$/\1 \2/p' "$T/a.out")
set -- $used
[ $# = 2 ] && [ "$1" -le 100 ] && [ "$2" = 39800 ] || fail "bisection used '$used' runs"
n=$(sqlite3 "$T/a.db" "select count(distinct r.point) from run r join experiment e on e.id = r.experiment_id where e.name = 'mmc-bisect'")
[ "$n" -le 15 ] || fail "bisection ran $n points of 995"
echo "ok bisection over K = 6..1000: $1 of $2 runs, $n points"

# an SLO on the p99 of the wait: Erlang C's tail P(W > t) = C e^(-(c mu - lambda) t)
erlang99() { awk -v c="$1" 'BEGIN { lambda = 100; mu = 20; a = lambda / mu
	s = 0; t = 1
	for (k = 0; k < c; k++) { if (k) t *= a / k; s += t }
	t *= a / c; pc = t * c / (c - a); C = pc / (s + pc)
	print (C > 0.01 ? log(C / 0.01) / (c * mu - lambda) : 0) }'; }
p99truth=$(for c in 6 7 8 9 10; do awk -v c=$c -v w="$(erlang99 $c)" 'BEGIN { if (w < 0.060) print c }'; done | head -n 1)
[ "$p99truth" = 8 ] || fail "Erlang C's wait p99 says $p99truth"
grep -q "^mmc-p99: K = 8 is the smallest K with wait_p99 < 60ms at 95% confidence (one-sided); " "$T/a.out" ||
	fail "mmc-p99: $(grep '^mmc-p99:' "$T/a.out")"
for c in 7 8; do
	sim=$(sqlite3 "$T/a.db" "select avg(s.value) from scalar s join run r on r.id = s.run_id join experiment e on e.id = r.experiment_id where e.name = 'mmc-p99' and r.itervars = 'K=$c' and s.scope = 'pool' and s.name = 'wait_p99'")
	awk -v s="$sim" -v t="$(erlang99 $c)" 'BEGIN { exit !(s > 0.85 * t && s < 1.15 * t) }' ||
		fail "wait_p99 at K = $c: simulated $sim s, Erlang C $(erlang99 $c) s"
	echo "ok K = $c: wait_p99 simulated $sim s, Erlang C $(erlang99 $c) s"
done
echo "ok the wait-p99 SLO answers Erlang C's K = 8 by bisection"
grep -q '^mmc-opt: K = 16 minimises wait_mean (the best, or within 1ms of it, at 95% confidence); K = .* cannot be told apart' "$T/a.out" ||
	fail "mmc-opt: $(grep '^mmc-opt:' "$T/a.out")"
k=$(sed -n 's/^usl-unimodal: K = \([0-9]*\) minimises latency_mean.*/\1/p' "$T/a.out")
case $k in 20|22|24) ;; *) fail "usl-unimodal chose K = '$k' (want 20..24: the optimum is 22)";; esac
k2=$(sed -n 's/^usl-grid: K = \([0-9]*\) minimises latency_mean.*/\1/p' "$T/a.out")
case $k2 in 20|24) ;; *) fail "usl-grid chose K = '$k2'";; esac
used=$(sed -n 's/^usl-unimodal: .*; \([0-9]*\) of \([0-9]*\) possible runs$/\1/p' "$T/a.out")
[ "$used" -le 400 ] || fail "the ternary search used $used of 4000 runs"
echo "ok the U-shaped optimum: K = $k by ternary search ($used of 4000 runs), K = $k2 on the grid"

cmp -s "$T/a.out" "$T/b.out" || fail "answers differ between -j 1 and -j 2: $(diff "$T/a.out" "$T/b.out")"
sqlite3 "$T/a.db" "$q" >"$T/a.txt"
sqlite3 "$T/b.db" "$q" >"$T/b.txt"
cmp -s "$T/a.txt" "$T/b.txt" || fail "stored numbers differ between -j 1 and -j 2"
echo "ok -j 1 and -j 2: the same answers, runs and $(wc -l <"$T/a.txt") stored numbers"

# --resume: the runs past the first stage are lost (as after Ctrl-C)
cp "$T/a.db" "$T/c.db"
lost=$(sqlite3 "$T/c.db" "select count(*) from run where replication >= 5")
[ "$lost" -gt 0 ] || fail "no run past the first stage"
sqlite3 "$T/c.db" "pragma foreign_keys = on; delete from run where replication >= 5"
"$POOLSIM" run "$ini" -o "$T/c.db" -j 2 --resume >"$T/c.out" 2>"$T/c.err" || fail "resume: $(cat "$T/c.err")"
cmp -s "$T/a.out" "$T/c.out" || fail "the resumed answers differ: $(diff "$T/a.out" "$T/c.out")"
grep -q "poolsim: $lost runs written" "$T/c.err" || fail "resume wrote: $(cat "$T/c.err") (want $lost)"
sqlite3 "$T/c.db" "$q" >"$T/c.txt"
cmp -s "$T/a.txt" "$T/c.txt" || fail "stored numbers differ after --resume"
echo "ok --resume stores the $lost lost runs again and gives the same answers"

"$POOLSIM" run "$ini" -c mmc-slo -r 0..3 -o "$T/d.db" 2>"$T/d.err"
[ $? = 2 ] && grep -q 'cannot select runs of an experiment with a goal' "$T/d.err" || fail "-r with a goal: $(cat "$T/d.err")"
echo "ok -r is refused with a goal"

# a budget too small to decide: the answer says so
"$POOLSIM" run "$ini" -c mmc-slo -c mmc-bisect --set repeat=10 --set 'slo=wait_mean < 8.2ms' \
	-o "$T/e.db" >"$T/e.out" 2>"$T/e.err" || fail "undecided run: $(cat "$T/e.err")"
for c in mmc-slo mmc-bisect; do
	grep -q "^$c: undecided between K = 7 and 8 (the smallest K with wait_mean < 8.2ms at 95% confidence: repeat = 10 was not enough)" "$T/e.out" ||
		fail "$c: $(grep "^$c:" "$T/e.out")"
done
echo "ok Erlang C's 8.10 ms at K = 7 against 8.2 ms: undecided between 7 and 8 with repeat = 10"

# stored: `answer` prints what `run` printed; show and report state it
"$POOLSIM" answer -o "$T/a.db" >"$T/ans.out" 2>"$T/ans.err" || fail "answer: $(cat "$T/ans.err")"
cmp -s "$T/a.out" "$T/ans.out" || fail "answer differs from run's lines: $(diff "$T/a.out" "$T/ans.out")"
"$POOLSIM" answer -o "$T/a.db" -c mmc-bisect | grep -q '^mmc-bisect: K = 8 is the smallest' || fail "answer -c mmc-bisect"
sqlite3 "$T/a.db" "select count(*), sum(decided) from answer" | grep -qx '6|6' || fail "answer table: $(sqlite3 "$T/a.db" 'select * from answer')"
"$POOLSIM" show -o "$T/a.db" -c mmc-slo | sed -n 2p | grep -q '^answer: K = 8 is the smallest K' || fail "show lacks the answer"
"$POOLSIM" report -o "$T/a.db" -c usl-grid --dir "$T/rep" >/dev/null 2>&1 || fail "report"
grep -q "^\*\*Goal\*\* (optimize: latency_mean min): K = $k2 minimises latency_mean .* runs instead of the 300 of the full grid" "$T/rep/usl-grid.md" ||
	fail "report lacks the answer: $(grep -A2 '## Answer' "$T/rep/usl-grid.md")"
echo "ok answer, show and report state the stored answers"
# a database of schema 2 (no answer table) still reads
cp "$T/a.db" "$T/old.db"
sqlite3 "$T/old.db" "drop table answer; pragma user_version = 2"
"$POOLSIM" show -o "$T/old.db" -c mmc-slo >/dev/null 2>&1 || fail "show on a schema-2 file"
"$POOLSIM" answer -o "$T/old.db" >/dev/null 2>"$T/old.err"
[ $? = 1 ] && grep -q 'no answer stored' "$T/old.err" || fail "answer on a schema-2 file: $(cat "$T/old.err")"
[ "$(sqlite3 "$T/old.db" 'pragma user_version')" = 2 ] || fail "a reader changed the schema version"
echo "ok a schema-2 file reads (no answers), unchanged"

# the figure marks the answer: the chosen x, the indifferent span, the slo target
"$POOLSIM" run "$ini" -c mmc-slo --set 'plot=K: wait_mean latency_p99' -o "$T/f.db" >/dev/null 2>&1 || fail "run for the figure"
"$POOLSIM" plot -o "$T/f.db" -c mmc-slo --dir "$T/fig" >/dev/null 2>&1
"$POOLSIM" plot -o "$T/a.db" -c usl-grid --dir "$T/fig" >/dev/null 2>&1
if [ -f "$T/fig/mmc-slo.gp" ] && [ -f "$T/fig/usl-grid.gp" ]; then
	grep -q "^set arrow 90 from 8, graph 0 to 8, graph 1" "$T/fig/mmc-slo.gp" || fail "no mark at K = 8 in mmc-slo.gp"
	grep -q "^set label 90 'K = 8: the first feasible'" "$T/fig/mmc-slo.gp" || fail "no label at K = 8"
	grep -q "^set arrow 91 from graph 0, first 0.005" "$T/fig/mmc-slo.gp" || fail "no target line at 5 ms"
	grep -q "^set arrow 90 from $k2, graph 0" "$T/fig/usl-grid.gp" || fail "no mark at K = $k2 in usl-grid.gp"
	grep -q "^set object 90 rect from 20, graph 0 to 28, graph 1" "$T/fig/usl-grid.gp" || fail "no shaded set 20..28"
	echo "ok figures mark the chosen point, the indifferent set and the slo target"
else
	echo "SKIP: no figure scripts written"
fi
