/* The writes of a reconcile, as Kubernetes' ReplicaSet controller makes
 * them: claim pods (adopt orphans, release pods that left the selector),
 * create or delete pods towards spec.replicas, and write the status. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rs.h"

#define MAX_THREADS     16 /* parallel API calls of one batch */
#define NAME_COLLISIONS 3  /* creates tried when generateName collides */
#define MAX_PREFIX      58 /* Kubernetes' maxGeneratedNameLength: 63 - 5 */

cs_object *rs_event_ref(const cs_host *h, const rs_view *v)
{
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	if (!r || h->obj_set_str(r, "apiVersion", "apps/v1") ||
	    h->obj_set_str(r, "kind", "ReplicaSet") ||
	    h->obj_set_str(r, "metadata.name", v->name) ||
	    h->obj_set_str(r, "metadata.namespace", v->ns) ||
	    h->obj_set_str(r, "metadata.uid", v->uid)) {
		h->obj_free(r);
		return NULL;
	}
	return r;
}

/* {apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true} */
static cs_object *owner_ref(const cs_host *h, const rs_view *v)
{
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	if (!r || h->obj_set_str(r, "apiVersion", "apps/v1") ||
	    h->obj_set_str(r, "kind", "ReplicaSet") || h->obj_set_str(r, "name", v->name) ||
	    h->obj_set_str(r, "uid", v->uid) || h->obj_set_bool(r, "controller", true) ||
	    h->obj_set_bool(r, "blockOwnerDeletion", true)) {
		h->obj_free(r);
		return NULL;
	}
	return r;
}

/* ---- claiming ---- */

/* A merge patch of the pod's whole ownerReferences: the pod's references
 * without ours, plus `ours` when adopting.  resourceVersion makes it
 * conditional, so a concurrent change of the references is not
 * overwritten. */
static int patch_owners(cs_mod *m, const rs_view *v, const cs_object *pod, bool adopt,
			const cs_object **out, cs_error *err)
{
	return ck_patch_owners(m, "pods", pod, v->uid, adopt, adopt ? owner_ref(m->host, v) : NULL,
			       out, err);
}

/* Kubernetes re-reads the ReplicaSet from the API before adopting: the
 * cache may still hold a ReplicaSet that was deleted, or replaced by one of
 * the same name. */
static bool can_adopt(cs_mod *m, const rs_view *v)
{
	return ck_owner_current(m, "replicasets.apps", v->ns, v->name, v->uid, "pods");
}

static bool push(const cs_object ***arr, size_t *n, size_t *cap, const cs_object *o)
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

int rs_claim(cs_mod *m, rs_view *v)
{
	const cs_host *h = m->host;
	int rc = CS_DONE;
	bool adopt = v->norphans && can_adopt(m, v);
	for (size_t i = 0; adopt && i < v->norphans; i++) {
		const cs_object *pod = v->orphans[i], *got = NULL;
		const char *name = h->obj_str(pod, "metadata.name");
		cs_error err;
		int code = patch_owners(m, v, pod, true, &got, &err);
		if (code == 0 && !push(&v->owned, &v->nowned, &v->capowned, got)) {
			h->obj_free(got);
			code = 500;
		}
		if (code == 0)
			h->log(m, CS_LOG_INFO, "replicaset %s: adopted pod %s", v->key, name);
		else if (code != CS_NOT_FOUND) /* gone: nothing to adopt */
			h->log(m, CS_LOG_WARN, "replicaset %s: adopting pod %s failed (%d %s): %s",
			       v->key, name, code, err.reason, err.message);
		if (code && code != CS_NOT_FOUND)
			rc = CS_RETRY;
	}
	for (size_t i = 0; i < v->nstrays; i++) {
		const char *name = h->obj_str(v->strays[i], "metadata.name");
		cs_error err;
		int code = patch_owners(m, v, v->strays[i], false, NULL, &err);
		if (code == 0)
			h->log(m, CS_LOG_INFO,
			       "replicaset %s: released pod %s, which no longer matches its "
			       "selector",
			       v->key, name);
		else if (code != CS_NOT_FOUND)
			h->log(m, CS_LOG_WARN, "replicaset %s: releasing pod %s failed (%d %s): %s",
			       v->key, name, code, err.reason, err.message);
		if (code && code != CS_NOT_FOUND)
			rc = CS_RETRY;
	}
	return rc;
}

/* ---- creating and deleting, a batch of calls in parallel ---- */

struct batch {
	cs_mod *m;
	rs_view *v;
	rs_ctrl *c;
	const cs_object *ref;      /* for Events */
	const cs_object *body;     /* create: the pod; read-only, shared by threads */
	const cs_object **victims; /* delete: the pods */
	void (*one)(struct batch *b, int i);
	int n;
	atomic_int next, ok;
	pthread_mutex_t mu;
	bool failed;
	char err[448]; /* the first failure */
};

