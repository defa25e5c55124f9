/* Node, Lease and Pod status objects of the node agent (agent_status.h). */
#include "agent_status.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t cs_agent_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void cs_agent_time(int64_t ns, char out[32])
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void cs_agent_microtime(int64_t ns, char out[40])
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char s[24];
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%s.%06dZ", s, (int)(ns % 1000000000 / 1000));
}

void cs_agent_fake_ip(uint32_t n, char out[16])
{
	/* 254 usable last octets per /24, 2^22 addresses in the /10. */
	uint32_t host = n % 254 + 1, net = (n / 254) % (1u << 14);
	snprintf(out, 16, "10.%u.%u.%u", 64 + (net >> 8), net & 255, host);
}

/* ---- nodes ---- */

cs_json *cs_agent_node_labels(const cs_agent_nodeinfo *ni)
{
	cs_json *l = cs_json_object();
	cs_json_set(l, "beta.kubernetes.io/arch", cs_json_string(ni->arch));
	cs_json_set(l, "beta.kubernetes.io/os", cs_json_string("linux"));
	cs_json_set(l, "kubernetes.io/arch", cs_json_string(ni->arch));
	cs_json_set(l, "kubernetes.io/hostname", cs_json_string(ni->name));
	cs_json_set(l, "kubernetes.io/os", cs_json_string("linux"));
	return l;
}

cs_json *cs_agent_node_object(const cs_agent_nodeinfo *ni)
{
	cs_json *n = cs_json_object();
	cs_json_set(n, "apiVersion", cs_json_string("v1"));
	cs_json_set(n, "kind", cs_json_string("Node"));
	cs_json *md = cs_json_obj_ensure(n, "metadata");
	cs_json_set(md, "name", cs_json_string(ni->name));
	cs_json_set(md, "labels", cs_agent_node_labels(ni));
	cs_json_set(n, "spec", cs_json_object());
	return n;
}

