#!/bin/sh
# plot_names.sh — experiment names as file names: two experiments of one
# database whose files would meet ([x] and [x-series], stored from two
# files, so no `check` saw both) both draw under tagged stems and every
# file is distinct; and a plot killed while gnuplot draws leaves the
# previous figure whole (figures, scripts and reports are written to a
# temporary name and renamed).
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

common='seed = 1
arrival = poisson(100/s)
tasks = 20
service = exp(1ms)
pool = ants
K = 2'
printf '[General]\n%s\n[x]\n' "$common" >"$T/a.ini"
printf '[General]\n%s\n[x-series]\n' "$common" >"$T/b.ini"
"$POOLSIM" run "$T/a.ini" -o "$T/r.db" >/dev/null 2>&1 || fail "run a"
"$POOLSIM" run "$T/b.ini" -o "$T/r.db" >/dev/null 2>&1 || fail "run b"
"$POOLSIM" report -o "$T/r.db" --dir "$T/out" >"$T/list" 2>"$T/err" ||
	{ cat "$T/err"; fail "report failed"; }
n=$(grep -c '\.md$' "$T/list")
[ "$n" = 2 ] || fail "$n reports, want 2"
# every path reported once: nothing was written twice
[ "$(sort "$T/list" | uniq -d | wc -l)" = 0 ] || fail "a file was written twice: $(sort "$T/list" | uniq -d)"
grep -q '^# x-series$' "$T"/out/x-series-*.md 2>/dev/null || fail "no tagged report of [x-series]"
grep -q '^# x$' "$T"/out/x-????????.md 2>/dev/null || fail "no tagged report of [x]"
# -c draws under the same names as a plot of everything
"$POOLSIM" plot -o "$T/r.db" -c x --dir "$T/out1" >"$T/list1" 2>&1 || fail "plot -c x"
grep -q "out1/$(basename "$(ls "$T"/out/x-????????.png)")" "$T/list1" ||
	fail "plot -c x drew under another name: $(cat "$T/list1")"
echo "ok clashing names of one database: distinct files"

# A plot killed while gnuplot draws: the figure drawn before stays whole.
command -v gnuplot >/dev/null || { echo "SKIP interrupted plot: no gnuplot"; exit 0; }
"$POOLSIM" plot -o "$T/r.db" -c x --dir "$T/o" >/dev/null 2>&1 || fail "plot"
f=$(ls "$T"/o/x-????????.png)
sum=$(cksum <"$f")
mkdir "$T/bin"
# gnuplot's stand-in: finds its output as gnuplot would (-e "poolsim_out=
# 'F'", else the script's `set output 'F'`), writes half a figure there,
# then kills poolsim (its parent) with SIGKILL.
cat >"$T/bin/gnuplot" <<'SH'
#!/bin/sh
[ "$1" = -e ] && { eval "$2"; shift 2; }
out=${poolsim_out:-$(sed -n "s/^set output '\(.*\)'$/\1/p" "$1")}
printf '\211PNG half' >"$out"
kill -9 $PPID
sleep 1
SH
chmod +x "$T/bin/gnuplot"
PATH="$T/bin:$PATH" "$POOLSIM" plot -o "$T/r.db" -c x --dir "$T/o" >/dev/null 2>&1
rc=$?
[ $rc = 137 ] || fail "the stand-in did not kill poolsim (status $rc)"
[ "$(cksum <"$f")" = "$sum" ] || fail "an interrupted plot changed $(basename "$f")"
head -c 4 "$f" | od -c | grep -q 'P   N   G' || fail "$f is no PNG"
for g in "$T"/o/*.gp; do
	tail -n 1 "$g" | grep -q . || fail "$(basename "$g") is cut short"
done
echo "ok interrupted plot: the previous figure is whole"
