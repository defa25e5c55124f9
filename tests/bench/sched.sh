#!/bin/bash
# The scheduler benchmark of `make bench` (run.sh calls it; it also runs alone): Kubernetes
# scheduler_perf's workloads end to end through the API and the durable store.  For each
# workload a fresh capstand server (the scheduler modules and nothing else) and a node agent
# serving hollow nodes; build/bench/schedperf labels the nodes, creates the init pods, then the
# measured ones, and prints one "BENCH sched/<workload> ..." line (see its header comment).
#
# Sizes (environment):
#   BENCH_SCHED=1                 0 skips this benchmark
#   BENCH_SCHED_WORKLOADS="SchedulingBasic SchedulingNodeAffinity TopologySpreading
#                          SchedulingPodAntiAffinity Unschedulable BindOnly"  which, in order
#                                 (BindOnly: SchedulingBasic's pods on a server without a
#                                 scheduler, bound by the load generator: the ceiling that the
#                                 API, store and agent put on any scheduler)
#   BENCH_SCHED_NODES=5000        hollow nodes (4 CPUs, 32Gi, 110 pods each: 40 of the
#                                 workloads' 100m pods fit one; schedperf refuses sizes that
#                                 do not fit, e.g. SchedulingBasic's 55,000 pods on 1,000 nodes)
#   BENCH_SCHED_INIT=5000         init pods of SchedulingBasic, SchedulingNodeAffinity,
#                                 TopologySpreading and BindOnly (bound before the measurement)
#   BENCH_SCHED_PODS=50000        measured pods of SchedulingBasic and BindOnly
#   BENCH_SCHED_AFFINITY_PODS=10000  measured pods of SchedulingNodeAffinity and
#                                 TopologySpreading
#   BENCH_SCHED_ANTI_INIT=1000    SchedulingPodAntiAffinity: init pods, and measured pods
#   BENCH_SCHED_ANTI_PODS=4000    (one per node at most in each namespace: <= nodes)
#   BENCH_SCHED_UNSCHED_INIT=2000 Unschedulable: pods that fit no node, present when the
#   BENCH_SCHED_UNSCHED_PODS=10000  measurement starts, and measured pods
#   BENCH_SCHED_CHURN_RATE=10     Unschedulable: more unfitting pods a second while the
#                                 measured pods are being scheduled
#   BENCH_SCHED_CLIENTS=64        keep-alive connections creating pods
#   BENCH_SCHED_TIMEOUT=300       seconds each wait may take (nodes Ready, init pods bound,
#                                 measured pods bound); a workload is killed after 4 times that
#   BENCH_SCHED_FORCE=0           1 runs a workload even when the scheduler plugin that
#                                 enforces its constraint is not built (its figures then say
#                                 nothing about that plugin; violations= may be non-zero)
#   BENCH_SCHED_PERF=0            1 records `perf` (call graphs) on the server and the agent
#                                 during the measured pods of each workload; the reports
#                                 are kept, with the server's /metrics at the end of each
#                                 workload (request latencies, store batches)
#   BENCH_SCHED_PERF_CALLGRAPH=dwarf,8192   perf's --call-graph; "fp" is cheaper with a build
#                                 that keeps frame pointers:
#                                 make BUILD=build-fp CFLAGS=-fno-omit-frame-pointer
#   BENCH_TMPDIR=/var/tmp         where the data dirs go
# Exit status: non-zero when a workload could not run, left measured pods unbound, or placed
# a pod against its constraint; a missed performance target is not a failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
[ "${BENCH_SCHED:-1}" = 0 ] && exit 0
WORKLOADS=${BENCH_SCHED_WORKLOADS:-SchedulingBasic SchedulingNodeAffinity TopologySpreading SchedulingPodAntiAffinity Unschedulable BindOnly}
NODES=${BENCH_SCHED_NODES:-5000}
INIT=${BENCH_SCHED_INIT:-5000}
PODS=${BENCH_SCHED_PODS:-50000}
AFF_PODS=${BENCH_SCHED_AFFINITY_PODS:-10000}
ANTI_INIT=${BENCH_SCHED_ANTI_INIT:-1000}
ANTI_PODS=${BENCH_SCHED_ANTI_PODS:-4000}
UNSCHED_INIT=${BENCH_SCHED_UNSCHED_INIT:-2000}
UNSCHED_PODS=${BENCH_SCHED_UNSCHED_PODS:-10000}
CHURN_RATE=${BENCH_SCHED_CHURN_RATE:-10}
CLIENTS=${BENCH_SCHED_CLIENTS:-64}
TIMEOUT=${BENCH_SCHED_TIMEOUT:-300}
FORCE=${BENCH_SCHED_FORCE:-0}
PERF=${BENCH_SCHED_PERF:-0}
SCHEDPERF=$BUILD/bench/schedperf
LOADGEN=$BUILD/bench/loadgen
CAPSTAND=$BUILD/capstand
MODS=$(realpath "$BUILD/modules")

