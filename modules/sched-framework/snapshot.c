/* The snapshot a scheduling cycle runs on: every node of the scheduler's
 * cache (cache.c) with its allocatable resources and the pods that occupy
 * it -- bound there, or assumed there by this framework -- and the pending
 * pods nominated there (status.nominatedNodeName, set when they preempted
 * pods on it) whose priority is at least that of the pod the cycle is for:
 * the room their victims left is theirs (Kubernetes' nominated pods, which
 * its filters add to the node for pods of lower or equal priority).
 *
 * As Kubernetes' UpdateSnapshot: the snapshot persists across cycles
 * (fw->snap) and each cycle copies from the cache only the nodes whose
 * generation is newer than the snapshot's, walking the cache's
 * most-recently-updated list.  The nodes are kept in versions: immutable
 * arrays, a new one made only when a node changed (its array copied with
 * the changed nodes replaced, or rebuilt when nodes come or go), shared by
 * every cycle that starts while it is the newest, so that a cycle costs
 * nothing per node of the cluster.  A cycle that outlives the next one
 * (parked for its permit or binding) keeps its version; a node that left
 * the newest version is freed once no older version is in use (epochs).
 * Nominated pods are applied per cycle to private copies of the nodes
 * they name.
 *
 * Scheduling thread only. */
#include <stdlib.h>
#include <string.h>

#include "fw.h"
#include "grow.h"

struct fw_snode {
	cs_sched_node pub;      /* first: ptrs point here */
	uint64_t in, out;       /* the epochs of the first version with it, and
				 * the first without (0: in the newest) */
	struct fw_snode *rnext; /* fw_snapstate.retired */
	fw_nodeinfo *info;      /* a reference: pub's labels and taints */
	fw_res alloc, req;
	size_t npods;
	cs_sched_pod *podv;
	fw_res *preq;                     /* podv[i]'s requests */
	fw_podinfo **pinfo;               /* podv[i]'s fields (references) */
	const cs_sched_pod **pods;        /* &podv[i] */
	const cs_sched_pod **aff, **anti; /* pods_with_affinity, _required_anti_affinity */
};

struct fw_version {
	unsigned refs; /* cycles using it, +1 while the newest */
	uint64_t epoch;
	size_t n;
	fw_snode **v;               /* sorted by name */
	const cs_sched_node **ptrs; /* &v[i]->pub */
	const cs_sched_node **with_aff, **with_anti;
	size_t nwith_aff, nwith_anti;
	struct fw_version *prev, *next; /* fw_snapstate.live */
};

/* A node of one cycle with the nominated pods that take room on it. */
struct fw_override {
	struct fw_override *next;
	cs_sched_node pub;
	size_t idx; /* in ptrs */
	fw_res req;
	const cs_sched_pod **pods;
	size_t npods, cap;
	/* pods_with_*: the node's, until a nominated pod with terms joins. */
	const cs_sched_pod **aff, **anti;
	size_t naff, nanti;
	bool own_aff, own_anti;
};

/* ---- held objects ---- */

static int hold(const cs_host *h, fw_snapshot *s, const cs_object *o)
{
	if (sk_grow(&s->objs, s->nobjs, &s->objcap, sizeof(*s->objs), 16) < 0)
		return -1;
	s->objs[s->nobjs++] = h->obj_keep(o);
	return 0;
}

static void snode_free(const cs_host *h, fw_snode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->npods; i++) {
		fw_podinfo_unref(h, n->pinfo[i]);
		fw_res_free(&n->preq[i]);
	}
	free(n->pinfo);
	h->obj_free(n->pub.node);
	fw_nodeinfo_unref(h, n->info);
	fw_res_free(&n->alloc);
	fw_res_free(&n->req);
	free(n->podv);
	free(n->preq);
	free(n->pods);
	free(n->aff);
	free(n->anti);
	free(n);
}

/* ---- versions ---- */

/* Free the retired nodes that no live version contains. */
static void collect(const cs_host *h, fw_snapstate *st)
{
	uint64_t oldest = st->live ? st->live->epoch : UINT64_MAX;
	while (st->retired && st->retired->out <= oldest) {
		fw_snode *n = st->retired;
		st->retired = n->rnext;
		snode_free(h, n);
	}
	if (!st->retired)
		st->retired_tail = NULL;
}

