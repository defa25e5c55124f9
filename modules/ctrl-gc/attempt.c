/* The garbage collector's decisions, as kube-controller-manager's
 * attemptToDeleteItem and orphanDependents make them, on worker threads.
 *
 * Every decision reads the item and its owners live from the API: the
 * graph only says whom to look at.  A write that conflicts (the object
 * changed since it was read) returns CS_RETRY, and the next attempt
 * decides again from what is there then. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gc.h"

#define MAX_REMOVE 64 /* ownerReferences removed in one patch */

static const char *ns_or_empty(const char *ns)
{
	return ns ? ns : "";
}

static bool has_finalizer(const cs_host *h, const cs_object *obj, const char *f)
{
	const cs_object *fins = h->obj_get(obj, "metadata.finalizers");
	for (size_t i = 0; i < h->obj_len(fins); i++) {
		const char *s = h->obj_str(h->obj_at(fins, i), NULL);
		if (s && !strcmp(s, f))
			return true;
	}
	return false;
}

/* GET an object by identity: 0 with *out (owned), or the failure code. */
static int get_live(cs_mod *m, const gc_kind *k, const char *ns, const char *name,
		    const cs_object **out, cs_error *err)
{
	return cs_api_get(m, k->resource, k->namespaced ? ns : NULL, name, out, err);
}

/* {apiVersion, kind, metadata: {name, namespace, uid}} for an Event. */
static cs_object *event_ref(const cs_host *h, const gc_item *it)
{
	char av[96];
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	if (!r || h->obj_set_str(r, "apiVersion", gc_kind_api_version(it->kind, av, sizeof(av))) ||
	    h->obj_set_str(r, "kind", it->kind->kind) ||
	    h->obj_set_str(r, "metadata.name", it->name) ||
	    (it->ns && h->obj_set_str(r, "metadata.namespace", it->ns)) ||
	    h->obj_set_str(r, "metadata.uid", it->uid)) {
		h->obj_free(r);
		return NULL;
	}
	return r;
}

/* Kubernetes' OwnerRefInvalidNamespace: a namespaced owner named by a
 * cluster-scoped dependent, or by a dependent of another namespace. */
static void invalid_namespace(cs_mod *m, const gc_item *it, const cs_object *ref)
{
	const cs_host *h = m->host;
	cs_object *er = event_ref(h, it);
	h->event(m, er, "Warning", "OwnerRefInvalidNamespace",
		 "ownerRef [%s/%s, namespace: %s, name: %s, uid: %s] does not exist in namespace "
		 "\"%s\"",
		 h->obj_str(ref, "apiVersion") ?: "", h->obj_str(ref, "kind") ?: "",
		 ns_or_empty(it->ns), h->obj_str(ref, "name") ?: "", h->obj_str(ref, "uid") ?: "",
		 ns_or_empty(it->ns));
	h->obj_free(er);
}

/* Was uid seen, as an object of a namespace other than ns? */
static bool seen_elsewhere(cs_mod *m, const char *uid, const char *ns)
{
	gc_ctrl *c = gc_of(m);
	pthread_mutex_lock(&c->mu);
	gc_node *n = gc_graph_find(&c->graph, uid);
	bool other = n && n->observed && n->ns && (!ns || strcmp(n->ns, ns));
	pthread_mutex_unlock(&c->mu);
	return other;
}

/* ---- writes ---- */

static bool in(const char *const *set, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(set[i], s))
			return true;
	return false;
}

/* Merge-patch the item's ownerReferences to those of `latest` without the
 * uids in remove (and, with unblock, with blockOwnerDeletion false),
 * conditional on its resourceVersion, as Kubernetes does. */
