/* ctrl-deployment: the Deployment controller, as Kubernetes'.
 *
 * The host runs the Deployment informer and the work queue (controller.h).
 * ReplicaSets are watched by an informer of our own rather than through
 * `owns`: besides waking a ReplicaSet's controlling Deployment, an orphan
 * ReplicaSet must wake every Deployment whose selector matches it, so that
 * it is adopted.  Pods are watched too, for the Recreate strategy, which
 * creates the new ReplicaSet only once the old pods are gone.
 *
 * One reconcile is Kubernetes' syncDeployment: claim the ReplicaSets,
 * then, in this order, the status of a deployment being deleted, the
 * paused condition, scaling (paused, or spec.replicas changed), or one
 * step of the strategy's rollout, each ending with the status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dep.h"

static void obj_key(const cs_host *h, const cs_object *o, char *key, size_t n)
{
	snprintf(key, n, "%s/%s", h->obj_str(o, "metadata.namespace") ?: "",
		 h->obj_str(o, "metadata.name") ?: "");
}

/* ---- wake-ups (module thread) ---- */

/* The key of the Deployment that controls rs, when we know it (the uid
 * must match: a reference to a deleted namesake is no control). */
static bool owner_key(cs_mod *m, const cs_object *rs, char *key, size_t n)
{
	const cs_host *h = m->host;
	const cs_object *ref = ck_controller_ref(h, rs);
	const char *uid = dp_deployment_owner(h, rs), *name = h->obj_str(ref, "name");
	const char *ns = h->obj_str(rs, "metadata.namespace");
	if (!uid || !name || !ns)
		return false;
	const cs_object *d = h->cache_get(cs_controller_informer(m, DP_PRIMARY), ns, name);
	bool ok = ck_str_is(h->obj_str(d, "metadata.uid"), uid);
	h->obj_free(d);
	if (ok)
		snprintf(key, n, "%s/%s", ns, name);
	return ok;
}

static void wake_owner(cs_mod *m, const cs_object *rs)
{
	char key[512];
	if (owner_key(m, rs, key, sizeof(key)))
		cs_controller_enqueue(m, key, 0);
}

struct wake {
	cs_mod *m;
	const cs_object *labels;
};

static bool wake_visit(void *arg, const cs_object *d)
{
	struct wake *w = arg;
	const cs_host *h = w->m->host;
	bool bad;
	if (dp_selector_matches(h, h->obj_get(d, "spec.selector"), w->labels, &bad)) {
		char key[512];
		obj_key(h, d, key, sizeof(key));
		cs_controller_enqueue(w->m, key, 0);
	}
	return true;
}

/* An orphan: every Deployment that selects it may adopt it. */
static void wake_selecting(cs_mod *m, const cs_object *rs)
{
	const cs_host *h = m->host;
	struct wake w = {m, h->obj_get(rs, "metadata.labels")};
	h->cache_each(cs_controller_informer(m, DP_PRIMARY), h->obj_str(rs, "metadata.namespace"),
		      NULL, wake_visit, &w);
}

static void rs_add(cs_mod *m, void *arg, const cs_object *rs)
{
	(void)arg;
	if (ck_controller_ref(m->host, rs))
		wake_owner(m, rs);
	else if (!m->host->obj_get(rs, "metadata.deletionTimestamp"))
		wake_selecting(m, rs);
}

static void rs_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *cur)
{
	(void)arg;
	const cs_host *h = m->host;
	const char *orv = h->obj_str(old, "metadata.resourceVersion");
	const char *crv = h->obj_str(cur, "metadata.resourceVersion");
	if (old == cur || (orv && crv && !strcmp(orv, crv)))
		return; /* a resync: nothing changed */
	const cs_object *oref = ck_controller_ref(h, old), *cref = ck_controller_ref(h, cur);
	bool ref_changed = !h->obj_equal(oref, cref);
	if (ref_changed && oref)
		wake_owner(m, old); /* released: the old owner looks again */
	if (cref)
		wake_owner(m, cur);
	else if (ref_changed || !h->obj_equal(h->obj_get(old, "metadata.labels"),
					      h->obj_get(cur, "metadata.labels")))
		wake_selecting(m, cur);
}

static void rs_delete(cs_mod *m, void *arg, const cs_object *rs)
{
	(void)arg;
	wake_owner(m, rs);
}

static const cs_informer_handlers rs_handlers = {
	.on_add = rs_add,
	.on_update = rs_update,
	.on_delete = rs_delete,
};

/* A pod of a Recreate deployment is gone: the new ReplicaSet may be due. */
static void pod_delete(cs_mod *m, void *arg, const cs_object *pod)
{
	(void)arg;
	const cs_host *h = m->host;
	const cs_object *ref = ck_controller_ref(h, pod);
	if (!ck_str_is(h->obj_str(ref, "kind"), "ReplicaSet"))
		return;
	const char *ns = h->obj_str(pod, "metadata.namespace");
	const cs_object *rs = h->cache_get(dp_of(m)->rs, ns, h->obj_str(ref, "name"));
	char key[512];
	if (rs && ck_str_is(h->obj_str(rs, "metadata.uid"), h->obj_str(ref, "uid")) &&
	    owner_key(m, rs, key, sizeof(key))) {
		const cs_object *d = h->cache_get(cs_controller_informer(m, DP_PRIMARY), ns,
						  h->obj_str(ck_controller_ref(h, rs), "name"));
		if (dp_is_recreate(h, d))
			cs_controller_enqueue(m, key, 0);
		h->obj_free(d);
	}
	h->obj_free(rs);
}

