/* sched-podtopologyspread: the scheduler plugin "PodTopologySpread", as in
 * Kubernetes: spec.topologySpreadConstraints.
 *
 * A constraint {maxSkew, topologyKey, whenUnsatisfiable, labelSelector,
 * matchLabelKeys, minDomains, nodeAffinityPolicy, nodeTaintsPolicy} counts,
 * per value of the node label topologyKey (a domain), the pods of the
 * pod's namespace that labelSelector matches, on the nodes that take part:
 * those that carry every constraint's topologyKey and, by the policies,
 * match the pod's nodeSelector / required node affinity (nodeAffinityPolicy
 * Honor, the default) and tolerate the node's taints (nodeTaintsPolicy
 * Honor; the default Ignore).
 *
 * DoNotSchedule constraints filter: placing the pod in a domain may not
 * make its count (plus one when the selector matches the pod itself)
 * exceed the smallest count of any domain by more than maxSkew -- the
 * smallest is 0 while there are fewer than minDomains domains.
 *   "node(s) didn't match pod topology spread constraints (missing required
 *   label)" for a node without topologyKey (unresolvable),
 *   "node(s) didn't match pod topology spread constraints" for too much
 *   skew.
 * pre_filter counts once per pod over the snapshot.  The counts of one
 * selector in one namespace are kept across cycles: per node state (its
 * generation), and as domain totals (schedkit's topocount) that a cycle
 * brings up to date from the nodes that changed since the last -- so a
 * cycle costs a look at each node's generation rather than at every pod,
 * where every node with the key takes part (no node affinity or taint
 * policy leaves nodes out); else the domains are summed per cycle.
 * filter is a lookup per constraint.  add_pod / remove_pod (preemption's
 * node views) update this cycle's counts for one pod, as Kubernetes'
 * PreFilterExtensions do.
 *
 * ScheduleAnyway constraints score: the fewer matching pods in the node's
 * domain, the higher, each constraint weighted by log(domains + 2) as in
 * Kubernetes' PreScore/Score/NormalizeScore.  The counts depend on the
 * feasible nodes (the number of domains, hostname counts), which only
 * normalize receives, so score leaves 0 and normalize computes.
 *
 * Not done: the cluster-level default constraints Kubernetes applies to
 * pods of Services and ReplicaSets that set none (the plugin reads only the
 * pod's own constraints).
 *
 * Threads: every call comes from the framework's scheduling thread, one
 * pod at a time; per-cycle data lives in cs_sched_ctx.state. */
#include <capstan/scheduler.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8ssel.h"
#include "topocount.h"

#define HOSTNAME_KEY "kubernetes.io/hostname"

struct domain {
	const char *value; /* borrowed from a node of the snapshot */
	int64_t count;
};

/* Counts of matching pods per node state, for one selector in one
 * namespace, kept across cycles: a node's generation changes whenever the
 * node or its pods change (cs_sched_node.generation), so a count found
 * under a generation stays true.  Scheduling thread. */
struct counts {
	char *sig; /* namespace, selector, topologyKey */
	uint64_t *gen;
	int64_t *n;
	const char **val; /* the node's topologyKey value (borrowed from it) */
	size_t cap, len;
	uint64_t used; /* the last cycle that read it */
	/* The domains' totals over every node with the key, brought up to
	 * date from the nodes that changed (NULL until first needed). */
	sk_tc *tc;
};

struct spread_mod {
	struct counts *v;
	size_t n;
	uint64_t cycle;
};

#define MAX_COUNTS 32

struct constraint {
	int64_t max_skew, min_domains;
	const char *key;
	bool hard; /* DoNotSchedule */
	const cs_object *sel;
	cs_object *owned_sel;  /* sel with matchLabelKeys added, or NULL */
	ks_sel csel;           /* sel, compiled */
	struct counts *counts; /* this selector's kept counts, or NULL */
	bool honor_affinity, honor_taints;
	int self; /* 1 when sel matches the pod itself */
	struct domain *doms;
	size_t ndoms;
	int64_t min; /* hard: the smallest count, 0 below minDomains */
	/* Hard, when counts->tc holds this cycle's domains (doms unused). */
	sk_tc *tc;
	size_t hint; /* sk_tc_node_get's cursor */
};

