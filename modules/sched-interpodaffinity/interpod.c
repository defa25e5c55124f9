/* sched-interpodaffinity: the scheduler plugin "InterPodAffinity", as in
 * Kubernetes: spec.affinity.podAffinity and podAntiAffinity.
 *
 * A term {labelSelector, topologyKey, namespaces, namespaceSelector}
 * matches a pod of a namespace the term names (namespaces, or a namespace
 * whose labels namespaceSelector matches; neither: the namespace of the
 * pod that has the term; namespaceSelector {}: every namespace) whose
 * labels labelSelector matches.  The namespace labels come from a
 * namespaces informer of this module; each namespace also carries
 * kubernetes.io/metadata.name=<name>, as the API server sets it.
 *
 * filter, in Kubernetes' order:
 *   required podAffinity: for every term, the node's topologyKey domain
 *     holds a pod that matches all the terms -- unless no pod anywhere
 *     matches and the pod matches its own terms (the first of a group);
 *     "node(s) didn't match pod affinity rules", unresolvable;
 *   required podAntiAffinity: no term's domain holds a pod it matches;
 *     "node(s) didn't match pod anti-affinity rules";
 *   existing pods' required anti-affinity, symmetrically: no pod in a
 *     domain of the node has an anti-affinity term that matches this pod;
 *     "node(s) didn't satisfy existing pods anti-affinity rules".
 * pre_filter counts matches per (topologyKey, value) pair -- over every
 * pod when the pod has required terms, else over the pods the framework
 * lists as having required anti-affinity -- and filter is a few binary
 * searches per node.
 * add_pod / remove_pod (preemption's node views) count one pod in or out,
 * as Kubernetes' PreFilterExtensions do.
 *
 * score: preferred terms of the pod (+weight for affinity, -weight for
 *   anti-affinity) on the domains of the pods they match, the existing
 *   pods' preferred terms that match this pod likewise, and their required
 *   affinity terms with option hard-pod-affinity-weight; normalize maps the
 *   lowest sum to 0 and the highest to 100.
 *
 * Threads: every call comes from the framework's scheduling thread, one
 * pod at a time; per-cycle data lives in cs_sched_ctx.state. */
#include <capstan/scheduler.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "itab.h"
#include "k8ssel.h"
#include "topocount.h"

#define AFF  "spec.affinity.podAffinity."
#define ANTI "spec.affinity.podAntiAffinity."
#define REQ  "requiredDuringSchedulingIgnoredDuringExecution"
#define PREF "preferredDuringSchedulingIgnoredDuringExecution"

#define REASON_AFFINITY      "node(s) didn't match pod affinity rules"
#define REASON_ANTI          "node(s) didn't match pod anti-affinity rules"
#define REASON_EXISTING_ANTI "node(s) didn't satisfy existing pods anti-affinity rules"

struct term {
	const char *key, *own_ns;
	const cs_object *nss, *ns_sel;
	int64_t weight;
	ks_sel sel;   /* labelSelector, compiled */
	uint32_t sig; /* the term's number in the module's signatures */
	char *text;   /* its signature (an incoming pod's terms only) */
};

struct terms {
	struct term *v;
	size_t n;
};

/* An existing pod's terms, read once per pod object (Kubernetes keeps them
 * parsed in its PodInfo): the symmetric checks and scores read them in
 * every cycle. */
struct cached_terms {
	const cs_object *pod; /* a reference: the key, and what terms borrow */
	struct terms req_anti, req_aff, pref_aff, pref_anti;
	uint64_t used; /* the last cycle that read them */
};

/* A term signature: what a term matches and where (namespaces, selector,
 * topologyKey).  Existing pods' terms are counted under their signature's
 * number; a cycle asks once per signature whether it matches the pod. */
struct sigent {
	char *text;
	const cs_object *held; /* the pod object t borrows from */
	const cs_object *term; /* the term object in it */
	struct term t;
};

/* Kept counts of an incoming pod's list of terms (by the list's
 * signature), across cycles. */
struct listtc {
	char *text;
	sk_tc *tc;
	uint64_t used;
};

#define MAX_LISTS 32
#define MAX_SIGS  4096

#define ZERO_SIGS 8

struct ipa {
	cs_informer *namespaces; /* NULL: namespaceSelector sees only the name label */
	int64_t hard_weight;
	/* Scheduling thread: open addressing on the object's address. */
	struct cached_terms *tc;
	size_t tc_cap, tc_len;
	/* Scheduling thread: the signatures (open addressing on the text,
	 * index + 1), and the existing pods' required anti-affinity and
	 * scoring terms counted per signature, kept across cycles. */
	struct sigent *sigs;
	size_t nsigs, sigcap;
	sk_itab stab; /* sigs by their text */
	sk_tc *existing, *existing_score;
	/* The signatures every node of `existing` adds 0 to when it has
	 * their key (existing_anti_fn): those in use when it was counted. */
	uint32_t zero[ZERO_SIGS];
	size_t nzero;
	struct listtc lists[MAX_LISTS];
	size_t nlists;
};

/* Counts (or score sums) per topology pair. */
struct pair {
	const char *key, *value;
	int64_t n;
};

struct pairs {
	struct pair *v;
	size_t n, cap;
};

struct nslabels {
	char *ns;
	cs_object *labels;
};

struct ipa_state {
	struct terms aff, anti, paff, panti;
	struct pairs affc, antic, existing, score;
	bool scored; /* score pairs computed */
	struct nslabels *nsl;
	size_t nnsl, nslcap;
	/* Kept counts in use this cycle instead of the pairs (NULL: the
	 * pairs).  aff_tc/anti_tc: sig i is term i of aff/anti; pref_tc: of
	 * paff then panti. */
	sk_tc *aff_tc, *anti_tc, *existing_tc, *pref_tc, *score_tc;
	/* sk_tc_node_get's cursors, one per counter above */
	size_t aff_hint, anti_hint, existing_hint, pref_hint, score_hint;
	bool aff_any;      /* aff_tc counts a pod somewhere */
	uint32_t *ex_sigs; /* existing signatures that match the pod */
	size_t nex_sigs;
	uint32_t *score_sigs; /* existing scoring signatures that match it */
	size_t nscore_sigs;
};

static const cs_option ipa_options[] = {
	{"hard-pod-affinity-weight", CS_OPT_INT, "1",
	 "score weight of existing pods' required affinity terms that match the pod (0..100)"},
	{NULL, CS_OPT_END, NULL, NULL},
};

/* ---- terms ---- */

static void terms_free(struct terms *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		ks_sel_free(&ts->v[i].sel);
		free(ts->v[i].text);
	}
	free(ts->v);
	ts->v = NULL;
	ts->n = 0;
}

