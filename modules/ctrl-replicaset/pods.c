/* Predicates on pods as Kubernetes' controller utilities define them:
 * active, ready, available, controlled by, selected by, and the order in
 * which surplus pods are deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rs.h"

double rs_time(const char *s)
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

double rs_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

bool rs_pod_active(const cs_host *h, const cs_object *pod)
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

bool rs_pod_ready(const cs_host *h, const cs_object *pod)
{
	return str_is(h->obj_str(ready_cond(h, pod), "status"), "True");
}

bool rs_pod_available(const cs_host *h, const cs_object *pod, int64_t min_ready, double now,
		      double *until)
{
	const cs_object *c = ready_cond(h, pod);
	if (!str_is(h->obj_str(c, "status"), "True"))
		return false;
	if (min_ready <= 0)
		return true;
	double since = rs_time(h->obj_str(c, "lastTransitionTime"));
	if (since < 0)
		return false; /* ready, but since when is unknown: as Kubernetes */
	double at = since + (double)min_ready;
	if (at < now)
		return true;
	if (until && at < *until)
		*until = at;
	return false;
}

const cs_object *rs_controller_ref(const cs_host *h, const cs_object *obj)
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
static const char *label(const cs_host *h, const cs_object *labels, const char *key)
{
	for (size_t i = 0; i < h->obj_len(labels) && h->obj_type(labels) == CS_OBJ_MAP; i++)
		if (str_is(h->obj_key_at(labels, i), key))
			return h->obj_type(h->obj_at(labels, i)) == CS_OBJ_STRING
				       ? h->obj_str(h->obj_at(labels, i), NULL)
				       : NULL;
	return NULL;
}

bool rs_labels_subset(const cs_host *h, const cs_object *want, const cs_object *labels)
{
	for (size_t i = 0; i < h->obj_len(want) && h->obj_type(want) == CS_OBJ_MAP; i++) {
		const char *v = h->obj_str(h->obj_at(want, i), NULL);
		const char *have = label(h, labels, h->obj_key_at(want, i));
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

bool rs_selector_matches(const cs_host *h, const cs_object *sel, const cs_object *labels, bool *bad)
{
	const cs_object *ml = h->obj_get(sel, "matchLabels");
	const cs_object *me = h->obj_get(sel, "matchExpressions");
	*bad = h->obj_type(sel) != CS_OBJ_MAP || (ml && h->obj_type(ml) != CS_OBJ_MAP) ||
	       (me && h->obj_type(me) != CS_OBJ_ARRAY) || h->obj_len(ml) + h->obj_len(me) == 0;
	if (*bad || !rs_labels_subset(h, ml, labels))
		return false;
	for (size_t i = 0; i < h->obj_len(me); i++) {
		const cs_object *e = h->obj_at(me, i);
		const char *key = h->obj_str(e, "key");
		const char *op = h->obj_str(e, "operator");
		const cs_object *values = h->obj_get(e, "values");
		const char *v = key ? label(h, labels, key) : NULL;
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

/* ---- deletion order: Kubernetes' ActivePodsWithRanks ---- */

struct rk {
	rs_victim v;
	bool assigned, ready;
	int phase;                /* Pending (or none) 0, Unknown 1, Running 2 */
	long cost;                /* controller.kubernetes.io/pod-deletion-cost */
	double ready_at, created; /* -1: unknown */
	long restarts;            /* the most restarts of one container */
};

/* t1 is "smaller": later, or unknown while t2 is known. */
static int after_or_zero(double t1, double t2)
{
	if (t1 < 0 || t2 < 0)
		return (t1 < 0) == (t2 < 0) ? 0 : (t1 < 0 ? -1 : 1);
	return t1 > t2 ? -1 : t1 < t2 ? 1 : 0;
}

static int rk_cmp(const void *pa, const void *pb)
{
	const struct rk *a = pa, *b = pb;
	if (a->assigned != b->assigned)
		return a->assigned ? 1 : -1;
	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	if (a->ready != b->ready)
		return a->ready ? 1 : -1;
	if (a->cost != b->cost)
		return a->cost < b->cost ? -1 : 1;
	if (a->v.rank != b->v.rank)
		return a->v.rank > b->v.rank ? -1 : 1;
	int c = a->ready && b->ready ? after_or_zero(a->ready_at, b->ready_at) : 0;
	if (c)
		return c;
	if (a->restarts != b->restarts)
		return a->restarts > b->restarts ? -1 : 1;
	return after_or_zero(a->created, b->created);
}

static long deletion_cost(const cs_host *h, const cs_object *pod)
{
	const char *s = h->obj_str(h->obj_get(pod, "metadata.annotations"),
				   "controller\\.kubernetes\\.io/pod-deletion-cost");
	char *end;
	long v = s ? strtol(s, &end, 10) : 0;
	/* An invalid cost counts as 0, as in Kubernetes (int32 range). */
	return s && *s && !*end && v >= INT32_MIN && v <= INT32_MAX ? v : 0;
}

void rs_rank_for_deletion(const cs_host *h, rs_victim *v, size_t n)
{
	struct rk *k = calloc(n ? n : 1, sizeof(*k));
	if (!k)
		return; /* out of memory: the order is a preference, not a rule */
	for (size_t i = 0; i < n; i++) {
		const cs_object *p = v[i].pod;
		const char *node = h->obj_str(p, "spec.nodeName");
		const char *phase = h->obj_str(p, "status.phase");
		k[i].v = v[i];
		k[i].assigned = node && *node;
		k[i].phase = str_is(phase, "Running") ? 2 : str_is(phase, "Unknown") ? 1 : 0;
		k[i].ready = rs_pod_ready(h, p);
		k[i].ready_at = rs_time(h->obj_str(ready_cond(h, p), "lastTransitionTime"));
		k[i].created = rs_time(h->obj_str(p, "metadata.creationTimestamp"));
		k[i].cost = deletion_cost(h, p);
		const cs_object *cs = h->obj_get(p, "status.containerStatuses");
		for (size_t j = 0; j < h->obj_len(cs); j++) {
			long r = (long)h->obj_int(h->obj_at(cs, j), "restartCount", 0);
			if (r > k[i].restarts)
				k[i].restarts = r;
		}
	}
	qsort(k, n, sizeof(*k), rk_cmp);
	for (size_t i = 0; i < n; i++)
		v[i] = k[i].v;
	free(k);
}
