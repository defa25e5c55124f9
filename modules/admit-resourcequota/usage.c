/* What an object uses of a ResourceQuota, as Kubernetes' quota evaluators
 * count it: object counts (pods, services, count/<resource>), pods'
 * compute requests and limits, claims' storage, services' load balancers
 * and node ports; and which objects a quota's scopes select. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rq.h"

#define ONE 1000 /* one object, in thousandths */

void rq_usage_free(rq_usage *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->names[i]);
	free(u->names);
	free(u->milli);
	u->names = NULL;
	u->milli = NULL;
	u->n = 0;
}

int rq_usage_add(rq_usage *u, const char *name, int64_t milli)
{
	for (size_t i = 0; i < u->n; i++)
		if (!strcmp(u->names[i], name)) {
			u->milli[i] += milli;
			return 0;
		}
	char **names = realloc(u->names, (u->n + 1) * sizeof(*names));
	if (!names)
		return -1;
	u->names = names;
	int64_t *milli_v = realloc(u->milli, (u->n + 1) * sizeof(*milli_v));
	if (!milli_v)
		return -1;
	u->milli = milli_v;
	if (!(u->names[u->n] = strdup(name)))
		return -1;
	u->milli[u->n++] = milli;
	return 0;
}

int64_t rq_usage_get(const rq_usage *u, const char *name, bool *found)
{
	for (size_t i = 0; i < u->n; i++)
		if (!strcmp(u->names[i], name)) {
			if (found)
				*found = true;
			return u->milli[i];
		}
	if (found)
		*found = false;
	return 0;
}

/* ---- pods ---- */

void rq_key_path(char *buf, size_t n, const char *key)
{
	size_t o = 0;
	for (const char *k = key; *k && o + 2 < n; k++) {
		if (*k == '.' || *k == '\\' || *k == '[')
			buf[o++] = '\\';
		buf[o++] = *k;
	}
	buf[o] = '\0';
}

static int64_t amount(const cs_host *h, const cs_object *list, const char *res, bool *has)
{
	char path[256];
	rq_key_path(path, sizeof(path), res);
	const char *text = h->obj_str(list, path);
	int64_t v = 0;
	if (has)
		*has = text != NULL;
	if (!text || h->quantity(text, true, &v) < 0)
		return 0;
	return v;
}

/* Requests or limits ("requests"/"limits") of resource res for the whole
 * pod: containers summed, at least the largest init container, plus the
 * pod overhead (Kubernetes' PodRequests / PodLimits). */
static int64_t pod_amount(const cs_host *h, const cs_object *pod, const char *which,
			  const char *res)
{
	int64_t sum = 0, init_max = 0;
	char p[32];
	snprintf(p, sizeof(p), "resources.%s", which);
	const cs_object *cs = h->obj_get(pod, "spec.containers");
	for (size_t i = 0; i < h->obj_len(cs); i++)
		sum += amount(h, h->obj_get(h->obj_at(cs, i), p), res, NULL);
	cs = h->obj_get(pod, "spec.initContainers");
	for (size_t i = 0; i < h->obj_len(cs); i++) {
		int64_t v = amount(h, h->obj_get(h->obj_at(cs, i), p), res, NULL);
		if (v > init_max)
			init_max = v;
	}
	if (init_max > sum)
		sum = init_max;
	return sum + amount(h, h->obj_get(pod, "spec.overhead"), res, NULL);
}

static bool pod_finished(const cs_host *h, const cs_object *pod)
{
	const char *phase = h->obj_str(pod, "status.phase");
	return phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
}

/* The pod's use of one quota resource; false when the name is not one a
 * pod counts toward. */
static bool pod_usage(const cs_host *h, const cs_object *pod, const char *key, int64_t *out)
{
	static const char *const bare[] = {"cpu", "memory", "ephemeral-storage", NULL};
	if (!strcmp(key, "pods") || !strcmp(key, "count/pods")) {
		*out = ONE;
		return true;
	}
	for (size_t i = 0; bare[i]; i++)
		if (!strcmp(key, bare[i])) {
			*out = pod_amount(h, pod, "requests", key);
			return true;
		}
	if (!strncmp(key, "requests.", 9) && strcmp(key, "requests.storage")) {
		*out = pod_amount(h, pod, "requests", key + 9);
		return true;
	}
	if (!strncmp(key, "limits.", 7)) {
		*out = pod_amount(h, pod, "limits", key + 7);
		return true;
	}
	return false;
}

/* ---- claims and services ---- */

