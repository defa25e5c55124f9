/* The snapshot a scheduling cycle runs on: every cached node with its
 * allocatable resources, and the pods that occupy it -- those the cache
 * shows bound there, those this framework assumed there whose binding
 * the cache does not show yet, and the pending pods nominated there
 * (status.nominatedNodeName, set when they preempted pods on it) whose
 * priority is at least that of the pod the cycle is for: the room their
 * victims left is theirs (Kubernetes' nominated pods, which its filters
 * add to the node for pods of lower or equal priority).  Built from the informer caches at the
 * start of each cycle (issue 4 replaces this with an incremental cache).
 *
 * Scheduling thread only. */
#include <stdlib.h>
#include <string.h>

#include "fw.h"

/* ---- held objects ---- */

static int hold(const cs_host *h, fw_snapshot *s, const cs_object *o)
{
	if (s->nobjs == s->objcap) {
		size_t cap = s->objcap ? s->objcap * 2 : 256;
		const cs_object **v = realloc(s->objs, cap * sizeof(*v));
		if (!v)
			return -1;
		s->objs = v;
		s->objcap = cap;
	}
	s->objs[s->nobjs++] = h->obj_keep(o);
	return 0;
}

void fw_snapshot_free(const cs_host *h, fw_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		fw_res_free(&s->nodes[i].alloc);
		fw_res_free(&s->nodes[i].req);
	}
	free(s->nodes);
	free(s->ptrs);
	for (size_t i = 0; i < s->nobjs; i++)
		h->obj_free(s->objs[i]);
	free(s->objs);
	free(s->nominated);
	fw_arena_free(&s->arena);
	free(s);
}

int fw_sched_pod(const cs_host *h, fw_snapshot *s, const cs_object *pod, cs_sched_pod *out)
{
	fw_res r = {0};
	int rc = fw_pod_requests(h, pod, &r);
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->pod = pod;
	out->ns = h->obj_str(pod, "metadata.namespace");
	out->name = h->obj_str(pod, "metadata.name");
	out->uid = h->obj_str(pod, "metadata.uid");
	out->priority = (int32_t)h->obj_int(pod, "spec.priority", 0);
	out->requests = r.pub;
	out->requests.scalar_names = NULL;
	out->requests.scalar_values = NULL;
	size_t n = r.pub.nscalar;
	if (!rc && n) {
		const char **names = fw_arena_alloc(&s->arena, n * sizeof(*names));
		int64_t *vals = fw_arena_alloc(&s->arena, n * sizeof(*vals));
		if (names && vals) {
			memcpy(names, r.names, n * sizeof(*names));
			memcpy(vals, r.vals, n * sizeof(*vals));
			out->requests.scalar_names = names;
			out->requests.scalar_values = vals;
		} else {
			rc = -1;
		}
	}
	if (rc)
		out->requests.nscalar = 0;
	fw_res_free(&r);
	return rc;
}

/* ---- nodes ---- */

struct objlist {
	const cs_host *h;
	const cs_object **v;
	size_t n, cap;
	bool oom;
};

static bool collect(void *arg, const cs_object *o)
{
	struct objlist *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		const cs_object **v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->oom = true;
			return false;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = l->h->obj_keep(o);
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const fw_node *)a)->pub.name, ((const fw_node *)b)->pub.name);
}

static fw_node *find_node(fw_snapshot *s, const char *name)
{
	fw_node key = {.pub.name = name};
	return name ? bsearch(&key, s->nodes, s->n, sizeof(*s->nodes), by_name) : NULL;
}

