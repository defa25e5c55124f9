/* ctrl-gc: Kubernetes' garbage collector.
 *
 * An informer per monitored resource (option `resources`) feeds the owner
 * -> dependents graph (graph.c) on the module thread, which queues uids on
 * two keyed, rate-limited queues, as kube-controller-manager's
 * GraphBuilder does:
 *  - attempt-to-delete: a dependent whose owners may be gone (an owner was
 *    deleted, or never seen), or an owner deleting its dependents in the
 *    foreground;
 *  - attempt-to-orphan: an owner being deleted with the `orphan` finalizer.
 * The workers (attempt.c) decide from the live objects, not the caches, so
 * an informer that lags another (a pod seen before its ReplicaSet) never
 * gets an object collected.
 *
 * The SDK wires a controller around one primary resource, which the garbage
 * collector does not have: it names namespaces (a small, quiet informer)
 * and ignores their keys; its work goes through its own queues. */
#include <stdlib.h>
#include <string.h>

#include "gc.h"

/* ---- reading objects ---- */

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

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The object's ownerReferences; -1 when out of memory.  References without
 * a uid cannot be followed and are skipped (the API requires one). */
static int read_refs(const cs_host *h, const cs_object *obj, gc_ref **out, size_t *n)
{
	const cs_object *refs = h->obj_get(obj, "metadata.ownerReferences");
	size_t len = h->obj_type(refs) == CS_OBJ_ARRAY ? h->obj_len(refs) : 0;
	*out = NULL;
	*n = 0;
	if (!len)
		return 0;
	gc_ref *r = calloc(len, sizeof(*r));
	if (!r)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		const cs_object *o = h->obj_at(refs, i);
		const char *uid = h->obj_str(o, "uid");
		if (!uid || !*uid)
			continue;
		r[k].uid = strdup(uid);
		r[k].api_version = dup_or_null(h->obj_str(o, "apiVersion"));
		r[k].kind = dup_or_null(h->obj_str(o, "kind"));
		r[k].name = dup_or_null(h->obj_str(o, "name"));
		r[k].block = h->obj_bool(o, "blockOwnerDeletion", false);
		if (!r[k++].uid) {
			gc_refs_free(r, k);
			return -1;
		}
	}
	*out = r;
	*n = k;
	return 0;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The owner must be looked at live: never seen, seen as another object
 * than the reference names, or seen in another namespace than the
 * dependent's (a namespaced owner is looked up in the dependent's
 * namespace only). */
static bool owner_doubtful(const gc_node *owner, const gc_ref *ref, const gc_node *dep)
{
	if (!owner->observed)
		return true;
	if (!same(owner->name, ref->name) || !same(owner->kind->kind, ref->kind))
		return true;
	return owner->kind->namespaced && !same(owner->ns, dep->ns);
}

/* ---- informer events (module thread) ---- */

static void enqueue_delete(gc_ctrl *c, cs_mod *m, const gc_node *n)
{
	m->host->queue_add(c->to_delete, n->uid);
}

