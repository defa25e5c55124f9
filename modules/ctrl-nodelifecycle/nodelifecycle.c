/* ctrl-nodelifecycle: Kubernetes' node lifecycle controller.
 *
 * A node is healthy while its kubelet heartbeats: the Lease in
 * kube-node-lease is renewed, or the Ready condition's lastHeartbeatTime
 * moves.  As in Kubernetes, the controller notes when it last saw either
 * change on its own monotonic clock (clock skew between node and server
 * does not matter) and, past node-monitor-grace-period, sets the node's
 * conditions to Unknown ("Kubelet stopped posting node status.").  From
 * the conditions follow the node's taints (taints.c: NoSchedule at once,
 * NoExecute at the zone's eviction rate, zones.c), the pods' Ready
 * condition and their eviction by the NoExecute taints (evict.c).
 *
 * The host runs the nodes informer and the queue (one worker: the health
 * state is the worker's); the module adds informers on Leases and Pods and
 * a monitor timer that recomputes the zones and looks at every node every
 * node-monitor-period. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

#define LEASE_NS "kube-node-lease"

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void health_free(void *p)
{
	nl_health *hh = p;
	if (hh) {
		free(hh->renew);
		free(hh->heartbeat);
	}
	free(hh);
}

static const cs_object *condition(const cs_host *h, const cs_object *node, const char *type,
				  size_t *idx)
{
	const cs_object *conds = h->obj_get(node, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++)
		if (same(h->obj_str(h->obj_at(conds, i), "type"), type)) {
			if (idx)
				*idx = i;
			return h->obj_at(conds, i);
		}
	return NULL;
}

/* ---- the monitor: heartbeats and conditions ---- */

/* Heartbeats seen; returns the milliseconds until the node is overdue, 0
 * when it is, and *prev the Ready status seen on the last pass. */
static uint32_t heartbeat(cs_mod *m, const cs_object *node, const char *name, char *prev)
{
	const cs_host *h = m->host;
	nl_ctrl *nl = nl_of(m);
	const cs_object *lease = h->cache_get(nl->leases, LEASE_NS, name);
	const char *renew = h->obj_str(lease, "spec.renewTime");
	const char *hb = h->obj_str(condition(h, node, "Ready", NULL), "lastHeartbeatTime");
	uint64_t now = nl_mono_ms();
	uint32_t left = nl->period_ms;
	pthread_mutex_lock(&nl->mu);
	nl_health *hh = nl_map_get(&nl->health, name);
	if (!hh) {
		/* A node seen for the first time gets a full grace period. */
		if (!(hh = calloc(1, sizeof(*hh))) || nl_map_put(&nl->health, name, hh) < 0) {
			free(hh);
			hh = NULL;
		} else {
			hh->probe_ms = now;
		}
	}
	if (hh && (!same(hh->renew, renew) || !same(hh->heartbeat, hb))) {
		char *r = renew ? strdup(renew) : NULL, *b = hb ? strdup(hb) : NULL;
		if ((!renew || r) && (!hb || b)) {
			free(hh->renew);
			free(hh->heartbeat);
			hh->renew = r;
			hh->heartbeat = b;
			hh->probe_ms = now;
		} else {
			free(r);
			free(b);
		}
	}
	if (hh) {
		uint64_t grace = nl_ready_status(h, node) ? nl->grace_ms : nl->startup_grace_ms;
		uint64_t due = hh->probe_ms + grace;
		left = due <= now ? 0 : (uint32_t)(due - now + 1);
		*prev = hh->ready;
	}
	pthread_mutex_unlock(&nl->mu);
	h->obj_free(lease);
	if (!hh)
		h->log(m, CS_LOG_ERROR, "node %s: out of memory tracking its health", name);
	return left;
}

