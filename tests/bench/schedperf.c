/* schedperf: Kubernetes scheduler_perf's workloads, end to end through capstand's API and its
 * durable store, against hollow nodes served by a node agent.
 *
 *   schedperf run --addr 127.0.0.1:PORT --workload NAME --nodes N --init I --pods M [options]
 *
 * The steps of one workload (scheduler_perf's createNodes / createPods / collectMetrics):
 *   1. wait until N nodes hollow-0 .. hollow-<N-1> are Ready;
 *   2. label them as the workload needs (merge PATCH, C connections in flight);
 *   3. open one watch on every pod, from the pod list's resourceVersion;
 *   4. create the I init pods, wait until all are bound (Unschedulable: until each has been
 *      found unschedulable);
 *   5. create the M measured pods as fast as C keep-alive connections allow (one request in
 *      flight each), and stamp the moment the watch shows each one with spec.nodeName.
 *
 * BindOnly is not scheduler_perf's: SchedulingBasic's pods on a server without a scheduler,
 * each bound by this program (pods/binding to hollow-<i % N>) on the connection that created
 * it as soon as the create is answered.  It is the ceiling the API, the store and the agent put
 * on any scheduler.
 *
 * Latency is bind time minus the moment its create request was sent; the bind time is the
 * kernel's receive stamp of the watch segment that completed the event line, so the time this
 * one thread spends on the create connections is not counted against the server.
 * pods_per_sec is measured pods over (last bind - first create sent).  After the run every pod's
 * node is checked against the workload's constraint (violations=).
 *
 * Pod shapes follow scheduler_perf's templates: requests and limits of 100m CPU and 500Mi;
 * node affinity "zone In (zone-0, zone-1)" where the zone label is zone-(i % 3), so a third of
 * the nodes never fit; topologySpreadConstraints maxSkew 5 on the zone, DoNotSchedule;
 * required pod anti-affinity on kubernetes.io/hostname among pods of one namespace; and pods
 * asking for 9 CPUs, which fit no 4-CPU node, for Unschedulable.
 *
 * Exit status: 0 every measured pod bound where it may go; 1 could not run (server gone,
 * timeout before the measured phase); 2 ran, but pods stayed unbound, requests failed or a
 * pod was placed against its constraint. */
#include <getopt.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "bench_stats.h"
#include "bench_http.h"
#include "bench_proc.h"

#define ZONES         3
#define ZONE_KEY      "topology.kubernetes.io/zone"
#define MAX_SKEW      5
#define PODS_PER_NODE 40 /* a hollow node's 4 CPUs over scheduler_perf's 100m pods */
#define NS_INIT       "sched-0"
#define NS_MEAS       "sched-1"
#define WATCH_ID      0xffffffffu
#define CHURN_ID      0xfffffffeu
#define STALL_SEC     30

enum workload { WL_BASIC, WL_NODEAFF, WL_SPREAD, WL_ANTI, WL_UNSCHED, WL_BINDONLY };

static const char *const wl_names[] = {
	[WL_BASIC] = "SchedulingBasic",    [WL_NODEAFF] = "SchedulingNodeAffinity",
	[WL_SPREAD] = "TopologySpreading", [WL_ANTI] = "SchedulingPodAntiAffinity",
	[WL_UNSCHED] = "Unschedulable",    [WL_BINDONLY] = "BindOnly",
};

/* Pods are named sp-<kind>-<index>: init, measured, and churn (unschedulable pods created
 * while the measured ones schedule). */
enum kind { K_INIT, K_MEAS, K_CHURN, K_N };
static const char kind_ch[K_N] = {'i', 'm', 'u'};

enum shape { SH_DEFAULT, SH_NODEAFF, SH_SPREAD, SH_ANTI, SH_LARGE };

static struct {
	char host[64];
	int port;
	char hostport[96];
	enum workload wl;
	long nodes, init, pods;
	int clients;
	long server_pid, agent_pid;
	double timeout_s;
	double churn_rate; /* Unschedulable: pods per second created until the measured are bound */
	const char *perf_out;
	const char *perf_callgraph;
} opt = {
	.nodes = 5000,
	.init = 5000,
	.pods = 50000,
	.clients = 64,
	.timeout_s = 300,
	.churn_rate = 10,
	.perf_callgraph = "dwarf,8192",
};

struct prec {
	uint64_t sent;          /* CLOCK_REALTIME when the create request left */
	uint64_t bound;         /* kernel receive stamp of the first event with spec.nodeName */
	uint64_t bind_answered; /* BindOnly: realtime when this program's binding got its 201 */
	int32_t node;           /* hollow-<node>, -1 while unbound */
	bool created, unsched;
};

static struct {
	struct prec *rec;
	long n;    /* pods of this kind to create */
	long next; /* next index to hand out */
	long answered, created, bound, unsched;
	uint64_t first_sent, last_answer; /* monotonic */
} g_k[K_N];