static void batch_fail(struct batch *b, const char *msg)
{
	pthread_mutex_lock(&b->mu);
	if (!b->failed)
		snprintf(b->err, sizeof(b->err), "%s", msg);
	b->failed = true;
	pthread_mutex_unlock(&b->mu);
}

static void *batch_worker(void *p)
{
	struct batch *b = p;
	for (int i; (i = atomic_fetch_add(&b->next, 1)) < b->n;)
		b->one(b, i);
	return NULL;
}

/* Run b->one for 0..n-1 on up to MAX_THREADS threads, this one included. */
static void batch_run(struct batch *b, int n)
{
	pthread_t t[MAX_THREADS - 1];
	int k = 0;
	b->n = n;
	atomic_store(&b->next, 0);
	while (k < n - 1 && k < MAX_THREADS - 1 && !pthread_create(&t[k], NULL, batch_worker, b))
		k++;
	batch_worker(b);
	while (k > 0)
		pthread_join(t[--k], NULL);
}

static void create_one(struct batch *b, int i)
{
	(void)i;
	const cs_host *h = b->m->host;
	const cs_object *pod = NULL;
	cs_error err;
	int rc;
	/* A collision of generated names is not a failure: the next try draws
	 * another suffix. */
	for (int k = 0; k < NAME_COLLISIONS; k++) {
		rc = cs_api_create(b->m, "pods", b->v->ns, b->body, &pod, &err);
		if (rc != CS_CONFLICT || strcmp(err.reason, "AlreadyExists"))
			break;
	}
	if (rc) {
		h->log(b->m, CS_LOG_WARN, "replicaset %s: creating a pod failed (%d %s): %s",
		       b->v->key, rc, err.reason, err.message);
		h->event(b->m, b->ref, "Warning", "FailedCreate", "Error creating: %s",
			 err.message);
		batch_fail(b, err.message);
		return;
	}
	const char *name = h->obj_str(pod, "metadata.name");
	atomic_fetch_add(&b->ok, 1);
	h->metric_add(b->c->created, 1);
	h->log(b->m, CS_LOG_DEBUG, "replicaset %s: created pod %s", b->v->key, name);
	h->event(b->m, b->ref, "Normal", "SuccessfulCreate", "Created pod: %s", name);
	h->obj_free(pod);
}

static void delete_one(struct batch *b, int i)
{
	const cs_host *h = b->m->host;
	const char *name = h->obj_str(b->victims[i], "metadata.name");
	cs_error err;
	int rc = cs_api_delete(b->m, "pods", b->v->ns, name, &err);
	if (rc) {
		/* The informer will not report a delete that did not happen. */
		char key[512];
		snprintf(key, sizeof(key), "%s/%s", b->v->ns, name);
		ck_expect_deleted(b->c->expect, b->v->key, key);
		if (rc == CS_NOT_FOUND)
			return;
		h->log(b->m, CS_LOG_WARN, "replicaset %s: deleting pod %s failed (%d %s): %s",
		       b->v->key, name, rc, err.reason, err.message);
		h->event(b->m, b->ref, "Warning", "FailedDelete", "Error deleting: %s",
			 err.message);
		batch_fail(b, err.message);
		return;
	}
	atomic_fetch_add(&b->ok, 1);
	h->metric_add(b->c->deleted, 1);
	h->log(b->m, CS_LOG_DEBUG, "replicaset %s: deleted pod %s", b->v->key, name);
	h->event(b->m, b->ref, "Normal", "SuccessfulDelete", "Deleted pod: %s", name);
}

/* The pod of the template: labels, annotations and finalizers of the
 * template's metadata, its spec, and our controller reference. */
static cs_object *pod_from_template(const cs_host *h, const rs_view *v)
{
	const cs_object *tmd = h->obj_get(v->rs, "spec.template.metadata");
	const cs_object *spec = h->obj_get(v->rs, "spec.template.spec");
	char prefix[MAX_PREFIX + 1];
	snprintf(prefix, sizeof(prefix), "%s-", v->name);
	cs_object *p = h->obj_new(CS_OBJ_MAP);
	cs_object *refs = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !p || !refs || !spec || h->obj_append(refs, owner_ref(h, v));
	static const char *const copied[] = {"labels", "annotations", "finalizers"};
	for (size_t i = 0; !bad && i < sizeof(copied) / sizeof(*copied); i++) {
		const cs_object *val = h->obj_get(tmd, copied[i]);
		char path[32];
		snprintf(path, sizeof(path), "metadata.%s", copied[i]);
		bad = val && h->obj_set(p, path, h->obj_clone(val));
	}
	if (bad || h->obj_set_str(p, "apiVersion", "v1") || h->obj_set_str(p, "kind", "Pod") ||
	    h->obj_set_str(p, "metadata.generateName", prefix) ||
	    h->obj_set_str(p, "metadata.namespace", v->ns) ||
	    h->obj_set(p, "metadata.ownerReferences", refs) ||
	    h->obj_set(p, "spec", h->obj_clone(spec))) {
		if (bad)
			h->obj_free(refs);
		h->obj_free(p);
		return NULL;
	}
	return p;
}

