#!/bin/sh
# partial.sh — a run whose metric is infinite is stored as failed with the
# reason (not done, not in the summaries), and an experiment with failed or
# missing runs (or undecided precision points) is reported as partial by
# show (table, and a warning beside CSV), plot (the figure's title) and
# report (a note before the numbers); a complete one is not.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ini="$POOLSIM_TESTS/ini/partial.ini"
fail() { echo "FAIL: $*"; exit 1; }
db="$T/p.db"

"$POOLSIM" run "$ini" -o "$db" -j 2 2>"$T/run.err"; rc=$?
[ $rc -eq 1 ] || fail "run with overflowing runs exited $rc, want 1"
grep -q "2 runs failed" "$T/run.err" || fail "run did not say 2 runs failed: $(cat "$T/run.err")"
st=$(sqlite3 "$db" "select r.point || ':' || r.status from run r join experiment e on e.id = r.experiment_id where e.name = 'part' order by r.point, r.replication")
echo "$st" | grep -q '^0:done$' || fail "valid runs not done: $st"
n=$(echo "$st" | grep -c '^1:error: mem_peak_bytes at pool is Inf: ')
[ "$n" -eq 2 ] || fail "overflowing runs not failed with the reason: $st"
s=$(sqlite3 "$db" "select count(*) from latest_summary where experiment = 'part' and point = 1")
[ "$s" -eq 0 ] || fail "failed runs are in the summaries ($s rows)"
echo "ok Inf metric: stored as failed with the reason, exit 1, out of the summaries"

"$POOLSIM" show -o "$db" --metric latency_p99 >"$T/show.txt" 2>"$T/show.err" || fail "show"
grep -q '^== part' "$T/show.txt" && grep -q '^   partial: 2 of 4 runs (2 failed)$' "$T/show.txt" ||
	fail "show does not say partial: $(cat "$T/show.txt")"
[ "$(grep -c partial "$T/show.txt")" -eq 1 ] || fail "show calls the complete experiment partial too"
"$POOLSIM" show -o "$db" -c part --format csv >"$T/show.csv" 2>"$T/csv.err" || fail "show csv"
grep -q 'partial' "$T/show.csv" && fail "CSV data carries the note"
grep -q '^poolsim: warning: part: partial: 2 of 4 runs (2 failed)$' "$T/csv.err" ||
	fail "show --format csv gives no warning: $(cat "$T/csv.err")"
echo "ok show: partial: 2 of 4 runs (2 failed) (table; stderr beside CSV); the complete one is not"

"$POOLSIM" plot -o "$db" --dir "$T/out" >/dev/null 2>"$T/plot.err" || fail "plot: $(cat "$T/plot.err")"
grep -q "^set title 'some runs overflow \[partial: 2 of 4 runs (2 failed)\]'" "$T/out/part.gp" ||
	fail "figure title: $(grep title "$T/out/part.gp")"
grep -q partial "$T/out/whole.gp" && fail "the complete experiment's figure says partial"
"$POOLSIM" report -o "$db" -c part --dir "$T/out" >/dev/null 2>&1 || fail "report part"
grep -q '^> \*\*Partial results:\*\* 2 of 4 runs (2 failed)\. ' "$T/out/part.md" ||
	fail "report has no partial note: $(head -n 8 "$T/out/part.md")"
"$POOLSIM" report -o "$db" -c whole --dir "$T/out" >/dev/null 2>&1 || fail "report whole"
grep -qi partial "$T/out/whole.md" && fail "the complete experiment's report says partial"
echo "ok plot and report: the title and a note say partial; not for the complete one"

# missing runs: -r runs 1 of the 4
"$POOLSIM" run "$ini" -c whole -r 0 -o "$T/m.db" 2>/dev/null || fail "run -r 0"
"$POOLSIM" show -o "$T/m.db" | grep -q '^   partial: 1 of 4 runs (3 missing)$' ||
	fail "show with missing runs: $("$POOLSIM" show -o "$T/m.db" | head -n 2)"
# precision: a point whose rule has not decided
"$POOLSIM" run "$POOLSIM_TESTS/ini/precision.ini" --set repeat=5 -r 0..4 -o "$T/q.db" 2>/dev/null ||
	fail "precision run -r 0..4"
"$POOLSIM" show -o "$T/q.db" | grep -q '^   partial: 1 of 2 points finished$' ||
	fail "show with an undecided precision point: $("$POOLSIM" show -o "$T/q.db" | head -n 2)"
# a goal's search runs a part of the grid by design: not partial
"$POOLSIM" run "$POOLSIM_TESTS/ini/goal.ini" -c usl-grid -o "$T/g.db" >/dev/null 2>&1 || fail "goal run"
"$POOLSIM" show -o "$T/g.db" | grep -q partial && fail "a goal's search is called partial"
echo "ok missing runs (1 of 4 runs, 3 missing), undecided precision points (1 of 2 points); a goal's search is not partial"