struct spread_state {
	struct constraint *c;
	size_t n, nhard;
	bool kept; /* the hard constraints' domains are the kept totals (tc) */
	const cs_host *h;
	ks_nodesel nodesel; /* the pod's, for nodeAffinityPolicy Honor */
};

static void state_free(const cs_host *h, struct spread_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++) {
		h->obj_free(st->c[i].owned_sel);
		ks_sel_free(&st->c[i].csel);
		free(st->c[i].doms);
	}
	free(st->c);
	ks_nodesel_free(&st->nodesel);
	free(st);
}

/* labelSelector plus "key In (the pod's value)" for each matchLabelKeys
 * key the pod carries. */
static int merge_label_keys(const cs_host *h, const cs_object *pod, const cs_object *tsc,
			    struct constraint *c)
{
	const cs_object *keys = h->obj_get(tsc, "matchLabelKeys");
	const cs_object *labels = h->obj_get(pod, "metadata.labels");
	if (!h->obj_len(keys) || !c->sel)
		return 0;
	cs_object *sel = h->obj_clone(c->sel);
	if (!sel)
		return -1;
	c->owned_sel = sel;
	c->sel = sel;
	for (size_t i = 0; i < h->obj_len(keys); i++) {
		const char *k = h->obj_str(h->obj_at(keys, i), NULL);
		const char *v = k ? ks_label(h, labels, k) : NULL;
		if (!v)
			continue;
		cs_object *req = h->obj_new(CS_OBJ_MAP), *vals = h->obj_new(CS_OBJ_ARRAY);
		if (!req || !vals || h->obj_set_str(req, "key", k) ||
		    h->obj_set_str(req, "operator", "In") ||
		    h->obj_append(vals, h->obj_new_str(v))) {
			h->obj_free(req);
			h->obj_free(vals);
			return -1;
		}
		/* obj_set takes vals and req, also when it fails. */
		if (h->obj_set(req, "values", vals)) {
			h->obj_free(req);
			return -1;
		}
		if (!h->obj_get(sel, "matchExpressions") &&
		    h->obj_set(sel, "matchExpressions", h->obj_new(CS_OBJ_ARRAY))) {
			h->obj_free(req);
			return -1;
		}
		char path[64];
		snprintf(path, sizeof(path), "matchExpressions[%zu]",
			 h->obj_len(h->obj_get(sel, "matchExpressions")));
		if (h->obj_set(sel, path, req))
			return -1;
	}
	return 0;
}

static struct counts *counts_of(struct spread_mod *mod, const char *sig);

/* The kept counts for c's selector in the pod's namespace (NULL: none). */
static struct counts *constraint_counts(const cs_host *h, struct spread_mod *mod,
					const struct constraint *c, const cs_sched_pod *pod)
{
	char *sel = c->sel ? h->obj_json(c->sel, NULL) : NULL;
	char *sig = NULL;
	struct counts *k = NULL;
	if (asprintf(&sig, "%s\x1f%s\x1f%s", pod->ns ? pod->ns : "", c->key, sel ? sel : "null") >=
	    0)
		k = counts_of(mod, sig);
	free(sig);
	h->free(sel);
	return k;
}

