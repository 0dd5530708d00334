#!/bin/sh
# show.sh — issue 15 section 4 through the real CLI: latest_summary holds
# the newest run of each experiment while point_summary keeps history;
# show --metric (repeatable) and --scope (a scope or a family); -c of an
# unknown experiment is exit 2 with the list, for show, plot and report;
# CSV has one column per iteration variable, RFC 4180 quoting; report
# --format svg links only the figures it drew now.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$T/s.ini" <<'INI'
[General]
repeat = 2
tasks  = 300

[mixes]
arrival = poisson(200/s)
service = ${svc=lognormal(p50=4ms, p99=30ms), exp(5ms)}
pool    = errgroup
K       = ${2, 8}
plot    = K: latency_p99

[tenants]
pool    = ants
K       = 4
service = exp(5ms)
tenant.a.arrival = poisson(100/s)
tenant.b.arrival = poisson(100/s)
INI
db="$T/r.db"
"$POOLSIM" run "$T/s.ini" -o "$db" -j 2 2>/dev/null || fail "run 1"
"$POOLSIM" run "$T/s.ini" -o "$db" -j 2 --set seed=5 2>/dev/null || fail "run 2"

# latest_summary: only the newest experiment rows; history in point_summary
if command -v sqlite3 >/dev/null; then
	q="select count(distinct experiment_id) from %s where experiment = 'mixes'"
	[ "$(sqlite3 "$db" "$(printf "$q" point_summary)")" = 2 ] || fail "history lost"
	[ "$(sqlite3 "$db" "$(printf "$q" latest_summary)")" = 1 ] || fail "latest_summary mixes runs"
	newest=$(sqlite3 "$db" "select max(id) from experiment where name = 'mixes'")
	[ "$(sqlite3 "$db" "select distinct experiment_id from latest_summary where experiment = 'mixes'")" = "$newest" ] ||
		fail "latest_summary is not the newest run"
	echo "ok latest_summary = newest run, point_summary = history"
fi

# --metric, repeatable; --scope exact and by family
"$POOLSIM" show -o "$db" -c mixes --metric latency_p99 --metric throughput >"$T/t" || fail "show --metric"
n=$(grep -c ' latency_p99 \| throughput ' "$T/t"); o=$(grep -c '^ *[0-9]' "$T/t")
[ "$n" -eq 8 ] && [ "$o" -eq 8 ] || fail "--metric x2: $n of $o rows, want 8 of 8"
"$POOLSIM" show -o "$db" -c tenants --scope tenant/a --metric completed >"$T/t" || fail "--scope tenant/a"
[ "$(grep -c 'tenant/a' "$T/t")" -eq 1 ] && ! grep -q 'tenant/b\| pool ' "$T/t" || fail "--scope tenant/a: $(cat "$T/t")"
"$POOLSIM" show -o "$db" -c tenants --scope tenant --metric completed >"$T/t" || fail "--scope tenant"
[ "$(grep -c 'tenant/' "$T/t")" -eq 2 ] || fail "--scope tenant: $(cat "$T/t")"
"$POOLSIM" show -o "$db" --metric nosuch 2>"$T/e"; [ $? -eq 2 ] || fail "--metric nosuch: not exit 2"
grep -q "unknown metric 'nosuch'" "$T/e" || fail "--metric nosuch: $(cat "$T/e")"
echo "ok show --metric --scope"

# -c nosuch: exit 2 and the list
for verb in show plot report; do
	"$POOLSIM" $verb -o "$db" -c nosuch --dir "$T/o" >/dev/null 2>"$T/e" </dev/null
	rc=$?
	[ "$verb" = show ] && { "$POOLSIM" show -o "$db" -c nosuch >/dev/null 2>"$T/e"; rc=$?; }
	[ $rc -eq 2 ] || fail "$verb -c nosuch: exit $rc, want 2"
	grep -q "no experiment 'nosuch' in the database; it has: mixes, tenants" "$T/e" ||
		fail "$verb -c nosuch: $(cat "$T/e")"
done
echo "ok -c nosuch: exit 2 with the list"

# CSV: a column per iteration variable, quoted per RFC 4180
"$POOLSIM" show -o "$db" --format csv >"$T/c.csv" || fail "csv"
head -n 1 "$T/c.csv" | grep -qx 'experiment,point,svc,K,scope,name,n,mean,ci95,min,max' ||
	fail "csv header: $(head -n 1 "$T/c.csv")"
grep -q '^"mixes",0,"lognormal(p50=4ms, p99=30ms)","2","pool","latency_p99",2,' "$T/c.csv" ||
	fail "csv: no quoted comma value row"
grep -q '^"tenants",0,,,"tenant/a","completed",2,' "$T/c.csv" ||
	fail "csv: the unswept experiment leaves the columns empty"
if command -v python3 >/dev/null; then
	python3 - "$T/c.csv" <<'PY' || fail "csv does not parse as RFC 4180 with 11 fields a row"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert len(rows) > 10 and all(len(r) == 11 for r in rows), set(map(len, rows))
PY
fi
echo "ok csv: a column per iteration variable"

# report --format svg: only figures drawn now, in that format
mkdir -p "$T/o"
touch "$T/o/tenants-scopes.svg" "$T/o/mixes-stages.svg"   # stale files
"$POOLSIM" report -o "$db" -c mixes --dir "$T/o" --format svg >"$T/w" || fail "report --format svg"
grep -q '](mixes.svg)' "$T/o/mixes.md" || fail "report does not link mixes.svg"
grep -q '\.png)' "$T/o/mixes.md" && fail "svg report links a png"
grep -q 'mixes-stages' "$T/o/mixes.md" && fail "report links a stale figure"
grep -qx "$T/o/mixes.svg" "$T/w" || fail "report did not draw mixes.svg"
"$POOLSIM" report -o "$db" -c mixes --dir "$T/o" --format jpg 2>/dev/null; [ $? -eq 2 ] || fail "--format jpg"
PATH=/nonexistent "$POOLSIM" report -o "$db" -c tenants --dir "$T/o3" >/dev/null 2>"$T/e" &&
	fail "report without gnuplot succeeded"
grep -q "gnuplot not found" "$T/e" || fail "report without gnuplot: $(cat "$T/e")"
grep -q '!\[' "$T/o3/tenants.md" && fail "report links figures it could not draw"
grep -q 'Figures not drawn: gnuplot not found' "$T/o3/tenants.md" || fail "report does not say why"
echo "ok report --format svg links only what it drew"
