/* ctrl-replicaset: the ReplicaSet controller, as Kubernetes'.
 *
 * The host runs the ReplicaSet informer and the work queue (controller.h).
 * Pods are watched by an informer of our own instead of through `owns`:
 * the host's owned-object wiring only wakes a pod's controlling owner, but
 * the controller must also
 *  - count the creates and deletes it issued as the informer delivers them
 *    (expectations, expect.c), which needs handlers of its own, and
 *  - wake the ReplicaSets whose selector matches an orphan pod, so that it
 *    is adopted without waiting for the ReplicaSet to change.
 * One pods informer serves both, and its cache is the one reconcile reads.
 *
 * `workers` is fixed at 2 in the ops table: the host makes the queue from
 * it before init can read an option, so there is no `workers` option. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs.h"

#define PRIMARY "replicasets.apps"

/* ---- the pods informer: expectations and wake-ups (module thread) ---- */

/* The key of the ReplicaSet that controls pod, when it is one we know (the
 * uid must match: a reference to a deleted namesake is no control). */
static bool controller_key(cs_mod *m, const cs_object *pod, char *key, size_t n)
{
	const cs_host *h = m->host;
	const cs_object *ref = ck_controller_ref(h, pod);
	const char *kind = h->obj_str(ref, "kind"), *name = h->obj_str(ref, "name");
	const char *uid = h->obj_str(ref, "uid"), *ns = h->obj_str(pod, "metadata.namespace");
	if (!kind || strcmp(kind, "ReplicaSet") || !name || !uid || !ns)
		return false;
	const cs_object *rs = h->cache_get(cs_controller_informer(m, PRIMARY), ns, name);
	const char *rsuid = h->obj_str(rs, "metadata.uid");
	bool ok = rsuid && !strcmp(rsuid, uid);
	h->obj_free(rs);
	if (ok)
		snprintf(key, n, "%s/%s", ns, name);
	return ok;
}

static void pod_key(const cs_host *h, const cs_object *pod, char *key, size_t n)
{
	snprintf(key, n, "%s/%s", h->obj_str(pod, "metadata.namespace") ?: "",
		 h->obj_str(pod, "metadata.name") ?: "");
}

struct wake {
	cs_mod *m;
	const cs_object *labels;
};

static bool wake_visit(void *arg, const cs_object *rs)
{
	struct wake *w = arg;
	const cs_host *h = w->m->host;
	bool bad;
	if (ck_selector_matches(h, h->obj_get(rs, "spec.selector"), w->labels, &bad)) {
		char key[512];
		pod_key(h, rs, key, sizeof(key)); /* namespace/name, as for pods */
		cs_controller_enqueue(w->m, key, 0);
	}
	return true;
}

/* An orphan: every ReplicaSet that selects it may adopt it. */
static void wake_selecting(cs_mod *m, const cs_object *pod)
{
	const cs_host *h = m->host;
	struct wake w = {m, h->obj_get(pod, "metadata.labels")};
	h->cache_each(cs_controller_informer(m, PRIMARY), h->obj_str(pod, "metadata.namespace"),
		      NULL, wake_visit, &w);
}

/* Gone, or terminating: either way a delete we may have asked for. */
static void pod_gone(cs_mod *m, const cs_object *pod)
{
	char key[512], pk[512];
	if (!controller_key(m, pod, key, sizeof(key)))
		return;
	pod_key(m->host, pod, pk, sizeof(pk));
	ck_expect_deleted(rs_of(m)->expect, key, pk);
	cs_controller_enqueue(m, key, 0);
}

static void pod_add(cs_mod *m, void *arg, const cs_object *pod)
{
	(void)arg;
	char key[512];
	/* Seen terminating from the start (a relist): not one of our creates. */
	if (m->host->obj_get(pod, "metadata.deletionTimestamp")) {
		pod_gone(m, pod);
	} else if (controller_key(m, pod, key, sizeof(key))) {
		ck_expect_created(rs_of(m)->expect, key);
		cs_controller_enqueue(m, key, 0);
	} else if (!ck_controller_ref(m->host, pod)) {
		wake_selecting(m, pod);
	}
}

