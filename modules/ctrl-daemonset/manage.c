/* The pod writes of a sync, as Kubernetes' DaemonSet controller makes
 * them: claim pods, group them by node, decide per node which pods are
 * created and deleted (manage, podsShouldBeOnNode) and issue the calls
 * (syncNodes). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds.h"

#define MAX_THREADS     16 /* parallel API calls of one batch */
#define NAME_COLLISIONS 3  /* creates tried when generateName collides */
#define MAX_PREFIX      58 /* Kubernetes' maxGeneratedNameLength: 63 - 5 */

bool ds_list_push(ds_list *l, const cs_object *o)
{
	if (!o)
		return false;
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 16;
		const cs_object **a = realloc(l->v, c * sizeof(*a));
		if (!a)
			return false;
		l->v = a;
		l->cap = c;
	}
	l->v[l->n++] = o;
	return true;
}

void ds_list_free(const cs_host *h, ds_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		h->obj_free(l->v[i]);
	free(l->v);
	*l = (ds_list){0};
}

static cs_object *ref_of(const cs_host *h, const ds_view *v, bool owner)
{
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	bool bad = !r || h->obj_set_str(r, "apiVersion", "apps/v1") ||
		   h->obj_set_str(r, "kind", "DaemonSet");
	if (!bad && owner)
		bad = h->obj_set_str(r, "name", v->name) || h->obj_set_str(r, "uid", v->uid) ||
		      h->obj_set_bool(r, "controller", true) ||
		      h->obj_set_bool(r, "blockOwnerDeletion", true);
	else if (!bad)
		bad = h->obj_set_str(r, "metadata.name", v->name) ||
		      h->obj_set_str(r, "metadata.namespace", v->ns) ||
		      h->obj_set_str(r, "metadata.uid", v->uid);
	if (bad) {
		h->obj_free(r);
		return NULL;
	}
	return r;
}

cs_object *ds_event_ref(const cs_host *h, const ds_view *v)
{
	return ref_of(h, v, false);
}

cs_object *ds_owner_ref(const cs_host *h, const ds_view *v)
{
	return ref_of(h, v, true);
}

/* ---- claiming ---- */

int ds_patch_owners(cs_mod *m, const ds_view *v, const char *resource, const cs_object *obj,
		    bool adopt, const cs_object **out, cs_error *err)
{
	return ck_patch_owners(m, resource, obj, v->uid, adopt,
			       adopt ? ds_owner_ref(m->host, v) : NULL, out, err);
}

/* Kubernetes re-reads the DaemonSet before adopting: the cache may hold
 * one that was deleted or replaced by a namesake. */
static bool can_adopt(cs_mod *m, const ds_view *v)
{
	return ck_owner_current(m, PRIMARY, v->ns, v->name, v->uid, "pods");
}

int ds_claim(cs_mod *m, ds_view *v)
{
	const cs_host *h = m->host;
	int rc = CS_DONE;
	bool adopt = v->orphans.n && can_adopt(m, v);
	for (size_t i = 0; adopt && i < v->orphans.n; i++) {
		const cs_object *pod = v->orphans.v[i], *got = NULL;
		const char *name = h->obj_str(pod, "metadata.name");
		cs_error err;
		int code = ds_patch_owners(m, v, "pods", pod, true, &got, &err);
		if (code == 0 && !ds_list_push(&v->owned, got)) {
			h->obj_free(got);
			code = 500;
		}
		if (code == 0)
			h->log(m, CS_LOG_INFO, "daemonset %s: adopted pod %s", v->key, name);
		else if (code != CS_NOT_FOUND)
			h->log(m, CS_LOG_WARN, "daemonset %s: adopting pod %s failed (%d %s): %s",
			       v->key, name, code, err.reason, err.message);
		if (code && code != CS_NOT_FOUND)
			rc = CS_RETRY;
	}
	for (size_t i = 0; i < v->strays.n; i++) {
		const char *name = h->obj_str(v->strays.v[i], "metadata.name");
		cs_error err;
		int code = ds_patch_owners(m, v, "pods", v->strays.v[i], false, NULL, &err);
		if (code == 0)
			h->log(m, CS_LOG_INFO,
			       "daemonset %s: released pod %s, which no longer matches its "
			       "selector",
			       v->key, name);
		else if (code != CS_NOT_FOUND)
			h->log(m, CS_LOG_WARN, "daemonset %s: releasing pod %s failed (%d %s): %s",
			       v->key, name, code, err.reason, err.message);
		if (code && code != CS_NOT_FOUND)
			rc = CS_RETRY;
	}
	return rc;
}

