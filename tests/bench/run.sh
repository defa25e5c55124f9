#!/bin/bash
# make bench: capstand and etcd under the same load, one "BENCH <name> k=v ..." line per
# figure on stdout (progress and server logs go to stderr / the temp dir).
#
# Sizes (environment):
#   BENCH_N=100000        objects created (capstan and etcd); the RSS figure is taken with them
#   BENCH_CLIENTS=64      concurrent keep-alive connections for create/get/list
#   BENCH_SIZE=1024       object size in bytes
#   BENCH_GETS=200000     gets of random existing objects
#   BENCH_WALKS=4         full list walks (pages of 500)
#   BENCH_WATCHERS=1000   watch connections; BENCH_EVENTS=200 creates at BENCH_RATE=50 per s
#   BENCH_ETCD=1          0 skips etcd
#   BENCH_PERF=0          1 records `perf` on capstand during create, get and watch (flat
#                         profiles per thread and symbol in the temp dir, which is then kept)
#   BENCH_TMPDIR=/var/tmp where the data dirs go: disk-backed, so fsync means something
#   BENCH_MODAPI=20000    objects a module creates through the host API (in-process and
#                         from an agent over HTTP), 256 in flight; 0 skips it
#   BENCH_SCHED=1         Kubernetes scheduler_perf's workloads against hollow nodes
#                         (tests/bench/sched.sh, which documents its BENCH_SCHED_* sizes);
#                         0 skips them
# Exit status: non-zero when a server or a phase fails to run, or answers wrongly; missing
# a performance target is not a failure.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_N:-100000}
CLIENTS=${BENCH_CLIENTS:-64}
SIZE=${BENCH_SIZE:-1024}
GETS=${BENCH_GETS:-200000}
WALKS=${BENCH_WALKS:-4}
WATCHERS=${BENCH_WATCHERS:-1000}
EVENTS=${BENCH_EVENTS:-200}
RATE=${BENCH_RATE:-50}
ETCD=${BENCH_ETCD:-1}
PERF=${BENCH_PERF:-0}
LOADGEN=$BUILD/bench/loadgen
CAPSTAND=$BUILD/capstand

for b in "$LOADGEN" "$CAPSTAND"; do
	[ -x "$b" ] || { echo "bench: $b is not built (run make bench)" >&2; exit 1; }
done
if [ "$ETCD" = 1 ] && ! command -v etcd >/dev/null; then
	echo "bench: etcd not installed (packaging/deps.sh installs etcd-server;" \
		"BENCH_ETCD=0 skips it)" >&2
	exit 1
fi

# 1,000 watchers need 1,000 descriptors in the load generator and in capstand.
need=$((WATCHERS + CLIENTS + 256))
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
	echo "bench: open file limit $(ulimit -n) is below the $need needed" >&2
	exit 1
fi

TMP=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/capstan-bench.XXXXXX") || exit 1
SERVER_PID=""
PERF_PID=""
failed=0
RESULTS=$TMP/results

stop_pid() { # pid: TERM, then KILL if it lingers
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

cleanup() {
	stop_pid "$PERF_PID"
	stop_pid "$SERVER_PID"
	if [ "$PERF" = 1 ] || [ "$failed" != 0 ]; then
		echo "bench: logs kept in $TMP" >&2
		rm -rf "$TMP/capstan" "$TMP/etcd"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "bench: $*" >&2
	failed=1
}

bench() { # prints and keeps the BENCH lines of one loadgen run
	local rc
	"$LOADGEN" "$@" | tee -a "$RESULTS"
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] || fail "loadgen $1 (${*:2}) exited $rc"
	return "$rc"
}

