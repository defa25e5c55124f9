/* Prometheus text exposition of the API server's and store's figures.
 * Names follow the Kubernetes API server's where one exists, so existing
 * dashboards apply. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "modhost.h"

#define NBUCKETS 14
static const double bucket_le[NBUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
					   0.1,    0.25,  0.5,    1,     2.5,  5,     10};

struct series {
	const char *verb, *resource; /* static strings (type table / literals) */
	int code;
	uint64_t count;
	uint64_t buckets[NBUCKETS];
	double sum;
};

/* Metrics are only touched from the event loop thread. */
static struct series *series;
static size_t nseries, capseries;

void cs_metrics_observe(const char *verb, const char *resource, int code, uint64_t ns)
{
	struct series *s = NULL;
	for (size_t i = 0; i < nseries; i++) {
		if (series[i].code == code && series[i].verb == verb &&
		    series[i].resource == resource) {
			s = &series[i];
			break;
		}
	}
	if (!s) {
		if (nseries == capseries) {
			capseries = capseries ? capseries * 2 : 64;
			series = realloc(series, capseries * sizeof(*series));
			if (!series)
				abort();
		}
		s = &series[nseries++];
		memset(s, 0, sizeof(*s));
		s->verb = verb;
		s->resource = resource;
		s->code = code;
	}
	double secs = (double)ns / 1e9;
	s->count++;
	s->sum += secs;
	for (int i = 0; i < NBUCKETS; i++)
		if (secs <= bucket_le[i])
			s->buckets[i]++;
}

struct sb {
	char *b;
	size_t len, cap;
};

static void sb_printf(struct sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_emit(void *arg, const char *text, size_t len)
{
	sb_printf(arg, "%.*s", (int)len, text);
}
static void sb_printf(struct sb *sb, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(sb->b + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
		if ((size_t)n < sb->cap - sb->len) {
			sb->len += (size_t)n;
			return;
		}
		sb->cap = (sb->cap + (size_t)n) * 2;
		sb->b = realloc(sb->b, sb->cap);
		if (!sb->b)
			abort();
	}
}

static long rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

char *cs_metrics_render(cs_server *srv, size_t *len)
{
	struct sb sb = {.cap = 8192};
	sb.b = malloc(sb.cap);
	if (!sb.b)
		abort();
	sb.b[0] = '\0';
	sb_printf(&sb, "# HELP apiserver_request_total Requests by verb, resource and HTTP code.\n"
		       "# TYPE apiserver_request_total counter\n");
	for (size_t i = 0; i < nseries; i++)
		sb_printf(&sb,
			  "apiserver_request_total{verb=\"%s\",resource=\"%s\",code=\"%d\"} %llu\n",
			  series[i].verb, series[i].resource, series[i].code,
			  (unsigned long long)series[i].count);
	sb_printf(&sb, "# HELP apiserver_request_duration_seconds Response latency.\n"
		       "# TYPE apiserver_request_duration_seconds histogram\n");
	for (size_t i = 0; i < nseries; i++) {
		struct series *s = &series[i];
		for (int b = 0; b < NBUCKETS; b++)
			sb_printf(&sb,
				  "apiserver_request_duration_seconds_bucket{verb=\"%s\",resource="
				  "\"%s\","
				  "code=\"%d\",le=\"%g\"} %llu\n",
				  s->verb, s->resource, s->code, bucket_le[b],
				  (unsigned long long)s->buckets[b]);
		sb_printf(&sb,
			  "apiserver_request_duration_seconds_bucket{verb=\"%s\",resource=\"%s\","
			  "code=\"%d\",le=\"+Inf\"} %llu\n"
			  "apiserver_request_duration_seconds_sum{verb=\"%s\",resource=\"%s\","
			  "code=\"%d\"} %.9f\n"
			  "apiserver_request_duration_seconds_count{verb=\"%s\",resource=\"%s\","
			  "code=\"%d\"} %llu\n",
			  s->verb, s->resource, s->code, (unsigned long long)s->count, s->verb,
			  s->resource, s->code, s->sum, s->verb, s->resource, s->code,
			  (unsigned long long)s->count);
	}
	cs_store_stats st;
	cs_store_stats_get(srv->store, &st);
	sb_printf(&sb,
		  "# HELP capstan_store_sync_duration_seconds Time of one synced leveldb batch.\n"
		  "# TYPE capstan_store_sync_duration_seconds histogram\n");
	uint64_t cum = 0;
	double lim = 0.0001;
	for (int b = 0; b < 16; b++, lim *= 2) {
		cum += st.sync_hist[b];
		if (b < 15)
			sb_printf(&sb,
				  "capstan_store_sync_duration_seconds_bucket{le=\"%g\"} %llu\n",
				  lim, (unsigned long long)cum);
	}
	sb_printf(&sb,
		  "capstan_store_sync_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		  "capstan_store_sync_duration_seconds_sum %.9f\n"
		  "capstan_store_sync_duration_seconds_count %llu\n"
		  "# HELP capstan_store_writes_total Object writes made durable.\n"
		  "# TYPE capstan_store_writes_total counter\ncapstan_store_writes_total %llu\n"
		  "# HELP capstan_store_batches_total Synced batches (group commits).\n"
		  "# TYPE capstan_store_batches_total counter\ncapstan_store_batches_total %llu\n"
		  "# HELP capstan_store_revision Current store revision.\n"
		  "# TYPE capstan_store_revision gauge\ncapstan_store_revision %llu\n"
		  "# HELP apiserver_registered_watchers Open watch streams.\n"
		  "# TYPE apiserver_registered_watchers gauge\napiserver_registered_watchers %zu\n"
		  "# HELP process_resident_memory_bytes Resident memory.\n"
		  "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %ld\n"
		  "# HELP apiserver_storage_objects Stored objects by resource.\n"
		  "# TYPE apiserver_storage_objects gauge\n",
		  (unsigned long long)st.batches, st.sync_ns_total / 1e9,
		  (unsigned long long)st.batches, (unsigned long long)st.writes,
		  (unsigned long long)st.batches, (unsigned long long)cs_store_rev(srv->store),
		  cs_watch_count(srv), rss_bytes());
	for (size_t i = 0; i < cs_types_count; i++) {
		char prefix[256];
		cs_key_prefix(prefix, sizeof(prefix), &cs_types[i], NULL);
		sb_printf(&sb, "apiserver_storage_objects{resource=\"%s%s%s\"} %zu\n",
			  cs_types[i].resource, cs_types[i].group[0] ? "." : "", cs_types[i].group,
			  cs_store_count(srv->store, prefix));
	}
	cs_modmetrics_render(sb_emit, &sb);
	*len = sb.len;
	return sb.b;
}
