/* ctrl-namespace: the namespace controller, as Kubernetes'
 * (pkg/controller/namespace).
 *
 * The host runs the namespaces informer and the work queue (controller.h).
 * A namespace is worked on only once it has a deletionTimestamp and while
 * "kubernetes" is among its spec.finalizers: its content is deleted
 * (content.c), the outcome is written as status conditions
 * (conditions.c), and when nothing is left the finalizer is removed
 * through namespaces/NAME/finalize; the API server then removes the
 * namespace, unless other finalizers hold it.
 *
 * Content that carries finalizers is waited for: the namespace is looked
 * at again after half the estimated time (Kubernetes' estimate/2 + 1
 * seconds).  A failure (discovery, a delete, content left that nothing
 * finalizes) re-queues it with the queue's backoff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns.h"

#define PRIMARY "namespaces"

/* Conflicts are retried against the latest object this many times within
 * one pass (Kubernetes' retryOnConflictError retries until it stops
 * conflicting; the queue's backoff takes over here). */
#define CONFLICT_TRIES 5

static bool has_finalizer(const cs_host *h, const cs_object *ns, const char *fin)
{
	const cs_object *f = h->obj_get(ns, "spec.finalizers");
	for (size_t i = 0; i < h->obj_len(f); i++) {
		const char *s = h->obj_str(h->obj_at(f, i), NULL);
		if (s && !strcmp(s, fin))
			return true;
	}
	return false;
}

/* The live namespace (the cache may lag a write of ours), or NULL with *rc
 * CS_DONE when it is gone, CS_RETRY when it cannot be read. */
static const cs_object *get_live(cs_mod *m, const char *name, int *rc)
{
	const cs_object *ns = NULL;
	cs_error err = {0};
	int code = cs_api_get(m, PRIMARY, NULL, name, &ns, &err);
	if (code == CS_NOT_FOUND) {
		*rc = CS_DONE;
		return NULL;
	}
	if (code) {
		m->host->log(m, CS_LOG_WARN, "namespace %s: cannot read it: %s", name, err.message);
		*rc = CS_RETRY;
		return NULL;
	}
	return ns;
}

/* Kubernetes' updateNamespaceStatusFunc: a namespace being deleted is
 * Terminating.  Returns the namespace as it now is (a new reference; NULL
 * with *rc set when gone or failed). */
static const cs_object *ensure_terminating(cs_mod *m, const char *name, const cs_object *ns,
					   int *rc)
{
	const cs_host *h = m->host;
	for (int tries = 0; tries < CONFLICT_TRIES; tries++) {
		const char *phase = h->obj_str(ns, "status.phase");
		if (phase && !strcmp(phase, "Terminating"))
			return ns;
		cs_object *upd = h->obj_clone(ns);
		h->obj_free(ns);
		ns = NULL;
		if (!upd || h->obj_set_str(upd, "status.phase", "Terminating")) {
			h->obj_free(upd);
			h->log(m, CS_LOG_ERROR, "namespace %s: out of memory", name);
			*rc = CS_RETRY;
			return NULL;
		}
		cs_error err = {0};
		int code = cs_api_update(m, PRIMARY "/status", upd, &ns, &err);
		h->obj_free(upd);
		if (!code)
			continue; /* ns is the result: Terminating now */
		if (code != CS_CONFLICT && code != CS_NOT_FOUND) {
			h->log(m, CS_LOG_WARN, "namespace %s: cannot mark it Terminating: %s", name,
			       err.message);
			*rc = CS_RETRY;
			return NULL;
		}
		if (!(ns = get_live(m, name, rc)))
			return NULL;
	}
	h->obj_free(ns);
	*rc = CS_RETRY;
	return NULL;
}

/* Writes the conditions of this pass when they changed.  A failure is
 * logged only, as Kubernetes does: the next pass writes them again. */
static void write_conditions(cs_mod *m, const char *name, const cs_object *ns,
			     const ns_conditions *c)
{
	const cs_host *h = m->host;
	cs_object *upd = h->obj_clone(ns);
	int changed = upd ? ns_conditions_apply(h, c, upd) : -1;
	if (changed < 0)
		h->log(m, CS_LOG_ERROR, "namespace %s: out of memory building its conditions",
		       name);
	if (changed > 0) {
		cs_error err = {0};
		if (cs_api_update(m, PRIMARY "/status", upd, NULL, &err))
			h->log(m, CS_LOG_WARN,
			       "namespace %s: couldn't update status conditions: %s", name,
			       err.message);
	}
	h->obj_free(upd);
}

/* Kubernetes' finalizeNamespace: spec.finalizers without ours, through the
 * finalize subresource. */
