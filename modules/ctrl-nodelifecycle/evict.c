/* What happens to the pods of a node that is not ready: their Ready
 * condition goes False (Kubernetes' MarkPodsNotReady), and the NoExecute
 * taints evict those that do not tolerate them, at once or after their
 * tolerationSeconds (the taint eviction controller). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

static bool str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

/* The pods bound to a node, kept for the caller. */
struct on_node {
	const cs_host *h;
	const char *node;
	const cs_object **pods;
	size_t n, cap;
	bool oom;
};

static bool on_node_visit(void *arg, const cs_object *pod)
{
	struct on_node *o = arg;
	if (!str_is(o->h->obj_str(pod, "spec.nodeName"), o->node))
		return true;
	if (o->n == o->cap) {
		size_t c = o->cap ? o->cap * 2 : 16;
		const cs_object **p = realloc(o->pods, c * sizeof(*p));
		if (!p) {
			o->oom = true;
			return false;
		}
		o->pods = p;
		o->cap = c;
	}
	o->pods[o->n++] = o->h->obj_keep(pod);
	return true;
}

static int pods_on(cs_mod *m, const char *node, struct on_node *o)
{
	const cs_host *h = m->host;
	*o = (struct on_node){.h = h, .node = node};
	if (h->cache_each(nl_of(m)->pods, NULL, NULL, on_node_visit, o) < 0 || o->oom) {
		h->log(m, CS_LOG_ERROR, "node %s: cannot list its pods: out of memory", node);
		for (size_t i = 0; i < o->n; i++)
			h->obj_free(o->pods[i]);
		free(o->pods);
		return -1;
	}
	return 0;
}

static void on_node_free(struct on_node *o)
{
	for (size_t i = 0; i < o->n; i++)
		o->h->obj_free(o->pods[i]);
	free(o->pods);
}

/* Cached pods may lack apiVersion and kind, which Events need. */
static cs_object *pod_ref(const cs_host *h, const cs_object *pod)
{
	cs_object *r = h->obj_clone(pod);
	if (!r || h->obj_set_str(r, "apiVersion", "v1") || h->obj_set_str(r, "kind", "Pod")) {
		h->obj_free(r);
		return NULL;
	}
	return r;
}

/* ---- MarkPodsNotReady ---- */

static int mark_one(cs_mod *m, const cs_object *pod)
{
	const cs_host *h = m->host;
	const cs_object *conds = h->obj_get(pod, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++) {
		const cs_object *c = h->obj_at(conds, i);
		if (!str_is(h->obj_str(c, "type"), "Ready"))
			continue;
		if (str_is(h->obj_str(c, "status"), "False"))
			return CS_DONE;
		cs_object *p = pod_ref(h, pod);
		char path[64], now[32];
		nl_rfc3339_now(now);
		snprintf(path, sizeof(path), "status.conditions[%zu]", i);
		char st[80], lt[96];
		snprintf(st, sizeof(st), "%s.status", path);
		snprintf(lt, sizeof(lt), "%s.lastTransitionTime", path);
		if (!p || h->obj_set_str(p, st, "False") || h->obj_set_str(p, lt, now)) {
			h->obj_free(p);
			return CS_RETRY;
		}
		const char *ns = h->obj_str(pod, "metadata.namespace");
		const char *name = h->obj_str(pod, "metadata.name");
		cs_error err;
		int rc = cs_api_update(m, "pods/status", p, NULL, &err);
		if (rc == 0) {
			h->log(m, CS_LOG_INFO,
			       "pod %s/%s: Ready set to False: its node is not ready", ns, name);
			/* After the update, so that the pod surely exists. */
			h->event(m, p, "Warning", "NodeNotReady", "Node is not ready");
		} else if (rc != CS_NOT_FOUND && rc != CS_CONFLICT) {
			h->log(m, CS_LOG_WARN, "pod %s/%s: cannot set Ready to False (%d %s): %s",
			       ns, name, rc, err.reason, err.message);
		}
		h->obj_free(p);
		return rc == 0 || rc == CS_NOT_FOUND ? CS_DONE : CS_RETRY;
	}
	return CS_DONE;
}

int nl_mark_pods_not_ready(cs_mod *m, const char *node)
{
	struct on_node o;
	if (pods_on(m, node, &o) < 0)
		return CS_RETRY;
	int rc = CS_DONE;
	for (size_t i = 0; i < o.n; i++)
		if (!m->host->obj_get(o.pods[i], "metadata.deletionTimestamp") &&
		    mark_one(m, o.pods[i]) != CS_DONE)
			rc = CS_RETRY;
	on_node_free(&o);
	return rc;
}

/* ---- taint-based eviction ---- */

void nl_eviction_free(void *p)
{
	nl_eviction *e = p;
	if (e)
		free(e->node);
	free(e);
}