/* ---- signatures ---- */

static uint64_t text_hash(const char *s)
{
	uint64_t x = 1469598103934665603ULL;
	for (; *s; s++)
		x = (x ^ (unsigned char)*s) * 1099511628211ULL;
	return x;
}

/* What term t (object o) matches, as text: the namespaces it looks in,
 * its selector and its key.  NULL when out of memory. */
static char *term_text(const cs_host *h, const cs_object *o, const struct term *t)
{
	char *sel = h->obj_json(h->obj_get(o, "labelSelector"), NULL);
	char *nss = h->obj_len(t->nss) ? h->obj_json(t->nss, NULL) : NULL;
	char *nsel = t->ns_sel ? h->obj_json(t->ns_sel, NULL) : NULL;
	char *out = NULL;
	if (!h->obj_len(t->nss) && !t->ns_sel) {
		if (asprintf(&out, "own\x1f%s\x1f%s\x1f%s", t->own_ns, sel ? sel : "null", t->key) <
		    0)
			out = NULL;
	} else if (asprintf(&out, "nss\x1f%s\x1f%s\x1f%s\x1f%s", nss ? nss : "[]",
			    nsel ? nsel : "null", sel ? sel : "null", t->key) < 0) {
		out = NULL;
	}
	h->free(sel);
	h->free(nss);
	h->free(nsel);
	return out;
}

static void sigs_clear(const cs_host *h, struct ipa *ipa)
{
	for (size_t i = 0; i < ipa->nsigs; i++) {
		free(ipa->sigs[i].text);
		ks_sel_free(&ipa->sigs[i].t.sel);
		h->obj_free(ipa->sigs[i].held);
	}
	free(ipa->sigs);
	sk_itab_free(&ipa->stab);
	ipa->sigs = NULL;
	ipa->nsigs = ipa->sigcap = 0;
	sk_tc_free(ipa->existing);
	sk_tc_free(ipa->existing_score);
	ipa->existing = ipa->existing_score = NULL;
	ipa->nzero = 0;
}

static uint64_t sig_hash_at(const void *arg, size_t i)
{
	return text_hash(((const struct ipa *)arg)->sigs[i].text);
}

/* The number of signature text (term t, object o, of pod), made when new;
 * -1 when out of memory or when the table is full (until the next
 * cycle starts it over). */
static long sig_intern(const cs_host *h, struct ipa *ipa, const cs_object *pod, const cs_object *o,
		       const struct term *t, const char *text)
{
	uint64_t hv = text_hash(text);
	for (size_t k = sk_itab_first(&ipa->stab, hv); sk_itab_at(&ipa->stab, k);
	     k = sk_itab_next(&ipa->stab, k))
		if (!strcmp(ipa->sigs[sk_itab_at(&ipa->stab, k) - 1].text, text))
			return (long)sk_itab_at(&ipa->stab, k) - 1;
	if (ipa->nsigs >= MAX_SIGS)
		return -1;
	if (sk_itab_full(&ipa->stab, ipa->nsigs) &&
	    sk_itab_grow(&ipa->stab, ipa->nsigs, sig_hash_at, ipa) < 0)
		return -1;
	if (sk_grow(&ipa->sigs, ipa->nsigs, &ipa->sigcap, sizeof(*ipa->sigs), 16) < 0)
		return -1;
	struct sigent *e = &ipa->sigs[ipa->nsigs];
	*e = (struct sigent){.text = strdup(text), .term = o, .t = *t};
	e->t.text = NULL;
	memset(&e->t.sel, 0, sizeof(e->t.sel));
	if (!e->text || ks_sel_compile(h, h->obj_get(o, "labelSelector"), &e->t.sel) < 0) {
		free(e->text);
		return -1;
	}
	e->held = h->obj_keep(pod);
	sk_itab_put(&ipa->stab, hv, (uint32_t)ipa->nsigs);
	return (long)ipa->nsigs++;
}

#define NO_SIG UINT32_MAX

/* The terms at path of pod.  With ipa, each gets its signature's number
 * (NO_SIG when it has none: the kept counts then do not apply), else its
 * signature's text. */
static int read_terms(const cs_host *h, struct ipa *ipa, const cs_object *pod, const char *path,
		      bool weighted, struct terms *out)
{
	const cs_object *list = h->obj_get(pod, path);
	size_t n = h->obj_len(list);
	out->n = 0;
	out->v = NULL;
	if (!n)
		return 0;
	if (!(out->v = calloc(n, sizeof(*out->v))))
		return -1;
	const char *ns = h->obj_str(pod, "metadata.namespace");
	for (size_t i = 0; i < n; i++) {
		const cs_object *t = h->obj_at(list, i);
		int64_t w = 0;
		if (weighted) {
			w = h->obj_int(t, "weight", 0);
			t = h->obj_get(t, "podAffinityTerm");
		}
		const char *key = h->obj_str(t, "topologyKey");
		/* Validation requires a key (and a weight of 1..100). */
		if (!key || !*key || (weighted && w <= 0))
			continue;
		/* A null namespaceSelector is an absent one. */
		const cs_object *ns_sel = h->obj_get(t, "namespaceSelector");
		if (ns_sel && h->obj_type(ns_sel) != CS_OBJ_MAP)
			ns_sel = NULL;
		struct term *x = &out->v[out->n++];
		*x = (struct term){.key = key,
				   .own_ns = ns ? ns : "default",
				   .nss = h->obj_get(t, "namespaces"),
				   .ns_sel = ns_sel,
				   .weight = w,
				   .sig = NO_SIG};
		char *text = term_text(h, t, x);
		if (!text || ks_sel_compile(h, h->obj_get(t, "labelSelector"), &x->sel) < 0) {
			free(text);
			terms_free(out);
			return -1;
		}
		if (ipa) {
			long sig = sig_intern(h, ipa, pod, t, x, text);
			x->sig = sig < 0 ? NO_SIG : (uint32_t)sig;
			free(text);
		} else {
			x->text = text;
		}
	}
	return 0;
}

static void nsl_free(const cs_host *h, struct ipa_state *st)
{
	for (size_t i = 0; i < st->nnsl; i++) {
		free(st->nsl[i].ns);
		h->obj_free(st->nsl[i].labels);
	}
	free(st->nsl);
}

static void state_free(const cs_host *h, struct ipa_state *st)
{
	if (!st)
		return;
	terms_free(&st->aff);
	terms_free(&st->anti);
	terms_free(&st->paff);
	terms_free(&st->panti);
	free(st->affc.v);
	free(st->antic.v);
	free(st->existing.v);
	free(st->score.v);
	free(st->ex_sigs);
	free(st->score_sigs);
	nsl_free(h, st);
	free(st);
}