static int patch_owner_refs(cs_mod *m, const gc_item *it, const cs_object *latest,
			    const char *const *remove, size_t nremove, bool unblock, cs_error *err)
{
	const cs_host *h = m->host;
	const cs_object *refs = h->obj_get(latest, "metadata.ownerReferences");
	const char *rv = h->obj_str(latest, "metadata.resourceVersion");
	cs_object *p = h->obj_new(CS_OBJ_MAP), *list = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !p || !list;
	for (size_t i = 0; !bad && i < h->obj_len(refs); i++) {
		const cs_object *r = h->obj_at(refs, i);
		if (in(remove, nremove, h->obj_str(r, "uid")))
			continue;
		cs_object *copy = h->obj_clone(r);
		bad = !copy || (unblock && h->obj_get(r, "blockOwnerDeletion") &&
				h->obj_set_bool(copy, "blockOwnerDeletion", false));
		bad = bad || h->obj_append(list, copy);
	}
	if (!bad && !h->obj_len(list)) {
		h->obj_free(list);
		list = h->obj_new(CS_OBJ_NULL); /* merge patch: remove the field */
	}
	if (bad || !list || h->obj_set(p, "metadata.ownerReferences", list) ||
	    (rv && h->obj_set_str(p, "metadata.resourceVersion", rv))) {
		if (bad)
			h->obj_free(list);
		h->obj_free(p);
		return h->errorf(err, 500, "InternalError", "out of memory building a patch"), 500;
	}
	const char *ns = it->kind->namespaced ? it->ns : NULL;
	int rc = cs_api_patch(m, it->kind->resource, ns, it->name, CS_PATCH_MERGE, p, NULL, err);
	h->obj_free(p);
	return rc;
}

/* Remove finalizer f from latest (the live item), conditionally. */
static int remove_finalizer(cs_mod *m, const gc_item *it, const cs_object *latest, const char *f,
			    cs_error *err)
{
	const cs_host *h = m->host;
	const cs_object *fins = h->obj_get(latest, "metadata.finalizers");
	const char *rv = h->obj_str(latest, "metadata.resourceVersion");
	cs_object *p = h->obj_new(CS_OBJ_MAP), *list = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !p || !list;
	for (size_t i = 0; !bad && i < h->obj_len(fins); i++) {
		const char *s = h->obj_str(h->obj_at(fins, i), NULL);
		if (s && strcmp(s, f))
			bad = h->obj_append(list, h->obj_new_str(s));
	}
	if (!bad && !h->obj_len(list)) {
		h->obj_free(list);
		list = h->obj_new(CS_OBJ_NULL);
	}
	if (bad || !list || h->obj_set(p, "metadata.finalizers", list) ||
	    (rv && h->obj_set_str(p, "metadata.resourceVersion", rv))) {
		if (bad)
			h->obj_free(list);
		h->obj_free(p);
		return h->errorf(err, 500, "InternalError", "out of memory building a patch"), 500;
	}
	const char *ns = it->kind->namespaced ? it->ns : NULL;
	int rc = cs_api_patch(m, it->kind->resource, ns, it->name, CS_PATCH_MERGE, p, NULL, err);
	h->obj_free(p);
	return rc;
}

/* DELETE with a propagation policy, only if it is still this uid. */
static int delete_item(cs_mod *m, const gc_item *it, const char *policy, cs_error *err)
{
	const cs_host *h = m->host;
	cs_object *opts = h->obj_new(CS_OBJ_MAP);
	if (!opts || h->obj_set_str(opts, "apiVersion", "v1") ||
	    h->obj_set_str(opts, "kind", "DeleteOptions") ||
	    h->obj_set_str(opts, "propagationPolicy", policy) ||
	    h->obj_set_str(opts, "preconditions.uid", it->uid)) {
		h->obj_free(opts);
		return h->errorf(err, 500, "InternalError", "out of memory building options"), 500;
	}
	cs_request r = {.verb = CS_VERB_DELETE,
			.resource = it->kind->resource,
			.ns = it->kind->namespaced ? it->ns : NULL,
			.name = it->name,
			.body = opts};
	int rc = h->call(m, &r, NULL, err);
	h->obj_free(opts);
	return rc;
}

/* A write's outcome: gone or replaced (404, or 409 from a uid
 * precondition) is nothing to retry; a conflict or a failure is. */
