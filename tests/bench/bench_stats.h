/* Latency samples and the BENCH output line for the load generator.
 *
 * Header-only on purpose: the Makefile builds every .c file in tests/bench into its own binary, so
 * the load generator's parts live in headers included once by loadgen.c. */
#ifndef CS_BENCH_STATS_H
#define CS_BENCH_STATS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t bs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Wall clock, for times compared with the kernel's packet receive stamps. */
static inline uint64_t bs_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Every latency is kept, so percentiles are exact rather than estimated from buckets. */
typedef struct {
	uint64_t *ns;
	size_t n, cap;
} bs_samples;

static void bs_add(bs_samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 65536;
		uint64_t *p = realloc(s->ns, cap * sizeof(*p));

		if (!p) {
			fprintf(stderr, "loadgen: out of memory keeping %zu latency samples\n",
				s->n);
			exit(1);
		}
		s->ns = p;
		s->cap = cap;
	}
	s->ns[s->n++] = ns;
}

static int bs_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void bs_sort(bs_samples *s)
{
	qsort(s->ns, s->n, sizeof(*s->ns), bs_cmp_u64);
}

/* Nearest-rank percentile in milliseconds of sorted samples; q in (0, 1]. */
static double bs_pct_ms(const bs_samples *s, double q)
{
	if (s->n == 0)
		return 0;
	size_t rank = (size_t)(q * (double)s->n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return (double)s->ns[rank - 1] / 1e6;
}

static void bs_free(bs_samples *s)
{
	free(s->ns);
	memset(s, 0, sizeof(*s));
}

/* "p50_ms=.. p99_ms=.. max_ms=.." of the samples (sorts them). */
static void bs_fmt_latency(bs_samples *s, char *out, size_t len)
{
	bs_sort(s);
	snprintf(out, len, "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f", bs_pct_ms(s, 0.50),
		 bs_pct_ms(s, 0.99), s->n ? (double)s->ns[s->n - 1] / 1e6 : 0.0);
}

#endif
