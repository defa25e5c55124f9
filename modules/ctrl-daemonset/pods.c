/* Predicates on pods as Kubernetes' controller utilities define them:
 * active, ready, available, controlled by, selected by, the node a daemon
 * pod is meant for, and the order of the pods on one node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ds.h"

double ds_time(const char *s)
{
	struct tm tm = {0};
	int n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	double t = (double)timegm(&tm);
	const char *p = s + n;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			t += (*p - '0') * scale;
	}
	int oh, om;
	if (*p == 'Z' || *p == 'z')
		return p[1] ? -1 : t;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
		return t - (*p == '+' ? 1 : -1) * (oh * 3600 + om * 60);
	return -1;
}

double ds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

bool ds_pod_active(const cs_host *h, const cs_object *pod)
{
	const char *phase = h->obj_str(pod, "status.phase");
	return !str_is(phase, "Succeeded") && !str_is(phase, "Failed") &&
	       !h->obj_get(pod, "metadata.deletionTimestamp");
}

static const cs_object *ready_cond(const cs_host *h, const cs_object *pod)
{
	const cs_object *conds = h->obj_get(pod, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++) {
		const cs_object *c = h->obj_at(conds, i);
		if (str_is(h->obj_str(c, "type"), "Ready"))
			return c;
	}
	return NULL;
}

bool ds_pod_ready(const cs_host *h, const cs_object *pod)
{
	return str_is(h->obj_str(ready_cond(h, pod), "status"), "True");
}

bool ds_pod_available(const cs_host *h, const cs_object *pod, int64_t min_ready, double now,
		      double *until)
{
	const cs_object *c = ready_cond(h, pod);
	if (!str_is(h->obj_str(c, "status"), "True"))
		return false;
	if (min_ready <= 0)
		return true;
	double since = ds_time(h->obj_str(c, "lastTransitionTime"));
	if (since < 0)
		return false; /* ready, but since when is unknown: as Kubernetes */
	double at = since + (double)min_ready;
	if (at < now)
		return true;
	if (until && at < *until)
		*until = at;
	return false;
}

const cs_object *ds_controller_ref(const cs_host *h, const cs_object *obj)
{
	const cs_object *refs = h->obj_get(obj, "metadata.ownerReferences");
	for (size_t i = 0; i < h->obj_len(refs); i++) {
		const cs_object *r = h->obj_at(refs, i);
		if (h->obj_bool(r, "controller", false))
			return r;
	}
	return NULL;
}

/* labels[key] through the map's keys: label keys contain '.' and '/', which
 * a path would have to escape. */
const char *ds_label(const cs_host *h, const cs_object *labels, const char *key)
{
	for (size_t i = 0; i < h->obj_len(labels) && h->obj_type(labels) == CS_OBJ_MAP; i++)
		if (str_is(h->obj_key_at(labels, i), key))
			return h->obj_type(h->obj_at(labels, i)) == CS_OBJ_STRING
				       ? h->obj_str(h->obj_at(labels, i), NULL)
				       : NULL;
	return NULL;
}

bool ds_labels_subset(const cs_host *h, const cs_object *want, const cs_object *labels)
{
	for (size_t i = 0; i < h->obj_len(want) && h->obj_type(want) == CS_OBJ_MAP; i++) {
		const char *v = h->obj_str(h->obj_at(want, i), NULL);
		const char *have = ds_label(h, labels, h->obj_key_at(want, i));
		if (!v || !have || strcmp(v, have))
			return false;
	}
	return true;
}

static bool in_values(const cs_host *h, const cs_object *values, const char *v)
{
	for (size_t i = 0; v && i < h->obj_len(values); i++)
		if (str_is(h->obj_str(h->obj_at(values, i), NULL), v))
			return true;
	return false;
}

bool ds_selector_matches(const cs_host *h, const cs_object *sel, const cs_object *labels, bool *bad)
{
	const cs_object *ml = h->obj_get(sel, "matchLabels");
	const cs_object *me = h->obj_get(sel, "matchExpressions");
	*bad = h->obj_type(sel) != CS_OBJ_MAP || (ml && h->obj_type(ml) != CS_OBJ_MAP) ||
	       (me && h->obj_type(me) != CS_OBJ_ARRAY) || h->obj_len(ml) + h->obj_len(me) == 0;
	if (*bad || !ds_labels_subset(h, ml, labels))
		return false;
	for (size_t i = 0; i < h->obj_len(me); i++) {
		const cs_object *e = h->obj_at(me, i);
		const char *key = h->obj_str(e, "key");
		const char *op = h->obj_str(e, "operator");
		const cs_object *values = h->obj_get(e, "values");
		const char *v = key ? ds_label(h, labels, key) : NULL;
		bool want_values = str_is(op, "In") || str_is(op, "NotIn");
		if (!key || !op || want_values != (h->obj_len(values) > 0)) {
			*bad = true;
			return false;
		}
		bool ok;
		if (str_is(op, "In"))
			ok = in_values(h, values, v);
		else if (str_is(op, "NotIn"))
			ok = !in_values(h, values, v);
		else if (str_is(op, "Exists"))
			ok = v != NULL;
		else if (str_is(op, "DoesNotExist"))
			ok = v == NULL;
		else
			return !(*bad = true);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- daemon pods and their nodes ---- */

const char *ds_pod_node(const cs_host *h, const cs_object *pod)
{
	const char *node = h->obj_str(pod, "spec.nodeName");
	if (node && *node)
		return node;
	/* Not bound yet: the node our matchFields term names (Kubernetes'
	 * GetTargetNodeName accepts exactly one term with one name). */
	const cs_object *terms =
		h->obj_get(pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuring"
				"Execution.nodeSelectorTerms");
	if (h->obj_len(terms) != 1)
		return NULL;
	const cs_object *fields = h->obj_get(h->obj_at(terms, 0), "matchFields");
	for (size_t i = 0; i < h->obj_len(fields); i++) {
		const cs_object *r = h->obj_at(fields, i);
		const cs_object *values = h->obj_get(r, "values");
		if (str_is(h->obj_str(r, "key"), "metadata.name") &&
		    str_is(h->obj_str(r, "operator"), "In") && h->obj_len(values) == 1)
			return h->obj_str(h->obj_at(values, 0), NULL);
	}
	return NULL;
}

/* Kubernetes' podByCreationTimestampAndPhase: bound pods first, then the
 * oldest, then by name. */
int ds_pod_cmp(const cs_host *h, const cs_object *a, const cs_object *b)
{
	const char *na = h->obj_str(a, "spec.nodeName"), *nb = h->obj_str(b, "spec.nodeName");
	bool ba = na && *na, bb = nb && *nb;
	if (ba != bb)
		return ba ? -1 : 1;
	double ta = ds_time(h->obj_str(a, "metadata.creationTimestamp"));
	double tb = ds_time(h->obj_str(b, "metadata.creationTimestamp"));
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return strcmp(h->obj_str(a, "metadata.name") ?: "", h->obj_str(b, "metadata.name") ?: "");
}

bool ds_pod_updated(const cs_host *h, const cs_object *pod, const char *hash, int64_t generation)
{
	const cs_object *labels = h->obj_get(pod, "metadata.labels");
	const char *ph = ds_label(h, labels, DS_HASH_LABEL);
	if (hash && *hash && ph && !strcmp(ph, hash))
		return true;
	const char *pg = ds_label(h, labels, DS_GEN_LABEL);
	char g[24];
	snprintf(g, sizeof(g), "%lld", (long long)generation);
	return generation >= 0 && pg && !strcmp(pg, g);
}
