/* Open-addressing index: see itab.h. */
#include <stdlib.h>
#include <string.h>

#include "itab.h"

void sk_itab_put(sk_itab *t, uint64_t hash, uint32_t idx)
{
	size_t k = sk_itab_first(t, hash);
	while (t->slot[k])
		k = sk_itab_next(t, k);
	t->slot[k] = idx + 1;
}

int sk_itab_grow(sk_itab *t, size_t n, uint64_t (*hash)(const void *arg, size_t i), const void *arg)
{
	sk_itab g = {.cap = t->cap ? t->cap * 2 : 64};
	if (!(g.slot = calloc(g.cap, sizeof(*g.slot))))
		return -1;
	for (size_t i = 0; i < n; i++)
		sk_itab_put(&g, hash(arg, i), (uint32_t)i);
	free(t->slot);
	*t = g;
	return 0;
}

void sk_itab_clear(sk_itab *t)
{
	if (t->cap)
		memset(t->slot, 0, t->cap * sizeof(*t->slot));
}

void sk_itab_free(sk_itab *t)
{
	free(t->slot);
	*t = (sk_itab){0};
}
