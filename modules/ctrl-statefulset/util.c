/* Predicates on pods as Kubernetes' StatefulSet utilities define them,
 * selectors, labels and ordinals. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sts.h"

double sts_time(const char *s)
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

double sts_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sts_rfc3339_now(char *buf)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool sts_str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

static const cs_object *ready_cond(const cs_host *h, const cs_object *pod)
{
	const cs_object *conds = h->obj_get(pod, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++) {
		const cs_object *c = h->obj_at(conds, i);
		if (sts_str_is(h->obj_str(c, "type"), "Ready"))
			return c;
	}
	return NULL;
}

bool sts_pod_ready(const cs_host *h, const cs_object *pod)
{
	return sts_str_is(h->obj_str(ready_cond(h, pod), "status"), "True");
}

bool sts_running_ready(const cs_host *h, const cs_object *pod)
{
	return sts_str_is(h->obj_str(pod, "status.phase"), "Running") && sts_pod_ready(h, pod);
}

bool sts_terminating(const cs_host *h, const cs_object *pod)
{
	return h->obj_get(pod, "metadata.deletionTimestamp") != NULL;
}

bool sts_finished(const cs_host *h, const cs_object *pod)
{
	const char *phase = h->obj_str(pod, "status.phase");
	return sts_str_is(phase, "Failed") || sts_str_is(phase, "Succeeded");
}

bool sts_healthy(const cs_host *h, const cs_object *pod)
{
	return sts_running_ready(h, pod) && !sts_terminating(h, pod);
}

bool sts_available(const cs_host *h, const cs_object *pod, int64_t min_ready, double now,
		   double *until)
{
	if (!sts_running_ready(h, pod))
		return false;
	if (min_ready <= 0)
		return true;
	double since = sts_time(h->obj_str(ready_cond(h, pod), "lastTransitionTime"));
	if (since < 0)
		return false; /* ready, but since when is unknown: as Kubernetes */
	double at = since + (double)min_ready;
	if (at < now)
		return true;
	if (until && at < *until)
		*until = at;
	return false;
}

const cs_object *sts_controller_ref(const cs_host *h, const cs_object *obj)
{
	const cs_object *refs = h->obj_get(obj, "metadata.ownerReferences");
	for (size_t i = 0; i < h->obj_len(refs); i++) {
		const cs_object *r = h->obj_at(refs, i);
		if (h->obj_bool(r, "controller", false))
			return r;
	}
	return NULL;
}

/* Through the map's keys: label keys contain '.' and '/', which a path
 * would have to escape. */
const char *sts_label(const cs_host *h, const cs_object *labels, const char *key)
{
	if (h->obj_type(labels) != CS_OBJ_MAP)
		return NULL;
	for (size_t i = 0; i < h->obj_len(labels); i++)
		if (sts_str_is(h->obj_key_at(labels, i), key))
			return h->obj_type(h->obj_at(labels, i)) == CS_OBJ_STRING
				       ? h->obj_str(h->obj_at(labels, i), NULL)
				       : NULL;
	return NULL;
}

int sts_set_label(const cs_host *h, cs_object *obj, const char *key, const char *val)
{
	char path[512] = "metadata.labels.";
	size_t n = strlen(path);
	for (const char *k = key; *k; k++) {
		if (n + 3 >= sizeof(path))
			return -1;
		if (*k == '.' || *k == '[' || *k == '\\')
			path[n++] = '\\';
		path[n++] = *k;
	}
	path[n] = 0;
	return h->obj_set_str(obj, path, val);
}

static bool labels_subset(const cs_host *h, const cs_object *want, const cs_object *labels)
{
	for (size_t i = 0; i < h->obj_len(want) && h->obj_type(want) == CS_OBJ_MAP; i++) {
		const char *v = h->obj_str(h->obj_at(want, i), NULL);
		const char *have = sts_label(h, labels, h->obj_key_at(want, i));
		if (!v || !have || strcmp(v, have))
			return false;
	}
	return true;
}

static bool in_values(const cs_host *h, const cs_object *values, const char *v)
{
	for (size_t i = 0; v && i < h->obj_len(values); i++)
		if (sts_str_is(h->obj_str(h->obj_at(values, i), NULL), v))
			return true;
	return false;
}

bool sts_selector_matches(const cs_host *h, const cs_object *sel, const cs_object *labels,
			  bool *bad)
{
	const cs_object *ml = h->obj_get(sel, "matchLabels");
	const cs_object *me = h->obj_get(sel, "matchExpressions");
	*bad = h->obj_type(sel) != CS_OBJ_MAP || (ml && h->obj_type(ml) != CS_OBJ_MAP) ||
	       (me && h->obj_type(me) != CS_OBJ_ARRAY) || h->obj_len(ml) + h->obj_len(me) == 0;
	if (*bad || !labels_subset(h, ml, labels))
		return false;
	for (size_t i = 0; i < h->obj_len(me); i++) {
		const cs_object *e = h->obj_at(me, i);
		const char *key = h->obj_str(e, "key");
		const char *op = h->obj_str(e, "operator");
		const cs_object *values = h->obj_get(e, "values");
		const char *v = key ? sts_label(h, labels, key) : NULL;
		bool want_values = sts_str_is(op, "In") || sts_str_is(op, "NotIn");
		if (!key || !op || want_values != (h->obj_len(values) > 0)) {
			*bad = true;
			return false;
		}
		bool ok;
		if (sts_str_is(op, "In"))
			ok = in_values(h, values, v);
		else if (sts_str_is(op, "NotIn"))
			ok = !in_values(h, values, v);
		else if (sts_str_is(op, "Exists"))
			ok = v != NULL;
		else if (sts_str_is(op, "DoesNotExist"))
			ok = v == NULL;
		else
			return !(*bad = true);
		if (!ok)
			return false;
	}
	return true;
}

int sts_ordinal(const char *pod, const char *set)
{
	/* ^(.*)-([0-9]+)$ with a greedy parent: the last dash splits. */
	const char *dash = pod ? strrchr(pod, '-') : NULL;
	if (!dash || !dash[1] || (size_t)(dash - pod) != strlen(set) ||
	    strncmp(pod, set, (size_t)(dash - pod)))
		return -1;
	for (const char *p = dash + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	long v = strtol(dash + 1, NULL, 10);
	return errno || v > INT32_MAX ? -1 : (int)v;
}

bool sts_push(const cs_object ***arr, size_t *n, size_t *cap, const cs_object *o)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		const cs_object **a = realloc(*arr, c * sizeof(*a));
		if (!a)
			return false;
		*arr = a;
		*cap = c;
	}
	(*arr)[(*n)++] = o;
	return true;
}
