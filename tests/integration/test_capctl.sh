#!/usr/bin/env bash
# End-to-end test of capctl against a real capstand on a free loopback port.
# Every capctl command is exercised; the first failed assertion stops the
# run with the command, its output and a non-zero exit.
#
#   CAPSTAND=build/capstand CAPCTL=build/capctl tests/integration/test_capctl.sh
set -u

CAPSTAND=${CAPSTAND:-build/capstand}
CAPCTL=${CAPCTL:-build/capctl}
for bin in "$CAPSTAND" "$CAPCTL"; do
	if [ ! -x "$bin" ]; then
		echo "test_capctl: $bin is not an executable (set CAPSTAND / CAPCTL)" >&2
		exit 1
	fi
done
CAPSTAND=$(cd "$(dirname "$CAPSTAND")" && pwd)/$(basename "$CAPSTAND")
CAPCTL=$(cd "$(dirname "$CAPCTL")" && pwd)/$(basename "$CAPCTL")

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
CS_SUITE=test_capctl

TMP=$(mktemp -d "${TMPDIR:-/tmp}/capctl-it.XXXXXX")
WATCH_PID=
cleanup() {
	[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
	cs_capstand_stop
	rm -rf "$TMP"
}
trap cleanup EXIT

unset CAPSTAN_NAMESPACE CAPSTAN_TOKEN
# The namespace controller, for `delete namespace` to finish.
cat >"$TMP/capstan.conf" <<EOF
module-path = "$(dirname "$CAPSTAND")/modules"
module "ctrl-namespace" { enabled = true  required = true }
EOF
DEV_MODULES=()
[ "$(id -u)" != 0 ] && DEV_MODULES=(--dev-modules) # files are ours, not root's
cs_capstand_start "$TMP" --role all -c "$TMP/capstan.conf" "${DEV_MODULES[@]}" || exit 1
export CAPSTAN_SERVER="http://127.0.0.1:$CAPSTAND_PORT"
DEAD_PORT=$(cs_free_port) || exit 1

PASSED=0
OUT=
ERR=
RC=0

# run CMD...: runs capctl with the arguments, capturing stdout, stderr, status.
run() {
	"$CAPCTL" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
	LAST="capctl $*"
}

die() {
	echo "FAIL: $1" >&2
	echo "  command: $LAST" >&2
	echo "  exit status: $RC" >&2
	echo "  stdout:" >&2
	sed 's/^/    | /' "$TMP/out" >&2
	echo "  stderr:" >&2
	sed 's/^/    | /' "$TMP/err" >&2
	echo "capctl: $PASSED passed, 1 failed"
	exit 1
}

pass() { PASSED=$((PASSED + 1)); }

# ok DESC ARGS...: capctl must succeed.
ok() {
	local desc=$1
	shift
	run "$@"
	[ "$RC" -eq 0 ] || die "$desc: expected success"
	pass
}

# fails DESC ARGS...: capctl must fail (exit 1).
fails() {
	local desc=$1
	shift
	run "$@"
	[ "$RC" -eq 1 ] || die "$desc: expected exit status 1"
	pass
}

out_is() { [ "$OUT" = "$2" ] || die "$1: stdout is not \"$2\""; pass; }
err_is() { [ "$ERR" = "$2" ] || die "$1: stderr is not \"$2\""; pass; }
out_has() { grep -qF -- "$2" "$TMP/out" || die "$1: stdout lacks \"$2\""; pass; }
out_lacks() { ! grep -qF -- "$2" "$TMP/out" || die "$1: stdout has \"$2\""; pass; }
err_has() { grep -qF -- "$2" "$TMP/err" || die "$1: stderr lacks \"$2\""; pass; }
out_matches() { grep -qE -- "$2" "$TMP/out" || die "$1: stdout does not match /$2/"; pass; }

# jp DESC TYPE NAME TEMPLATE WANT: one field of an object.
jp() {
	ok "$1" get "$2" "$3" -o "jsonpath=$4"
	out_is "$1" "$5"
}

M=$TMP/manifests
mkdir -p "$M/dir/sub"

{
	cs_web_deployment_yaml
	cat <<'EOF'
---
# a comment-only document is skipped
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels:
    app: web
data:
  mode: "production"
  port: "8080"
  enabled: "true"
EOF
} >"$M/web.yaml"

cat >"$M/pod.json" <<'EOF'
{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "p1", "labels": {"app": "p"}},
 "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}]}}
EOF

cat >"$M/dir/b.yaml" <<'EOF'
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: dir-b1, labels: {set: dir}}
  data: {k: v}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: dir-b2, labels: {set: dir}}