static int outcome(cs_mod *m, const gc_item *it, const char *what, int rc, const cs_error *err)
{
	if (rc == 0 || rc == CS_NOT_FOUND)
		return CS_DONE;
	const cs_host *h = m->host;
	if (rc == CS_CONFLICT) {
		h->log(m, CS_LOG_DEBUG, "%s %s/%s: %s conflicted: %s", it->kind->resource,
		       ns_or_empty(it->ns), it->name, what, err->message);
		return CS_RETRY;
	}
	h->log(m, CS_LOG_WARN, "%s %s/%s: %s failed (%d %s): %s", it->kind->resource,
	       ns_or_empty(it->ns), it->name, what, rc, err->reason, err->message);
	return CS_RETRY;
}

/* ---- attempt to delete ---- */

/* The owner is deleting its dependents in the foreground: it goes when the
 * dependents that block it are gone. */
static int deleting_dependents(cs_mod *m, const gc_item *it, const cs_object *latest)
{
	const cs_host *h = m->host;
	gc_ctrl *c = gc_of(m);
	size_t blocking = 0;
	for (size_t i = 0; i < it->ndeps; i++) {
		if (!it->deps[i].block)
			continue;
		blocking++;
		/* A dependent deleting its own dependents is on its way. */
		if (!it->deps[i].fg)
			h->queue_add(c->to_delete, it->deps[i].uid);
	}
	if (blocking) {
		h->log(m, CS_LOG_DEBUG, "%s %s/%s: waiting for %zu blocking dependents",
		       it->kind->resource, ns_or_empty(it->ns), it->name, blocking);
		return CS_DONE; /* their deletion events queue it again */
	}
	cs_error err;
	int rc = remove_finalizer(m, it, latest, "foregroundDeletion", &err);
	if (rc == 0)
		h->log(m, CS_LOG_INFO, "%s %s/%s: dependents gone, removed foregroundDeletion",
		       it->kind->resource, ns_or_empty(it->ns), it->name);
	return outcome(m, it, "removing the foregroundDeletion finalizer", rc, &err);
}

enum owner_state { SOLID, DANGLING, WAITING, UNRESOLVED, FAILED };

/* What the reference's owner is, read live. */
static enum owner_state classify(cs_mod *m, const gc_item *it, const cs_object *ref)
{
	const cs_host *h = m->host;
	const char *av = h->obj_str(ref, "apiVersion"), *kind = h->obj_str(ref, "kind");
	const char *name = h->obj_str(ref, "name"), *uid = h->obj_str(ref, "uid");
	const gc_kind *k = gc_kind_by_ref(av, kind);
	if (!k || !name || !uid) {
		h->log(m, CS_LOG_INFO,
		       "%s %s/%s: owner %s %s (uid %s) is of a kind the garbage collector "
		       "cannot resolve; not collecting it by this owner",
		       it->kind->resource, ns_or_empty(it->ns), it->name, av ? av : "?",
		       kind ? kind : "?", uid ? uid : "?");
		return UNRESOLVED;
	}
	if (!it->ns && k->namespaced) {
		/* Cluster-scoped dependents cannot have namespaced owners; not an
		 * error a retry can fix. */
		h->log(m, CS_LOG_INFO, "%s %s: cluster-scoped, but names a namespaced owner %s %s",
		       it->kind->resource, it->name, kind, name);
		invalid_namespace(m, it, ref);
		return UNRESOLVED;
	}
	const cs_object *owner = NULL;
	cs_error err;
	int rc = get_live(m, k, it->ns, name, &owner, &err);
	if (rc == CS_NOT_FOUND) {
		if (k->namespaced && seen_elsewhere(m, uid, it->ns))
			invalid_namespace(m, it, ref);
		return DANGLING;
	}
	if (rc) {
		h->log(m, CS_LOG_WARN, "%s %s/%s: cannot look up its owner %s %s (%d %s): %s",
		       it->kind->resource, ns_or_empty(it->ns), it->name, kind, name, rc,
		       err.reason, err.message);
		return FAILED;
	}
	const char *ouid = h->obj_str(owner, "metadata.uid");
	enum owner_state s = SOLID;
	if (!ouid || strcmp(ouid, uid))
		s = DANGLING; /* a namesake: the owner itself is gone */
	else if (h->obj_get(owner, "metadata.deletionTimestamp") &&
		 has_finalizer(h, owner, "foregroundDeletion"))
		s = WAITING;
	h->obj_free(owner);
	return s;
}

