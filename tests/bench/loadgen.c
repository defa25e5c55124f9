/* loadgen: the load generator behind `make bench`.
 *
 *   loadgen create|get|list|watch --addr 127.0.0.1:PORT [--api capstan|etcd] [options]
 *   loadgen port        print a free loopback TCP port
 *
 * One process, one epoll loop, C keep-alive connections with one request in flight each
 * (closed loop, no pipelining).  Every latency is recorded, so p50/p99 are exact.  Each
 * phase prints one line: BENCH <label>/<phase> <metric>=<value> ...
 * etcd is driven through its gRPC-gateway JSON API (POST /v3/kv/put, /v3/kv/range) over the
 * same HTTP/1.1 client, so both servers see the same kind of traffic.
 *
 * watch: W streams from the collection's current resourceVersion, then one writer creates
 * objects at a fixed rate, each carrying its send time in data.ts; a delivery's latency ends
 * at the kernel's receive stamp of the segment that completed the event line.
 *
 * The parts live in headers (bench_http.h, bench_stats.h, bench_payload.h) because the
 * Makefile turns every .c file here into a program of its own.
 *
 * Exit status: 0 ran cleanly, 1 could not run (connect failure, server gone, timeout),
 * 2 ran but some answers were wrong or watch events went missing (errors=, missing=). */
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <sys/epoll.h>

#include "bench_stats.h"
#include "bench_http.h"
#include "bench_payload.h"
#include "bench_proc.h"

static struct {
	char host[64];
	int port;
	char hostport[96];
	bool etcd;
	bool serializable; /* etcd gets from the local member, skipping the quorum read */
	const char *label;
	const char *ns;
	const char *prefix;
	long n; /* objects created, and the key space of get */
	int clients;
	size_t size;
	long ops;   /* gets */
	long walks; /* full list walks */
	int limit;
	int watchers;
	long events;
	double rate;
	long pid;
	double stall_s; /* no response for this long: the server is stuck */
} opt = {
	.ns = "default",
	.prefix = "bench",
	.n = 10000,
	.clients = 64,
	.size = 1024,
	.ops = 100000,
	.walks = 4,
	.limit = 500,
	.watchers = 1000,
	.events = 200,
	.rate = 50,
	.stall_s = 30,
};

#define BODY_MAX (BP_POOL * 2)
static char g_body[BODY_MAX];
static long g_next; /* next object index / walk to hand out */
static long g_walk_objects, g_pages, g_walks_done;
static unsigned long long g_bytes;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* memmem for a string literal, its length counted by the compiler. */
#define FIND(hay, len, lit) ((const char *)memmem((hay), (len), lit, sizeof(lit) - 1))

static void obj_name(char *out, size_t len, const char *prefix, long i)
{
	snprintf(out, len, "%s-%08ld", prefix, i);
}

/* Where the machine's two cores went during a phase: is the server or this client the
 * bottleneck?  Percent of one core. */
typedef struct {
	uint64_t t0;
	double srv0, self0;
} cpu_mark;

static void cpu_begin(cpu_mark *m)
{
	m->t0 = bs_now_ns();
	m->srv0 = opt.pid ? pr_proc_cpu_s(opt.pid) : -1;
	m->self0 = pr_self_cpu_s();
}

static void cpu_fmt(const cpu_mark *m, char *out, size_t len)
{
	double secs = (double)(bs_now_ns() - m->t0) / 1e9;
	double srv = m->srv0 >= 0 ? pr_proc_cpu_s(opt.pid) : -1;
	int n = 0;

	if (srv >= 0)
		n = snprintf(out, len, " server_cpu_pct=%.0f", 100 * (srv - m->srv0) / secs);
	snprintf(out + n, len - (size_t)n, " client_cpu_pct=%.0f",
		 100 * (pr_self_cpu_s() - m->self0) / secs);
}

/* ---- per-phase requests and response checks ---------------------------------------- */

