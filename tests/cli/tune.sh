#!/bin/sh
# tune.sh — the tuner's policies side by side on one steps() ramp with a
# fixed seed, through the CLI (tests/ini/tune.ini): aimd grows while
# nothing is dropped and backs off to its min once the overload's
# rejections appear; gradient2, app-limited (in flight < limit/2), holds
# its limit at min although every window is big enough to decide; every
# policy keeps K within its reference's bounds; a rerun gives the same
# numbers.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }

"$POOLSIM" run "$POOLSIM_TESTS/ini/tune.ini" -o "$T/t.db" -j 2 2>/dev/null ||
	fail "tune.ini did not run"
q() { sqlite3 "$T/t.db" "$1"; }
# scalar EXPERIMENT NAME: the pool scalar of its single run
scalar() {
	q "select s.value from scalar s join run r on r.id = s.run_id join
	   experiment e on e.id = r.experiment_id where e.name = '$1' and
	   s.scope = 'pool' and s.name = '$2'"
}
# kat EXPERIMENT FROM TO AGG: AGG(K) over the series samples in [FROM, TO]
kat() {
	q "select $4(s.value) from series s join run r on r.id = s.run_id join
	   experiment e on e.id = r.experiment_id where e.name = '$1' and
	   s.scope = 'pool' and s.name = 'K' and s.t between $2 and $3"
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; }

# aimd: +1 per window while the most in flight reaches limit/2 and nothing
# drops, through 1500/s and into the overload; then at most 50 blocked
# callers overflow into rejections, each window backs off by 0.9, down to
# min 20 and held there while they last.
top=$(kat aimd 40 70 max); low=$(kat aimd 78 90 max)
ge "$top" 50 || fail "aimd did not grow before the drops (max K $top)"
[ "$low" = 20.0 ] || fail "aimd did not back off to min 20 under drops (K $low)"
ge "$(scalar aimd rejected)" 1000 || fail "aimd's ramp dropped nothing"
ge "$(scalar aimd k_reversals)" 1 || fail "aimd never reversed"
echo "ok aimd: K up to $top before the drops, $low while they last"

# gradient2 app-limited: 50/s of 10 ms, every window decides (no skip) but
# in flight never reaches 10, so K stays at 20.
[ "$(scalar gradient2-idle k_changes)" = 0.0 ] &&
	[ "$(scalar gradient2-idle k_max)" = 20.0 ] ||
	fail "gradient2 grew while app-limited (k_max $(scalar gradient2-idle k_max))"
[ "$(scalar gradient2-idle tune_skipped)" = 0.0 ] ||
	fail "gradient2-idle skipped windows: the hold is not the app-limited rule"
# ... and on the ramp it grows (the rule is not a freeze)
ge "$(scalar gradient2 k_max)" 30 || fail "gradient2 never grew on the ramp"
echo "ok gradient2: held at 20 app-limited, up to $(scalar gradient2 k_max) on the ramp"

# bounds: aimd and gradient2 in [20, 200], vegas [1, 1000], utilization and
# queue [10, 500]; every policy moved K
for x in "aimd 20 200" "gradient2 20 200" "vegas 1 1000" "utilization 10 500" \
	 "queue 10 500"; do
	set -- $x
	ge "$(scalar $1 k_min)" "$2" && ge "$3" "$(scalar $1 k_max)" ||
		fail "$1: K left [$2, $3]: $(scalar $1 k_min)..$(scalar $1 k_max)"
	ge "$(scalar $1 k_changes)" 1 || fail "$1 never changed K"
	ge "$(scalar $1 worker_seconds)" 1 || fail "$1: no worker_seconds"
	ge "$(scalar $1 k_flap)" 1 || fail "$1: k_flap below 1 though K moved"
done
echo "ok every policy within its bounds, each moved K"

# the same seed, the same numbers
"$POOLSIM" run "$POOLSIM_TESTS/ini/tune.ini" -o "$T/u.db" -j 1 2>/dev/null ||
	fail "rerun failed"
all="select group_concat(v) from (select e.name || s.scope || s.name || '=' ||
     s.value as v from scalar s join run r on r.id = s.run_id join experiment e
     on e.id = r.experiment_id order by e.name, s.scope, s.name)"
a=$(q "$all"); b=$(sqlite3 "$T/u.db" "$all")
[ "$a" = "$b" ] || fail "a rerun with the same seed changed the numbers"
echo "ok rerun identical"