/* ---- grouping by node ---- */

static ds_slot *slot_of(ds_view *v, const char *node, size_t *cap)
{
	for (size_t i = 0; i < v->nslots; i++)
		if (!strcmp(v->slots[i].node, node))
			return &v->slots[i];
	if (v->nslots == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		ds_slot *s = realloc(v->slots, c * sizeof(*s));
		if (!s)
			return NULL;
		v->slots = s;
		*cap = c;
	}
	v->slots[v->nslots] = (ds_slot){.node = node};
	return &v->slots[v->nslots++];
}

static int pod_cmp(const void *a, const void *b, void *arg)
{
	return ds_pod_cmp(arg, *(const cs_object *const *)a, *(const cs_object *const *)b);
}

int ds_group(cs_mod *m, ds_view *v)
{
	const cs_host *h = m->host;
	size_t cap = 0;
	for (size_t i = 0; i < v->nodes.n; i++) {
		const char *name = h->obj_str(v->nodes.v[i], "metadata.name");
		ds_slot *s = name ? slot_of(v, name, &cap) : NULL;
		if (name && !s)
			return CS_RETRY;
		if (s) {
			s->nodeobj = v->nodes.v[i];
			ds_node_should_run(h, v->ds, s->nodeobj, &s->run, &s->cont);
		}
	}
	for (size_t i = 0; i < v->owned.n; i++) {
		const cs_object *pod = v->owned.v[i];
		const char *phase = h->obj_str(pod, "status.phase");
		bool terminal = phase && (!strcmp(phase, "Failed") || !strcmp(phase, "Succeeded"));
		/* Terminal and being deleted: nothing left to do with it. */
		if (terminal && h->obj_get(pod, "metadata.deletionTimestamp"))
			continue;
		const char *node = ds_pod_node(h, pod);
		if (!node) {
			h->log(m, CS_LOG_DEBUG, "daemonset %s: pod %s names no node; ignoring it",
			       v->key, h->obj_str(pod, "metadata.name"));
			continue;
		}
		ds_slot *s = slot_of(v, node, &cap);
		if (!s || !ds_list_push(&s->pods, pod))
			return CS_RETRY;
	}
	for (size_t i = 0; i < v->nslots; i++)
		if (v->slots[i].pods.n > 1) /* an empty list has no array at all */
			qsort_r(v->slots[i].pods.v, v->slots[i].pods.n, sizeof(*v->slots[i].pods.v),
				pod_cmp, (void *)h);
	return CS_DONE;
}

/* ---- int-or-percent of the rolling update ---- */

/* intstr.GetScaledValueFromIntOrPercent(x, total, roundUp=true). */
static int64_t scaled(const cs_host *h, const cs_object *x, int64_t total, int64_t def)
{
	if (!x)
		return def;
	if (h->obj_type(x) == CS_OBJ_NUMBER)
		return h->obj_int(x, NULL, def);
	const char *s = h->obj_str(x, NULL);
	size_t n = s ? strlen(s) : 0;
	if (!n || s[n - 1] != '%')
		return def; /* the API validates these: not reached */
	int64_t pct = strtoll(s, NULL, 10);
	return (pct * total + 99) / 100;
}