EOF
cat >"$M/dir/a.yml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: dir-a, labels: {set: dir}}
EOF
cat >"$M/dir/sub/c.json" <<'EOF'
{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dir-c", "labels": {"set": "dir"}}}
EOF
echo "ignored: true" >"$M/dir/notes.txt"

# ---- help, flags, version, connection errors ----
ok "top-level help" --help
out_has "top-level help" "Usage: capctl COMMAND"
ok "command help" get --help
out_has "command help" "Usage: capctl get"
out_has "command help lists flags" "--field-selector"
ok "help command" help scale
out_has "help command" "--replicas"
fails "unknown command" frobnicate
err_has "unknown command" 'unknown command "frobnicate" for "capctl"'
fails "flag of another command" get pods --replicas=2
err_has "flag of another command" "unknown flag: --replicas"
fails "bad output format" get pods -o xml
err_has "bad output format" 'unable to match a printer suitable for the output format "xml"'

ok "version" version
out_has "version" "Client Version: v"
out_has "version" "Server Version: "
ok "version -o json" version -o json
out_has "version -o json" '"serverVersion"'
ok "version --client needs no server" -s "http://127.0.0.1:$DEAD_PORT" version --client
out_matches "version --client" "^Client Version: v[0-9]"
fails "server down" -s "http://127.0.0.1:$DEAD_PORT" get pods
err_is "server down" "cannot connect to capstan API at http://127.0.0.1:$DEAD_PORT: Connection refused"
CAPSTAN_SERVER="http://127.0.0.1:$DEAD_PORT" run get pods
[ "$RC" -eq 1 ] || die "CAPSTAN_SERVER is used: expected exit status 1"
err_is "CAPSTAN_SERVER is used" "cannot connect to capstan API at http://127.0.0.1:$DEAD_PORT: Connection refused"

# ---- discovery ----
ok "api-resources" api-resources
out_matches "api-resources header" "^NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND$"
out_matches "api-resources deployments" "^deployments +deploy +apps/v1 +true +Deployment$"
ok "api-resources -o name" api-resources -o name
out_has "api-resources -o name" "deployments.apps"
ok "api-resources cluster-scoped" api-resources --namespaced=false -o name
out_has "api-resources cluster-scoped" "nodes"
out_lacks "api-resources cluster-scoped" "pods"
ok "api-resources wide" api-resources --api-group=apps -o wide
out_has "api-resources wide" "VERBS"
out_lacks "api-resources --api-group" "configmaps"
ok "api-versions" api-versions
out_has "api-versions" "apps/v1"
out_matches "api-versions core" "^v1$"

# ---- get on an empty namespace ----
ok "get namespaces" get namespaces
out_matches "get namespaces" "^default +Active"
ok "get empty list" get pods
out_is "get empty list" ""
err_is "get empty list" "No resources found in default namespace."
fails "unknown type" get widgets
err_is "unknown type" 'error: the server doesn'"'"'t have a resource type "widgets"'
fails "get without type" get
err_has "get without type" "you must specify the type of resource to get"

# ---- create ----
ok "create multi-document YAML" create -f "$M/web.yaml"
out_is "create multi-document YAML" "deployment.apps/web created
configmap/settings created"
fails "create existing" create -f "$M/web.yaml"
err_has "create existing" "Error from server (AlreadyExists): error when creating \"$M/web.yaml\": deployments.apps \"web\" already exists"
run create -f - <"$M/pod.json"
[ "$RC" -eq 0 ] || die "create from stdin"
out_is "create from stdin" "pod/p1 created"
pass
ok "create directory" create -f "$M/dir"
out_is "create directory: sorted, List expanded, no recursion" "configmap/dir-a created
configmap/dir-b1 created
configmap/dir-b2 created"
ok "create directory -R" create -R -f "$M/dir/sub"
out_is "create directory -R" "configmap/dir-c created"
ok "create namespace" create namespace staging
out_is "create namespace" "namespace/staging created"
fails "create missing file" create -f "$M/nope.yaml"
err_is "create missing file" "error: the path \"$M/nope.yaml\" does not exist"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n  bad: indent\n' >"$M/bad.yaml"
fails "create malformed YAML" create -f "$M/bad.yaml"
err_has "create malformed YAML" "error parsing $M/bad.yaml: line"
printf 'kind: ConfigMap\nmetadata: {name: x}\n' >"$M/noapi.yaml"
fails "create without apiVersion" create -f "$M/noapi.yaml"
err_has "create without apiVersion" "apiVersion not set"
cat >"$M/invalid.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken}
spec:
  replicas: -1
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: c, image: x}]}
EOF
fails "create invalid object" create -f "$M/invalid.yaml"
err_has "create invalid object" 'The Deployment "broken" is invalid: '
err_has "create invalid object" "spec.replicas"
ok "create -o name" -n staging create -f "$M/pod.json" -o name
out_is "create -o name" "pod/p1"