/* The pod's constraints, or NULL (out of memory). */
static struct spread_state *parse(cs_mod *m, const cs_sched_ctx *cx, const cs_sched_pod *pod)
{
	const cs_host *h = m->host;
	struct spread_mod *mod = h->data(m);
	struct spread_state *st = calloc(1, sizeof(*st));
	const cs_object *tscs = h->obj_get(pod->pod, "spec.topologySpreadConstraints");
	size_t n = h->obj_len(tscs);
	if (!st || (n && !(st->c = calloc(n, sizeof(*st->c))))) {
		free(st);
		return NULL;
	}
	st->h = h;
	if (ks_nodesel_compile(h, pod->pod, &st->nodesel) < 0) {
		state_free(h, st);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const cs_object *t = h->obj_at(tscs, i);
		const char *key = h->obj_str(t, "topologyKey");
		const char *when = h->obj_str(t, "whenUnsatisfiable");
		const char *ap = h->obj_str(t, "nodeAffinityPolicy");
		const char *tp = h->obj_str(t, "nodeTaintsPolicy");
		/* Validation rejects these; a constraint that cannot be
		 * evaluated is not enforced. */
		if (!key || !*key || !when ||
		    (strcmp(when, "DoNotSchedule") && strcmp(when, "ScheduleAnyway")))
			continue;
		struct constraint *c = &st->c[st->n++];
		c->key = key;
		c->max_skew = h->obj_int(t, "maxSkew", 1);
		c->min_domains = h->obj_int(t, "minDomains", 1);
		c->hard = !strcmp(when, "DoNotSchedule");
		c->sel = h->obj_get(t, "labelSelector");
		c->honor_affinity = !ap || strcmp(ap, "Ignore");
		c->honor_taints = tp && !strcmp(tp, "Honor");
		if (merge_label_keys(h, pod->pod, t, c) < 0 ||
		    ks_sel_compile(h, c->sel, &c->csel) < 0) {
			state_free(h, st);
			return NULL;
		}
		c->self = ks_sel_matches_pod(h, &c->csel, pod) ? 1 : 0;
		st->nhard += c->hard;
		if (mod) {
			mod->cycle = cx->cycle;
			c->counts = constraint_counts(h, mod, c, pod);
		}
	}
	return st;
}

static void counts_free(struct counts *k)
{
	sk_tc_free(k->tc);
	free(k->sig);
	free(k->gen);
	free(k->n);
	free(k->val);
	memset(k, 0, sizeof(*k));
}

/* The kept counts of signature sig, made (or recycled: the one least
 * recently read) when new; NULL when out of memory. */
static struct counts *counts_of(struct spread_mod *mod, const char *sig)
{
	struct counts *lru = NULL;
	for (size_t i = 0; i < mod->n; i++) {
		if (!strcmp(mod->v[i].sig, sig)) {
			mod->v[i].used = mod->cycle;
			return &mod->v[i];
		}
		if (!lru || mod->v[i].used < lru->used)
			lru = &mod->v[i];
	}
	/* A pod with more selectors than that keeps none for the rest. */
	if (mod->n == MAX_COUNTS && lru->used == mod->cycle)
		return NULL;
	struct counts *k = mod->n < MAX_COUNTS ? &mod->v[mod->n] : lru;
	char *copy = strdup(sig);
	if (!copy)
		return NULL;
	if (k == &mod->v[mod->n])
		mod->n++;
	else
		counts_free(k);
	k->sig = copy;
	k->used = mod->cycle;
	return k;
}

static size_t gen_slot(uint64_t gen, size_t cap)
{
	gen ^= gen >> 29;
	gen *= 0xbf58476d1ce4e5b9ULL;
	return (size_t)(gen >> 32) & (cap - 1);
}

static void counts_insert(struct counts *k, uint64_t gen, int64_t n, const char *val)
{
	size_t i = gen_slot(gen, k->cap);
	while (k->gen[i] && k->gen[i] != gen)
		i = (i + 1) & (k->cap - 1);
	if (!k->gen[i])
		k->len++;
	k->gen[i] = gen;
	k->n[i] = n;
	k->val[i] = val;
}

/* Keep (gen: n, val).  The table doubles up to a bound, then starts over
 * (it fills with states long gone).  Best effort: out of memory only means
 * counting again. */