/* An object was added or changed (or resynced: old == obj). */
static void observe(cs_mod *m, const gc_kind *kind, const cs_object *obj)
{
	const cs_host *h = m->host;
	gc_ctrl *c = gc_of(m);
	const char *uid = h->obj_str(obj, "metadata.uid");
	const char *name = h->obj_str(obj, "metadata.name");
	const char *ns = h->obj_str(obj, "metadata.namespace");
	if (!uid || !name)
		return;
	gc_ref *refs;
	size_t nrefs;
	if (read_refs(h, obj, &refs, &nrefs) < 0) {
		h->log(m, CS_LOG_ERROR, "%s %s/%s: out of memory reading its ownerReferences",
		       kind->resource, ns ? ns : "", name);
		return;
	}
	pthread_mutex_lock(&c->mu);
	gc_node *n = gc_graph_ensure(&c->graph, uid);
	if (!n)
		goto oom;
	if (!n->observed || !same(n->name, name) || !same(n->ns, ns)) {
		char *nn = strdup(name), *nns = dup_or_null(ns);
		if (!nn || (ns && !nns)) {
			free(nn);
			free(nns);
			gc_graph_release(&c->graph, n);
			goto oom;
		}
		free(n->name);
		free(n->ns);
		n->name = nn;
		n->ns = nns;
	}
	n->kind = kind;
	bool fresh = !n->observed || n->nowners != nrefs;
	n->observed = true;
	bool was_fg = n->deleting && n->fg;
	n->deleting = h->obj_get(obj, "metadata.deletionTimestamp") != NULL;
	n->fg = has_finalizer(h, obj, "foregroundDeletion");
	n->orphan = has_finalizer(h, obj, "orphan");

	/* Owners no longer named, or whose blocking changed, may be waiting
	 * for this dependent in a foreground deletion. */
	for (size_t i = 0; i < n->nowners; i++) {
		const gc_ref *old = &n->owners[i];
		const gc_ref *cur = NULL;
		for (size_t k = 0; k < nrefs && !cur; k++)
			if (!strcmp(refs[k].uid, old->uid))
				cur = &refs[k];
		fresh |= !cur;
		if (cur && cur->block == old->block)
			continue;
		gc_node *o = gc_graph_find(&c->graph, old->uid);
		if (!o)
			continue;
		if (o->deleting && o->fg)
			enqueue_delete(c, m, o);
		if (!cur) {
			gc_node_detach(o, n);
			gc_graph_release(&c->graph, o);
		}
	}
	gc_refs_free(n->owners, n->nowners);
	n->owners = refs;
	n->nowners = nrefs;
	refs = NULL;
	bool check = false;
	for (size_t i = 0; i < n->nowners; i++) {
		gc_node *o = gc_graph_ensure(&c->graph, n->owners[i].uid);
		if (!o || gc_node_attach(o, n) < 0) {
			if (o)
				gc_graph_release(&c->graph, o);
			h->log(m, CS_LOG_ERROR, "%s %s/%s: out of memory linking owner %s",
			       kind->resource, ns ? ns : "", name, n->owners[i].uid);
			check = true; /* decided live, whatever the graph lacks */
			continue;
		}
		/* An owner of a kind that cannot be looked up is reported once
		 * per change of the references, not on every resync. */
		const gc_ref *r = &n->owners[i];
		if (!gc_kind_by_ref(r->api_version, r->kind))
			check |= fresh;
		else
			check |= owner_doubtful(o, r, n) || (o->deleting && o->fg);
	}
	if (check)
		enqueue_delete(c, m, n);
	if (n->deleting && n->orphan)
		h->queue_add(c->to_orphan, n->uid);
	if (n->deleting && n->fg) {
		/* Its dependents go first; it goes when the blocking ones are
		 * gone (also checked again on every resync). */
		enqueue_delete(c, m, n);
		if (!was_fg)
			h->log(m, CS_LOG_INFO, "%s %s%s%s: deleting its %zu dependents first",
			       kind->resource, ns ? ns : "", ns ? "/" : "", name, n->ndeps);
		for (size_t i = 0; i < n->ndeps; i++)
			enqueue_delete(c, m, n->deps[i]);
	}
	h->metric_set(c->m_nodes, (double)c->graph.len);
	pthread_mutex_unlock(&c->mu);
	return;
oom:
	pthread_mutex_unlock(&c->mu);
	gc_refs_free(refs, nrefs);
	h->log(m, CS_LOG_ERROR, "%s %s/%s: out of memory adding it to the graph", kind->resource,
	       ns ? ns : "", name);
}

static void on_add(cs_mod *m, void *arg, const cs_object *obj)
{
	observe(m, arg, obj);
}

static void on_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *obj)
{
	(void)old;
	observe(m, arg, obj);
}

