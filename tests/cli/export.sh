#!/bin/sh
# export.sh — `poolsim export`: the series registry is what runs store;
# OpenMetrics and Prometheus text that a strict reading of the formats
# accepts (HELP and TYPE once per family before its samples, labels,
# samples in time order per series, `# EOF`, integer milliseconds) and
# that promtool loads (`tsdb create-blocks-from openmetrics`, `check
# metrics`) when Debian's prometheus package can be had; the epoch from
# export.start and --start; CSV; the mistakes.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }

# ---- the series registry = what a run of every feature stores ----------------
"$POOLSIM" run "$POOLSIM_TESTS/ini/features.ini" -o "$T/f.db" -j 2 2>/dev/null ||
	fail "features.ini did not run"
sqlite3 -separator ' ' "$T/f.db" "select distinct name, scope from series" |
	sed -E 's#^([^ ]+) ([a-z]+)/.*#\1 \2/NAME#' | sort -u >"$T/emitted.txt"
"$POOLSIM" help series --format tsv | awk -F'\t' 'NR > 1 {
	n = split($3, a, ", "); for (i = 1; i <= n; i++) print $1 " " a[i] }' |
	sort -u >"$T/reg.txt"
diff "$T/reg.txt" "$T/emitted.txt" >"$T/diff" ||
	fail "series registry (<) and stored (>) differ: $(cat "$T/diff")"
echo "ok: $(wc -l <"$T/reg.txt") (series, scope) pairs, registry = stored"

# ---- a small queue-alert study -------------------------------------------------
cat >"$T/q.ini" <<'INI'
[queue-alert]
description = queue depth alert
arrival  = poisson(${rate=15, 25}/s)
duration = 60s
warmup   = 0
service  = const(100ms)
pool     = ants
K        = 2
producers = each
alert.deep = queue_depth > 50 for 30s
repeat   = 2
export.start = 2026-01-01T00:00:00Z