const cs_sched_node *fw_snapshot_node(fw_snapshot *s, const char *name)
{
	fw_node *n = find_node(s, name);
	return n ? &n->pub : NULL;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int add_nodes(cs_mod *m, struct fw *fw, fw_snapshot *s)
{
	const cs_host *h = m->host;
	struct objlist l = {.h = h};
	h->cache_each(fw->nodes, NULL, NULL, collect, &l);
	int rc = l.oom ? -1 : 0;
	s->nodes = calloc(l.n ? l.n : 1, sizeof(*s->nodes));
	s->ptrs = calloc(l.n ? l.n : 1, sizeof(*s->ptrs));
	if (!s->nodes || !s->ptrs)
		rc = -1;
	for (size_t i = 0; i < l.n; i++) {
		const cs_object *o = l.v[i];
		if (rc || hold(h, s, o) < 0) {
			rc = -1;
			continue;
		}
		const char *name = h->obj_str(o, "metadata.name");
		if (!name)
			continue;
		fw_node *n = &s->nodes[s->n++];
		n->pub.size = sizeof(n->pub);
		n->pub.node = o;
		n->pub.name = name;
		n->pub.generation =
			fnv(1469598103934665603ULL, h->obj_str(o, "metadata.resourceVersion"));
		/* Allocatable is what pods may use; a node that reports only
		 * its capacity offers all of it. */
		const cs_object *alloc = h->obj_get(o, "status.allocatable");
		if (h->obj_len(alloc) == 0)
			alloc = h->obj_get(o, "status.capacity");
		size_t bad = 0;
		if (fw_res_add_list(h, &n->alloc, alloc, &bad) < 0)
			rc = -1;
		if (bad)
			h->log(m, CS_LOG_DEBUG, "node %s: %zu allocatable amounts do not parse",
			       name, bad);
	}
	for (size_t i = 0; i < l.n; i++)
		h->obj_free(l.v[i]);
	free(l.v);
	if (!rc)
		qsort(s->nodes, s->n, sizeof(*s->nodes), by_name);
	return rc;
}

/* ---- pods ---- */

struct assumed_copy {
	char *uid, *node;
	bool counted; /* the cache still shows its pod unbound */
};

struct acopy {
	struct assumed_copy *v;
	size_t n, cap;
	bool oom;
};

static void copy_assumed(void *arg, const char *uid, void *val)
{
	struct acopy *c = arg;
	const struct fw_assumed *a = val;
	if (c->oom)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct assumed_copy *v = realloc(c->v, cap * sizeof(*v));
		if (!v) {
			c->oom = true;
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	struct assumed_copy *e = &c->v[c->n];
	e->uid = strdup(uid);
	e->node = strdup(a->node);
	e->counted = false;
	if (!e->uid || !e->node) {
		free(e->uid);
		free(e->node);
		c->oom = true;
		return;
	}
	c->n++;
}

static int by_uid(const void *a, const void *b)
{
	return strcmp(((const struct assumed_copy *)a)->uid, ((const struct assumed_copy *)b)->uid);
}

struct podref {
	const cs_object *obj;
	const char *node; /* borrowed from obj or from the assumed copy */
	bool nominated;   /* pending, status.nominatedNodeName */
};

struct podwalk {
	const cs_host *h;
	struct acopy *assumed;
	struct podref *v;
	size_t n, cap;
	bool oom;
};

static bool terminal(const cs_host *h, const cs_object *pod)
{
	const char *phase = h->obj_str(pod, "status.phase");
	return phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
}

/* Runs under the pods cache's read lock: the cache is one consistent
 * state, so a pod is either seen bound or counted through its assumption,
 * never both and never neither. */
static bool visit_pod(void *arg, const cs_object *pod)
{
	struct podwalk *w = arg;
	const cs_host *h = w->h;
	if (terminal(h, pod))
		return true;
	const char *node = h->obj_str(pod, "spec.nodeName");
	bool nominated = false;
	if (!node || !*node) {
		const char *uid = h->obj_str(pod, "metadata.uid");
		struct assumed_copy key = {.uid = (char *)uid}, *a = NULL;
		if (uid && w->assumed->n)
			a = bsearch(&key, w->assumed->v, w->assumed->n, sizeof(key), by_uid);
		if (a) {
			a->counted = true;
			node = a->node;
		} else {
			/* A pod being deleted will not come to use the room. */
			node = h->obj_str(pod, "status.nominatedNodeName");
			if (!node || !*node || h->obj_get(pod, "metadata.deletionTimestamp"))
				return true;
			nominated = true;
		}
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct podref *v = realloc(w->v, cap * sizeof(*v));
		if (!v) {
			w->oom = true;
			return false;
		}
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = (struct podref){h->obj_keep(pod), node, nominated};
	return true;
}

/* An assumption ends when the cache shows the pod bound (or gone). */
static bool still_assumed(void *arg, const char *uid, void *val)
{
	(void)val;
	const struct acopy *c = arg;
	struct assumed_copy key = {.uid = (char *)uid};
	const struct assumed_copy *a = c->n ? bsearch(&key, c->v, c->n, sizeof(key), by_uid) : NULL;
	return !a || a->counted;
}

void fw_assumed_free(void *val)
{
	struct fw_assumed *a = val;
	if (a)
		free(a->node);
	free(a);
}

/* Whether a nominated pod takes room on its node in the cycle of the pod
 * (uid, prio): not its own, and not for pods of higher priority. */
static bool reserves(const cs_host *h, const cs_object *nom, const char *uid, int32_t prio)
{
	const char *u = h->obj_str(nom, "metadata.uid");
	if (u && uid && !strcmp(u, uid))
		return false;
	return (int32_t)h->obj_int(nom, "spec.priority", 0) >= prio;
}

static int add_nominated(fw_snapshot *s, const cs_sched_pod *p)
{
	if (s->nnominated == s->nomcap) {
		size_t cap = s->nomcap ? s->nomcap * 2 : 8;
		const cs_sched_pod **v = realloc(s->nominated, cap * sizeof(*v));
		if (!v)
			return -1;
		s->nominated = v;
		s->nomcap = cap;
	}
	s->nominated[s->nnominated++] = p;
	return 0;
}

static int add_pods(cs_mod *m, struct fw *fw, fw_snapshot *s, const char *uid, int32_t prio)
{
	const cs_host *h = m->host;
	struct acopy ac = {0};
	pthread_mutex_lock(&fw->mu);
	fw_map_each(&fw->assumed, copy_assumed, &ac);
	pthread_mutex_unlock(&fw->mu);
	int rc = ac.oom ? -1 : 0;
	if (ac.n)
		qsort(ac.v, ac.n, sizeof(*ac.v), by_uid);
	struct podwalk w = {.h = h, .assumed = &ac};
	if (!rc) {
		h->cache_each(fw->pods, NULL, NULL, visit_pod, &w);
		if (w.oom)
			rc = -1;
	}
	if (!rc) {
		pthread_mutex_lock(&fw->mu);
		fw_map_filter(&fw->assumed, still_assumed, &ac, fw_assumed_free);
		pthread_mutex_unlock(&fw->mu);
	}
	/* Place each pod on its node: count first, then fill. */
	fw_node **where = calloc(w.n ? w.n : 1, sizeof(*where));
	if (!where)
		rc = -1;
	for (size_t i = 0; !rc && i < w.n; i++)
		if ((where[i] = find_node(s, w.v[i].node)) &&
		    (!w.v[i].nominated || reserves(h, w.v[i].obj, uid, prio)))
			where[i]->cap++;
	for (size_t i = 0; !rc && i < s->n; i++)
		if (s->nodes[i].cap && !(s->nodes[i].pods = fw_arena_alloc(
						 &s->arena, s->nodes[i].cap * sizeof(void *))))
			rc = -1;
	for (size_t i = 0; i < w.n; i++) {
		fw_node *n = rc ? NULL : where[i];
		bool listed = false; /* in s->nominated */
		if (n && w.v[i].nominated) {
			const char *u = h->obj_str(w.v[i].obj, "metadata.uid");
			listed = !(u && uid && !strcmp(u, uid));
			if (!reserves(h, w.v[i].obj, uid, prio))
				n = NULL;
		}
		cs_sched_pod *p = n || listed ? fw_arena_alloc(&s->arena, sizeof(*p)) : NULL;
		if ((n || listed) &&
		    (!p || hold(h, s, w.v[i].obj) < 0 || fw_sched_pod(h, s, w.v[i].obj, p) < 0 ||
		     (listed && add_nominated(s, p) < 0) ||
		     (n && fw_res_add(&n->req, &p->requests) < 0)))
			rc = -1;
		if (!rc && n) {
			n->pods[n->npods++] = p;
			/* Order-independent: the walk order of the cache is not
			 * stable, the generation must be. */
			n->pub.generation += fnv(fnv(1469598103934665603ULL, p->uid),
						 h->obj_str(p->pod, "metadata.resourceVersion"));
		}
		h->obj_free(w.v[i].obj);
	}
	free(where);
	free(w.v);
	for (size_t i = 0; i < ac.n; i++) {
		free(ac.v[i].uid);
		free(ac.v[i].node);
	}
	free(ac.v);
	return rc;
}

fw_snapshot *fw_snapshot_build(cs_mod *m, struct fw *fw, const cs_object *pod)
{
	const cs_host *h = m->host;
	const char *uid = h->obj_str(pod, "metadata.uid");
	int32_t prio = (int32_t)h->obj_int(pod, "spec.priority", 0);
	fw_snapshot *s = calloc(1, sizeof(*s));
	if (!s || add_nodes(m, fw, s) < 0 || add_pods(m, fw, s, uid, prio) < 0) {
		m->host->log(m, CS_LOG_ERROR,
			     "cannot build the scheduling snapshot: out of memory");
		fw_snapshot_free(m->host, s);
		return NULL;
	}
	for (size_t i = 0; i < s->n; i++) {
		fw_node *n = &s->nodes[i];
		n->pub.allocatable = n->alloc.pub;
		n->pub.requested = n->req.pub;
		n->pub.npods = n->npods;
		n->pub.pods = n->pods;
		s->ptrs[i] = &n->pub;
	}
	return s;
}