static void on_delete(cs_mod *m, void *arg, const cs_object *obj)
{
	(void)arg;
	const cs_host *h = m->host;
	gc_ctrl *c = gc_of(m);
	const char *uid = h->obj_str(obj, "metadata.uid");
	if (!uid)
		return;
	pthread_mutex_lock(&c->mu);
	gc_node *n = gc_graph_find(&c->graph, uid);
	if (!n) {
		pthread_mutex_unlock(&c->mu);
		return;
	}
	n->observed = false;
	n->deleting = n->fg = n->orphan = false;
	for (size_t i = 0; i < n->nowners; i++) {
		gc_node *o = gc_graph_find(&c->graph, n->owners[i].uid);
		if (!o)
			continue;
		gc_node_detach(o, n);
		if (o->observed && o->deleting && o->fg)
			enqueue_delete(c, m, o); /* one blocker fewer */
		gc_graph_release(&c->graph, o);
	}
	gc_refs_free(n->owners, n->nowners);
	n->owners = NULL;
	n->nowners = 0;
	/* Its dependents may now have no owner left. */
	for (size_t i = 0; i < n->ndeps; i++)
		enqueue_delete(c, m, n->deps[i]);
	gc_graph_release(&c->graph, n);
	h->metric_set(c->m_nodes, (double)c->graph.len);
	pthread_mutex_unlock(&c->mu);
}

static const cs_informer_handlers handlers = {
	.on_add = on_add,
	.on_update = on_update,
	.on_delete = on_delete,
};

/* ---- for the workers ---- */

bool gc_synced(cs_mod *m)
{
	gc_ctrl *c = gc_of(m);
	for (size_t i = 0; i < c->ninfs; i++)
		if (!m->host->informer_synced(c->infs[i]))
			return false;
	return true;
}

void gc_item_free(gc_item *it)
{
	free(it->uid);
	free(it->ns);
	free(it->name);
	for (size_t i = 0; i < it->ndeps; i++) {
		free(it->deps[i].uid);
		free(it->deps[i].ns);
		free(it->deps[i].name);
	}
	free(it->deps);
	memset(it, 0, sizeof(*it));
}

bool gc_snapshot(cs_mod *m, const char *uid, gc_item *it)
{
	gc_ctrl *c = gc_of(m);
	memset(it, 0, sizeof(*it));
	pthread_mutex_lock(&c->mu);
	gc_node *n = gc_graph_find(&c->graph, uid);
	bool found = n && n->observed, ok = found;
	if (ok) {
		it->uid = strdup(n->uid);
		it->name = strdup(n->name);
		it->ns = dup_or_null(n->ns);
		it->kind = n->kind;
		it->deps = calloc(n->ndeps ? n->ndeps : 1, sizeof(*it->deps));
		ok = it->uid && it->name && (!n->ns || it->ns) && it->deps;
	}
	for (size_t i = 0; ok && i < n->ndeps; i++) {
		const gc_node *d = n->deps[i];
		if (!d->observed)
			continue; /* named as an owner's dependent: cannot be */
		const gc_ref *r = gc_node_ref_to(d, n->uid);
		gc_dep *o = &it->deps[it->ndeps++];
		o->uid = strdup(d->uid);
		o->name = strdup(d->name);
		o->ns = dup_or_null(d->ns);
		o->kind = d->kind;
		o->block = r && r->block;
		o->fg = d->deleting && d->fg;
		ok = o->uid && o->name && (!d->ns || o->ns);
	}
	pthread_mutex_unlock(&c->mu);
	if (!ok) {
		if (found)
			m->host->log(m, CS_LOG_ERROR, "out of memory copying graph node %s", uid);
		gc_item_free(it);
	}
	return ok;
}

/* ---- lifecycle ---- */

static const cs_option gc_options[] = {
	{"resources", CS_OPT_STRING_LIST,
	 "{\"pods\", \"replicasets.apps\", \"deployments.apps\", \"statefulsets.apps\", "
	 "\"daemonsets.apps\", \"jobs.batch\", \"cronjobs.batch\", \"services\", \"endpoints\", "
	 "\"configmaps\", \"secrets\", \"persistentvolumeclaims\", \"controllerrevisions.apps\"}",
	 "resources whose objects are collected when their owners are gone"},
	{"workers", CS_OPT_INT, "4", "threads deleting objects (--concurrent-gc-syncs)"},
	{"resync-seconds", CS_OPT_INT, "60",
	 "how often objects whose owners were never seen (of resources not watched) are checked "
	 "again"},
	{NULL, CS_OPT_END, NULL, NULL},
};

