/* An open-addressing index over an array the caller owns: slots hold an
 * element's index + 1 (0: empty), probed linearly from the element's hash.
 * The caller compares elements while probing:
 *
 *   for (size_t k = sk_itab_first(t, h); sk_itab_at(t, k); k = sk_itab_next(t, k))
 *           if (equal(&v[sk_itab_at(t, k) - 1], key)) ...
 *
 * Keep at most half the slots used (sk_itab_full), so probes stay short and
 * always end at an empty slot. */
#ifndef SK_ITAB_H
#define SK_ITAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sk_itab {
	uint32_t *slot;
	size_t cap; /* 0 or a power of two */
} sk_itab;

static inline size_t sk_itab_first(const sk_itab *t, uint64_t hash)
{
	return (size_t)hash & (t->cap - 1);
}

static inline size_t sk_itab_next(const sk_itab *t, size_t k)
{
	return (k + 1) & (t->cap - 1);
}

/* The slot's index + 1, 0 when empty (and for any k of an empty table). */
static inline uint32_t sk_itab_at(const sk_itab *t, size_t k)
{
	return t->cap ? t->slot[k] : 0;
}

/* Whether n + 1 elements would fill more than half the slots. */
static inline bool sk_itab_full(const sk_itab *t, size_t n)
{
	return (n + 1) * 2 > t->cap;
}

/* Index idx under hash (room assumed: !sk_itab_full). */
void sk_itab_put(sk_itab *t, uint64_t hash, uint32_t idx);

/* Twice the slots (64 at first), with elements 0..n-1 indexed again under
 * hash(arg, i).  -1 when out of memory (the table is unchanged). */
int sk_itab_grow(sk_itab *t, size_t n, uint64_t (*hash)(const void *arg, size_t i),
		 const void *arg);

/* Empty every slot; keep the memory. */
void sk_itab_clear(sk_itab *t);
void sk_itab_free(sk_itab *t);

#endif