static void counts_put(struct counts *k, uint64_t gen, int64_t n, const char *val)
{
	if ((k->len + 1) * 2 > k->cap) {
		bool grow = k->cap < (1u << 18);
		struct counts old = *k;
		k->cap = !old.cap ? 1024 : grow ? old.cap * 2 : old.cap;
		k->len = 0;
		k->gen = calloc(k->cap, sizeof(*k->gen));
		k->n = calloc(k->cap, sizeof(*k->n));
		k->val = calloc(k->cap, sizeof(*k->val));
		if (!k->gen || !k->n || !k->val) {
			free(k->gen);
			free(k->n);
			free(k->val);
			*k = old;
			return;
		}
		for (size_t i = 0; grow && i < old.cap; i++)
			if (old.gen[i])
				counts_insert(k, old.gen[i], old.n[i], old.val[i]);
		free(old.gen);
		free(old.n);
		free(old.val);
	}
	counts_insert(k, gen, n, val);
}

static bool counts_get(const struct counts *k, uint64_t gen, int64_t *n, const char **val)
{
	if (!k->cap)
		return false;
	for (size_t i = gen_slot(gen, k->cap); k->gen[i]; i = (i + 1) & (k->cap - 1))
		if (k->gen[i] == gen) {
			*n = k->n[i];
			*val = k->val[i];
			return true;
		}
	return false;
}

/* Matching pods of the namespace on a node (countPodsMatchSelector). */
static int64_t count_pods(const cs_host *h, const struct constraint *c, const cs_sched_pod *pod,
			  const cs_sched_node *node)
{
	int64_t n = 0;
	for (size_t i = 0; i < node->npods; i++) {
		const cs_sched_pod *p = node->pods[i];
		if (!p->ns || !pod->ns || strcmp(p->ns, pod->ns) || !ks_pod_live(h, p))
			continue;
		n += ks_sel_matches_pod(h, &c->csel, p);
	}
	return n;
}

/* The node's value of c's topologyKey (NULL: none) and its matching pods,
 * from the kept counts when the node's state was seen before (a
 * generation of 0 says the framework does not track states). */
static int64_t count_at(const cs_host *h, const struct constraint *c, const cs_sched_pod *pod,
			const cs_sched_node *node, const char **val)
{
	int64_t n;
	if (c->counts && node->generation && counts_get(c->counts, node->generation, &n, val))
		return n;
	*val = ks_node_label(h, node, c->key);
	n = count_pods(h, c, pod, node);
	if (c->counts && node->generation)
		counts_put(c->counts, node->generation, n, *val);
	return n;
}

static int64_t count_on(const cs_host *h, const struct constraint *c, const cs_sched_pod *pod,
			const cs_sched_node *node)
{
	const char *val;
	return count_at(h, c, pod, node, &val);
}

/* The node carries the topologyKey of every constraint of the kind. */
static bool has_keys(const cs_host *h, const struct spread_state *st, bool hard,
		     const cs_sched_node *node)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->c[i].hard == hard && !ks_node_label(h, node, st->c[i].key))
			return false;
	return true;
}

/* matchNodeInclusionPolicies, with the two node checks computed once. */
static bool included(const struct constraint *c, bool fits, bool tolerated)
{
	return (!c->honor_affinity || fits) && (!c->honor_taints || tolerated);
}

static int by_value(const void *a, const void *b)
{
	return strcmp(((const struct domain *)a)->value, ((const struct domain *)b)->value);
}

/* Sort (for find_domain) and merge entries with the same value; returns
 * the domain count. */
static size_t merge_domains(struct domain *d, size_t n)
{
	if (!n)
		return 0;
	qsort(d, n, sizeof(*d), by_value);
	size_t k = 0;
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(d[i].value, d[k].value))
			d[k].count += d[i].count;
		else
			d[++k] = d[i];
	}
	return k + 1;
}

static const struct domain *find_domain(const struct constraint *c, const char *value)
{
	struct domain key = {.value = value};
	return c->ndoms ? bsearch(&key, c->doms, c->ndoms, sizeof(key), by_value) : NULL;
}

/* The smallest count of a hard constraint, 0 below minDomains. */
static void update_min(struct constraint *c)
{
	c->min = c->ndoms ? INT64_MAX : 0;
	for (size_t k = 0; k < c->ndoms; k++)
		if (c->doms[k].count < c->min)
			c->min = c->doms[k].count;
	if ((int64_t)c->ndoms < c->min_domains)
		c->min = 0;
}