/* Kubernetes' slowStartBatch: 1, 2, 4, ... creates at a time, stopping at
 * the first failure, so a template the API refuses costs one call, not
 * hundreds.  Returns the number created. */
static int slow_start(struct batch *b, int count)
{
	int done = 0;
	for (int size = 1; count - done > 0 && !b->failed; size *= 2) {
		int n = size < count - done ? size : count - done;
		batch_run(b, n);
		done += n;
	}
	return atomic_load(&b->ok);
}

static void victims(const cs_host *h, rs_view *v, rs_victim *out)
{
	for (size_t i = 0; i < v->nowned; i++) {
		const char *node = h->obj_str(v->owned[i], "spec.nodeName");
		out[i] = (rs_victim){v->owned[i], 0};
		for (size_t j = 0; j < v->nowned; j++) {
			const char *other = h->obj_str(v->owned[j], "spec.nodeName");
			out[i].rank += !strcmp(node ? node : "", other ? other : "");
		}
	}
	rs_rank_for_deletion(h, out, v->nowned);
}

int rs_manage(cs_mod *m, rs_view *v, const char **why, char *msg, size_t msglen)
{
	const cs_host *h = m->host;
	rs_ctrl *c = rs_of(m);
	int64_t want = h->obj_int(v->rs, "spec.replicas", 1);
	int64_t diff = (int64_t)v->nowned - want;
	if (!diff)
		return CS_DONE;
	int n = (int)(diff < 0 ? (-diff > RS_BURST ? RS_BURST : -diff)
			       : (diff > RS_BURST ? RS_BURST : diff));
	struct batch b = {.m = m, .v = v, .c = c, .ref = rs_event_ref(h, v)};
	pthread_mutex_init(&b.mu, NULL);
	rs_victim *vs = NULL;
	const char **keys = NULL;
	if (diff < 0) {
		*why = "FailedCreate";
		b.one = create_one;
		if (!(b.body = pod_from_template(h, v))) {
			batch_fail(&b, "cannot build a pod from the template: out of memory");
		} else {
			ck_expect_set(c->expect, v->key, n, NULL, 0);
			int made = slow_start(&b, n);
			/* Creates never issued, or failed, will not be observed. */
			for (int i = made; i < n; i++)
				ck_expect_created(c->expect, v->key);
			h->log(m, CS_LOG_INFO, "replicaset %s: %lld of %lld replicas, created %d",
			       v->key, (long long)v->nowned, (long long)want, made);
		}
	} else {
		*why = "FailedDelete";
		b.one = delete_one;
		vs = calloc(v->nowned, sizeof(*vs));
		keys = calloc((size_t)n, sizeof(*keys));
		b.victims = calloc((size_t)n, sizeof(*b.victims));
		char *names = calloc((size_t)n, 512);
		if (!vs || !keys || !b.victims || !names) {
			batch_fail(&b, "cannot choose pods to delete: out of memory");
		} else {
			victims(h, v, vs);
			for (int i = 0; i < n; i++) {
				b.victims[i] = vs[i].pod;
				keys[i] = names + (size_t)i * 512;
				snprintf(names + (size_t)i * 512, 512, "%s/%s", v->ns,
					 h->obj_str(vs[i].pod, "metadata.name"));
			}
			ck_expect_set(c->expect, v->key, 0, keys, n);
			batch_run(&b, n);
			h->log(m, CS_LOG_INFO, "replicaset %s: %lld of %lld replicas, deleted %d",
			       v->key, (long long)v->nowned, (long long)want, atomic_load(&b.ok));
		}
		free(names);
	}
	h->obj_free(b.body);
	h->obj_free(b.ref);
	free(vs);
	free(keys);
	free(b.victims);
	pthread_mutex_destroy(&b.mu);
	if (!b.failed)
		return CS_DONE;
	snprintf(msg, msglen, "%s", b.err);
	return CS_RETRY;
}

/* ---- status ---- */

static bool status_changed(const cs_host *h, const cs_object *old, const cs_object *now)
{
	static const char *const fields[] = {"replicas", "fullyLabeledReplicas", "readyReplicas",
					     "availableReplicas", "observedGeneration"};
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		if (h->obj_int(old, fields[i], 0) != h->obj_int(now, fields[i], 0))
			return true;
	const cs_object *a = h->obj_get(old, "conditions"), *b = h->obj_get(now, "conditions");
	return (h->obj_len(a) || h->obj_len(b)) && !h->obj_equal(a, b);
}