static bool rolling(const cs_host *h, const cs_object *ds)
{
	const char *t = h->obj_str(ds, "spec.updateStrategy.type");
	return !t || !strcmp(t, "RollingUpdate");
}

static int64_t max_surge(const cs_host *h, const cs_object *ds, int64_t total)
{
	if (!rolling(h, ds))
		return 0;
	return scaled(h, h->obj_get(ds, "spec.updateStrategy.rollingUpdate.maxSurge"), total, 0);
}

static int64_t max_unavailable(const cs_host *h, const cs_object *ds, int64_t total)
{
	return scaled(h, h->obj_get(ds, "spec.updateStrategy.rollingUpdate.maxUnavailable"), total,
		      1);
}

/* ---- manage ---- */

static bool deleting(const cs_host *h, const cs_object *pod)
{
	return h->obj_get(pod, "metadata.deletionTimestamp") != NULL;
}

static bool phase_is(const cs_host *h, const cs_object *pod, const char *want)
{
	const char *p = h->obj_str(pod, "status.phase");
	return p && !strcmp(p, want);
}

struct plan {
	ds_list del; /* borrowed pods: not freed (ds_list_free would drop refs) */
	const char **nodes;
	size_t nnodes, capnodes;
	bool oom;
};

static void plan_del(struct plan *p, const cs_object *pod)
{
	for (size_t i = 0; i < p->del.n; i++)
		if (p->del.v[i] == pod)
			return;
	if (!ds_list_push(&p->del, pod))
		p->oom = true;
}

static void plan_create(struct plan *p, const char *node)
{
	if (p->nnodes == p->capnodes) {
		size_t c = p->capnodes ? p->capnodes * 2 : 16;
		const char **a = realloc(p->nodes, c * sizeof(*a));
		if (!a) {
			p->oom = true;
			return;
		}
		p->nodes = a;
		p->capnodes = c;
	}
	p->nodes[p->nnodes++] = node;
}

static void plan_free(struct plan *p)
{
	free(p->del.v);
	free(p->nodes);
}

static int plan_run(cs_mod *m, ds_view *v, struct plan *p)
{
	if (p->oom) {
		m->host->log(m, CS_LOG_WARN, "daemonset %s: out of memory planning its pods",
			     v->key);
		plan_free(p);
		return CS_RETRY;
	}
	int rc = ds_sync_nodes(m, v, p->del.v, p->del.n, p->nodes, p->nnodes);
	plan_free(p);
	return rc;
}