/* Domains by value while they are counted: many nodes share a few values
 * (zones), so entries are merged as they come rather than sorted. */
struct domset {
	size_t *slot; /* index + 1 into the constraint's doms, 0: free */
	size_t cap;
};

static uint64_t str_hash(const char *s)
{
	uint64_t x = 1469598103934665603ULL;
	for (; *s; s++)
		x = (x ^ (unsigned char)*s) * 1099511628211ULL;
	return x;
}

static int domset_grow(struct domset *ds, const struct constraint *c)
{
	size_t cap = ds->cap ? ds->cap * 2 : 16;
	size_t *slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -1;
	for (size_t i = 0; i < c->ndoms; i++) {
		size_t k = str_hash(c->doms[i].value) & (cap - 1);
		while (slot[k])
			k = (k + 1) & (cap - 1);
		slot[k] = i + 1;
	}
	free(ds->slot);
	ds->slot = slot;
	ds->cap = cap;
	return 0;
}

/* Add count to the domain of value (new at the end of doms). */
static int domset_add(struct domset *ds, struct constraint *c, const char *value, int64_t count)
{
	if ((c->ndoms + 1) * 2 > ds->cap && domset_grow(ds, c) < 0)
		return -1;
	size_t k = str_hash(value) & (ds->cap - 1);
	for (; ds->slot[k]; k = (k + 1) & (ds->cap - 1))
		if (!strcmp(c->doms[ds->slot[k] - 1].value, value)) {
			c->doms[ds->slot[k] - 1].count += count;
			return 0;
		}
	c->doms[c->ndoms++] = (struct domain){value, count};
	ds->slot[k] = c->ndoms;
	return 0;
}

/* Count every domain of the constraints of one kind over the nodes
 * (all of them for the filter, the feasible ones for the score's domain
 * set).  only_existing: add counts only to domains already present. */
static int count_domains(const cs_host *h, struct spread_state *st, bool hard,
			 const cs_sched_pod *pod, const cs_sched_node *const *nodes, size_t nn)
{
	struct domset *ds = calloc(st->n ? st->n : 1, sizeof(*ds));
	int rc = ds ? 0 : -1;
	for (size_t i = 0; !rc && i < st->n; i++) {
		struct constraint *c = &st->c[i];
		if (c->hard != hard)
			continue;
		free(c->doms);
		c->ndoms = 0;
		c->tc = NULL;
		if (!(c->doms = calloc(nn ? nn : 1, sizeof(*c->doms))))
			rc = -1;
	}
	const char **val = rc ? NULL : calloc(st->n ? st->n : 1, sizeof(*val));
	int64_t *cnt = rc ? NULL : calloc(st->n ? st->n : 1, sizeof(*cnt));
	if (!rc && (!val || !cnt))
		rc = -1;
	/* Whether the pod's node affinity can exclude a node at all. */
	bool any_affinity = st->nodesel.nsel || st->nodesel.required || st->nodesel.sel_never;
	for (size_t j = 0; !rc && j < nn; j++) {
		const cs_sched_node *node = nodes[j];
		/* The node takes part when it has every constraint's key
		 * (has_keys), read from the kept counts. */
		bool keys = true;
		for (size_t i = 0; keys && i < st->n; i++)
			if (st->c[i].hard == hard) {
				cnt[i] = count_at(h, &st->c[i], pod, node, &val[i]);
				keys = val[i] != NULL;
			}
		if (!keys)
			continue;
		int fits = any_affinity ? -1 : 1, tolerated = -1;
		for (size_t i = 0; !rc && i < st->n; i++) {
			struct constraint *c = &st->c[i];
			if (c->hard != hard)
				continue;
			if (c->honor_affinity && fits < 0)
				fits = ks_nodesel_fits(h, &st->nodesel, node);
			if (c->honor_taints && tolerated < 0)
				tolerated = ks_taints_tolerated(h, pod->pod, node);
			if (!included(c, fits != 0, tolerated != 0))
				continue;
			rc = domset_add(&ds[i], c, val[i], cnt[i]);
		}
	}
	free(val);
	free(cnt);
	for (size_t i = 0; !rc && i < st->n; i++) {
		struct constraint *c = &st->c[i];
		if (c->hard != hard)
			continue;
		c->ndoms = merge_domains(c->doms, c->ndoms);
		update_min(c);
	}
	for (size_t i = 0; ds && i < st->n; i++)
		free(ds[i].slot);
	free(ds);
	return rc;
}