/* How long the pod may stay: -1 forever, else milliseconds; *now when a
 * NoExecute taint is not tolerated at all (getMinTolerationTime over the
 * tolerations used). */
static int64_t toleration_ms(const cs_host *h, const cs_object *pod, const cs_object *taints,
			     bool *now)
{
	const cs_object *tols = h->obj_get(pod, "spec.tolerations");
	int64_t min = -1;
	*now = false;
	for (size_t i = 0; i < h->obj_len(taints); i++) {
		const cs_object *t = h->obj_at(taints, i);
		if (!str_is(h->obj_str(t, "effect"), "NoExecute"))
			continue;
		bool tolerated = false;
		for (size_t k = 0; k < h->obj_len(tols); k++) {
			const cs_object *tol = h->obj_at(tols, k);
			if (!nl_tolerates(h, tol, t))
				continue;
			tolerated = true;
			if (!h->obj_get(tol, "tolerationSeconds"))
				continue;
			int64_t s = h->obj_int(tol, "tolerationSeconds", 0);
			int64_t ms = s <= 0 ? 0 : s * 1000;
			if (min < 0 || ms < min)
				min = ms;
		}
		if (!tolerated) {
			*now = true;
			return 0;
		}
	}
	return min;
}

/* The DisruptionTarget condition Kubernetes sets before the deletion, so
 * that whoever watches the pod learns why it went. */
static int disruption_condition(cs_mod *m, const cs_object *pod)
{
	const cs_host *h = m->host;
	const cs_object *conds = h->obj_get(pod, "status.conditions");
	size_t n = h->obj_type(conds) == CS_OBJ_ARRAY ? h->obj_len(conds) : 0, at = n;
	for (size_t i = 0; i < n; i++) {
		const cs_object *c = h->obj_at(conds, i);
		if (str_is(h->obj_str(c, "type"), "DisruptionTarget")) {
			if (str_is(h->obj_str(c, "status"), "True") &&
			    str_is(h->obj_str(c, "reason"), "DeletionByTaintManager"))
				return CS_DONE;
			at = i;
		}
	}
	char now[32], path[64];
	nl_rfc3339_now(now);
	snprintf(path, sizeof(path), "status.conditions[%zu]", at);
	cs_object *p = pod_ref(h, pod), *c = h->obj_new(CS_OBJ_MAP);
	bool bad = !p || !c || h->obj_set_str(c, "type", "DisruptionTarget") ||
		   h->obj_set_str(c, "status", "True") ||
		   h->obj_set_str(c, "reason", "DeletionByTaintManager") ||
		   h->obj_set_str(c, "message", "Taint manager: deleting due to NoExecute taint") ||
		   h->obj_set_str(c, "lastTransitionTime", now);
	if (!bad && !n)
		bad = h->obj_set(p, "status.conditions", h->obj_new(CS_OBJ_ARRAY));
	if (bad || h->obj_set(p, path, c)) {
		if (bad)
			h->obj_free(c);
		h->obj_free(p);
		return CS_RETRY;
	}
	cs_error err;
	int rc = cs_api_update(m, "pods/status", p, NULL, &err);
	h->obj_free(p);
	if (rc && rc != CS_NOT_FOUND && rc != CS_CONFLICT)
		h->log(m, CS_LOG_WARN,
		       "pod %s/%s: cannot set its DisruptionTarget condition (%d %s): %s",
		       h->obj_str(pod, "metadata.namespace"), h->obj_str(pod, "metadata.name"), rc,
		       err.reason, err.message);
	return rc == 0 || rc == CS_NOT_FOUND ? CS_DONE : CS_RETRY;
}

static int delete_pod(cs_mod *m, const cs_object *pod)
{
	const cs_host *h = m->host;
	nl_ctrl *nl = nl_of(m);
	const char *ns = h->obj_str(pod, "metadata.namespace");
	const char *name = h->obj_str(pod, "metadata.name");
	cs_object *ref = pod_ref(h, pod);
	h->event(m, ref, "Normal", "TaintManagerEviction", "Marking for deletion Pod %s/%s", ns,
		 name);
	h->obj_free(ref);
	if (disruption_condition(m, pod) != CS_DONE)
		return CS_RETRY;
	cs_object *opts = h->obj_new(CS_OBJ_MAP);
	if (!opts || h->obj_set_str(opts, "preconditions.uid", h->obj_str(pod, "metadata.uid"))) {
		h->obj_free(opts);
		return CS_RETRY;
	}
	cs_request r = {
		.verb = CS_VERB_DELETE, .resource = "pods", .ns = ns, .name = name, .body = opts};
	cs_error err;
	int rc = h->call(m, &r, NULL, &err);
	h->obj_free(opts);
	if (rc == 0) {
		h->metric_add(nl->m_evicted, 1);
		h->log(m, CS_LOG_INFO, "pod %s/%s: evicted from node %s (NoExecute taint)", ns,
		       name, h->obj_str(pod, "spec.nodeName"));
		return CS_DONE;
	}
	if (rc == CS_NOT_FOUND || rc == CS_CONFLICT)
		return CS_DONE; /* gone, or replaced by a namesake */
	h->log(m, CS_LOG_WARN, "pod %s/%s: eviction failed (%d %s): %s", ns, name, rc, err.reason,
	       err.message);
	return CS_RETRY;
}

