/* ctrl-daemonset: the DaemonSet controller, as Kubernetes'.
 *
 * One daemon pod per eligible node (nodes.c), bound the way current
 * Kubernetes binds them: a required node affinity on the node's name, so
 * that the default scheduler places it; template revisions kept as
 * ControllerRevisions (history.c); RollingUpdate and OnDelete updates
 * (manage.c); status (status.c).
 *
 * The host runs the DaemonSet informer and the work queue (controller.h).
 * Pods, Nodes and ControllerRevisions are watched by informers of our own:
 *  - pods feed the expectations (creates and deletes issued, still to be
 *    seen) and wake the DaemonSets that may adopt an orphan;
 *  - a node that appears, goes, or changes its labels or taints may change
 *    where every DaemonSet runs, so it wakes them all;
 *  - a revision wakes its DaemonSet.
 *
 * `workers` is fixed at 2 in the ops table: the host makes the queue from
 * it before init can read an option, so there is no `workers` option. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds.h"

/* ---- informer handlers (module thread) ---- */

static void obj_key(const cs_host *h, const cs_object *o, char *key, size_t n)
{
	snprintf(key, n, "%s/%s", h->obj_str(o, "metadata.namespace") ?: "",
		 h->obj_str(o, "metadata.name") ?: "");
}

/* The key of the DaemonSet that controls obj, when it is one we know (a
 * reference to a deleted namesake is no control). */
static bool controller_key(cs_mod *m, const cs_object *obj, char *key, size_t n)
{
	const cs_host *h = m->host;
	const cs_object *ref = ck_controller_ref(h, obj);
	const char *kind = h->obj_str(ref, "kind"), *name = h->obj_str(ref, "name");
	const char *uid = h->obj_str(ref, "uid"), *ns = h->obj_str(obj, "metadata.namespace");
	if (!kind || strcmp(kind, "DaemonSet") || !name || !uid || !ns)
		return false;
	const cs_object *ds = h->cache_get(cs_controller_informer(m, PRIMARY), ns, name);
	const char *dsuid = h->obj_str(ds, "metadata.uid");
	bool ok = dsuid && !strcmp(dsuid, uid);
	h->obj_free(ds);
	if (ok)
		snprintf(key, n, "%s/%s", ns, name);
	return ok;
}

struct wake {
	cs_mod *m;
	const cs_object *labels; /* NULL: wake every DaemonSet */
};

static bool wake_visit(void *arg, const cs_object *ds)
{
	struct wake *w = arg;
	const cs_host *h = w->m->host;
	bool bad;
	if (!w->labels ||
	    ck_selector_matches(h, h->obj_get(ds, "spec.selector"), w->labels, &bad)) {
		char key[512];
		obj_key(h, ds, key, sizeof(key));
		cs_controller_enqueue(w->m, key, 0);
	}
	return true;
}

static void wake_selecting(cs_mod *m, const cs_object *pod)
{
	const cs_host *h = m->host;
	struct wake w = {m, h->obj_get(pod, "metadata.labels")};
	if (!w.labels)
		return; /* no DaemonSet selects a pod without labels */
	h->cache_each(cs_controller_informer(m, PRIMARY), h->obj_str(pod, "metadata.namespace"),
		      NULL, wake_visit, &w);
}

static void wake_all(cs_mod *m)
{
	struct wake w = {m, NULL};
	m->host->cache_each(cs_controller_informer(m, PRIMARY), NULL, NULL, wake_visit, &w);
}

static void pod_gone(cs_mod *m, const cs_object *pod)
{
	char key[512], pk[512];
	if (!controller_key(m, pod, key, sizeof(key)))
		return;
	obj_key(m->host, pod, pk, sizeof(pk));
	ck_expect_deleted(ds_of(m)->expect, key, pk);
	cs_controller_enqueue(m, key, 0);
}