static long g_errors, g_watch_errors;
static long g_meas_events;      /* watch events about measured pods: writes per pod */
static uint64_t g_last_bind;    /* realtime */
static uint64_t g_mono_to_real; /* add to a CLOCK_MONOTONIC stamp for CLOCK_REALTIME */
static enum shape g_shape[K_N]; /* pod template per kind */
static char g_body[8192];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "schedperf: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "schedperf: %s: ", wl_names[opt.wl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define FIND(hay, len, lit) ((const char *)memmem((hay), (len), lit, sizeof(lit) - 1))

static double secs_since(uint64_t t0)
{
	return (double)(bs_now_ns() - t0) / 1e9;
}

/* ---- pod templates ------------------------------------------------------------------ */

static const char *ns_of(enum kind k)
{
	return k == K_MEAS ? NS_MEAS : NS_INIT;
}

static size_t pod_json(char *out, size_t cap, enum kind k, long i)
{
	const char *labels = "", *affinity = "";
	const char *cpu = "100m";

	switch (g_shape[k]) {
	case SH_DEFAULT: break;
	case SH_NODEAFF:
		affinity =
			",\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuring"
			"Execution\":{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":"
			"\"" ZONE_KEY "\",\"operator\":\"In\",\"values\":[\"zone-0\","
			"\"zone-1\"]}]}]}}}";
		break;
	case SH_SPREAD:
		labels = ",\"labels\":{\"color\":\"blue\"}";
		affinity = ",\"topologySpreadConstraints\":[{\"maxSkew\":5,\"topologyKey\":"
			   "\"" ZONE_KEY "\",\"whenUnsatisfiable\":\"DoNotSchedule\","
			   "\"labelSelector\":{\"matchLabels\":{\"color\":\"blue\"}}}]";
		break;
	case SH_ANTI:
		labels = ",\"labels\":{\"color\":\"green\"}";
		affinity = ",\"affinity\":{\"podAntiAffinity\":{\"requiredDuringSchedulingIgnored"
			   "DuringExecution\":[{\"labelSelector\":{\"matchLabels\":{\"color\":"
			   "\"green\"}},\"topologyKey\":\"kubernetes.io/hostname\"}]}}";
		break;
	case SH_LARGE: cpu = "9"; break;
	}
	/* The large pod of scheduler_perf has requests only; the others are Guaranteed. */
	const char *limits = g_shape[k] == SH_LARGE ? ""
						    : "\"limits\":{\"cpu\":\"100m\",\"memory\":"
						      "\"500Mi\"},";
	int n = snprintf(out, cap,
			 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
			 "\"sp-%c-%07ld\",\"namespace\":\"%s\"%s},\"spec\":{\"containers\":[{"
			 "\"name\":\"pause\",\"image\":\"registry.k8s.io/pause:3.9\",\"ports\":[{"
			 "\"containerPort\":80}],\"resources\":{%s\"requests\":{\"cpu\":\"%s\","
			 "\"memory\":\"500Mi\"}}}]%s}}",
			 kind_ch[k], i, ns_of(k), labels, limits, cpu, affinity);

	if (n < 0 || (size_t)n >= cap)
		die("pod template too long");
	return (size_t)n;
}

/* ---- connections ---------------------------------------------------------------------- */

typedef struct client client;
struct client {
	bh_conn c;
	bool (*next)(client *); /* queue the next request; false: none left */
	void (*done)(client *); /* judge a complete response */
	enum kind kind;         /* of the pod being created (creates only) */
	long item;
	long bind_item;  /* BindOnly: the pod whose binding goes next, or -1 */
	long bound_item; /* BindOnly: the pod whose binding is in flight */
	bool binding;    /* the request in flight is a binding */
	bool busy;
};

static int g_ep = -1;
static client *g_cl;
static int g_ncl;
static client g_churn; /* paced: one unschedulable pod every 1/churn_rate s */
static bool g_churn_on;
static uint64_t g_churn_next;
static bh_conn g_watch;

static void ep_ctl(bh_conn *c, uint32_t id, int op)
{
	struct epoll_event ev = {.events = EPOLLIN | (bh_out_pending(c) ? EPOLLOUT : 0),
				 .data.u32 = id};

	if (epoll_ctl(g_ep, op, c->fd, &ev) < 0)
		die("epoll_ctl on connection %u: %s", id, strerror(errno));
	c->pollout = ev.events & EPOLLOUT;
}

static void conn_open(bh_conn *c, uint32_t id)
{
	char err[160];
	int fd = bh_connect(opt.host, opt.port, err, sizeof(err));

	if (fd < 0)
		die("%s", err);
	bh_init(c, fd, (int)id);
	ep_ctl(c, id, EPOLL_CTL_ADD);
}

static void conn_close(bh_conn *c)
{
	if (c->fd >= 0)
		epoll_ctl(g_ep, EPOLL_CTL_DEL, c->fd, NULL);
	bh_release(c);
}

static void send_queued(bh_conn *c, uint32_t id)
{
	if (bh_flush(c) < 0)
		die("connection %u to %s: %s", id, opt.hostport, c->err);
	if (bh_out_pending(c) != c->pollout)
		ep_ctl(c, id, EPOLL_CTL_MOD);
}

