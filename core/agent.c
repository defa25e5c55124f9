/* The node agent: lifecycle, node registration, Leases and the Node's
 * Ready heartbeat.
 *
 * One heartbeat thread serves every node of the process.  It registers
 * them with pipelined asynchronous requests (never a thread or a blocking
 * call per node), then walks them in a fixed cyclic order: node i renews
 * its Lease at t0 + i * period / n + k * period, so N nodes make N/period
 * evenly spread writes per second instead of bursts.  The Node's status
 * (the Ready heartbeat) is written on registration and then every
 * CS_AGENT_STATUS_PERIOD, as the kubelet's nodeStatusReportFrequency when
 * nothing changes. */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agent_int.h"
#include "log.h"
#include "modhost.h"

#define LEASE_PERIOD_MS  10000  /* kubelet: renewInterval = 0.25 * 40 s */
#define STATUS_PERIOD_MS 300000 /* kubelet: nodeStatusReportFrequency */
#define RETRY_MS         2000
#define MAX_INFLIGHT     256 /* heartbeat requests queued at the client */

enum node_state { N_NEW, N_REGISTERING, N_READY, N_FAILED };

int64_t agent_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cs_agent_parse_hollow(const char *s, unsigned *out, char *err, size_t errlen)
{
	char *end;
	unsigned long long v = 0;
	bool digits = s && *s >= '0' && *s <= '9';
	if (digits)
		v = strtoull(s, &end, 10);
	if (!digits || *end || v < 1 || v > CS_AGENT_MAX_HOLLOW) {
		snprintf(err, errlen,
			 "--hollow-nodes \"%s\": must be a number of nodes from 1 to %d",
			 s ? s : "", CS_AGENT_MAX_HOLLOW);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

const char *cs_agent_runtime_name(cs_modhost *mods)
{
	const cs_module *d = cs_modhost_kind_at(mods, CS_KIND_RUNTIME, 0, NULL);
	return d ? d->name : NULL;
}

/* ---- the node set ---- */

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

int agent_node_index(const cs_agent *a, const char *name)
{
	if (!name || !*name)
		return -1;
	for (size_t b = name_hash(name) & (a->setcap - 1);; b = (b + 1) & (a->setcap - 1)) {
		uint32_t v = a->set[b];
		if (!v)
			return -1;
		if (!strcmp(a->nodes[v - 1].name, name))
			return (int)(v - 1);
	}
}

static void set_build(cs_agent *a)
{
	a->setcap = 16;
	while (a->setcap < a->nnodes * 2)
		a->setcap *= 2;
	a->set = calloc(a->setcap, sizeof(*a->set));
	if (!a->set)
		abort();
	for (size_t i = 0; i < a->nnodes; i++) {
		size_t b = name_hash(a->nodes[i].name) & (a->setcap - 1);
		while (a->set[b])
			b = (b + 1) & (a->setcap - 1);
		a->set[b] = (uint32_t)i + 1;
	}
}

/* ---- requests ---- */

struct areq {
	cs_agent *a;
	cs_client_done_fn done;
	void *arg;
};

static void areq_done(void *arg, int code, char *body, size_t len)
{
	struct areq *r = arg;
	cs_agent *a = r->a;
	r->done(r->arg, code, body, len);
	free(r);
	pthread_mutex_lock(&a->mu);
	a->inflight--;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

void agent_request(cs_agent *a, const char *method, const char *path, const cs_json *body,
		   const char *ctype, cs_client_done_fn done, void *arg)
{
	struct areq *r = malloc(sizeof(*r));
	if (!r)
		abort();
	*r = (struct areq){a, done, arg};
	size_t len = 0;
	char *text = body ? cs_json_dump(body, false, &len) : NULL;
	pthread_mutex_lock(&a->mu);
	a->inflight++;
	pthread_mutex_unlock(&a->mu);
	a->api->ops->request(a->api, method, path,
			     body ? (ctype ? ctype : "application/json") : NULL, text, len,
			     areq_done, r);
	free(text);
}

bool agent_throttle(cs_agent *a, unsigned max)
{
	pthread_mutex_lock(&a->mu);
	while (a->inflight >= max && !a->stopping)
		pthread_cond_wait(&a->cv, &a->mu);
	bool ok = !a->stopping;
	pthread_mutex_unlock(&a->mu);
	return ok;
}

/* A one-line reason out of an API error body. */
static void reason_of(int code, const char *body, size_t len, char *out, size_t n)
{
	cs_json *st = code ? cs_json_parse(body, len, NULL, 0) : NULL;
	const char *msg = cs_json_get_str(st, "message");
	snprintf(out, n, "%d %s", code, msg ? msg : code ? "" : body);
	cs_json_free(st);
}

/* ---- registration ---- */

static void node_info(cs_agent *a, struct agent_node *n, cs_agent_nodeinfo *ni)
{
	*ni = a->info;
	ni->name = n->name;
	ni->internal_ip = n->ip;
}

static void node_failed(cs_agent *a, struct agent_node *n, const char *what, int code,
			const char *body, size_t len)
{
	char why[512];
	reason_of(code, body, len, why, sizeof(why));
	cs_log(CS_LOG_ERROR, "node agent: %s of node %s failed: %s; retrying in %d s", what,
	       n->name, why, RETRY_MS / 1000);
	n->retry_due = agent_mono_ms() + RETRY_MS;
	atomic_store(&n->state, N_FAILED);
	(void)a;
}

struct nreq {
	cs_agent *a;
	struct agent_node *n;
};

static struct nreq *nreq(cs_agent *a, struct agent_node *n)
{
	struct nreq *r = malloc(sizeof(*r));
	if (!r)
		abort();
	*r = (struct nreq){a, n};
	return r;
}

static void send_lease(cs_agent *a, struct agent_node *n, bool create);

static void status_done(void *arg, int code, char *body, size_t len)
{
	struct nreq *r = arg;
	struct agent_node *n = r->n;
	atomic_store(&n->status_busy, false);
	if (code == 200) {
		if (atomic_exchange(&n->state, N_READY) != N_READY) {
			unsigned k = atomic_fetch_add(&r->a->registered, 1) + 1;
			if (k == r->a->nnodes)
				cs_log(CS_LOG_INFO, "node agent: %u node%s registered and Ready", k,
				       k == 1 ? "" : "s");
			/* The first Lease at once; renewals follow on the
			 * heartbeat's schedule. */
			if (!atomic_exchange(&n->lease_busy, true))
				send_lease(r->a, n, !atomic_load(&n->lease_known));
		}
	} else if (atomic_load(&n->state) != N_READY) {
		node_failed(r->a, n, "status update", code, body, len);
	} else {
		char why[512];
		reason_of(code, body, len, why, sizeof(why));
		cs_log(CS_LOG_WARN, "node agent: status heartbeat of node %s failed: %s", n->name,
		       why);
		n->status_due = agent_mono_ms() + RETRY_MS;
	}
	free(body);
	free(r);
}

/* PATCH the whole status (merge patch: conditions and addresses are ours
 * and replaced as a whole, as the kubelet's status patch does). */
static void send_status(cs_agent *a, struct agent_node *n, const cs_json *old_status)
{
	cs_agent_nodeinfo ni;
	node_info(a, n, &ni);
	char now[32];
	cs_agent_time(cs_agent_now_ns(), now);
	cs_json *st = cs_agent_node_status(&ni, now, n->since[0] ? n->since : NULL, old_status);
	const char *since =
		cs_json_get_str(cs_json_at(cs_json_get(st, "conditions"), 3), "lastTransitionTime");
	if (since)
		snprintf(n->since, sizeof(n->since), "%s", since);
	cs_json *patch = cs_json_object();
	cs_json_set(patch, "status", st);
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/status", n->name);
	atomic_store(&n->status_busy, true);
	agent_request(a, "PATCH", path, patch, "application/merge-patch+json", status_done,
		      nreq(a, n));
	cs_json_free(patch);
}

static void remember_uid(struct agent_node *n, const cs_json *node)
{
	const char *uid = cs_json_get_str(cs_json_get(node, "metadata"), "uid");
	if (uid)
		snprintf(n->uid, sizeof(n->uid), "%s", uid);
}

/* Adopting an existing Node: its labels are merged with ours, its
 * conditions' transition times kept. */
static void adopt_done(void *arg, int code, char *body, size_t len)
{
	struct nreq *r = arg;
	if (code != 200) {
		node_failed(r->a, r->n, "label update (adopting the existing Node)", code, body,
			    len);
	} else {
		cs_json *node = cs_json_parse(body, len, NULL, 0);
		remember_uid(r->n, node);
		send_status(r->a, r->n, cs_json_get(node, "status"));
		cs_json_free(node);
	}
	free(body);
	free(r);
}

static void create_done(void *arg, int code, char *body, size_t len)
{
	struct nreq *r = arg;
	cs_agent *a = r->a;
	struct agent_node *n = r->n;
	if (code == 201 || code == 200) {
		cs_json *node = cs_json_parse(body, len, NULL, 0);
		remember_uid(n, node);
		cs_json_free(node);
		send_status(a, n, NULL);
	} else if (code == 409) {
		cs_agent_nodeinfo ni;
		node_info(a, n, &ni);
		cs_json *patch = cs_json_object();
		cs_json_set(cs_json_obj_ensure(patch, "metadata"), "labels",
			    cs_agent_node_labels(&ni));
		char path[160];
		snprintf(path, sizeof(path), "/api/v1/nodes/%s", n->name);
		agent_request(a, "PATCH", path, patch, "application/merge-patch+json", adopt_done,
			      nreq(a, n));
		cs_json_free(patch);
	} else {
		node_failed(a, n, "registration", code, body, len);
	}
	free(body);
	free(r);
}

static void register_node(cs_agent *a, struct agent_node *n)
{
	cs_agent_nodeinfo ni;
	node_info(a, n, &ni);
	cs_json *node = cs_agent_node_object(&ni);
	atomic_store(&n->state, N_REGISTERING);
	agent_request(a, "POST", "/api/v1/nodes", node, NULL, create_done, nreq(a, n));
	cs_json_free(node);
}

/* ---- leases ---- */

static void lease_done(void *arg, int code, char *body, size_t len);

static void send_lease(cs_agent *a, struct agent_node *n, bool create)
{
	char renew[40];
	cs_agent_microtime(cs_agent_now_ns(), renew);
	cs_json *l = cs_agent_lease(n->name, renew);
	if (n->uid[0]) {
		cs_json *ref = cs_json_object();
		cs_json_set(ref, "apiVersion", cs_json_string("v1"));
		cs_json_set(ref, "kind", cs_json_string("Node"));
		cs_json_set(ref, "name", cs_json_string(n->name));
		cs_json_set(ref, "uid", cs_json_string(n->uid));
		cs_json *refs = cs_json_array();
		cs_json_push(refs, ref);
		cs_json_set(cs_json_get(l, "metadata"), "ownerReferences", refs);
	}
	char path[200];
	if (create)
		snprintf(path, sizeof(path),
			 "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases");
	else
		snprintf(path, sizeof(path),
			 "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/%s",
			 n->name);
	atomic_store(&n->lease_busy, true);
	agent_request(a, create ? "POST" : "PUT", path, l, NULL, lease_done, nreq(a, n));
	cs_json_free(l);
}

static void lease_done(void *arg, int code, char *body, size_t len)
{
	struct nreq *r = arg;
	struct agent_node *n = r->n;
	bool again = false, create = false;
	if (code == 200 || code == 201) {
		atomic_store(&n->lease_known, true);
	} else if (code == 409 && !atomic_load(&n->lease_known)) {
		atomic_store(&n->lease_known, true); /* it exists: renew it */
		again = true;
	} else if (code == 404 && atomic_load(&n->lease_known)) {
		atomic_store(&n->lease_known, false); /* deleted by someone */
		again = create = true;
	} else {
		char why[512];
		reason_of(code, body, len, why, sizeof(why));
		cs_log(CS_LOG_WARN, "node agent: renewing the lease of node %s failed: %s", n->name,
		       why);
	}
	free(body);
	if (again) {
		send_lease(r->a, n, create);
	} else {
		atomic_store(&n->lease_busy, false);
	}
	free(r);
}

/* ---- the heartbeat thread ---- */

/* Sleep until the monotonic time due (ms); false when stopping. */
static bool sleep_until(cs_agent *a, int64_t due)
{
	pthread_mutex_lock(&a->mu);
	while (!a->stopping) {
		int64_t now = agent_mono_ms();
		if (now >= due)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t wait = due - now;
		ts.tv_sec += wait / 1000;
		ts.tv_nsec += (wait % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&a->cv, &a->mu, &ts);
	}
	bool ok = !a->stopping;
	pthread_mutex_unlock(&a->mu);
	return ok;
}

static void *heartbeat_main(void *arg)
{
	cs_agent *a = arg;
	int64_t t0 = agent_mono_ms();
	cs_log(CS_LOG_INFO, "node agent: registering %zu node%s (runtime %s)", a->nnodes,
	       a->nnodes == 1 ? "" : "s", a->runtime_version);
	for (size_t i = 0; i < a->nnodes; i++) {
		if (!agent_throttle(a, MAX_INFLIGHT))
			return NULL;
		register_node(a, &a->nodes[i]);
	}
	/* Renewals spread over the period; the first one once registered. */
	int64_t start = agent_mono_ms();
	for (size_t i = 0; i < a->nnodes; i++) {
		struct agent_node *n = &a->nodes[i];
		int64_t off = (int64_t)(i * (uint64_t)LEASE_PERIOD_MS / a->nnodes);
		n->lease_due = start + off;
		n->status_due = start + STATUS_PERIOD_MS +
				(int64_t)(i * (uint64_t)STATUS_PERIOD_MS / a->nnodes);
	}
	(void)t0;
	for (size_t i = 0;; i = (i + 1) % a->nnodes) {
		struct agent_node *n = &a->nodes[i];
		if (!sleep_until(a, n->lease_due) || !agent_throttle(a, MAX_INFLIGHT))
			break;
		int64_t now = agent_mono_ms();
		n->lease_due += LEASE_PERIOD_MS;
		if (n->lease_due < now) /* fell behind (server stalled): skip, do not burst */
			n->lease_due = now + LEASE_PERIOD_MS;
		int st = atomic_load(&n->state);
		if (st == N_FAILED && now >= n->retry_due) {
			register_node(a, n);
			continue;
		}
		if (st != N_READY)
			continue;
		if (!atomic_load(&n->lease_busy))
			send_lease(a, n, !atomic_load(&n->lease_known));
		if (now >= n->status_due && !atomic_load(&n->status_busy)) {
			n->status_due = now + STATUS_PERIOD_MS;
			send_status(a, n, NULL);
		}
	}
	return NULL;
}

/* ---- node facts ---- */

static void read_line(const char *path, char *out, size_t n, const char *def)
{
	FILE *f = fopen(path, "r");
	snprintf(out, n, "%s", def);
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static void os_image(char *out, size_t n)
{
	snprintf(out, n, "Linux");
	FILE *f = fopen("/etc/os-release", "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "PRETTY_NAME=", 12))
			continue;
		char *v = line + 12;
		v[strcspn(v, "\n")] = '\0';
		size_t l = strlen(v);
		if (l >= 2 && v[0] == '"' && v[l - 1] == '"') {
			v[l - 1] = '\0';
			v++;
		}
		snprintf(out, n, "%.*s", (int)n - 1, v);
	}
	fclose(f);
}

static void first_ipv4(char out[16])
{
	snprintf(out, 16, "127.0.0.1");
	struct ifaddrs *ifs;
	if (getifaddrs(&ifs) < 0)
		return;
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		struct in_addr ad = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		if ((ntohl(ad.s_addr) >> 24) == 127)
			continue;
		inet_ntop(AF_INET, &ad, out, 16);
		break;
	}
	freeifaddrs(ifs);
}

static void node_facts(cs_agent *a, const cs_agent_opts *o)
{
	struct utsname u;
	uname(&u);
	snprintf(a->kernel, sizeof(a->kernel), "%s", u.release);
	snprintf(a->arch, sizeof(a->arch), "%.31s",
		 !strcmp(u.machine, "x86_64")    ? "amd64"
		 : !strcmp(u.machine, "aarch64") ? "arm64"
						 : u.machine);
	os_image(a->os_image, sizeof(a->os_image));
	read_line("/etc/machine-id", a->machine_id, sizeof(a->machine_id), "");
	read_line("/proc/sys/kernel/random/boot_id", a->boot_id, sizeof(a->boot_id), "");
	snprintf(a->runtime_version, sizeof(a->runtime_version), "%s://%s", a->ops->runtime_name,
		 a->ops->runtime_version ? a->ops->runtime_version : "0");
	if (a->hollow) {
		/* kubemark's hollow node: a mid-sized machine. */
		snprintf(a->cpu, sizeof(a->cpu), "4");
		snprintf(a->memory, sizeof(a->memory), "32Gi");
		snprintf(a->eph, sizeof(a->eph), "100Gi");
	} else {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		unsigned long long mem = (unsigned long long)sysconf(_SC_PHYS_PAGES) *
					 (unsigned long long)sysconf(_SC_PAGESIZE);
		struct statvfs vfs;
		unsigned long long disk = 0;
		if (statvfs(o->data_dir ? o->data_dir : "/", &vfs) == 0)
			disk = (unsigned long long)vfs.f_blocks * vfs.f_frsize;
		snprintf(a->cpu, sizeof(a->cpu), "%ld", cpus > 0 ? cpus : 1);
		snprintf(a->memory, sizeof(a->memory), "%lluKi", mem / 1024);
		snprintf(a->eph, sizeof(a->eph), "%lluKi", disk / 1024);
	}
	a->info = (cs_agent_nodeinfo){.cpu = a->cpu,
				      .memory = a->memory,
				      .pods = "110",
				      .ephemeral_storage = a->eph,
				      .runtime_version = a->runtime_version,
				      .kernel_version = a->kernel,
				      .os_image = a->os_image,
				      .arch = a->arch,
				      .machine_id = a->machine_id,
				      .boot_id = a->boot_id};
}

/* ---- lifecycle ---- */

int cs_agent_start(cs_agent **out, const cs_agent_opts *o, char *err, size_t errlen)
{
	*out = NULL;
	cs_mod *inst = NULL;
	const cs_module *d = cs_modhost_kind_at(o->mods, CS_KIND_RUNTIME, 0, &inst);
	const cs_runtime_ops *ops = d ? d->ops : NULL;
	if (!d) {
		snprintf(err, errlen,
			 "node agent: no container runtime module is running (enable one, e.g. "
			 "module \"rt-hollow\" { enabled = true }, in the configuration)");
		return -1;
	}
	if (!ops || ops->size < offsetof(cs_runtime_ops, remove_image) + sizeof(void *) ||
	    !ops->run_pod_sandbox || !ops->stop_pod_sandbox || !ops->remove_pod_sandbox ||
	    !ops->create_container || !ops->start_container || !ops->stop_container ||
	    !ops->remove_container || !ops->list_containers || !ops->container_status ||
	    !ops->pull_image || !ops->runtime_name) {
		snprintf(err, errlen,
			 "node agent: runtime module %s lacks verbs the agent needs (its ops "
			 "table is incomplete)",
			 d->name);
		return -1;
	}
	cs_agent *a = calloc(1, sizeof(*a));
	if (!a)
		abort();
	a->api = o->api;
	a->mods = o->mods;
	a->rt = inst;
	a->ops = ops;
	snprintf(a->runtime, sizeof(a->runtime), "%s", ops->runtime_name);
	a->hollow = o->hollow > 0;
	a->nnodes = o->hollow ? o->hollow : 1;
	a->nodes = calloc(a->nnodes, sizeof(*a->nodes));
	if (!a->nodes)
		abort();
	for (size_t i = 0; i < a->nnodes; i++) {
		struct agent_node *n = &a->nodes[i];
		if (a->hollow) {
			snprintf(n->name, sizeof(n->name), "hollow-%zu", i);
			/* Node addresses: 10.0.0.0/11, apart from pod IPs. */
			snprintf(n->ip, sizeof(n->ip), "10.%u.%u.%u",
				 (unsigned)(i / (254 * 256)) % 32, (unsigned)(i / 254 % 256),
				 (unsigned)(i % 254 + 1));
		} else {
			snprintf(n->name, sizeof(n->name), "%s", o->node_name);
			first_ipv4(n->ip);
		}
	}
	set_build(a);
	node_facts(a, o);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if (agent_pods_start(a, err, errlen) < 0) {
		cs_agent_stop(a);
		return -1;
	}
	if (pthread_create(&a->heartbeat, NULL, heartbeat_main, a)) {
		snprintf(err, errlen, "node agent: cannot start the heartbeat thread");
		cs_agent_stop(a);
		return -1;
	}
	a->heartbeat_started = true;
	*out = a;
	return 0;
}

void cs_agent_stop(cs_agent *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stopping = true;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (a->heartbeat_started)
		pthread_join(a->heartbeat, NULL);
	agent_pods_stop(a);
	/* Answers of requests still queued at the client arrive before the
	 * agent's memory goes. */
	pthread_mutex_lock(&a->mu);
	while (a->inflight)
		pthread_cond_wait(&a->cv, &a->mu);
	pthread_mutex_unlock(&a->mu);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a->set);
	free(a->nodes);
	free(a);
}