/* podsShouldBeOnNode for one node with a Node object. */
static void should_be_on_node(cs_mod *m, ds_view *v, ds_slot *s, bool surge, struct plan *p,
			      uint32_t *requeue_ms)
{
	const cs_host *h = m->host;
	ds_ctrl *c = ds_of(m);
	if (s->run && s->pods.n == 0) {
		plan_create(p, s->node);
		return;
	}
	if (!s->cont) {
		/* It may no longer run here: all its pods go. */
		for (size_t i = 0; i < s->pods.n; i++)
			if (!deleting(h, s->pods.v[i]))
				plan_del(p, s->pods.v[i]);
		return;
	}
	const cs_object **running = calloc(s->pods.n, sizeof(*running));
	size_t nrun = 0;
	if (!running) {
		p->oom = true;
		return;
	}
	for (size_t i = 0; i < s->pods.n; i++) {
		const cs_object *pod = s->pods.v[i];
		if (deleting(h, pod))
			continue;
		if (phase_is(h, pod, "Failed")) {
			/* The kubelet may keep rejecting it: replace it with
			 * backoff, not in a hot loop. */
			char bkey[512];
			uint32_t left;
			snprintf(bkey, sizeof(bkey), "%s/%s", v->uid, s->node);
			if (ds_backoff_active(c->backoff, bkey, &left)) {
				h->log(m, CS_LOG_DEBUG,
				       "daemonset %s: deleting failed pod %s on node %s is limited "
				       "by backoff (%u ms)",
				       v->key, h->obj_str(pod, "metadata.name"), s->node, left);
				if (left < *requeue_ms)
					*requeue_ms = left;
				continue;
			}
			ds_backoff_next(c->backoff, bkey);
			cs_object *ref = ds_event_ref(h, v);
			h->event(m, ref, "Warning", "FailedDaemonPod",
				 "Found failed daemon pod %s/%s on node %s, will try to kill it",
				 v->ns, h->obj_str(pod, "metadata.name"), s->node);
			h->obj_free(ref);
			plan_del(p, pod);
		} else if (phase_is(h, pod, "Succeeded")) {
			/* Terminated (a node shutdown): it is not running. */
			plan_del(p, pod);
		} else {
			running[nrun++] = pod;
		}
	}
	/* running keeps the slot's order: bound and oldest first. */
	if (!surge || nrun == 0) {
		for (size_t i = 1; i < nrun; i++)
			plan_del(p, running[i]);
		if (surge && s->run)
			plan_create(p, s->node); /* surging: at least one live pod */
		free(running);
		return;
	}
	/* With surge, two pods may share a node only while the new one is
	 * not yet ready and the old one is; the oldest of each kind stays. */
	const cs_object *new_pod = NULL, *old_pod = NULL;
	for (size_t i = 0; i < nrun; i++) {
		bool updated = ds_pod_updated(h, running[i], v->hash, v->generation);
		const cs_object **slot = updated ? &new_pod : &old_pod;
		if (!*slot)
			*slot = running[i];
		else
			plan_del(p, running[i]);
	}
	if (new_pod && old_pod) {
		int64_t mrs = h->obj_int(v->ds, "spec.minReadySeconds", 0);
		if (!ck_pod_ready(h, old_pod) || ck_pod_available(h, new_pod, mrs, ck_now(), NULL))
			plan_del(p, old_pod);
	}
	free(running);
}

int ds_manage(cs_mod *m, ds_view *v, uint32_t *requeue_ms)
{
	const cs_host *h = m->host;
	struct plan p = {0};
	bool surge = max_surge(h, v->ds, 1) > 0;
	for (size_t i = 0; i < v->nslots; i++) {
		ds_slot *s = &v->slots[i];
		if (s->nodeobj) {
			should_be_on_node(m, v, s, surge, &p, requeue_ms);
			continue;
		}
		/* Its node is gone.  Kubernetes deletes the unbound ones here
		 * and leaves bound ones to its pod garbage collector; with no
		 * such collector in the cluster, all of them go here. */
		for (size_t k = 0; k < s->pods.n; k++)
			if (!deleting(h, s->pods.v[k]))
				plan_del(&p, s->pods.v[k]);
	}
	return plan_run(m, v, &p);
}

/* ---- rolling update ---- */

/* findUpdatedPodsOnNode: false when the node holds more than one pod of a
 * kind (manage cleans that up first). */
static bool updated_on_node(const cs_host *h, const ds_view *v, const ds_slot *s,
			    const cs_object **new_pod, const cs_object **old_pod)
{
	*new_pod = *old_pod = NULL;
	for (size_t i = 0; i < s->pods.n; i++) {
		const cs_object *pod = s->pods.v[i];
		if (deleting(h, pod))
			continue;
		const cs_object **slot =
			ds_pod_updated(h, pod, v->hash, v->generation) ? new_pod : old_pod;
		if (*slot)
			return false;
		*slot = pod;
	}
	return true;
}

