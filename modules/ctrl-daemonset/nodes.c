/* Which nodes a DaemonSet runs on, as Kubernetes' NodeShouldRunDaemonPod:
 * the template's nodeName, nodeSelector and required node affinity must
 * match the node, and its NoSchedule/NoExecute taints must be tolerated
 * by the template's tolerations plus the ones every daemon pod gets.
 * spec.unschedulable is not looked at: cordoned nodes keep their daemons. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds.h"

/* ---- node affinity (the scheduler's NodeSelector semantics) ---- */

static bool in_values(const cs_host *h, const cs_object *values, const char *v)
{
	for (size_t i = 0; v && i < h->obj_len(values); i++)
		if (ck_str_is(h->obj_str(h->obj_at(values, i), NULL), v))
			return true;
	return false;
}

static bool parse_int(const char *s, long long *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return !*end && errno == 0;
}

/* One requirement against a value (NULL: absent).  *bad for a malformed
 * requirement, which makes its term match nothing. */
static bool requirement(const cs_host *h, const cs_object *r, const char *v, bool *bad)
{
	const char *op = h->obj_str(r, "operator");
	const cs_object *values = h->obj_get(r, "values");
	long long a, b;
	if (ck_str_is(op, "In"))
		return in_values(h, values, v);
	if (ck_str_is(op, "NotIn"))
		return !in_values(h, values, v);
	if (ck_str_is(op, "Exists"))
		return v != NULL;
	if (ck_str_is(op, "DoesNotExist"))
		return v == NULL;
	if (ck_str_is(op, "Gt") || ck_str_is(op, "Lt")) {
		if (h->obj_len(values) != 1 ||
		    !parse_int(h->obj_str(h->obj_at(values, 0), NULL), &b)) {
			*bad = true;
			return false;
		}
		return parse_int(v, &a) && (ck_str_is(op, "Gt") ? a > b : a < b);
	}
	*bad = true;
	return false;
}

static bool term_matches(const cs_host *h, const cs_object *term, const cs_object *node)
{
	const cs_object *exprs = h->obj_get(term, "matchExpressions");
	const cs_object *fields = h->obj_get(term, "matchFields");
	if (!h->obj_len(exprs) && !h->obj_len(fields))
		return false; /* an empty term selects nothing */
	const cs_object *labels = h->obj_get(node, "metadata.labels");
	bool bad = false;
	for (size_t i = 0; i < h->obj_len(exprs); i++) {
		const cs_object *r = h->obj_at(exprs, i);
		const char *key = h->obj_str(r, "key");
		if (!key || !requirement(h, r, ck_label(h, labels, key), &bad) || bad)
			return false;
	}
	for (size_t i = 0; i < h->obj_len(fields); i++) {
		const cs_object *r = h->obj_at(fields, i);
		/* metadata.name is the one node field a selector may use. */
		if (!ck_str_is(h->obj_str(r, "key"), "metadata.name") ||
		    !requirement(h, r, h->obj_str(node, "metadata.name"), &bad) || bad)
			return false;
	}
	return true;
}

