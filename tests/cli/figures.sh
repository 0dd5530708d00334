#!/bin/sh
# figures.sh — what the figures promise, read from their .gp scripts (the
# PNGs are looked at by people): series figures with one shared legend,
# one colour per sweep point across panels, units on the axes, labelled
# event markers (SIGTERM, drain deadlines, arrival steps, alert pending
# and firing, downstream brownouts), named alert bands, the median with a
# 10-90% band or one replication (plot.replication), the drain answer in
# the legend and as a finished / cut off panel, tenants as small
# multiples; sweep figures with plot.xscale and plot.xrange.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }

cat >"$T/f.ini" <<'INI'
[General]
seed = 3

[drain]
arrival   = burst(400)
warmup    = 0
service   = exp(50ms)
pool      = errgroup
K         = 10
producers = each
shutdown.at    = after(50)
shutdown.drain = ${drain=500ms, 3s}
repeat    = 3

[steps]
arrival  = steps(20/s for 20s, 60/s for 40s, 20/s for 20s)
duration = 80s
warmup   = 0
service  = const(100ms)
pool     = ants
K        = ${K=4, 8}
producers = each
alert.deep = queue_depth > 20 for 10s
repeat   = 2

[one]
extends = steps
plot.replication = 1

[tiered]
duration  = 5s
warmup    = 0
service   = exp(10ms)
producers = each
pool      = ants
tier.gold.K = 5
tier.free.K = 2
tenant.a.arrival = poisson(50/s)
tenant.a.tier    = gold
tenant.b.arrival = poisson(50/s)
tenant.b.tier    = free

[tenants]
duration  = 5s
warmup    = 0
service   = exp(10ms)
producers = each
pool      = ants
K         = 10
tenant.quiet.arrival = poisson(50/s)
tenant.noisy.arrival = poisson(${noisy=10, 2000}/s)

[brown]
arrival  = poisson(100/s)
duration = 30s
warmup   = 0
service  = const(1ms)
pool     = ants
K        = 8
producers = each
downstream.db.limit   = 20
downstream.db.service = exp(20ms)
downstream.db.slowdown = steps(1 for 10s, 4 for 10s, 1 for 10s)

# the same brownout from a file: marked from the stored slowdown series
[brown-file]
extends = brown
downstream.db.slowdown = file(brown.csv)

[tuned]
arrival  = steps(10/s for 30s, 60/s for 30s, 10/s for 30s)
duration = 90s
warmup   = 0
service  = const(100ms)
pool     = ants
K        = 4
producers = each
autotune = utilization
autotune.min = 2
autotune.max = 12
autotune.step = 4
autotune.period = 10s

[ks]
arrival = poisson(200/s)
tasks   = 300
service = exp(5ms)
pool    = ants
K       = ${2, 4, 8, 50, 100}
plot.xscale = linear
plot.xrange = 3:60

[ks-auto]
extends = ks
plot.xscale = auto
plot.xrange = *:*

[opt]
arrival = poisson(100/s)
service = exp(50ms)
pool    = workerpool
K       = ${7..12}
tasks   = 2000
warmup  = 10%
repeat  = 10
optimize = wait_mean min
optimize.delta = 1ms

[slo]
arrival = poisson(100/s)
service = exp(50ms)
pool    = workerpool
K       = ${5..12}
tasks   = 2000
warmup  = 10%
repeat  = 10
slo     = wait_mean < 5ms

[over]
arrival  = poisson(${rate=50, 100, 400}/s)
duration = 20s
warmup   = 0
service  = const(10ms)
pool     = ants
K        = 2
producers = each
repeat   = 2
INI
printf 't,factor\n0,1\n10,4\n20,1\n' >"$T/brown.csv"
"$POOLSIM" run "$T/f.ini" -o "$T/f.db" -j 2 >/dev/null 2>&1 || fail "f.ini did not run"
"$POOLSIM" plot -o "$T/f.db" --dir "$T/out" >"$T/list" 2>"$T/err" || fail "plot: $(cat "$T/err")"
G="$T/out/drain-series.gp"
[ -f "$G" ] || fail "no drain-series.gp: $(cat "$T/list")"
if command -v gnuplot >/dev/null; then
	[ -s "$T/out/drain-series.png" ] && [ -s "$T/out/steps-series.png" ] || fail "series PNGs missing"
fi

# one shared legend, in the first panel only, at the top of the page
[ "$(grep -c '^set key at screen 0.5' "$G")" = 1 ] || fail "shared legend: $(grep -n 'key' "$G")"
[ "$(grep -c '^unset key' "$G")" = 3 ] || fail "the other panels have a key"
# units from the series registry
for l in "queue_depth (tasks)" "running (tasks)" "workers"; do
	grep -q "^set ylabel '$l'\$" "$G" || fail "ylabel $l: $(grep ylabel "$G")"