int ds_rolling_update(cs_mod *m, ds_view *v)
{
	const cs_host *h = m->host;
	int64_t desired = 0;
	for (size_t i = 0; i < v->nslots; i++)
		desired += v->slots[i].run;
	int64_t surge = max_surge(h, v->ds, desired), unavail = max_unavailable(h, v->ds, desired);
	if (desired > 0 && surge == 0 && unavail == 0)
		unavail = 1; /* an impossible configuration: allow one, as Kubernetes */
	int64_t mrs = h->obj_int(v->ds, "spec.minReadySeconds", 0);
	double now = ck_now();
	struct plan p = {0};
	if (surge == 0) {
		/* Delete just enough old pods to stay within maxUnavailable;
		 * manage creates their replacements once they are gone. */
		int64_t n_unavail = 0;
		ds_list cand = {0};
		for (size_t i = 0; i < v->nslots; i++) {
			ds_slot *s = &v->slots[i];
			const cs_object *np, *op;
			if (!s->run && !s->pods.n)
				continue;
			if (!updated_on_node(h, v, s, &np, &op) || (!np && !op) || (np && op)) {
				n_unavail++;
			} else if (np) {
				n_unavail += !ck_pod_available(h, np, mrs, now, NULL);
			} else if (!ck_pod_available(h, op, mrs, now, NULL)) {
				/* Old and unavailable anyway: replace it now. */
				plan_del(&p, op);
				n_unavail++;
			} else if (n_unavail < unavail && !ds_list_push(&cand, op)) {
				p.oom = true;
			}
		}
		int64_t room = unavail - n_unavail;
		for (size_t i = 0; room > 0 && i < cand.n; i++, room--)
			plan_del(&p, cand.v[i]);
		free(cand.v);
		return plan_run(m, v, &p);
	}
	/* Surge: a new pod joins an old one on up to maxSurge nodes; the old
	 * one goes once the new one is available. */
	int64_t n_surge = 0, n_avail = 0;
	ds_list not_run = {0};
	for (size_t i = 0; i < v->nslots; i++) {
		ds_slot *s = &v->slots[i];
		const cs_object *np, *op;
		if (!s->run && !s->pods.n)
			continue;
		if (!updated_on_node(h, v, s, &np, &op)) {
			n_surge++;
			continue;
		}
		if (op)
			n_avail += ck_pod_available(h, op, mrs, now, NULL);
		else if (np)
			n_avail += ck_pod_available(h, np, mrs, now, NULL);
		if (!op)
			continue; /* manage handles it */
		if (!np) {
			if (!ck_pod_available(h, op, mrs, now, NULL)) {
				if (!s->run)
					plan_del(&p, op);
				else
					plan_create(&p, s->node);
			} else if (!s->run) {
				if (!ds_list_push(&not_run, op))
					p.oom = true;
			} else if (n_surge < surge) {
				plan_create(&p, s->node);
				n_surge++;
			}
		} else if (!ck_pod_available(h, np, mrs, now, NULL)) {
			n_surge++;
		} else {
			plan_del(&p, op);
		}
	}
	/* Pods on nodes the DaemonSet left go only as others become
	 * available: with surge, users expect full availability. */
	int64_t deletable = n_avail - desired;
	for (size_t i = 0; deletable > 0 && i < not_run.n; i++, deletable--)
		plan_del(&p, not_run.v[i]);
	free(not_run.v);
	return plan_run(m, v, &p);
}

/* ---- syncNodes: the calls, in parallel ---- */

struct batch {
	cs_mod *m;
	ds_view *v;
	ds_ctrl *c;
	const cs_object *ref;         /* for Events */
	cs_object **bodies;           /* create: one pod per node */
	const cs_object *const *pods; /* delete: the pods */
	void (*one)(struct batch *b, int i);
	int n, base;
	atomic_int next, ok;
	pthread_mutex_t mu;
	bool failed;
};

static void *batch_worker(void *arg)
{
	struct batch *b = arg;
	for (int i; (i = atomic_fetch_add(&b->next, 1)) < b->n;)
		b->one(b, b->base + i);
	return NULL;
}

static void batch_run(struct batch *b, int base, int n)
{
	pthread_t t[MAX_THREADS - 1];
	int k = 0;
	b->base = base;
	b->n = n;
	atomic_store(&b->next, 0);
	while (k < n - 1 && k < MAX_THREADS - 1 && !pthread_create(&t[k], NULL, batch_worker, b))
		k++;
	batch_worker(b);
	while (k > 0)
		pthread_join(t[--k], NULL);
}