static void pod_add(cs_mod *m, void *arg, const cs_object *pod)
{
	(void)arg;
	char key[512];
	if (m->host->obj_get(pod, "metadata.deletionTimestamp")) {
		pod_gone(m, pod);
	} else if (controller_key(m, pod, key, sizeof(key))) {
		ck_expect_created(ds_of(m)->expect, key);
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
	if (h->obj_get(cur, "metadata.deletionTimestamp")) {
		pod_gone(m, cur);
		return;
	}
	char okey[512], ckey[512];
	bool had = controller_key(m, old, okey, sizeof(okey));
	bool has = controller_key(m, cur, ckey, sizeof(ckey));
	if (had && (!has || strcmp(okey, ckey)))
		cs_controller_enqueue(m, okey, 0);
	if (has)
		cs_controller_enqueue(m, ckey, 0);
	else if (!ck_controller_ref(h, cur))
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

static void node_add(cs_mod *m, void *arg, const cs_object *node)
{
	(void)arg;
	(void)node;
	wake_all(m);
}

/* Only what decides where daemons run matters; status heartbeats do
 * not. */
static void node_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *cur)
{
	(void)arg;
	const cs_host *h = m->host;
	if (old == cur)
		return;
	if (!h->obj_equal(h->obj_get(old, "metadata.labels"), h->obj_get(cur, "metadata.labels")) ||
	    !h->obj_equal(h->obj_get(old, "spec.taints"), h->obj_get(cur, "spec.taints")))
		wake_all(m);
}

static const cs_informer_handlers node_handlers = {
	.on_add = node_add,
	.on_update = node_update,
	.on_delete = node_add,
};

static void rev_changed(cs_mod *m, const cs_object *rev)
{
	char key[512];
	if (controller_key(m, rev, key, sizeof(key)))
		cs_controller_enqueue(m, key, 0);
}

static void rev_add(cs_mod *m, void *arg, const cs_object *rev)
{
	(void)arg;
	rev_changed(m, rev);
}

static void rev_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *cur)
{
	(void)arg;
	if (old != cur)
		rev_changed(m, cur);
}

static const cs_informer_handlers rev_handlers = {
	.on_add = rev_add,
	.on_update = rev_update,
	.on_delete = rev_add,
};

/* ---- reconcile (worker threads) ---- */

struct scan {
	const cs_host *h;
	ds_view *v;
	const cs_object *selector;
	bool bad, oom;
};

static bool scan_visit(void *arg, const cs_object *pod)
{
	struct scan *s = arg;
	const cs_host *h = s->h;
	ds_view *v = s->v;
	bool bad;
	bool match = ck_selector_matches(h, s->selector, h->obj_get(pod, "metadata.labels"), &bad);
	if (bad) {
		s->bad = true;
		return false;
	}
	const cs_object *ref = ck_controller_ref(h, pod);
	const char *uid = h->obj_str(ref, "uid");
	ds_list *l = NULL;
	if (ref && uid && !strcmp(uid, v->uid))
		l = match ? &v->owned : &v->strays;
	else if (!ref && match && ck_pod_active(h, pod))
		l = &v->orphans;
	if (l && !ds_list_push(l, h->obj_keep(pod)))
		s->oom = true;
	return !s->oom;
}

static bool node_visit(void *arg, const cs_object *node)
{
	struct scan *s = arg;
	if (!ds_list_push(&s->v->nodes, s->h->obj_keep(node)))
		s->oom = true;
	return !s->oom;
}

static void view_free(const cs_host *h, ds_view *v)
{
	ds_list_free(h, &v->owned);
	ds_list_free(h, &v->orphans);
	ds_list_free(h, &v->strays);
	ds_list_free(h, &v->nodes);
	ds_list_free(h, &v->old_revs);
	for (size_t i = 0; i < v->nslots; i++)
		free(v->slots[i].pods.v); /* borrowed from owned */
	free(v->slots);
	h->obj_free(v->ds);
}

/* The template generation annotation the API server of Kubernetes keeps
 * (capstan's does not set it, but a DaemonSet restored from elsewhere may
 * carry it); -1 when absent or malformed. */
static int64_t template_generation(const cs_host *h, const cs_object *ds)
{
	const char *s = h->obj_str(ds, DS_GEN_ANNOTATION_PATH);
	char *end;
	long long g = s && *s ? strtoll(s, &end, 10) : -1;
	return g >= 0 && s && !*end ? g : -1;
}

/* The soonest of two re-queue delays (CS_DONE: none). */
static int sooner(int a, int b)
{
	if (a == CS_RETRY || b == CS_RETRY)
		return CS_RETRY;
	if (a == CS_DONE)
		return b;
	if (b == CS_DONE)
		return a;
	return a < b ? a : b;
}