done
grep -q "^set xlabel 'time (s)'" "$G" || fail "time axis unit"
# one colour per point, the same in every panel: 2 points, 2 colours
n=$(grep -o "with steps lw [0-9.]* dt [0-9] lc rgb '#[0-9a-f]*'" "$G" | sort -u | wc -l)
[ "$n" = 2 ] || fail "line styles per point: $n"
# events: SIGTERM (shared by both points), a deadline per point
grep -q "^set label [0-9]* 'SIGTERM' at " "$G" || fail "no SIGTERM marker"
grep -q "^set label [0-9]* 'deadline 500ms' at " "$G" || fail "no 500ms deadline marker"
grep -q "^set label [0-9]* 'deadline 3s' at " "$G" || fail "no 3s deadline marker"
[ "$(grep -c '^set arrow [0-9]* from .* nohead' "$G")" = 3 ] || fail "markers: $(grep '^set arrow' "$G")"
# the SIGTERM marker sits where it happened: the same time as the
# deadline marker less the drain
st=$(sed -n "s/^set label [0-9]* 'SIGTERM' at \([0-9.e-]*\),.*/\1/p" "$G")
dl=$(sed -n "s/^set label [0-9]* 'deadline 500ms' at \([0-9.e-]*\),.*/\1/p" "$G")
awk -v a="$st" -v b="$dl" 'BEGIN { d = b - a - 0.5; exit !(a > 0 && d < 1e-6 && d > -1e-6) }' ||
	fail "SIGTERM $st, deadline $dl"
# the drain answer and the replications in the legend
grep -q "'drain=500ms: [0-9]* finished, [0-9]* cut off'" "$G" || fail "drain answer in the legend"
grep -q "'drain=3s: 400 finished, 0 cut off'" "$G" || fail "3s drains everything: $(grep -o "'drain=3s[^']*'" "$G")"
grep -q "median of 3 replications, band 10-90%" "$G" || fail "band entry"
grep -q "with filledcurves fs transparent" "$G" || fail "no band"
# the drain's answer as a panel: per point the mean tasks finished and cut
# off, the numbers the database holds
grep -q "^set title 'what finished, what was cut off'" "$G" || fail "no outcome panel"
for p in 0 1; do
	want=$(sqlite3 "$T/f.db" "select printf('%d %.9g %.9g', 1 - $p,
		avg(case when s.name = 'completed' then s.value end),
		avg(case when s.name = 'unfinished' then s.value end))
		from scalar s join run r on r.id = s.run_id join experiment e
		on e.id = r.experiment_id where e.name = 'drain' and r.point = $p
		and s.scope = 'pool'")
	sed -n '/^\$outcome << EOD/,/^EOD/p' "$G" | grep -q "^$want 0x" ||
		fail "outcome row of point $p: want '$want': $(sed -n '/^\$outcome/,/^EOD/p' "$G")"
done
sed -n '/^\$outcome << EOD/,/^EOD/p' "$G" | grep -q '"[0-9]* cut off"' || fail "cut off labels"
grep -q "using 9:1:10 with labels left" "$G" || fail "no label beside a narrow bar"

S="$T/out/steps-series.gp"
grep -q "^set label [0-9]* 'arrivals 60/s' at 20," "$S" || fail "step marker: $(grep '^set label' "$S")"
grep -q "^set label [0-9]* 'arrivals 20/s' at 60," "$S" || fail "step back marker"
grep -q "^set label [0-9]* 'deep pending' at " "$S" || fail "pending marker"
grep -q "^set label [0-9]* 'deep firing' at " "$S" || fail "firing marker"
grep -q "^set ytics ('inactive' 0, 'pending' 1, 'firing' 2)" "$S" || fail "named alert states"
grep -q "^set object 2 rect .*behind" "$S" || fail "alert bands"
grep -q "^set title 'alert/deep state'" "$S" || fail "alert panel"
grep -q "^set ylabel 'offered" "$S" && fail "offered without autotune?"

N="$T/out/tenants-series.gp"
for t in noisy quiet; do
	grep -q "^set title 'tenant/$t throughput'\$" "$N" || fail "no tenant/$t panel: $(grep '^set title' "$N")"
done
grep -q "^set ylabel 'throughput (/s)'" "$N" || fail "tenant throughput unit"
grep -q "^set title 'tenant/a throughput (tier gold)'\$" "$T/out/tiered-series.gp" &&
grep -q "^set title 'tenant/b throughput (tier free)'\$" "$T/out/tiered-series.gp" ||
	fail "tenant panels name their tier: $(grep '^set title' "$T/out/tiered-series.gp")"