static void queue_create(bh_conn *c, const char *prefix, long i)
{
	char name[128];
	size_t len;

	obj_name(name, sizeof(name), prefix, i);
	if (opt.etcd) {
		len = bp_etcd_put(g_body, sizeof(g_body), opt.ns, name, i, bs_real_ns(), opt.size);
		bh_request(c, "POST", opt.hostport, "/v3/kv/put", g_body, len);
	} else {
		char path[256];

		snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps", opt.ns);
		len = bp_configmap(g_body, sizeof(g_body), name, i, bs_real_ns(), opt.size);
		bh_request(c, "POST", opt.hostport, path, g_body, len);
	}
}

static bool create_next(bh_conn *c)
{
	if (g_next >= opt.n)
		return false;
	queue_create(c, opt.prefix, g_next++);
	return true;
}

static bool create_check(bh_conn *c)
{
	int want = opt.etcd ? 200 : 201;

	if (c->status == want)
		return true;
	bh_seterr(c, "create answered %d, want %d: %.200s", c->status, want,
		  c->body ? c->body : "");
	return false;
}

static bool get_next(bh_conn *c)
{
	char name[128];

	if (g_next >= opt.ops)
		return false;
	g_next++;
	long i = (long)(bp_rand() % (uint64_t)opt.n);

	obj_name(name, sizeof(name), opt.prefix, i);
	c->count = i;
	if (opt.etcd) {
		char key[1024];

		bp_etcd_key(key, sizeof(key), opt.ns, name);
		int len = snprintf(g_body, sizeof(g_body), "{\"key\":\"%s\"%s}", key,
				   opt.serializable ? ",\"serializable\":true" : "");

		bh_request(c, "POST", opt.hostport, "/v3/kv/range", g_body, (size_t)len);
	} else {
		char path[256];

		snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps/%s", opt.ns, name);
		bh_request(c, "GET", opt.hostport, path, NULL, 0);
	}
	return true;
}

static bool get_check(bh_conn *c)
{
	if (c->status != 200) {
		bh_seterr(c, "get of object %ld answered %d: %.200s", c->count, c->status,
			  c->body ? c->body : "");
		return false;
	}
	/* etcd answers 200 with no "kvs" for a missing key. */
	if (opt.etcd && !strstr(c->body, "\"kvs\":[")) {
		bh_seterr(c, "get of object %ld found no key: %.200s", c->count, c->body);
		return false;
	}
	return true;
}

/* A list connection walks the whole collection; user holds its continue token (NULL when
 * it is between walks) and count the objects seen in the current walk. */
static bool list_next(bh_conn *c)
{
	char path[1024];
	int n;

	if (!c->user) {
		if (g_next >= opt.walks)
			return false;
		g_next++;
		c->count = 0;
		n = snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps?limit=%d",
			     opt.ns, opt.limit);
	} else {
		/* The token is base64: '+', '/' and '=' must be escaped in a query. */
		n = snprintf(path, sizeof(path),
			     "/api/v1/namespaces/%s/configmaps?limit=%d&continue=", opt.ns,
			     opt.limit);
		for (const char *t = c->user; *t && n < (int)sizeof(path) - 4; t++)
			n += isalnum((unsigned char)*t) || *t == '-' || *t == '_' || *t == '.'
				     ? snprintf(path + n, sizeof(path) - (size_t)n, "%c", *t)
				     : snprintf(path + n, sizeof(path) - (size_t)n, "%%%02X",
						(unsigned char)*t);
	}
	if (n >= (int)sizeof(path) - 4)
		die("list continue token too long for a request path");
	bh_request(c, "GET", opt.hostport, path, NULL, 0);
	return true;
}