static void retire(fw_snapstate *st, fw_snode *n, uint64_t epoch)
{
	n->out = epoch;
	n->rnext = NULL;
	if (st->retired_tail)
		st->retired_tail->rnext = n;
	else
		st->retired = n;
	st->retired_tail = n;
}

/* A version's memory (not the nodes: they are retired by epoch). */
static void version_free(fw_version *v)
{
	free(v->v);
	free(v->ptrs);
	free(v->with_aff);
	free(v->with_anti);
	free(v);
}

static void version_release(const cs_host *h, fw_snapstate *st, fw_version *v)
{
	if (!v || --v->refs)
		return;
	if (v->prev)
		v->prev->next = v->next;
	else
		st->live = v->next;
	if (v->next)
		v->next->prev = v->prev;
	version_free(v);
	collect(h, st);
}

/* A version of n nodes (v filled by the caller), the newest. */
static fw_version *version_new(fw_snapstate *st, size_t n)
{
	fw_version *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	/* Every entry is written by the caller. */
	v->v = malloc((n ? n : 1) * sizeof(*v->v));
	v->ptrs = malloc((n ? n : 1) * sizeof(*v->ptrs));
	if (!v->v || !v->ptrs) {
		version_free(v);
		return NULL;
	}
	v->n = n;
	v->refs = 1;
	v->epoch = st->epoch + 1;
	return v;
}

/* Make v the newest: link it last among the live versions, and drop the
 * previous newest's reference (the caller retired the nodes v lacks). */
static void version_publish(const cs_host *h, fw_snapstate *st, fw_version *v)
{
	fw_version *tail = st->live;
	while (tail && tail->next)
		tail = tail->next;
	v->prev = tail;
	if (tail)
		tail->next = v;
	else
		st->live = v;
	st->epoch = v->epoch;
	fw_version *old = st->cur;
	st->cur = v;
	version_release(h, st, old);
}

void fw_snapshot_free(const cs_host *h, fw_snapshot *s)
{
	if (!s)
		return;
	version_release(h, s->st, s->ver);
	free(s->own_ptrs);
	for (struct fw_override *o = s->over, *nx; o; o = nx) {
		nx = o->next;
		fw_res_free(&o->req);
		free(o->pods);
		if (o->own_aff)
			free(o->aff);
		if (o->own_anti)
			free(o->anti);
		free(o);
	}
	for (size_t i = 0; i < s->nobjs; i++)
		h->obj_free(s->objs[i]);
	free(s->objs);
	free(s->nominated);
	fw_arena_free(&s->arena);
	free(s);
}

