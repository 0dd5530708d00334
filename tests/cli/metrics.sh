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

# every metric at each of its scopes is a valid plot; pool metrics a
# valid precision
{
	printf '[General]\narrival = poisson(100/s)\nservice = exp(5ms)\n'
	printf 'pool = ants\nK = ${2, 4}\n[p]\nprecision = timed_out 5%%\n'
	sed -E 's#/NAME#/x#; s#phase/N#phase/1#; s#^([^ ]+) (.*)#\1@\2#' \
		"$T/reg.txt" | awk '(NR - 1) % 6 == 0 { printf "\n[s%d]\nplot = K:", NR }
		{ printf " %s", $0 } END { print "" }'
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