[dsweep]
arrival = poisson(200/s)
tasks   = 400
service = exp(5ms)
pool    = ants
K       = ${4, 8}
downstream.db.limit   = 3
downstream.db.service = exp(2ms)
INI
"$POOLSIM" run "$T/q.ini" -o "$T/q.db" -j 2 2>/dev/null || fail "q.ini did not run"
rows=$(sqlite3 "$T/q.db" "select count(*) from series s join run r on r.id = s.run_id
	join experiment e on e.id = r.experiment_id where e.name = 'queue-alert'")
[ "$rows" -gt 500 ] || fail "too few series rows: $rows"

"$POOLSIM" export -o "$T/q.db" -c queue-alert >"$T/q.om" 2>"$T/err" ||
	fail "export openmetrics: $(cat "$T/err")"
"$POOLSIM" export -o "$T/q.db" -c queue-alert --format prometheus >"$T/q.prom" ||
	fail "export prometheus"

# A strict reading of both formats (the text exposition format and
# OpenMetrics 1.0 for gauges): every line a comment of ours or a sample;
# a family's HELP then TYPE gauge before any of its samples, each family
# in one block; metric and label names valid; label values quoted;
# timestamps strictly increasing per series; OpenMetrics ends in # EOF.
check() {   # FILE om|prom
	awk -v om="$2" '
	function bad(m) { print FILENAME ":" NR ": " m; err = 1; exit 1 }
	/^# EOF$/ { if (om != "om") bad("# EOF in prometheus text"); eof = NR; next }
	eof { bad("a line after # EOF") }
	/^# HELP / { n = $3; if (n !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) bad("metric name " n)
		if (done[n]) bad("family " n " split"); if (cur != "") done[cur] = 1
		cur = n; help[n] = 1; if (length($0) < 20) bad("empty HELP"); next }
	/^# TYPE / { if ($3 != cur || !help[cur]) bad("TYPE without HELP first")
		if ($4 != "gauge") bad("type " $4); typed[cur] = 1; next }
	/^#/ { bad("unexpected comment") }
	{
		name = $0; sub(/\{.*/, "", name)
		if (name != cur || !typed[cur]) bad("sample of " name " outside its family")
		lab = $0; sub(/^[^{]*\{/, "", lab); sub(/\} [^}]*$/, "", lab)
		rest = $0; sub(/^.*\} /, "", rest)
		if (lab !~ /^([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)+$/) bad("labels " lab)
		if (lab !~ /experiment="/ || lab !~ /point="/ || lab !~ /replication="/ ||
		    lab !~ /scope="/) bad("missing a label: " lab)
		split(rest, f, " ")
		if (f[1] !~ /^(-?[0-9.e+-]+|NaN|[+-]Inf)$/) bad("value " f[1])
		if (om == "om" && f[2] !~ /^[0-9]+\.[0-9][0-9][0-9]$/) bad("om timestamp " f[2])
		if (om != "om" && f[2] !~ /^[0-9]+$/) bad("ms timestamp " f[2])
		key = name "{" lab "}"
		if ((key in last) && f[2] + 0 <= last[key] + 0) bad("time order in " key)
		last[key] = f[2]; n_samples++
	}
	END { if (err) exit 1; if (om == "om" && !eof) { print "no # EOF"; exit 1 }
		print n_samples }' "$1"
}
n_om=$(check "$T/q.om" om) || fail "openmetrics: $n_om"
n_prom=$(check "$T/q.prom" prom) || fail "prometheus: $n_prom"
[ "$n_om" = "$n_prom" ] && [ "$n_om" -gt 500 ] ||
	fail "samples: openmetrics $n_om, prometheus $n_prom"
[ "$n_om" -le "$rows" ] || fail "$n_om samples from $rows rows"
for fam in queue_depth running workers state; do
	grep -q "^# TYPE poolsim_$fam gauge$" "$T/q.om" || fail "no family poolsim_$fam"
done
grep -q '^# HELP poolsim_queue_depth .*Unit: tasks\.$' "$T/q.om" || fail "HELP has no unit"
grep -q '^# HELP poolsim_state .*1 pending.*2 firing' "$T/q.om" || fail "HELP of state"
grep -q '^poolsim_state{experiment="queue-alert",point="1",rate="25",replication="1",scope="alert/deep"} 2 ' "$T/q.om" ||
	fail "alert state label set: $(grep -m1 '^poolsim_state' "$T/q.om")"
# export.start: virtual 0 is 2026-01-01T00:00:00Z = 1767225600
head -n 3 "$T/q.om" | grep -q ' 1767225600\.000$' || fail "epoch: $(sed -n 3p "$T/q.om")"
sed -n 3p "$T/q.prom" | grep -q ' 1767225600000$' || fail "ms epoch: $(sed -n 3p "$T/q.prom")"
# --start wins; an offset is honoured
"$POOLSIM" export -o "$T/q.db" -c queue-alert --start 2026-01-01T01:00:00+01:00 \
	--format prometheus | sed -n 3p | grep -q ' 1767225600000$' || fail "--start with an offset"
"$POOLSIM" export -o "$T/q.db" -c queue-alert --start 1000 --format prometheus |
	sed -n 3p | grep -q ' 1000000$' || fail "--start in Unix seconds"
# no export.start: the instant the experiment ran (the same text twice)
"$POOLSIM" export -o "$T/q.db" -c dsweep >"$T/d1.om" && "$POOLSIM" export -o "$T/q.db" -c dsweep >"$T/d2.om" ||
	fail "export dsweep"
cmp -s "$T/d1.om" "$T/d2.om" || fail "two exports of one database differ"
ran=$(sqlite3 "$T/q.db" "select strftime('%s', created_at) from experiment where name = 'dsweep'")
sed -n 3p "$T/d1.om" | grep -q " $ran\.000$" || fail "default epoch $ran: $(sed -n 3p "$T/d1.om")"
grep -q '^poolsim_in_use{experiment="dsweep",point="1",K="8",replication="0",scope="downstream/db"} ' "$T/d1.om" ||
	fail "downstream label set"
check "$T/d1.om" om >/dev/null || fail "dsweep openmetrics"

# ---- promtool, when Debian's prometheus package can be had ---------------------
command -v promtool >/dev/null || sh "$POOLSIM_TESTS/../scripts/deps.sh" prometheus >/dev/null 2>&1
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/q.prom" >"$T/pt" 2>&1 ||
		fail "promtool check metrics: $(head -5 "$T/pt")"
	"$POOLSIM" export -o "$T/q.db" >"$T/all.om" || fail "export all"
	(cd "$T" && promtool tsdb create-blocks-from openmetrics all.om tsdb) >"$T/pt" 2>&1 ||
		fail "promtool tsdb create-blocks-from openmetrics: $(tail -5 "$T/pt")"
	n_all=$(check "$T/all.om" om) || fail "all.om: $n_all"
	loaded=$(awk 'length($1) == 26 && $5 ~ /^[0-9]+$/ { s += $5 } END { print s + 0 }' "$T/pt")
	[ "$loaded" = "$n_all" ] || fail "promtool loaded $loaded of $n_all samples: $(cat "$T/pt")"
	echo "ok: promtool accepts both formats ($loaded samples in the TSDB)"
else
	echo "SKIP: promtool (Debian package prometheus) not installable here; the strict check above stands in"
fi

# ---- CSV ---------------------------------------------------------------------
"$POOLSIM" export -o "$T/q.db" -c queue-alert --format csv >"$T/q.csv" || fail "export csv"
head -n 1 "$T/q.csv" | grep -qx 'experiment,point,replication,itervars,scope,name,t_s,value' ||
	fail "csv header: $(head -n 1 "$T/q.csv")"
[ "$(($(wc -l <"$T/q.csv") - 1))" = "$rows" ] || fail "csv rows != $rows"
grep -q '^queue-alert,1,0,rate=25,alert/deep,state,' "$T/q.csv" || fail "csv row"
# show --series is the same CSV, for people who look in show first
"$POOLSIM" show --series -o "$T/q.db" -c queue-alert >"$T/s.csv" || fail "show --series"
cmp -s "$T/q.csv" "$T/s.csv" || fail "show --series differs from export --format csv"
"$POOLSIM" show --series --format table -o "$T/q.db" 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "show --series --format table: exit $rc"

# ---- mistakes ------------------------------------------------------------------
"$POOLSIM" export -o "$T/q.db" --format json 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "format for export is openmetrics, prometheus or csv, not 'json'" "$T/err" ||
	fail "bad format: $rc $(cat "$T/err")"
"$POOLSIM" export -o "$T/q.db" --start yesterday 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "start takes an instant" "$T/err" || fail "bad --start: $rc $(cat "$T/err")"
"$POOLSIM" export -o "$T/q.db" -c nosuch 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "nosuch" "$T/err" || fail "unknown experiment: $rc"
"$POOLSIM" export -o "$T/q.db" --dir x 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "--dir accepted by export"
printf '[a]\narrival = poisson(100/s)\nservice = exp(5ms)\npool = ants\nK = 2\nexport.start = 2026-13-01T00:00:00Z\n' >"$T/bad.ini"
"$POOLSIM" check "$T/bad.ini" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "bad.ini:6: export.start must be an instant" "$T/err" ||
	fail "bad export.start: $rc $(cat "$T/err")"
echo "ok: export"
