/* String helpers of admit-limitranger. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr.h"

int lr_names_add(lr_names *s, const char *name)
{
	size_t i = 0;
	while (i < s->n && strcmp(s->v[i], name) < 0)
		i++;
	if (i < s->n && !strcmp(s->v[i], name))
		return 0;
	char **v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->v = v;
	char *copy = strdup(name);
	if (!copy)
		return -1;
	memmove(&v[i + 1], &v[i], (s->n - i) * sizeof(*v));
	v[i] = copy;
	s->n++;
	return 0;
}

void lr_names_free(lr_names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int append(lr_text *t, const char *piece)
{
	size_t n = strlen(piece);
	char *s = realloc(t->s, t->len + n + 1);
	if (!s)
		return -1;
	memcpy(s + t->len, piece, n + 1);
	t->s = s;
	t->len += n;
	return 0;
}

int lr_note(lr_text *t, const lr_names *names, const char *kind, const char *what,
	    const char *container)
{
	if (t->len && append(t, "; ") < 0)
		return -1;
	for (size_t i = 0; i < names->n; i++)
		if ((i && append(t, ", ") < 0) || append(t, names->v[i]) < 0)
			return -1;
	char tail[320];
	snprintf(tail, sizeof(tail), " %s for %s %s", kind, what, container ? container : "");
	return append(t, tail);
}

char *lr_text_take(lr_text *t, const char *prefix)
{
	size_t n = strlen(prefix);
	char *s = malloc(n + t->len + 1);
	if (!s)
		return NULL;
	memcpy(s, prefix, n);
	memcpy(s + n, t->s ? t->s : "", t->len + 1);
	return s;
}

void lr_text_free(lr_text *t)
{
	free(t->s);
	t->s = NULL;
	t->len = 0;
}

int lr_errorf(lr_errors *e, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	char **v = realloc(e->v, (e->n + 1) * sizeof(*v));
	if (!v) {
		free(msg);
		return -1;
	}
	e->v = v;
	v[e->n++] = msg;
	return 0;
}

char *lr_errors_join(const lr_errors *e)
{
	if (e->n == 1)
		return strdup(e->v[0]);
	lr_text t = {0};
	if (append(&t, "[") < 0)
		return NULL;
	for (size_t i = 0; i < e->n; i++)
		if ((i && append(&t, ", ") < 0) || append(&t, e->v[i]) < 0) {
			lr_text_free(&t);
			return NULL;
		}
	if (append(&t, "]") < 0) {
		lr_text_free(&t);
		return NULL;
	}
	return t.s;
}

void lr_errors_free(lr_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

int lr_path(char *buf, size_t n, const char *path, const char *key)
{
	size_t o = 0;
	if (*path) {
		o = (size_t)snprintf(buf, n, "%s.", path);
		if (o >= n)
			return -1;
	}
	for (const char *k = key; *k; k++) {
		if (*k == '.' || *k == '\\' || *k == '[') {
			if (o + 1 >= n)
				return -1;
			buf[o++] = '\\';
		}
		if (o + 1 >= n)
			return -1;
		buf[o++] = *k;
	}
	buf[o] = '\0';
	return 0;
}