static void pod_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *cur)
{
	(void)arg;
	const cs_host *h = m->host;
	const char *orv = h->obj_str(old, "metadata.resourceVersion");
	const char *crv = h->obj_str(cur, "metadata.resourceVersion");
	if (old == cur || (orv && crv && !strcmp(orv, crv)))
		return; /* a resync: nothing changed */
	bool relabelled = !h->obj_equal(h->obj_get(old, "metadata.labels"),
					h->obj_get(cur, "metadata.labels"));
	if (h->obj_get(cur, "metadata.deletionTimestamp")) {
		pod_gone(m, cur);
		if (relabelled)
			pod_gone(m, old);
		return;
	}
	char okey[512], ckey[512];
	bool had = controller_key(m, old, okey, sizeof(okey));
	bool has = controller_key(m, cur, ckey, sizeof(ckey));
	const cs_object *oref = ck_controller_ref(h, old), *cref = ck_controller_ref(h, cur);
	bool ref_changed = !h->obj_equal(oref, cref);
	if (had && (!has || strcmp(okey, ckey)))
		cs_controller_enqueue(m, okey, 0); /* released: the old owner replaces it */
	if (has)
		cs_controller_enqueue(m, ckey, 0);
	else if (!cref && (relabelled || ref_changed))
		wake_selecting(m, cur);
}

static void pod_delete(cs_mod *m, void *arg, const cs_object *pod)
{
	(void)arg;
	pod_gone(m, pod);
}

static const cs_informer_handlers pod_handlers = {
	.on_add = pod_add,
	.on_update = pod_update,
	.on_delete = pod_delete,
};

/* ---- reconcile (worker threads) ---- */

struct scan {
	const cs_host *h;
	rs_view *v;
	const cs_object *selector;
	bool bad, oom;
};

static bool scan_visit(void *arg, const cs_object *pod)
{
	struct scan *s = arg;
	const cs_host *h = s->h;
	rs_view *v = s->v;
	if (!ck_pod_active(h, pod))
		return true;
	bool bad;
	bool match = ck_selector_matches(h, s->selector, h->obj_get(pod, "metadata.labels"), &bad);
	if (bad) {
		s->bad = true;
		return false;
	}
	const cs_object *ref = ck_controller_ref(h, pod);
	const char *uid = h->obj_str(ref, "uid");
	const cs_object ***arr = NULL;
	size_t *n = NULL, *cap = NULL;
	if (ref && uid && !strcmp(uid, v->uid)) {
		arr = match ? &v->owned : &v->strays;
		n = match ? &v->nowned : &v->nstrays;
		cap = match ? &v->capowned : &v->capstrays;
	} else if (!ref && match) {
		arr = &v->orphans, n = &v->norphans, cap = &v->caporphans;
	} else {
		return true; /* another controller's, or not ours to care about */
	}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		const cs_object **a = realloc(*arr, c * sizeof(*a));
		if (!a) {
			s->oom = true;
			return false;
		}
		*arr = a, *cap = c;
	}
	(*arr)[(*n)++] = h->obj_keep(pod);
	return true;
}

static void view_free(const cs_host *h, rs_view *v)
{
	const cs_object **lists[3] = {v->owned, v->orphans, v->strays};
	size_t ns[3] = {v->nowned, v->norphans, v->nstrays};
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < ns[k]; i++)
			h->obj_free(lists[k][i]);
		free(lists[k]);
	}
	h->obj_free(v->rs);
}