for b in "$SCHEDPERF" "$LOADGEN" "$CAPSTAND"; do
	[ -x "$b" ] || { echo "bench: $b is not built (run make bench)" >&2; exit 1; }
done
for m in sched-noderesources sched-nodebasics sched-framework; do
	[ -f "$MODS/$m.so" ] || { echo "bench: $MODS/$m.so is not built" >&2; exit 1; }
done
if [ "$PERF" = 1 ] && ! command -v perf >/dev/null; then
	echo "bench: BENCH_SCHED_PERF=1 needs perf (apt-get install linux-perf)" >&2
	exit 1
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

TMP=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/capstan-sched.XXXXXX") || exit 1
SERVER_PID=""
AGENT_PID=""
failed=0

stop_pid() { # pid: TERM, then KILL if it lingers
	local pid=$1 _
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

stop_all() {
	stop_pid "$AGENT_PID"
	AGENT_PID=""
	stop_pid "$SERVER_PID"
	SERVER_PID=""
}

cleanup() {
	stop_all
	if [ "$PERF" = 1 ] || [ "$failed" != 0 ]; then
		rm -rf "$TMP"/*/data "$TMP"/*/agent
		echo "bench: scheduler benchmark logs kept in $TMP" >&2
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

dev=()
[ "$(id -u)" = 0 ] || dev=(--dev-modules)

# The plugin each workload's constraint needs, beyond the resource and basic filters.
plugin_of() {
	case $1 in
	SchedulingNodeAffinity) echo sched-nodeaffinity ;;
	TopologySpreading) echo sched-podtopologyspread ;;
	SchedulingPodAntiAffinity) echo sched-interpodaffinity ;;
	*) echo "" ;;
	esac
}

# Every scheduler module built, plugins before the framework (they stop after it);
# BindOnly: none, the load generator binds.
write_conf() { # file workload
	local m
	{
		echo 'role = "server"'
		echo 'log-level = "warn"'
		echo "module-path = \"$MODS\""
		[ "$2" = BindOnly ] && return
		for m in sched-noderesources sched-nodebasics sched-nodeaffinity \
			sched-podtopologyspread sched-interpodaffinity sched-framework; do
			[ -f "$MODS/$m.so" ] && printf 'module "%s" {\n\trequired = true\n}\n' "$m"
		done
	} >"$1"
}

wait_http() { # url log: up to 20 s for the server to answer 200
	local _
	for _ in $(seq 200); do
		curl -sf -o /dev/null --max-time 1 "$1" && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "capstand did not come up (see $2)"
	tail -20 "$2" >&2
	return 1
}

