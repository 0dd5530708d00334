#!/bin/sh
# admit.sh — autotune.actuator = admit (tests/ini/admit.ini, fixed seed):
# with the limit pinned at 20 in front of a 100-worker pool, the
# rejected fraction is Erlang B(20, 20) = 0.15889 within the 95%
# interval (every rejection the limiter's); on workerpool (no Tune) the
# limiter runs and gradient2 moves the limit while the pool keeps K; the
# checks refuse resize on workerpool and an unknown actuator.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }

"$POOLSIM" run "$POOLSIM_TESTS/ini/admit.ini" -o "$T/a.db" -j 2 2>/dev/null ||
	fail "admit.ini did not run"
q() { sqlite3 "$T/a.db" "$1"; }
stat() {   # EXPERIMENT METRIC: mean and half-width from latest_summary
	q "select mean, coalesce(ci95, 0) from latest_summary where
	   experiment = '$1' and scope = 'pool' and name = '$2'"
}
set -- $(stat erlang-b rejected_frac | tr '|' ' ')
awk -v m="$1" -v h="$2" 'BEGIN { b = 0.15889196; exit !(m - h <= b && b <= m + h && h < 0.01) }' ||
	fail "erlang-b: rejected_frac $1 ± $2 does not cover Erlang B 0.15889"
echo "ok erlang-b: rejected_frac $1 ± $2 covers Erlang B(20, 20) = 0.15889"
r=$(q "select count(*) from scalar a join scalar b on a.run_id = b.run_id
       join run r on r.id = a.run_id join experiment e on e.id = r.experiment_id
       where e.name = 'erlang-b' and a.scope = 'pool' and b.scope = 'pool'
       and a.name = 'rejected' and b.name = 'admit_rejected'
       and a.value = b.value and a.value > 0")
[ "$r" -eq 5 ] || fail "erlang-b: rejected = admit_rejected > 0 in $r of 5 runs"
set -- $(stat erlang-b k_changes | tr '|' ' ')
awk -v k="$1" 'BEGIN { exit !(k == 0) }' || fail "erlang-b: the pinned limit changed ($1 times)"

set -- $(stat workerpool-admit k_max | tr '|' ' ')
awk -v k="$1" 'BEGIN { exit !(k > 20) }' ||
	fail "workerpool-admit: gradient2 never raised the limit (k_max $1)"
echo "ok workerpool-admit: the limit rose from 20 to $1 on workerpool"

printf '[a]\narrival = poisson(100/s)\nservice = exp(1ms)\npool = workerpool\nK = 30\nautotune = gradient2\n' >"$T/r.ini"
"$POOLSIM" check "$T/r.ini" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "r.ini:6: autotune needs Tune(n) at run time.*autotune.actuator = admit" "$T/err" ||
	fail "resize on workerpool: exit $rc, $(cat "$T/err")"
printf '[a]\narrival = poisson(100/s)\nservice = exp(1ms)\npool = ants\nK = 30\nautotune = gradient2\nautotune.actuator = gate\n' >"$T/u.ini"
"$POOLSIM" check "$T/u.ini" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "u.ini:7: autotune.actuator must be resize .* or admit" "$T/err" ||
	fail "unknown actuator: exit $rc, $(cat "$T/err")"
echo "ok check refuses resize without Tune and an unknown actuator"
