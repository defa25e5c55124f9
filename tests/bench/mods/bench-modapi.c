/* Benchmark module: how fast a module writes through the host's API
 * (call_async, `inflight` requests outstanding) and how fast its informer
 * sees the results.  Prints one BENCH line to the log when done. */
#include <capstan/controller.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bench {
	int64_t n, inflight, size;
	int64_t sent, done, errors, seen;
	double t0, t_done, t_seen;
	double *lat; /* per request, ms */
	double *start;
	char *payload;
	const char *via;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(cs_mod *m, struct bench *b)
{
	qsort(b->lat, (size_t)b->done, sizeof(double), cmp);
	double secs = b->t_done - b->t0;
	double isecs = b->t_seen - b->t0;
	m->host->log(m, CS_LOG_INFO,
		     "BENCH modhost/create via=%s n=%lld inflight=%lld size=%lld "
		     "ops_per_sec=%.0f p50_ms=%.3f p99_ms=%.3f informer_seen=%lld "
		     "informer_events_per_sec=%.0f errors=%lld",
		     b->via, (long long)b->n, (long long)b->inflight, (long long)b->size,
		     b->done / secs, b->lat[b->done / 2], b->lat[b->done * 99 / 100],
		     (long long)b->seen, b->seen / isecs, (long long)b->errors);
}

static void send_one(cs_mod *m, struct bench *b);

static void created(cs_mod *m, void *arg, int code, const cs_object *res, const cs_error *err)
{
	(void)res;
	struct bench *b = m->host->data(m);
	int64_t i = (int64_t)(intptr_t)arg;
	if (code) {
		if (b->errors++ < 3)
			m->host->log(m, CS_LOG_ERROR, "create failed: %s", err ? err->message : "");
	}
	b->lat[b->done++] = (now() - b->start[i]) * 1000;
	if (b->done == b->n) {
		b->t_done = now();
		if (b->seen >= b->n)
			report(m, b);
		return;
	}
	if (b->sent < b->n)
		send_one(m, b);
}

static void send_one(cs_mod *m, struct bench *b)
{
	const cs_host *h = m->host;
	int64_t i = b->sent++;
	cs_object *o = h->obj_new(CS_OBJ_MAP);
	char name[64];
	snprintf(name, sizeof(name), "bench-%lld", (long long)i);
	h->obj_set_str(o, "apiVersion", "v1");
	h->obj_set_str(o, "kind", "ConfigMap");
	h->obj_set_str(o, "metadata.name", name);
	h->obj_set_str(o, "metadata.namespace", "default");
	h->obj_set_str(o, "metadata.labels.bench", "modapi");
	h->obj_set_str(o, "data.payload", b->payload);
	cs_request r = {
		.verb = CS_VERB_CREATE, .resource = "configmaps", .ns = "default", .body = o};
	b->start[i] = now();
	if (h->call_async(m, &r, created, (void *)(intptr_t)i)) {
		b->errors++;
		b->lat[b->done++] = 0;
	}
	h->obj_free(o);
}

static void seen(cs_mod *m, void *arg, const cs_object *obj)
{
	(void)arg;
	(void)obj;
	struct bench *b = m->host->data(m);
	if (++b->seen == b->n) {
		b->t_seen = now();
		if (b->done >= b->n)
			report(m, b);
	}
}

static void go(cs_mod *m, void *arg)
{
	(void)arg;
	struct bench *b = m->host->data(m);
	b->t0 = now();
	for (int64_t i = 0; i < b->inflight && b->sent < b->n; i++)
		send_one(m, b);
}

static int bench_init(cs_mod *m)
{
	struct bench *b = calloc(1, sizeof(*b));
	b->n = m->host->opt_int(m, "count");
	b->inflight = m->host->opt_int(m, "inflight");
	b->size = m->host->opt_int(m, "size");
	b->via = strcmp(m->host->role(m), "agent") ? "in-process" : "http";
	if (b->n <= 0 || b->inflight <= 0 || b->size < 0 || b->size > 1 << 20) {
		m->host->log(m, CS_LOG_ERROR, "count, inflight > 0; size 0..1MiB");
		free(b);
		return -1;
	}
	b->lat = calloc((size_t)b->n, sizeof(double));
	b->start = calloc((size_t)b->n, sizeof(double));
	b->payload = malloc((size_t)b->size + 1);
	memset(b->payload, 'x', (size_t)b->size);
	b->payload[b->size] = '\0';
	m->host->set_data(m, b);
	static const cs_informer_handlers h = {.on_add = seen};
	return m->host->informer_new(m, "configmaps", "default", "bench=modapi", NULL, 0, &h) ? 0
											      : -1;
}

static int bench_start(cs_mod *m)
{
	/* After start returns the informer lists (empty), then we write. */
	m->host->timer_add(m, 200, 0, go, NULL);
	return 0;
}

static void bench_fini(cs_mod *m)
{
	struct bench *b = m->host->data(m);
	if (!b)
		return;
	free(b->lat);
	free(b->start);
	free(b->payload);
	free(b);
}

static int noop(cs_mod *m, const char *key)
{
	(void)m;
	(void)key;
	return CS_DONE;
}

static const cs_option options[] = {
	{"count", CS_OPT_INT, "20000", "objects to create"},
	{"inflight", CS_OPT_INT, "256", "asynchronous creates outstanding"},
	{"size", CS_OPT_INT, "1024", "payload bytes per object"},
	{NULL, CS_OPT_END, NULL, NULL},
};

/* A controller only because every module has a kind; its reconcile is
 * not what is measured. */
static const cs_controller_ops ops = {
	.size = sizeof(ops),
	.primary = "namespaces",
	.workers = 1,
	.reconcile = noop,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "bench-modapi",
	.version = "1",
	.description = "benchmark: module API write and informer throughput",
	.kind = CS_KIND_CONTROLLER,
	.options = options,
	.init = bench_init,
	.start = bench_start,
	.fini = bench_fini,
	.ops = &ops,
};
