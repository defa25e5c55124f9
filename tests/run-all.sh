#!/bin/bash
# make check: unit, integration, the kubectl client test, and e2e as root.
# Ends with one summary line "check: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export CAPSTAND=$PWD/$BUILD/capstand CAPCTL=$PWD/$BUILD/capctl
total_pass=0 total_fail=0

count() { # parse "X: N passed, M failed" from a suite's last summary line
	local line
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	if [ -z "$line" ]; then
		total_fail=$((total_fail + 1))
		return
	fi
	total_pass=$((total_pass + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
	total_fail=$((total_fail + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
}

suite() { # name, command...
	local name=$1
	shift
	local log
	log=$(mktemp)
	echo "== $name"
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	count "$log"
	if [ "$rc" -ne 0 ] && ! grep -qE '^[a-z-]+: [0-9]+ passed, [1-9][0-9]* failed' "$log"; then
		total_fail=$((total_fail + 1))
		echo "$name: exited $rc"
	fi
	rm -f "$log"
}

suite unit tests/run-unit.sh "$@"
for t in tests/integration/test_*.py; do
	suite "integration $(basename "$t")" python3 "$t"
done
for t in tests/integration/test_*.sh; do
	[ -e "$t" ] && suite "integration $(basename "$t")" bash "$t"
done
suite kubectl tests/kubectl/run.sh
[ "$BUILD" = build ] && suite packaging tests/packaging/test_packages.sh
if [ "$(id -u)" = 0 ]; then
	for t in tests/e2e/test_*.sh; do
		[ -e "$t" ] && suite "e2e $(basename "$t")" bash "$t"
	done
else
	echo "e2e: skipped (needs root)"
fi
echo "check: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