run_workload() { # name
	local wl=$1 dir=$TMP/$1 port addr init pods plugin rc extra=()
	plugin=$(plugin_of "$wl")
	if [ -n "$plugin" ] && [ ! -f "$MODS/$plugin.so" ] && [ "$FORCE" != 1 ]; then
		echo "BENCH sched/$wl skipped=$plugin-not-built"
		return 0
	fi
	case $wl in
	SchedulingBasic | BindOnly) init=$INIT pods=$PODS ;;
	SchedulingNodeAffinity | TopologySpreading) init=$INIT pods=$AFF_PODS ;;
	SchedulingPodAntiAffinity) init=$ANTI_INIT pods=$ANTI_PODS ;;
	Unschedulable) init=$UNSCHED_INIT pods=$UNSCHED_PODS extra=(--churn-rate "$CHURN_RATE") ;;
	*) fail "unknown workload $wl" && return 1 ;;
	esac
	if [ "$PERF" = 1 ]; then
		extra+=(--perf-out "$dir/perf.data" --perf-callgraph "${BENCH_SCHED_PERF_CALLGRAPH:-dwarf,8192}")
	fi
	mkdir -p "$dir"
	write_conf "$dir/server.conf" "$wl"
	port=$("$LOADGEN" port)
	addr=127.0.0.1:$port
	echo "bench: sched/$wl: capstand on $addr, $NODES hollow nodes, data in $dir" >&2
	"$CAPSTAND" -c "$dir/server.conf" "${dev[@]}" --listen "$addr" --data-dir "$dir/data" \
		>"$dir/server.log" 2>&1 &
	SERVER_PID=$!
	wait_http "http://$addr/healthz" "$dir/server.log" || return 1
	"$CAPSTAND" --role agent --server "http://$addr" --hollow-nodes "$NODES" \
		--module-path "$MODS" "${dev[@]}" --data-dir "$dir/agent" --log-level warn \
		>"$dir/agent.log" 2>&1 &
	AGENT_PID=$!
	timeout -k 10 $((TIMEOUT * 4)) "$SCHEDPERF" run --addr "$addr" --workload "$wl" \
		--nodes "$NODES" --init "$init" --pods "$pods" --clients "$CLIENTS" \
		--timeout "$TIMEOUT" --server-pid "$SERVER_PID" --agent-pid "$AGENT_PID" \
		"${extra[@]}"
	rc=$?
	curl -sf --max-time 5 -o "$dir/metrics.txt" "http://$addr/metrics"
	for p in "$SERVER_PID" "$AGENT_PID"; do
		grep -q '^VmRSS:' "/proc/$p/status" 2>/dev/null ||
			fail "sched/$wl: process $p died during the run (see $dir/*.log)"
	done
	stop_all
	[ "$rc" = 0 ] || fail "sched/$wl: schedperf exited $rc (see $dir/*.log)"
	# A build with SANITIZE=1 reports memory errors and leaks in the logs.
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$dir"/*.log; then
		fail "sched/$wl: sanitizer report in $dir/*.log"
	fi
	if [ -f "$dir/perf.data" ]; then
		{
			echo "== by process and thread"
			perf report -i "$dir/perf.data" --no-children -s pid,comm -g none --stdio \
				2>/dev/null
			echo "== self time by symbol"
			perf report -i "$dir/perf.data" --no-children -s comm,dso,sym \
				--percent-limit 0.5 -g none --stdio 2>/dev/null
			echo "== inclusive time by symbol"
			perf report -i "$dir/perf.data" --children -s comm,sym --percent-limit 2 \
				-g none --stdio 2>/dev/null
		} >"$dir/perf.txt"
		echo "bench: sched/$wl: perf profile in $dir/perf.txt" >&2
	fi
	rm -rf "$dir/data" "$dir/agent"
	return 0
}

echo "BENCH sched/env cores=$(nproc) loadavg_1m=$(cut -d" " -f1 /proc/loadavg)" \
	"nodes=$NODES plugins=$(find "$MODS" -name 'sched-*.so' -printf '%f\n' | sed 's/\.so$//' | sort | paste -sd, -)"
for wl in $WORKLOADS; do
	run_workload "$wl"
done
exit "$failed"
