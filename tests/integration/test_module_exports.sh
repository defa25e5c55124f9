#!/bin/bash
# Every in-tree module exports exactly one symbol, capstan_module (the ABI
# rule), and links against nothing of the core.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
pass=0
fail=0
for so in "$BUILD"/modules/*.so; do
	[ -e "$so" ] || continue
	# (ASan's own __odr_asan.* markers under SANITIZE=1 do not count)
	syms=$(nm -D --defined-only "$so" | awk '$3 !~ /^__odr_asan/ {print $3}' | sort | tr '\n' ' ')
	# ... and needs nothing of the core's: the host table is all it gets.
	core=$(nm -D --undefined-only "$so" | awk '$2 ~ /^cs_/ {print $2}' | tr '\n' ' ')
	if [ "$syms" = "capstan_module " ] && [ -z "$core" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: $so exports: $syms; uses core symbols: ${core:-none}"
		fail=$((fail + 1))
	fi
done
[ $pass -ge 5 ] || { echo "FAIL: only $pass modules built"; fail=$((fail + 1)); }
echo "module-exports: $pass passed, $fail failed"
[ $fail = 0 ]
