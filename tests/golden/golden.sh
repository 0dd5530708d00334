#!/bin/sh
# golden.sh — the golden digest: every number poolsim stores, reduced to one
# SHA-256 per experiment, compared with the digests committed in
# tests/golden/digests.txt. It guards refactors (a refactor changes no
# number) and proves the lean per-task paths of models/ equal their full
# twins (each study runs again with POOLSIM_FORCE_FULL=1, which must give
# the very same digests).
#
#   sh tests/golden/golden.sh POOLSIM DUMP check    compare (exit 1 on a change)
#   sh tests/golden/golden.sh POOLSIM DUMP update   rewrite digests.txt
#
# Studies: the default experiments.ini and tests/golden/coverage.ini (every
# library, tenants, tiers, shards, downstreams, fan-out, CPU sharing,
# failures, drain, alerts, autotune, pipelines, traces). -j 2: results do
# not depend on -j (tests/cli/determinism.sh). A digest covers each run's
# status, every scalar and every series point printed with %.17g (dump.c).
set -eu
bin=$1; dump=$2; mode=${3:-check}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
expect="$here/digests.txt"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# digests INI LABEL OUT: "LABEL/EXPERIMENT scalars=SHA series=SHA" lines
digests() {
	rm -f "$tmp/db"
	(cd "$top" && "$bin" run "$1" -o "$tmp/db" -j 2 >/dev/null 2>"$tmp/err") || {
		echo "golden: $1: poolsim run failed:" >&2; cat "$tmp/err" >&2; exit 1; }
	"$dump" "$tmp/db" >"$tmp/dump"
	cut -f1 "$tmp/dump" | awk '!seen[$0]++' | while IFS= read -r e; do
		s=$(awk -F'\t' -v e="$e" '$1 == e && $2 == "scalar"' "$tmp/dump" |
		    sha256sum | cut -c1-16)
		t=$(awk -F'\t' -v e="$e" '$1 == e && $2 == "series"' "$tmp/dump" |
		    sha256sum | cut -c1-16)
		echo "$2/$e scalars=$s series=$t"
	done >>"$3"
}

pass() {
	: >"$1"
	digests experiments.ini default "$1"
	digests tests/golden/coverage.ini coverage "$1"
}

pass "$tmp/lean"
POOLSIM_FORCE_FULL=1 pass "$tmp/full"
export POOLSIM_FORCE_FULL=
unset POOLSIM_FORCE_FULL

rc=0
if ! cmp -s "$tmp/lean" "$tmp/full"; then
	echo "golden: the full per-task paths (POOLSIM_FORCE_FULL=1) give other numbers than the lean ones:" >&2
	diff "$tmp/lean" "$tmp/full" | sed -n 's/^> /  full: /p; s/^< /  lean: /p' >&2
	rc=1
fi
case $mode in
update)
	{ echo "# tests/golden/golden.sh: one line per experiment (default = experiments.ini,"
	  echo "# coverage = tests/golden/coverage.ini). Regenerate with make golden-update"
	  echo "# and name in the commit message the digests that changed and why."
	  cat "$tmp/lean"; } >"$expect"
	echo "golden: wrote $(grep -vc '^#' "$expect") digests to $expect"
	;;
check)
	if ! grep -v '^#' "$expect" | cmp -s - "$tmp/lean"; then
		echo "golden: numbers changed (expected < > now):" >&2
		grep -v '^#' "$expect" | diff - "$tmp/lean" >&2 || true
		echo "golden: if the change is meant, run make golden-update and name the changed digests in the commit" >&2
		rc=1
	else
		echo "golden: $(wc -l <"$tmp/lean") experiment digests unchanged, lean = full"
	fi
	;;
*) echo "usage: golden.sh POOLSIM DUMP check|update" >&2; exit 2 ;;
esac
exit $rc
