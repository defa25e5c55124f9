/* An intrusive string-keyed hash table: the node lives inside the record,
 * so one record can sit in several tables (by id, by name) without extra
 * allocations.  5,000 hollow nodes of 110 pods each put half a million
 * containers into one process; lookups must stay O(1). */
#ifndef HOLLOW_TABLE_H
#define HOLLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ht_node {
	struct ht_node *next;
	uint64_t hash;
	const char *key; /* owned by the record */
} ht_node;

typedef struct ht {
	ht_node **buckets;
	size_t nbuckets; /* power of two, or 0 before the first insert */
	size_t len;
} ht;

#define ht_entry(node, type, member) ((type *)((char *)(node)-offsetof(type, member)))

uint64_t ht_hash(const char *key);
ht_node *ht_find(const ht *t, const char *key);
/* key must not be in the table yet.  Returns -1 when memory runs out. */
int ht_insert(ht *t, ht_node *n, const char *key);
void ht_remove(ht *t, ht_node *n);
/* Iterate: start with *bucket = 0 and prev = NULL, pass the last node
 * back; NULL at the end.  No inserts or removals during a walk. */
ht_node *ht_next(const ht *t, size_t *bucket, ht_node *prev);
void ht_free(ht *t);

#endif
