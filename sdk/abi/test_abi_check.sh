#!/bin/bash
# Proves that the ABI check (abi-check.sh) accepts exactly the allowed
# changes: each case copies sdk/include to a temp dir, edits one header,
# and runs the check against a baseline made from the unedited copy (so the
# test does not depend on the committed baseline being current; make
# abi-check checks that).  A rejected change must also be named in the
# report.  Ends with "abi: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/abi-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PASSED=0 FAILED=0

if ! sdk/abi/abi-check.sh baseline -o "$TMP/base-out" -b "$TMP" >"$TMP/base.log" 2>&1; then
	echo "FAIL: cannot make a baseline from sdk/include:"
	cat "$TMP/base.log"
	echo "abi: 0 passed, 1 failed"
	exit 1
fi

# [BASEDIR=DIR] case_ NAME EXPECT(pass|fail) MUST_MENTION HEADER PERL-EDIT [HEADER PERL-EDIT]...
# (BASEDIR: where the baseline is, default the one made from sdk/include.)
# A PERL-EDIT (perl -0 -pe) that changes nothing is a test bug, not a pass.
case_() {
	local name=$1 expect=$2 mention=$3
	shift 3
	local inc=$TMP/$name
	rm -rf "$inc"
	mkdir -p "$inc" && cp -r sdk/include/capstan "$inc/"
	while [ $# -ge 2 ]; do
		local h=$inc/capstan/$1
		perl -0 -pi -e "$2" "$h"
		if cmp -s "$h" "sdk/include/capstan/$1"; then
			echo "FAIL: $name: the edit of $1 changed nothing: $2"
			FAILED=$((FAILED + 1))
			return
		fi
		shift 2
	done
	sdk/abi/abi-check.sh check -I "$inc" -o "$inc/out" -b "${BASEDIR:-$TMP}" >"$inc/log" 2>&1
	local rc=$? got=pass
	[ $rc -eq 0 ] || got=fail
	if [ $rc -gt 1 ]; then
		echo "FAIL: $name: abi-check.sh exited $rc:"
		sed 's/^/    | /' "$inc/log"
		FAILED=$((FAILED + 1))
	elif [ "$got" != "$expect" ]; then
		echo "FAIL: $name: expected the check to $expect, it did $got:"
		sed 's/^/    | /' "$inc/log"
		FAILED=$((FAILED + 1))
	elif [ -n "$mention" ] && ! grep -qF -- "$mention" "$inc/log"; then
		echo "FAIL: $name: the report does not mention '$mention':"
		sed 's/^/    | /' "$inc/log"
		FAILED=$((FAILED + 1))
	else
		echo "ok: $name ($expect)"
		PASSED=$((PASSED + 1))
	fi
}

# The edits are relative to the current minor, so that growing the ABI
# does not need this test rewritten.
CUR=$(sed -n 's/^#define CS_ABI_MINOR \([0-9][0-9]*\).*/\1/p' sdk/include/capstan/module.h)
NEXT=$((CUR + 1))
MINOR1="s/#define CS_ABI_MINOR $CUR\b/#define CS_ABI_MINOR $NEXT/"
# After the last member of cs_host, whatever it is.
HOST_END='s/\n\};(\n\n\/\* ---- convenience wrappers)/\n\tint (*added_at_end)(cs_mod *m);\n};$1/'

case_ unchanged pass "compatible" module.h 's/(The host services)/$1 (comment only)/'
case_ host-append-end pass "struct cs_host" module.h "$HOST_END;$MINOR1"
case_ host-append-no-minor-bump fail "raise it to $NEXT" module.h "$HOST_END"
case_ minor-up pass "compatible" module.h "$MINOR1"
# Against a baseline of the next minor, the unchanged headers went down.
mkdir -p "$TMP/minor1"
cp -r "$TMP/minor-up" "$TMP/minor1/inc"
if sdk/abi/abi-check.sh baseline -I "$TMP/minor1/inc" -o "$TMP/minor1/out" -b "$TMP/minor1" \
	>"$TMP/minor1/log" 2>&1; then
	BASEDIR=$TMP/minor1 case_ minor-down fail "went down" module.h 's/(The host services)/$1 (comment only)/'
else
	echo "FAIL: minor-down: cannot make a baseline of ABI 1.$NEXT:"
	cat "$TMP/minor1/log"
	FAILED=$((FAILED + 1))
fi
case_ host-insert-middle fail "cs_host" module.h \
	's/(\tvoid \(\*free\)\(void \*p\);)/\tint (*inserted)(void);\n$1/'
case_ host-remove-last fail "errorf" module.h \
	's/\tint \(\*errorf\)\(cs_error \*err,[^;]*;\n//'
case_ runtime-signature fail "start_container" runtime.h \
	's/\(\*start_container\)\(cs_mod \*m, const char \*id,/(*start_container)(cs_mod *m, const char *id, int flags,/'
# libabigail alone lets this through: the append makes its suppression match.
case_ runtime-append-and-signature fail "start_container" \
	runtime.h 's/\(\*start_container\)\(cs_mod \*m, const char \*id,/(*start_container)(cs_mod *m, const char *id, int flags,/' \
	runtime.h 's/(\} cs_runtime_ops;)/\tint (*added)(cs_mod *m);\n$1/' \
	module.h "$MINOR1"
case_ runtime-swap-members fail "cs_runtime_ops" runtime.h \
	's/(\tconst char \*runtime_name;\n)(\tconst char \*runtime_version;\n)/$2$1/'
case_ enum-remove fail "CS_SCHED_ERROR" scheduler.h 's/\tCS_SCHED_ERROR = 5,[^\n]*\n//'
case_ enum-renumber fail "CS_OBJ_MAP" module.h 's/CS_OBJ_MAP = 5/CS_OBJ_MAP = 6/'
case_ enum-append pass "CS_SCHED_PREEMPTED" scheduler.h \
	's/(\tCS_SCHED_ERROR = 5,[^\n]*\n)/$1\tCS_SCHED_PREEMPTED = 6,\n/' module.h "$MINOR1"
case_ error-grows fail "cs_error" module.h 's/(\tchar message\[448\];[^\n]*\n)/$1\tint extra;\n/'
case_ request-type fail "cs_request" module.h 's/\tenum cs_verb verb;/\tint64_t verb;/'
case_ handlers-append fail "cs_informer_handlers" module.h \
	's/(\tvoid \*arg;\n\} cs_informer_handlers;)/\tvoid (*on_resync)(cs_mod *m);\n$1/' module.h "$MINOR1"
case_ resources-append fail "cs_sched_resources" scheduler.h \
	's/(\} cs_sched_resources;)/\tint64_t gpus;\n$1/' module.h "$MINOR1"
# resync_seconds leaves 4 bytes of padding at the end: a member there does
# not change sizeof, so an old module's size would claim to have it.
case_ ctrl-append-in-padding fail "cs_controller_ops" controller.h \
	's/(\tunsigned resync_seconds;\n)/$1\tunsigned flags;\n/' module.h "$MINOR1"
case_ ctrl-append-after-padding pass "struct cs_controller_ops" controller.h \
	's/(\tunsigned resync_seconds;\n)/$1\tvoid *added;\n/' module.h "$MINOR1"
case_ constant-changed fail "CS_ABI_C_RUNTIME_ID_MAX" runtime.h \
	's/#define CS_RUNTIME_ID_MAX 128/#define CS_RUNTIME_ID_MAX 64/'
case_ type-removed fail "does not build" network.h \
	's/typedef struct cs_network_ops \{.*?\} cs_network_ops;\n//s'
case_ major-bump-no-baseline fail "no baseline" module.h \
	's/#define CS_ABI_MAJOR 1/#define CS_ABI_MAJOR 2/'

echo "abi: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