static int set_unknown(const cs_host *h, cs_object *n, const char *type, const char *now,
		       bool *changed)
{
	size_t i;
	const cs_object *c = condition(h, n, type, &i);
	char path[96];
	if (c) {
		if (same(h->obj_str(c, "status"), "Unknown"))
			return 0;
		*changed = true;
		snprintf(path, sizeof(path), "status.conditions[%zu]", i);
		cs_object *nc = h->obj_clone(c);
		if (!nc || h->obj_set_str(nc, "status", "Unknown") ||
		    h->obj_set_str(nc, "reason", "NodeStatusUnknown") ||
		    h->obj_set_str(nc, "message", "Kubelet stopped posting node status.") ||
		    h->obj_set_str(nc, "lastTransitionTime", now)) {
			h->obj_free(nc);
			return -1;
		}
		return h->obj_set(n, path, nc);
	}
	*changed = true;
	const cs_object *conds = h->obj_get(n, "status.conditions");
	size_t len = h->obj_type(conds) == CS_OBJ_ARRAY ? h->obj_len(conds) : 0;
	if (!len && h->obj_set(n, "status.conditions", h->obj_new(CS_OBJ_ARRAY)))
		return -1;
	cs_object *nc = h->obj_new(CS_OBJ_MAP);
	const char *created = h->obj_str(n, "metadata.creationTimestamp");
	if (!nc || h->obj_set_str(nc, "type", type) || h->obj_set_str(nc, "status", "Unknown") ||
	    h->obj_set_str(nc, "reason", "NodeStatusNeverUpdated") ||
	    h->obj_set_str(nc, "message", "Kubelet never posted node status.") ||
	    h->obj_set_str(nc, "lastHeartbeatTime", created ? created : now) ||
	    h->obj_set_str(nc, "lastTransitionTime", now)) {
		h->obj_free(nc);
		return -1;
	}
	snprintf(path, sizeof(path), "status.conditions[%zu]", len); /* appends */
	return h->obj_set(n, path, nc);
}

/* The kubelet is overdue: its conditions become Unknown.  *node is
 * replaced by the written node. */
static int mark_unknown(cs_mod *m, const cs_object **node, const char *name)
{
	const cs_host *h = m->host;
	static const char *const types[] = {"Ready", "MemoryPressure", "DiskPressure",
					    "PIDPressure"};
	char now[32];
	nl_rfc3339_now(now);
	cs_object *n = h->obj_clone(*node);
	bool changed = false,
	     bad = !n || h->obj_set_str(n, "apiVersion", "v1") || h->obj_set_str(n, "kind", "Node");
	for (size_t i = 0; !bad && i < sizeof(types) / sizeof(*types); i++)
		bad = set_unknown(h, n, types[i], now, &changed) < 0;
	if (bad) {
		h->obj_free(n);
		h->log(m, CS_LOG_ERROR, "node %s: out of memory building its status", name);
		return CS_RETRY;
	}
	if (!changed) {
		h->obj_free(n);
		return CS_DONE;
	}
	const cs_object *out = NULL;
	cs_error err;
	int rc = cs_api_update(m, "nodes/status", n, &out, &err);
	h->obj_free(n);
	if (rc) {
		if (rc == CS_NOT_FOUND)
			return CS_DONE;
		if (rc != CS_CONFLICT)
			h->log(m, CS_LOG_WARN,
			       "node %s: cannot set its conditions Unknown (%d %s): %s", name, rc,
			       err.reason, err.message);
		return CS_RETRY;
	}
	h->log(m, CS_LOG_INFO,
	       "node %s: no heartbeat for node-monitor-grace-period; conditions set to Unknown",
	       name);
	h->obj_free(*node);
	*node = out;
	return CS_DONE;
}

/* ---- reconcile (the worker) ---- */

static int merge_rc(int a, int b)
{
	if (a == CS_RETRY || b == CS_RETRY)
		return CS_RETRY;
	if (a == CS_DONE)
		return b;
	if (b == CS_DONE)
		return a;
	return a < b ? a : b;
}

static int nl_reconcile(cs_mod *m, const char *name)
{
	const cs_host *h = m->host;
	nl_ctrl *nl = nl_of(m);
	if (!h->informer_synced(nl->leases) || !h->informer_synced(nl->pods))
		return 200;
	const cs_object *node = h->cache_get(nl->nodes, NULL, name);
	if (!node) {
		pthread_mutex_lock(&nl->mu);
		health_free(nl_map_take(&nl->health, name));
		pthread_mutex_unlock(&nl->mu);
		nl_evictions_forget_node(m, name);
		return CS_DONE;
	}
	char prev = 0;
	uint32_t left = heartbeat(m, node, name, &prev);
	int rc = left ? (int)left : CS_DONE;
	if (!left && mark_unknown(m, &node, name) == CS_RETRY) {
		h->obj_free(node);
		return CS_RETRY;
	}
	char ready = nl_ready_status(h, node);
	cs_object *ref = h->obj_clone(node);
	if (ref && !h->obj_set_str(ref, "apiVersion", "v1") &&
	    !h->obj_set_str(ref, "kind", "Node")) {
		if (prev == 'T' && ready != 'T')
			h->event(m, ref, "Normal", "NodeNotReady", "Node %s status is now: %s",
				 name, "NodeNotReady");
		else if (prev && prev != 'T' && ready == 'T')
			h->event(m, ref, "Normal", "NodeReady", "Node %s status is now: %s", name,
				 "NodeReady");
	}
	h->obj_free(ref);
	uint64_t since = nl_mono_ms();
	pthread_mutex_lock(&nl->mu);
	nl_health *hh = nl_map_get(&nl->health, name);
	if (hh && hh->ready != ready) {
		hh->ready = ready;
		hh->since_ms = since;
	} else if (hh) {
		since = hh->since_ms;
	}
	pthread_mutex_unlock(&nl->mu);
	if (ready && ready != 'T')
		rc = merge_rc(rc, nl_mark_pods_not_ready(m, name));
	rc = merge_rc(rc, nl_taint(m, &node, since));
	rc = merge_rc(rc, nl_evict(m, node));
	h->obj_free(node);
	return rc;
}