static void batch_fail(struct batch *b)
{
	pthread_mutex_lock(&b->mu);
	b->failed = true;
	pthread_mutex_unlock(&b->mu);
}

static void create_one(struct batch *b, int i)
{
	const cs_host *h = b->m->host;
	const cs_object *pod = NULL;
	cs_error err;
	int rc = 0;
	for (int k = 0; k < NAME_COLLISIONS; k++) {
		rc = cs_api_create(b->m, "pods", b->v->ns, b->bodies[i], &pod, &err);
		if (rc != CS_CONFLICT || strcmp(err.reason, "AlreadyExists"))
			break;
	}
	if (rc) {
		ck_expect_created(b->c->expect, b->v->key); /* never to be seen */
		h->log(b->m, CS_LOG_WARN, "daemonset %s: creating a pod failed (%d %s): %s",
		       b->v->key, rc, err.reason, err.message);
		h->event(b->m, b->ref, "Warning", "FailedCreate", "Error creating: %s",
			 err.message);
		batch_fail(b);
		return;
	}
	const char *name = h->obj_str(pod, "metadata.name");
	atomic_fetch_add(&b->ok, 1);
	h->metric_add(b->c->created, 1);
	h->log(b->m, CS_LOG_DEBUG, "daemonset %s: created pod %s", b->v->key, name);
	h->event(b->m, b->ref, "Normal", "SuccessfulCreate", "Created pod: %s", name);
	h->obj_free(pod);
}

static void delete_one(struct batch *b, int i)
{
	const cs_host *h = b->m->host;
	const char *name = h->obj_str(b->pods[i], "metadata.name");
	cs_error err;
	int rc = cs_api_delete(b->m, "pods", b->v->ns, name, &err);
	if (rc) {
		char key[512];
		snprintf(key, sizeof(key), "%s/%s", b->v->ns, name);
		ck_expect_deleted(b->c->expect, b->v->key, key);
		if (rc == CS_NOT_FOUND)
			return;
		h->log(b->m, CS_LOG_WARN, "daemonset %s: deleting pod %s failed (%d %s): %s",
		       b->v->key, name, rc, err.reason, err.message);
		h->event(b->m, b->ref, "Warning", "FailedDelete", "Error deleting: %s",
			 err.message);
		batch_fail(b);
		return;
	}
	atomic_fetch_add(&b->ok, 1);
	h->metric_add(b->c->deleted, 1);
	h->log(b->m, CS_LOG_DEBUG, "daemonset %s: deleted pod %s", b->v->key, name);
	h->event(b->m, b->ref, "Normal", "SuccessfulDelete", "Deleted pod: %s", name);
}

/* CreatePodTemplate + ReplaceDaemonSetPodNodeNameNodeAffinity: the
 * template's metadata and spec, the revision hash (and template
 * generation) labels, the daemon tolerations and the node affinity. */