/* The labels of namespace ns (with kubernetes.io/metadata.name), kept for
 * the cycle; NULL when out of memory. */
static const cs_object *ns_labels(cs_mod *m, struct ipa_state *st, const char *ns)
{
	const cs_host *h = m->host;
	const struct ipa *ipa = h->data(m);
	for (size_t i = 0; i < st->nnsl; i++)
		if (!strcmp(st->nsl[i].ns, ns))
			return st->nsl[i].labels;
	if (sk_grow(&st->nsl, st->nnsl, &st->nslcap, sizeof(*st->nsl), 8) < 0)
		return NULL;
	const cs_object *obj = ipa->namespaces ? h->cache_get(ipa->namespaces, NULL, ns) : NULL;
	const cs_object *have = obj ? h->obj_get(obj, "metadata.labels") : NULL;
	cs_object *labels = have ? h->obj_clone(have) : h->obj_new(CS_OBJ_MAP);
	h->obj_free(obj);
	char *name = strdup(ns);
	if (!labels || !name || h->obj_set_str(labels, "kubernetes\\.io/metadata\\.name", ns)) {
		h->obj_free(labels);
		free(name);
		return NULL;
	}
	st->nsl[st->nnsl++] = (struct nslabels){name, labels};
	return labels;
}

static bool listed(const cs_host *h, const cs_object *list, const char *s)
{
	for (size_t i = 0; i < h->obj_len(list); i++) {
		const char *v = h->obj_str(h->obj_at(list, i), NULL);
		if (v && !strcmp(v, s))
			return true;
	}
	return false;
}

/* Kubernetes' AffinityTerm.Matches. *oom is set when namespace labels
 * could not be kept. */
static bool term_matches(cs_mod *m, struct ipa_state *st, const struct term *t,
			 const cs_sched_pod *p, bool *oom)
{
	const cs_host *h = m->host;
	const char *ns = p->ns ? p->ns : "default";
	if (!h->obj_len(t->nss) && !t->ns_sel) {
		if (strcmp(ns, t->own_ns))
			return false;
	} else if (!listed(h, t->nss, ns)) {
		if (!t->ns_sel)
			return false;
		const cs_object *labels = ns_labels(m, st, ns);
		if (!labels) {
			*oom = true;
			return false;
		}
		if (!ks_selector_matches(h, t->ns_sel, labels))
			return false;
	}
	return ks_sel_matches_pod(h, &t->sel, p);
}

/* ---- topology pairs ---- */

static int pair_add(struct pairs *ps, const char *key, const char *value, int64_t n)
{
	if (sk_grow(&ps->v, ps->n, &ps->cap, sizeof(*ps->v), 16) < 0)
		return -1;
	ps->v[ps->n++] = (struct pair){key, value, n};
	return 0;
}

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->value, y->value);
}

/* Sort, sum the duplicates. */
static void pairs_merge(struct pairs *ps)
{
	if (!ps->n)
		return;
	qsort(ps->v, ps->n, sizeof(*ps->v), pair_cmp);
	size_t k = 0;
	for (size_t i = 1; i < ps->n; i++) {
		if (!pair_cmp(&ps->v[i], &ps->v[k]))
			ps->v[k].n += ps->v[i].n;
		else
			ps->v[++k] = ps->v[i];
	}
	ps->n = k + 1;
}

/* Some pair counts a pod (entries a removed pod left at 0 count none). */
static bool pairs_any(const struct pairs *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].n > 0)
			return true;
	return false;
}

static int64_t pair_get(const struct pairs *ps, const char *key, const char *value)
{
	struct pair k = {key, value, 0};
	const struct pair *p = ps->n ? bsearch(&k, ps->v, ps->n, sizeof(k), pair_cmp) : NULL;
	return p ? p->n : 0;
}

/* Add n to (term's key, the node's value) when the node has the key. */
static int add_on_node(const cs_host *h, struct pairs *ps, const char *key,
		       const cs_sched_node *node, int64_t n)
{
	const char *v = ks_node_label(h, node, key);
	return v ? pair_add(ps, key, v, n) : 0;
}

/* ---- pre_filter: the counts ---- */

static size_t tc_slot(const struct ipa *ipa, const cs_object *pod)
{
	uintptr_t x = (uintptr_t)pod;
	x ^= x >> 17;
	x *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(x >> 7) & (ipa->tc_cap - 1);
}

static void cached_free(const cs_host *h, struct cached_terms *e)
{
	terms_free(&e->req_anti);
	terms_free(&e->req_aff);
	terms_free(&e->pref_aff);
	terms_free(&e->pref_anti);
	h->obj_free(e->pod);
	e->pod = NULL;
}

static void tc_clear(const cs_host *h, struct ipa *ipa)
{
	for (size_t i = 0; i < ipa->tc_cap; i++)
		if (ipa->tc[i].pod)
			cached_free(h, &ipa->tc[i]);
	free(ipa->tc);
	ipa->tc = NULL;
	ipa->tc_cap = ipa->tc_len = 0;
}

/* Keep the entries read in the last few cycles, in a table twice their
 * number (pods that left the cluster drop out). */
static int tc_rehash(const cs_host *h, struct ipa *ipa, uint64_t cycle)
{
	size_t keep = 0;
	for (size_t i = 0; i < ipa->tc_cap; i++)
		keep += ipa->tc[i].pod && ipa->tc[i].used + 4 >= cycle;
	size_t cap = 64;
	while (cap < keep * 4)
		cap *= 2;
	struct cached_terms *old = ipa->tc, *v = calloc(cap, sizeof(*v));
	size_t oldcap = ipa->tc_cap;
	if (!v)
		return -1;
	ipa->tc = v;
	ipa->tc_cap = cap;
	ipa->tc_len = 0;
	for (size_t i = 0; i < oldcap; i++) {
		struct cached_terms *e = &old[i];
		if (!e->pod)
			continue;
		if (e->used + 4 < cycle) {
			cached_free(h, e);
			continue;
		}
		size_t k = tc_slot(ipa, e->pod);
		while (v[k].pod)
			k = (k + 1) & (cap - 1);
		v[k] = *e;
		ipa->tc_len++;
	}
	free(old);
	return 0;
}