/* ---- informers and the monitor timer (module thread) ---- */

static bool enqueue_node(void *arg, const cs_object *node)
{
	cs_mod *m = arg;
	const char *name = m->host->obj_str(node, "metadata.name");
	if (name)
		cs_controller_enqueue(m, name, 0);
	return true;
}

static void monitor(cs_mod *m, void *arg)
{
	(void)arg;
	nl_ctrl *nl = nl_of(m);
	if (!m->host->informer_synced(nl->nodes))
		return;
	nl_zones_update(m);
	m->host->cache_each(nl->nodes, NULL, NULL, enqueue_node, m);
}

static void lease_changed(cs_mod *m, void *arg, const cs_object *lease)
{
	(void)arg;
	const char *name = m->host->obj_str(lease, "metadata.name");
	if (name)
		cs_controller_enqueue(m, name, 0);
}

static void lease_updated(cs_mod *m, void *arg, const cs_object *old, const cs_object *lease)
{
	(void)old;
	lease_changed(m, arg, lease);
}

/* A pod bound to a node may have to be evicted from it. */
static void pod_changed(cs_mod *m, void *arg, const cs_object *pod)
{
	(void)arg;
	const char *node = m->host->obj_str(pod, "spec.nodeName");
	if (node && *node)
		cs_controller_enqueue(m, node, 0);
}

static void pod_updated(cs_mod *m, void *arg, const cs_object *old, const cs_object *pod)
{
	if (old != pod)
		pod_changed(m, arg, pod);
}

static void pod_deleted(cs_mod *m, void *arg, const cs_object *pod)
{
	(void)arg;
	nl_ctrl *nl = nl_of(m);
	const char *uid = m->host->obj_str(pod, "metadata.uid");
	if (!uid)
		return;
	pthread_mutex_lock(&nl->mu);
	nl_eviction_free(nl_map_take(&nl->evictions, uid));
	pthread_mutex_unlock(&nl->mu);
}

static const cs_informer_handlers lease_handlers = {lease_changed, lease_updated, lease_changed,
						    NULL};
static const cs_informer_handlers pod_handlers = {pod_changed, pod_updated, pod_deleted, NULL};

/* ---- lifecycle ---- */

static const cs_option nl_options[] = {
	{"node-monitor-period", CS_OPT_FLOAT, "5", "seconds between looks at every node"},
	{"node-monitor-grace-period", CS_OPT_FLOAT, "40",
	 "seconds without a heartbeat before a node's conditions become Unknown"},
	{"node-startup-grace-period", CS_OPT_FLOAT, "60",
	 "the same for a node that never posted a Ready condition"},
	{"node-eviction-rate", CS_OPT_FLOAT, "0.1",
	 "nodes per second per zone that get a NoExecute taint, in a healthy zone"},
	{"secondary-node-eviction-rate", CS_OPT_FLOAT, "0.01",
	 "the same in a large zone that is mostly unhealthy"},
	{"large-cluster-size-threshold", CS_OPT_INT, "50",
	 "nodes above which a zone is large (smaller unhealthy zones stop evicting)"},
	{"unhealthy-zone-threshold", CS_OPT_FLOAT, "0.55",
	 "fraction of not-ready nodes (at least 3) that makes a zone unhealthy"},
	{NULL, CS_OPT_END, NULL, NULL},
};

