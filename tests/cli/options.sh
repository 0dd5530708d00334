#!/bin/sh
# options.sh — options parse as getopt users expect, for every verb: a short
# option's value attached or apart (-j2, -j 2, -cNAME), a long one after
# '=' or a blank (--jobs=2, --config NAME), FILE before or after them; the
# spellings give the same runs, and mistakes exit 2 naming the option.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ini="$POOLSIM_TESTS/ini/sweep.ini"
fail() { echo "FAIL: $*"; exit 1; }

want=$("$POOLSIM" list "$ini" -c small --set repeat=1)
[ -n "$want" ] || fail "list -c small printed nothing"
for args in "-csmall --set repeat=1" "--config=small --set=repeat=1" \
	    "--config small --set repeat=1" "-c small --set=repeat=1"; do
	# shellcheck disable=SC2086
	got=$("$POOLSIM" list $args "$ini") || fail "list $args exited $?"
	[ "$got" = "$want" ] || fail "list $args differs from -c small"
	# shellcheck disable=SC2086
	got=$("$POOLSIM" list "$ini" $args) || fail "list FILE $args exited $?"
	[ "$got" = "$want" ] || fail "list FILE $args differs from -c small"
done
echo "ok list: -cNAME, -c NAME, --config=NAME, --config NAME, --set=K=V"

i=0
for j in "-j2" "-j 2" "--jobs=2" "--jobs 2"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$POOLSIM" run "$ini" -csmall -r0..3 $j -o"$T/$i.db" 2>"$T/err" ||
		fail "run $j: $(cat "$T/err")"
	n=$(sqlite3 "$T/$i.db" 'select count(*) from run')
	[ "$n" -eq 4 ] || fail "run -r0..3 $j stored $n runs, want 4"
done
"$POOLSIM" run "$ini" --config=small --runs=0..3 --jobs=1 --output "$T/5.db" \
	2>/dev/null || fail "run with long names only"
q='select r.point, r.replication, s.scope, s.name, s.value from scalar s join run r on r.id = s.run_id order by 1, 2, 3, 4'
for i in 2 3 4 5; do
	a=$(sqlite3 "$T/1.db" "$q")
	b=$(sqlite3 "$T/$i.db" "$q")
	[ "$a" = "$b" ] || fail "run $i stored other numbers than -j2"
done
echo "ok run: -j2, -j 2, --jobs=2, --jobs 2, -oDB, --output DB, --runs=R store the same runs"

"$POOLSIM" show -o"$T/1.db" -csmall --format=csv >"$T/a.csv" || fail "show -oDB -cNAME"
"$POOLSIM" show --db="$T/1.db" --config small --format csv >"$T/b.csv" || fail "show --db="
cmp -s "$T/a.csv" "$T/b.csv" || fail "show spellings differ"
grep -q '^"small",' "$T/a.csv" || fail "show printed no rows of small"
echo "ok show: -oDB -cNAME --format=csv = --db=DB --config NAME --format csv"

# mistakes: exit 2 and a message naming the option as typed
check_err() {  # want-substring, args...
	w=$1; shift
	"$POOLSIM" "$@" >"$T/out" 2>"$T/err"; rc=$?
	[ $rc -eq 2 ] || fail "$*: exit $rc, want 2"
	grep -qF "$w" "$T/err" || fail "$*: said '$(head -n 1 "$T/err")', want '$w'"
	[ -s "$T/out" ] && fail "$*: wrote to stdout"
	return 0
}
check_err "poolsim: error: option '-j' needs a value" run "$ini" -j
check_err "poolsim: error: option '--jobs' needs a value" run "$ini" --jobs
check_err "poolsim: error: -j takes 1 to 4096 threads (one per core is fastest), got 'x'" run "$ini" -jx
check_err "poolsim: error: -j takes 1 to 4096 threads (one per core is fastest), got '0'" run "$ini" --jobs=0
check_err "poolsim: error: unknown option '--bogus'" run "$ini" --bogus=1
check_err "poolsim: error: unknown option '-x'" list "$ini" -x
check_err "poolsim: error: option '--resume' takes no value" run "$ini" --resume=yes
check_err "poolsim: error: option '-j' does not apply to 'show'" show -j2
check_err "poolsim: error: option '--set' does not apply to 'plot'" plot --set=a=b
check_err "poolsim: error: 'show' takes no file argument" show "$ini"
check_err "poolsim: error: more than one file: 'b.ini'" check a.ini b.ini
echo "ok mistakes exit 2 naming the option"