/* p's terms, or NULL (out of memory). */
static const struct cached_terms *pod_terms(cs_mod *m, const cs_sched_ctx *c, const cs_sched_pod *p)
{
	const cs_host *h = m->host;
	struct ipa *ipa = h->data(m);
	if ((ipa->tc_len + 1) * 2 > ipa->tc_cap && tc_rehash(h, ipa, c->cycle) < 0)
		return NULL;
	size_t k = tc_slot(ipa, p->pod);
	while (ipa->tc[k].pod && ipa->tc[k].pod != p->pod)
		k = (k + 1) & (ipa->tc_cap - 1);
	struct cached_terms *e = &ipa->tc[k];
	if (!e->pod) {
		e->pod = h->obj_keep(p->pod);
		if (read_terms(h, ipa, p->pod, ANTI REQ, false, &e->req_anti) < 0 ||
		    read_terms(h, ipa, p->pod, AFF REQ, false, &e->req_aff) < 0 ||
		    read_terms(h, ipa, p->pod, AFF PREF, true, &e->pref_aff) < 0 ||
		    read_terms(h, ipa, p->pod, ANTI PREF, true, &e->pref_anti) < 0) {
			cached_free(h, e);
			return NULL;
		}
		ipa->tc_len++;
	}
	e->used = c->cycle;
	return e;
}

static int count_existing_anti(cs_mod *m, const cs_sched_ctx *c, struct ipa_state *st,
			       const cs_sched_pod *pod, const cs_sched_pod *p,
			       const cs_sched_node *node, int64_t mult, bool *oom)
{
	const cs_host *h = m->host;
	const struct cached_terms *e = pod_terms(m, c, p);
	if (!e)
		return -1;
	const struct terms *t = &e->req_anti;
	int rc = 0;
	for (size_t i = 0; i < t->n && !rc; i++)
		if (term_matches(m, st, &t->v[i], pod, oom))
			rc = add_on_node(h, &st->existing, t->v[i].key, node, mult);
	return rc;
}

/* Count pod p (on node) mult times into the filter counts: the incoming
 * pod's terms (incoming), the existing pods' anti-affinity (existing).
 * Unmerged: the caller merges. */
static int count_pod(cs_mod *m, const cs_sched_ctx *c, struct ipa_state *st,
		     const cs_sched_pod *pod, const cs_sched_pod *p, const cs_sched_node *node,
		     int64_t mult, bool incoming, bool existing, bool *oom)
{
	const cs_host *h = m->host;
	if (!ks_pod_live(h, p))
		return 0;
	if (existing && count_existing_anti(m, c, st, pod, p, node, mult, oom) < 0)
		return -1;
	if (!incoming)
		return *oom ? -1 : 0;
	bool all = st->aff.n > 0;
	for (size_t i = 0; i < st->aff.n && all; i++)
		all = term_matches(m, st, &st->aff.v[i], p, oom);
	for (size_t i = 0; all && i < st->aff.n; i++)
		if (add_on_node(h, &st->affc, st->aff.v[i].key, node, mult) < 0)
			return -1;
	for (size_t i = 0; i < st->anti.n; i++)
		if (term_matches(m, st, &st->anti.v[i], p, oom) &&
		    add_on_node(h, &st->antic, st->anti.v[i].key, node, mult) < 0)
			return -1;
	return *oom ? -1 : 0;
}

/* The framework lists the nodes with pods that carry terms (ABI 1.1):
 * without them every pod of every node is looked at. */
static bool listed_nodes(const cs_sched_ctx *c)
{
	return CS_HAS_FIELD(cs_sched_ctx, c, nodes_with_required_anti_affinity) &&
	       (!c->nnodes ||
		CS_HAS_FIELD(cs_sched_node, c->nodes[0], pods_with_required_anti_affinity));
}

/* The incoming pod's own required terms (all pods of all nodes), and the
 * existing pods' required anti-affinity (only the pods that have it, as
 * Kubernetes' getExistingAntiAffinityCounts), each when asked for. */
static int count(cs_mod *m, cs_sched_ctx *c, struct ipa_state *st, const cs_sched_pod *pod,
		 bool incoming, bool existing)
{
	const cs_host *h = m->host;
	bool oom = false, lists = listed_nodes(c);
	incoming = incoming && (st->aff.n || st->anti.n);
	bool walk_existing = existing && !lists;
	if (incoming || walk_existing) {
		for (size_t j = 0; j < c->nnodes; j++) {
			const cs_sched_node *node = c->nodes[j];
			for (size_t k = 0; k < node->npods; k++)
				if (count_pod(m, c, st, pod, node->pods[k], node, 1, incoming,
					      walk_existing, &oom) < 0)
					return -1;
		}
	}
	for (size_t j = 0; existing && lists && j < c->nnodes_with_required_anti_affinity; j++) {
		const cs_sched_node *node = c->nodes_with_required_anti_affinity[j];
		for (size_t k = 0; k < node->npods_with_required_anti_affinity; k++) {
			const cs_sched_pod *p = node->pods_with_required_anti_affinity[k];
			if (ks_pod_live(h, p) &&
			    count_existing_anti(m, c, st, pod, p, node, 1, &oom) < 0)
				return -1;
		}
	}
	pairs_merge(&st->affc);
	pairs_merge(&st->antic);
	pairs_merge(&st->existing);
	return 0;
}

/* ---- kept counts ----
 *
 * Counting over every pod in every cycle is what Kubernetes does, and
 * what makes this plugin slow on large clusters.  Counts that depend on
 * nothing but the nodes and their pods are kept across cycles instead
 * (schedkit's topocount, brought up to date from the nodes whose
 * generation changed):
 *   - the existing pods' required anti-affinity terms and scoring terms,
 *     per term signature; a cycle asks each signature once whether it
 *     matches the pod;
 *   - the pods that an incoming pod's list of terms matches, per list
 *     signature (other pods with the same terms reuse them), unless a term
 *     has a namespaceSelector (namespace labels change without the nodes).
 * Where they do not apply (a framework without node generations or the
 * lists of pods with terms, preemption's views) the pairs are counted per
 * cycle as above. */

struct fn_arg {
	cs_mod *m;
	const uint32_t *zero; /* existing_anti_fn: signatures a node adds 0 to */
	size_t nzero;
	const cs_sched_ctx *c;
	struct ipa_state *st;
	const struct terms *a, *b; /* an incoming pod's terms: a, then b */
	int64_t mult_b;            /* b's sign (preferred anti-affinity: -1) */
	bool weighted;
	bool oom;
};

static const struct term *arg_term(const struct fn_arg *a, size_t i, int64_t *mult)
{
	*mult = i < a->a->n ? 1 : a->mult_b;
	return i < a->a->n ? &a->a->v[i] : &a->b->v[i - a->a->n];
}

static size_t arg_nterms(const struct fn_arg *a)
{
	return a->a->n + (a->b ? a->b->n : 0);
}

/* Existing pods' terms of a node, under their signatures, mult * weight
 * (weight_override when not 0) each. */
