#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "table.h"

/* FNV-1a: ids are random hex and names short, so a simple hash spreads
 * them well enough. */
uint64_t ht_hash(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return h;
}

ht_node *ht_find(const ht *t, const char *key)
{
	if (!t->nbuckets)
		return NULL;
	uint64_t h = ht_hash(key);
	for (ht_node *n = t->buckets[h & (t->nbuckets - 1)]; n; n = n->next)
		if (n->hash == h && !strcmp(n->key, key))
			return n;
	return NULL;
}

static int grow(ht *t)
{
	size_t nb = t->nbuckets ? t->nbuckets * 2 : 64;
	ht_node **b = calloc(nb, sizeof(*b));
	if (!b)
		return -1;
	for (size_t i = 0; i < t->nbuckets; i++)
		for (ht_node *n = t->buckets[i], *next; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
	return 0;
}

int ht_insert(ht *t, ht_node *n, const char *key)
{
	/* Load factor 1: chains stay short, the bucket array costs one
	 * pointer per record. */
	if (t->len >= t->nbuckets && grow(t) < 0)
		return -1;
	n->key = key;
	n->hash = ht_hash(key);
	ht_node **b = &t->buckets[n->hash & (t->nbuckets - 1)];
	n->next = *b;
	*b = n;
	t->len++;
	return 0;
}

void ht_remove(ht *t, ht_node *n)
{
	for (ht_node **p = &t->buckets[n->hash & (t->nbuckets - 1)]; *p; p = &(*p)->next)
		if (*p == n) {
			*p = n->next;
			t->len--;
			return;
		}
}

ht_node *ht_next(const ht *t, size_t *bucket, ht_node *prev)
{
	if (prev && prev->next)
		return prev->next;
	for (size_t i = prev ? *bucket + 1 : *bucket; i < t->nbuckets; i++)
		if (t->buckets[i]) {
			*bucket = i;
			return t->buckets[i];
		}
	*bucket = t->nbuckets;
	return NULL;
}

void ht_free(ht *t)
{
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}