/* Queues the client's next request and sends it; records a pod's send time. */
static void client_kick(client *cl, uint32_t id)
{
	if (cl->c.fd < 0)
		conn_open(&cl->c, id);
	if (!cl->next(cl))
		return;
	cl->busy = true;
	send_queued(&cl->c, id);
	if (cl->item >= 0) {
		struct prec *r = &g_k[cl->kind].rec[cl->item];
		uint64_t mono = cl->c.sent_ns ? cl->c.sent_ns : bs_now_ns();

		r->sent = mono + g_mono_to_real;
		if (!g_k[cl->kind].first_sent)
			g_k[cl->kind].first_sent = mono;
	}
}

/* One request on a connection of its own, waited for. */
static void roundtrip(bh_conn *c, const char *method, const char *path, const char *ctype,
		      const char *body)
{
	uint64_t deadline = bs_now_ns() + (uint64_t)STALL_SEC * 1000000000ull;
	bool retried = false;

	if (c->fd < 0 || c->state != BH_IDLE) {
		char err[160];
		int fd = bh_connect(opt.host, opt.port, err, sizeof(err));

		if (fd < 0)
			die("%s", err);
		bh_release(c);
		bh_init(c, fd, -1);
	}
	bh_request_ct(c, method, opt.hostport, path, ctype, body, body ? strlen(body) : 0);
	for (;;) {
		if (bh_flush(c) < 0)
			die("%s %s: %s", method, path, c->err);
		int r = bh_read(c, 0);

		if (r < 0 && !retried && c->out_off == c->out_len) {
			/* An idle keep-alive connection the server reaped: once more afresh. */
			char err[160];
			int fd = bh_connect(opt.host, opt.port, err, sizeof(err));

			if (fd < 0)
				die("%s", err);
			bh_release(c);
			bh_init(c, fd, -1);
			bh_request_ct(c, method, opt.hostport, path, ctype, body,
				      body ? strlen(body) : 0);
			retried = true;
			continue;
		}
		if (r < 0)
			die("%s %s: %s", method, path, c->err);
		if (r == 1)
			return;
		if (bs_now_ns() > deadline)
			die("no answer to %s %s within %d s", method, path, STALL_SEC);
		usleep(500);
	}
}

/* ---- the watch ------------------------------------------------------------------------ */

/* One pod event: which of our pods, and is it bound or found unschedulable? */
static void watch_line(bh_conn *c, const char *line, size_t len, uint64_t now)
{
	(void)c;
	const char *nm = FIND(line, len, "\"name\":\"sp-");

	if (!nm) {
		if (FIND(line, len, "\"type\":\"ERROR\"") && g_watch_errors++ < 5)
			fprintf(stderr, "schedperf: the pod watch got %.*s\n",
				(int)(len > 300 ? 300 : len), line);
		return;
	}
	int k;

	for (k = 0; k < K_N && nm[11] != kind_ch[k]; k++)
		;
	long i = strtol(nm + 13, NULL, 10);

	if (k == K_N || i < 0 || i >= g_k[k].n || FIND(line, len, "\"type\":\"DELETED\""))
		return;
	struct prec *r = &g_k[k].rec[i];
	const char *nn = FIND(line, len, "\"nodeName\":\"hollow-");

	if (k == K_MEAS)
		g_meas_events++;
	if (nn && !r->bound) {
		r->bound = now;
		r->node = (int32_t)atol(nn + 19);
		g_k[k].bound++;
		if (k == K_MEAS && now > g_last_bind)
			g_last_bind = now;
	}
	if (!r->unsched && FIND(line, len, "\"reason\":\"Unschedulable\"")) {
		r->unsched = true;
		g_k[k].unsched++;
	}
}

static unsigned long long collection_rv(const char *path)
{
	bh_conn c = {.fd = -1};

	roundtrip(&c, "GET", path, NULL, NULL);
	const char *rv = c.status == 200 ? strstr(c.body, "\"resourceVersion\":\"") : NULL;

	if (!rv)
		die("cannot read the resourceVersion of %s: %d %.200s", path, c.status,
		    c.body ? c.body : "");
	unsigned long long v = strtoull(rv + 19, NULL, 10);

	bh_release(&c);
	return v;
}

static void pump(int timeout_ms);

static void watch_start(void)
{
	char path[160];
	unsigned long long rv = collection_rv("/api/v1/pods?limit=1");
	uint64_t t0 = bs_now_ns();

	snprintf(path, sizeof(path), "/api/v1/pods?watch=1&resourceVersion=%llu", rv);
	conn_open(&g_watch, WATCH_ID);
	g_watch.stream_lines = true;
	g_watch.on_line = watch_line;
	if (bh_stamp_rx(&g_watch) < 0)
		die("pod watch: %s", g_watch.err);
	bh_request(&g_watch, "GET", opt.hostport, path, NULL, 0);
	send_queued(&g_watch, WATCH_ID);
	while (!g_watch.head_done) {
		if (secs_since(t0) > STALL_SEC)
			die("the pod watch got no response head within %d s", STALL_SEC);
		pump(100);
	}
	if (g_watch.status != 200)
		die("the pod watch answered %d", g_watch.status);
}