static int emit_terms(const cs_host *h, sk_tc_emit *e, const struct terms *ts,
		      const cs_sched_node *node, int64_t mult, int64_t weight_override)
{
	for (size_t i = 0; i < ts->n; i++) {
		const struct term *t = &ts->v[i];
		if (t->sig == NO_SIG)
			return -1;
		const char *v = ks_node_label(h, node, t->key);
		int64_t w = weight_override ? weight_override : t->weight;
		if (v && sk_tc_add(e, t->sig, v, mult * (w ? w : 1)) < 0)
			return -1;
	}
	return 0;
}

static int existing_anti_fn(void *arg, const cs_sched_node *node, sk_tc_emit *e)
{
	struct fn_arg *a = arg;
	const cs_host *h = a->m->host;
	const struct ipa *ipa = h->data(a->m);
	for (size_t k = 0; k < node->npods_with_required_anti_affinity; k++) {
		const cs_sched_pod *p = node->pods_with_required_anti_affinity[k];
		if (!ks_pod_live(h, p))
			continue;
		const struct cached_terms *ct = pod_terms(a->m, a->c, p);
		if (!ct || emit_terms(h, e, &ct->req_anti, node, 1, 0) < 0)
			return -1;
	}
	/* A node with the key of a signature in use adds 0 to it at least,
	 * so that the filter finds the node's domain by generation rather
	 * than looking its label up by value (most nodes hold none of these
	 * pods). */
	for (size_t i = 0; i < a->nzero; i++) {
		const char *v = ks_node_label(h, node, ipa->sigs[a->zero[i]].t.key);
		if (v && sk_tc_add(e, a->zero[i], v, 0) < 0)
			return -1;
	}
	return 0;
}

struct zero_set {
	uint32_t v[ZERO_SIGS];
	size_t n;
};

static int zero_collect(void *arg, uint32_t sig)
{
	struct zero_set *z = arg;
	if (z->n == ZERO_SIGS)
		return 1;
	z->v[z->n++] = sig;
	return 0;
}

/* After the existing pods' counter synced: whether the signatures in use
 * (a few at most; else none) differ from those its nodes added 0 to, which
 * they become -- a new anti-affinity term in the cluster, or the last pod
 * of one gone; then the caller counts every node again. */
static bool zero_changed(struct ipa *ipa)
{
	struct zero_set z = {.n = 0};
	if (sk_tc_each_sig(ipa->existing, zero_collect, &z))
		z.n = 0; /* many: each would be an entry in every node's slot */
	if (z.n == ipa->nzero && !memcmp(z.v, ipa->zero, z.n * sizeof(*z.v)))
		return false;
	memcpy(ipa->zero, z.v, z.n * sizeof(*z.v));
	ipa->nzero = z.n;
	return true;
}

static int existing_score_fn(void *arg, const cs_sched_node *node, sk_tc_emit *e)
{
	struct fn_arg *a = arg;
	const cs_host *h = a->m->host;
	const struct ipa *ipa = h->data(a->m);
	for (size_t k = 0; k < node->npods_with_affinity; k++) {
		const cs_sched_pod *p = node->pods_with_affinity[k];
		if (!ks_pod_live(h, p))
			continue;
		const struct cached_terms *ct = pod_terms(a->m, a->c, p);
		if (!ct ||
		    (ipa->hard_weight > 0 &&
		     emit_terms(h, e, &ct->req_aff, node, 1, ipa->hard_weight) < 0) ||
		    emit_terms(h, e, &ct->pref_aff, node, 1, 0) < 0 ||
		    emit_terms(h, e, &ct->pref_anti, node, -1, 0) < 0)
			return -1;
	}
	return 0;
}

/* Required affinity: the node's pods that match every term, in each
 * term's domain (term i: sig i); a node with a term's key adds 0 at least,
 * so that the counter knows it has the key. */
static int incoming_all_fn(void *arg, const cs_sched_node *node, sk_tc_emit *e)
{
	struct fn_arg *a = arg;
	const cs_host *h = a->m->host;
	int64_t n = 0;
	for (size_t k = 0; k < node->npods; k++) {
		const cs_sched_pod *p = node->pods[k];
		if (!ks_pod_live(h, p))
			continue;
		bool all = true;
		for (size_t i = 0; all && i < a->a->n; i++)
			all = term_matches(a->m, a->st, &a->a->v[i], p, &a->oom);
		n += all;
	}
	for (size_t i = 0; !a->oom && i < a->a->n; i++) {
		const char *v = ks_node_label(h, node, a->a->v[i].key);
		if (v && sk_tc_add(e, (uint32_t)i, v, n) < 0)
			return -1;
	}
	return a->oom ? -1 : 0;
}

/* Required anti-affinity or preferred terms: the node's pods that each
 * term matches (times its weight and sign), in the term's domain. */
static int incoming_each_fn(void *arg, const cs_sched_node *node, sk_tc_emit *e)
{
	struct fn_arg *a = arg;
	const cs_host *h = a->m->host;
	for (size_t i = 0; i < arg_nterms(a); i++) {
		int64_t mult;
		const struct term *t = arg_term(a, i, &mult);
		const char *v = ks_node_label(h, node, t->key);
		if (!v)
			continue;
		int64_t n = 0;
		for (size_t k = 0; k < node->npods; k++)
			n += ks_pod_live(h, node->pods[k]) &&
			     term_matches(a->m, a->st, t, node->pods[k], &a->oom);
		if (a->oom ||
		    sk_tc_add(e, (uint32_t)i, v, n * mult * (a->weighted ? t->weight : 1)) < 0)
			return -1;
	}
	return 0;
}

static void lists_clear(struct ipa *ipa)
{
	for (size_t i = 0; i < ipa->nlists; i++) {
		free(ipa->lists[i].text);
		sk_tc_free(ipa->lists[i].tc);
	}
	ipa->nlists = 0;
}

/* The kept counter of an incoming pod's terms a (then b) of a kind, made
 * (or recycled: the least recently used) when new; NULL when a term has a
 * namespaceSelector, or out of memory. */
static sk_tc *list_tc(struct ipa *ipa, uint64_t cycle, const char *kind, const struct terms *a,
		      const struct terms *b)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct terms *ts = pass ? b : a;
		for (size_t i = 0; ts && i < ts->n; i++)
			if (ts->v[i].ns_sel)
				return NULL;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	fputs(kind, f);
	for (int pass = 0; pass < 2; pass++) {
		const struct terms *ts = pass ? b : a;
		for (size_t i = 0; ts && i < ts->n; i++)
			fprintf(f, "\x1e%lld\x1e%s", (long long)ts->v[i].weight, ts->v[i].text);
		fputs("\x1d", f);
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	struct listtc *lru = NULL;
	for (size_t i = 0; i < ipa->nlists; i++) {
		if (!strcmp(ipa->lists[i].text, text)) {
			free(text);
			ipa->lists[i].used = cycle;
			return ipa->lists[i].tc;
		}
		if (!lru || ipa->lists[i].used < lru->used)
			lru = &ipa->lists[i];
	}
	struct listtc *l = ipa->nlists < MAX_LISTS ? &ipa->lists[ipa->nlists] : lru;
	sk_tc *tc = l->used == cycle && l == lru ? NULL : sk_tc_new();
	if (!tc) {
		free(text);
		return NULL;
	}
	if (l == &ipa->lists[ipa->nlists])
		ipa->nlists++;
	else {
		free(l->text);
		sk_tc_free(l->tc);
	}
	*l = (struct listtc){text, tc, cycle};
	return tc;
}