B="$T/out/brown-series.gp"
grep -q "^set label [0-9]* 'db brownout x4' at 10," "$B" || fail "brownout start: $(grep '^set label' "$B")"
grep -q "^set label [0-9]* 'db brownout end' at 20," "$B" || fail "brownout end"
B="$T/out/brown-file-series.gp"
grep -q "^set label [0-9]* 'db brownout x4' at 10," "$B" || fail "file brownout start: $(grep '^set label' "$B")"
grep -q "^set label [0-9]* 'db brownout end' at 20," "$B" || fail "file brownout end: $(grep '^set label' "$B")"

# a tuner's few K changes are events; they match the stored K series
U="$T/out/tuned-series.gp"
sqlite3 "$T/f.db" "select printf('%.9g %.6g', s.t, s.value) from series s join run r on r.id = s.run_id
	join experiment e on e.id = r.experiment_id where e.name = 'tuned' and s.scope = 'pool'
	and s.name = 'K' order by s.t" | awk 'NR > 1 && $2 != v { printf "%s %s %s\n", v, $2, $1 } { v = $2 }' >"$T/kch"
[ "$(wc -l <"$T/kch")" -ge 2 ] || fail "tuned: K changed $(wc -l <"$T/kch") times"
while read -r a b t; do
	grep -q "^set label [0-9]* 'K $a -> $b' at $t," "$U" || fail "no marker K $a -> $b at $t: $(grep '^set label' "$U")"
done <"$T/kch"

O="$T/out/one-series.gp"
grep -q "title 'replication 1'" "$O" || fail "plot.replication = 1 not named"
grep -q "filledcurves fs transparent" "$O" && fail "one replication drew a band"

# five points: five distinct dash patterns, no grey wash of bands
n=$(grep -o "with steps lw [0-9.]* dt [^ ]* lc rgb '#[0-9a-f]*'" "$T/out/ks-series.gp" |
	sed 's/lw [0-9.]* //' | sort -u | wc -l)
[ "$n" = 5 ] || fail "ks-series: $n line styles for 5 points"
grep -q '^set logscale x' "$T/out/ks.gp" && fail "plot.xscale = linear drew log"
grep -q '^set xrange \[3:60\]' "$T/out/ks.gp" || fail "plot.xrange: $(grep xrange "$T/out/ks.gp")"
grep -q '^set logscale x' "$T/out/ks-auto.gp" || fail "auto: 2..100 should be log"
grep -q '^set xrange \[' "$T/out/ks-auto.gp" && fail "*:* set a range"
# an optimize answer: a zoom panel of paired differences from the chosen
# point, with their 95% intervals; the chosen point's row is 0 0
Z="$T/out/opt.gp"
ch=$(sqlite3 "$T/f.db" "select a.point from answer a join experiment e on e.id = a.experiment_id where e.name = 'opt'")
[ -n "$ch" ] || fail "opt has no answer"
chk=$(sqlite3 "$T/f.db" "select value from run_param p join run r on r.id = p.run_id join experiment e on e.id = r.experiment_id where e.name = 'opt' and r.point = $ch and p.name = 'K' limit 1")
grep -q "^set title 'zoom: wait_mean minus its value at K = $chk, paired by replication (95% CI)'" "$Z" ||
	fail "zoom title: $(grep '^set title' "$Z")"
sed -n '/^\$zoom << EOD/,/^EOD/p' "$Z" >"$T/zoom"
grep -q "^$chk 0 0 [0-9]*\$" "$T/zoom" || fail "chosen row: $(cat "$T/zoom")"
[ "$(grep -c '^[0-9]' "$T/zoom")" -ge 3 ] || fail "zoom points: $(cat "$T/zoom")"
# every other row: the mean of the paired differences (ms), as SQL has it
while read -r k m ci n; do
	[ "$k" = "$chk" ] && continue
	want=$(sqlite3 "$T/f.db" "with v as (select r.point, r.replication, s.value,
		(select p.value from run_param p where p.run_id = r.id and p.name = 'K') k
		from scalar s join run r on r.id = s.run_id join experiment e on e.id = r.experiment_id
		where e.name = 'opt' and s.scope = 'pool' and s.name = 'wait_mean')
		select printf('%.6f %d', avg(a.value - b.value) * 1000, count(*)) from v a join v b
		on a.replication = b.replication where a.k = '$k' and b.k = '$chk'")
	got=$(awk -v m="$m" -v n="$n" 'BEGIN { printf "%.6f %d", m, n }')
	[ "$got" = "$want" ] || fail "zoom K=$k: $got, SQL $want"
	awk -v c="$ci" 'BEGIN { exit !(c > 0) }' || fail "zoom K=$k: no interval"