static int attempt(cs_mod *m, const gc_item *it, const cs_object *latest)
{
	const cs_host *h = m->host;
	gc_ctrl *c = gc_of(m);
	if (h->obj_get(latest, "metadata.deletionTimestamp")) {
		if (has_finalizer(h, latest, "foregroundDeletion"))
			return deleting_dependents(m, it, latest);
		return CS_DONE; /* being deleted: nothing to add */
	}
	const cs_object *refs = h->obj_get(latest, "metadata.ownerReferences");
	size_t n = h->obj_len(refs), count[FAILED + 1] = {0};
	const char *remove[MAX_REMOVE];
	size_t nremove = 0;
	for (size_t i = 0; i < n; i++) {
		const cs_object *ref = h->obj_at(refs, i);
		enum owner_state s = classify(m, it, ref);
		count[s]++;
		if ((s == DANGLING || s == WAITING) && nremove < MAX_REMOVE &&
		    h->obj_str(ref, "uid"))
			remove[nremove++] = h->obj_str(ref, "uid");
	}
	if (!n)
		return CS_DONE;
	if (count[FAILED])
		return CS_RETRY;
	cs_error err;
	if (count[SOLID]) {
		/* Kubernetes deletes only when no owner remains: drop the
		 * references to the owners that are gone or going. */
		if (!nremove)
			return CS_DONE;
		int rc = patch_owner_refs(m, it, latest, remove, nremove, false, &err);
		if (rc == 0) {
			h->metric_add(c->m_unowned, (double)nremove);
			h->log(m, CS_LOG_INFO,
			       "%s %s/%s: removed %zu ownerReferences to owners gone or being "
			       "deleted; other owners remain",
			       it->kind->resource, ns_or_empty(it->ns), it->name, nremove);
		}
		return outcome(m, it, "removing dangling ownerReferences", rc, &err);
	}
	if (count[UNRESOLVED]) {
		h->log(m, CS_LOG_INFO, "%s %s/%s: has owners that cannot be resolved; left alone",
		       it->kind->resource, ns_or_empty(it->ns), it->name);
		return CS_DONE;
	}
	const char *policy;
	if (count[WAITING] && it->ndeps) {
		/* An owner waits for it, and it has dependents of its own: it
		 * goes in the foreground too.  A dependent deleting its own
		 * dependents may be waiting for it: unblock to break the cycle. */
		bool cycle = false;
		for (size_t i = 0; i < it->ndeps; i++)
			cycle |= it->deps[i].fg;
		if (cycle) {
			int rc = patch_owner_refs(m, it, latest, NULL, 0, true, &err);
			if (rc)
				return outcome(m, it, "unblocking its ownerReferences", rc, &err);
		}
		policy = "Foreground";
	} else if (has_finalizer(h, latest, "orphan")) {
		policy = "Orphan";
	} else if (has_finalizer(h, latest, "foregroundDeletion")) {
		policy = "Foreground";
	} else {
		policy = "Background";
	}
	int rc = delete_item(m, it, policy, &err);
	if (rc == 0) {
		h->metric_add(c->m_deleted, 1);
		h->log(m, CS_LOG_INFO, "%s %s/%s: deleted (propagationPolicy %s): no owner remains",
		       it->kind->resource, ns_or_empty(it->ns), it->name, policy);
		return CS_DONE;
	}
	if (rc == CS_CONFLICT && !strcmp(err.reason, "Conflict") &&
	    strstr(err.message, "Precondition failed"))
		return CS_DONE; /* replaced by a namesake: not ours to delete */
	return outcome(m, it, "deleting it", rc, &err);
}