static void gc_fini(cs_mod *m)
{
	gc_ctrl *c = gc_of(m);
	if (!c)
		return;
	gc_graph_free(&c->graph);
	pthread_mutex_destroy(&c->mu);
	free(c->infs);
	free(c);
	m->host->set_data(m, NULL);
	gc_kinds_free();
}

static int gc_init(cs_mod *m)
{
	const cs_host *h = m->host;
	gc_ctrl *c = calloc(1, sizeof(*c));
	if (!c || gc_graph_init(&c->graph) < 0) {
		if (c)
			free(c);
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	pthread_mutex_init(&c->mu, NULL);
	h->set_data(m, c);
	int64_t workers = h->opt_int(m, "workers");
	int64_t resync = h->opt_int(m, "resync-seconds");
	if (workers < 1 || workers > 64) {
		h->log(m, CS_LOG_ERROR, "option workers: %lld is not within 1..64",
		       (long long)workers);
		goto fail;
	}
	if (resync < 0 || resync > 86400) {
		h->log(m, CS_LOG_ERROR, "option resync-seconds: %lld is not within 0..86400",
		       (long long)resync);
		goto fail;
	}
	c->to_delete = h->queue_new(m, "attempt-to-delete", (unsigned)workers, gc_attempt_delete,
				    NULL, 0, 0);
	c->to_orphan = h->queue_new(m, "attempt-to-orphan", 1, gc_attempt_orphan, NULL, 0, 0);
	c->m_deleted = h->metric_new(m, CS_METRIC_COUNTER, "garbagecollector_deleted_total",
				     "objects deleted because their owners are gone");
	c->m_unowned =
		h->metric_new(m, CS_METRIC_COUNTER, "garbagecollector_ownerrefs_removed_total",
			      "ownerReferences removed (dangling, or orphaned dependents)");
	c->m_nodes = h->metric_new(m, CS_METRIC_GAUGE, "garbagecollector_graph_nodes",
				   "objects and owners in the dependency graph");
	if (!c->to_delete || !c->to_orphan || !c->m_deleted || !c->m_unowned || !c->m_nodes)
		goto fail;
	c->resync = (unsigned)resync;
	return 0;
fail:
	gc_fini(m);
	return -1;
}

/* The kinds come from the API's discovery, which answers only once the
 * API serves: the informers are made here rather than in init. */
static int gc_start(cs_mod *m)
{
	const cs_host *h = m->host;
	gc_ctrl *c = gc_of(m);
	if (gc_kinds_load(m) < 0)
		return -1;
	size_t n = h->opt_list_len(m, "resources");
	if (!(c->infs = calloc(n ? n : 1, sizeof(*c->infs)))) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *res = h->opt_list_at(m, "resources", i);
		const gc_kind *k = gc_kind_by_resource(res);
		if (!k) {
			h->log(m, CS_LOG_ERROR,
			       "option resources: \"%s\" is not a resource the API serves (spell "
			       "it as the API does: \"replicasets.apps\", \"pods\")",
			       res);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(h->opt_list_at(m, "resources", j), res)) {
				h->log(m, CS_LOG_ERROR, "option resources: \"%s\" is listed twice",
				       res);
				return -1;
			}
		cs_informer_handlers hd = handlers;
		hd.arg = (void *)k;
		if (!(c->infs[c->ninfs++] =
			      h->informer_new(m, res, NULL, NULL, NULL, c->resync, &hd)))
			return -1; /* the host logged why */
	}
	h->log(m, CS_LOG_INFO, "collecting the dependents of %zu resources", n);
	return 0;
}

/* Namespaces are the nominal primary resource (see the top): nothing to
 * reconcile. */
static int gc_reconcile(cs_mod *m, const char *key)
{
	(void)m;
	(void)key;
	return CS_DONE;
}

static const cs_controller_ops gc_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = "namespaces",
	.owns = NULL,
	.workers = 1,
	.reconcile = gc_reconcile,
	.resync_seconds = 0,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "ctrl-gc",
	.version = "1.0.0",
	.description = "garbage collector: deletes or orphans the dependents of deleted owners",
	.kind = CS_KIND_CONTROLLER,
	.options = gc_options,
	.init = gc_init,
	.start = gc_start,
	.fini = gc_fini,
	.ops = &gc_ops,
};
