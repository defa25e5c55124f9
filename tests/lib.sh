# Shared by the shell test suites: a capstand on a free loopback port, and
# the manifests more than one suite uses.  Source it; it sets no shell
# options and runs nothing.  Messages start with $CS_SUITE (default: the
# script's name).

# cs_port_free PORT: true when nothing accepts connections on 127.0.0.1:PORT.
cs_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# cs_free_port: prints a loopback port nothing listens on.
cs_free_port() {
	local p
	for _ in $(seq 1 100); do
		# Below Linux's ephemeral range (32768-60999), where the local
		# ends of outgoing connections would collide with a listener.
		p=$((20000 + RANDOM % 12000))
		if cs_port_free "$p"; then
			echo "$p"
			return 0
		fi
	done
	echo "${CS_SUITE:-${0##*/}}: no free port found" >&2
	return 1
}

# cs_readyz PORT: GET /readyz with bash alone; prints the status line.
cs_readyz() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		head -1 <&3
	) 2>/dev/null
}

# cs_capstand_start DIR [ARGS...]: starts $CAPSTAND (with ARGS) on a free
# port, its data in DIR/data and its output in DIR/capstand.log, and waits
# until /readyz answers 200.  Sets CAPSTAND_PORT and CAPSTAND_PID.  Returns
# 1, with the log on stderr, when it exits or does not get ready in 10s.
cs_capstand_start() {
	local dir=$1 suite=${CS_SUITE:-${0##*/}}
	shift
	local attempt
	for attempt in 1 2 3 4 5; do
		CAPSTAND_PORT=$(cs_free_port) || return 1
		"$CAPSTAND" "$@" --listen "127.0.0.1:$CAPSTAND_PORT" --data-dir "$dir/data" \
			>"$dir/capstand.log" 2>&1 &
		CAPSTAND_PID=$!
		# Free when probed is not free when bound: another process may
		# take the port in between.  Try another one then.
		sleep 0.2
		kill -0 "$CAPSTAND_PID" 2>/dev/null && break
		wait "$CAPSTAND_PID" 2>/dev/null
		grep -q "address in use" "$dir/capstand.log" || break
	done
	for _ in $(seq 1 100); do
		if ! kill -0 "$CAPSTAND_PID" 2>/dev/null; then
			echo "$suite: capstand exited during startup:" >&2
			cat "$dir/capstand.log" >&2
			return 1
		fi
		if cs_readyz "$CAPSTAND_PORT" | grep -q ' 200'; then
			return 0
		fi
		sleep 0.1
	done
	echo "$suite: capstand on port $CAPSTAND_PORT never became ready:" >&2
	cat "$dir/capstand.log" >&2
	return 1
}

# cs_capstand_stop: stops the capstand cs_capstand_start started, if any,
# and waits for it.
cs_capstand_stop() {
	if [ -n "${CAPSTAND_PID:-}" ]; then
		kill "$CAPSTAND_PID" 2>/dev/null
		wait "$CAPSTAND_PID" 2>/dev/null
		CAPSTAND_PID=
	fi
}

# cs_web_deployment_yaml: prints the "web" Deployment manifest (2 replicas
# of nginx:1.25, labelled app=web) the suites create, apply and change.
cs_web_deployment_yaml() {
	cat <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
YAML
}