void fw_snapstate_free(const cs_host *h, fw_snapstate *st)
{
	/* fini: every cycle has been freed, only the newest version is left
	 * (the loop frees any other all the same). */
	fw_version *cur = st->cur;
	for (size_t i = 0; cur && i < cur->n; i++)
		retire(st, cur->v[i], cur->epoch + 1);
	st->cur = NULL;
	while (st->live) {
		st->live->refs = 1;
		version_release(h, st, st->live);
	}
	collect(h, st);
	memset(st, 0, sizeof(*st));
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
	out->terminating = h->obj_get(pod, "metadata.deletionTimestamp") != NULL;
	const cs_object *labels = h->obj_get(pod, "metadata.labels");
	size_t nl = h->obj_len(labels);
	cs_sched_label *lv = nl ? fw_arena_alloc(&s->arena, nl * sizeof(*lv)) : NULL;
	if (nl && !lv)
		rc = -1;
	else if (nl)
		out->nlabels = fw_labels_parse(h, labels, lv);
	out->labels = lv;
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

unsigned fw_pod_affinity(const cs_host *h, const cs_object *pod)
{
	const cs_object *a = h->obj_get(pod, "spec.affinity");
	if (!a)
		return 0;
	unsigned f = 0;
	if (h->obj_get(a, "podAffinity") || h->obj_get(a, "podAntiAffinity"))
		f |= FW_AFF_ANY;
	if (h->obj_len(h->obj_get(
		    a, "podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution")))
		f |= FW_AFF_REQ_ANTI;
	return f;
}

/* ---- the persistent snapshot ---- */

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void set_req(cs_sched_pod *p, const fw_res *r)
{
	p->requests = r->pub;
	p->requests.scalar_names = r->names;
	p->requests.scalar_values = r->vals;
}

static void add_nonzero(cs_sched_node *n, const cs_sched_resources *r)
{
	n->nonzero_milli_cpu += r->milli_cpu ? r->milli_cpu : CS_SCHED_DEFAULT_MILLI_CPU;
	n->nonzero_memory += r->memory ? r->memory : CS_SCHED_DEFAULT_MEMORY;
}

/* A copy of the cache's node n for the versions (fw->mu held). */
static fw_snode *snode_new(const cs_host *h, const fw_cnode *n)
{
	fw_snode *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->pub.size = sizeof(s->pub);
	s->pub.node = h->obj_keep(n->node);
	s->pub.name = h->obj_str(n->node, "metadata.name");
	s->info = fw_nodeinfo_ref(n->info);
	fw_nodeinfo_apply(s->info, &s->pub);
	s->pub.generation = n->gen;
	size_t k = n->npods;
	s->podv = calloc(k ? k : 1, sizeof(*s->podv));
	s->preq = calloc(k ? k : 1, sizeof(*s->preq));
	s->pods = calloc(k ? k : 1, sizeof(*s->pods));
	s->pinfo = calloc(k ? k : 1, sizeof(*s->pinfo));
	unsigned *aff = calloc(k ? k : 1, sizeof(*aff));
	int rc = s->podv && s->preq && s->pods && s->pinfo && aff &&
				 fw_res_add(&s->alloc, &n->alloc.pub) >= 0
			 ? 0
			 : -1;
	size_t naff = 0, nanti = 0;
	for (const fw_cpod *p = n->pods; p && !rc; p = p->next) {
		cs_sched_pod *q = &s->podv[s->npods];
		fw_res *r = &s->preq[s->npods];
		aff[s->npods] = p->affinity;
		naff += (p->affinity & FW_AFF_ANY) != 0;
		nanti += (p->affinity & FW_AFF_REQ_ANTI) != 0;
		s->pinfo[s->npods] = fw_podinfo_ref(p->info);
		s->npods++;
		fw_podinfo_apply(p->info, q);
		if (fw_res_add(r, &p->req.pub) < 0 || fw_res_add(&s->req, &p->req.pub) < 0)
			rc = -1;
		add_nonzero(&s->pub, &p->req.pub);
		set_req(q, r);
	}
	if (!rc && naff && !(s->aff = calloc(naff, sizeof(*s->aff))))
		rc = -1;
	if (!rc && nanti && !(s->anti = calloc(nanti, sizeof(*s->anti))))
		rc = -1;
	if (rc) {
		free(aff);
		snode_free(h, s);
		return NULL;
	}
	/* Order of the pods: the cache's, most recently added first; keep
	 * the oldest first as the pods cache would list them by age. */
	for (size_t i = 0; i < s->npods; i++) {
		size_t j = s->npods - 1 - i;
		s->pods[i] = &s->podv[j];
		if (aff[j] & FW_AFF_ANY)
			s->aff[s->pub.npods_with_affinity++] = &s->podv[j];
		if (aff[j] & FW_AFF_REQ_ANTI)
			s->anti[s->pub.npods_with_required_anti_affinity++] = &s->podv[j];
	}
	free(aff);
	s->pub.pods_with_affinity = s->aff;
	s->pub.pods_with_required_anti_affinity = s->anti;
	s->pub.allocatable = s->alloc.pub;
	s->pub.allocatable.scalar_names = s->alloc.names;
	s->pub.allocatable.scalar_values = s->alloc.vals;
	s->pub.requested = s->req.pub;
	s->pub.requested.scalar_names = s->req.names;
	s->pub.requested.scalar_values = s->req.vals;
	s->pub.npods = s->npods;
	s->pub.pods = s->pods;
	return s;
}

static int by_snode(const void *a, const void *b)
{
	return strcmp((*(fw_snode *const *)a)->pub.name, (*(fw_snode *const *)b)->pub.name);
}

static fw_snode **find_snode(const fw_version *v, const char *name)
{
	fw_snode key = {.pub.name = name}, *kp = &key;
	return v && v->n ? bsearch(&kp, v->v, v->n, sizeof(*v->v), by_snode) : NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const cs_sched_node *const *)a)->name,
		      (*(const cs_sched_node *const *)b)->name);
}