int gc_attempt_delete(cs_mod *m, void *arg, const char *uid)
{
	(void)arg;
	const cs_host *h = m->host;
	/* A partial graph could miss a dependent that blocks an owner. */
	if (!gc_synced(m))
		return 200;
	gc_item it;
	if (!gc_snapshot(m, uid, &it))
		return CS_DONE; /* gone, or only an owner's name: nothing to delete */
	const cs_object *latest = NULL;
	cs_error err;
	int rc = get_live(m, it.kind, it.ns, it.name, &latest, &err);
	if (rc == CS_NOT_FOUND) {
		rc = CS_DONE; /* its delete event is on its way */
	} else if (rc) {
		h->log(m, CS_LOG_WARN, "%s %s/%s: cannot read it (%d %s): %s", it.kind->resource,
		       ns_or_empty(it.ns), it.name, rc, err.reason, err.message);
		rc = CS_RETRY;
	} else {
		const char *luid = h->obj_str(latest, "metadata.uid");
		rc = luid && !strcmp(luid, it.uid) ? attempt(m, &it, latest) : CS_DONE;
	}
	h->obj_free(latest);
	gc_item_free(&it);
	return rc;
}

/* ---- attempt to orphan ---- */

/* The ownerReference to owner_uid removed from one dependent. */
static int orphan_one(cs_mod *m, const gc_dep *d, const char *owner_uid)
{
	const cs_host *h = m->host;
	gc_ctrl *c = gc_of(m);
	gc_item it = {.uid = d->uid, .ns = d->ns, .name = d->name, .kind = d->kind};
	const cs_object *latest = NULL;
	cs_error err;
	int rc = get_live(m, d->kind, d->ns, d->name, &latest, &err);
	const char *luid = rc ? NULL : h->obj_str(latest, "metadata.uid");
	if (rc == 0 && luid && !strcmp(luid, d->uid)) {
		bool named = false;
		const cs_object *refs = h->obj_get(latest, "metadata.ownerReferences");
		for (size_t i = 0; i < h->obj_len(refs); i++) {
			const char *u = h->obj_str(h->obj_at(refs, i), "uid");
			named |= u && !strcmp(u, owner_uid);
		}
		const char *remove[1] = {owner_uid};
		rc = named ? patch_owner_refs(m, &it, latest, remove, 1, false, &err) : 0;
		if (named && rc == 0) {
			h->metric_add(c->m_unowned, 1);
			h->log(m, CS_LOG_DEBUG, "%s %s/%s: orphaned from owner %s",
			       d->kind->resource, ns_or_empty(d->ns), d->name, owner_uid);
		}
	} else if (rc == 0) {
		rc = CS_NOT_FOUND; /* replaced by a namesake */
	}
	h->obj_free(latest);
	return outcome(m, &it, "removing the ownerReference to an orphaning owner", rc, &err);
}

int gc_attempt_orphan(cs_mod *m, void *arg, const char *uid)
{
	(void)arg;
	const cs_host *h = m->host;
	if (!gc_synced(m))
		return 200;
	gc_item it;
	if (!gc_snapshot(m, uid, &it))
		return CS_DONE;
	const cs_object *latest = NULL;
	cs_error err;
	int rc = get_live(m, it.kind, it.ns, it.name, &latest, &err);
	const char *luid = rc ? NULL : h->obj_str(latest, "metadata.uid");
	if (rc && rc != CS_NOT_FOUND) {
		h->log(m, CS_LOG_WARN, "%s %s/%s: cannot read it (%d %s): %s", it.kind->resource,
		       ns_or_empty(it.ns), it.name, rc, err.reason, err.message);
		rc = CS_RETRY;
	} else if (rc || !luid || strcmp(luid, it.uid) ||
		   !h->obj_get(latest, "metadata.deletionTimestamp") ||
		   !has_finalizer(h, latest, "orphan")) {
		rc = CS_DONE; /* gone, replaced, or no longer orphaning */
	} else {
		rc = CS_DONE;
		for (size_t i = 0; i < it.ndeps; i++)
			if (orphan_one(m, &it.deps[i], it.uid) != CS_DONE)
				rc = CS_RETRY;
		if (rc == CS_DONE) {
			rc = remove_finalizer(m, &it, latest, "orphan", &err);
			if (rc == 0)
				h->log(m, CS_LOG_INFO,
				       "%s %s/%s: orphaned %zu dependents, removed the orphan "
				       "finalizer",
				       it.kind->resource, ns_or_empty(it.ns), it.name, it.ndeps);
			rc = outcome(m, &it, "removing the orphan finalizer", rc, &err);
		}
	}
	h->obj_free(latest);
	gc_item_free(&it);
	return rc;
}
