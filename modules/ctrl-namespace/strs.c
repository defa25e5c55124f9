/* Small containers and time helpers of ctrl-namespace. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns.h"

void ns_strs_add(ns_strs *s, const char *fmt, ...)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			s->oom = true;
			return;
		}
		s->v = v, s->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	char *str = NULL;
	int rc = vasprintf(&str, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		s->oom = true;
		return;
	}
	s->v[s->n++] = str;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *ns_strs_join_sorted(ns_strs *s, const char *sep)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	size_t len = 1, seplen = strlen(sep);
	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + (i ? seplen : 0);
	char *out = malloc(len);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (i) {
			memcpy(out + k, sep, seplen);
			k += seplen;
		}
		size_t l = strlen(s->v[i]);
		memcpy(out + k, s->v[i], l);
		k += l;
	}
	out[k] = '\0';
	return out;
}

void ns_strs_free(ns_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (ns_strs){0};
}

void ns_counts_add(ns_counts *c, const char *name, int64_t k)
{
	for (size_t i = 0; i < c->n; i++) {
		if (!strcmp(c->name[i], name)) {
			c->count[i] += k;
			return;
		}
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		char **nm = realloc(c->name, cap * sizeof(*nm));
		if (nm)
			c->name = nm;
		int64_t *ct = nm ? realloc(c->count, cap * sizeof(*ct)) : NULL;
		if (ct)
			c->count = ct;
		if (!nm || !ct) {
			c->oom = true;
			return;
		}
		c->cap = cap;
	}
	char *dup = strdup(name);
	if (!dup) {
		c->oom = true;
		return;
	}
	c->name[c->n] = dup;
	c->count[c->n++] = k;
}

void ns_counts_free(ns_counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->name[i]);
	free(c->name);
	free(c->count);
	*c = (ns_counts){0};
}
