#!/bin/sh
# docs.sh — the user's reference stays true to the code:
# - docs/'s key and metric tables are `poolsim help keys|metrics --format
#   md` verbatim (scripts/gen-docs.sh --check), so a key or metric the code
#   has and the docs lack, or the reverse, fails here (tests/cli/metrics.sh
#   ties the metric registry to what runs emit);
# - every key scenario.c dispatches on is in the key table, and every key's
#   documented example passes `poolsim check`;
# - every relative link of README.md and docs/*.md resolves in the repo;
# - every ```ini block of README.md and docs/ passes `poolsim check` (with
#   the repo's data/ beside it), and
#   every ```sh block runs, in order, in a scratch copy of the study (a
#   `make TARGET` line is checked to be a Makefile target rather than run:
#   this test is itself run by make; an mpirun line runs when the MPI
#   binary and mpirun exist, else says SKIP).
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
top=$(cd "$POOLSIM_TESTS/.." && pwd)
cd "$top" || fail "no repo top"

sh scripts/gen-docs.sh --check "$POOLSIM" >"$T/gen" 2>&1 || fail "docs tables: $(cat "$T/gen")"
echo "ok docs/ tables = poolsim help keys/metrics"

# keys the parser dispatches on (top-level literals) are in the table
"$POOLSIM" help keys --format tsv | cut -f1 | sed 1d >"$T/table"
grep -o 'strcmp(k, "[A-Za-z_.]*")' experiments/scenario.c | sed 's/.*"\(.*\)")/\1/' |
	grep -v '\.$' | sort -u >"$T/parsed"
[ -s "$T/parsed" ] || fail "found no keys in scenario.c"
for k in $(cat "$T/parsed"); do
	grep -qx "$k" "$T/table" || fail "scenario.c parses '$k' but the key table lacks it"
done
# the fields of family keys (tenant.NAME.FIELD, autotune.FIELD, ...)
grep -o 'strcmp(\(field\|f\|kv->key\), "[A-Za-z_.]*")' experiments/scenario.c |
	sed 's/.*"\(.*\)")/\1/' | sort -u >"$T/fields"
for f in $(cat "$T/fields"); do
	grep -q "\.$f\$\|^$f\$" "$T/table" ||
		fail "scenario.c parses a key field '$f' that no key of the table has"
done
. "$POOLSIM_TESTS/cli/lib/keyini.sh"
keyini >"$T/keys.ini"
cp examples/alert-rule/rules.yml "$T/"   # alert.rule_file's example
"$POOLSIM" check "$T/keys.ini" >/dev/null 2>"$T/err" ||
	fail "a key's documented example is refused: $(cat "$T/err")"
echo "ok every parsed key is in the table; every example checks"

# links
for md in README.md docs/*.md; do
	dir=$(dirname "$md")
	grep -o '](\([^)]*\))' "$md" | sed 's/^](//; s/)$//; s/#.*//' | while read -r l; do
		case $l in http://*|https://*|mailto:*|'') continue;; esac
		[ -e "$dir/$l" ] || { echo "$md: broken link $l"; exit 1; }
	done || fail "broken link in $md"
done
echo "ok links of README.md and docs/ resolve"

# fenced blocks (an ini block is checked from $T, a shell block runs in
# $W: both see the repo's data/ files)
W=$T/w
mkdir -p "$W/build/mpi"
cp experiments.ini "$W/"
[ -d data ] && cp -R data "$W/" && cp -R data "$T/"
ln -s "$POOLSIM" "$W/poolsim"
[ -x build/mpi/poolsim ] && ln -s "$top/build/mpi/poolsim" "$W/build/mpi/poolsim"
n=0
for md in README.md docs/*.md; do
	awk -v out="$T/blk" -v md="$md" '
	/^```(sh|ini)$/ { n++; lang = substr($0, 4); f = sprintf("%s.%03d.%s", out, n, lang)
			  printf "" > f; print md > (f ".src"); inb = 1; next }
	/^```/ && inb { inb = 0; close(f); next }
	inb { print >> f }' "$md"
	for b in "$T"/blk.*; do
		[ -f "$b" ] || continue
		case $b in *.src) continue;; esac
		n=$((n + 1))
		case $b in
		*.ini)
			"$POOLSIM" check "$b" >/dev/null 2>"$T/err" ||
				fail "$md: ini example does not check: $(cat "$T/err")
$(cat "$b")" ;;
		*.sh)
			{
				echo 'set -e'
				echo 'check_make() { for t in "$@"; do case $t in *=*) grep -q "^${t%%=*}" "$MK" || { echo "make: no variable ${t%%=*}"; exit 1; };; *) grep -q "^$t:" "$MK" || grep -q "^\.PHONY:.* $t\( \|$\)" "$MK" || { echo "make: no target $t"; exit 1; };; esac; done; }'
				echo 'mpirun() { if [ -x build/mpi/poolsim ] && command -v mpirun >/dev/null; then OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 command mpirun "$@"; else echo "SKIP: mpirun $*: no MPI build here"; fi; }'
				sed 's/^make\( \|$\)/check_make /' "$b"
			} >"$b.run"
			(cd "$W" && MK="$top/Makefile" PATH="$W:$PATH" sh "$b.run") >"$T/out" 2>&1 ||
				fail "$md: shell example failed: $(tail -5 "$T/out")
$(cat "$b")"
			grep '^SKIP' "$T/out" || true ;;
		esac
		rm -f "$b" "$b.src" "$b.run"
	done
done
[ $n -ge 8 ] || fail "only $n examples found"
echo "ok $n ini and shell examples of README.md and docs/ run"

# Every library of the table has its section in docs/libraries.md, and
# every section is a library of the table.
"$POOLSIM" help libraries --format tsv | tail -n +2 | cut -f1 | sort >"$T/libs"
sed -n 's/^### `\([a-z]*\)`.*/\1/p' "$top/docs/libraries.md" | sort >"$T/sections"
diff "$T/libs" "$T/sections" >/dev/null ||
	fail "docs/libraries.md sections differ from poolsim help libraries: $(diff "$T/libs" "$T/sections" | tr '\n' ' ')"
echo "ok every library of the table has its docs/libraries.md section"