# ---- get ----
ok "get deployments" get deployments
out_matches "get deployments header" "^NAME +READY +UP-TO-DATE +AVAILABLE +AGE$"
out_matches "get deployments row" "^web +[0-9]+/2 "
ok "get short name" get deploy web
out_matches "get short name" "^web "
ok "get TYPE/NAME" get deployment.apps/web
out_matches "get TYPE/NAME" "^web "
ok "get -o name" get deploy web -o name
out_is "get -o name" "deployment.apps/web"
ok "get -o yaml" get deploy web -o yaml
out_has "get -o yaml" "kind: Deployment"
out_has "get -o yaml" "  name: web"
out_has "get -o yaml" "  replicas: 2"
out_has "get -o yaml quotes timestamps" 'creationTimestamp: "'
ok "get -o json" get cm settings -o json
out_has "get -o json" '"kind": "ConfigMap"'
out_has "get -o json keeps strings" '"enabled": "true"'
jp "get jsonpath" deploy web '{.spec.replicas}' "2"
ok "get jsonpath range" get cm -l 'set=dir' -o 'jsonpath={range .items[*]}{.metadata.name} {end}'
out_is "get jsonpath range" "dir-a dir-b1 dir-b2 dir-c "
ok "get several names -o json" get cm settings dir-a -o json
out_has "get several names -o json" '"kind": "List"'
out_has "get several names -o json" '"name": "dir-a"'
ok "get list -o yaml" get cm -l set=dir -o yaml
out_has "get list -o yaml" "kind: List"
ok "get several types" get deploy,cm -l app=web
out_has "get several types" "deployment.apps/web"
out_has "get several types" "configmap/settings"
ok "get label selector" get cm -l 'set=dir' -o name
out_is "get label selector" "configmap/dir-a
configmap/dir-b1
configmap/dir-b2
configmap/dir-c"
ok "get set-based selector" get cm -l 'set in (dir),app!=web' -o name
out_has "get set-based selector" "configmap/dir-c"
ok "get field selector" get cm --field-selector metadata.name=dir-b2 -o name
out_is "get field selector" "configmap/dir-b2"
ok "get pagination" get cm --chunk-size 2 -o name
out_has "get pagination sees page 2+" "configmap/settings"
ok "get -A" get pods -A
out_matches "get -A header" "^NAMESPACE +NAME +READY +STATUS"
out_matches "get -A default row" "^default +p1 "
out_matches "get -A staging row" "^staging +p1 "
ok "get -n" get pods -n staging -o name
out_is "get -n" "pod/p1"
ok "get -o wide" get pods -o wide
out_has "get -o wide" "NODE"
ok "get --show-labels" get cm settings --show-labels
out_matches "get --show-labels" "LABELS$"
out_has "get --show-labels" "app=web"
ok "get -L" get cm -L set --no-headers -l set=dir
out_matches "get -L" "^dir-a +[0-9]+ +[0-9a-z]+ +dir$"
fails "get missing" get pod nope
err_is "get missing" 'Error from server (NotFound): pods "nope" not found'
ok "get --ignore-not-found" get pod nope --ignore-not-found
out_is "get --ignore-not-found" ""
fails "get by name across namespaces" get pod p1 -A
err_has "get by name across namespaces" "cannot be retrieved by name across all namespaces"
ok "get -f" get -f "$M/web.yaml" -o name
out_is "get -f" "deployment.apps/web
configmap/settings"

