#!/bin/bash
# Runs cmocka unit test binaries; prints "unit: N passed, N failed".
pass=0 fail=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	if [ $rc -ne 0 ]; then
		[ -z "$f" ] && fail=$((fail + 1))
		echo "$out" | grep -E "FAILED|ERROR|error|Assert|failure" | head -20
		echo "unit: $(basename "$t") FAILED (exit $rc)"
	else
		echo "unit: $(basename "$t") ok (${p:-0} tests)"
	fi
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