static int ds_sync(cs_mod *m, ds_view *v)
{
	const cs_host *h = m->host;
	ds_ctrl *c = ds_of(m);
	struct scan s = {h, v, h->obj_get(v->ds, "spec.selector"), false, false};
	if (h->cache_each(c->pods, v->ns, NULL, scan_visit, &s) < 0 ||
	    h->cache_each(c->nodes, NULL, NULL, node_visit, &s) < 0 || s.oom) {
		h->log(m, CS_LOG_WARN, "daemonset %s: cannot list its pods and the nodes: %s",
		       v->key, s.oom ? "out of memory" : "a cache refused the walk");
		return CS_RETRY;
	}
	if (s.bad) {
		/* The API validates selectors; a bad one cannot get better by
		 * retrying. */
		h->log(m, CS_LOG_WARN, "daemonset %s: its selector is malformed; ignoring it",
		       v->key);
		return CS_DONE;
	}
	v->generation = template_generation(h, v->ds);
	int rc = ds_claim(m, v);
	if (ds_group(m, v) != CS_DONE || ds_history(m, v) != CS_DONE)
		return CS_RETRY;
	uint32_t wait_ms = 0;
	if (!ck_expect_satisfied(c->expect, v->key, &wait_ms)) {
		/* Writes of an earlier sync are not all seen yet: only the
		 * status, without claiming this generation observed. */
		int src = ds_update_status(m, v, false);
		return sooner(sooner(rc, src), (int)(wait_ms > 0x7fffffff ? 0x7fffffff : wait_ms));
	}
	uint32_t backoff_ms = UINT32_MAX;
	rc = sooner(rc, ds_manage(m, v, &backoff_ms));
	if (backoff_ms != UINT32_MAX)
		rc = sooner(rc, (int)(backoff_ms > 0x7fffffff ? 0x7fffffff : backoff_ms));
	const char *type = h->obj_str(v->ds, "spec.updateStrategy.type");
	if ((!type || !strcmp(type, "RollingUpdate")) &&
	    ck_expect_satisfied(c->expect, v->key, &wait_ms))
		rc = sooner(rc, ds_rolling_update(m, v));
	rc = sooner(rc, ds_cleanup_history(m, v));
	return sooner(rc, ds_update_status(m, v, true));
}

static int ds_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	ds_ctrl *c = ds_of(m);
	/* Until the caches have their first lists, "no pods" means "not known
	 * yet", and acting on it would create extra pods. */
	if (!h->informer_synced(c->pods) || !h->informer_synced(c->nodes) ||
	    !h->informer_synced(c->revs))
		return 200;
	char ns[256];
	const char *name;
	if (!ck_split_key(key, ns, sizeof(ns), &name))
		return CS_DONE; /* DaemonSets are namespaced: not a key of ours */
	ds_view v = {.key = key, .ns = ns, .name = name, .generation = -1};
	v.ds = h->cache_get(cs_controller_informer(m, PRIMARY), ns, v.name);
	if (!v.ds) {
		/* Deleted: its pods and revisions go with it through the
		 * garbage collector. */
		ck_expect_forget(c->expect, key);
		return CS_DONE;
	}
	v.uid = h->obj_str(v.ds, "metadata.uid");
	int rc = CS_DONE;
	if (v.uid && !h->obj_get(v.ds, "metadata.deletionTimestamp"))
		rc = ds_sync(m, &v);
	view_free(h, &v);
	return rc;
}

/* ---- lifecycle ---- */

static void ds_fini(cs_mod *m)
{
	ds_ctrl *c = ds_of(m);
	if (!c)
		return;
	ck_expect_free(c->expect);
	ds_backoff_free(c->backoff);
	free(c);
	m->host->set_data(m, NULL);
}

static int ds_init(cs_mod *m)
{
	const cs_host *h = m->host;
	ds_ctrl *c = calloc(1, sizeof(*c));
	if (!c) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	h->set_data(m, c);
	if (!(c->expect = ck_expect_new()) || !(c->backoff = ds_backoff_new())) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		goto fail;
	}
	c->pods = h->informer_new(m, "pods", NULL, NULL, NULL, 0, &pod_handlers);
	c->nodes = h->informer_new(m, "nodes", NULL, NULL, NULL, 0, &node_handlers);
	c->revs = h->informer_new(m, REVS, NULL, NULL, NULL, 0, &rev_handlers);
	c->created = h->metric_new(m, CS_METRIC_COUNTER, "daemonset_pods_created_total",
				   "Pods created by the DaemonSet controller");
	c->deleted = h->metric_new(m, CS_METRIC_COUNTER, "daemonset_pods_deleted_total",
				   "Pods deleted by the DaemonSet controller");
	if (!c->pods || !c->nodes || !c->revs || !c->created || !c->deleted)
		goto fail; /* the host logged why */
	return 0;
fail:
	ds_fini(m);
	return -1;
}

static const cs_controller_ops ds_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = PRIMARY,
	.owns = NULL, /* pods, nodes, revisions: our own informers, see the top */
	.workers = 2,
	.reconcile = ds_reconcile,
	.resync_seconds = 0,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "ctrl-daemonset",
	.version = "1.0.0",
	.description = "DaemonSet controller: one pod of the template on every eligible node",
	.kind = CS_KIND_CONTROLLER,
	.options = NULL,
	.init = ds_init,
	.fini = ds_fini,
	.ops = &ds_ops,
};