/* ---- the lists of nodes with pods with inter-pod terms ---- */

static size_t count_aff(const cs_sched_node *n, bool anti)
{
	return anti ? n->npods_with_required_anti_affinity : n->npods_with_affinity;
}

/* Every node of ptrs that has some, in their order. */
static int list_scan(const cs_sched_node *const *ptrs, size_t n, bool anti,
		     const cs_sched_node ***out, size_t *nout)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += count_aff(ptrs[i], anti) != 0;
	*out = NULL;
	*nout = 0;
	if (k && !(*out = malloc(k * sizeof(**out))))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (count_aff(ptrs[i], anti))
			(*out)[(*nout)++] = ptrs[i];
	return 0;
}

/* The previous version's list with the nodes `old` replaced by `new`
 * (k of each, same names): in or out as they now have pods with terms. */
static int list_patch(const cs_sched_node *const *prev, size_t nprev, fw_snode *const *old,
		      fw_snode *const *new, size_t k, bool anti, const cs_sched_node ***out,
		      size_t *nout)
{
	*out = malloc((nprev + k ? nprev + k : 1) * sizeof(**out));
	if (!*out)
		return -1;
	if (nprev)
		memcpy(*out, prev, nprev * sizeof(**out));
	size_t n = nprev;
	for (size_t i = 0; i < k; i++) {
		bool was = count_aff(&old[i]->pub, anti), is = count_aff(&new[i]->pub, anti);
		if (!was && !is)
			continue;
		/* Where the node's name is, or goes, in the list. */
		size_t lo = 0, hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp((*out)[mid]->name, new[i]->pub.name) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		bool there = lo < n && !strcmp((*out)[lo]->name, new[i]->pub.name);
		if (there && is) {
			(*out)[lo] = &new[i]->pub;
		} else if (there) {
			memmove(*out + lo, *out + lo + 1, (n - lo - 1) * sizeof(**out));
			n--;
		} else if (is) {
			memmove(*out + lo + 1, *out + lo, (n - lo) * sizeof(**out));
			(*out)[lo] = &new[i]->pub;
			n++;
		}
	}
	*nout = n;
	return 0;
}

/* ---- bringing the newest version up to date ---- */

struct rebuild {
	const cs_host *h;
	const fw_version *old;
	fw_snode **v;
	size_t n;
	bool oom;
};

static void rebuild_one(void *arg, const char *name, void *val)
{
	struct rebuild *r = arg;
	const fw_cnode *n = val;
	if (!n->node || r->oom)
		return;
	fw_snode **had = find_snode(r->old, name);
	fw_snode *s;
	if (had && (*had)->pub.generation == n->gen) {
		s = *had;
	} else if (!(s = snode_new(r->h, n))) {
		r->oom = true;
		return;
	}
	r->v[r->n++] = s;
}

/* Nodes came or went: a new version of every node, the unchanged ones
 * kept; those of the previous newest not kept are retired. */
