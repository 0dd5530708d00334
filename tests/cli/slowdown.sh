#!/bin/sh
# slowdown.sh — downstream.NAME.slowdown through the CLI
# (tests/ini/slowdown.ini, tests/data/slowdown.csv). With no queueing
# anywhere a task's latency is 1 ms of work plus a 10 ms call times the
# factor when the call starts, so the numbers are known: 11 ms before a
# step to 4, 41 ms after it and after the profile's end, 26 ms over both
# halves, 21 ms on ramp(1, 3, 100s), 17.67 ms on the CSV profile (step or
# linear), 11 ms with no brownout.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }

"$POOLSIM" run "$POOLSIM_TESTS/ini/slowdown.ini" -o "$T/s.db" -j 2 2>/dev/null ||
	fail "slowdown.ini did not run"
scalar() {
	sqlite3 "$T/s.db" "select s.value * 1000 from scalar s join run r on
	   r.id = s.run_id join experiment e on e.id = r.experiment_id where
	   e.name = '$1' and s.scope = 'pool' and s.name = '$2'"
}
within() {   # VALUE LO HI MESSAGE
	awk -v v="$1" -v a="$2" -v b="$3" 'BEGIN { exit !(v != "" && v >= a && v <= b) }' ||
		fail "$4: $1 not in [$2, $3]"
}
# exact: constant times, the factor read at each call's start
within "$(scalar first latency_mean)" 10.999 11.001 "factor 1: mean latency (ms)"
within "$(scalar first latency_max)" 10.999 11.001 "factor 1: max latency (ms)"
within "$(scalar second latency_mean)" 40.999 41.001 "factor 4: mean latency (ms)"
within "$(scalar second latency_p50)" 40.95 41.05 "factor 4: p50 (ms)"
within "$(scalar after latency_mean)" 40.999 41.001 "after the end, 4 holds (ms)"
within "$(scalar none latency_mean)" 10.999 11.001 "steps(1 for 1s): no change (ms)"
echo "ok halves: $(scalar first latency_mean) ms at factor 1, $(scalar second latency_mean) ms at 4"
# statistical: shares of Poisson arrivals (2 standard deviations or more)
within "$(scalar whole latency_mean)" 25.4 26.6 "both halves (ms)"
within "$(scalar ramp latency_mean)" 20.85 21.15 "ramp(1, 3, 100s) (ms)"
within "$(scalar ramp latency_max)" 30.9 31.0 "ramp's largest factor, just under 3 (ms)"
within "$(scalar csv latency_mean)" 17.3 18.05 "CSV step profile (ms)"
within "$(scalar csv latency_max)" 30.999 31.001 "CSV step profile's peak (ms)"
within "$(scalar csv-linear latency_mean)" 17.3 18.05 "CSV linear profile (ms)"
within "$(scalar csv-linear latency_p50)" 14 17 "CSV linear profile's p50 (ms)"
echo "ok profiles: both $(scalar whole latency_mean), ramp $(scalar ramp latency_mean), csv $(scalar csv latency_mean), linear $(scalar csv-linear latency_mean) ms"