/* The incoming pod's required terms from kept counts; false: count them. */
static bool kept_incoming(cs_mod *m, cs_sched_ctx *c, struct ipa_state *st)
{
	struct ipa *ipa = m->host->data(m);
	struct fn_arg aff = {.m = m, .c = c, .st = st, .a = &st->aff};
	struct fn_arg anti = {.m = m, .c = c, .st = st, .a = &st->anti};
	sk_tc *ta = NULL, *tn = NULL;
	if (st->aff.n && (!(ta = list_tc(ipa, c->cycle, "aff", &st->aff, NULL)) ||
			  sk_tc_sync(ta, c->nodes, c->nnodes, incoming_all_fn, &aff) < 0))
		return false;
	if (st->anti.n && (!(tn = list_tc(ipa, c->cycle, "anti", &st->anti, NULL)) ||
			   sk_tc_sync(tn, c->nodes, c->nnodes, incoming_each_fn, &anti) < 0))
		return false;
	st->aff_tc = ta;
	st->anti_tc = tn;
	for (size_t i = 0; ta && i < st->aff.n; i++)
		st->aff_any = st->aff_any || sk_tc_any(ta, (uint32_t)i);
	return true;
}

struct sig_match {
	cs_mod *m;
	struct ipa_state *st;
	const cs_sched_pod *pod;
	uint32_t *v;
	size_t n;
	bool oom;
};

