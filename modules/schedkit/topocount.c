/* Counts per topology domain kept across cycles: see topocount.h.
 *
 * Values are interned (a node's label strings live only as long as the
 * node's snapshot entry), an entry is one (sig, value) with its total and
 * the number of nodes that add to it, and each node position keeps the
 * generation it was counted at and what it added, to be taken back when
 * the node changes. */
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "itab.h"
#include "topocount.h"

struct entry {
	uint32_t sig, vid;
	uint32_t next; /* the sig's next entry + 1, 0: the last */
	int64_t total;
	int64_t nodes;
};

struct contrib {
	uint32_t entry, sig;
	int64_t n;
};

/* Most nodes add one (sig, value): it lives in the slot itself, one cache
 * line less for sk_tc_node_get. */
struct slot {
	uint64_t gen; /* 0: nothing counted here */
	uint32_t n;
	struct contrib one; /* n == 1 */
	struct contrib *c;  /* n > 1 */
};

struct gslot {
	uint64_t gen;
	uint32_t slot;
};

struct sigrec {
	uint32_t head;  /* first entry + 1 */
	size_t nonzero; /* entries with total != 0 */
};

struct value {
	char *s;
	uint64_t hash;
};

struct sk_tc {
	struct value *vals;
	size_t nvals, valcap;
	sk_itab vtab; /* values by hash */
	struct entry *ents;
	size_t nents, entcap, live; /* live: entries some node adds to */
	sk_itab etab;               /* entries by (sig, value) */
	struct sigrec *sigs;
	size_t nsigs;
	struct slot *slots;
	size_t nslots, slotcap;
	/* generation -> slot, for sk_tc_node_get; entries of generations
	 * gone stay until the next rebuild (checked against the slot). */
	struct gslot *gtab;
	size_t gtab_cap, gtab_len;
};

struct sk_tc_emit {
	sk_tc *t;
	struct contrib *c;
	uint32_t n;
	size_t cap;
};

static uint64_t str_hash(const char *s)
{
	uint64_t x = 1469598103934665603ULL;
	for (; *s; s++)
		x = (x ^ (unsigned char)*s) * 1099511628211ULL;
	return x;
}

static uint64_t pair_hash(uint32_t sig, uint32_t vid)
{
	uint64_t x = ((uint64_t)sig << 32 | vid) * 0x9e3779b97f4a7c15ULL;
	return x ^ (x >> 31);
}

/* ---- values ---- */

static long value_find(const sk_tc *t, const char *v, uint64_t hv)
{
	for (size_t k = sk_itab_first(&t->vtab, hv); sk_itab_at(&t->vtab, k);
	     k = sk_itab_next(&t->vtab, k)) {
		uint32_t id = sk_itab_at(&t->vtab, k) - 1;
		if (t->vals[id].hash == hv && !strcmp(t->vals[id].s, v))
			return id;
	}
	return -1;
}

static uint64_t value_hash_at(const void *arg, size_t i)
{
	return ((const sk_tc *)arg)->vals[i].hash;
}

static long value_intern(sk_tc *t, const char *v)
{
	uint64_t hv = str_hash(v);
	long id = value_find(t, v, hv);
	if (id >= 0)
		return id;
	if (sk_itab_full(&t->vtab, t->nvals) &&
	    sk_itab_grow(&t->vtab, t->nvals, value_hash_at, t) < 0)
		return -1;
	char *copy = NULL;
	if (sk_grow(&t->vals, t->nvals, &t->valcap, sizeof(*t->vals), 64) < 0 ||
	    !(copy = strdup(v)))
		return -1;
	id = (long)t->nvals++;
	t->vals[id] = (struct value){copy, hv};
	sk_itab_put(&t->vtab, hv, (uint32_t)id);
	return id;
}

/* ---- entries ---- */

static long entry_find(const sk_tc *t, uint32_t sig, uint32_t vid)
{
	for (size_t k = sk_itab_first(&t->etab, pair_hash(sig, vid)); sk_itab_at(&t->etab, k);
	     k = sk_itab_next(&t->etab, k)) {
		uint32_t i = sk_itab_at(&t->etab, k) - 1;
		if (t->ents[i].sig == sig && t->ents[i].vid == vid)
			return i;
	}
	return -1;
}

static uint64_t entry_hash_at(const void *arg, size_t i)
{
	const struct entry *e = &((const sk_tc *)arg)->ents[i];
	return pair_hash(e->sig, e->vid);
}

static long entry_get(sk_tc *t, uint32_t sig, uint32_t vid)
{
	long i = entry_find(t, sig, vid);
	if (i >= 0)
		return i;
	if (sig >= t->nsigs) {
		size_t n = sig + 1 > t->nsigs * 2 ? sig + 1 : t->nsigs * 2;
		struct sigrec *s = realloc(t->sigs, n * sizeof(*s));
		if (!s)
			return -1;
		memset(s + t->nsigs, 0, (n - t->nsigs) * sizeof(*s));
		t->sigs = s;
		t->nsigs = n;
	}
	if (sk_itab_full(&t->etab, t->nents) &&
	    sk_itab_grow(&t->etab, t->nents, entry_hash_at, t) < 0)
		return -1;
	if (sk_grow(&t->ents, t->nents, &t->entcap, sizeof(*t->ents), 64) < 0)
		return -1;
	i = (long)t->nents++;
	t->ents[i] = (struct entry){.sig = sig, .vid = vid, .next = t->sigs[sig].head};
	t->sigs[sig].head = (uint32_t)i + 1;
	sk_itab_put(&t->etab, pair_hash(sig, vid), (uint32_t)i);
	return i;
}