static bool list_check(bh_conn *c)
{
	free(c->user);
	c->user = NULL;
	if (c->status != 200) {
		bh_seterr(c, "list page answered %d: %.200s", c->status, c->body ? c->body : "");
		return false;
	}
	long items = 0;

	/* Every item carries "kind":"ConfigMap" (the list itself is ConfigMapList). */
	for (const char *p = c->body; (p = strstr(p, "\"kind\":\"ConfigMap\"")); p += 18)
		items++;
	g_pages++;
	g_bytes += c->body_len;
	c->count += items;
	const char *tok = strstr(c->body, "\"continue\":\"");

	if (tok) {
		tok += 12;
		const char *end = strchr(tok, '"');

		if (end && end > tok)
			c->user = strndup(tok, (size_t)(end - tok));
	}
	if (!c->user) {
		g_walks_done++;
		g_walk_objects = c->count;
		if (c->count < opt.n) {
			bh_seterr(c, "a full list walk saw %ld objects, want at least %ld",
				  c->count, opt.n);
			return false;
		}
	}
	return true;
}

/* ---- closed-loop driver ------------------------------------------------------------- */

typedef struct {
	bool (*next)(bh_conn *c);  /* queue the next request; false: no work left */
	bool (*check)(bh_conn *c); /* judge a complete response */
	bs_samples lat;
	long done, errors;
	double secs;
	char cpu[96]; /* cpu_fmt of the run */
} phase;

static void ep_set(int ep, bh_conn *c, int op)
{
	struct epoll_event ev = {.events = EPOLLIN | (bh_out_pending(c) ? EPOLLOUT : 0),
				 .data.u32 = (uint32_t)c->id};

	if (epoll_ctl(ep, op, c->fd, &ev) < 0)
		die("epoll_ctl on connection %d: %s", c->id, strerror(errno));
	c->pollout = ev.events & EPOLLOUT;
}

/* Sends the queued request and keeps EPOLLOUT in step with what is still unsent. */
static void send_queued(int ep, bh_conn *c)
{
	if (bh_flush(c) < 0)
		die("connection %d to %s: %s", c->id, opt.hostport, c->err);
	if (bh_out_pending(c) != c->pollout)
		ep_set(ep, c, EPOLL_CTL_MOD);
}

static void connect_conn(int ep, bh_conn *c, int id)
{
	char err[160];
	int fd = bh_connect(opt.host, opt.port, err, sizeof(err));

	if (fd < 0)
		die("%s", err);
	bh_init(c, fd, id);
	ep_set(ep, c, EPOLL_CTL_ADD);
}

static void run_phase(phase *ph, int clients)
{
	bh_conn *conns = calloc((size_t)clients, sizeof(*conns));
	struct epoll_event evs[256];
	int ep = epoll_create1(EPOLL_CLOEXEC), active = 0;

	if (!conns || ep < 0)
		die("cannot set up %d connections: %s", clients, strerror(errno));
	for (int i = 0; i < clients; i++)
		connect_conn(ep, &conns[i], i);
	uint64_t t0 = bs_now_ns();
	cpu_mark cpu;

	cpu_begin(&cpu);
	for (int i = 0; i < clients; i++) {
		if (ph->next(&conns[i])) {
			active++;
			send_queued(ep, &conns[i]);
		}
	}
	while (active > 0) {
		int n = epoll_wait(ep, evs, 256, (int)(opt.stall_s * 1000));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait: %s", strerror(errno));
		if (n == 0)
			die("no response from %s for %.0f s with %d requests in flight "
			    "(%ld done)",
			    opt.hostport, opt.stall_s, active, ph->done);
		for (int e = 0; e < n; e++) {
			bh_conn *c = &conns[evs[e].data.u32];

			if (evs[e].events & EPOLLOUT)
				send_queued(ep, c);
			if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			int r = bh_read(c, 0);

			if (r < 0)
				die("connection %d to %s after %ld responses: %s", c->id,
				    opt.hostport, ph->done, c->err);
			if (r == 0)
				continue;
			bs_add(&ph->lat, bs_now_ns() - c->sent_ns);
			ph->done++;
			if (!ph->check(c) && ph->errors++ < 5)
				fprintf(stderr, "loadgen: %s\n", c->err);
			if (c->close_after) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = bh_connect(opt.host, opt.port, c->err, sizeof(c->err));
				if (c->fd < 0)
					die("reconnect: %s", c->err);
				ep_set(ep, c, EPOLL_CTL_ADD);
			}
			if (ph->next(c))
				send_queued(ep, c);
			else
				active--;
		}
	}
	ph->secs = (double)(bs_now_ns() - t0) / 1e9;
	cpu_fmt(&cpu, ph->cpu, sizeof(ph->cpu));
	for (int i = 0; i < clients; i++)
		bh_release(&conns[i]);
	free(conns);
	close(ep);
}