/* ---- the event loop ------------------------------------------------------------------- */

static void on_response(client *cl, uint32_t id)
{
	cl->busy = false;
	cl->done(cl);
	if (cl->c.close_after) {
		conn_close(&cl->c);
		conn_open(&cl->c, id);
	}
}

static void pump(int timeout_ms)
{
	struct epoll_event evs[256];
	int n = epoll_wait(g_ep, evs, 256, timeout_ms);

	if (n < 0 && errno != EINTR)
		die("epoll_wait: %s", strerror(errno));
	for (int e = 0; e < n; e++) {
		uint32_t id = evs[e].data.u32;
		bh_conn *c = id == WATCH_ID ? &g_watch : id == CHURN_ID ? &g_churn.c : &g_cl[id].c;
		client *cl = id == WATCH_ID ? NULL : id == CHURN_ID ? &g_churn : &g_cl[id];

		if (evs[e].events & EPOLLOUT)
			send_queued(c, id);
		if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			continue;
		int r = bh_read(c, bs_real_ns());

		/* The watch carries several events per create: read it dry, or it falls
		 * behind the server's event history while the creates take their turns. */
		while (!cl && r == 0 && !c->drained)
			r = bh_read(c, bs_real_ns());
		if (!cl) {
			if (r != 0)
				die("the pod watch ended: %s",
				    r < 0 ? g_watch.err : "the server completed the response");
			continue;
		}
		if (r < 0 && !cl->busy) {
			/* The server reaps idle keep-alive connections (lws: 5 s). */
			conn_close(c);
			continue;
		}
		if (r < 0)
			die("connection %u to %s after %ld responses: %s", id, opt.hostport,
			    g_k[cl->kind].answered, c->err);
		if (r == 1) {
			on_response(cl, id);
			if (id != CHURN_ID)
				client_kick(cl, id);
		}
	}
}

static void clients_open(int n, bool (*next)(client *), void (*done)(client *))
{
	g_cl = calloc((size_t)n, sizeof(*g_cl));
	if (!g_cl)
		die("out of memory for %d connections", n);
	g_ncl = n;
	for (int i = 0; i < n; i++) {
		conn_open(&g_cl[i].c, (uint32_t)i);
		g_cl[i].next = next;
		g_cl[i].done = done;
		g_cl[i].item = -1;
		g_cl[i].bind_item = -1;
	}
}

static bool clients_busy(void)
{
	for (int i = 0; i < g_ncl; i++)
		if (g_cl[i].busy)
			return true;
	return false;
}

static void clients_close(void)
{
	for (int i = 0; i < g_ncl; i++)
		conn_close(&g_cl[i].c);
	free(g_cl);
	g_cl = NULL;
	g_ncl = 0;
}

/* Runs the clients until none has work left. */
static void clients_run(const char *what)
{
	uint64_t t0 = bs_now_ns();

	for (int i = 0; i < g_ncl; i++)
		client_kick(&g_cl[i], (uint32_t)i);
	while (clients_busy()) {
		if (secs_since(t0) > opt.timeout_s)
			die("%s did not finish within %.0f s", what, opt.timeout_s);
		pump(100);
	}
}

/* ---- requests ------------------------------------------------------------------------- */

/* BindOnly: POST pods/NAME/binding, as the scheduler would. */
static void bind_queue(client *cl)
{
	char path[160], body[320];
	long i = cl->bind_item;
	int n = snprintf(body, sizeof(body),
			 "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":"
			 "\"sp-%c-%07ld\"},\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\","
			 "\"name\":\"hollow-%ld\"}}",
			 kind_ch[cl->kind], i, i % opt.nodes);

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/sp-%c-%07ld/binding",
		 ns_of(cl->kind), kind_ch[cl->kind], i);
	bh_request(&cl->c, "POST", opt.hostport, path, body, (size_t)n);
	cl->binding = true;
	cl->bound_item = i;
	cl->bind_item = -1;
	cl->item = -1; /* not a create: client_kick records no send time */
}

static bool create_next(client *cl)
{
	enum kind k = cl->kind;

	cl->binding = false;
	if (cl->bind_item >= 0) {
		bind_queue(cl);
		return true;
	}
	if (g_k[k].next >= g_k[k].n) {
		cl->item = -1;
		return false;
	}
	long i = g_k[k].next++;
	char path[128];
	size_t len = pod_json(g_body, sizeof(g_body), k, i);

	cl->item = i;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods", ns_of(k));
	bh_request(&cl->c, "POST", opt.hostport, path, g_body, len);
	return true;
}

static void create_done(client *cl)
{
	if (cl->binding) {
		if (cl->c.status == 201)
			g_k[cl->kind].rec[cl->bound_item].bind_answered = bs_real_ns();
		else if (g_errors++ < 5)
			fprintf(stderr, "schedperf: a binding answered %d: %.200s\n", cl->c.status,
				cl->c.body ? cl->c.body : "");
		return;
	}
	struct prec *r = &g_k[cl->kind].rec[cl->item];

	g_k[cl->kind].answered++;
	g_k[cl->kind].last_answer = bs_now_ns();
	if (cl->c.status == 201) {
		r->created = true;
		g_k[cl->kind].created++;
		if (opt.wl == WL_BINDONLY)
			cl->bind_item = cl->item;
	} else if (g_errors++ < 5) {
		fprintf(stderr, "schedperf: create of pod sp-%c-%07ld answered %d: %.200s\n",
			kind_ch[cl->kind], cl->item, cl->c.status, cl->c.body ? cl->c.body : "");
	}
}