static const struct contrib *slot_c(const struct slot *s)
{
	return s->n > 1 ? s->c : &s->one;
}

/* Adds (sign 1) or takes back (-1) what a slot holds. */
static void apply(sk_tc *t, const struct slot *s, int sign)
{
	const struct contrib *c = slot_c(s);
	for (uint32_t i = 0; i < s->n; i++) {
		struct entry *e = &t->ents[c[i].entry];
		bool was = e->total != 0, lived = e->nodes > 0;
		e->total += sign * c[i].n;
		e->nodes += sign;
		if (was != (e->total != 0))
			t->sigs[e->sig].nonzero += was ? (size_t)-1 : 1;
		if (lived != (e->nodes > 0))
			t->live += lived ? (size_t)-1 : 1;
	}
}

/* ---- generations ---- */

#define FEW_VALUES 64

static size_t gen_hash(uint64_t g)
{
	g *= 0xbf58476d1ce4e5b9ULL;
	return (size_t)(g ^ (g >> 29));
}

static void gen_insert(sk_tc *t, uint64_t g, uint32_t slot)
{
	size_t k = gen_hash(g) & (t->gtab_cap - 1);
	while (t->gtab[k].gen && t->gtab[k].gen != g)
		k = (k + 1) & (t->gtab_cap - 1);
	t->gtab_len += !t->gtab[k].gen;
	t->gtab[k] = (struct gslot){g, slot};
}

/* Room for one more, rebuilt from the slots' generations alone when the
 * table fills (stale entries go).  Best effort: -1 leaves lookups to the
 * caller's values. */
static int gen_room(sk_tc *t)
{
	if ((t->gtab_len + 1) * 2 <= t->gtab_cap)
		return 0;
	size_t cap = 64;
	while (cap < 4 * t->nslots)
		cap *= 2;
	struct gslot *tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return -1;
	free(t->gtab);
	t->gtab = tab;
	t->gtab_cap = cap;
	t->gtab_len = 0;
	for (size_t j = 0; j < t->nslots; j++)
		if (t->slots[j].gen)
			gen_insert(t, t->slots[j].gen, (uint32_t)j);
	return 0;
}

/* ---- the counter ---- */

sk_tc *sk_tc_new(void)
{
	return calloc(1, sizeof(sk_tc));
}

/* Forget everything: every node is asked again at the next sync. */
static void reset(sk_tc *t)
{
	for (size_t i = 0; i < t->nslots; i++) {
		free(t->slots[i].c);
		t->slots[i] = (struct slot){0};
	}
	for (size_t i = 0; i < t->nvals; i++)
		free(t->vals[i].s);
	t->nvals = t->nents = t->live = 0;
	sk_itab_clear(&t->vtab);
	sk_itab_clear(&t->etab);
	if (t->sigs)
		memset(t->sigs, 0, t->nsigs * sizeof(*t->sigs));
	if (t->gtab)
		memset(t->gtab, 0, t->gtab_cap * sizeof(*t->gtab));
	t->gtab_len = 0;
}

void sk_tc_free(sk_tc *t)
{
	if (!t)
		return;
	reset(t);
	free(t->slots);
	free(t->vals);
	sk_itab_free(&t->vtab);
	free(t->ents);
	sk_itab_free(&t->etab);
	free(t->sigs);
	free(t->gtab);
	free(t);
}

int sk_tc_add(sk_tc_emit *e, uint32_t sig, const char *value, int64_t n)
{
	long vid = value_intern(e->t, value);
	long ent = vid < 0 ? -1 : entry_get(e->t, sig, (uint32_t)vid);
	if (ent < 0)
		return -1;
	if (sk_grow(&e->c, e->n, &e->cap, sizeof(*e->c), 8) < 0)
		return -1;
	e->c[e->n++] = (struct contrib){(uint32_t)ent, sig, n};
	return 0;
}

/* Count node into slot j. */
static int count_node(sk_tc *t, size_t j, const cs_sched_node *node, sk_tc_node_fn fn, void *arg,
		      sk_tc_emit *em)
{
	struct slot *s = &t->slots[j];
	apply(t, s, -1);
	s->gen = 0;
	s->n = 0;
	em->n = 0;
	if (fn(arg, node, em) < 0)
		return -1;
	if (em->n == 1) {
		s->one = em->c[0];
	} else if (em->n > 1) {
		struct contrib *c = realloc(s->c, em->n * sizeof(*c));
		if (!c)
			return -1;
		memcpy(c, em->c, em->n * sizeof(*c));
		s->c = c;
	}
	s->n = em->n;
	apply(t, s, 1);
	s->gen = node->generation;
	if (gen_room(t) == 0)
		gen_insert(t, s->gen, (uint32_t)j);
	return 0;
}

