#!/bin/bash
# The ABI stability check of the public headers (make abi-check, make
# abi-baseline).
#
#   sdk/abi/abi-check.sh check    [-I INCDIR] [-o OUTDIR] [-b BASEDIR]
#   sdk/abi/abi-check.sh baseline [-I INCDIR] [-o OUTDIR] [-b BASEDIR]
#
# Builds OUTDIR/libcapstan-abi.so from sdk/abi/abi.c against INCDIR
# (default sdk/include), records its ABI with abidw and
#   check:    compares it with BASEDIR/capstan-abi-<CS_ABI_MAJOR>.abi (default
#             BASEDIR sdk/abi): abidiff with allowed.suppr, then abidiff
#             against the new ABI cut back to the baseline's struct sizes
#             (abi_project.py), which also checks CS_ABI_MINOR.  Exit 0
#             when compatible, 1 with abidiff's report when not.
#   baseline: writes that baseline.  When one exists for the same major it
#             must pass the check first (an append is accepted as the new
#             reference, a break is not), unless ABI_FORCE=1: breaking a
#             released major is a major bump (raise CS_ABI_MAJOR, which
#             starts a new baseline file) -- see capstan-module(7).
# CC picks the compiler (default cc).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2

mode=${1:-}
[ $# -gt 0 ] && shift
INC=sdk/include OUT=build/abi BASEDIR=sdk/abi
while getopts "I:o:b:" opt; do
	case $opt in
	I) INC=$OPTARG ;;
	o) OUT=$OPTARG ;;
	b) BASEDIR=$OPTARG ;;
	*) mode=usage ;;
	esac
done
case $mode in
check | baseline) ;;
*)
	echo "usage: $0 check|baseline [-I INCDIR] [-o OUTDIR] [-b BASEDIR]" >&2
	exit 2
	;;
esac

for tool in abidw abidiff python3; do
	if ! command -v $tool >/dev/null; then
		echo "abi: $tool not found (Debian: apt-get install abigail-tools python3)" >&2
		exit 2
	fi
done

version() { # NAME: value of #define NAME in module.h
	sed -n "s/^#define $1 \\([0-9][0-9]*\\).*/\\1/p" "$INC/capstan/module.h"
}
MAJOR=$(version CS_ABI_MAJOR)
MINOR=$(version CS_ABI_MINOR)
if [ -z "$MAJOR" ] || [ -z "$MINOR" ]; then
	echo "abi: cannot read CS_ABI_MAJOR/CS_ABI_MINOR from $INC/capstan/module.h" >&2
	exit 2
fi
BASE=$BASEDIR/capstan-abi-$MAJOR.abi
SUPPR=sdk/abi/allowed.suppr

mkdir -p "$OUT" || exit 2
# -O0 -g: every probe and every type stays in the debug info as written.
if ! ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -g -O0 -fPIC -shared -fvisibility=hidden \
	-I"$INC" -o "$OUT/libcapstan-abi.so" sdk/abi/abi.c; then
	echo "abi: sdk/abi/abi.c does not build against $INC: a public type it probes was removed" \
		"or renamed (an ABI break), or a new one needs its probe" >&2
	exit 1
fi
# No paths of this machine in the output: the baseline is committed.
abidw --no-corpus-path --no-comp-dir-path --short-locs --no-architecture \
	--out-file "$OUT/capstan-abi.abi" "$OUT/libcapstan-abi.so" || exit 2

check() {
	if [ ! -f "$BASE" ]; then
		echo "abi: no baseline $BASE for CS_ABI_MAJOR $MAJOR: a new major starts with" \
			"make abi-baseline (see capstan-module(7), ABI VERSIONING)"
		return 1
	fi
	local report=$OUT/abidiff.txt
	abidiff --no-default-suppression --suppr "$SUPPR" "$BASE" "$OUT/capstan-abi.abi" >"$report" 2>&1
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "abi: the headers in $INC break ABI $MAJOR (baseline $BASE; allowed: $SUPPR):"
		sed 's/^/  /' "$report"
		return 1
	fi
	local grew
	grew=$(python3 sdk/abi/abi_project.py "$BASE" "$OUT/capstan-abi.abi" "$SUPPR" \
		"$OUT/capstan-abi.projected.abi")
	rc=$?
	[ -n "$grew" ] && echo "$grew"
	[ $rc -eq 2 ] && return 1
	if ! abidiff --no-default-suppression "$BASE" "$OUT/capstan-abi.projected.abi" \
		>"$report" 2>&1; then
		echo "abi: the headers in $INC change a size-prefixed struct within its baseline size" \
			"(an existing member, or a new one in the old tail padding, which the size" \
			"field would not reveal; baseline $BASE):"
		sed 's/^/  /' "$report"
		return 1
	fi
	[ $rc -eq 0 ] || return 1
	echo "abi: ABI $MAJOR.$MINOR of $INC is compatible with $BASE"
	if [ "$mode" = check ] && [ -n "$grew" ]; then
		echo "abi: it grew since the baseline: once released, make abi-baseline records it"
	fi
}

if [ "$mode" = check ]; then
	check
	exit
fi
if [ -f "$BASE" ] && [ "${ABI_FORCE:-0}" != 1 ] && ! check; then
	echo "abi: not replacing $BASE with an incompatible ABI; a deliberate break is a major bump" \
		"(raise CS_ABI_MAJOR), or ABI_FORCE=1 before the major is released"
	exit 1
fi
cp "$OUT/capstan-abi.abi" "$BASE" && echo "abi: wrote $BASE (ABI $MAJOR.$MINOR)"
