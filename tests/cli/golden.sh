#!/bin/sh
# The golden digest in make test (tests/golden/golden.sh): every stored
# number of the default study and tests/golden/coverage.ini unchanged, and
# the full per-task paths equal to the lean ones. Run for each build
# (normal and ASan): the same digests either way.
set -eu
dir=$(dirname "$POOLSIM")
case $dir in
*/build/*) dump="$dir/tests/golden/dump" ;;
*) dump="$dir/build/tests/golden/dump" ;;
esac
exec sh "$POOLSIM_TESTS/golden/golden.sh" "$POOLSIM" "$dump" check
