#!/bin/sh
# report_paired.sh — every "cannot be told apart" of a report is paired
# where replications pair up: two tenants of one pool (exp(20ms) and
# exp(23ms) tasks, same queue) whose p99 intervals overlap are ranked
# apart by their paired differences (the tenants are measured in the same
# runs); a scoped plot metric is compared paired too. And a goal's report:
# its metric gets the goal's answer only, the table gives each point's n.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat >"$T/p.ini" <<'INI'
[General]
seed = 3

[pair]
duration  = 10s
pool      = workerpool
K         = 8
producers = each
repeat    = 10
tenant.a.arrival = poisson(150/s)
tenant.a.service = exp(20ms)
tenant.b.arrival = poisson(150/s)
tenant.b.service = exp(23ms)
INI
"$POOLSIM" run "$T/p.ini" -o "$T/p.db" >/dev/null 2>"$T/err" || fail "run: $(cat "$T/err")"
"$POOLSIM" report -o "$T/p.db" --dir "$T/out" >/dev/null 2>"$T/err" || fail "report: $(cat "$T/err")"
# the intervals overlap (the check an interval-overlap ranking would make)
sqlite3 "$T/p.db" "select scope, mean, ci95 from point_summary where name = 'latency_p99' and scope like 'tenant/%' order by scope" >"$T/iv"
awk -F '|' 'NR == 1 { hi = $2 + $3 } NR == 2 { lo = $2 - $3 } END { exit !(hi >= lo) }' "$T/iv" ||
	fail "the test case's intervals do not overlap: $(cat "$T/iv")"
grep -q '^- latency_p99, best first: tenant/a (.*) < tenant/b (.*) (every difference clear, paired over the replications)' "$T/out/pair.md" ||
	fail "tenants not ranked apart by paired differences: $(grep 'best first' "$T/out/pair.md")"
echo "ok overlapping intervals, paired apart: tenant/a < tenant/b"

# a goal's report: the default study's slow-downstream (5 replications for
# the points screened out, 20 for K = 100 and 250)
"$POOLSIM" run "$POOLSIM_TESTS/../experiments.ini" -c slow-downstream -o "$T/g.db" >/dev/null 2>"$T/err" ||
	fail "slow-downstream: $(cat "$T/err")"
"$POOLSIM" report -o "$T/g.db" --dir "$T/out" >/dev/null 2>"$T/err" || fail "report: $(cat "$T/err")"
md="$T/out/slow-downstream.md"
grep -q '^5 to 20 replications per point (column n' "$md" || fail "no replication range: $(grep -A2 '^## Results' "$md")"
grep -q '^| K | n | latency_p50' "$md" && grep -q '^| 100 | 20 | ' "$md" && grep -q '^| 500 | 5 | ' "$md" ||
	fail "no n column: $(grep '^| ' "$md")"
grep -q '^\*\*Goal\*\* (optimize: latency_p99 min): undecided between K = 100 and 250 ' "$md" || fail "goal: $(grep Goal "$md")"
grep -q '^- .* latency_p99:' "$md" && fail "a second answer for the goal's metric: $(grep '^- .* latency_p99:' "$md")"
grep -q '^- K = 100 minimises latency_p50' "$md" || fail "the other metrics' answers: $(grep '^- ' "$md")"
echo "ok a goal's report: n per point, the goal's metric answered once"