struct node_arg {
	const cs_host *h;
	const struct constraint *c;
	const cs_sched_pod *pod;
};

/* What a node adds to a hard constraint's kept totals: its matching pods,
 * in its domain. */
static int kept_node(void *arg, const cs_sched_node *node, sk_tc_emit *e)
{
	const struct node_arg *a = arg;
	const char *val;
	int64_t n = count_at(a->h, a->c, a->pod, node, &val);
	return val ? sk_tc_add(e, 0, val, n) : 0;
}

/* The hard constraints' domains from the kept totals, where those are what
 * count_domains would find: every node with the key takes part (one
 * topologyKey for all hard constraints; no node affinity or taint policy
 * that leaves nodes out).  false: count_domains must count. */
static bool count_kept(const cs_host *h, struct spread_state *st, const cs_sched_pod *pod,
		       const cs_sched_node *const *nodes, size_t nn)
{
	bool any_affinity = st->nodesel.nsel || st->nodesel.required || st->nodesel.sel_never;
	const char *key = NULL;
	for (size_t i = 0; i < st->n; i++) {
		const struct constraint *c = &st->c[i];
		if (!c->hard)
			continue;
		if (!c->counts || (c->honor_affinity && any_affinity) || c->honor_taints ||
		    (key && strcmp(key, c->key)))
			return false;
		key = c->key;
	}
	for (size_t i = 0; i < st->n; i++) {
		struct constraint *c = &st->c[i];
		if (!c->hard)
			continue;
		struct node_arg a = {h, c, pod};
		if ((!c->counts->tc && !(c->counts->tc = sk_tc_new())) ||
		    sk_tc_sync(c->counts->tc, nodes, nn, kept_node, &a) < 0)
			return false;
		c->tc = c->counts->tc;
		int64_t min;
		c->ndoms = sk_tc_domains(c->tc, 0, &min);
		c->min = c->ndoms && (int64_t)c->ndoms >= c->min_domains ? min : 0;
	}
	st->kept = true;
	return true;
}

static int spread_pre_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod)
{
	const cs_host *h = m->host;
	struct spread_state *st = parse(m, c, pod);
	if (!st)
		return CS_SCHED_ERROR;
	c->state = st;
	if (!st->nhard)
		return CS_SCHED_SKIP;
	if (!count_kept(h, st, pod, c->nodes, c->nnodes) &&
	    count_domains(h, st, true, pod, c->nodes, c->nnodes) < 0)
		return CS_SCHED_ERROR;
	return CS_SCHED_OK;
}

/* Kubernetes' updateWithPod: `other` joins (delta 1) or leaves (-1) node;
 * it counts where it matches, as pre_filter counted it. */
static int update_with_pod(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			   const cs_sched_pod *other, const cs_sched_node *node, int64_t delta)
{
	const cs_host *h = m->host;
	struct spread_state *st = c->state;
	if (!st)
		return CS_SCHED_ERROR;
	if (!st->nhard || !other->ns || !pod->ns || strcmp(other->ns, pod->ns) ||
	    !ks_pod_live(h, other) || !has_keys(h, st, true, node))
		return CS_SCHED_OK;
	/* The kept totals are shared with later cycles: this cycle's views
	 * get domains of their own. */
	if (st->kept) {
		st->kept = false;
		if (count_domains(h, st, true, pod, c->nodes, c->nnodes) < 0)
			return CS_SCHED_ERROR;
	}
	bool fits = ks_nodesel_fits(h, &st->nodesel, node);
	bool tolerated = ks_taints_tolerated(h, pod->pod, node);
	for (size_t i = 0; i < st->n; i++) {
		struct constraint *k = &st->c[i];
		if (!k->hard || !included(k, fits, tolerated) ||
		    !ks_sel_matches_pod(h, &k->csel, other))
			continue;
		/* pre_filter saw every included node with the keys: the
		 * domain is there. */
		struct domain *d = (struct domain *)find_domain(k, ks_node_label(h, node, k->key));
		if (!d)
			continue;
		d->count += delta;
		update_min(k);
	}
	return CS_SCHED_OK;
}