static const cs_json *find_condition(const cs_json *conds, const char *type)
{
	for (size_t i = 0; i < cs_json_len(conds); i++) {
		const cs_json *c = cs_json_at(conds, i);
		const char *t = cs_json_get_str(c, "type");
		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

/* lastTransitionTime moves only when the status does. */
static const char *transition(const cs_json *old, const char *status, const char *now)
{
	const char *os = cs_json_get_str(old, "status");
	const char *ot = cs_json_get_str(old, "lastTransitionTime");
	return os && ot && !strcmp(os, status) ? ot : now;
}

static cs_json *resources(const cs_agent_nodeinfo *ni)
{
	cs_json *r = cs_json_object();
	cs_json_set(r, "cpu", cs_json_string(ni->cpu));
	cs_json_set(r, "ephemeral-storage", cs_json_string(ni->ephemeral_storage));
	cs_json_set(r, "memory", cs_json_string(ni->memory));
	cs_json_set(r, "pods", cs_json_string(ni->pods));
	return r;
}

cs_json *cs_agent_node_status(const cs_agent_nodeinfo *ni, const char *now, const char *since,
			      const cs_json *old_status)
{
	static const struct {
		const char *type, *status, *reason, *message;
	} conds[] = {
		{"MemoryPressure", "False", "KubeletHasSufficientMemory",
		 "kubelet has sufficient memory available"},
		{"DiskPressure", "False", "KubeletHasNoDiskPressure",
		 "kubelet has no disk pressure"},
		{"PIDPressure", "False", "KubeletHasSufficientPID",
		 "kubelet has sufficient PID available"},
		{"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
	};
	cs_json *s = cs_json_object();
	cs_json_set(s, "capacity", resources(ni));
	cs_json_set(s, "allocatable", resources(ni));
	cs_json *cl = cs_json_array();
	const cs_json *oc = cs_json_get(old_status, "conditions");
	for (size_t i = 0; i < sizeof(conds) / sizeof(*conds); i++) {
		cs_json *c = cs_json_object();
		cs_json_set(c, "type", cs_json_string(conds[i].type));
		cs_json_set(c, "status", cs_json_string(conds[i].status));
		cs_json_set(c, "lastHeartbeatTime", cs_json_string(now));
		cs_json_set(c, "lastTransitionTime",
			    cs_json_string(transition(find_condition(oc, conds[i].type),
						      conds[i].status, since ? since : now)));
		cs_json_set(c, "reason", cs_json_string(conds[i].reason));
		cs_json_set(c, "message", cs_json_string(conds[i].message));
		cs_json_push(cl, c);
	}
	cs_json_set(s, "conditions", cl);
	cs_json *addrs = cs_json_array();
	cs_json *a = cs_json_object();
	cs_json_set(a, "type", cs_json_string("InternalIP"));
	cs_json_set(a, "address", cs_json_string(ni->internal_ip));
	cs_json_push(addrs, a);
	a = cs_json_object();
	cs_json_set(a, "type", cs_json_string("Hostname"));
	cs_json_set(a, "address", cs_json_string(ni->name));
	cs_json_push(addrs, a);
	cs_json_set(s, "addresses", addrs);
	cs_json *port = cs_json_object();
	cs_json_set(port, "Port", cs_json_int(10250));
	cs_json *de = cs_json_object();
	cs_json_set(de, "kubeletEndpoint", port);
	cs_json_set(s, "daemonEndpoints", de);
	cs_json *info = cs_json_object();
	cs_json_set(info, "machineID", cs_json_string(ni->machine_id));
	cs_json_set(info, "systemUUID", cs_json_string(ni->machine_id));
	cs_json_set(info, "bootID", cs_json_string(ni->boot_id));
	cs_json_set(info, "kernelVersion", cs_json_string(ni->kernel_version));
	cs_json_set(info, "osImage", cs_json_string(ni->os_image));
	cs_json_set(info, "containerRuntimeVersion", cs_json_string(ni->runtime_version));
	cs_json_set(info, "kubeletVersion", cs_json_string("v1.30.0-capstan." CS_VERSION));
	cs_json_set(info, "kubeProxyVersion", cs_json_string(""));
	cs_json_set(info, "operatingSystem", cs_json_string("linux"));
	cs_json_set(info, "architecture", cs_json_string(ni->arch));
	cs_json_set(s, "nodeInfo", info);
	return s;
}

cs_json *cs_agent_lease(const char *node, const char *renew)
{
	cs_json *l = cs_json_object();
	cs_json_set(l, "apiVersion", cs_json_string("coordination.k8s.io/v1"));
	cs_json_set(l, "kind", cs_json_string("Lease"));
	cs_json *md = cs_json_obj_ensure(l, "metadata");
	cs_json_set(md, "name", cs_json_string(node));
	cs_json_set(md, "namespace", cs_json_string("kube-node-lease"));
	cs_json *spec = cs_json_obj_ensure(l, "spec");
	cs_json_set(spec, "holderIdentity", cs_json_string(node));
	cs_json_set(spec, "leaseDurationSeconds", cs_json_int(CS_AGENT_LEASE_SECONDS));
	cs_json_set(spec, "renewTime", cs_json_string(renew));
	return l;
}

/* ---- pods ---- */

const char *cs_agent_pod_phase(const char *restart_policy, const cs_agent_podview *v)
{
	const char *rp = restart_policy && *restart_policy ? restart_policy : "Always";
	bool always = !strcmp(rp, "Always"), never = !strcmp(rp, "Never");
	for (size_t i = 0; i < v->ninit; i++) {
		const cs_agent_ctr *c = &v->init[i];
		if (c->state == CS_CTR_EXITED && c->exit_code == 0)
			continue;
		/* A failed init container fails the pod unless it restarts. */
		if (never && c->state == CS_CTR_EXITED)
			return "Failed";
		return "Pending";
	}
	size_t running = 0, waiting = 0, stopped = 0, succeeded = 0;
	for (size_t i = 0; i < v->nctrs; i++) {
		const cs_agent_ctr *c = &v->ctrs[i];
		switch (c->state) {
		case CS_CTR_RUNNING: running++; break;
		case CS_CTR_EXITED:
			stopped++;
			succeeded += c->exit_code == 0;
			break;
		case CS_CTR_WAITING:
			/* Waiting to restart counts as its last run (kubelet). */
			if (c->has_last) {
				stopped++;
				succeeded += c->last_exit == 0;
			} else {
				waiting++;
			}
			break;
		}
	}
	if (waiting || !v->nctrs)
		return "Pending";
	if (running)
		return "Running";
	if (always)
		return "Running"; /* every one restarts */
	if (stopped == succeeded)
		return "Succeeded";
	return never ? "Failed" : "Running";
}

static void put_time(cs_json *o, const char *key, int64_t ns)
{
	char t[32];
	cs_agent_time(ns, t);
	cs_json_set(o, key, cs_json_string(t));
}

static cs_json *terminated(int exit_code, const char *reason, int64_t started, int64_t finished,
			   const char *id)
{
	cs_json *t = cs_json_object();
	cs_json_set(t, "exitCode", cs_json_int(exit_code));
	cs_json_set(t, "reason",
		    cs_json_string(reason      ? reason
				   : exit_code ? "Error"
					       : "Completed"));
	if (started)
		put_time(t, "startedAt", started);
	if (finished)
		put_time(t, "finishedAt", finished);
	if (id)
		cs_json_set(t, "containerID", cs_json_string(id));
	return t;
}

static cs_json *container_status(const cs_agent_ctr *c, bool init)
{
	cs_json *s = cs_json_object();
	cs_json_set(s, "name", cs_json_string(c->name));
	cs_json *st = cs_json_object();
	if (c->state == CS_CTR_RUNNING) {
		cs_json *r = cs_json_object();
		put_time(r, "startedAt", c->started_ns);
		cs_json_set(st, "running", r);
	} else if (c->state == CS_CTR_EXITED) {
		cs_json_set(st, "terminated",
			    terminated(c->exit_code, c->reason, c->started_ns, c->finished_ns,
				       c->container_id));
	} else {
		cs_json *w = cs_json_object();
		cs_json_set(w, "reason",
			    cs_json_string(c->reason ? c->reason : "ContainerCreating"));
		if (c->message && *c->message)
			cs_json_set(w, "message", cs_json_string(c->message));
		cs_json_set(st, "waiting", w);
	}
	cs_json_set(s, "state", st);
	cs_json *last = cs_json_object();
	if (c->has_last)
		cs_json_set(last, "terminated",
			    terminated(c->last_exit, c->last_reason, c->last_started_ns,
				       c->last_finished_ns, c->last_id));
	cs_json_set(s, "lastState", last);
	bool ready =
		init ? c->state == CS_CTR_EXITED && c->exit_code == 0 : c->state == CS_CTR_RUNNING;
	cs_json_set(s, "ready", cs_json_bool(ready));
	cs_json_set(s, "restartCount", cs_json_int(c->restarts));
	cs_json_set(s, "image", cs_json_string(c->image));
	cs_json_set(s, "imageID", cs_json_string(c->image_id ? c->image_id : ""));
	if (c->container_id)
		cs_json_set(s, "containerID", cs_json_string(c->container_id));
	cs_json_set(s, "started", cs_json_bool(c->state == CS_CTR_RUNNING));
	return s;
}

/* "[a b]" of the names for which pick() holds, NULL when none. */
static cs_json *names_message(const char *what, const cs_agent_ctr *v, size_t n, bool init)
{
	char buf[1024];
	size_t k = 0;
	bool any = false;
	k += (size_t)snprintf(buf, sizeof(buf), "containers with %s status: [", what);
	for (size_t i = 0; i < n && k < sizeof(buf); i++) {
		bool bad = init ? !(v[i].state == CS_CTR_EXITED && v[i].exit_code == 0)
				: v[i].state != CS_CTR_RUNNING;
		if (!bad)
			continue;
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", any ? " " : "", v[i].name);
		any = true;
	}
	if (!any)
		return NULL;
	if (k < sizeof(buf) - 1)
		snprintf(buf + k, sizeof(buf) - k, "]");
	return cs_json_string(buf);
}

static void set_condition(cs_json *list, const cs_json *old, const char *type, bool ok,
			  const char *reason, cs_json *message, const char *now)
{
	const cs_json *prev = find_condition(old, type);
	const char *status = ok ? "True" : "False";
	cs_json *c = cs_json_object();
	cs_json_set(c, "type", cs_json_string(type));
	cs_json_set(c, "status", cs_json_string(status));
	cs_json_set(c, "lastProbeTime", cs_json_null());
	cs_json_set(c, "lastTransitionTime", cs_json_string(transition(prev, status, now)));
	if (!ok && reason)
		cs_json_set(c, "reason", cs_json_string(reason));
	if (message)
		cs_json_set(c, "message", message);
	for (size_t i = 0; i < cs_json_len(list); i++) {
		const char *t = cs_json_get_str(cs_json_at(list, i), "type");
		if (t && !strcmp(t, type)) {
			cs_json_free(cs_json_remove_at(list, i));
			cs_json_insert(list, i, c);
			return;
		}
	}
	cs_json_push(list, c);
}

static bool gates_ready(const cs_json *pod, const cs_json *old_conds)
{
	const cs_json *gates = cs_json_path(pod, "spec", "readinessGates", NULL);
	for (size_t i = 0; i < cs_json_len(gates); i++) {
		const char *t = cs_json_get_str(cs_json_at(gates, i), "conditionType");
		const cs_json *c = t ? find_condition(old_conds, t) : NULL;
		const char *s = cs_json_get_str(c, "status");
		if (!s || strcmp(s, "True"))
			return false;
	}
	return true;
}

static cs_json *ip_list(const char *ip)
{
	cs_json *a = cs_json_array();
	cs_json *o = cs_json_object();
	cs_json_set(o, "ip", cs_json_string(ip));
	cs_json_push(a, o);
	return a;
}

cs_json *cs_agent_pod_status(const cs_json *pod, const cs_agent_podview *v, const char *now)
{
	const cs_json *old = cs_json_get(pod, "status");
	cs_json *s = cs_json_is(old, CS_JSON_OBJECT) ? cs_json_clone(old) : cs_json_object();
	const char *phase =
		cs_agent_pod_phase(cs_json_get_str(cs_json_get(pod, "spec"), "restartPolicy"), v);
	cs_json_set(s, "phase", cs_json_string(phase));
	const cs_json *oc = cs_json_get(old, "conditions");
	cs_json *conds = cs_json_is(oc, CS_JSON_ARRAY) ? cs_json_clone(oc) : cs_json_array();
	bool done = !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed");
	bool inited = true;
	for (size_t i = 0; i < v->ninit; i++)
		inited &= v->init[i].state == CS_CTR_EXITED && v->init[i].exit_code == 0;
	bool cready = v->nctrs > 0;
	for (size_t i = 0; i < v->nctrs; i++)
		cready &= v->ctrs[i].state == CS_CTR_RUNNING;
	/* Kubernetes' order: Initialized, Ready, ContainersReady, PodScheduled. */
	set_condition(conds, oc, "Initialized", inited, "ContainersNotInitialized",
		      inited ? NULL : names_message("incomplete", v->init, v->ninit, true), now);
	bool ready = cready && gates_ready(pod, oc);
	const char *why = done     ? "PodCompleted"
			  : cready ? "ReadinessGatesNotReady"
				   : "ContainersNotReady";
	cs_json *msg = done || ready ? NULL
		       : cready      ? cs_json_string("the status of pod readiness gates is not "
							   "\"True\"")
				     : names_message("unready", v->ctrs, v->nctrs, false);
	set_condition(conds, oc, "Ready", ready, why, msg, now);
	set_condition(
		conds, oc, "ContainersReady", cready, done ? "PodCompleted" : "ContainersNotReady",
		cready || done ? NULL : names_message("unready", v->ctrs, v->nctrs, false), now);
	if (!find_condition(conds, "PodScheduled"))
		set_condition(conds, oc, "PodScheduled", true, NULL, NULL, now);
	cs_json_set(s, "conditions", conds);
	if (v->host_ip) {
		cs_json_set(s, "hostIP", cs_json_string(v->host_ip));
		cs_json_set(s, "hostIPs", ip_list(v->host_ip));
	}
	if (v->pod_ip) {
		cs_json_set(s, "podIP", cs_json_string(v->pod_ip));
		cs_json_set(s, "podIPs", ip_list(v->pod_ip));
	}
	if (!cs_json_get_str(s, "startTime"))
		cs_json_set(s, "startTime", cs_json_string(now));
	if (v->ninit) {
		cs_json *a = cs_json_array();
		for (size_t i = 0; i < v->ninit; i++)
			cs_json_push(a, container_status(&v->init[i], true));
		cs_json_set(s, "initContainerStatuses", a);
	}
	cs_json *a = cs_json_array();
	for (size_t i = 0; i < v->nctrs; i++)
		cs_json_push(a, container_status(&v->ctrs[i], false));
	cs_json_set(s, "containerStatuses", a);
	return s;
}
