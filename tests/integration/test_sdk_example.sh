#!/bin/bash
# The SDK as a vendor meets it: install capstan into a scratch prefix, build
# the example modules from copies outside the source tree with nothing but
# pkg-config, install them into the scratch module directory, and run the
# installed capstand with them.
#
#   ctrl-hello: --check-config and --list-modules see it; once capstand
#     serves, every namespace (a new one too) gets ConfigMap "hello" with
#     the configured greeting, a changed greeting is put back, a deleted
#     ConfigMap comes back, an Event and a metric record the creations,
#     /healthz?verbose reports the module, a terminating namespace is left
#     alone, and SIGHUP disables and re-enables it.
#   sched-prefer-label: builds, loads and refuses a bad option; pods go to
#     the labelled node -- that part needs the in-tree scheduler framework
#     module and is skipped while sched-framework.so is not installed.
#
# SDK_PREFIX=DIR uses capstan already installed under DIR (make install
# PREFIX=DIR, an unpacked package) instead of installing the tree; the
# examples are installed into its module directory.
#
# Ends with "sdk-example: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sdk-example.XXXXXX")
PREFIX=${SDK_PREFIX:-$TMP/usr}
PASSED=0 FAILED=0 PID='' CODE=''
GREETING="hello from the sdk test"

cleanup() {
	stop_capstand
	rm -rf "$TMP"
}
trap cleanup EXIT

pass() {
	echo "ok: $1"
	PASSED=$((PASSED + 1))
}
fail() { # NAME DETAIL [FILE to show]
	echo "FAIL: $1: $2"
	[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/    | /' "$3" | tail -40
	FAILED=$((FAILED + 1))
}
# check NAME DETAIL COMMAND...: DETAIL is shell code, run only when COMMAND
# failed, that prints what went wrong (so it sees the state at that time).
check() {
	local name=$1 detail=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$(eval "$detail")"; fi
}
resp() { echo "last answer: ${CODE:-none} $(head -c 3000 "$TMP/resp" 2>/dev/null)"; }
finish() {
	stop_capstand # leak reports are written at exit
	if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" \
		"$TMP/capstand.log" 2>/dev/null; then
		fail "no sanitizer reports" "see capstand log" "$TMP/capstand.log"
	fi
	echo "sdk-example: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit
}
fatal() { # NAME DETAIL [FILE]: a failure the rest depends on
	fail "$@"
	finish
}

# wait_for SECONDS COMMAND...: true once COMMAND succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# api METHOD PATH [JSON [CONTENT-TYPE]]: sets CODE; the body is in $TMP/resp.
api() {
	local args=(-s -o "$TMP/resp" -w '%{http_code}' -X "$1" "http://127.0.0.1:$PORT$2")
	[ $# -ge 3 ] && args+=(-H "Content-Type: ${4:-application/json}" --data-binary "$3")
	CODE=$(curl "${args[@]}") || CODE=000
}
# field PATH: a field of the JSON in $TMP/resp, by dotted path ("" if absent).
field() {
	python3 - "$1" "$TMP/resp" <<'EOF'
import json, sys
try:
    v = json.load(open(sys.argv[2]))
    for k in sys.argv[1].split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(v if not isinstance(v, (dict, list)) else json.dumps(v))
except Exception:
    print("")
EOF
}
greeting_is() { # NS WANT
	api GET "/api/v1/namespaces/$1/configmaps/hello"
	[ "$CODE" = 200 ] && [ "$(field data.greeting)" = "$2" ]
}
configmap_gone() { # NS
	api GET "/api/v1/namespaces/$1/configmaps/hello"
	[ "$CODE" = 404 ]
}
namespace_gone() {
	api GET "/api/v1/namespaces/$1"
	[ "$CODE" = 404 ]
}
created_metric() { # prints the value of hello_configmaps_created_total
	curl -s "http://127.0.0.1:$PORT/metrics" |
		sed -n 's/^hello_configmaps_created_total{module="ctrl-hello"} \([0-9.e+]*\)$/\1/p'
}
metric_is() { # VALUE: numerically, whatever the float format
	local v
	v=$(created_metric)
	[ -n "$v" ] && awk -v v="$v" -v want="$1" 'BEGIN { exit !(v + 0 == want + 0) }'
}
created_event() { # NS: an Event with reason Created about namespace NS
	api GET "/api/v1/events"
	python3 - "$1" "$TMP/resp" <<'EOF'
import json, sys
items = json.load(open(sys.argv[2])).get("items") or []
sys.exit(0 if any(e.get("reason") == "Created" and e.get("type") == "Normal"
                  and (e.get("involvedObject") or {}).get("kind") == "Namespace"
                  and (e.get("involvedObject") or {}).get("name") == sys.argv[1]
                  for e in items) else 1)
EOF
}

CAPSTAND_ARGS=()
[ "$(id -u)" != 0 ] && CAPSTAND_ARGS+=(--dev-modules) # files are ours, not root's
start_capstand() {
	"$PREFIX/sbin/capstand" -c "$TMP/capstan.conf" "${CAPSTAND_ARGS[@]}" >>"$TMP/capstand.log" 2>&1 &
	PID=$!
	local end=$((SECONDS + 15))
	while [ $SECONDS -lt $end ]; do
		kill -0 "$PID" 2>/dev/null || return 1
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ] &&
			return 0
		sleep 0.1
	done
	return 1
}
stop_capstand() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		PID=
	fi
}