# ---- describe ----
ok "describe" describe deploy web
out_matches "describe name" "^Name: +web$"
out_matches "describe namespace" "^Namespace: +default$"
out_matches "describe labels" "^Labels: +app=web$"
out_has "describe spec" "Replicas:"
out_has "describe events" "Events:"
ok "describe configmap" describe cm settings
out_has "describe data" "mode:"
out_has "describe data" "production"
ok "describe by selector" describe cm -l set=dir
out_has "describe by selector" "dir-b2"
fails "describe missing" describe pod nope
err_is "describe missing" 'Error from server (NotFound): pods "nope" not found'

# ---- apply ----
cat >"$M/app.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
  labels: {stage: one}
data:
  a: "1"
  b: "2"
EOF
ok "apply creates" apply -f "$M/app.yaml"
out_is "apply creates" "configmap/applied created"
jp "apply records last-applied" cm applied \
	'{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}' \
	'{"apiVersion":"v1","data":{"a":"1","b":"2"},"kind":"ConfigMap","metadata":{"annotations":{},"labels":{"stage":"one"},"name":"applied","namespace":"default"}}'
ok "apply again" apply -f "$M/app.yaml"
out_is "apply again" "configmap/applied unchanged"
ok "label outside apply" label cm applied other=kept
sed -e 's/b: "2"/c: "3"/' -e 's/stage: one/stage: two/' "$M/app.yaml" >"$M/app2.yaml"
ok "apply changed" apply -f "$M/app2.yaml"
out_is "apply changed" "configmap/applied configured"
jp "apply removed dropped key" cm applied '{.data}' '{"a":"1","c":"3"}'
jp "apply kept foreign label" cm applied '{.metadata.labels}' '{"stage":"two","other":"kept"}'
ok "apply deployment unchanged after server defaults" apply -f "$M/web.yaml"
ok "apply deployment twice" apply -f "$M/web.yaml"
out_is "apply deployment twice" "deployment.apps/web unchanged
configmap/settings unchanged"
sed 's/replicas: 2/replicas: 4/' "$M/web.yaml" >"$M/web4.yaml"
ok "apply deployment change" apply -f "$M/web4.yaml"
out_has "apply deployment change" "deployment.apps/web configured"
jp "apply deployment change" deploy web '{.spec.replicas}' "4"
sed 's/  name: applied/  name: applied\n  namespace: default/' "$M/app.yaml" >"$M/appns.yaml"
fails "apply -n against the manifest's namespace" -n staging apply -f "$M/appns.yaml"
err_has "apply -n against the manifest's namespace" \
	'the namespace from the provided object "default" does not match the namespace "staging"'

# ---- replace ----
ok "get for replace" get cm applied -o yaml
sed 's/  a: "1"/  a: "replaced"/' "$TMP/out" >"$M/replace.yaml"
ok "replace" replace -f "$M/replace.yaml"
out_is "replace" "configmap/applied replaced"
jp "replace" cm applied '{.data.a}' "replaced"
fails "replace stale" replace -f "$M/replace.yaml"
err_has "replace stale" "Error from server (Conflict)"