static int finalize(cs_mod *m, const char *name, const cs_object *ns)
{
	const cs_host *h = m->host;
	const cs_object *cur = h->obj_keep(ns);
	for (int tries = 0; tries < CONFLICT_TRIES; tries++) {
		if (!has_finalizer(h, cur, NS_FINALIZER)) {
			h->obj_free(cur);
			return CS_DONE;
		}
		cs_object *upd = h->obj_clone(cur);
		cs_object *fins = h->obj_new(CS_OBJ_ARRAY);
		const cs_object *old = h->obj_get(cur, "spec.finalizers");
		bool oom = !upd || !fins;
		for (size_t i = 0; !oom && i < h->obj_len(old); i++) {
			const char *s = h->obj_str(h->obj_at(old, i), NULL);
			if (s && !strcmp(s, NS_FINALIZER))
				continue;
			cs_object *v = h->obj_keep(h->obj_at(old, i));
			oom = !v || h->obj_append(fins, v);
		}
		h->obj_free(cur);
		cur = NULL;
		if (oom || h->obj_set(upd, "spec.finalizers", fins)) {
			if (oom)
				h->obj_free(fins);
			h->obj_free(upd);
			h->log(m, CS_LOG_ERROR, "namespace %s: out of memory", name);
			return CS_RETRY;
		}
		cs_error err = {0};
		int code = cs_api_update(m, PRIMARY "/finalize", upd, NULL, &err);
		h->obj_free(upd);
		if (!code || code == CS_NOT_FOUND)
			return CS_DONE;
		if (code != CS_CONFLICT) {
			h->log(m, CS_LOG_WARN, "namespace %s: cannot remove the %s finalizer: %s",
			       name, NS_FINALIZER, err.message);
			return CS_RETRY;
		}
		int rc;
		if (!(cur = get_live(m, name, &rc)))
			return rc;
	}
	h->obj_free(cur);
	return CS_RETRY;
}

static int ns_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	/* Cheap filter first: only namespaces being deleted are ours. */
	const cs_object *cached = h->cache_get(cs_controller_informer(m, PRIMARY), NULL, key);
	bool deleting = cached && h->obj_get(cached, "metadata.deletionTimestamp");
	h->obj_free(cached);
	if (!deleting)
		return CS_DONE;
	int rc = CS_DONE;
	const cs_object *ns = get_live(m, key, &rc);
	if (!ns)
		return rc;
	if (!h->obj_get(ns, "metadata.deletionTimestamp")) {
		h->obj_free(ns);
		return CS_DONE;
	}
	if (!(ns = ensure_terminating(m, key, ns, &rc)))
		return rc;
	if (!has_finalizer(h, ns, NS_FINALIZER)) {
		/* Finalized by us already; other finalizers are not ours. */
		h->obj_free(ns);
		return CS_DONE;
	}
	double deleted_at = ck_time(h->obj_str(ns, "metadata.deletionTimestamp"));
	ns_conditions c = {0};
	bool failed = false;
	int64_t estimate = ns_delete_content(m, key, deleted_at, &c, &failed);
	write_conditions(m, key, ns, &c);
	ns_conditions_free(&c);
	if (failed) {
		rc = CS_RETRY;
	} else if (estimate > 0) {
		/* Kubernetes' ResourcesRemainingError: look again after half
		 * the estimate. */
		h->log(m, CS_LOG_DEBUG, "namespace %s: content remains, looking again in %llds",
		       key, (long long)(estimate / 2 + 1));
		rc = (int)((estimate / 2 + 1) * 1000);
	} else {
		/* Our write of the conditions moved the resourceVersion on:
		 * finalize from the latest. */
		const cs_object *latest = get_live(m, key, &rc);
		if (latest) {
			rc = finalize(m, key, latest);
			h->obj_free(latest);
		}
		if (rc == CS_DONE)
			h->log(m, CS_LOG_INFO, "namespace %s: content deleted, finalized", key);
	}
	h->obj_free(ns);
	return rc;
}

static const cs_controller_ops ns_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = PRIMARY,
	.owns = NULL,
	/* Namespaces are worked on independently; each pass is mostly
	 * waiting on the API. */
	.workers = 2,
	.reconcile = ns_reconcile,
	/* kube-controller-manager's namespace sync period (5 minutes). */
	.resync_seconds = 300,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "ctrl-namespace",
	.version = "1.0.0",
	.description = "Namespace controller: deletes a terminating namespace's content, then "
		       "finalizes it",
	.kind = CS_KIND_CONTROLLER,
	.options = NULL,
	.ops = &ns_ops,
};
