/* Emptying a namespace, as Kubernetes' namespacedResourcesDeleter
 * (pkg/controller/namespace/deletion/namespaced_resources_deleter.go):
 * every namespaced resource the API serves with a delete verb has its
 * objects deleted, then what is left is counted; content that carries
 * finalizers is waited for, content that is left without any is an error
 * that makes the pass retry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns.h"

static bool has_verb(const cs_host *h, const cs_object *res, const char *verb)
{
	const cs_object *verbs = h->obj_get(res, "verbs");
	for (size_t i = 0; i < h->obj_len(verbs); i++) {
		const char *v = h->obj_str(h->obj_at(verbs, i), NULL);
		if (v && !strcmp(v, verb))
			return true;
	}
	return false;
}

/* The resource as the host's call API spells it, and its
 * GroupVersionResource as Go prints one ("{apps v1 deployments}"). */
struct gvr {
	const char *group, *version, *resource;
	char call[320];
	char printed[400];
};

static void gvr_of(const cs_host *h, const cs_object *res, struct gvr *g)
{
	g->group = h->obj_str(res, "group") ?: "";
	g->version = h->obj_str(res, "version") ?: "";
	g->resource = h->obj_str(res, "resource") ?: "";
	if (*g->group)
		snprintf(g->call, sizeof(g->call), "%s.%s", g->resource, g->group);
	else
		snprintf(g->call, sizeof(g->call), "%s", g->resource);
	snprintf(g->printed, sizeof(g->printed), "{%s %s %s}", g->group, g->version, g->resource);
}

static int list(cs_mod *m, const struct gvr *g, const char *ns, const cs_object **out,
		cs_error *err)
{
	cs_request rq = {.verb = CS_VERB_LIST, .resource = g->call, .ns = ns};
	return m->host->call(m, &rq, out, err);
}

/* Kubernetes' deleteEachItem: every object, whatever its state (a delete of
 * one already terminating still settles its garbage-collection
 * finalizers), with background propagation so that the garbage collector
 * does not add the orphan finalizer a resource may default to. */
static int delete_each(cs_mod *m, const struct gvr *g, const char *ns, const cs_object *items,
		       const cs_object *opts, cs_error *err)
{
	const cs_host *h = m->host;
	for (size_t i = 0; i < h->obj_len(items); i++) {
		const char *name = h->obj_str(h->obj_at(items, i), "metadata.name");
		if (!name)
			continue;
		cs_request rq = {.verb = CS_VERB_DELETE,
				 .resource = g->call,
				 .ns = ns,
				 .name = name,
				 .body = opts};
		int rc = h->call(m, &rq, NULL, err);
		if (rc && rc != CS_NOT_FOUND)
			return rc;
	}
	return 0;
}

/* Kubernetes' estimateGracefulTerminationForPods, over the pods that are
 * still there: the longest grace period of a pod not yet finished, unless
 * the namespace has been terminating longer than that. */
static int64_t pods_estimate(const cs_host *h, const cs_object *items, double deleted_at)
{
	int64_t est = 0;
	for (size_t i = 0; i < h->obj_len(items); i++) {
		const cs_object *pod = h->obj_at(items, i);
		const char *phase = h->obj_str(pod, "status.phase") ?: "";
		if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
			continue;
		int64_t grace = h->obj_int(pod, "spec.terminationGracePeriodSeconds", 0);
		if (grace > est)
			est = grace;
	}
	if (deleted_at < 0 || ck_now() - deleted_at >= (double)est)
		est = 0;
	return est;
}

/* One resource: delete, then count what is left.  Returns the estimate in
 * seconds. */
static int64_t delete_resource(cs_mod *m, const cs_object *res, const char *ns, double deleted_at,
			       const cs_object *opts, ns_conditions *c, bool *failed)
{
	const cs_host *h = m->host;
	struct gvr g;
	gvr_of(h, res, &g);
	/* Without list there is nothing to delete each of, nor to count: as
	 * Kubernetes, the resource is passed over. */
	if (!has_verb(h, res, "list"))
		return 0;
	cs_error err = {0};
	const cs_object *l = NULL;
	int rc = list(m, &g, ns, &l, &err);
	if (!rc)
		rc = delete_each(m, &g, ns, h->obj_get(l, "items"), opts, &err);
	h->obj_free(l);
	l = NULL;
	if (!rc)
		rc = list(m, &g, ns, &l, &err);
	if (rc) {
		h->log(m, CS_LOG_WARN, "namespace %s: cannot delete %s: %s", ns, g.call,
		       err.message);
		ns_strs_add(&c->content_errors, "%s", err.message);
		*failed = true;
		return 0;
	}
	const cs_object *items = h->obj_get(l, "items");
	size_t n = h->obj_len(items);
	int64_t est = 0;
	if (n) {
		ns_strs_add(&c->remaining, "%s.%s has %zu resource instances", g.resource, g.group,
			    n);
		bool fins = false;
		for (size_t i = 0; i < n; i++) {
			const cs_object *f = h->obj_get(h->obj_at(items, i), "metadata.finalizers");
			for (size_t k = 0; k < h->obj_len(f); k++) {
				const char *name = h->obj_str(h->obj_at(f, k), NULL);
				if (name) {
					ns_counts_add(&c->finalizers, name, 1);
					fins = true;
				}
			}
		}
		if (!*g.group && !strcmp(g.resource, "pods"))
			est = pods_estimate(h, items, deleted_at);
		if (!est && fins)
			est = NS_FINALIZER_ESTIMATE_S;
		if (!est) {
			/* Nothing should be left that nothing is finalizing. */
			ns_strs_add(&c->content_errors,
				    "unexpected items still remain in namespace: %s for gvr: %s",
				    ns, g.printed);
			*failed = true;
		}
	}
	h->obj_free(l);
	return est;
}

int64_t ns_delete_content(cs_mod *m, const char *name, double deleted_at, ns_conditions *c,
			  bool *failed)
{
	const cs_host *h = m->host;
	const cs_object *all = NULL;
	cs_error err = {0};
	if (h->discover(m, &all, &err)) {
		/* Kubernetes goes on with what it could discover; the host's
		 * discovery is whole or nothing, so this pass ends here. */
		h->log(m, CS_LOG_WARN, "namespace %s: cannot discover the served resources: %s",
		       name, err.message);
		c->discovery_failure = strdup(err.message);
		*failed = true;
		return 0;
	}
	cs_object *opts = h->obj_new(CS_OBJ_MAP);
	if (!opts || h->obj_set_str(opts, "propagationPolicy", "Background")) {
		h->obj_free(opts);
		h->obj_free(all);
		ns_strs_add(&c->content_errors, "out of memory");
		*failed = true;
		return 0;
	}
	int64_t estimate = 0;
	for (size_t i = 0; i < h->obj_len(all); i++) {
		const cs_object *res = h->obj_at(all, i);
		if (!h->obj_bool(res, "namespaced", false) || !has_verb(h, res, "delete"))
			continue;
		int64_t est = delete_resource(m, res, name, deleted_at, opts, c, failed);
		if (est > estimate)
			estimate = est;
	}
	h->obj_free(opts);
	h->obj_free(all);
	return estimate;
}
