/* The node's taints from its conditions, as Kubernetes'
 * doNoScheduleTaintingPass and doNoExecuteTaintingPass set them:
 *  - NoSchedule: not-ready (Ready False), unreachable (Ready Unknown),
 *    memory-, disk-, pid-pressure, network-unavailable, unschedulable;
 *  - NoExecute: not-ready or unreachable, one swapped for the other, added
 *    at the zone's eviction rate, removed when the node is ready. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

static bool str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

bool nl_tolerates(const cs_host *h, const cs_object *tol, const cs_object *taint)
{
	const char *effect = h->obj_str(tol, "effect"), *key = h->obj_str(tol, "key");
	const char *op = h->obj_str(tol, "operator");
	if (effect && *effect && !str_is(effect, h->obj_str(taint, "effect")))
		return false;
	if (key && *key && !str_is(key, h->obj_str(taint, "key")))
		return false;
	if (str_is(op, "Exists"))
		return true;
	if (op && *op && !str_is(op, "Equal"))
		return false;
	const char *v = h->obj_str(tol, "value"), *tv = h->obj_str(taint, "value");
	return !strcmp(v ? v : "", tv ? tv : "");
}

/* NoSchedule taints by condition, as nodeConditionToTaintKeyStatusMap. */
static const struct {
	const char *cond, *status, *key;
} cond_taints[] = {
	{"Ready", "False", TAINT_NOT_READY},
	{"Ready", "Unknown", TAINT_UNREACHABLE},
	{"MemoryPressure", "True", "node.kubernetes.io/memory-pressure"},
	{"DiskPressure", "True", "node.kubernetes.io/disk-pressure"},
	{"NetworkUnavailable", "True", "node.kubernetes.io/network-unavailable"},
	{"PIDPressure", "True", "node.kubernetes.io/pid-pressure"},
};
#define NCOND         (sizeof(cond_taints) / sizeof(*cond_taints))
#define UNSCHEDULABLE "node.kubernetes.io/unschedulable"

static bool ours_noschedule(const char *key)
{
	for (size_t i = 0; i < NCOND; i++)
		if (str_is(key, cond_taints[i].key))
			return true;
	return str_is(key, UNSCHEDULABLE);
}

static bool want_noschedule(const cs_host *h, const cs_object *node, const char *key)
{
	if (str_is(key, UNSCHEDULABLE))
		return h->obj_bool(node, "spec.unschedulable", false);
	const cs_object *conds = h->obj_get(node, "status.conditions");
	for (size_t i = 0; i < NCOND; i++) {
		if (!str_is(key, cond_taints[i].key))
			continue;
		for (size_t k = 0; k < h->obj_len(conds); k++) {
			const cs_object *c = h->obj_at(conds, k);
			if (str_is(h->obj_str(c, "type"), cond_taints[i].cond) &&
			    str_is(h->obj_str(c, "status"), cond_taints[i].status))
				return true;
		}
	}
	return false;
}

static cs_object *taint(const cs_host *h, const char *key, const char *effect, bool stamped)
{
	cs_object *t = h->obj_new(CS_OBJ_MAP);
	char now[32];
	nl_rfc3339_now(now);
	if (!t || h->obj_set_str(t, "key", key) || h->obj_set_str(t, "effect", effect) ||
	    (stamped && h->obj_set_str(t, "timeAdded", now))) {
		h->obj_free(t);
		return NULL;
	}
	return t;
}

static bool has_taint(const cs_host *h, const cs_object *taints, const char *key,
		      const char *effect)
{
	for (size_t i = 0; i < h->obj_len(taints); i++) {
		const cs_object *t = h->obj_at(taints, i);
		if (str_is(h->obj_str(t, "key"), key) && str_is(h->obj_str(t, "effect"), effect))
			return true;
	}
	return false;
}

