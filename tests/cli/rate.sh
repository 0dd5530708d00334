#!/bin/sh
# rate.sh — arrival = rate(FILE) through the CLI (tests/ini/rate.ini,
# tests/data/rate_*.csv, rate_step.json): a `t,rate` profile (CSV, or a
# Prometheus response) is replayed as a step-wise
# non-homogeneous Poisson process: the arrival counts match the profile's
# integral, each row's rate holds until the next row (the last one for the
# gap before it), nothing arrives before the first row or in a 0 row; an
# autotuned run sees the profile as its offered rate.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }

"$POOLSIM" run "$POOLSIM_TESTS/ini/rate.ini" -o "$T/r.db" -j 2 2>/dev/null ||
	fail "rate.ini did not run"
q() { sqlite3 "$T/r.db" "$1"; }
scalar() {
	q "select s.value from scalar s join run r on r.id = s.run_id join
	   experiment e on e.id = r.experiment_id where e.name = '$1' and
	   s.scope = 'pool' and s.name = '$2'"
}
# offered FROM TO: mean offered rate of the tuned run's samples in (FROM, TO]
offered() {
	q "select avg(s.value) from series s join run r on r.id = s.run_id join
	   experiment e on e.id = r.experiment_id where e.name = 'tuned' and
	   s.name = 'offered' and s.t > $1 and s.t <= $2"
}
within() {   # VALUE LO HI MESSAGE
	awk -v v="$1" -v a="$2" -v b="$3" 'BEGIN { exit !(v != "" && v >= a && v <= b) }' ||
		fail "$4: $1 not in [$2, $3]"
}

# 100 * 10 + 1000 * 10 + 100 * 10 = 12000 (Poisson sd 110)
within "$(scalar step submitted)" 11700 12300 "step profile's arrivals"
# 100 * 10 + 0 * 10 + 100 * 10 = 2000, nothing before 5 s (sd 45)
within "$(scalar gap submitted)" 1850 2150 "gap profile's arrivals"
echo "ok arrivals: $(scalar step submitted) of 12000, $(scalar gap submitted) of 2000"
# a Prometheus response with two series, one picked by series= (sd 110)
within "$(scalar prom submitted)" 11700 12300 "Prometheus profile's arrivals"
# scale=2: 24000 (sd 155); from=5s, to=15s: 500 + 5000 (sd 74);
# interp=linear: (100 + 1000) / 2 * 20 = 11000 (sd 105), ending at 20 s
within "$(scalar scaled submitted)" 23500 24500 "scale=2 arrivals"
within "$(scalar window submitted)" 5270 5730 "from=5s, to=15s arrivals"
within "$(scalar linear submitted)" 10680 11320 "interp=linear arrivals"
within "$(scalar linear makespan)" 19.5 20.1 "interp=linear ends at the last row"
within "$(scalar window makespan)" 9.5 10.1 "the window lasts to - from"
echo "ok json $(scalar prom submitted), scale=2 $(scalar scaled submitted), window $(scalar window submitted), linear $(scalar linear submitted)"

# the offered rate per sample: 100/s, then the surge, then 100/s to 30 s
within "$(offered 1 10)" 85 115 "offered before the surge"
within "$(offered 11 20)" 950 1050 "offered in the surge"
within "$(offered 21 30)" 85 115 "offered after the surge (the last row)"
last=$(q "select max(s.t) from series s where s.name = 'offered'")
within "$last" 29.5 30.5 "the replay's end (the last row's gap)"
echo "ok offered: 100/s, 1000/s, 100/s; the last row holds to 30 s"
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; }
ge "$(scalar tuned k_max)" 21 || fail "aimd did not grow on the surge"
echo "ok aimd follows the profile (k_max $(scalar tuned k_max))"