/* nodeSelector and requiredDuringSchedulingIgnoredDuringExecution. */
static bool affinity_matches(const cs_host *h, const cs_object *spec, const cs_object *node)
{
	const cs_object *sel = h->obj_get(spec, "nodeSelector");
	if (h->obj_len(sel) && !ck_labels_subset(h, sel, h->obj_get(node, "metadata.labels")))
		return false;
	const cs_object *req = h->obj_get(
		spec, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
	if (!req || h->obj_type(req) == CS_OBJ_NULL)
		return true;
	const cs_object *terms = h->obj_get(req, "nodeSelectorTerms");
	for (size_t i = 0; i < h->obj_len(terms); i++)
		if (term_matches(h, h->obj_at(terms, i), node))
			return true;
	return false;
}

/* ---- taints and tolerations ---- */

/* The tolerations Kubernetes' AddOrUpdateDaemonPodTolerations adds, in
 * its order; the last one only for hostNetwork pods. */
static const struct {
	const char *key, *effect;
} daemon_tolerations[] = {
	{"node.kubernetes.io/not-ready", "NoExecute"},
	{"node.kubernetes.io/unreachable", "NoExecute"},
	{"node.kubernetes.io/disk-pressure", "NoSchedule"},
	{"node.kubernetes.io/memory-pressure", "NoSchedule"},
	{"node.kubernetes.io/pid-pressure", "NoSchedule"},
	{"node.kubernetes.io/unschedulable", "NoSchedule"},
	{"node.kubernetes.io/network-unavailable", "NoSchedule"},
};
#define N_DAEMON_TOLERATIONS (sizeof(daemon_tolerations) / sizeof(*daemon_tolerations))

static size_t n_daemon_tolerations(const cs_host *h, const cs_object *spec)
{
	return h->obj_bool(spec, "hostNetwork", false) ? N_DAEMON_TOLERATIONS
						       : N_DAEMON_TOLERATIONS - 1;
}

/* Kubernetes' Toleration.ToleratesTaint. */
static bool tolerates(const cs_host *h, const cs_object *t, const cs_object *taint)
{
	const char *effect = h->obj_str(t, "effect"), *key = h->obj_str(t, "key");
	const char *op = h->obj_str(t, "operator");
	if (effect && *effect && !ck_str_is(effect, h->obj_str(taint, "effect") ?: ""))
		return false;
	if (key && *key && !ck_str_is(key, h->obj_str(taint, "key") ?: ""))
		return false;
	if (!op || !*op || ck_str_is(op, "Equal"))
		return !strcmp(h->obj_str(t, "value") ?: "", h->obj_str(taint, "value") ?: "");
	return ck_str_is(op, "Exists");
}

static bool tolerated(const cs_host *h, const cs_object *spec, const cs_object *taint)
{
	const cs_object *tols = h->obj_get(spec, "tolerations");
	for (size_t i = 0; i < h->obj_len(tols); i++)
		if (tolerates(h, h->obj_at(tols, i), taint))
			return true;
	const char *key = h->obj_str(taint, "key"), *effect = h->obj_str(taint, "effect");
	for (size_t i = 0; i < n_daemon_tolerations(h, spec); i++)
		if (ck_str_is(key, daemon_tolerations[i].key) &&
		    ck_str_is(effect, daemon_tolerations[i].effect))
			return true;
	return false;
}

/* An untolerated taint of the node whose effect is effect1 or effect2. */
static bool untolerated(const cs_host *h, const cs_object *spec, const cs_object *node,
			const char *effect1, const char *effect2)
{
	const cs_object *taints = h->obj_get(node, "spec.taints");
	for (size_t i = 0; i < h->obj_len(taints); i++) {
		const cs_object *t = h->obj_at(taints, i);
		const char *effect = h->obj_str(t, "effect");
		if ((ck_str_is(effect, effect1) || (effect2 && ck_str_is(effect, effect2))) &&
		    !tolerated(h, spec, t))
			return true;
	}
	return false;
}

void ds_node_should_run(const cs_host *h, const cs_object *ds, const cs_object *node, bool *run,
			bool *cont)
{
	const cs_object *spec = h->obj_get(ds, "spec.template.spec");
	const char *want = h->obj_str(spec, "nodeName");
	const char *name = h->obj_str(node, "metadata.name");
	*run = *cont = false;
	if (!name || (want && *want && strcmp(want, name)) || !affinity_matches(h, spec, node))
		return;
	if (!untolerated(h, spec, node, "NoSchedule", "NoExecute")) {
		*run = *cont = true;
		return;
	}
	/* A running daemon stays unless a NoExecute taint would evict it. */
	*cont = !untolerated(h, spec, node, "NoExecute", NULL);
}

/* ---- what daemon pods are given ---- */

static cs_object *toleration(const cs_host *h, const char *key, const char *effect)
{
	cs_object *t = h->obj_new(CS_OBJ_MAP);
	if (!t || h->obj_set_str(t, "key", key) || h->obj_set_str(t, "operator", "Exists") ||
	    h->obj_set_str(t, "effect", effect)) {
		h->obj_free(t);
		return NULL;
	}
	return t;
}

int ds_add_tolerations(const cs_host *h, cs_object *spec)
{
	size_t n = n_daemon_tolerations(h, spec);
	if (h->obj_type(h->obj_get(spec, "tolerations")) != CS_OBJ_ARRAY &&
	    h->obj_set(spec, "tolerations", h->obj_new(CS_OBJ_ARRAY)))
		return -1;
	for (size_t k = 0; k < n; k++) {
		const cs_object *tols = h->obj_get(spec, "tolerations");
		cs_object *t =
			toleration(h, daemon_tolerations[k].key, daemon_tolerations[k].effect);
		if (!t)
			return -1;
		/* AddOrUpdateTolerationInPodSpec: one with the same key,
		 * operator, value and effect is replaced (it may have had
		 * tolerationSeconds), otherwise ours is appended. */
		size_t at = h->obj_len(tols);
		for (size_t i = 0; i < h->obj_len(tols); i++) {
			const cs_object *o = h->obj_at(tols, i);
			if (ck_str_is(h->obj_str(o, "key"), daemon_tolerations[k].key) &&
			    ck_str_is(h->obj_str(o, "operator"), "Exists") &&
			    !*(h->obj_str(o, "value") ?: "") &&
			    ck_str_is(h->obj_str(o, "effect"), daemon_tolerations[k].effect)) {
				at = i;
				break;
			}
		}
		char path[48];
		snprintf(path, sizeof(path), "tolerations[%zu]", at);
		if (h->obj_set(spec, path, t))
			return -1;
	}
	return 0;
}

int ds_bind_affinity(const cs_host *h, cs_object *spec, const char *node)
{
	cs_object *terms = h->obj_new(CS_OBJ_ARRAY), *term = h->obj_new(CS_OBJ_MAP);
	cs_object *req = h->obj_new(CS_OBJ_MAP), *values = h->obj_new(CS_OBJ_ARRAY);
	cs_object *fields = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !terms || !term || !req || !values || !fields ||
		   h->obj_append(values, h->obj_new_str(node)) ||
		   h->obj_set_str(req, "key", "metadata.name") ||
		   h->obj_set_str(req, "operator", "In");
	if (!bad) {
		bad = h->obj_set(req, "values", values);
		values = NULL;
	}
	if (!bad) {
		bad = h->obj_append(fields, req);
		req = NULL;
	}
	if (!bad) {
		bad = h->obj_set(term, "matchFields", fields);
		fields = NULL;
	}
	if (!bad) {
		bad = h->obj_append(terms, term);
		term = NULL;
	}
	h->obj_free(values);
	h->obj_free(req);
	h->obj_free(fields);
	h->obj_free(term);
	if (bad) {
		h->obj_free(terms);
		return -1;
	}
	/* Only the required terms are replaced: preferred terms and pod
	 * (anti-)affinity stay as the template has them.  An explicit null on
	 * the way would block the write. */
	static const char *const way[] = {
		"affinity", "affinity.nodeAffinity",
		"affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"};
	for (size_t i = 0; i < sizeof(way) / sizeof(*way); i++) {
		const cs_object *o = h->obj_get(spec, way[i]);
		if (o && h->obj_type(o) != CS_OBJ_MAP)
			h->obj_remove(spec, way[i]);
	}
	return h->obj_set(spec,
			  "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
			  "nodeSelectorTerms",
			  terms);
}