static int rebuild_locked(const cs_host *h, struct fw *fw, fw_snapstate *st)
{
	fw_cache *c = &fw->cache;
	struct rebuild r = {.h = h, .old = st->cur};
	r.v = calloc(c->nodes.len ? c->nodes.len : 1, sizeof(*r.v));
	if (!r.v)
		return -1;
	fw_map_each(&c->nodes, rebuild_one, &r);
	fw_version *v = r.oom ? NULL : version_new(st, r.n);
	if (v) {
		qsort(r.v, r.n, sizeof(*r.v), by_snode);
		memcpy(v->v, r.v, r.n * sizeof(*r.v));
		for (size_t i = 0; i < r.n; i++) {
			v->ptrs[i] = &r.v[i]->pub;
			if (!r.v[i]->in)
				r.v[i]->in = v->epoch;
		}
		if (list_scan(v->ptrs, v->n, false, &v->with_aff, &v->nwith_aff) < 0 ||
		    list_scan(v->ptrs, v->n, true, &v->with_anti, &v->nwith_anti) < 0) {
			version_free(v);
			v = NULL;
		}
	}
	if (!v) {
		for (size_t i = 0; i < r.n; i++)
			if (!r.v[i]->in) /* new, in no version */
				snode_free(h, r.v[i]);
		free(r.v);
		return -1;
	}
	free(r.v);
	/* The previous newest's nodes that this version lacks leave. */
	for (size_t i = 0; st->cur && i < st->cur->n; i++) {
		fw_snode *o = st->cur->v[i];
		fw_snode **at = find_snode(v, o->pub.name);
		if (!at || *at != o)
			retire(st, o, v->epoch);
	}
	version_publish(h, st, v);
	return 0;
}

/* Some nodes changed: a copy of the newest version with those replaced. */
static int replace_locked(const cs_host *h, struct fw *fw, fw_snapstate *st)
{
	fw_cache *c = &fw->cache;
	fw_version *cur = st->cur;
	size_t k = 0, cap_old = 0, cap_new = 0, cap_idx = 0;
	fw_snode **old = NULL, **new = NULL;
	size_t *idx = NULL;
	int rc = 0;
	for (const fw_cnode *n = c->mru; !rc && n && n->gen > st->gen; n = n->mnext) {
		fw_snode **at = n->node ? find_snode(cur, n->name) : NULL;
		if (!at)
			continue; /* a node without object: not in the snapshot */
		if (sk_grow(&old, k, &cap_old, sizeof(*old), 4) < 0 ||
		    sk_grow(&new, k, &cap_new, sizeof(*new), 4) < 0 ||
		    sk_grow(&idx, k, &cap_idx, sizeof(*idx), 4) < 0) {
			rc = -1;
			break;
		}
		fw_snode *s = snode_new(h, n);
		if (!s) {
			rc = -1;
			break;
		}
		old[k] = *at;
		new[k] = s;
		idx[k] = (size_t)(at - cur->v);
		k++;
	}
	fw_version *v = !rc && k ? version_new(st, cur->n) : NULL;
	if (v) {
		memcpy(v->v, cur->v, cur->n * sizeof(*v->v));
		memcpy(v->ptrs, cur->ptrs, cur->n * sizeof(*v->ptrs));
		for (size_t i = 0; i < k; i++) {
			v->v[idx[i]] = new[i];
			v->ptrs[idx[i]] = &new[i]->pub;
			new[i]->in = v->epoch;
		}
		if (list_patch(cur->with_aff, cur->nwith_aff, old, new, k, false, &v->with_aff,
			       &v->nwith_aff) < 0 ||
		    list_patch(cur->with_anti, cur->nwith_anti, old, new, k, true, &v->with_anti,
			       &v->nwith_anti) < 0) {
			for (size_t i = 0; i < k; i++)
				new[i]->in = 0;
			version_free(v);
			v = NULL;
		}
	}
	if (k && !v) {
		for (size_t i = 0; i < k; i++)
			snode_free(h, new[i]);
		rc = -1;
	} else if (v) {
		/* The same node may have been seen twice: retire each old one once. */
		for (size_t i = 0; i < k; i++)
			if (!old[i]->out)
				retire(st, old[i], v->epoch);
		version_publish(h, st, v);
	}
	free(old);
	free(new);
	free(idx);
	return rc;
}

/* Bring the newest version up to date with the cache (fw->mu held). */
static int update_locked(const cs_host *h, struct fw *fw, fw_snapstate *st)
{
	fw_cache *c = &fw->cache;
	int rc;
	if (!st->valid || !st->cur || st->nodeset != c->nodeset)
		rc = rebuild_locked(h, fw, st);
	else
		rc = replace_locked(h, fw, st);
	if (rc < 0)
		return -1;
	st->gen = c->gen;
	st->nodeset = c->nodeset;
	st->valid = true;
	return 0;
}

/* ---- one cycle's view ---- */

