/* Completion-index sets in the form Kubernetes writes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

/* Indexes outside [0, n) are ignored, as Kubernetes' parser does when
 * completions shrank. */
int job_indexes_parse(job_indexes *s, const char *text, int64_t n)
{
	s->n = n > 0 ? n : 0;
	s->count = 0;
	s->done = calloc(s->n ? (size_t)s->n : 1, sizeof(bool));
	if (!s->done)
		return -1;
	for (const char *p = text ? text : ""; *p;) {
		char *end;
		long long a = strtoll(p, &end, 10), b = a;
		if (end == p)
			break; /* malformed: keep what parsed */
		p = end;
		if (*p == '-') {
			b = strtoll(p + 1, &end, 10);
			if (end == p + 1)
				break;
			p = end;
		}
		for (long long i = a < 0 ? 0 : a; i <= b && i < s->n; i++) {
			if (!s->done[i]) {
				s->done[i] = true;
				s->count++;
			}
		}
		if (*p == ',')
			p++;
		else
			break;
	}
	return 0;
}

char *job_indexes_format(const job_indexes *s)
{
	size_t cap = 64, len = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (int64_t i = 0; i < s->n;) {
		if (!s->done[i]) {
			i++;
			continue;
		}
		int64_t j = i;
		while (j + 1 < s->n && s->done[j + 1])
			j++;
		char part[48];
		int k = j > i ? snprintf(part, sizeof(part), "%s%lld-%lld", len ? "," : "",
					 (long long)i, (long long)j)
			      : snprintf(part, sizeof(part), "%s%lld", len ? "," : "",
					 (long long)i);
		if (len + (size_t)k + 1 > cap) {
			cap = (len + (size_t)k + 1) * 2;
			char *o = realloc(out, cap);
			if (!o) {
				free(out);
				return NULL;
			}
			out = o;
		}
		memcpy(out + len, part, (size_t)k + 1);
		len += (size_t)k;
		i = j + 1;
	}
	return out;
}

void job_indexes_free(job_indexes *s)
{
	free(s->done);
	s->done = NULL;
}