static long g_label_next, g_labelled;

static bool label_next(client *cl)
{
	char path[128], body[160];

	cl->item = -1;
	if (g_label_next >= opt.nodes)
		return false;
	long i = g_label_next++;

	snprintf(path, sizeof(path), "/api/v1/nodes/hollow-%ld", i);
	int n = snprintf(body, sizeof(body),
			 "{\"metadata\":{\"labels\":{\"" ZONE_KEY "\":\"zone-%ld\"}}}", i % ZONES);

	bh_request_ct(&cl->c, "PATCH", opt.hostport, path, "application/merge-patch+json", body,
		      (size_t)n);
	return true;
}

static void label_done(client *cl)
{
	if (cl->c.status == 200)
		g_labelled++;
	else if (g_errors++ < 5)
		fprintf(stderr, "schedperf: labelling a node answered %d: %.200s\n", cl->c.status,
			cl->c.body ? cl->c.body : "");
}

/* ---- setup ---------------------------------------------------------------------------- */

static void wait_nodes(void)
{
	bh_conn c = {.fd = -1};
	uint64_t t0 = bs_now_ns();
	long ready = 0;

	for (;;) {
		roundtrip(&c, "GET", "/api/v1/nodes", NULL, NULL);
		if (c.status != 200)
			die("listing nodes answered %d: %.200s", c.status, c.body ? c.body : "");
		ready = 0;
		for (const char *p = c.body;
		     (p = strstr(p, "\"type\":\"Ready\",\"status\":\"True\"")); p += 30)
			ready++;
		if (ready >= opt.nodes)
			break;
		if (secs_since(t0) > opt.timeout_s)
			die("only %ld of %ld nodes Ready after %.0f s", ready, opt.nodes,
			    opt.timeout_s);
		usleep(250000);
	}
	bh_release(&c);
	note("%ld nodes Ready after %.1f s", ready, secs_since(t0));
}

static void ensure_namespace(const char *ns)
{
	bh_conn c = {.fd = -1};
	char body[160];

	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}",
		 ns);
	roundtrip(&c, "POST", "/api/v1/namespaces", "application/json", body);
	if (c.status != 201 && c.status != 409)
		die("creating namespace %s answered %d: %.200s", ns, c.status,
		    c.body ? c.body : "");
	bh_release(&c);
}

static void label_nodes(void)
{
	uint64_t t0 = bs_now_ns();

	clients_open(opt.clients, label_next, label_done);
	clients_run("labelling the nodes");
	clients_close();
	if (g_labelled != opt.nodes)
		die("only %ld of %ld nodes took their zone label", g_labelled, opt.nodes);
	note("labelled %ld nodes with " ZONE_KEY " in %.1f s", g_labelled, secs_since(t0));
}

static void kind_alloc(enum kind k, long n)
{
	g_k[k].n = n;
	g_k[k].rec = calloc((size_t)(n ? n : 1), sizeof(struct prec));
	if (!g_k[k].rec)
		die("out of memory for %ld pod records", n);
	for (long i = 0; i < n; i++)
		g_k[k].rec[i].node = -1;
}

static void create_init(void)
{
	uint64_t t0 = bs_now_ns();
	bool unsched = opt.wl == WL_UNSCHED;

	if (!opt.init)
		return;
	clients_open(opt.clients, create_next, create_done);
	for (int i = 0; i < g_ncl; i++)
		g_cl[i].kind = K_INIT;
	clients_run("creating the init pods");
	clients_close();
	if (g_k[K_INIT].created != opt.init)
		die("only %ld of %ld init pods were created", g_k[K_INIT].created, opt.init);
	/* Unschedulable: scheduler_perf does not wait for these; waiting until each has been
	 * tried makes sure they are in the unschedulable queue when the measurement starts. */
	long *have = unsched ? &g_k[K_INIT].unsched : &g_k[K_INIT].bound;

	while (*have < opt.init) {
		if (secs_since(t0) > opt.timeout_s) {
			/* A line all the same: how far the scheduler got is the figure. */
			printf("BENCH sched/%s nodes=%ld init_pods=%ld pods=%ld "
			       "failed=init-timeout "
			       "init_%s=%ld init_pods_per_sec=%.1f loadavg_1m=%.2f errors=%ld\n",
			       wl_names[opt.wl], opt.nodes, opt.init, opt.pods,
			       unsched ? "tried" : "bound", *have, (double)*have / secs_since(t0),
			       pr_loadavg(), g_errors + g_watch_errors);
			fflush(stdout);
			fprintf(stderr,
				"schedperf: %s: only %ld of %ld init pods %s after %.0f s\n",
				wl_names[opt.wl], *have, opt.init,
				unsched ? "were found unschedulable" : "were bound", opt.timeout_s);
			exit(2);
		}
		pump(100);
	}
	note("%ld init pods created and %s in %.1f s", opt.init,
	     unsched ? "found unschedulable" : "bound", secs_since(t0));
}