done <<EOF2
$(grep '^[0-9]' "$T/zoom")
EOF2
grep -q "with yerrorbars" "$Z" || fail "zoom without error bars"
# an slo answer: each point's mean (ms) with its one-sided bound, against
# the target; the chosen point passes, its bound below 5 ms
L="$T/out/slo.gp"
ch=$(sqlite3 "$T/f.db" "select p.value from answer a join experiment e on e.id = a.experiment_id
	join run r on r.experiment_id = e.id and r.point = a.point join run_param p on p.run_id = r.id
	and p.name = 'K' where e.name = 'slo' limit 1")
[ -n "$ch" ] || fail "slo has no answer"
grep -q "^set title 'zoom: wait_mean near K = $ch; bar to the 95% one-sided bound the answer used'" "$L" ||
	fail "slo zoom title: $(grep '^set title' "$L")"
grep -q "^set label 1 'target < 5ms'" "$L" || fail "slo zoom target"
sed -n '/^\$zoom << EOD/,/^EOD/p' "$L" | grep '^[0-9]' >"$T/szoom"
awk -v c="$ch" '$1 == c { found = 1; if (!($4 == 1 && $3 < 5 && $3 >= $2)) bad = 1 }
	$3 < $2 { bad = 1 } END { exit !(found && !bad) }' "$T/szoom" ||
	fail "slo zoom rows: $(cat "$T/szoom")"
want=$(sqlite3 "$T/f.db" "select printf('%.6f', avg(s.value) * 1000) from scalar s join run r on r.id = s.run_id
	join experiment e on e.id = r.experiment_id join run_param p on p.run_id = r.id and p.name = 'K'
	where e.name = 'slo' and s.scope = 'pool' and s.name = 'wait_mean' and p.value = '$ch'")
got=$(awk -v c="$ch" '$1 == c { printf "%.6f", $2 }' "$T/szoom")
[ "$got" = "$want" ] || fail "slo zoom mean at K=$ch: $got, SQL $want"
# overloaded points: hollow, circled, and a note says why
V="$T/out/over.gp"
grep -q "with points pt 6 ps 1.4 lw 2 lt 1 notitle" "$V" || fail "overloaded point not hollow"
grep -q "^set label 99 'Note: hollow, circled points are overloaded" "$V" || fail "no overload note"
grep -q "pt 7 ps 1 " "$V" || fail "stable points not filled"
echo "ok: series and sweep figures"

# ---- report --all: an index of every report; reports embed what they drew ----
"$POOLSIM" report --all -o "$T/f.db" --dir "$T/rep" --format svg >"$T/list" 2>"$T/err" ||
	fail "report --all: $(cat "$T/err")"
I="$T/rep/index.md"
[ -f "$I" ] || fail "no index.md: $(cat "$T/list")"
grep -q "^Drawn [0-9T:-]*Z by poolsim [0-9.]* from the database \`$T/f.db\`\.\$" "$I" ||
	fail "index header: $(head -3 "$I")"
for x in drain steps one tenants brown tuned ks ks-auto opt slo over; do
	grep -q "^| \[$x\]($x.md) | " "$I" || fail "index lacks $x: $(cat "$I")"
	[ -f "$T/rep/$x.md" ] || fail "no report $x.md"
done
# every figure a report links was drawn now, in this format, with its .gp
n_img=0
for md in "$T"/rep/*.md; do
	for img in $(grep -o '](\([^)]*\)\.\(png\|svg\))' "$md" | sed 's/^](//; s/)$//'); do
		case $img in *.svg) ;; *) fail "$md links $img, not svg";; esac
		grep -qx "$T/rep/$img" "$T/list" || fail "$md links $img not drawn in this call"
		[ -f "$T/rep/${img%.svg}.gp" ] || fail "$img has no .gp beside it"
		n_img=$((n_img + 1))
	done
done
[ "$n_img" -ge 10 ] || fail "only $n_img figures linked by the reports"
"$POOLSIM" report --all -c drain -o "$T/f.db" --dir "$T/rep" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q -- "-c NAME or --all, not both" "$T/err" || fail "--all with -c: $rc"
"$POOLSIM" plot --all -o "$T/f.db" 2>/dev/null && fail "plot took --all"
# a series script re-draws by itself, from a copy, without poolsim
if command -v gnuplot >/dev/null; then
	mkdir "$T/copy" && cp "$T/rep/drain-series.gp" "$T/copy/" &&
		(cd "$T/copy" && gnuplot drain-series.gp 2>/dev/null) &&
		[ -s "$T/copy/drain-series.svg" ] || fail "drain-series.gp does not re-draw by itself"
fi
echo "ok: report --all"