static const cs_sched_node **find_ptr(fw_snapshot *s, const char *name)
{
	cs_sched_node key = {.name = name};
	const cs_sched_node *kp = &key;
	return name && s->n ? bsearch(&kp, s->ptrs, s->n, sizeof(*s->ptrs), by_name) : NULL;
}

const cs_sched_node *fw_snapshot_node(fw_snapshot *s, const char *name)
{
	const cs_sched_node **p = find_ptr(s, name);
	return p ? *p : NULL;
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
	if (sk_grow(&s->nominated, s->nnominated, &s->nomcap, sizeof(*s->nominated), 8) < 0)
		return -1;
	s->nominated[s->nnominated++] = p;
	return 0;
}

/* The cycle's private copy of the node at ptrs[idx], made on first use
 * (and the cycle's own array of nodes with it). */
static struct fw_override * override(fw_snapshot *s, const cs_sched_node **at)
{
	size_t idx = (size_t)(at - s->ptrs);
	for (struct fw_override *o = s->over; o; o = o->next)
		if (o->idx == idx)
			return o;
	if (!s->own_ptrs) {
		if (!(s->own_ptrs = malloc((s->n ? s->n : 1) * sizeof(*s->own_ptrs))))
			return NULL;
		memcpy(s->own_ptrs, s->ptrs, s->n * sizeof(*s->own_ptrs));
		s->ptrs = s->own_ptrs;
	}
	struct fw_override *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->next = s->over;
	s->over = o;
	o->idx = idx;
	o->pub = **at;
	o->cap = o->pub.npods + 4;
	o->pods = calloc(o->cap, sizeof(*o->pods));
	if (!o->pods || fw_res_add(&o->req, &o->pub.requested) < 0)
		return NULL;
	if (o->pub.npods)
		memcpy(o->pods, o->pub.pods, o->pub.npods * sizeof(*o->pods));
	o->npods = o->pub.npods;
	o->aff = (const cs_sched_pod **)o->pub.pods_with_affinity;
	o->naff = o->pub.npods_with_affinity;
	o->anti = (const cs_sched_pod **)o->pub.pods_with_required_anti_affinity;
	o->nanti = o->pub.npods_with_required_anti_affinity;
	return o;
}

