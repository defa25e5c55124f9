/* ctrl-statefulset: the StatefulSet controller, as Kubernetes'.
 *
 * The host runs the StatefulSet informer, the work queue and, through
 * `owns`, informers on pods and ControllerRevisions whose changes wake the
 * set that controls them.  Unlike the ReplicaSet controller this one needs
 * no expectations: every pod has a fixed name, so a create the cache has
 * not shown yet fails with AlreadyExists instead of making a second pod,
 * and deletes carry the pod's uid as precondition.  A claims informer of
 * our own lets reconcile read PersistentVolumeClaims without API calls.
 *
 * `workers` is fixed at 2 in the ops table: the host makes the queue from
 * it before init can read an option. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts.h"

static cs_object *event_ref(const cs_host *h, const sts_view *v)
{
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	if (!r || h->obj_set_str(r, "apiVersion", "apps/v1") ||
	    h->obj_set_str(r, "kind", "StatefulSet") ||
	    h->obj_set_str(r, "metadata.name", v->name) ||
	    h->obj_set_str(r, "metadata.namespace", v->ns) ||
	    h->obj_set_str(r, "metadata.uid", v->uid)) {
		h->obj_free(r);
		return NULL;
	}
	return r;
}

/* ---- claiming pods (Kubernetes' ClaimPods with the isMemberOf filter) ---- */

struct scan {
	const cs_host *h;
	sts_view *v;
	const cs_object *selector;
	const cs_object **orphans, **strays;
	size_t norphans, caporphans, nstrays, capstrays;
	bool bad, oom;
};

static bool scan_visit(void *arg, const cs_object *pod)
{
	struct scan *s = arg;
	const cs_host *h = s->h;
	sts_view *v = s->v;
	bool bad;
	bool match =
		ck_selector_matches(h, s->selector, h->obj_get(pod, "metadata.labels"), &bad) &&
		sts_ordinal(h->obj_str(pod, "metadata.name"), v->name) >= 0;
	if (bad) {
		s->bad = true;
		return false;
	}
	const cs_object *ref = ck_controller_ref(h, pod);
	const char *uid = h->obj_str(ref, "uid");
	bool ours = ref && ck_str_is(uid, v->uid);
	bool term = sts_terminating(h, pod);
	bool ok = true;
	const cs_object *k = NULL;
	if (ours && match)
		ok = sts_push(&v->pods, &v->npods, &v->cappods, k = h->obj_keep(pod));
	else if (ours && !term)
		ok = sts_push(&s->strays, &s->nstrays, &s->capstrays, k = h->obj_keep(pod));
	else if (!ref && match && !term)
		ok = sts_push(&s->orphans, &s->norphans, &s->caporphans, k = h->obj_keep(pod));
	if (!ok) {
		h->obj_free(k);
		s->oom = true;
	}
	return ok;
}

/* A merge patch of the pod's ownerReferences with ours added or removed,
 * conditional on its resourceVersion. */
static int patch_owners(cs_mod *m, const sts_view *v, const cs_object *pod, bool adopt,
			const cs_object **out, cs_error *err)
{
	cs_object *ours =
		adopt ? ck_owner_ref(m->host, "apps/v1", "StatefulSet", v->name, v->uid, true)
		      : NULL;
	return ck_patch_owners(m, "pods", pod, v->uid, adopt, ours, out, err);
}

/* The cache may still hold a set that was deleted or replaced by one of
 * the same name: adopt only for the one the API has now. */
static bool can_adopt(cs_mod *m, const sts_view *v)
{
	return ck_owner_current(m, PRIMARY, v->ns, v->name, v->uid, "pods");
}

static int claim_pods(cs_mod *m, sts_view *v)
{
	const cs_host *h = m->host;
	struct scan s = {.h = h, .v = v, .selector = h->obj_get(v->set, "spec.selector")};
	int rc = 0;
	if (h->cache_each(sts_of(m)->pods, v->ns, NULL, scan_visit, &s) < 0 || s.oom) {
		h->log(m, CS_LOG_WARN, "statefulset %s: cannot list its pods", v->key);
		rc = CS_RETRY;
		goto out;
	}
	if (s.bad) {
		/* The API validates selectors: retrying cannot help. */
		h->log(m, CS_LOG_WARN, "statefulset %s: its selector is malformed; ignoring it",
		       v->key);
		rc = -2;
		goto out;
	}
	bool adopt = s.norphans && can_adopt(m, v);
	for (size_t i = 0; adopt && i < s.norphans; i++) {
		const cs_object *got = NULL;
		const char *name = h->obj_str(s.orphans[i], "metadata.name");
		cs_error err;
		int code = patch_owners(m, v, s.orphans[i], true, &got, &err);
		if (!code && !sts_push(&v->pods, &v->npods, &v->cappods, got)) {
			h->obj_free(got);
			code = 500;
		}
		if (!code)
			h->log(m, CS_LOG_INFO, "statefulset %s: adopted pod %s", v->key, name);
		else if (code != CS_NOT_FOUND) {
			h->log(m, CS_LOG_WARN, "statefulset %s: adopting pod %s failed (%d): %s",
			       v->key, name, code, err.message);
			rc = CS_RETRY;
		}
	}
	for (size_t i = 0; i < s.nstrays; i++) {
		const char *name = h->obj_str(s.strays[i], "metadata.name");
		cs_error err;
		int code = patch_owners(m, v, s.strays[i], false, NULL, &err);
		if (!code)
			h->log(m, CS_LOG_INFO,
			       "statefulset %s: released pod %s, which it no longer selects",
			       v->key, name);
		else if (code != CS_NOT_FOUND) {
			h->log(m, CS_LOG_WARN, "statefulset %s: releasing pod %s failed (%d): %s",
			       v->key, name, code, err.message);
			rc = CS_RETRY;
		}
	}
out:
	for (size_t i = 0; i < s.norphans; i++)
		h->obj_free(s.orphans[i]);
	for (size_t i = 0; i < s.nstrays; i++)
		h->obj_free(s.strays[i]);
	free(s.orphans);
	free(s.strays);
	return rc;
}

