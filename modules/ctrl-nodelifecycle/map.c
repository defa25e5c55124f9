/* A small chained hash map with string keys, and clocks. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nl.h"

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

int nl_map_init(nl_map *m)
{
	m->nb = 64;
	m->len = 0;
	m->b = calloc(m->nb, sizeof(*m->b));
	return m->b ? 0 : -1;
}

void nl_map_free(nl_map *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->nb; i++)
		for (nl_entry *e = m->b[i], *next; e; e = next) {
			next = e->next;
			if (free_val)
				free_val(e->val);
			free(e->key);
			free(e);
		}
	free(m->b);
	m->b = NULL;
	m->nb = m->len = 0;
}

void *nl_map_get(const nl_map *m, const char *key)
{
	for (nl_entry *e = m->b[hash(key) % m->nb]; e; e = e->next)
		if (!strcmp(e->key, key))
			return e->val;
	return NULL;
}

static void grow(nl_map *m)
{
	size_t nb = m->nb * 2;
	nl_entry **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* slower, not wrong */
	for (size_t i = 0; i < m->nb; i++)
		for (nl_entry *e = m->b[i], *next; e; e = next) {
			next = e->next;
			size_t k = hash(e->key) % nb;
			e->next = b[k];
			b[k] = e;
		}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

int nl_map_put(nl_map *m, const char *key, void *val)
{
	if (m->len >= m->nb)
		grow(m);
	nl_entry *e = calloc(1, sizeof(*e));
	if (!e || !(e->key = strdup(key))) {
		free(e);
		return -1;
	}
	e->val = val;
	size_t k = hash(key) % m->nb;
	e->next = m->b[k];
	m->b[k] = e;
	m->len++;
	return 0;
}

void *nl_map_take(nl_map *m, const char *key)
{
	for (nl_entry **p = &m->b[hash(key) % m->nb]; *p; p = &(*p)->next)
		if (!strcmp((*p)->key, key)) {
			nl_entry *e = *p;
			void *val = e->val;
			*p = e->next;
			free(e->key);
			free(e);
			m->len--;
			return val;
		}
	return NULL;
}

void nl_map_filter(nl_map *m, bool (*fn)(void *arg, const char *key, void *val), void *arg)
{
	for (size_t i = 0; i < m->nb; i++)
		for (nl_entry **p = &m->b[i]; *p;) {
			nl_entry *e = *p;
			if (fn(arg, e->key, e->val)) {
				*p = e->next;
				free(e->key);
				free(e);
				m->len--;
			} else {
				p = &e->next;
			}
		}
}

uint64_t nl_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void nl_rfc3339_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
