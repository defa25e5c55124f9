/* The "0/N nodes are available: ..." message: see fitmsg.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fitmsg.h"

struct tally {
	const char *reason;
	size_t count;
	char *text;
};

static int by_text(const void *a, const void *b)
{
	return strcmp(((const struct tally *)a)->text, ((const struct tally *)b)->text);
}

char *sk_fit_message(const char *prefix, size_t n, const char *const *reasons, const char *post)
{
	struct tally *t = calloc(n ? n : 1, sizeof(*t));
	size_t nt = 0, len = 0;
	char *out = NULL;
	FILE *f = t ? open_memstream(&out, &len) : NULL;
	if (!f) {
		free(t);
		return NULL;
	}
	/* Few distinct reasons, many nodes: a linear search per node. */
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < nt && strcmp(t[k].reason, reasons[i]))
			k++;
		if (k == nt)
			t[nt++].reason = reasons[i];
		t[k].count++;
	}
	bool oom = false;
	for (size_t k = 0; k < nt; k++)
		if (asprintf(&t[k].text, "%zu %s", t[k].count, t[k].reason) < 0) {
			t[k].text = NULL;
			oom = true;
		}
	if (!oom)
		qsort(t, nt, sizeof(*t), by_text);
	fprintf(f, "%s0/%zu nodes are available:", prefix ? prefix : "", n);
	for (size_t k = 0; k < nt && !oom; k++)
		fprintf(f, "%s %s", k ? "," : "", t[k].text);
	fputc('.', f);
	if (post && *post)
		fprintf(f, " %s", post);
	for (size_t k = 0; k < nt; k++)
		free(t[k].text);
	free(t);
	if (fclose(f) || oom) {
		free(out);
		return NULL;
	}
	return out;
}