/* Cancel a scheduled eviction, with Kubernetes' Event. */
static void cancel(cs_mod *m, const cs_object *pod)
{
	const cs_host *h = m->host;
	nl_ctrl *nl = nl_of(m);
	const char *uid = h->obj_str(pod, "metadata.uid");
	pthread_mutex_lock(&nl->mu);
	nl_eviction *e = uid ? nl_map_take(&nl->evictions, uid) : NULL;
	pthread_mutex_unlock(&nl->mu);
	if (!e)
		return;
	nl_eviction_free(e);
	cs_object *ref = pod_ref(h, pod);
	h->event(m, ref, "Normal", "TaintManagerEviction", "Cancelling deletion of Pod %s/%s",
		 h->obj_str(pod, "metadata.namespace"), h->obj_str(pod, "metadata.name"));
	h->obj_free(ref);
}

struct pending {
	const char *node;
	bool *found;
};

static bool pending_on(void *arg, const char *key, void *val)
{
	(void)key;
	struct pending *p = arg;
	const nl_eviction *e = val;
	*p->found = *p->found || str_is(e->node, p->node);
	return false;
}

int nl_evict(cs_mod *m, const cs_object *node)
{
	const cs_host *h = m->host;
	nl_ctrl *nl = nl_of(m);
	const char *name = h->obj_str(node, "metadata.name");
	const cs_object *taints = h->obj_get(node, "spec.taints");
	bool any_ne = false;
	for (size_t i = 0; i < h->obj_len(taints); i++)
		any_ne |= str_is(h->obj_str(h->obj_at(taints, i), "effect"), "NoExecute");
	pthread_mutex_lock(&nl->mu);
	bool pending = false;
	nl_map_filter(&nl->evictions, pending_on, &(struct pending){name, &pending});
	pthread_mutex_unlock(&nl->mu);
	if (!any_ne && !pending)
		return CS_DONE; /* the common case: no walk over the pods */
	struct on_node o;
	if (pods_on(m, name, &o) < 0)
		return CS_RETRY;
	int rc = CS_DONE;
	uint64_t now = nl_mono_ms(), next = 0;
	for (size_t i = 0; i < o.n; i++) {
		const cs_object *pod = o.pods[i];
		const char *uid = h->obj_str(pod, "metadata.uid");
		if (!uid || h->obj_get(pod, "metadata.deletionTimestamp"))
			continue;
		bool at_once;
		int64_t ms = any_ne ? toleration_ms(h, pod, taints, &at_once) : -1;
		if (!any_ne || (ms < 0 && !at_once)) {
			cancel(m, pod);
			continue;
		}
		uint64_t due = now;
		if (!at_once) {
			pthread_mutex_lock(&nl->mu);
			nl_eviction *e = nl_map_get(&nl->evictions, uid);
			if (!e) {
				/* Counted from when the taint was first seen on the
				 * pod's node, as the taint manager does. */
				e = calloc(1, sizeof(*e));
				if (e && (!(e->node = strdup(name)) ||
					  nl_map_put(&nl->evictions, uid, e) < 0)) {
					nl_eviction_free(e);
					e = NULL;
				}
				if (e)
					e->since_ms = now;
			}
			if (e)
				due = e->since_ms + (uint64_t)ms;
			pthread_mutex_unlock(&nl->mu);
			if (!e) {
				rc = CS_RETRY;
				continue;
			}
		}
		if (due > now) {
			if (!next || due < next)
				next = due;
			continue;
		}
		if (delete_pod(m, pod) != CS_DONE) {
			rc = CS_RETRY;
			continue;
		}
		pthread_mutex_lock(&nl->mu);
		nl_eviction_free(nl_map_take(&nl->evictions, uid));
		pthread_mutex_unlock(&nl->mu);
	}
	on_node_free(&o);
	if (rc == CS_DONE && next)
		rc = (int)(next - now + 1);
	return rc;
}

static bool on_gone_node(void *arg, const char *key, void *val)
{
	(void)key;
	nl_eviction *e = val;
	if (!str_is(e->node, arg))
		return false;
	nl_eviction_free(e);
	return true;
}

void nl_evictions_forget_node(cs_mod *m, const char *node)
{
	nl_ctrl *nl = nl_of(m);
	pthread_mutex_lock(&nl->mu);
	nl_map_filter(&nl->evictions, on_gone_node, (void *)node);
	pthread_mutex_unlock(&nl->mu);
}