/* ---- perf ----------------------------------------------------------------------------- */

static pid_t g_perf = -1;

static void perf_start(void)
{
	char pids[64];

	if (!opt.perf_out)
		return;
	if (opt.agent_pid)
		snprintf(pids, sizeof(pids), "%ld,%ld", opt.server_pid, opt.agent_pid);
	else
		snprintf(pids, sizeof(pids), "%ld", opt.server_pid);
	g_perf = fork();
	if (g_perf < 0)
		die("fork for perf: %s", strerror(errno));
	if (g_perf == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execlp("perf", "perf", "record", "-q", "-F", "199", "--call-graph",
		       opt.perf_callgraph, "-o", opt.perf_out, "-p", pids, (char *)NULL);
		fprintf(stderr, "schedperf: cannot run perf: %s\n", strerror(errno));
		_exit(127);
	}
	usleep(300000); /* perf attaches to every thread */
}

static void perf_stop(void)
{
	int st;

	if (g_perf <= 0)
		return;
	kill(g_perf, SIGINT);
	/* perf ends on SIGINT by writing its data and exiting 130 (or by the signal). */
	if (waitpid(g_perf, &st, 0) < 0 ||
	    !((WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 130)) ||
	      (WIFSIGNALED(st) && WTERMSIG(st) == SIGINT)))
		fprintf(stderr, "schedperf: perf record did not finish cleanly (status 0x%x)\n",
			(unsigned)st);
	g_perf = -1;
}

/* ---- the measurement ------------------------------------------------------------------ */

static bool churn_next(client *cl)
{
	cl->kind = K_CHURN;
	return create_next(cl);
}

/* Where the measured pods went, against the workload's constraint. */
static long violations(char *extra, size_t len)
{
	long bad = 0, *per_node = calloc((size_t)opt.nodes, sizeof(long));
	long zone[ZONES] = {0};

	if (!per_node)
		die("out of memory");
	extra[0] = '\0';
	for (int k = 0; k < K_N; k++) {
		memset(per_node, 0, (size_t)opt.nodes * sizeof(long));
		for (long i = 0; i < g_k[k].n; i++) {
			int32_t node = g_k[k].rec[i].node;

			if (node < 0)
				continue;
			if (node >= opt.nodes) {
				bad++;
				continue;
			}
			per_node[node]++;
			if (g_shape[k] == SH_NODEAFF && node % ZONES == ZONES - 1)
				bad++;
			if (g_shape[k] == SH_ANTI && per_node[node] > 1)
				bad++;
			if (g_shape[k] == SH_LARGE)
				bad++; /* 9 CPUs fit no 4-CPU node */
			if (g_shape[k] == SH_SPREAD)
				zone[node % ZONES]++;
		}
	}
	if (opt.wl == WL_SPREAD) {
		long lo = zone[0], hi = zone[0];

		for (int z = 1; z < ZONES; z++) {
			lo = zone[z] < lo ? zone[z] : lo;
			hi = zone[z] > hi ? zone[z] : hi;
		}
		if (hi - lo > MAX_SKEW)
			bad++;
		snprintf(extra, len, " skew=%ld", hi - lo);
	}
	free(per_node);
	return bad;
}

