/* Predicates on pods as Kubernetes' StatefulSet utilities define them
 * (over ctrlkit's), labels and ordinals. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts.h"

bool sts_running_ready(const cs_host *h, const cs_object *pod)
{
	return ck_str_is(h->obj_str(pod, "status.phase"), "Running") && ck_pod_ready(h, pod);
}

bool sts_terminating(const cs_host *h, const cs_object *pod)
{
	return h->obj_get(pod, "metadata.deletionTimestamp") != NULL;
}

bool sts_finished(const cs_host *h, const cs_object *pod)
{
	const char *phase = h->obj_str(pod, "status.phase");
	return ck_str_is(phase, "Failed") || ck_str_is(phase, "Succeeded");
}

bool sts_healthy(const cs_host *h, const cs_object *pod)
{
	return sts_running_ready(h, pod) && !sts_terminating(h, pod);
}

bool sts_available(const cs_host *h, const cs_object *pod, int64_t min_ready, double now,
		   double *until)
{
	return ck_str_is(h->obj_str(pod, "status.phase"), "Running") &&
	       ck_pod_available(h, pod, min_ready, now, until);
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