int nl_taint(cs_mod *m, const cs_object **node, uint64_t since_ms)
{
	const cs_host *h = m->host;
	nl_ctrl *nl = nl_of(m);
	const cs_object *n = *node;
	const char *name = h->obj_str(n, "metadata.name");
	const cs_object *taints = h->obj_get(n, "spec.taints");
	char ready = nl_ready_status(h, n);
	pthread_mutex_lock(&nl->mu);
	bool stopped = nl->all_disrupted;
	/* The zone's state must count this node as it is now, and the nodes
	 * that failed with it: a monitor period after the change.  Otherwise
	 * the first nodes of a zone going down together would be tainted at
	 * the healthy zone's rate before the zone is seen to be down. */
	bool settled = nl->zones_ms >= since_ms + nl->period_ms;
	pthread_mutex_unlock(&nl->mu);
	/* The NoExecute taint the node should have, or NULL. */
	const char *ne = NULL;
	if (!stopped && ready == 'F')
		ne = TAINT_NOT_READY;
	else if (!stopped && ready == 'U')
		ne = TAINT_UNREACHABLE;
	int rc = CS_DONE;
	bool ne_present = ne && has_taint(h, taints, ne, "NoExecute");
	bool add_ne = ne && !ne_present;
	if (add_ne && !settled) {
		add_ne = false;
		rc = (int)nl->period_ms;
	} else if (add_ne) {
		char zone[256];
		nl_zone_key(h, n, zone, sizeof(zone));
		uint32_t wait = nl_zone_take(m, zone);
		if (wait) {
			add_ne = false;
			rc = (int)wait; /* the zone's rate: later */
					/* Keep the other NoExecute taint until this one can replace
					 * it (SwapNodeControllerTaint swaps both at once). */
		}
	}
	cs_object *list = h->obj_new(CS_OBJ_ARRAY);
	bool changed = false, bad = !list;
	for (size_t i = 0; !bad && i < h->obj_len(taints); i++) {
		const cs_object *t = h->obj_at(taints, i);
		const char *key = h->obj_str(t, "key"), *effect = h->obj_str(t, "effect");
		bool drop = false;
		if (str_is(effect, "NoSchedule") && ours_noschedule(key))
			drop = !want_noschedule(h, n, key);
		else if (str_is(effect, "NoExecute") &&
			 (str_is(key, TAINT_NOT_READY) || str_is(key, TAINT_UNREACHABLE)))
			drop = !ne || (!str_is(key, ne) && (add_ne || ne_present));
		changed |= drop;
		if (!drop)
			bad = h->obj_append(list, h->obj_clone(t));
	}
	const char *const keys[] = {TAINT_NOT_READY,    TAINT_UNREACHABLE,  cond_taints[2].key,
				    cond_taints[3].key, cond_taints[4].key, cond_taints[5].key,
				    UNSCHEDULABLE};
	for (size_t i = 0; !bad && i < sizeof(keys) / sizeof(*keys); i++)
		if (want_noschedule(h, n, keys[i]) &&
		    !has_taint(h, taints, keys[i], "NoSchedule")) {
			bad = h->obj_append(list, taint(h, keys[i], "NoSchedule", false));
			changed = true;
		}
	if (!bad && add_ne) {
		bad = h->obj_append(list, taint(h, ne, "NoExecute", true));
		changed = true;
	}
	if (bad) {
		h->obj_free(list);
		h->log(m, CS_LOG_ERROR, "node %s: out of memory building its taints", name);
		return CS_RETRY;
	}
	if (!changed) {
		h->obj_free(list);
		return rc;
	}
	cs_object *patch = h->obj_new(CS_OBJ_MAP);
	const char *rv = h->obj_str(n, "metadata.resourceVersion");
	if (!h->obj_len(list)) {
		h->obj_free(list);
		list = h->obj_new(CS_OBJ_NULL);
	}
	if (!patch || h->obj_set(patch, "spec.taints", list) ||
	    (rv && h->obj_set_str(patch, "metadata.resourceVersion", rv))) {
		h->obj_free(patch);
		h->log(m, CS_LOG_ERROR, "node %s: out of memory building its taints", name);
		return CS_RETRY;
	}
	const cs_object *out = NULL;
	cs_error err;
	int code = cs_api_patch(m, "nodes", NULL, name, CS_PATCH_MERGE, patch, &out, &err);
	h->obj_free(patch);
	if (code == CS_CONFLICT) {
		h->log(m, CS_LOG_DEBUG, "node %s: taint update conflicted", name);
		return CS_RETRY;
	}
	if (code) {
		if (code != CS_NOT_FOUND)
			h->log(m, CS_LOG_WARN, "node %s: updating its taints failed (%d %s): %s",
			       name, code, err.reason, err.message);
		return code == CS_NOT_FOUND ? CS_DONE : CS_RETRY;
	}
	if (add_ne) {
		h->metric_add(nl->m_tainted, 1);
		h->log(m, CS_LOG_INFO, "node %s: added taint %s:NoExecute", name, ne);
	}
	h->obj_free(*node);
	*node = out;
	return rc;
}