static int collect_match(void *arg, uint32_t sig)
{
	struct sig_match *sm = arg;
	const struct ipa *ipa = sm->m->host->data(sm->m);
	if (sig >= ipa->nsigs || !term_matches(sm->m, sm->st, &ipa->sigs[sig].t, sm->pod, &sm->oom))
		return sm->oom ? -1 : 0;
	uint32_t *v = realloc(sm->v, (sm->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	sm->v = v;
	sm->v[sm->n++] = sig;
	return 0;
}

/* The signatures of kept counter t that match pod, or -1. */
static int matching_sigs(cs_mod *m, struct ipa_state *st, const cs_sched_pod *pod, const sk_tc *t,
			 uint32_t **out, size_t *n)
{
	struct sig_match sm = {.m = m, .st = st, .pod = pod};
	if (sk_tc_each_sig(t, collect_match, &sm) < 0) {
		free(sm.v);
		return -1;
	}
	*out = sm.v;
	*n = sm.n;
	return 0;
}

/* Brings the module's counter *tp (made when needed) up to date; NULL
 * when it cannot be used this cycle, or when walking the listed nodes
 * (nlisted of them) costs less than looking at every node's generation:
 * few nodes have pods with terms. */
static sk_tc *kept_existing_tc(cs_mod *m, cs_sched_ctx *c, sk_tc **tp, sk_tc_node_fn fn,
			       size_t nlisted)
{
	struct ipa *ipa = m->host->data(m);
	bool zeros = tp == &ipa->existing;
	struct fn_arg a = {.m = m, .c = c, .zero = ipa->zero, .nzero = zeros ? ipa->nzero : 0};
	if (!listed_nodes(c) || nlisted * 16 < c->nnodes || (!*tp && !(*tp = sk_tc_new())) ||
	    sk_tc_sync(*tp, c->nodes, c->nnodes, fn, &a) < 0)
		return NULL;
	if (zeros && zero_changed(ipa)) {
		sk_tc_free(*tp);
		a.nzero = ipa->nzero;
		if (!(*tp = sk_tc_new()) || sk_tc_sync(*tp, c->nodes, c->nnodes, fn, &a) < 0)
			return NULL;
	}
	return *tp;
}

/* The existing pods' required anti-affinity from kept counts; false:
 * count it. */
static bool kept_existing(cs_mod *m, cs_sched_ctx *c, struct ipa_state *st, const cs_sched_pod *pod)
{
	struct ipa *ipa = m->host->data(m);
	sk_tc *t = kept_existing_tc(m, c, &ipa->existing, existing_anti_fn,
				    listed_nodes(c) ? c->nnodes_with_required_anti_affinity : 0);
	if (!t || matching_sigs(m, st, pod, t, &st->ex_sigs, &st->nex_sigs) < 0)
		return false;
	st->existing_tc = t;
	return true;
}

/* A term's count in the domain of node: from the counter by the node's
 * generation, else by its value.  false: the node has no such key. */
static bool kept_count(const cs_host *h, const sk_tc *t, size_t *hint, uint32_t sig,
		       const char *key, const cs_sched_node *node, bool by_gen_only, int64_t *n)
{
	int known = sk_tc_node_get(t, node, sig, n, hint);
	if (known > 0)
		return true;
	if (!known && by_gen_only)
		return false; /* counted, and no key (it adds 0 where it has one) */
	const char *v = ks_node_label(h, node, key);
	*n = v ? sk_tc_get(t, sig, v, NULL) : 0;
	return v != NULL;
}

/* Kubernetes' updateWithPod: `other` joins (mult 1) or leaves (-1) node.
 * The kept counts serve later cycles too: this cycle's views get counts
 * of their own first. */
static int update_with_pod(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			   const cs_sched_pod *other, const cs_sched_node *node, int64_t mult)
{
	struct ipa_state *st = c->state;
	bool oom = false;
	if (!st)
		return CS_SCHED_ERROR;
	bool in = st->aff_tc || st->anti_tc, ex = st->existing_tc != NULL;
	if (in || ex) {
		st->aff_tc = st->anti_tc = st->existing_tc = NULL;
		st->aff_any = false;
		if (count(m, c, st, pod, in, ex) < 0)
			return CS_SCHED_ERROR;
	}
	if (count_pod(m, c, st, pod, other, node, mult, true, true, &oom) < 0)
		return CS_SCHED_ERROR;
	pairs_merge(&st->affc);
	pairs_merge(&st->antic);
	pairs_merge(&st->existing);
	return CS_SCHED_OK;
}

static int ipa_add_pod(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
		       const cs_sched_pod *other, const cs_sched_node *node)
{
	return update_with_pod(m, c, pod, other, node, 1);
}

static int ipa_remove_pod(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			  const cs_sched_pod *other, const cs_sched_node *node)
{
	return update_with_pod(m, c, pod, other, node, -1);
}

static struct ipa_state *state_new(const cs_host *h, const cs_sched_pod *pod)
{
	struct ipa_state *st = calloc(1, sizeof(*st));
	if (!st || read_terms(h, NULL, pod->pod, AFF REQ, false, &st->aff) < 0 ||
	    read_terms(h, NULL, pod->pod, ANTI REQ, false, &st->anti) < 0 ||
	    read_terms(h, NULL, pod->pod, AFF PREF, true, &st->paff) < 0 ||
	    read_terms(h, NULL, pod->pod, ANTI PREF, true, &st->panti) < 0) {
		state_free(h, st);
		return NULL;
	}
	return st;
}

/* Signatures are numbered for the module's life; a cluster whose terms
 * keep changing fills the table: then start over (the cached terms and
 * the counters hold the numbers). */
static void sigs_trim(const cs_host *h, struct ipa *ipa)
{
	if (ipa->nsigs < MAX_SIGS)
		return;
	tc_clear(h, ipa);
	sigs_clear(h, ipa);
}

static int ipa_pre_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod)
{
	const cs_host *h = m->host;
	sigs_trim(h, h->data(m));
	struct ipa_state *st = state_new(h, pod);
	if (!st)
		return CS_SCHED_ERROR;
	c->state = st;
	bool in = kept_incoming(m, c, st), ex = kept_existing(m, c, st, pod);
	if (count(m, c, st, pod, !in, !ex) < 0)
		return CS_SCHED_ERROR;
	if (!st->aff.n && !st->anti.n && !st->existing.n && !st->nex_sigs)
		return CS_SCHED_SKIP;
	return CS_SCHED_OK;
}

/* ---- filter ---- */

static bool self_matches_all(cs_mod *m, struct ipa_state *st, const cs_sched_pod *pod)
{
	bool oom = false;
	for (size_t i = 0; i < st->aff.n; i++)
		if (!term_matches(m, st, &st->aff.v[i], pod, &oom))
			return false;
	return !oom;
}

static int ipa_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
		      const cs_sched_node *node)
{
	const cs_host *h = m->host;
	struct ipa_state *st = c->state;
	if (!st)
		return CS_SCHED_ERROR;
	bool exist = true;
	for (size_t i = 0; i < st->aff.n; i++) {
		const char *key = st->aff.v[i].key;
		int64_t n = 0;
		bool has;
		if (st->aff_tc) {
			has = kept_count(h, st->aff_tc, &st->aff_hint, (uint32_t)i, key, node, true,
					 &n);
		} else {
			const char *v = ks_node_label(h, node, key);
			has = v != NULL;
			n = v ? pair_get(&st->affc, key, v) : 0;
		}
		if (!has) {
			c->reason = REASON_AFFINITY;
			return CS_SCHED_UNRESOLVABLE;
		}
		if (n <= 0)
			exist = false;
	}
	bool any = st->aff_tc ? st->aff_any : pairs_any(&st->affc);
	if (!exist && !(!any && self_matches_all(m, st, pod))) {
		c->reason = REASON_AFFINITY;
		return CS_SCHED_UNRESOLVABLE;
	}
	for (size_t i = 0; i < st->anti.n; i++) {
		const char *key = st->anti.v[i].key;
		int64_t n = 0;
		if (st->anti_tc) {
			kept_count(h, st->anti_tc, &st->anti_hint, (uint32_t)i, key, node, true,
				   &n);
		} else {
			const char *v = ks_node_label(h, node, key);
			n = v ? pair_get(&st->antic, key, v) : 0;
		}
		if (n > 0) {
			c->reason = REASON_ANTI;
			return CS_SCHED_UNSCHEDULABLE;
		}
	}
	if (st->existing_tc) {
		const struct ipa *ipa = h->data(m);
		for (size_t i = 0; i < st->nex_sigs; i++) {
			uint32_t sig = st->ex_sigs[i];
			int64_t n = 0;
			kept_count(h, st->existing_tc, &st->existing_hint, sig,
				   ipa->sigs[sig].t.key, node, false, &n);
			if (n > 0) {
				c->reason = REASON_EXISTING_ANTI;
				return CS_SCHED_UNSCHEDULABLE;
			}
		}
		return CS_SCHED_OK;
	}
	size_t nl = st->existing.n ? ks_node_nlabels(h, node) : 0;
	for (size_t i = 0; i < nl; i++) {
		const char *k, *v;
		ks_node_label_at(h, node, i, &k, &v);
		if (k && v && pair_get(&st->existing, k, v) > 0) {
			c->reason = REASON_EXISTING_ANTI;
			return CS_SCHED_UNSCHEDULABLE;
		}
	}
	return CS_SCHED_OK;
}

/* ---- score ---- */

/* processTerms: each of terms that matches pod adds mult * weight to the
 * domain of node. */
static int process_terms(cs_mod *m, struct ipa_state *st, const struct terms *ts,
			 const cs_sched_pod *pod, const cs_sched_node *node, int64_t mult,
			 int64_t weight_override)
{
	bool oom = false;
	for (size_t i = 0; i < ts->n; i++) {
		const struct term *t = &ts->v[i];
		int64_t w = weight_override ? weight_override : t->weight;
		if (term_matches(m, st, t, pod, &oom) &&
		    add_on_node(m->host, &st->score, t->key, node, mult * w) < 0)
			return -1;
	}
	return oom ? -1 : 0;
}

/* Kubernetes' PreScore: a pod without preferred terms of its own needs
 * only the existing pods that have terms, on the nodes that have them. */
