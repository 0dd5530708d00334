#!/bin/sh
# metrics.sh — the metric registry (models/metric.c) is THE list: a run of
# every feature (tests/ini/features.ini) emits exactly the registry's
# (metric, scope family) pairs, no more and no fewer; `plot =` and
# `precision =` accept every registry metric at its scopes (the 9 emitted
# metrics they once refused among them) and refuse a metric at a scope it
# never has.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }

"$POOLSIM" help metrics --format tsv >"$T/reg.tsv" || fail "help metrics"
awk -F'\t' 'NR > 1 { n = split($4, a, ", "); for (i = 1; i <= n; i++)
	print $1 " " a[i] }' "$T/reg.tsv" | sort -u >"$T/reg.txt"
[ "$(wc -l <"$T/reg.txt")" -gt 60 ] || fail "registry too short: $(cat "$T/reg.txt")"

"$POOLSIM" run "$POOLSIM_TESTS/ini/features.ini" -o "$T/f.db" -j 2 2>/dev/null ||
	fail "features.ini did not run"
sqlite3 -separator ' ' "$T/f.db" "select distinct name, scope from scalar" |
	sed -E 's#^([^ ]+) phase/.*#\1 phase/N#; t; s#^([^ ]+) ([a-z]+)/.*#\1 \2/NAME#' |
	sort -u >"$T/emitted.txt"
diff "$T/reg.txt" "$T/emitted.txt" >"$T/diff" ||
	fail "registry (<) and emitted (>) differ: $(cat "$T/diff")"
echo "ok: $(wc -l <"$T/emitted.txt") (metric, scope) pairs, registry = emitted"

# every metric at each of its scopes is a valid plot (in a section that
# defines that scope: `plot` refuses a scope the experiment does not have);
# pool metrics a valid precision
{
	printf '[p]\narrival = poisson(100/s)\nservice = exp(5ms)\npool = ants\nK = ${2, 4}\n'
	printf 'precision = timed_out 5%%\n'
	sed -E 's#/NAME#/x#; s#phase/N#phase/1#; s#^([^ ]+) (.*)#\1@\2#' \
		"$T/reg.txt" | awk -F@ '
	function pre(f,  p) {
		p = "service = exp(5ms)\npool = ants\nK = ${2, 4}\n"
		if (f == "stage/x") return "arrival = poisson(100/s)\nstages = x\nstage.x.K = ${1, 2}\nstage.x.service = exp(1ms)\nplot = stage.x.K:"
		return p body(f) "\nplot = K:"
	}
	function body(f) {
		if (f == "tenant/x") return "tenant.x.arrival = poisson(100/s)"
		if (f == "tier/x") return "tier.x.K = 2\ntenant.t.arrival = poisson(100/s)\ntenant.t.tier = x"
		if (f == "service/x") return "service.x.arrival = poisson(100/s)\nservice.x.K = 2"
		if (f == "downstream/x") return "arrival = poisson(100/s)\ndownstream.x.limit = 2\ndownstream.x.service = exp(1ms)"
		if (f == "alert/x") return "arrival = poisson(100/s)\nalert.x = queue_depth > 5 for 1s"
		if (f == "phase/1") return "arrival = steps(100/s for 1s, 200/s for 1s)"
		return "arrival = poisson(100/s)"
	}
	{ f = $2; if (f != last || n % 6 == 0) {
		printf "\n[s%d]\n%s", NR, pre(f); last = f; n = 0 }
	  printf " %s", $0; n++ } END { print "" }'
} >"$T/plot.ini"
"$POOLSIM" check "$T/plot.ini" >/dev/null 2>"$T/err" ||
	fail "plot of every registry metric refused: $(cat "$T/err")"
for m in timed_out reuse_lifo_frac calls first_fire_s fired_s blocked_frac \
	 last_start_s cancelled_at idle_after_cancel_s; do
	grep -q "^$m " "$T/reg.txt" || fail "$m not in the registry"
done

printf '[a]\narrival = poisson(100/s)\nservice = exp(5ms)\npool = ants\nK = ${2, 4}\nprecision = calls 5%%\nplot = K: calls@tenant/x nosuch\n' >"$T/bad.ini"
"$POOLSIM" check "$T/bad.ini" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "bad metric scopes: exit $rc, want 2"
grep -q "bad.ini:6: precision: metric 'calls' is not reported at scope 'pool' (only at downstream/NAME)" "$T/err" ||
	fail "precision at a wrong scope: $(cat "$T/err")"
grep -q "bad.ini:7: plot: metric 'calls' is not reported at scope 'tenant/x'" "$T/err" ||
	fail "plot at a wrong scope: $(cat "$T/err")"
grep -q "bad.ini:7: plot: unknown metric 'nosuch'" "$T/err" ||
	fail "unknown metric: $(cat "$T/err")"
echo "ok: plot/precision take every registry metric at its scopes only"