static int spread_add_pod(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			  const cs_sched_pod *other, const cs_sched_node *node)
{
	return update_with_pod(m, c, pod, other, node, 1);
}

static int spread_remove_pod(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			     const cs_sched_pod *other, const cs_sched_node *node)
{
	return update_with_pod(m, c, pod, other, node, -1);
}

static int spread_filter(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			 const cs_sched_node *node)
{
	(void)pod;
	const cs_host *h = m->host;
	struct spread_state *st = c->state;
	if (!st)
		return CS_SCHED_ERROR;
	for (size_t i = 0; i < st->n; i++) {
		struct constraint *k = &st->c[i];
		if (!k->hard)
			continue;
		/* The kept totals know the node by its generation (0: it has
		 * no topologyKey), else its value is looked up. */
		int64_t n = 0;
		int known = k->tc ? sk_tc_node_get(k->tc, node, 0, &n, &k->hint) : -1;
		const char *value = known < 0 ? ks_node_label(h, node, k->key) : NULL;
		if (!known || (known < 0 && !value)) {
			c->reason = "node(s) didn't match pod topology spread constraints (missing "
				    "required label)";
			return CS_SCHED_UNRESOLVABLE;
		}
		if (known < 0 && k->tc) {
			n = sk_tc_get(k->tc, 0, value, NULL);
		} else if (known < 0) {
			const struct domain *d = find_domain(k, value);
			n = d ? d->count : 0;
		}
		int64_t skew = n + k->self - k->min;
		if (skew > k->max_skew) {
			c->reason = "node(s) didn't match pod topology spread constraints";
			return CS_SCHED_UNSCHEDULABLE;
		}
	}
	return CS_SCHED_OK;
}

/* Natural logarithm for x >= 1 without libm (modules link nothing but
 * libc): x = m * 2^e with m in [1, 2), ln m = 2 atanh((m-1)/(m+1)) by its
 * series, which converges fast for m < 2. */
static double ln(double x)
{
	int e = 0;
	while (x >= 2) {
		x /= 2;
		e++;
	}
	double y = (x - 1) / (x + 1), y2 = y * y, term = y, sum = 0;
	for (int k = 1; k < 60; k += 2) {
		sum += term / k;
		term *= y2;
	}
	return 2 * sum + e * 0.69314718055994530942;
}

static int spread_score(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			const cs_sched_node *node, int64_t *score)
{
	(void)m, (void)c, (void)pod, (void)node;
	*score = 0; /* normalize computes: it knows the feasible nodes */
	return CS_SCHED_OK;
}