static const char *via(void)
{
	return opt.etcd ? " via=json-gateway" : "";
}

static int report(const char *name, phase *ph, const char *extra)
{
	char lat[160];

	bs_fmt_latency(&ph->lat, lat, sizeof(lat));
	printf("BENCH %s/%s%s clients=%d %s ops_per_sec=%.0f %s%s errors=%ld\n", opt.label, name,
	       via(), opt.clients, extra, (double)ph->done / ph->secs, lat, ph->cpu, ph->errors);
	fflush(stdout);
	bs_free(&ph->lat);
	return ph->errors ? 2 : 0;
}

static int phase_create(void)
{
	phase ph = {.next = create_next, .check = create_check};
	char extra[96];

	run_phase(&ph, opt.clients);
	snprintf(extra, sizeof(extra), "n=%ld size=%zu", opt.n, opt.size);
	return report("create", &ph, extra);
}

static int phase_get(void)
{
	phase ph = {.next = get_next, .check = get_check};
	char extra[96];

	run_phase(&ph, opt.clients);
	snprintf(extra, sizeof(extra), "n=%ld keys=%ld", opt.ops, opt.n);
	return report("get", &ph, extra);
}

static int phase_list(void)
{
	phase ph = {.next = list_next, .check = list_check};
	int clients = opt.clients < opt.walks ? opt.clients : (int)opt.walks;
	char lat[160];

	if (opt.etcd)
		die("the list phase is capstan only");
	run_phase(&ph, clients);
	bs_fmt_latency(&ph.lat, lat, sizeof(lat));
	printf("BENCH %s/list clients=%d limit=%d walks=%ld pages=%ld objects_per_walk=%ld "
	       "pages_per_sec=%.0f objects_per_sec=%.0f mib_per_sec=%.1f %s%s errors=%ld\n",
	       opt.label, clients, opt.limit, g_walks_done, g_pages, g_walk_objects,
	       (double)g_pages / ph.secs, (double)g_walk_objects * (double)g_walks_done / ph.secs,
	       (double)g_bytes / ph.secs / 1048576.0, lat, ph.cpu, ph.errors);
	fflush(stdout);
	bs_free(&ph.lat);
	return ph.errors ? 2 : 0;
}

/* ---- watch fan-out ------------------------------------------------------------------ */

static bs_samples w_lat, w_lat_seen;
static long w_delivered, w_errors;
static uint64_t w_seen;                  /* when the current epoll batch returned */
static char w_prefix[96], w_needle[128]; /* the writer's object names, and how to find one */
/* Per event: when the first and the last watcher got it, the server's fan-out spread. */
static uint64_t *w_first, *w_last;

/* Latency runs from the create's send time (CLOCK_REALTIME in data.ts) to the kernel's
 * receive stamp of the segment that completed the event line, so the time this one thread
 * spends reading 1,000 sockets in turn is not counted against the server. */
static void watch_line(bh_conn *c, const char *line, size_t len, uint64_t now)
{
	const char *ts = FIND(line, len, "\"ts\":\"");

	if (!ts) {
		if (FIND(line, len, "\"type\":\"ERROR\"") && w_errors++ < 5)
			fprintf(stderr, "loadgen: watcher %d got %.*s\n", c->id,
				(int)(len > 200 ? 200 : len), line);
		return;
	}
	uint64_t sent = strtoull(ts + 6, NULL, 10);

	bs_add(&w_lat, now > sent ? now - sent : 0);
	bs_add(&w_lat_seen, w_seen > sent ? w_seen - sent : 0);
	c->count++;
	w_delivered++;
	const char *nm = memmem(line, len, w_needle, strlen(w_needle));
	long i = nm ? atol(nm + strlen(w_needle)) : -1;

	if (i >= 0 && i < opt.events) {
		if (!w_first[i] || now < w_first[i])
			w_first[i] = now;
		if (now > w_last[i])
			w_last[i] = now;
	}
}