static int prescore(cs_mod *m, cs_sched_ctx *c, struct ipa_state *st, const cs_sched_pod *pod)
{
	const cs_host *h = m->host;
	const struct ipa *ipa = h->data(m);
	bool all = st->paff.n || st->panti.n || !listed_nodes(c);
	size_t nn = all ? c->nnodes : c->nnodes_with_affinity;
	const cs_sched_node *const *nodes = all ? c->nodes : c->nodes_with_affinity;
	for (size_t j = 0; j < nn; j++) {
		const cs_sched_node *node = nodes[j];
		if (!ks_node_nlabels(h, node))
			continue;
		size_t np = all ? node->npods : node->npods_with_affinity;
		const cs_sched_pod *const *pods = all ? node->pods : node->pods_with_affinity;
		for (size_t k = 0; k < np; k++) {
			const cs_sched_pod *p = pods[k];
			if (!ks_pod_live(h, p))
				continue;
			if (process_terms(m, st, &st->paff, p, node, 1, 0) < 0 ||
			    process_terms(m, st, &st->panti, p, node, -1, 0) < 0)
				return -1;
			/* The framework's list holds only pods with terms. */
			if (all && !h->obj_get(p->pod, "spec.affinity"))
				continue;
			const struct cached_terms *e = pod_terms(m, c, p);
			if (!e)
				return -1;
			int rc = 0;
			if (ipa->hard_weight > 0)
				rc = process_terms(m, st, &e->req_aff, pod, node, 1,
						   ipa->hard_weight);
			if (!rc)
				rc = process_terms(m, st, &e->pref_aff, pod, node, 1, 0);
			if (!rc)
				rc = process_terms(m, st, &e->pref_anti, pod, node, -1, 0);
			if (rc)
				return -1;
		}
	}
	pairs_merge(&st->score);
	st->scored = true;
	return 0;
}

/* PreScore from kept counts: the existing pods' scoring terms per
 * signature, the pod's preferred terms per list.  false: count. */
static bool prescore_kept(cs_mod *m, cs_sched_ctx *c, struct ipa_state *st, const cs_sched_pod *pod)
{
	struct ipa *ipa = m->host->data(m);
	sk_tc *pref = NULL;
	struct fn_arg a = {.m = m,
			   .c = c,
			   .st = st,
			   .a = &st->paff,
			   .b = &st->panti,
			   .mult_b = -1,
			   .weighted = true};
	if ((st->paff.n || st->panti.n) &&
	    (!(pref = list_tc(ipa, c->cycle, "pref", &st->paff, &st->panti)) ||
	     sk_tc_sync(pref, c->nodes, c->nnodes, incoming_each_fn, &a) < 0))
		return false;
	/* The pod's own preferred terms need every pod anyway. */
	size_t listed = !listed_nodes(c) ? 0 : pref ? c->nnodes : c->nnodes_with_affinity;
	sk_tc *t = kept_existing_tc(m, c, &ipa->existing_score, existing_score_fn, listed);
	if (!t || matching_sigs(m, st, pod, t, &st->score_sigs, &st->nscore_sigs) < 0)
		return false;
	st->pref_tc = pref;
	st->score_tc = t;
	st->scored = true;
	return true;
}

static int ipa_score(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod, const cs_sched_node *node,
		     int64_t *score)
{
	const cs_host *h = m->host;
	struct ipa_state *st = c->state;
	if (!st && !(st = c->state = state_new(h, pod)))
		return CS_SCHED_ERROR;
	if (!st->scored && !prescore_kept(m, c, st, pod) && prescore(m, c, st, pod) < 0)
		return CS_SCHED_ERROR;
	if (st->score_tc) {
		const struct ipa *ipa = h->data(m);
		int64_t s = 0, n;
		for (size_t i = 0; i < st->nscore_sigs; i++) {
			uint32_t sig = st->score_sigs[i];
			if (kept_count(h, st->score_tc, &st->score_hint, sig, ipa->sigs[sig].t.key,
				       node, false, &n))
				s += n;
		}
		size_t np = st->pref_tc ? st->paff.n + st->panti.n : 0;
		for (size_t i = 0; i < np; i++) {
			const struct term *t =
				i < st->paff.n ? &st->paff.v[i] : &st->panti.v[i - st->paff.n];
			if (kept_count(h, st->pref_tc, &st->pref_hint, (uint32_t)i, t->key, node,
				       true, &n))
				s += n;
		}
		*score = s;
		return CS_SCHED_OK;
	}
	if (!st->score.n) {
		*score = 0;
		return CS_SCHED_OK;
	}
	int64_t s = 0;
	size_t nl = ks_node_nlabels(h, node);
	for (size_t i = 0; i < nl; i++) {
		const char *k, *v;
		ks_node_label_at(h, node, i, &k, &v);
		if (k && v)
			s += pair_get(&st->score, k, v);
	}
	*score = s;
	return CS_SCHED_OK;
}

static int ipa_normalize(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			 const cs_sched_node *const *nodes, int64_t *scores, size_t n)
{
	(void)m, (void)c, (void)pod, (void)nodes;
	int64_t min = INT64_MAX, max = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		if (scores[i] < min)
			min = scores[i];
		if (scores[i] > max)
			max = scores[i];
	}
	for (size_t i = 0; i < n; i++)
		scores[i] = max > min ? CS_SCHED_MAX_SCORE * (scores[i] - min) / (max - min) : 0;
	return CS_SCHED_OK;
}

static void ipa_cycle_end(cs_mod *m, cs_sched_ctx *c)
{
	state_free(m->host, c->state);
	c->state = NULL;
}

/* ---- lifecycle ---- */

static int ipa_init(cs_mod *m)
{
	const cs_host *h = m->host;
	int64_t w = h->opt_int(m, "hard-pod-affinity-weight");
	if (w < 0 || w > 100) {
		h->log(m, CS_LOG_ERROR, "option hard-pod-affinity-weight: %lld is not in 0..100",
		       (long long)w);
		return -1;
	}
	struct ipa *ipa = calloc(1, sizeof(*ipa));
	if (!ipa) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	ipa->hard_weight = w;
	/* namespaceSelector needs the namespaces' labels. */
	ipa->namespaces = h->informer_new(m, "namespaces", NULL, NULL, NULL, 0, NULL);
	if (!ipa->namespaces)
		h->log(m, CS_LOG_WARN,
		       "no namespaces informer (logged above): namespaceSelector terms see only "
		       "the label kubernetes.io/metadata.name");
	h->set_data(m, ipa);
	return 0;
}

static void ipa_fini(cs_mod *m)
{
	struct ipa *ipa = m->host->data(m);
	if (ipa) {
		tc_clear(m->host, ipa);
		sigs_clear(m->host, ipa);
		lists_clear(ipa);
	}
	free(ipa);
	m->host->set_data(m, NULL);
}

static const cs_scheduler_ops ipa_ops = {
	.size = sizeof(cs_scheduler_ops),
	.plugin = "InterPodAffinity",
	.pre_filter = ipa_pre_filter,
	.filter = ipa_filter,
	.score = ipa_score,
	.normalize = ipa_normalize,
	.cycle_end = ipa_cycle_end,
	.add_pod = ipa_add_pod,
	.remove_pod = ipa_remove_pod,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "sched-interpodaffinity",
	.version = "1.0.0",
	.description = "scheduler plugin InterPodAffinity: pod affinity and anti-affinity",
	.kind = CS_KIND_SCHEDULER,
	.options = ipa_options,
	.init = ipa_init,
	.fini = ipa_fini,
	.ops = &ipa_ops,
};