# write_conf ENABLED [EXTRA-MODULE-SECTIONS]
write_conf() {
	cat >"$TMP/capstan.conf" <<EOF
data-dir = "$TMP/data"
module-path = "$MODULEDIR"
log-level = "debug"
api { listen = "127.0.0.1:$PORT" }
store { sync = false }
module "ctrl-hello" {
	enabled = $1
	required = $1
	greeting = "$GREETING"
}
module "ctrl-namespace" { enabled = true }
${2:-}
EOF
}

# ---- the SDK, installed ----
cd "$ROOT" || exit 1
if [ -z "${SDK_PREFIX:-}" ]; then
	if ! make -s --no-print-directory install PREFIX="$PREFIX" SYSCONFDIR="$TMP/etc" DESTDIR= \
		>"$TMP/install.log" 2>&1; then
		fatal "make install into $PREFIX" "failed" "$TMP/install.log"
	fi
	pass "make install PREFIX=$PREFIX"
fi
# Only the scratch prefix: PKG_CONFIG_LIBDIR replaces the default search path.
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
export PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig:$PREFIX/share/pkgconfig
pkg-config --exists capstan-module ||
	fatal "capstan-module.pc installed" "pkg-config finds no capstan-module under $PREFIX"
pass "capstan-module.pc installed"
INCDIR=$(pkg-config --variable=includedir capstan-module)
MODULEDIR=$(pkg-config --variable=moduledir capstan-module)
check "pc: moduledir is PREFIX/lib/capstan/modules" 'echo "moduledir is $MODULEDIR"' \
	test "$MODULEDIR" = "$PREFIX/lib/capstan/modules"