static int measure(void)
{
	char lat[160], extra[64];
	uint64_t deadline_ns = (uint64_t)(opt.timeout_s * 1e9);
	bs_samples s = {0};

	clients_open(opt.clients, create_next, create_done);
	for (int i = 0; i < g_ncl; i++)
		g_cl[i].kind = K_MEAS;
	if (opt.wl == WL_UNSCHED && opt.churn_rate > 0) {
		conn_open(&g_churn.c, CHURN_ID);
		g_churn.next = churn_next;
		g_churn.done = create_done;
		g_churn.kind = K_CHURN;
		g_churn.item = -1;
		g_churn.bind_item = -1;
		g_churn_on = true;
	}
	perf_start();
	double srv0 = opt.server_pid ? pr_proc_cpu_s(opt.server_pid) : -1;
	double agt0 = opt.agent_pid ? pr_proc_cpu_s(opt.agent_pid) : -1;
	double self0 = pr_self_cpu_s();
	uint64_t t0 = bs_now_ns();

	g_churn_next = t0;
	for (int i = 0; i < g_ncl; i++)
		client_kick(&g_cl[i], (uint32_t)i);
	for (;;) {
		uint64_t now = bs_now_ns();
		bool creating = g_k[K_MEAS].answered < opt.pods;

		if (!creating && g_k[K_MEAS].bound >= g_k[K_MEAS].created)
			break;
		if (now - t0 > deadline_ns)
			break;
		int timeout = 100;

		/* Churn goes on while the measured pods are being scheduled. */
		if (g_churn_on && !g_churn.busy) {
			if (now >= g_churn_next) {
				client_kick(&g_churn, CHURN_ID);
				g_churn_next += (uint64_t)(1e9 / opt.churn_rate);
			} else {
				timeout = (int)((g_churn_next - now) / 1000000);
			}
		}
		pump(timeout);
	}
	double secs = secs_since(t0);
	double srv = srv0 >= 0 ? pr_proc_cpu_s(opt.server_pid) - srv0 : -1;
	double agt = agt0 >= 0 ? pr_proc_cpu_s(opt.agent_pid) - agt0 : -1;
	double self = pr_self_cpu_s() - self0;

	perf_stop();
	/* The churn pod in flight, if any, is answered before the pods are judged. */
	while (g_churn_on && g_churn.busy && secs_since(t0) < secs + STALL_SEC)
		pump(100);
	clients_close();
	if (g_churn_on)
		conn_close(&g_churn.c);

	long unbound = opt.pods - g_k[K_MEAS].bound;
	uint64_t first = g_k[K_MEAS].first_sent + g_mono_to_real;
	double span = g_last_bind > first ? (double)(g_last_bind - first) / 1e9 : 0;
	double create_span = (double)(g_k[K_MEAS].last_answer - g_k[K_MEAS].first_sent) / 1e9;

	bs_samples wl = {0};
	char wlag[96] = "";

	for (long i = 0; i < opt.pods; i++) {
		struct prec *r = &g_k[K_MEAS].rec[i];

		if (r->bound)
			bs_add(&s, r->bound > r->sent ? r->bound - r->sent : 0);
		if (r->bound && r->bind_answered)
			bs_add(&wl, r->bound > r->bind_answered ? r->bound - r->bind_answered : 0);
	}
	bs_fmt_latency(&s, lat, sizeof(lat));
	/* BindOnly: from the binding's answer to its event on the watch. */
	if (wl.n) {
		bs_sort(&wl);
		snprintf(wlag, sizeof(wlag), " watch_lag_p50_ms=%.3f watch_lag_p99_ms=%.3f",
			 bs_pct_ms(&wl, 0.5), bs_pct_ms(&wl, 0.99));
	}
	bs_free(&wl);
	long bad = violations(extra, sizeof(extra));
	char churn[64] = "";

	if (g_churn_on)
		snprintf(churn, sizeof(churn), " churn_pods=%ld", g_k[K_CHURN].created);
	printf("BENCH sched/%s nodes=%ld init_pods=%ld pods=%ld%s pods_per_sec=%.0f %s%s "
	       "create_per_sec=%.0f events_per_pod=%.1f server_cpu_pct=%.0f agent_cpu_pct=%.0f "
	       "client_cpu_pct=%.0f "
	       "loadavg_1m=%.2f unbound=%ld violations=%ld%s errors=%ld\n",
	       wl_names[opt.wl], opt.nodes, opt.init, opt.pods, churn,
	       span > 0 ? (double)g_k[K_MEAS].bound / span : 0, lat, wlag,
	       create_span > 0 ? (double)g_k[K_MEAS].answered / create_span : 0,
	       (double)g_meas_events / (double)opt.pods, srv >= 0 ? 100 * srv / secs : -1,
	       agt >= 0 ? 100 * agt / secs : -1, 100 * self / secs, pr_loadavg(), unbound, bad,
	       extra, g_errors + g_watch_errors);
	fflush(stdout);
	bs_free(&s);
	if (unbound)
		fprintf(stderr,
			"schedperf: %s: %ld of %ld measured pods were not bound within %.0f s\n",
			wl_names[opt.wl], unbound, opt.pods, opt.timeout_s);
	if (bad)
		fprintf(stderr, "schedperf: %s: %ld pods were placed against their constraint\n",
			wl_names[opt.wl], bad);
	return unbound || bad || g_errors || g_watch_errors ? 2 : 0;
}