/* Kubernetes' PreScore + Score + NormalizeScore over the feasible nodes. */
static int spread_normalize(cs_mod *m, cs_sched_ctx *c, const cs_sched_pod *pod,
			    const cs_sched_node *const *nodes, int64_t *scores, size_t n)
{
	const cs_host *h = m->host;
	struct spread_state *st = c->state;
	if (!st && !(st = c->state = parse(m, c, pod)))
		return CS_SCHED_ERROR;
	if (st->n == st->nhard) {
		for (size_t j = 0; j < n; j++)
			scores[j] = 0;
		return CS_SCHED_OK;
	}
	bool *ignored = calloc(n ? n : 1, sizeof(*ignored));
	double *weight = calloc(st->n, sizeof(*weight));
	if (!ignored || !weight) {
		free(ignored);
		free(weight);
		return CS_SCHED_ERROR;
	}
	/* The domains are those of the feasible nodes with every key. */
	size_t counted = 0;
	for (size_t j = 0; j < n; j++)
		counted += !(ignored[j] = !has_keys(h, st, false, nodes[j]));
	if (count_domains(h, st, false, pod, nodes, n) < 0) {
		free(ignored);
		free(weight);
		return CS_SCHED_ERROR;
	}
	/* Then every node of the cluster adds its pods to those domains. */
	for (size_t i = 0; i < st->n; i++) {
		struct constraint *k = &st->c[i];
		if (k->hard)
			continue;
		bool host = !strcmp(k->key, HOSTNAME_KEY);
		weight[i] = ln((double)(host ? counted : k->ndoms) + 2);
		if (host)
			continue; /* counted per node below */
		for (size_t d = 0; d < k->ndoms; d++)
			k->doms[d].count = 0;
		for (size_t j = 0; j < c->nnodes; j++) {
			const cs_sched_node *node = c->nodes[j];
			if (!has_keys(h, st, false, node) ||
			    !included(k, ks_nodesel_fits(h, &st->nodesel, node),
				      ks_taints_tolerated(h, pod->pod, node)))
				continue;
			const char *v = ks_node_label(h, node, k->key);
			struct domain *d = (struct domain *)find_domain(k, v);
			if (d)
				d->count += count_on(h, k, pod, node);
		}
	}
	int64_t min = INT64_MAX, max = 0;
	for (size_t j = 0; j < n; j++) {
		if (ignored[j]) {
			scores[j] = 0;
			continue;
		}
		double s = 0;
		for (size_t i = 0; i < st->n; i++) {
			const struct constraint *k = &st->c[i];
			if (k->hard)
				continue;
			const char *v = ks_node_label(h, nodes[j], k->key);
			int64_t cnt = 0;
			if (!strcmp(k->key, HOSTNAME_KEY)) {
				cnt = count_on(h, k, pod, nodes[j]);
			} else {
				const struct domain *d = find_domain(k, v);
				cnt = d ? d->count : 0;
			}
			s += (double)cnt * weight[i] + (double)(k->max_skew - 1);
		}
		scores[j] = (int64_t)(s + 0.5); /* math.Round, s >= 0 */
		if (scores[j] < min)
			min = scores[j];
		if (scores[j] > max)
			max = scores[j];
	}
	for (size_t j = 0; j < n; j++) {
		if (ignored[j])
			scores[j] = 0;
		else if (max == 0)
			scores[j] = CS_SCHED_MAX_SCORE;
		else
			scores[j] = CS_SCHED_MAX_SCORE * (max + min - scores[j]) / max;
	}
	free(ignored);
	free(weight);
	return CS_SCHED_OK;
}

static void spread_cycle_end(cs_mod *m, cs_sched_ctx *c)
{
	state_free(m->host, c->state);
	c->state = NULL;
}

static int spread_init(cs_mod *m)
{
	struct spread_mod *mod = calloc(1, sizeof(*mod));
	if (mod)
		mod->v = calloc(MAX_COUNTS, sizeof(*mod->v));
	if (!mod || !mod->v) {
		free(mod);
		m->host->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	m->host->set_data(m, mod);
	return 0;
}

static void spread_fini(cs_mod *m)
{
	struct spread_mod *mod = m->host->data(m);
	for (size_t i = 0; mod && i < mod->n; i++)
		counts_free(&mod->v[i]);
	if (mod)
		free(mod->v);
	free(mod);
	m->host->set_data(m, NULL);
}

static const cs_scheduler_ops spread_ops = {
	.size = sizeof(cs_scheduler_ops),
	.plugin = "PodTopologySpread",
	.pre_filter = spread_pre_filter,
	.filter = spread_filter,
	.score = spread_score,
	.normalize = spread_normalize,
	.cycle_end = spread_cycle_end,
	.add_pod = spread_add_pod,
	.remove_pod = spread_remove_pod,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "sched-podtopologyspread",
	.version = "1.0.0",
	.description = "scheduler plugin PodTopologySpread: topologySpreadConstraints",
	.kind = CS_KIND_SCHEDULER,
	.init = spread_init,
	.fini = spread_fini,
	.ops = &spread_ops,
};