missing=
for h in "$ROOT"/sdk/include/capstan/*.h; do
	cmp -s "$h" "$INCDIR/capstan/$(basename "$h")" || missing="$missing $(basename "$h")"
done
check "every public header installed in $INCDIR/capstan" 'echo "missing or different:$missing"' \
	test -z "$missing"
[ -x "$PREFIX/sbin/capstand" ] || fatal "capstand installed" "no $PREFIX/sbin/capstand"

# ---- ctrl-hello, built out of tree ----
mkdir -p "$TMP/src"
cp -r "$ROOT/sdk/examples/ctrl-hello" "$TMP/src/"
if ! CFLAGS="-O2 -g -Werror" make -C "$TMP/src/ctrl-hello" >"$TMP/build.log" 2>&1; then
	fatal "ctrl-hello builds out of tree" "make failed" "$TMP/build.log"
fi
pass "ctrl-hello builds out of tree with pkg-config"
check "the build saw nothing of the source tree" 'grep -F "$ROOT" "$TMP/build.log"' \
	eval "! grep -qF '$ROOT' '$TMP/build.log'"
syms=$(nm -D --defined-only "$TMP/src/ctrl-hello/ctrl-hello.so" | awk '{print $3}' | tr '\n' ' ')
check "ctrl-hello.so exports only capstan_module" 'echo "exports: $syms"' test "$syms" = "capstan_module "
if ! make -C "$TMP/src/ctrl-hello" install >"$TMP/build.log" 2>&1; then
	fatal "make install of ctrl-hello" "failed" "$TMP/build.log"
fi
check "ctrl-hello.so installed into the moduledir, mode 0644" 'ls -l "$MODULEDIR" 2>&1' \
	test "$(stat -c %a "$MODULEDIR/ctrl-hello.so" 2>/dev/null)" = 644

# ---- configuration, offline ----
PORT=$(free_port) || fatal "free port" "python3 found none"
write_conf true
if "$PREFIX/sbin/capstand" -c "$TMP/capstan.conf" "${CAPSTAND_ARGS[@]}" --check-config \
	>"$TMP/out" 2>&1; then
	pass "--check-config accepts the module's options"
else
	fail "--check-config accepts the module's options" "exit $?" "$TMP/out"
fi
sed 's/greeting = /greting = /' "$TMP/capstan.conf" >"$TMP/typo.conf"
line=$(grep -n 'greting' "$TMP/typo.conf" | cut -d: -f1)
if "$PREFIX/sbin/capstand" -c "$TMP/typo.conf" "${CAPSTAND_ARGS[@]}" --check-config \
	>"$TMP/out" 2>&1; then
	fail "--check-config refuses a misspelt module option" "exit 0" "$TMP/out"
else
	check "--check-config refuses a misspelt module option with FILE:LINE" \
		'echo "no typo.conf:$line: naming greting in:"; cat "$TMP/out"' \
		eval "grep -q 'typo.conf:$line:.*greting' '$TMP/out'"
fi
if "$PREFIX/sbin/capstand" -c "$TMP/capstan.conf" "${CAPSTAND_ARGS[@]}" --list-modules \
	>"$TMP/out" 2>&1; then
	check "--list-modules: ctrl-hello, controller, 1.0.0, enabled" 'cat "$TMP/out"' \
		eval "grep '^ctrl-hello ' '$TMP/out' | grep ' controller ' | grep ' 1\\.0\\.0 ' |
			grep -q ' enabled'"
else
	fail "--list-modules" "exit $?" "$TMP/out"
fi
# Trust: a group-writable module file is refused, with the reason.
chmod g+w "$MODULEDIR/ctrl-hello.so"
"$PREFIX/sbin/capstand" -c "$TMP/capstan.conf" "${CAPSTAND_ARGS[@]}" --list-modules >"$TMP/out" 2>&1
check "--list-modules: a group-writable ctrl-hello.so fails, saying why" 'cat "$TMP/out"' \
	eval "grep '^ctrl-hello ' '$TMP/out' | grep -q ' failed ' &&
		grep -A1 '^ctrl-hello ' '$TMP/out' | grep -q 'error: .*writable'"
chmod g-w "$MODULEDIR/ctrl-hello.so"

# ---- capstand with the module ----
start_capstand || fatal "capstand starts with ctrl-hello (required)" "see the log" \
	"$TMP/capstand.log"
pass "capstand starts with ctrl-hello (required)"
check "ConfigMap hello in default has the configured greeting" resp \
	wait_for 10 greeting_is default "$GREETING"
check "... and in kube-system" resp \
	wait_for 5 greeting_is kube-system "$GREETING"
api POST /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"sdk-a"}}'
check "create namespace sdk-a" resp test "$CODE" = 201
check "a new namespace gets its ConfigMap" resp \
	wait_for 10 greeting_is sdk-a "$GREETING"
check "a Normal Created Event on namespace sdk-a" resp \
	wait_for 10 created_event sdk-a
api PATCH /api/v1/namespaces/sdk-a/configmaps/hello '{"data":{"greeting":"changed"}}' \
	application/merge-patch+json
check "patch the greeting" resp test "$CODE" = 200
check "a changed greeting is put back" resp \
	wait_for 10 greeting_is sdk-a "$GREETING"
api DELETE /api/v1/namespaces/sdk-a/configmaps/hello
check "delete the ConfigMap" resp test "$CODE" = 200
check "a deleted ConfigMap comes back" resp \
	wait_for 10 greeting_is sdk-a "$GREETING"
# 4 built-in namespaces + sdk-a + the re-creation; a 409 is never counted.
check "hello_configmaps_created_total{module=\"ctrl-hello\"} is 6" \
	'echo "it is \"$(created_metric)\""' wait_for 5 metric_is 6
curl -s "http://127.0.0.1:$PORT/healthz?verbose" >"$TMP/out"
check "/healthz?verbose reports ctrl-hello" 'cat "$TMP/out"' grep -q "ctrl-hello" "$TMP/out"
api DELETE /api/v1/namespaces/sdk-a
check "delete namespace sdk-a" resp eval '[ "$CODE" = 200 ] || [ "$CODE" = 202 ]'
check "a terminating namespace is left to go" resp \
	wait_for 10 namespace_gone sdk-a

# SIGHUP: disabled -> unloaded (no ConfigMap for a new namespace), enabled
# again -> the namespace gets it.
write_conf false
kill -HUP "$PID"
sleep 1
api POST /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"sdk-b"}}'
check "create namespace sdk-b" resp test "$CODE" = 201
sleep 2
check "after SIGHUP with enabled = false nothing reconciles" resp \
	configmap_gone sdk-b
write_conf true
kill -HUP "$PID"
check "after SIGHUP with enabled = true sdk-b gets its ConfigMap" \
	resp wait_for 10 greeting_is sdk-b "$GREETING"
check "capstand survived the reloads" 'echo "it exited"; tail -20 "$TMP/capstand.log"' kill -0 "$PID"
stop_capstand

# ---- sched-prefer-label: loads anywhere; scheduling needs the framework ----
cp -r "$ROOT/sdk/examples/sched-prefer-label" "$TMP/src/"
if ! { CFLAGS="-O2 -g -Werror" make -C "$TMP/src/sched-prefer-label" &&
	make -C "$TMP/src/sched-prefer-label" install; } >"$TMP/build.log" 2>&1; then
	fatal "sched-prefer-label builds and installs out of tree" "failed" "$TMP/build.log"
fi
pass "sched-prefer-label builds and installs out of tree"
syms=$(nm -D --defined-only "$MODULEDIR/sched-prefer-label.so" | awk '{print $3}' | tr '\n' ' ')
check "sched-prefer-label.so exports only capstan_module" 'echo "exports: $syms"' \
	test "$syms" = "capstan_module "
write_conf false 'module "sched-prefer-label" { enabled = true  required = true  label = "" }'
"$PREFIX/sbin/capstand" -c "$TMP/capstan.conf" "${CAPSTAND_ARGS[@]}" --list-modules >"$TMP/out" 2>&1
check "--list-modules: sched-prefer-label, scheduler, enabled*" 'cat "$TMP/out"' \
	eval "grep '^sched-prefer-label ' '$TMP/out' | grep ' scheduler ' | grep -q ' enabled\\*'"
if start_capstand; then
	fail "an empty label stops capstand (required module, init fails)" "it started"
	stop_capstand
else
	stop_capstand
	check "an empty label stops capstand (required module, init fails), saying why" \
		'tail -5 "$TMP/capstand.log"' grep -q "option label is empty" "$TMP/capstand.log"
fi
FRAMEWORK=
[ -f "$MODULEDIR/sched-framework.so" ] &&
	FRAMEWORK='module "sched-framework" { enabled = true  required = true }'
write_conf false "$FRAMEWORK
module \"sched-prefer-label\" { enabled = true  required = true  label = \"sdk.example/fast\"  value = \"yes\" }"
start_capstand || fatal "capstand starts with sched-prefer-label" "see the log" "$TMP/capstand.log"
pass "capstand starts with sched-prefer-label"
curl -s "http://127.0.0.1:$PORT/healthz?verbose" >"$TMP/out"
check "/healthz?verbose: sched-prefer-label ok" 'cat "$TMP/out"' \
	grep -q "module sched-prefer-label ok" "$TMP/out"
if [ -z "$FRAMEWORK" ]; then
	echo "skip: scheduling with PreferLabel (no sched-framework.so in $MODULEDIR)"
	stop_capstand
	finish
fi
# Three equal, ready nodes; only "fast" has the label.  Status is a
# subresource, so it is written there after the create.
NODE_STATUS='{"status":{"conditions":[{"type":"Ready","status":"True"}],
  "capacity":{"cpu":"8","memory":"16Gi","pods":"110"},
  "allocatable":{"cpu":"8","memory":"16Gi","pods":"110"}}}'
for n in plain-1 fast plain-2; do
	labels='{}'
	[ $n = fast ] && labels='{"sdk.example/fast":"yes"}'
	api POST /api/v1/nodes "{\"apiVersion\":\"v1\",\"kind\":\"Node\",
	  \"metadata\":{\"name\":\"$n\",\"labels\":$labels}}"
	[ "$CODE" = 201 ] || fail "create node $n" "$CODE $(cat "$TMP/resp")"
	api PATCH "/api/v1/nodes/$n/status" "$NODE_STATUS" application/merge-patch+json
	[ "$CODE" = 200 ] || fail "set the status of node $n" "$CODE $(cat "$TMP/resp")"
done
bound_to() { # POD: prints spec.nodeName
	api GET "/api/v1/namespaces/default/pods/$1"
	field spec.nodeName
}
is_bound() { [ -n "$(bound_to "$1")" ]; }
for i in 1 2 3; do
	api POST /api/v1/namespaces/default/pods "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",
	  \"metadata\":{\"name\":\"p$i\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",
	  \"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}]}}"
	[ "$CODE" = 201 ] || fail "create pod p$i" "$CODE $(cat "$TMP/resp")"
	if wait_for 15 is_bound "p$i"; then
		check "pod p$i is scheduled to the labelled node" 'echo "it went to $(bound_to "p$i")"' \
			test "$(bound_to "p$i")" = fast
	else
		fail "pod p$i is scheduled" "still unbound: $(cat "$TMP/resp")"
	fi
done
stop_capstand
finish