/* One request on a fresh connection, waited for; used for the watch's starting point. */
static void roundtrip(bh_conn *c)
{
	uint64_t deadline = bs_now_ns() + (uint64_t)(opt.stall_s * 1e9);

	for (;;) {
		if (bh_flush(c) < 0)
			die("%s", c->err);
		int r = bh_read(c, 0);

		if (r < 0)
			die("%s", c->err);
		if (r == 1)
			return;
		if (bs_now_ns() > deadline)
			die("no answer from %s within %.0f s", opt.hostport, opt.stall_s);
		usleep(1000);
	}
}

static int phase_watch(void)
{
	int w = opt.watchers, ep = epoll_create1(EPOLL_CLOEXEC);
	bh_conn *conns = calloc((size_t)w + 1, sizeof(*conns)), *wr = &conns[w];
	struct epoll_event evs[512];
	char path[256];

	if (opt.etcd)
		die("the watch phase is capstan only");
	snprintf(w_prefix, sizeof(w_prefix), "%s-watch", opt.prefix);
	snprintf(w_needle, sizeof(w_needle), "\"name\":\"%s-", w_prefix);
	w_first = calloc((size_t)opt.events, sizeof(*w_first));
	w_last = calloc((size_t)opt.events, sizeof(*w_last));
	if (!conns || ep < 0 || !w_first || !w_last)
		die("cannot set up %d watchers: %s", w, strerror(errno));
	connect_conn(ep, wr, w);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps?limit=1", opt.ns);
	bh_request(wr, "GET", opt.hostport, path, NULL, 0);
	roundtrip(wr);
	const char *rvp = wr->status == 200 ? strstr(wr->body, "\"resourceVersion\":\"") : NULL;

	if (!rvp)
		die("cannot read the collection's resourceVersion: %d %.200s", wr->status,
		    wr->body ? wr->body : "");
	/* Without a resourceVersion every watcher would first get every existing object. */
	unsigned long long rv = strtoull(rvp + 19, NULL, 10);

	snprintf(path, sizeof(path),
		 "/api/v1/namespaces/%s/configmaps?watch=1&resourceVersion=%llu", opt.ns, rv);
	for (int i = 0; i < w; i++) {
		connect_conn(ep, &conns[i], i);
		conns[i].stream_lines = true;
		conns[i].on_line = watch_line;
		if (bh_stamp_rx(&conns[i]) < 0)
			die("watcher %d: %s", i, conns[i].err);
		bh_request(&conns[i], "GET", opt.hostport, path, NULL, 0);
		send_queued(ep, &conns[i]);
	}

	/* The writer starts once every watcher has its response head, plus a short settle. */
	int ready = 0, closed = 0;
	long sent = 0, created = 0;
	bool writer_busy = false;
	uint64_t interval = (uint64_t)(1e9 / opt.rate), start = 0, next_send = 0, last_sent = 0;
	uint64_t setup_deadline = bs_now_ns() + (uint64_t)(opt.stall_s * 1e9);
	long want = (long)w * opt.events;
	bs_samples create_lat = {0};
	double rss = -1;
	cpu_mark cpu = {0};
	char cpus[96];

	for (;;) {
		uint64_t now = bs_now_ns();

		if (!start && ready == w) {
			start = now + 200000000ull;
			next_send = start;
			cpu_begin(&cpu);
		}
		if (!start && now > setup_deadline)
			die("only %d of %d watchers got a response head within %.0f s", ready, w,
			    opt.stall_s);
		if (start && !writer_busy && sent < opt.events && now >= next_send) {
			queue_create(wr, w_prefix, sent++);
			send_queued(ep, wr);
			writer_busy = true;
			last_sent = now;
			next_send += interval;
		}
		if (sent == opt.events && !writer_busy &&
		    (w_delivered >= want - (long)closed * opt.events ||
		     now > last_sent + 5000000000ull))
			break;
		int timeout = 100;

		if (start && !writer_busy && sent < opt.events)
			timeout = next_send > now ? (int)((next_send - now) / 1000000) : 0;
		int n = epoll_wait(ep, evs, 512, timeout);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait: %s", strerror(errno));
		w_seen = bs_real_ns();

		for (int e = 0; e < n; e++) {
			bh_conn *c = &conns[evs[e].data.u32];

			if (c->fd < 0)
				continue;
			if (evs[e].events & EPOLLOUT)
				send_queued(ep, c);
			if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			bool had_head = c->head_done;
			int r = bh_read(c, w_seen);

			if (c != wr && !had_head && c->head_done) {
				if (c->status != 200)
					die("watcher %d answered %d", c->id, c->status);
				ready++;
			}
			if (c == wr && r == 1) {
				bs_add(&create_lat, bs_now_ns() - wr->sent_ns);
				created += create_check(wr);
				if (wr->status != 201 && w_errors++ < 5)
					fprintf(stderr, "loadgen: %s\n", wr->err);
				writer_busy = false;
			} else if (r != 0) {
				if (c == wr && writer_busy)
					die("writer: %s", c->err);
				if (c == wr) {
					/* Idle keep-alive connections get reaped (lws: 5 s). */
					epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
					bh_release(c);
					connect_conn(ep, c, w);
					continue;
				}
				if (closed++ < 5)
					fprintf(stderr, "loadgen: watcher %d ended: %s\n", c->id,
						r < 0 ? c->err : "response complete");
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
			}
		}
		if (rss < 0 && opt.pid && start && sent == opt.events)
			rss = pr_rss_mb(opt.pid);
	}
	char lat[160], rs[48] = "";
	bs_samples spread = {0};

	cpu_fmt(&cpu, cpus, sizeof(cpus));
	for (long i = 0; i < opt.events; i++)
		if (w_first[i])
			bs_add(&spread, w_last[i] - w_first[i]);
	bs_sort(&spread);
	bs_sort(&create_lat);
	bs_sort(&w_lat_seen);
	bs_fmt_latency(&w_lat, lat, sizeof(lat));
	if (rss >= 0)
		snprintf(rs, sizeof(rs), " server_rss_mb=%.1f", rss);
	/* create_p50: the durable write inside each delivery; spread: first to last watcher;
	 * client_p99: as this process got round to the socket (kernel stamp plus our lag). */
	printf("BENCH %s/watch watchers=%d events=%ld rate=%g deliveries=%ld missing=%ld "
	       "closed=%d %s client_p99_ms=%.3f create_p50_ms=%.3f create_max_ms=%.3f "
	       "spread_p50_ms=%.3f spread_p99_ms=%.3f%s%s errors=%ld\n",
	       opt.label, w, created, opt.rate, w_delivered, (long)w * created - w_delivered,
	       closed, lat, bs_pct_ms(&w_lat_seen, 0.99), bs_pct_ms(&create_lat, 0.5),
	       bs_pct_ms(&create_lat, 1), bs_pct_ms(&spread, 0.5), bs_pct_ms(&spread, 0.99), rs,
	       cpus, w_errors);
	fflush(stdout);
	bs_free(&spread);
	bs_free(&create_lat);
	bs_free(&w_lat);
	bs_free(&w_lat_seen);
	free(w_first);
	free(w_last);
	for (int i = 0; i <= w; i++)
		bh_release(&conns[i]);
	free(conns);
	close(ep);
	bool bad = w_errors || closed || created != opt.events || w_delivered != (long)w * created;

	return bad ? 2 : 0;
}