/* Kubernetes leaves zero counts out (omitempty), except replicas. */
static int set_count(const cs_host *h, cs_object *o, const char *path, int64_t n, bool always)
{
	if (n || always)
		return h->obj_set_int(o, path, n);
	h->obj_remove(o, path);
	return 0;
}

/* Set (reason != NULL) or clear the ReplicaFailure condition; an existing
 * one is kept as it is, as Kubernetes does. */
static int failure_condition(const cs_host *h, cs_object *rs, const char *reason, const char *msg)
{
	const cs_object *conds = h->obj_get(rs, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++) {
		const char *type = h->obj_str(h->obj_at(conds, i), "type");
		if (!type || strcmp(type, "ReplicaFailure"))
			continue;
		if (reason)
			return 0;
		char path[48];
		snprintf(path, sizeof(path), "status.conditions[%zu]", i);
		h->obj_remove(rs, path);
		if (!h->obj_len(h->obj_get(rs, "status.conditions")))
			h->obj_remove(rs, "status.conditions");
		return 0;
	}
	if (!reason)
		return 0;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cs_object *c = h->obj_new(CS_OBJ_MAP);
	if (!c || h->obj_set_str(c, "type", "ReplicaFailure") ||
	    h->obj_set_str(c, "status", "True") || h->obj_set_str(c, "lastTransitionTime", now) ||
	    h->obj_set_str(c, "reason", reason) || h->obj_set_str(c, "message", msg)) {
		h->obj_free(c);
		return -1;
	}
	size_t n = h->obj_type(conds) == CS_OBJ_ARRAY ? h->obj_len(conds) : 0;
	if (!n && h->obj_set(rs, "status.conditions", h->obj_new(CS_OBJ_ARRAY))) {
		h->obj_free(c);
		return -1;
	}
	char path[48];
	snprintf(path, sizeof(path), "status.conditions[%zu]", n); /* appends */
	return h->obj_set(rs, path, c);
}

int rs_update_status(cs_mod *m, rs_view *v, const char *fail_reason, const char *fail_msg)
{
	const cs_host *h = m->host;
	int64_t min_ready = h->obj_int(v->rs, "spec.minReadySeconds", 0);
	const cs_object *tlabels = h->obj_get(v->rs, "spec.template.metadata.labels");
	int64_t fully = 0, ready = 0, avail = 0;
	double now = ck_now(), next = -1, until = now + 1e12;
	for (size_t i = 0; i < v->nowned; i++) {
		const cs_object *p = v->owned[i];
		fully += ck_labels_subset(h, tlabels, h->obj_get(p, "metadata.labels"));
		ready += ck_pod_ready(h, p);
		avail += ck_pod_available(h, p, min_ready, now, &until);
	}
	if (until < now + 1e12)
		next = until;
	cs_object *rs = h->obj_clone(v->rs);
	if (!rs || h->obj_set_str(rs, "apiVersion", "apps/v1") ||
	    h->obj_set_str(rs, "kind", "ReplicaSet") ||
	    set_count(h, rs, "status.replicas", (int64_t)v->nowned, true) ||
	    set_count(h, rs, "status.fullyLabeledReplicas", fully, false) ||
	    set_count(h, rs, "status.readyReplicas", ready, false) ||
	    set_count(h, rs, "status.availableReplicas", avail, false) ||
	    set_count(h, rs, "status.observedGeneration",
		      h->obj_int(v->rs, "metadata.generation", 0), false) ||
	    failure_condition(h, rs, fail_reason, fail_msg)) {
		h->obj_free(rs);
		h->log(m, CS_LOG_WARN, "replicaset %s: cannot build its status: out of memory",
		       v->key);
		return CS_RETRY;
	}
	int rc = CS_DONE;
	if (status_changed(h, h->obj_get(v->rs, "status"), h->obj_get(rs, "status"))) {
		cs_error err;
		int code = cs_api_update(m, "replicasets.apps/status", rs, NULL, &err);
		if (code == CS_CONFLICT) {
			/* The cache is behind: its update event is on its way. */
			h->log(m, CS_LOG_DEBUG, "replicaset %s: status update conflicted", v->key);
			rc = CS_RETRY;
		} else if (code && code != CS_NOT_FOUND) {
			h->log(m, CS_LOG_WARN,
			       "replicaset %s: updating its status failed (%d %s): %s", v->key,
			       code, err.reason, err.message);
			rc = CS_RETRY;
		}
	}
	h->obj_free(rs);
	/* Availability is a matter of time: look again when the next ready
	 * pod has been ready for minReadySeconds. */
	if (rc == CS_DONE && next > 0) {
		double ms = (next - now) * 1000 + 1;
		rc = ms < 1 ? 1 : ms > 86400000 ? 86400000 : (int)ms;
	}
	return rc;
}