static const cs_informer_handlers pod_handlers = {
	.on_delete = pod_delete,
};

/* ---- Recreate's old pods ---- */

struct running {
	dp_sync *s;
	bool any;
};

static bool running_visit(void *arg, const cs_object *pod)
{
	struct running *r = arg;
	dp_sync *s = r->s;
	const cs_host *h = s->h;
	const cs_object *ref = ck_controller_ref(h, pod);
	const char *uid = h->obj_str(ref, "uid"), *phase = h->obj_str(pod, "status.phase");
	if (!uid || !ck_str_is(h->obj_str(ref, "kind"), "ReplicaSet") ||
	    ck_str_is(phase, "Succeeded") || ck_str_is(phase, "Failed"))
		return true;
	for (size_t i = 0; i < s->nrs; i++)
		if ((int)i != s->new_idx && ck_str_is(h->obj_str(s->rss[i], "metadata.uid"), uid)) {
			r->any = true;
			return false;
		}
	return true;
}

bool dp_old_pods_running(dp_sync *s)
{
	if (dp_sum(s, "status.replicas", s->new_idx) > 0)
		return true;
	struct running r = {s, false};
	/* Terminating pods count: they still run until they are gone. */
	if (s->h->cache_each(dp_of(s->m)->pods, s->ns, NULL, running_visit, &r) < 0)
		return true;
	return r.any;
}

/* ---- reconcile (worker threads) ---- */

static int sync_deployment(dp_sync *s)
{
	const cs_host *h = s->h;
	int rc = dp_claim(s, dp_of(s->m)->rs);
	if (rc != CS_DONE)
		return rc;
	if (h->obj_get(s->d, "metadata.deletionTimestamp")) {
		if ((rc = dp_new_rs(s, false)) != CS_DONE)
			return rc;
		return dp_sync_status(s, false);
	}
	if ((rc = dp_paused_conditions(s)) != CS_DONE)
		return rc;
	if ((rc = dp_new_rs(s, false)) != CS_DONE)
		return rc;
	if (h->obj_bool(s->d, "spec.paused", false) || dp_is_scaling_event(s))
		return dp_sync_scale(s);
	if (dp_is_recreate(h, s->d))
		return dp_rollout_recreate(s);
	return dp_rollout_rolling(s);
}

static int dp_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	dp_ctrl *c = dp_of(m);
	/* Until the caches have their first list, "no ReplicaSet" means "not
	 * known yet", and acting on it would create a duplicate. */
	if (!h->informer_synced(c->rs) || !h->informer_synced(c->pods))
		return 200;
	char ns[256];
	const char *slash = strchr(key, '/');
	if (!slash || (size_t)(slash - key) >= sizeof(ns))
		return CS_DONE; /* Deployments are namespaced: not a key of ours */
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	dp_sync s = {.m = m, .h = h, .key = key, .ns = ns, .name = slash + 1, .new_idx = -1};
	s.d = h->cache_get(cs_controller_informer(m, DP_PRIMARY), ns, s.name);
	if (!s.d)
		return CS_DONE; /* deleted: its ReplicaSets go through the garbage collector */
	int rc = h->obj_str(s.d, "metadata.uid") ? sync_deployment(&s) : CS_DONE;
	for (size_t i = 0; i < s.nrs; i++)
		h->obj_free(s.rss[i]);
	free(s.rss);
	h->obj_free(s.d);
	if (rc == CS_DONE && s.requeue_ms > 0)
		return s.requeue_ms > 0x7fffffff ? 0x7fffffff : (int)s.requeue_ms;
	return rc;
}

/* ---- lifecycle ---- */

static void dp_fini(cs_mod *m)
{
	free(dp_of(m));
	m->host->set_data(m, NULL);
}

static int dp_init(cs_mod *m)
{
	const cs_host *h = m->host;
	dp_ctrl *c = calloc(1, sizeof(*c));
	if (!c) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	h->set_data(m, c);
	c->rs = h->informer_new(m, DP_RS, NULL, NULL, NULL, 0, &rs_handlers);
	c->pods = h->informer_new(m, "pods", NULL, NULL, NULL, 0, &pod_handlers);
	c->rs_created = h->metric_new(m, CS_METRIC_COUNTER, "deployment_replicasets_created_total",
				      "ReplicaSets created by the Deployment controller");
	c->rs_deleted = h->metric_new(m, CS_METRIC_COUNTER, "deployment_replicasets_deleted_total",
				      "Old ReplicaSets deleted beyond revisionHistoryLimit");
	if (!c->rs || !c->pods || !c->rs_created || !c->rs_deleted) {
		dp_fini(m); /* the host logged why */
		return -1;
	}
	return 0;
}

static const cs_controller_ops dp_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = DP_PRIMARY,
	.owns = NULL, /* replicasets and pods: our own informers, see the top */
	.workers = 2,
	.reconcile = dp_reconcile,
	.resync_seconds = 0,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "ctrl-deployment",
	.version = "1.0.0",
	.description = "Deployment controller: rolls ReplicaSets out (RollingUpdate, Recreate)",
	.kind = CS_KIND_CONTROLLER,
	.options = NULL,
	.init = dp_init,
	.fini = dp_fini,
	.ops = &dp_ops,
};