int sk_tc_sync(sk_tc *t, const cs_sched_node *const *nodes, size_t n, sk_tc_node_fn fn, void *arg)
{
	/* Entries and values of nodes long gone pile up: start over now and
	 * then (every node is counted again). */
	if (t->nents > 4 * t->live + 4096 || t->nvals > 4 * t->live + 4096)
		reset(t);
	if (n > t->slotcap) {
		size_t cap = t->slotcap ? t->slotcap : 64;
		while (cap < n)
			cap *= 2;
		struct slot *s = realloc(t->slots, cap * sizeof(*s));
		if (!s) {
			reset(t);
			return -1;
		}
		memset(s + t->slotcap, 0, (cap - t->slotcap) * sizeof(*s));
		t->slots = s;
		t->slotcap = cap;
	}
	/* Positions beyond the new end: their nodes left. */
	for (size_t j = n; j < t->nslots; j++) {
		apply(t, &t->slots[j], -1);
		free(t->slots[j].c);
		t->slots[j] = (struct slot){0};
	}
	t->nslots = n;
	sk_tc_emit em = {.t = t};
	int rc = 0;
	for (size_t j = 0; j < n && !rc; j++) {
		uint64_t g = nodes[j]->generation;
		if (!g)
			rc = -1;
		else if (t->slots[j].gen != g)
			rc = count_node(t, j, nodes[j], fn, arg, &em);
	}
	free(em.c);
	if (rc)
		reset(t);
	return rc;
}

int64_t sk_tc_get(const sk_tc *t, uint32_t sig, const char *value, size_t *nodes)
{
	long vid = value_find(t, value, str_hash(value));
	long i = vid < 0 ? -1 : entry_find(t, sig, (uint32_t)vid);
	if (nodes)
		*nodes = i < 0 ? 0 : (size_t)t->ents[i].nodes;
	return i < 0 ? 0 : t->ents[i].total;
}

/* The slot counted from this generation, or NULL. */
static const struct slot *slot_of(const sk_tc *t, uint64_t g, size_t *hint)
{
	/* The same node again (another sig), or one of the next few (the
	 * filter's node order, less the nodes earlier filters turned down). */
	if (hint && *hint && t->nslots)
		for (size_t d = 0, j = (*hint - 1) % t->nslots; d < 4; d++) {
			if (t->slots[j].gen == g) {
				*hint = j + 1;
				return &t->slots[j];
			}
			if (++j == t->nslots)
				j = 0;
		}
	for (size_t k = gen_hash(g) & (t->gtab_cap - 1); t->gtab[k].gen;
	     k = (k + 1) & (t->gtab_cap - 1)) {
		if (t->gtab[k].gen != g)
			continue;
		uint32_t j = t->gtab[k].slot;
		if (j >= t->nslots || t->slots[j].gen != g)
			return NULL;
		if (hint)
			*hint = (size_t)j + 1;
		return &t->slots[j];
	}
	return NULL;
}

int sk_tc_node_get(const sk_tc *t, const cs_sched_node *node, uint32_t sig, int64_t *total,
		   size_t *hint)
{
	uint64_t g = node->generation;
	/* Few values (zones): their table and entries stay in cache, while a
	 * node's slot is a cache miss or two; the caller's lookup by value
	 * (the node's labels, which the framework prefetches) costs less. */
	if (!g || !t->gtab_cap || t->nvals <= FEW_VALUES)
		return -1;
	const struct slot *s = slot_of(t, g, hint);
	if (!s)
		return -1;
	const struct contrib *c = slot_c(s);
	for (uint32_t i = 0; i < s->n; i++)
		if (c[i].sig == sig) {
			*total = t->ents[c[i].entry].total;
			return 1;
		}
	return 0;
}

size_t sk_tc_domains(const sk_tc *t, uint32_t sig, int64_t *min)
{
	size_t n = 0;
	int64_t lo = INT64_MAX;
	for (uint32_t i = sig < t->nsigs ? t->sigs[sig].head : 0; i; i = t->ents[i - 1].next) {
		const struct entry *e = &t->ents[i - 1];
		if (e->nodes <= 0)
			continue;
		n++;
		if (e->total < lo)
			lo = e->total;
	}
	if (min)
		*min = lo;
	return n;
}

bool sk_tc_any(const sk_tc *t, uint32_t sig)
{
	return sig < t->nsigs && t->sigs[sig].nonzero > 0;
}

int sk_tc_each_sig(const sk_tc *t, int (*fn)(void *arg, uint32_t sig), void *arg)
{
	for (size_t s = 0; s < t->nsigs; s++) {
		if (!t->sigs[s].nonzero)
			continue;
		int rc = fn(arg, (uint32_t)s);
		if (rc)
			return rc;
	}
	return 0;
}
