#!/bin/sh
# promrule.sh — alert.rule_file: the user's own Prometheus rule
# (examples/alert-rule/rules.yml, QueueBacklog: queue depth > 50 for 30s)
# evaluated by `promtool test rules` on every run's series agrees with the
# built-in alert stating the same rule (alert.deep, exercise 21) to within
# one evaluation interval (alert.interval = 5s): pending and firing, run by
# run, on the queue-alert experiment with a fixed seed; below capacity
# neither fires. Without promtool: a clear error before anything runs.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }
EX="$POOLSIM_TESTS/../examples/alert-rule"

# ---- no promtool: refused before anything runs, saying how to install it -------
POOLSIM_PROMTOOL=/nonexistent/promtool "$POOLSIM" run "$EX/queue-alert.ini" \
	-o "$T/none.db" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "without promtool: exit $rc, want 2"
[ ! -e "$T/none.db" ] || fail "without promtool: a database was written"
grep -q "promtool, which is not installed: install Debian's prometheus package (sh scripts/deps.sh prometheus" "$T/err" ||
	fail "without promtool: $(cat "$T/err")"
"$POOLSIM" check "$EX/queue-alert.ini" >/dev/null 2>&1 ||
	fail "check needs promtool: it should not"
echo "ok: without promtool, run says how to install it and runs nothing"

command -v promtool >/dev/null || sh "$POOLSIM_TESTS/../scripts/deps.sh" prometheus >/dev/null 2>&1
if ! command -v promtool >/dev/null; then
	echo "SKIP: promtool (Debian package prometheus) not installable here"
	exit 0
fi

# ---- a rules file promtool refuses ------------------------------------------------
printf 'groups:\n  - name: g\n    rules:\n      - alert: QueueBacklog\n        expr: poolsim_queue_depth >\n' >"$T/bad.yml"
sed "s#^alert.rule_file .*#alert.rule_file = $T/bad.yml#" "$EX/queue-alert.ini" >"$T/bad.ini"
"$POOLSIM" run "$T/bad.ini" -o "$T/bad.db" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "bad rules: exit $rc, want 2"
grep -q "promtool check rules refuses $T/bad.yml: " "$T/err" || fail "bad rules: $(cat "$T/err")"
echo "ok: a rules file promtool refuses stops the run first: $(cut -c1-100 "$T/err")"

# ---- the example: promtool and the built-in alert agree ---------------------------
"$POOLSIM" run "$EX/queue-alert.ini" -o "$T/qa.db" -j 2 2>"$T/err" ||
	fail "example run: $(cat "$T/err")"
q() { sqlite3 -separator ' ' "$T/qa.db" "$1"; }
# run, metric, built-in, promtool ('' = never)
q "select r.point || '/' || r.replication, a.name, coalesce(a.value, ''),
	  coalesce(b.value, '')
   from run r join scalar a on a.run_id = r.id and a.scope = 'alert/deep'
   join scalar b on b.run_id = r.id and b.scope = 'alert/QueueBacklog'
	and b.name = a.name
   where a.name in ('first_pending_s', 'first_fire_s')
   order by r.point, r.replication, a.name" >"$T/cmp"
[ "$(wc -l <"$T/cmp")" -eq 12 ] || fail "want 6 runs x 2 times: $(cat "$T/cmp")"
awk -v iv=5 '
	NF == 2 { next }   # neither went pending/firing
	NF != 4 { bad = bad " " $1 ":" $2 " only one of them"; next }
	{ d = $4 - $3; if (d < 0) d = -d
	  if (d >= iv) bad = bad " " $1 ":" $2 " " $3 " vs " $4
	  if ($2 == "first_fire_s") fired++
	  if ($4 / iv != int($4 / iv)) bad = bad " " $1 " not on an evaluation" }
	END { if (bad != "") { print "disagree:" bad; exit 1 }
	      if (fired < 3) { print "only " fired + 0 " runs fired"; exit 1 } }' \
	"$T/cmp" || fail "$(awk -v iv=5 'NF' "$T/cmp" | tr '\n' ';')"
# below capacity (rate=15, point 0) neither fires; above it every run does
[ "$(q "select count(*) from scalar s join run r on r.id = s.run_id
	where r.point = 0 and s.name = 'first_fire_s' and s.value is not null")" = 0 ] ||
	fail "an alert fired below capacity"
echo "ok: promtool's QueueBacklog and the built-in alert agree within 5 s: $(awk 'NF == 4 { printf "%s %s %.1f/%s; ", $1, $2, $3, $4 }' "$T/cmp")"

# the state series: named states at the evaluation instants, firing after pending
q "select group_concat(distinct s.value) from series s join run r on r.id = s.run_id
   where r.point = 1 and s.scope = 'alert/QueueBacklog' and s.name = 'state'" >"$T/st"
[ "$(tr ',' '\n' <"$T/st" | sort -n | tr '\n' ' ')" = "0.0 1.0 2.0 " ] ||
	fail "state series values: $(cat "$T/st")"
# the pool's series are sampled on every evaluation instant (a multiple of 5 s)
n=$(q "select count(*) from series s join run r on r.id = s.run_id
	where r.point = 1 and r.replication = 0 and s.scope = 'pool'
	and s.name = 'queue_depth' and abs(s.t / 5 - round(s.t / 5)) < 1e-9")
[ "$n" -ge 19 ] || fail "only $n queue_depth samples on the 5 s instants"
echo "ok: state series 0/1/2 and queue_depth sampled on all $n evaluation instants"

# ---- -j 1 gives the same numbers ------------------------------------------------------
"$POOLSIM" run "$EX/queue-alert.ini" -o "$T/qa1.db" -j 1 2>/dev/null || fail "-j 1"
a=$(sqlite3 "$T/qa.db" "select r.point, r.replication, s.scope, s.name, s.value from scalar s join run r on r.id = s.run_id where s.scope like 'alert/%' order by 1, 2, 3, 4")
b=$(sqlite3 "$T/qa1.db" "select r.point, r.replication, s.scope, s.name, s.value from scalar s join run r on r.id = s.run_id where s.scope like 'alert/%' order by 1, 2, 3, 4")
[ "$a" = "$b" ] || fail "-j 1 and -j 2 differ"
echo "ok: -j 1 and -j 2 store the same alert times"