/* Append p to an override's pods_with_* list, copying the node's first. */
static int list_add(const cs_sched_pod ***v, size_t *n, bool *own, const cs_sched_pod *p)
{
	const cs_sched_pod **nv = malloc((*n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	if (*n)
		memcpy(nv, *v, *n * sizeof(*nv));
	nv[(*n)++] = p;
	if (*own)
		free(*v);
	*v = nv;
	*own = true;
	return 0;
}

static int apply_nominated(const cs_host *h, fw_snapshot *s, const cs_object *nom, const char *uid,
			   int32_t prio)
{
	const char *u = h->obj_str(nom, "metadata.uid");
	if (u && uid && !strcmp(u, uid))
		return 0; /* the cycle's own pod */
	const cs_sched_node **at = find_ptr(s, h->obj_str(nom, "status.nominatedNodeName"));
	if (!at)
		return 0;
	cs_sched_pod *p = fw_arena_alloc(&s->arena, sizeof(*p));
	if (!p || hold(h, s, nom) < 0 || fw_sched_pod(h, s, nom, p) < 0 || add_nominated(s, p) < 0)
		return -1;
	if (!reserves(h, nom, uid, prio))
		return 0;
	struct fw_override *o = override(s, at);
	if (!o || fw_res_add(&o->req, &p->requests) < 0)
		return -1;
	add_nonzero(&o->pub, &p->requests);
	if (o->npods == o->cap) {
		size_t cap = o->cap * 2;
		const cs_sched_pod **v = realloc(o->pods, cap * sizeof(*v));
		if (!v)
			return -1;
		o->pods = v;
		o->cap = cap;
	}
	o->pods[o->npods++] = p;
	unsigned f = fw_pod_affinity(h, nom);
	if (((f & FW_AFF_ANY) && list_add(&o->aff, &o->naff, &o->own_aff, p) < 0) ||
	    ((f & FW_AFF_REQ_ANTI) && list_add(&o->anti, &o->nanti, &o->own_anti, p) < 0))
		return -1;
	o->pub.generation += fnv(fnv(1469598103934665603ULL, p->uid),
				 h->obj_str(nom, "metadata.resourceVersion"));
	return 0;
}

struct nomlist {
	const cs_host *h;
	const cs_object **v;
	size_t n;
};

static void copy_nominated(void *arg, const char *key, void *val)
{
	(void)key;
	struct nomlist *l = arg;
	l->v[l->n++] = l->h->obj_keep(val);
}

/* The cycle's nodes with pods that carry inter-pod terms, when nominated
 * pods made its own nodes (else the version's). */
static int with_lists(fw_snapshot *s)
{
	const cs_sched_node **a, **r;
	size_t na, nr;
	if (list_scan(s->ptrs, s->n, false, &a, &na) < 0)
		return -1;
	if (list_scan(s->ptrs, s->n, true, &r, &nr) < 0) {
		free(a);
		return -1;
	}
	s->with_aff = na ? fw_arena_alloc(&s->arena, na * sizeof(*a)) : NULL;
	s->with_anti = nr ? fw_arena_alloc(&s->arena, nr * sizeof(*r)) : NULL;
	int rc = (na && !s->with_aff) || (nr && !s->with_anti) ? -1 : 0;
	if (!rc) {
		if (na)
			memcpy(s->with_aff, a, na * sizeof(*a));
		if (nr)
			memcpy(s->with_anti, r, nr * sizeof(*r));
		s->nwith_aff = na;
		s->nwith_anti = nr;
	}
	free(a);
	free(r);
	return rc;
}

static fw_snapshot *view(const cs_host *h, struct fw *fw, const cs_object *pod)
{
	const char *uid = h->obj_str(pod, "metadata.uid");
	int32_t prio = (int32_t)h->obj_int(pod, "spec.priority", 0);
	fw_snapstate *st = &fw->snap;
	fw_snapshot *s = calloc(1, sizeof(*s));
	struct nomlist nl = {.h = h};
	int rc = s ? 0 : -1;
	pthread_mutex_lock(&fw->mu);
	if (!rc)
		rc = update_locked(h, fw, st);
	size_t nn = fw->cache.nominated.len;
	if (!rc && nn && !(nl.v = calloc(nn, sizeof(*nl.v))))
		rc = -1;
	if (!rc && nn)
		fw_map_each(&fw->cache.nominated, copy_nominated, &nl);
	pthread_mutex_unlock(&fw->mu);
	if (s)
		s->st = st;
	if (!rc) {
		s->ver = st->cur;
		s->ver->refs++;
		s->n = s->ver->n;
		s->ptrs = s->ver->ptrs;
		s->with_aff = s->ver->with_aff;
		s->nwith_aff = s->ver->nwith_aff;
		s->with_anti = s->ver->with_anti;
		s->nwith_anti = s->ver->nwith_anti;
	}
	for (size_t i = 0; i < nl.n; i++) {
		if (!rc && apply_nominated(h, s, nl.v[i], uid, prio) < 0)
			rc = -1;
		h->obj_free(nl.v[i]);
	}
	free(nl.v);
	for (struct fw_override *o = s ? s->over : NULL; !rc && o; o = o->next) {
		o->pub.requested = o->req.pub;
		o->pub.requested.scalar_names = o->req.names;
		o->pub.requested.scalar_values = o->req.vals;
		o->pub.npods = o->npods;
		o->pub.pods = o->pods;
		o->pub.npods_with_affinity = o->naff;
		o->pub.pods_with_affinity = o->aff;
		o->pub.npods_with_required_anti_affinity = o->nanti;
		o->pub.pods_with_required_anti_affinity = o->anti;
		s->ptrs[o->idx] = &o->pub;
	}
	if (!rc && s->over)
		rc = with_lists(s);
	if (rc) {
		fw_snapshot_free(h, s);
		return NULL;
	}
	return s;
}

fw_snapshot *fw_snapshot_build(cs_mod *m, struct fw *fw, const cs_object *pod)
{
	fw_snapshot *s = view(m->host, fw, pod);
	if (!s)
		m->host->log(m, CS_LOG_ERROR,
			     "cannot build the scheduling snapshot: out of memory");
	return s;
}