static int rs_sync(cs_mod *m, rs_view *v)
{
	const cs_host *h = m->host;
	rs_ctrl *c = rs_of(m);
	struct scan s = {h, v, h->obj_get(v->rs, "spec.selector"), false, false};
	if (h->cache_each(c->pods, v->ns, NULL, scan_visit, &s) < 0 || s.oom) {
		h->log(m, CS_LOG_WARN, "replicaset %s: cannot list its pods: %s", v->key,
		       s.oom ? "out of memory" : "the pods cache refused the walk");
		return CS_RETRY;
	}
	if (s.bad) {
		/* The API validates selectors; a bad one cannot get better by
		 * retrying. */
		h->log(m, CS_LOG_WARN, "replicaset %s: its selector is malformed; ignoring it",
		       v->key);
		return CS_DONE;
	}
	uint32_t wait_ms = 0;
	bool act = ck_expect_satisfied(c->expect, v->key, &wait_ms);
	int rc = rs_claim(m, v);
	const char *why = NULL;
	char msg[448] = "";
	if ((act ? rs_manage(m, v, &why, msg, sizeof(msg)) : CS_DONE) != CS_DONE)
		rc = CS_RETRY;
	else
		why = NULL; /* success clears the ReplicaFailure condition */
	int src = rs_update_status(m, v, why, msg);
	if (rc == CS_RETRY || src == CS_RETRY)
		return CS_RETRY;
	/* Expectations normally clear through pod events; look again when
	 * they would expire, in case an event never comes. */
	if (!act && (src == CS_DONE || (uint32_t)src > wait_ms))
		return (int)(wait_ms > 0x7fffffff ? 0x7fffffff : wait_ms);
	return src;
}

static int rs_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	rs_ctrl *c = rs_of(m);
	/* Until the pods cache has its first list, "no pods" means "not known
	 * yet", and acting on it would create a full set of extra pods. */
	if (!h->informer_synced(c->pods))
		return 200;
	char ns[256];
	const char *name;
	if (!ck_split_key(key, ns, sizeof(ns), &name))
		return CS_DONE; /* ReplicaSets are namespaced: not a key of ours */
	rs_view v = {.key = key, .ns = ns, .name = name};
	v.rs = h->cache_get(cs_controller_informer(m, PRIMARY), ns, v.name);
	if (!v.rs) {
		/* Deleted: its pods go with it through the garbage collector. */
		ck_expect_forget(c->expect, key);
		return CS_DONE;
	}
	v.uid = h->obj_str(v.rs, "metadata.uid");
	int rc = CS_DONE;
	if (v.uid && !h->obj_get(v.rs, "metadata.deletionTimestamp"))
		rc = rs_sync(m, &v);
	view_free(h, &v);
	return rc;
}

/* ---- lifecycle ---- */

static void rs_fini(cs_mod *m)
{
	rs_ctrl *c = rs_of(m);
	if (!c)
		return;
	ck_expect_free(c->expect);
	free(c);
	m->host->set_data(m, NULL);
}

static int rs_init(cs_mod *m)
{
	const cs_host *h = m->host;
	rs_ctrl *c = calloc(1, sizeof(*c));
	if (!c) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	h->set_data(m, c);
	if (!(c->expect = ck_expect_new())) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		goto fail;
	}
	c->pods = h->informer_new(m, "pods", NULL, NULL, NULL, 0, &pod_handlers);
	c->created = h->metric_new(m, CS_METRIC_COUNTER, "replicaset_pods_created_total",
				   "Pods created by the ReplicaSet controller");
	c->deleted = h->metric_new(m, CS_METRIC_COUNTER, "replicaset_pods_deleted_total",
				   "Pods deleted by the ReplicaSet controller");
	if (!c->pods || !c->created || !c->deleted)
		goto fail; /* the host logged why */
	return 0;
fail:
	rs_fini(m);
	return -1;
}

static const cs_controller_ops rs_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = PRIMARY,
	.owns = NULL, /* pods: our own informer, see the top */
	.workers = 2,
	.reconcile = rs_reconcile,
	.resync_seconds = 0,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "ctrl-replicaset",
	.version = "1.0.0",
	.description = "ReplicaSet controller: keeps spec.replicas pods of the template",
	.kind = CS_KIND_CONTROLLER,
	.options = NULL,
	.init = rs_init,
	.fini = rs_fini,
	.ops = &rs_ops,
};
