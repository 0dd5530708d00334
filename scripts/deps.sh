#!/bin/sh
# deps.sh — install the Debian packages poolsim needs, only those missing.
# Usage: scripts/deps.sh [extra packages...]
# Uses sudo when not root; says clearly what it could not install.
set -u
need="gcc make pkg-config libgsl-dev libsqlite3-dev sqlite3 libinih-dev libjansson-dev gnuplot-nox libcmocka-dev $*"
missing=""
for p in $need; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "poolsim: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
	echo "poolsim: error: not root and no sudo; please install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2 || echo "poolsim: warning: apt-get update failed" >&2
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
failed=""
for p in $missing; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || failed="$failed $p"
done
if [ -n "$failed" ]; then
	echo "poolsim: error: could not install:$failed (try: apt-get install$failed)" >&2
	exit 1
fi
exit 0