static cs_object *pod_for_node(const cs_host *h, const ds_view *v, const char *node)
{
	const cs_object *tmd = h->obj_get(v->ds, "spec.template.metadata");
	const cs_object *spec = h->obj_get(v->ds, "spec.template.spec");
	char prefix[MAX_PREFIX + 1];
	snprintf(prefix, sizeof(prefix), "%s-", v->name);
	cs_object *p = h->obj_new(CS_OBJ_MAP), *refs = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !p || !refs || !spec || h->obj_append(refs, ds_owner_ref(h, v));
	static const char *const copied[] = {"labels", "annotations", "finalizers"};
	for (size_t i = 0; !bad && i < sizeof(copied) / sizeof(*copied); i++) {
		const cs_object *val = h->obj_get(tmd, copied[i]);
		char path[32];
		snprintf(path, sizeof(path), "metadata.%s", copied[i]);
		bad = val && h->obj_type(val) != CS_OBJ_NULL &&
		      h->obj_set(p, path, h->obj_clone(val));
	}
	char gen[24];
	snprintf(gen, sizeof(gen), "%lld", (long long)v->generation);
	if (bad || h->obj_set_str(p, "apiVersion", "v1") || h->obj_set_str(p, "kind", "Pod") ||
	    h->obj_set_str(p, "metadata.generateName", prefix) ||
	    h->obj_set_str(p, "metadata.namespace", v->ns) ||
	    h->obj_set(p, "metadata.ownerReferences", refs) ||
	    h->obj_set_str(p, "metadata.labels." DS_HASH_LABEL, v->hash) ||
	    (v->generation >= 0 && h->obj_set_str(p, "metadata.labels." DS_GEN_LABEL, gen))) {
		if (bad)
			h->obj_free(refs);
		h->obj_free(p);
		return NULL;
	}
	cs_object *ps = h->obj_clone(spec);
	if (!ps || ds_add_tolerations(h, ps) || ds_bind_affinity(h, ps, node) ||
	    h->obj_set(p, "spec", ps)) {
		if (ps && !h->obj_get(p, "spec"))
			h->obj_free(ps);
		h->obj_free(p);
		return NULL;
	}
	return p;
}

int ds_sync_nodes(cs_mod *m, ds_view *v, const cs_object *const *del, size_t ndel,
		  const char *const *nodes, size_t nnodes)
{
	const cs_host *h = m->host;
	ds_ctrl *c = ds_of(m);
	int ncreate = nnodes > DS_BURST ? DS_BURST : (int)nnodes;
	int ndelete = ndel > DS_BURST ? DS_BURST : (int)ndel;
	if (!ncreate && !ndelete)
		return CS_DONE;
	struct batch b = {.m = m, .v = v, .c = c, .ref = ds_event_ref(h, v), .pods = del};
	pthread_mutex_init(&b.mu, NULL);
	const char **keys = calloc((size_t)ndelete + 1, sizeof(*keys));
	char *names = calloc((size_t)ndelete + 1, 512);
	b.bodies = calloc((size_t)ncreate + 1, sizeof(*b.bodies));
	bool oom = !keys || !names || !b.bodies;
	for (int i = 0; !oom && i < ncreate; i++)
		oom = !(b.bodies[i] = pod_for_node(h, v, nodes[i]));
	for (int i = 0; !oom && i < ndelete; i++) {
		keys[i] = names + (size_t)i * 512;
		snprintf(names + (size_t)i * 512, 512, "%s/%s", v->ns,
			 h->obj_str(del[i], "metadata.name"));
	}
	if (oom) {
		h->log(m, CS_LOG_WARN, "daemonset %s: cannot build its pod writes: out of memory",
		       v->key);
		b.failed = true;
		goto out;
	}
	h->log(m, CS_LOG_INFO, "daemonset %s: creating %d pod(s), deleting %d", v->key, ncreate,
	       ndelete);
	/* Expectations first: the informer may deliver a create before the
	 * call returns. */
	ck_expect_set(c->expect, v->key, ncreate, keys, ndelete);
	/* slowStartBatch: 1, 2, 4, ... creates, stopping at the first
	 * failure; the skipped ones are never to be seen. */
	b.one = create_one;
	int done = 0;
	for (int size = 1; done < ncreate && !b.failed; size *= 2) {
		int n = size < ncreate - done ? size : ncreate - done;
		batch_run(&b, done, n);
		done += n;
	}
	for (int i = done; i < ncreate; i++)
		ck_expect_created(c->expect, v->key);
	b.one = delete_one;
	if (ndelete)
		batch_run(&b, 0, ndelete);
out:
	for (int i = 0; b.bodies && i < ncreate; i++)
		h->obj_free(b.bodies[i]);
	free(b.bodies);
	free(keys);
	free(names);
	h->obj_free(b.ref);
	pthread_mutex_destroy(&b.mu);
	return b.failed ? CS_RETRY : CS_DONE;
}