rss_mb() {
	awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

wait_http() { # url name: up to 20 s for the server to answer 200
	local i
	for i in $(seq 200); do
		curl -sf -o /dev/null --max-time 1 "$1" && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "$2 did not come up (see $TMP/$2.log)"
	tail -20 "$TMP/$2.log" >&2
	return 1
}

perf_start() { # tag
	[ "$PERF" = 1 ] || return 0
	if ! command -v perf >/dev/null; then
		echo "bench: no perf here (apt-get install linux-perf)" >&2
		return 0
	fi
	perf record -o "$TMP/perf-$1.data" -p "$SERVER_PID" 2>/dev/null &
	PERF_PID=$!
	sleep 0.5
}

perf_stop() { # tag
	[ -n "$PERF_PID" ] || return 0
	kill -INT "$PERF_PID" 2>/dev/null
	wait "$PERF_PID" 2>/dev/null
	PERF_PID=""
	{
		perf report -i "$TMP/perf-$1.data" -s pid --stdio 2>/dev/null
		perf report -i "$TMP/perf-$1.data" -s pid,dso,sym --percent-limit 0.5 --stdio \
			2>/dev/null
	} >"$TMP/perf-$1.txt"
	echo "bench: perf profile of capstand during $1: $TMP/perf-$1.txt" >&2
}

key=objects_${N}_mb # RSS with the created objects loaded
[ "$N" = 100000 ] && key=objects_100k_mb
fs=$(df --output=fstype "$TMP" | tail -1)
# The load average tells whether something else was competing for the two cores.
echo "BENCH env cores=$(nproc) loadavg_1m=$(cut -d" " -f1 /proc/loadavg) datadir_fs=$fs" \
	"n=$N size=$SIZE clients=$CLIENTS"

alive() { # name: is the server under test still running? (a zombie has no VmRSS)
	grep -q '^VmRSS:' "/proc/$SERVER_PID/status" 2>/dev/null && return 0
	fail "$1 died during the run (see $TMP/$1.log)"
	return 1
}

run_capstan() {
	local port addr idle loaded common
	port=$("$LOADGEN" port)
	addr=127.0.0.1:$port
	mkdir -p "$TMP/capstan"
	echo "bench: capstand on $addr, data in $TMP/capstan" >&2
	"$CAPSTAND" --listen "$addr" --data-dir "$TMP/capstan" --log-level warn \
		>"$TMP/capstand.log" 2>&1 &
	SERVER_PID=$!
	wait_http "http://$addr/healthz" capstand || return
	sleep 1 # bootstrap settles; idle means nothing asked of it yet but a health check
	idle=$(rss_mb "$SERVER_PID")
	common=(--addr "$addr" --api capstan --n "$N" --clients "$CLIENTS" --size "$SIZE"
		--pid "$SERVER_PID")
	perf_start create
	bench create "${common[@]}"
	perf_stop create
	alive capstand || return
	loaded=$(rss_mb "$SERVER_PID")
	echo "BENCH capstan/rss idle_mb=$idle $key=$loaded" | tee -a "$RESULTS"
	perf_start get
	bench get "${common[@]}" --ops "$GETS"
	perf_stop get
	alive capstand || return
	bench list "${common[@]}" --walks "$WALKS"
	alive capstand || return
	perf_start watch
	bench watch "${common[@]}" --watchers "$WATCHERS" --events "$EVENTS" --rate "$RATE"
	perf_stop watch
	alive capstand
}

# etcd 3.4 from Debian, default durability (fsync per commit), driven through its JSON
# gateway over HTTP/1.1 like capstand.
run_etcd() {
	local cport pport addr idle loaded common
	cport=$("$LOADGEN" port)
	pport=$("$LOADGEN" port)
	[ "$pport" = "$cport" ] && pport=$((cport + 1))
	addr=127.0.0.1:$cport
	echo "bench: etcd on $addr (JSON gateway), data in $TMP/etcd" >&2
	etcd --name bench --data-dir "$TMP/etcd" \
		--listen-client-urls "http://$addr" --advertise-client-urls "http://$addr" \
		--listen-peer-urls "http://127.0.0.1:$pport" \
		--initial-advertise-peer-urls "http://127.0.0.1:$pport" \
		--initial-cluster "bench=http://127.0.0.1:$pport" \
		>"$TMP/etcd.log" 2>&1 &
	SERVER_PID=$!
	wait_http "http://$addr/health" etcd || return
	sleep 1
	idle=$(rss_mb "$SERVER_PID")
	common=(--addr "$addr" --api etcd --n "$N" --clients "$CLIENTS" --size "$SIZE"
		--pid "$SERVER_PID")
	bench create "${common[@]}"
	alive etcd || return
	loaded=$(rss_mb "$SERVER_PID")
	echo "BENCH etcd/rss idle_mb=$idle $key=$loaded" | tee -a "$RESULTS"
	bench get "${common[@]}" --ops "$GETS"
	alive etcd
}

# A module writing through the host API (call_async) and reading back through
# its informer: in the server process, then in an agent over HTTP.
run_modapi() {
	local port addr mods=$BUILD/bench/mods agent_pid line
	[ -f "$mods/bench-modapi.so" ] || { echo "bench: $mods/bench-modapi.so not built" >&2; return 1; }
	local dev=()
	[ "$(id -u)" = 0 ] || dev=(--dev-modules)
	for via in in-process http; do
		port=$("$LOADGEN" port)
		addr=127.0.0.1:$port
		rm -rf "$TMP/modapi"
		mkdir -p "$TMP/modapi"
		printf 'module-path = "%s"\nmodule "bench-modapi" { count = %d }\n' \
			"$(realpath "$mods")" "$MODAPI" >"$TMP/modapi/server.conf"
		cp "$TMP/modapi/server.conf" "$TMP/modapi/agent.conf"
		sed -i '1i role = "agent"' "$TMP/modapi/agent.conf"
		if [ $via = in-process ]; then
			"$CAPSTAND" -c "$TMP/modapi/server.conf" "${dev[@]}" --listen "$addr" \
				--data-dir "$TMP/modapi/data" >"$TMP/modapi.log" 2>&1 &
			SERVER_PID=$!
		else
			"$CAPSTAND" --listen "$addr" --data-dir "$TMP/modapi/data" \
				>"$TMP/modapi-server.log" 2>&1 &
			SERVER_PID=$!
			wait_http "http://$addr/healthz" capstand || return
			"$CAPSTAND" -c "$TMP/modapi/agent.conf" "${dev[@]}" --server "http://$addr" \
				--data-dir "$TMP/modapi/agent" >"$TMP/modapi.log" 2>&1 &
			agent_pid=$!
		fi
		line=""
		for _ in $(seq 1200); do
			line=$(grep -o 'BENCH modhost/create .*' "$TMP/modapi.log" | head -1)
			[ -n "$line" ] && break
			sleep 0.1
		done
		[ -n "${agent_pid:-}" ] && stop_pid "$agent_pid"
		agent_pid=""
		stop_pid "$SERVER_PID"
		SERVER_PID=""
		[ -n "$line" ] || { echo "bench: modapi via $via produced no figure" >&2; return 1; }
		echo "$line" | tee -a "$RESULTS"
	done
}

run_capstan
stop_pid "$SERVER_PID"
SERVER_PID=""

MODAPI=${BENCH_MODAPI:-20000}
if [ "$MODAPI" != 0 ]; then
	run_modapi || failed=1
fi

if [ "$ETCD" = 1 ]; then
	run_etcd
	stop_pid "$SERVER_PID"
	SERVER_PID=""

	for phase in create get; do
		awk -v p="$phase" '
			$2 == "capstan/" p || $2 == "etcd/" p {
				for (i = 3; i <= NF; i++)
					if ($i ~ /^ops_per_sec=/)
						ops[$2] = substr($i, 13)
			}
			END {
				c = ops["capstan/" p]; e = ops["etcd/" p]
				if (c > 0 && e > 0)
					printf "BENCH ratio/%s capstan_over_etcd=%.2f\n", p, c / e
			}' "$RESULTS"
	done
fi

# The scheduler, end to end: a server with the scheduler modules and an agent with hollow nodes.
if [ "${BENCH_SCHED:-1}" != 0 ]; then
	BUILD=$BUILD tests/bench/sched.sh || failed=1
fi

exit "$failed"
