/* A small string-keyed hash map (chained, power-of-two buckets).  Not
 * thread-safe: struct fw guards its maps with its mutex. */
#include <stdlib.h>
#include <string.h>

#include "fw.h"

struct fw_map_ent {
	fw_map_ent *next;
	void *val;
	char key[]; /* NUL-terminated */
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void *fw_map_get(const fw_map *mp, const char *key)
{
	if (!mp->cap)
		return NULL;
	for (fw_map_ent *e = mp->tab[hash(key) & (mp->cap - 1)]; e; e = e->next)
		if (!strcmp(e->key, key))
			return e->val;
	return NULL;
}

static int grow(fw_map *mp)
{
	size_t cap = mp->cap ? mp->cap * 2 : 32;
	fw_map_ent **t = calloc(cap, sizeof(*t));
	if (!t)
		return -1;
	for (size_t i = 0; i < mp->cap; i++)
		for (fw_map_ent *e = mp->tab[i], *nx; e; e = nx) {
			nx = e->next;
			size_t b = hash(e->key) & (cap - 1);
			e->next = t[b];
			t[b] = e;
		}
	free(mp->tab);
	mp->tab = t;
	mp->cap = cap;
	return 0;
}

int fw_map_put(fw_map *mp, const char *key, void *val)
{
	if (mp->len + 1 > mp->cap * 3 / 4 && grow(mp) < 0)
		return -1;
	size_t n = strlen(key) + 1;
	fw_map_ent *e = malloc(sizeof(*e) + n);
	if (!e)
		return -1;
	memcpy(e->key, key, n);
	e->val = val;
	size_t b = hash(key) & (mp->cap - 1);
	e->next = mp->tab[b];
	mp->tab[b] = e;
	mp->len++;
	return 0;
}

void *fw_map_del(fw_map *mp, const char *key)
{
	if (!mp->cap)
		return NULL;
	for (fw_map_ent **pp = &mp->tab[hash(key) & (mp->cap - 1)]; *pp; pp = &(*pp)->next) {
		fw_map_ent *e = *pp;
		if (strcmp(e->key, key))
			continue;
		*pp = e->next;
		void *v = e->val;
		free(e);
		mp->len--;
		return v;
	}
	return NULL;
}

void fw_map_filter(fw_map *mp, bool (*keep)(void *arg, const char *key, void *val), void *arg,
		   void (*drop)(void *val))
{
	for (size_t i = 0; i < mp->cap; i++)
		for (fw_map_ent **pp = &mp->tab[i]; *pp;) {
			fw_map_ent *e = *pp;
			if (keep && keep(arg, e->key, e->val)) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			if (drop)
				drop(e->val);
			free(e);
			mp->len--;
		}
}

void fw_map_each(const fw_map *mp, void (*fn)(void *arg, const char *key, void *val), void *arg)
{
	for (size_t i = 0; i < mp->cap; i++)
		for (fw_map_ent *e = mp->tab[i]; e; e = e->next)
			fn(arg, e->key, e->val);
}

void fw_map_clear(fw_map *mp, void (*drop)(void *val))
{
	fw_map_filter(mp, NULL, NULL, drop);
	free(mp->tab);
	mp->tab = NULL;
	mp->cap = 0;
}