static void nl_fini(cs_mod *m)
{
	nl_ctrl *nl = nl_of(m);
	if (!nl)
		return;
	nl_map_free(&nl->zones, free);
	nl_map_free(&nl->health, health_free);
	nl_map_free(&nl->evictions, nl_eviction_free);
	pthread_mutex_destroy(&nl->mu);
	free(nl);
	m->host->set_data(m, NULL);
}

static int seconds_opt(cs_mod *m, const char *name, double min, uint32_t *ms)
{
	double s = m->host->opt_float(m, name);
	if (!(s >= min && s <= 86400)) {
		m->host->log(m, CS_LOG_ERROR, "option %s: %g is not within %g..86400 seconds", name,
			     s, min);
		return -1;
	}
	*ms = (uint32_t)(s * 1000);
	return 0;
}

static int nl_init(cs_mod *m)
{
	const cs_host *h = m->host;
	nl_ctrl *nl = calloc(1, sizeof(*nl));
	if (!nl) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	pthread_mutex_init(&nl->mu, NULL);
	h->set_data(m, nl);
	if (nl_map_init(&nl->zones) < 0 || nl_map_init(&nl->health) < 0 ||
	    nl_map_init(&nl->evictions) < 0) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		goto fail;
	}
	if (seconds_opt(m, "node-monitor-period", 0.1, &nl->period_ms) < 0 ||
	    seconds_opt(m, "node-monitor-grace-period", 0.1, &nl->grace_ms) < 0 ||
	    seconds_opt(m, "node-startup-grace-period", 0.1, &nl->startup_grace_ms) < 0)
		goto fail;
	nl->rate = h->opt_float(m, "node-eviction-rate");
	nl->secondary_rate = h->opt_float(m, "secondary-node-eviction-rate");
	nl->unhealthy_threshold = h->opt_float(m, "unhealthy-zone-threshold");
	nl->large_cluster = h->opt_int(m, "large-cluster-size-threshold");
	if (!(nl->rate >= 0) || !(nl->secondary_rate >= 0)) {
		h->log(m, CS_LOG_ERROR,
		       "options node-eviction-rate, secondary-node-eviction-rate: "
		       "a rate cannot be negative");
		goto fail;
	}
	if (!(nl->unhealthy_threshold > 0 && nl->unhealthy_threshold <= 1)) {
		h->log(m, CS_LOG_ERROR, "option unhealthy-zone-threshold: %g is not within (0, 1]",
		       nl->unhealthy_threshold);
		goto fail;
	}
	if (nl->period_ms >= nl->grace_ms)
		h->log(m, CS_LOG_WARN,
		       "node-monitor-period (%u ms) is not shorter than node-monitor-grace-period "
		       "(%u ms): nodes are found overdue late",
		       nl->period_ms, nl->grace_ms);
	nl->nodes = cs_controller_informer(m, "nodes");
	nl->leases = h->informer_new(m, "leases.coordination.k8s.io", LEASE_NS, NULL, NULL, 0,
				     &lease_handlers);
	nl->pods = h->informer_new(m, "pods", NULL, NULL, NULL, 0, &pod_handlers);
	nl->m_evicted = h->metric_new(m, CS_METRIC_COUNTER, "node_lifecycle_evictions_total",
				      "pods deleted by NoExecute taints");
	nl->m_tainted = h->metric_new(m, CS_METRIC_COUNTER, "node_lifecycle_noexecute_taints_total",
				      "NoExecute taints added to nodes");
	if (!nl->nodes || !nl->leases || !nl->pods || !nl->m_evicted || !nl->m_tainted)
		goto fail;
	return 0;
fail:
	nl_fini(m);
	return -1;
}

static int nl_start(cs_mod *m)
{
	nl_ctrl *nl = nl_of(m);
	nl->monitor = m->host->timer_add(m, nl->period_ms, nl->period_ms, monitor, NULL);
	if (!nl->monitor) {
		m->host->log(m, CS_LOG_ERROR, "cannot start the monitor timer");
		return -1;
	}
	return 0;
}

static const cs_controller_ops nl_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = "nodes",
	.owns = NULL,
	.workers = 1, /* the health state belongs to one worker */
	.reconcile = nl_reconcile,
	.resync_seconds = 0,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "ctrl-nodelifecycle",
	.version = "1.0.0",
	.description = "node lifecycle controller: node health, taints and taint-based eviction",
	.kind = CS_KIND_CONTROLLER,
	.options = nl_options,
	.init = nl_init,
	.start = nl_start,
	.fini = nl_fini,
	.ops = &nl_ops,
};
