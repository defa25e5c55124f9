#!/bin/bash
# Drives capstand with the real kubectl (Debian's kubernetes-client 1.20,
# and the machine's own kubectl when it is a different version).
# Prints "kubectl: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
CAPSTAND=${CAPSTAND:-$PWD/build/capstand}
pass=0 fail=0
. tests/lib.sh
CS_SUITE=kubectl
TMP=$(mktemp -d)
cleanup() { cs_capstand_stop; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

kubectls=()
for k in /opt/capstan-tools/kubernetes-client/usr/bin/kubectl /usr/bin/kubectl; do
	[ -x "$k" ] || continue
	v=$("$k" version --client --short 2>/dev/null || "$k" version --client 2>/dev/null | head -1)
	dup=0
	for e in "${kubectls[@]+"${kubectls[@]}"}"; do [ "${e#*|}" = "$v" ] && dup=1; done
	[ $dup = 0 ] && kubectls+=("$k|$v")
done
if [ ${#kubectls[@]} = 0 ]; then
	echo "kubectl: no kubectl found (packaging/deps.sh installs kubernetes-client)"
	echo "kubectl: 0 passed, 1 failed"
	exit 1
fi

# The namespace controller, for `kubectl delete namespace` to finish.
cat >"$TMP/capstan.conf" <<EOF
module-path = "$(cd "$(dirname "$CAPSTAND")" && pwd)/modules"
module "ctrl-namespace" { enabled = true  required = true }
EOF
DEV_MODULES=()
[ "$(id -u)" != 0 ] && DEV_MODULES=(--dev-modules) # files are ours, not root's
if ! cs_capstand_start "$TMP" -c "$TMP/capstan.conf" "${DEV_MODULES[@]}"; then
	echo "kubectl: 0 passed, 1 failed"
	exit 1
fi
PORT=$CAPSTAND_PORT

ok() { pass=$((pass + 1)); echo "  ok   $1"; }
bad() { fail=$((fail + 1)); echo "  FAIL $1"; sed 's/^/       /' "$TMP/out" | head -20; }
check() { # description, expected-substring, command...
	local what=$1 want=$2
	shift 2
	if "$@" >"$TMP/out" 2>&1 && grep -q -- "$want" "$TMP/out"; then ok "$what"; else bad "$what"; fi
}

cs_web_deployment_yaml >"$TMP/deploy.yaml"
cat >"$TMP/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: blue
---
apiVersion: v1
kind: Pod
metadata:
  name: box
  labels:
    run: box
spec:
  containers:
  - name: box
    image: busybox
    command: ["sleep", "3600"]
YAML

for entry in "${kubectls[@]}"; do
	K=${entry%%|*}
	V=${entry#*|}
	k() { "$K" -s "http://127.0.0.1:$PORT" "$@"; }
	echo "kubectl $K ($V)"
	check "get ns" "kube-system" k get ns
	check "create -f" 'deployment.apps/web created' k create -f "$TMP/deploy.yaml"
	check "create -f multi-doc" 'pod/box created' k create -f "$TMP/cm.yaml"
	check "apply -f (first apply of existing object)" "deployment.apps/web" k apply -f "$TMP/deploy.yaml"
	sed -i 's/replicas: 2/replicas: 3/; s/nginx:1.25/nginx:1.26/' "$TMP/deploy.yaml"
	check "apply -f changed field" "deployment.apps/web configured" k apply -f "$TMP/deploy.yaml"
	check "apply result: replicas" "^3$" k get deploy web -o jsonpath='{.spec.replicas}{"\n"}'
	check "apply result: image" "nginx:1.26" k get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}'
	check "apply -f unchanged" "unchanged" k apply -f "$TMP/deploy.yaml"
	check "get pods -o yaml" "name: box" k get pods -o yaml
	check "get pods table" "box" k get pods
	check "get deploy table columns" "UP-TO-DATE" k get deploy
	check "get -o wide" "IMAGES" k get deploy -o wide
	check "label" "pod/box labeled" k label pod box tier=front
	check "label visible to selector" "box" k get pods -l tier=front
	check "scale deploy" "deployment.apps/web scaled" k scale deploy web --replicas=5
	check "scale result" "^5$" k get deploy web -o jsonpath='{.spec.replicas}{"\n"}'
	check "describe" "Name:" k describe configmap settings
	# get -w prints the current state, then changes as they happen.
	k get configmaps -w >"$TMP/watch.out" 2>&1 &
	WPID=$!
	sleep 1
	k create configmap watched --from-literal=a=b >/dev/null 2>&1
	sleep 1
	kill $WPID 2>/dev/null
	wait $WPID 2>/dev/null
	cp "$TMP/watch.out" "$TMP/out"
	if grep -q settings "$TMP/out" && grep -q watched "$TMP/out"; then ok "get -w"; else bad "get -w"; fi
	check "delete" 'deleted' k delete -f "$TMP/deploy.yaml"
	check "delete pod" 'pod "box" deleted' k delete pod box
	check "delete configmaps" 'deleted' k delete configmap settings watched
	check "not found" 'NotFound' sh -c "\"$K\" -s http://127.0.0.1:$PORT get pod box 2>&1; true"
	check "create namespace" 'namespace/kns created' k create namespace kns
	check "create in namespace" 'configmap/inside created' k -n kns create configmap inside
	# kubectl waits until the namespace is gone: its content first.
	check "delete namespace" 'namespace "kns" deleted' k delete namespace kns --timeout=60s
	check "deleted namespace is gone" 'NotFound' sh -c "\"$K\" -s http://127.0.0.1:$PORT get ns kns 2>&1; true"
	sed -i 's/replicas: 3/replicas: 2/; s/nginx:1.26/nginx:1.25/' "$TMP/deploy.yaml"
done
if ! kill -0 "$CAPSTAND_PID" 2>/dev/null; then
	fail=$((fail + 1))
	echo "  FAIL capstand died:"
	tail -20 "$TMP/capstand.log"
else
	cs_capstand_stop
	# Under SANITIZE=1, memory errors and leaks land in the log.
	if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$TMP/capstand.log"; then
		fail=$((fail + 1))
		echo "  FAIL sanitizer report:"
		grep -A30 -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$TMP/capstand.log" | head -60
	else
		ok "capstand exited cleanly"
	fi
fi
echo "kubectl: $pass passed, $fail failed"
[ $fail = 0 ]
