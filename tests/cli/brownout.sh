#!/bin/sh
# brownout.sh — the tuners on a brownout (tests/ini/brownout.ini, fixed
# seed): the database is 4x slower from 100 s to 160 s; gradient2 and
# vegas, which read the RTT, lower the limit within 30 s of its start and
# raise it again after its end, in every replication, read from the K
# series (stored at every change). The scorecard sees the brownout as the
# one step up and every policy back under the SLO after it (reaction_s
# at least its 60 s); the report ranks the policies against utilization
# by paired differences.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }

"$POOLSIM" run "$POOLSIM_TESTS/ini/brownout.ini" -o "$T/b.db" -j 2 2>/dev/null ||
	fail "brownout.ini did not run"
q() { sqlite3 "$T/b.db" "$1"; }
# k_at POLICY REP T: K in force at time T (its last change at or before T)
k_at() {
	q "select s.value from series s join run r on r.id = s.run_id where
	   r.itervars = 'policy=$1' and r.replication = $2 and s.scope = 'pool'
	   and s.name = 'K' and s.t <= $3 order by s.t desc limit 1"
}
# k_max POLICY REP FROM TO: the largest K set in (FROM, TO]
k_max() {
	q "select max(s.value) from series s join run r on r.id = s.run_id where
	   r.itervars = 'policy=$1' and r.replication = $2 and s.scope = 'pool'
	   and s.name = 'K' and s.t > $3 and s.t <= $4"
}
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a + 0 < b + 0) }'; }

for p in gradient2 vegas; do
	for rep in 0 1; do
		k0=$(k_at $p $rep 100); k30=$(k_at $p $rep 130)
		kend=$(k_at $p $rep 160); kup=$(k_max $p $rep 160 300)
		lt "$k30" "$k0" ||
			fail "$p rep $rep: K $k0 at the brownout's start, still $k30 30 s later"
		lt "$kend" "$kup" ||
			fail "$p rep $rep: K $kend at the brownout's end, never above it after (max $kup)"
		echo "ok $p rep $rep: K $k0 -> $k30 within 30 s of the brownout, $kend -> $kup after it"
	done
done

# the scorecard: one step up (the brownout's start), recovered after it
bad=$(q "select r.itervars || ' rep ' || r.replication || ': ' || s.name ||
	 ' = ' || s.value from scalar s join run r on r.id = s.run_id where
	 (s.name = 'steps_up' and s.value != 1) or
	 (s.name = 'reaction_unrecovered' and s.value != 0) or
	 (s.name = 'reaction_s' and not s.value >= 60) or
	 (s.name = 'slo_violation_s' and not s.value >= 50)")
[ -z "$bad" ] || fail "scorecard: $bad"
n=$(q "select count(*) from scalar where name = 'reaction_s'")
[ "$n" = 6 ] || fail "reaction_s stored for $n of 6 runs"
echo "ok scorecard: one step up, every run recovered after the brownout"

"$POOLSIM" report -o "$T/b.db" -c brownout --dir "$T/rep" >/dev/null 2>&1 ||
	fail "report failed"
md="$T/rep/brownout.md"
grep -q '^## Ranking' "$md" || fail "no ranking in the report"
for p in vegas gradient2; do
	grep -Eq "^[0-9]\. $p: .* s in violation; $p (cuts|adds) SLO violations (by|of) [0-9.]+ s ± [0-9.]+ s against utilization at [-+][0-9.]+% worker-seconds" "$md" ||
		fail "no paired sentence for $p: $(grep "$p" "$md")"
done
grep -q 'utilization: .* (the reference)' "$md" || fail "utilization is not the reference"
echo "ok report ranks the policies by paired differences"

# the -tuner figure, read from its script: both panels, the brownout
# shaded and labelled, the SLO line, a violation strip per policy that
# violated (every one here), a K line per policy
G="$T/rep/brownout-tuner.gp"
[ -f "$G" ] || fail "no brownout-tuner.gp: $(ls "$T/rep")"
grep -q "'db slowdown x4'" "$G" || fail "brownout not labelled"
grep -q "fc rgb '#999999' fs transparent" "$G" || fail "brownout not shaded"
grep -q "title 'SLO 100 ms'" "$G" || fail "no SLO line"
for c in 0072b2 d55e00 009e73; do
	grep -q "graph 0.9.* fc rgb '#$c' fs solid 0.85" "$G" ||
		fail "no violation strip in #$c"
done
[ "$(grep -c 'with steps lw 1.8' "$G")" = 3 ] || fail "not one K line per policy"
grep -q "set logscale y" "$G" || fail "no latency panel"
echo "ok tuner figure: K, load, violations, brownout, SLO line"