/* ---- reconcile (worker threads) ---- */

static void view_free(const cs_host *h, sts_view *v)
{
	for (size_t i = 0; i < v->npods; i++)
		h->obj_free(v->pods[i]);
	for (size_t i = 0; i < v->nrevs; i++)
		h->obj_free(v->revs[i]);
	free(v->pods);
	free(v->revs);
	h->obj_free(v->cur_rev);
	h->obj_free(v->upd_rev);
	h->obj_free(v->ref);
	h->obj_free(v->set);
}

static int sts_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	sts_ctrl *c = sts_of(m);
	/* Until the caches have their first list, "no pods" means "not known
	 * yet", and acting on it would try to recreate every pod. */
	if (!h->informer_synced(c->pods) || !h->informer_synced(c->revs) ||
	    !h->informer_synced(c->pvcs))
		return 200;
	char ns[256];
	const char *slash = strchr(key, '/');
	if (!slash || (size_t)(slash - key) >= sizeof(ns))
		return CS_DONE;
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	sts_view v = {.key = key, .ns = ns, .name = slash + 1};
	v.set = h->cache_get(c->sets, ns, v.name);
	if (!v.set)
		return CS_DONE; /* deleted: the garbage collector takes its pods */
	v.uid = h->obj_str(v.set, "metadata.uid");
	int rc = CS_DONE;
	if (!v.uid || h->obj_get(v.set, "metadata.deletionTimestamp"))
		goto out;
	v.start = h->obj_int(v.set, "spec.ordinals.start", 0);
	if (!(v.ref = event_ref(h, &v))) {
		h->log(m, CS_LOG_WARN, "statefulset %s: out of memory", key);
		rc = CS_RETRY;
		goto out;
	}
	rc = claim_pods(m, &v);
	if (rc == -2) {
		rc = CS_DONE;
		goto out;
	}
	int prc = rc;
	if ((rc = sts_revisions(m, &v)) != 0)
		goto out;
	rc = sts_update(m, &v);
	if (sts_truncate_history(m, &v) || prc)
		rc = CS_RETRY;
out:
	view_free(h, &v);
	return rc;
}

/* ---- lifecycle ---- */

static void sts_fini(cs_mod *m)
{
	free(sts_of(m));
	m->host->set_data(m, NULL);
}

static int sts_init(cs_mod *m)
{
	const cs_host *h = m->host;
	sts_ctrl *c = calloc(1, sizeof(*c));
	if (!c) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	h->set_data(m, c);
	static const cs_informer_handlers none = {0};
	c->sets = cs_controller_informer(m, PRIMARY);
	c->pods = cs_controller_informer(m, "pods");
	c->revs = cs_controller_informer(m, "controllerrevisions.apps");
	c->pvcs = h->informer_new(m, "persistentvolumeclaims", NULL, NULL, NULL, 0, &none);
	c->created = h->metric_new(m, CS_METRIC_COUNTER, "statefulset_pods_created_total",
				   "Pods created by the StatefulSet controller");
	c->deleted = h->metric_new(m, CS_METRIC_COUNTER, "statefulset_pods_deleted_total",
				   "Pods deleted by the StatefulSet controller");
	if (!c->sets || !c->pods || !c->revs || !c->pvcs || !c->created || !c->deleted) {
		h->log(m, CS_LOG_ERROR, "cannot set up the informers and metrics");
		sts_fini(m);
		return -1;
	}
	return 0;
}

static const char *const owned[] = {"pods", "controllerrevisions.apps", NULL};

static const cs_controller_ops sts_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = PRIMARY,
	.owns = owned,
	.workers = 2,
	.reconcile = sts_reconcile,
	.resync_seconds = 0,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "ctrl-statefulset",
	.version = "1.0.0",
	.description = "StatefulSet controller: ordered pods with stable names and storage",
	.kind = CS_KIND_CONTROLLER,
	.options = NULL,
	.init = sts_init,
	.fini = sts_fini,
	.ops = &sts_ops,
};
