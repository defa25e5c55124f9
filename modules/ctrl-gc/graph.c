/* The owner -> dependents graph, keyed by uid, as Kubernetes'
 * GraphBuilder keeps it: a node per object seen by an informer, plus a
 * "virtual" node per uid that is only named as an owner, so that an
 * owner's dependents are known before (or without) the owner being seen.
 * Not thread-safe: the caller holds gc->mu. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gc.h"

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

int gc_graph_init(gc_graph *g)
{
	g->nbuckets = 256;
	g->len = 0;
	g->buckets = calloc(g->nbuckets, sizeof(*g->buckets));
	return g->buckets ? 0 : -1;
}

void gc_refs_free(gc_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(refs[i].uid);
		free(refs[i].api_version);
		free(refs[i].kind);
		free(refs[i].name);
	}
	free(refs);
}

static void node_free(gc_node *n)
{
	free(n->uid);
	free(n->ns);
	free(n->name);
	gc_refs_free(n->owners, n->nowners);
	free(n->deps);
	free(n);
}

void gc_graph_free(gc_graph *g)
{
	for (size_t i = 0; i < g->nbuckets; i++)
		for (gc_node *n = g->buckets[i], *next; n; n = next) {
			next = n->next;
			node_free(n);
		}
	free(g->buckets);
	g->buckets = NULL;
	g->nbuckets = g->len = 0;
}

gc_node *gc_graph_find(gc_graph *g, const char *uid)
{
	for (gc_node *n = g->buckets[hash(uid) % g->nbuckets]; n; n = n->next)
		if (!strcmp(n->uid, uid))
			return n;
	return NULL;
}

/* Doubles the table when it is full; a failed grow only costs speed. */
static void grow(gc_graph *g)
{
	size_t nb = g->nbuckets * 2;
	gc_node **b = calloc(nb, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < g->nbuckets; i++)
		for (gc_node *n = g->buckets[i], *next; n; n = next) {
			next = n->next;
			size_t k = hash(n->uid) % nb;
			n->next = b[k];
			b[k] = n;
		}
	free(g->buckets);
	g->buckets = b;
	g->nbuckets = nb;
}

gc_node *gc_graph_ensure(gc_graph *g, const char *uid)
{
	gc_node *n = gc_graph_find(g, uid);
	if (n)
		return n;
	if (g->len >= g->nbuckets)
		grow(g);
	n = calloc(1, sizeof(*n));
	if (!n || !(n->uid = strdup(uid))) {
		free(n);
		return NULL;
	}
	size_t k = hash(uid) % g->nbuckets;
	n->next = g->buckets[k];
	g->buckets[k] = n;
	g->len++;
	return n;
}

void gc_graph_release(gc_graph *g, gc_node *n)
{
	if (n->observed || n->ndeps)
		return;
	for (gc_node **p = &g->buckets[hash(n->uid) % g->nbuckets]; *p; p = &(*p)->next)
		if (*p == n) {
			*p = n->next;
			g->len--;
			node_free(n);
			return;
		}
}

int gc_node_attach(gc_node *owner, gc_node *dep)
{
	for (size_t i = 0; i < owner->ndeps; i++)
		if (owner->deps[i] == dep)
			return 0;
	if (owner->ndeps == owner->capdeps) {
		size_t c = owner->capdeps ? owner->capdeps * 2 : 4;
		gc_node **d = realloc(owner->deps, c * sizeof(*d));
		if (!d)
			return -1;
		owner->deps = d;
		owner->capdeps = c;
	}
	owner->deps[owner->ndeps++] = dep;
	return 0;
}

void gc_node_detach(gc_node *owner, gc_node *dep)
{
	for (size_t i = 0; i < owner->ndeps; i++)
		if (owner->deps[i] == dep) {
			owner->deps[i] = owner->deps[--owner->ndeps];
			return;
		}
}

const gc_ref *gc_node_ref_to(const gc_node *dep, const char *uid)
{
	for (size_t i = 0; i < dep->nowners; i++)
		if (!strcmp(dep->owners[i].uid, uid))
			return &dep->owners[i];
	return NULL;
}