static bool pvc_usage(const cs_host *h, const cs_object *pvc, const char *key, int64_t *out)
{
	static const char sc_suffix[] = ".storageclass.storage.k8s.io/";
	if (!strcmp(key, "persistentvolumeclaims") ||
	    !strcmp(key, "count/persistentvolumeclaims")) {
		*out = ONE;
		return true;
	}
	const cs_object *req = h->obj_get(pvc, "spec.resources.requests");
	if (!strcmp(key, "requests.storage")) {
		*out = amount(h, req, "storage", NULL);
		return true;
	}
	const char *at = strstr(key, sc_suffix);
	if (!at)
		return false;
	const char *sc = h->obj_str(pvc, "spec.storageClassName");
	size_t n = (size_t)(at - key);
	bool mine = sc && strlen(sc) == n && !strncmp(sc, key, n);
	const char *what = at + sizeof(sc_suffix) - 1;
	if (!strcmp(what, "requests.storage"))
		*out = mine ? amount(h, req, "storage", NULL) : 0;
	else if (!strcmp(what, "persistentvolumeclaims"))
		*out = mine ? ONE : 0;
	else
		return false;
	return true;
}

static bool svc_usage(const cs_host *h, const cs_object *svc, const char *key, int64_t *out)
{
	const char *type = h->obj_str(svc, "spec.type");
	bool lb = type && !strcmp(type, "LoadBalancer");
	bool np = lb || (type && !strcmp(type, "NodePort"));
	if (!strcmp(key, "services") || !strcmp(key, "count/services"))
		*out = ONE;
	else if (!strcmp(key, "services.loadbalancers"))
		*out = lb ? ONE : 0;
	else if (!strcmp(key, "services.nodeports"))
		*out = np ? (int64_t)h->obj_len(h->obj_get(svc, "spec.ports")) * ONE : 0;
	else
		return false;
	return true;
}

int rq_usage_of(const cs_host *h, const char *resource, const cs_object *obj, const cs_object *hard,
		rq_usage *u)
{
	bool pod = !strcmp(resource, "pods");
	bool finished = pod && pod_finished(h, obj);
	for (size_t i = 0; i < h->obj_len(hard); i++) {
		const char *key = h->obj_key_at(hard, i);
		int64_t v = 0;
		bool counts;
		if (pod)
			counts = pod_usage(h, obj, key, &v);
		else if (!strcmp(resource, "persistentvolumeclaims"))
			counts = pvc_usage(h, obj, key, &v);
		else if (!strcmp(resource, "services"))
			counts = svc_usage(h, obj, key, &v);
		else
			counts = false;
		/* Plain object counts: "configmaps", "count/deployments.apps". */
		if (!counts && (!strcmp(key, resource) ||
				(!strncmp(key, "count/", 6) && !strcmp(key + 6, resource)))) {
			v = ONE;
			counts = true;
		}
		if (counts && rq_usage_add(u, key, finished ? 0 : v) < 0)
			return -1;
	}
	return 0;
}

/* ---- scopes ---- */

static bool best_effort(const cs_host *h, const cs_object *pod)
{
	static const char *const lists[] = {"spec.containers", "spec.initContainers"};
	static const char *const keys[] = {"resources.requests.cpu", "resources.requests.memory",
					   "resources.limits.cpu", "resources.limits.memory"};
	for (size_t l = 0; l < 2; l++) {
		const cs_object *cs = h->obj_get(pod, lists[l]);
		for (size_t i = 0; i < h->obj_len(cs); i++)
			for (size_t k = 0; k < 4; k++)
				if (h->obj_get(h->obj_at(cs, i), keys[k]))
					return false;
	}
	return true;
}

static bool cross_namespace_affinity(const cs_host *h, const cs_object *pod)
{
	static const char *const kinds[] = {"spec.affinity.podAffinity",
					    "spec.affinity.podAntiAffinity"};
	for (size_t k = 0; k < 2; k++) {
		const cs_object *a = h->obj_get(pod, kinds[k]);
		const cs_object *req =
			h->obj_get(a, "requiredDuringSchedulingIgnoredDuringExecution");
		const cs_object *pref =
			h->obj_get(a, "preferredDuringSchedulingIgnoredDuringExecution");
		for (size_t i = 0; i < h->obj_len(req); i++) {
			const cs_object *t = h->obj_at(req, i);
			if (h->obj_get(t, "namespaceSelector") ||
			    h->obj_len(h->obj_get(t, "namespaces")))
				return true;
		}
		for (size_t i = 0; i < h->obj_len(pref); i++) {
			const cs_object *t = h->obj_get(h->obj_at(pref, i), "podAffinityTerm");
			if (h->obj_get(t, "namespaceSelector") ||
			    h->obj_len(h->obj_get(t, "namespaces")))
				return true;
		}
	}
	return false;
}

/* One scope (with the operator and values of a scopeSelector term, or
 * Exists for the plain scopes list). */