/* ---- main ----------------------------------------------------------------------------- */

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
	fprintf(stderr,
		"usage: schedperf run --addr HOST:PORT --workload NAME [options]\n"
		"  NAME: SchedulingBasic, SchedulingNodeAffinity, TopologySpreading,\n"
		"        SchedulingPodAntiAffinity, Unschedulable, BindOnly (this program binds\n"
		"        each pod once created: run it on a server without a scheduler)\n"
		"  --nodes N         hollow nodes hollow-0 .. hollow-<N-1> to wait for (5000)\n"
		"  --init I          init pods, bound (Unschedulable: tried) before measuring "
		"(5000)\n"
		"  --pods M          measured pods (50000)\n"
		"  --clients C       concurrent keep-alive connections creating pods (64)\n"
		"  --server-pid P --agent-pid P   their CPU use during the measurement\n"
		"  --timeout S       limit of each wait (300)\n"
		"  --churn-rate R    Unschedulable: more unschedulable pods per second while\n"
		"                    the measured pods are being scheduled (10; 0: none)\n"
		"  --perf-out FILE   perf record -g the server and agent while measuring\n"
		"  --perf-callgraph M  perf's --call-graph (dwarf,8192; fp for a build with\n"
		"                    frame pointers)\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"addr", 1, 0, 'a'},
		{"workload", 1, 0, 'w'},
		{"nodes", 1, 0, 'n'},
		{"init", 1, 0, 'i'},
		{"pods", 1, 0, 'm'},
		{"clients", 1, 0, 'c'},
		{"server-pid", 1, 0, 's'},
		{"agent-pid", 1, 0, 'g'},
		{"timeout", 1, 0, 't'},
		{"churn-rate", 1, 0, 'r'},
		{"perf-out", 1, 0, 'P'},
		{"perf-callgraph", 1, 0, 'G'},
		{0, 0, 0, 0},
	};
	const char *addr = NULL, *wl = NULL;
	int o;

	if (argc < 2 || strcmp(argv[1], "run"))
		usage();
	optind = 2;
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'a': addr = optarg; break;
		case 'w': wl = optarg; break;
		case 'n': opt.nodes = atol(optarg); break;
		case 'i': opt.init = atol(optarg); break;
		case 'm': opt.pods = atol(optarg); break;
		case 'c': opt.clients = atoi(optarg); break;
		case 's': opt.server_pid = atol(optarg); break;
		case 'g': opt.agent_pid = atol(optarg); break;
		case 't': opt.timeout_s = atof(optarg); break;
		case 'r': opt.churn_rate = atof(optarg); break;
		case 'P': opt.perf_out = optarg; break;
		case 'G': opt.perf_callgraph = optarg; break;
		default: usage();
		}
	}
	const char *colon = addr ? strrchr(addr, ':') : NULL;

	if (!colon || (size_t)(colon - addr) >= sizeof(opt.host) || !wl)
		usage();
	memcpy(opt.host, addr, (size_t)(colon - addr));
	opt.port = atoi(colon + 1);
	snprintf(opt.hostport, sizeof(opt.hostport), "%s", addr);
	size_t w;

	for (w = 0; w < sizeof(wl_names) / sizeof(wl_names[0]) && strcmp(wl, wl_names[w]); w++)
		;
	if (w == sizeof(wl_names) / sizeof(wl_names[0]))
		usage();
	opt.wl = (enum workload)w;
	if (opt.nodes < 1 || opt.init < 0 || opt.pods < 1 || opt.clients < 1 ||
	    opt.timeout_s <= 0 || opt.churn_rate < 0 || opt.pods > 9999999 || opt.init > 9999999)
		die("counts must be positive (pods and init at most 9999999)");
	if (opt.wl == WL_ANTI && (opt.init > opt.nodes || opt.pods > opt.nodes))
		die("SchedulingPodAntiAffinity puts at most one pod of a namespace on a node: "
		    "--init and --pods must not exceed --nodes");
	/* A hollow node's 4 CPUs hold 40 pods of 100m; node affinity leaves
	 * zone-2's third of the nodes out; Unschedulable's init pods fit
	 * nowhere anyway.  More pods than that would stay unbound. */
	long fit_nodes = opt.wl == WL_NODEAFF ? opt.nodes - (opt.nodes + 1) / 3 : opt.nodes;
	long want = (opt.wl == WL_UNSCHED ? 0 : opt.init) + opt.pods;
	if (opt.wl != WL_ANTI && want > fit_nodes * PODS_PER_NODE)
		die("%s: %ld pods need more room than %ld hollow nodes have (%d pods of 100m CPU "
		    "each): lower --init/--pods or raise --nodes",
		    wl_names[opt.wl], want, fit_nodes, PODS_PER_NODE);

	static const enum shape shapes[][K_N] = {
		[WL_BASIC] = {SH_DEFAULT, SH_DEFAULT, SH_DEFAULT},
		[WL_NODEAFF] = {SH_NODEAFF, SH_NODEAFF, SH_DEFAULT},
		[WL_SPREAD] = {SH_DEFAULT, SH_SPREAD, SH_DEFAULT},
		[WL_ANTI] = {SH_ANTI, SH_ANTI, SH_DEFAULT},
		[WL_UNSCHED] = {SH_LARGE, SH_DEFAULT, SH_LARGE},
		[WL_BINDONLY] = {SH_DEFAULT, SH_DEFAULT, SH_DEFAULT},
	};
	memcpy(g_shape, shapes[opt.wl], sizeof(g_shape));
	signal(SIGPIPE, SIG_IGN);
	g_mono_to_real = bs_real_ns() - bs_now_ns();
	g_watch.fd = -1;
	g_ep = epoll_create1(EPOLL_CLOEXEC);
	if (g_ep < 0)
		die("epoll_create1: %s", strerror(errno));
	kind_alloc(K_INIT, opt.init);
	kind_alloc(K_MEAS, opt.pods);
	/* Churn creates at most churn_rate pods a second for at most the timeout. */
	kind_alloc(K_CHURN, opt.wl == WL_UNSCHED ? (long)(opt.churn_rate * opt.timeout_s) + 1 : 0);

	wait_nodes();
	ensure_namespace(NS_INIT);
	ensure_namespace(NS_MEAS);
	if (opt.wl == WL_NODEAFF || opt.wl == WL_SPREAD)
		label_nodes();
	watch_start();
	create_init();
	return measure();
}