static int free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		die("cannot find a free loopback port: %s", strerror(errno));
	printf("%d\n", ntohs(sa.sin_port));
	close(fd);
	return 0;
}

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen create|get|list|watch --addr HOST:PORT [options]\n"
		"       loadgen port\n"
		"  --api capstan|etcd  server protocol (etcd: gRPC-gateway JSON; create/get only)\n"
		"  --label NAME        name in the BENCH line (default: the api)\n"
		"  --n N               objects to create; key space for get (10000)\n"
		"  --clients C         concurrent keep-alive connections (64)\n"
		"  --size BYTES        object size (1024)\n"
		"  --ops N             gets to issue (100000)\n"
		"  --walks N           full list walks, --limit L per page (4, 500)\n"
		"  --watchers W --events E --rate R   watch fan-out (1000, 200, 50/s)\n"
		"  --pid PID           server pid: its CPU use per phase, RSS during watch\n"
		"  --ns NS --prefix P  objects are NS/P-00000000... (default, bench)\n"
		"  --serializable      etcd gets skip the quorum read (default: linearizable)\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"addr", 1, 0, 'a'},    {"api", 1, 0, 'A'},
		{"label", 1, 0, 'L'},   {"n", 1, 0, 'n'},
		{"clients", 1, 0, 'c'}, {"size", 1, 0, 's'},
		{"ops", 1, 0, 'o'},     {"walks", 1, 0, 'w'},
		{"limit", 1, 0, 'l'},   {"watchers", 1, 0, 'W'},
		{"events", 1, 0, 'e'},  {"rate", 1, 0, 'r'},
		{"pid", 1, 0, 'p'},     {"ns", 1, 0, 'N'},
		{"prefix", 1, 0, 'P'},  {"serializable", 0, 0, 'S'},
		{0, 0, 0, 0},
	};
	const char *addr = NULL, *api = "capstan";
	int o;

	if (argc < 2)
		usage();
	const char *cmd = argv[1];

	if (strcmp(cmd, "port") == 0)
		return free_port();
	optind = 2;
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'a': addr = optarg; break;
		case 'A': api = optarg; break;
		case 'L': opt.label = optarg; break;
		case 'n': opt.n = atol(optarg); break;
		case 'c': opt.clients = atoi(optarg); break;
		case 's': opt.size = (size_t)atol(optarg); break;
		case 'o': opt.ops = atol(optarg); break;
		case 'w': opt.walks = atol(optarg); break;
		case 'l': opt.limit = atoi(optarg); break;
		case 'W': opt.watchers = atoi(optarg); break;
		case 'e': opt.events = atol(optarg); break;
		case 'r': opt.rate = atof(optarg); break;
		case 'p': opt.pid = atol(optarg); break;
		case 'N': opt.ns = optarg; break;
		case 'P': opt.prefix = optarg; break;
		case 'S': opt.serializable = true; break;
		default: usage();
		}
	}
	const char *colon = addr ? strrchr(addr, ':') : NULL;

	if (!colon || (size_t)(colon - addr) >= sizeof(opt.host))
		usage();
	memcpy(opt.host, addr, (size_t)(colon - addr));
	opt.port = atoi(colon + 1);
	snprintf(opt.hostport, sizeof(opt.hostport), "%s", addr);
	if (strcmp(api, "capstan") && strcmp(api, "etcd"))
		usage();
	opt.etcd = strcmp(api, "etcd") == 0;
	if (!opt.label)
		opt.label = api;
	if (opt.n < 1 || opt.clients < 1 || opt.ops < 1 || opt.walks < 1 || opt.limit < 1 ||
	    opt.watchers < 1 || opt.events < 1 || opt.rate <= 0 || opt.size > BP_POOL / 2)
		die("every count must be positive and --size at most %d", BP_POOL / 2);
	signal(SIGPIPE, SIG_IGN);
	bp_init();
	if (strcmp(cmd, "create") == 0)
		return phase_create();
	if (strcmp(cmd, "get") == 0)
		return phase_get();
	if (strcmp(cmd, "list") == 0)
		return phase_list();
	if (strcmp(cmd, "watch") == 0)
		return phase_watch();
	usage();
}