static bool scope_matches(const cs_host *h, const cs_object *pod, const char *scope, const char *op,
			  const cs_object *values)
{
	bool m;
	if (!strcmp(scope, "Terminating"))
		m = h->obj_get(pod, "spec.activeDeadlineSeconds") != NULL;
	else if (!strcmp(scope, "NotTerminating"))
		m = h->obj_get(pod, "spec.activeDeadlineSeconds") == NULL;
	else if (!strcmp(scope, "BestEffort"))
		m = best_effort(h, pod);
	else if (!strcmp(scope, "NotBestEffort"))
		m = !best_effort(h, pod);
	else if (!strcmp(scope, "CrossNamespacePodAffinity"))
		m = cross_namespace_affinity(h, pod);
	else if (!strcmp(scope, "PriorityClass")) {
		const char *pc = h->obj_str(pod, "spec.priorityClassName");
		if (!op || !strcmp(op, "Exists"))
			return pc && *pc;
		if (!strcmp(op, "DoesNotExist"))
			return !pc || !*pc;
		bool in = false;
		for (size_t i = 0; i < h->obj_len(values); i++) {
			const char *v = h->obj_str(h->obj_at(values, i), NULL);
			in |= v && pc && !strcmp(v, pc);
		}
		return !strcmp(op, "In") ? in : !in;
	} else
		return false;
	/* The other scopes take In/NotIn only as an equivalent of Exists. */
	return op && !strcmp(op, "DoesNotExist") ? !m : m;
}

bool rq_selects(const cs_host *h, const cs_object *quota, const char *resource,
		const cs_object *obj)
{
	const cs_object *scopes = h->obj_get(quota, "spec.scopes");
	const cs_object *exprs = h->obj_get(quota, "spec.scopeSelector.matchExpressions");
	if (!h->obj_len(scopes) && !h->obj_len(exprs))
		return true;
	/* Scopes only ever select pods. */
	if (strcmp(resource, "pods"))
		return false;
	for (size_t i = 0; i < h->obj_len(scopes); i++) {
		const char *s = h->obj_str(h->obj_at(scopes, i), NULL);
		if (!s || !scope_matches(h, obj, s, NULL, NULL))
			return false;
	}
	for (size_t i = 0; i < h->obj_len(exprs); i++) {
		const cs_object *e = h->obj_at(exprs, i);
		const char *s = h->obj_str(e, "scopeName");
		if (!s ||
		    !scope_matches(h, obj, s, h->obj_str(e, "operator"), h->obj_get(e, "values")))
			return false;
	}
	return true;
}

/* ---- messages and status ---- */

char *rq_unspecified(const cs_host *h, const cs_object *hard, const cs_object *pod)
{
	char *out = NULL;
	size_t len = 0;
	/* In the order Kubernetes sorts them. */
	static const char *const sorted[] = {"cpu",    "limits.cpu",   "limits.memory",
					     "memory", "requests.cpu", "requests.memory",
					     NULL};
	for (size_t k = 0; sorted[k]; k++) {
		char key[64];
		rq_key_path(key, sizeof(key), sorted[k]);
		if (!h->obj_get(hard, key))
			continue;
		const char *res = strchr(sorted[k], '.') ? strchr(sorted[k], '.') + 1 : sorted[k];
		const char *which = !strncmp(sorted[k], "limits.", 7) ? "limits" : "requests";
		bool missing = false;
		const cs_object *cs = h->obj_get(pod, "spec.containers");
		for (size_t i = 0; i < h->obj_len(cs) && !missing; i++) {
			char p[64];
			snprintf(p, sizeof(p), "resources.%s.%s", which, res);
			missing = !h->obj_get(h->obj_at(cs, i), p);
		}
		if (!missing)
			continue;
		size_t n = strlen(sorted[k]);
		char *grown = realloc(out, len + n + 2);
		if (!grown) {
			free(out);
			return NULL;
		}
		out = grown;
		if (len)
			out[len++] = ',';
		memcpy(out + len, sorted[k], n + 1);
		len += n;
	}
	return out;
}

void rq_format(char *buf, size_t n, const char *name, int64_t milli)
{
	if (milli % 1000) {
		snprintf(buf, n, "%lldm", (long long)milli);
		return;
	}
	long long v = milli / 1000;
	bool bytes = strstr(name, "memory") || strstr(name, "storage") || strstr(name, "hugepages");
	static const char *const sfx[] = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
	if (bytes && v) {
		for (int i = 0; i < 6; i++) {
			long long unit = 1LL << (10 * (6 - i));
			if (v % unit == 0) {
				snprintf(buf, n, "%lld%s", v / unit, sfx[i]);
				return;
			}
		}
	}
	snprintf(buf, n, "%lld", v);
}