# ---- scale ----
ok "scale" scale deploy web --replicas=3
out_is "scale" "deployment.apps/web scaled"
jp "scale" deploy web '{.spec.replicas}' "3"
fails "scale precondition" scale deploy web --current-replicas=5 --replicas=1
err_is "scale precondition" "error: Expected replicas to be 5, was 3"
ok "scale precondition met" scale deployment/web --current-replicas=3 --replicas=1
jp "scale precondition met" deploy web '{.spec.replicas}' "1"
fails "scale without --replicas" scale deploy web
err_has "scale without --replicas" "--replicas=COUNT flag is required"
fails "scale unscalable kind" scale cm settings --replicas=1
fails "scale missing" scale deploy nope --replicas=1
err_is "scale missing" 'Error from server (NotFound): deployments.apps "nope" not found'

# ---- label / annotate ----
ok "label" label pod p1 env=test tier=fe
out_is "label" "pod/p1 labeled"
ok "label selects" get pods -l env=test,tier=fe -o name
out_is "label selects" "pod/p1"
fails "label without --overwrite" label pod p1 env=prod
err_is "label without --overwrite" "error: 'env' already has a value (test), and --overwrite is false"
ok "label --overwrite" label pod p1 env=prod --overwrite
jp "label --overwrite" pod p1 '{.metadata.labels.env}' "prod"
ok "label remove" label pod p1 env-
jp "label remove" pod p1 '{.metadata.labels}' '{"app":"p","tier":"fe"}'
ok "label no-op" label pod p1 tier=fe
out_is "label no-op" "pod/p1 not labeled"
ok "label by selector" label cm -l set=dir batch=1
out_has "label by selector" "configmap/dir-c labeled"
fails "label needs a change" label pod p1
err_has "label needs a change" "at least one label update is required"
ok "annotate" annotate deploy web owner=team-a
out_is "annotate" "deployment.apps/web annotated"
jp "annotate" deploy web '{.metadata.annotations.owner}' "team-a"
ok "annotate remove" annotate deploy web owner-
jp "annotate remove" deploy web '{.metadata.annotations.owner}' ""

# ---- patch ----
ok "patch strategic" patch deploy web -p '{"spec":{"replicas":2}}'
out_is "patch strategic" "deployment.apps/web patched"
jp "patch strategic" deploy web '{.spec.replicas}' "2"
ok "patch no change" patch deploy web --type merge -p '{"spec":{"replicas":2}}'
out_is "patch no change" "deployment.apps/web patched (no change)"
ok "patch merge YAML" patch cm settings --type merge -p 'data: {mode: staging}'
jp "patch merge YAML" cm settings '{.data.mode}' "staging"
ok "patch json" patch cm settings --type json -p '[{"op":"remove","path":"/data/port"}]'
jp "patch json" cm settings '{.data.port}' ""
fails "patch json failing test op" patch cm settings --type json \
	-p '[{"op":"test","path":"/data/mode","value":"nope"}]'
err_has "patch json failing test op" "Error from server"
fails "patch bad type" patch cm settings --type xml -p '{}'

# ---- edit ----
EDITOR="sed -i s/mode:\ staging/mode:\ edited/" run edit cm settings
[ "$RC" -eq 0 ] || die "edit: expected success"
out_is "edit" "configmap/settings edited"
jp "edit" cm settings '{.data.mode}' "edited"
EDITOR=true run edit cm settings
[ "$RC" -eq 0 ] || die "edit unchanged: expected success"
err_is "edit unchanged" "Edit cancelled, no changes made."
pass
EDITOR="sed -i s/replicas:\ 2/replicas:\ -3/" run edit deploy web
[ "$RC" -eq 1 ] || die "edit rejected by the server: expected exit status 1"
err_has "edit rejected by the server" "is invalid"
err_has "edit rejected by the server" "A copy of your changes has been stored to"
kept=$(sed -n 's/.*stored to "\(.*\)"$/\1/p' "$TMP/err")
[ -f "$kept" ] || die "edit keeps the file: $kept missing"
grep -q "replicas: -3" "$kept" || die "edit keeps the edited text"
rm -f "$kept"
pass
EDITOR="sed -i s/^kind:.*/kind:\ [/" run edit cm settings
[ "$RC" -eq 1 ] || die "edit with broken YAML: expected exit status 1"
err_has "edit with broken YAML" "not valid YAML"
kept=$(sed -n 's/.*stored to "\(.*\)"$/\1/p' "$TMP/err")
rm -f "$kept"
pass
EDITOR="sed -i s/\"edited\"/\"json-edited\"/" run edit cm settings -o json
[ "$RC" -eq 0 ] || die "edit as JSON: expected success"
jp "edit as JSON" cm settings '{.data.mode}' "json-edited"

# ---- watch ----
"$CAPCTL" get cm -w --output-watch-events -l watch=me >"$TMP/watch" 2>"$TMP/watch.err" &
WATCH_PID=$!
"$CAPCTL" get cm watched -w -o name >"$TMP/watch-name" 2>&1 &
WATCH2_PID=$!
sleep 0.5
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, labels: {watch: me}}\n' \
	>"$M/watched.yaml"
ok "watch: create" create -f "$M/watched.yaml"
ok "watch: modify" label cm watched extra=1
ok "watch: delete" delete cm watched
for _ in $(seq 1 50); do
	grep -q DELETED "$TMP/watch" && break
	sleep 0.1
done
kill "$WATCH_PID" "$WATCH2_PID" 2>/dev/null
wait "$WATCH_PID" "$WATCH2_PID" 2>/dev/null
WATCH_PID=
LAST="capctl get cm -w --output-watch-events -l watch=me"
cp "$TMP/watch" "$TMP/out"
cp "$TMP/watch.err" "$TMP/err"
out_matches "watch header" "^EVENT +NAME +DATA +AGE$"
out_matches "watch added" "^ADDED +watched +"
out_matches "watch modified" "^MODIFIED +watched +"
out_matches "watch deleted" "^DELETED +watched +"
LAST="capctl get cm watched -w -o name"
cp "$TMP/watch-name" "$TMP/out"
out_matches "watch one object by name" "^configmap/watched$"

# ---- delete ----
ok "delete by name" delete pod p1 -n staging
out_is "delete by name" 'pod "p1" deleted'
fails "delete missing" delete pod p1 -n staging
err_is "delete missing" 'Error from server (NotFound): pods "p1" not found'
ok "delete --ignore-not-found" delete pod p1 -n staging --ignore-not-found
out_is "delete --ignore-not-found" ""
ok "delete by selector" delete cm -l set=dir
out_is "delete by selector" 'configmap "dir-a" deleted
configmap "dir-b1" deleted
configmap "dir-b2" deleted
configmap "dir-c" deleted'
fails "delete needs names or a selector" delete cm
err_has "delete needs names or a selector" "no name was specified"
ok "delete -f" delete -f "$M/web.yaml"
out_is "delete -f" 'deployment.apps "web" deleted
configmap "settings" deleted'
fails "delete -f again" delete -f "$M/web.yaml"
ok "delete -o name" delete cm applied -o name
out_is "delete -o name" "configmap/applied"
ok "delete --all" delete pods --all
out_has "delete --all" 'pod "p1" deleted'
ok "everything gone" get pods,cm,deploy -o name
out_lacks "everything gone" "pod/p1"
out_lacks "everything gone" "deployment.apps/web"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/hold]}\n' \
	>"$M/held.yaml"
ok "create object with a finalizer" create -f "$M/held.yaml"
fails "delete waits for finalizers" delete cm held --timeout=1s
out_is "delete waits for finalizers" 'configmap "held" deleted'
err_is "delete waits for finalizers" "error: timed out waiting for the condition on configmaps/held"
jp "delete marked it" cm held '{.metadata.finalizers}' '["example.com/hold"]'
ok "release the finalizer" patch cm held --type merge -p '{"metadata":{"finalizers":null}}'
fails "finalized object is gone" get cm held
ok "delete --wait=false" delete cm held --ignore-not-found --wait=false
ok "delete namespace waits until it is gone" delete namespace staging --timeout=60s
out_is "delete namespace waits until it is gone" 'namespace "staging" deleted'
fails "deleted namespace is gone" get namespace staging

echo "capctl: $PASSED passed, 0 failed"
