/* The node agent's pod sync loop (the kubelet's syncPod, in small).
 *
 * One list + watch of every bound pod (spec.nodeName!=, or =NAME for a
 * single node) feeds all of the process's nodes; events for other nodes
 * are dropped by a hash lookup, so 5,000 hollow nodes cost one watch.  The
 * pods thread applies the events to a table of pod records and queues
 * their keys ("ns/name") on a work queue; workers drive the runtime module
 * through its CRI verbs and write the pod's status through pods/status.
 * The pods thread also relists the runtime's containers every second (the
 * kubelet's PLEG) and queues the pods whose containers changed state.
 *
 * A record's runtime state (sandbox, containers) is touched only by the
 * worker holding its key (the queue never gives a key to two workers);
 * the table and each record's latest pod are guarded by mu. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_int.h"
#include "log.h"
#include "modhost.h"
#include "workqueue.h"

#define WORKERS         4
#define PLEG_PERIOD_MS  1000
#define BACKOFF_BASE_MS 10000 /* kubelet's container restart back-off */
#define BACKOFF_MAX_MS  300000

struct ctr {
	char *name, *image, *pull_policy;
	bool init;
	char id[CS_RUNTIME_ID_MAX]; /* current runtime container, "" none */
	char *image_ref;
	unsigned restarts;
	enum cs_agent_cstate state;
	int exit_code;
	int64_t started, finished;
	char reason[64], message[256];
	bool has_last;
	int last_exit;
	int64_t last_started, last_finished;
	char last_reason[64], last_id[CS_RUNTIME_ID_MAX + 64];
	char cid[CS_RUNTIME_ID_MAX + 64]; /* "<runtime>://<id>" */
};

struct prec {
	struct prec *next;
	char *key;
	cs_json *pod; /* latest seen, NULL once deleted (mu) */
	bool seen;    /* relist bookkeeping (pods thread) */
	/* worker only */
	char uid[48];
	char sandbox[CS_RUNTIME_ID_MAX];
	cs_json *sandbox_config;
	struct ctr *ctrs; /* init containers first */
	size_t nctrs, ninit;
	char ip[46];
	bool terminal;
};

struct line {
	struct line *next;
	char *text;
	size_t len;
};

struct agent_pods {
	cs_agent *a;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* lines, stream end, stop */
	struct prec **tab;
	size_t cap, len;
	cs_wq *wq;
	pthread_t thread;
	bool thread_started;

	/* the watch stream; callbacks append under mu */
	cs_client_stream *stream;
	char *part;
	size_t plen, pcap;
	struct line *lines, *last;
	bool ended;
	int end_code;
	char rv[32];

	/* PLEG: container id -> last state (pods thread only) */
	struct pleg {
		char *id, *key;
		int state;
	} * seen;
	size_t nseen;

	atomic_uint ipseq;
};

static const cs_host *H(void)
{
	return cs_host_table();
}

/* ---- the table (mu held) ---- */

static size_t khash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct prec *rec_find(struct agent_pods *p, const char *key)
{
	if (!p->cap)
		return NULL;
	for (struct prec *r = p->tab[khash(key) & (p->cap - 1)]; r; r = r->next)
		if (!strcmp(r->key, key))
			return r;
	return NULL;
}

static struct prec *rec_get(struct agent_pods *p, const char *key)
{
	struct prec *r = rec_find(p, key);
	if (r)
		return r;
	if (p->len + 1 > p->cap * 3 / 4) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct prec **t = calloc(cap, sizeof(*t));
		if (!t)
			abort();
		for (size_t i = 0; i < p->cap; i++)
			for (struct prec *e = p->tab[i], *nx; e; e = nx) {
				nx = e->next;
				e->next = t[khash(e->key) & (cap - 1)];
				t[khash(e->key) & (cap - 1)] = e;
			}
		free(p->tab);
		p->tab = t;
		p->cap = cap;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->key = strdup(key)))
		abort();
	size_t b = khash(key) & (p->cap - 1);
	r->next = p->tab[b];
	p->tab[b] = r;
	p->len++;
	return r;
}

static void ctrs_free(struct prec *r)
{
	for (size_t i = 0; i < r->nctrs; i++) {
		free(r->ctrs[i].name);
		free(r->ctrs[i].image);
		free(r->ctrs[i].pull_policy);
		free(r->ctrs[i].image_ref);
	}
	free(r->ctrs);
	r->ctrs = NULL;
	r->nctrs = r->ninit = 0;
}

static void rec_free(struct prec *r)
{
	cs_json_free(r->pod);
	cs_json_free(r->sandbox_config);
	ctrs_free(r);
	free(r->key);
	free(r);
}

static void rec_unlink(struct agent_pods *p, struct prec *r)
{
	for (struct prec **pp = &p->tab[khash(r->key) & (p->cap - 1)]; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			p->len--;
			return;
		}
}

/* ---- events ---- */

static bool pod_key(const cs_json *pod, char *key, size_t n)
{
	const cs_json *md = cs_json_get(pod, "metadata");
	const char *ns = cs_json_get_str(md, "namespace"), *name = cs_json_get_str(md, "name");
	if (!ns || !name)
		return false;
	snprintf(key, n, "%s/%s", ns, name);
	return true;
}

/* Takes pod.  mu held. */
static void apply(struct agent_pods *p, const char *type, cs_json *pod)
{
	char key[512];
	const char *node = cs_json_get_str(cs_json_get(pod, "spec"), "nodeName");
	bool ours = agent_node_index(p->a, node) >= 0;
	if (!pod_key(pod, key, sizeof(key))) {
		cs_json_free(pod);
		return;
	}
	struct prec *r = rec_find(p, key);
	if (ours && strcmp(type, "DELETED")) {
		r = r ? r : rec_get(p, key);
		cs_json_free(r->pod);
		r->pod = pod;
		r->seen = true;
	} else {
		cs_json_free(pod);
		if (!r)
			return;
		cs_json_free(r->pod);
		r->pod = NULL;
	}
	cs_wq_add(p->wq, key);
}

static void on_line(struct agent_pods *p, char *text, size_t len)
{
	char e[128];
	cs_json *ev = cs_json_parse(text, len, e, sizeof(e));
	const char *type = cs_json_get_str(ev, "type");
	cs_json *obj = ev ? cs_json_take(ev, "object") : NULL;
	if (!type || !obj) {
		cs_log(CS_LOG_WARN, "node agent: unreadable pod watch event: %s",
		       ev ? "no type/object" : e);
	} else if (!strcmp(type, "ERROR")) {
		int64_t code = cs_json_as_int(cs_json_get(obj, "code"), 0);
		cs_log(code == 410 ? CS_LOG_DEBUG : CS_LOG_WARN,
		       "node agent: pod watch error %lld: %s; listing again", (long long)code,
		       cs_json_get_str(obj, "message"));
		p->rv[0] = '\0';
	} else {
		const char *rv =
			cs_json_str(cs_json_path(obj, "metadata", "resourceVersion", NULL));
		if (rv)
			snprintf(p->rv, sizeof(p->rv), "%s", rv);
		if (strcmp(type, "BOOKMARK")) {
			pthread_mutex_lock(&p->mu);
			apply(p, type, obj);
			pthread_mutex_unlock(&p->mu);
			obj = NULL;
		}
	}
	cs_json_free(obj);
	cs_json_free(ev);
}

static void stream_data(void *arg, const char *data, size_t len)
{
	struct agent_pods *p = arg;
	const char *c = data, *end = data + len;
	pthread_mutex_lock(&p->mu);
	while (c < end) {
		const char *nl = memchr(c, '\n', (size_t)(end - c));
		size_t n = nl ? (size_t)(nl - c) : (size_t)(end - c);
		if (p->plen + n + 1 > p->pcap) {
			p->pcap = (p->plen + n + 1) * 2;
			if (!(p->part = realloc(p->part, p->pcap)))
				abort();
		}
		memcpy(p->part + p->plen, c, n);
		p->plen += n;
		if (!nl)
			break;
		if (p->plen) {
			struct line *l = malloc(sizeof(*l));
			if (!l || !(l->text = malloc(p->plen + 1)))
				abort();
			memcpy(l->text, p->part, p->plen);
			l->text[p->plen] = '\0';
			l->len = p->plen;
			l->next = NULL;
			if (p->last)
				p->last->next = l;
			else
				p->lines = l;
			p->last = l;
			pthread_cond_signal(&p->cv);
		}
		p->plen = 0;
		c = nl + 1;
	}
	pthread_mutex_unlock(&p->mu);
}

static void stream_end(void *arg, int code, const char *body, size_t len)
{
	struct agent_pods *p = arg;
	pthread_mutex_lock(&p->mu);
	p->ended = true;
	p->end_code = code;
	if (code != 200)
		cs_log(CS_LOG_WARN, "node agent: pod watch ended: %d %.*s", code, (int)len, body);
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static const char *selector(cs_agent *a, char *buf, size_t n)
{
	if (a->hollow)
		return "spec.nodeName%21%3D";
	snprintf(buf, n, "spec.nodeName%%3D%s", a->nodes[0].name);
	return buf;
}

/* Pods thread: a fresh list; records not in it are deleted. */
static int relist(struct agent_pods *p)
{
	char sel[200], path[400];
	snprintf(path, sizeof(path), "/api/v1/pods?fieldSelector=%s",
		 selector(p->a, sel, sizeof(sel)));
	char *body = NULL;
	size_t len = 0;
	int code = cs_client_call(p->a->api, "GET", path, NULL, NULL, 0, &body, &len);
	cs_json *list = code == 200 ? cs_json_parse(body, len, NULL, 0) : NULL;
	if (!list) {
		cs_log(CS_LOG_WARN, "node agent: listing pods failed: %d %.200s; retrying", code,
		       body ? body : "");
		free(body);
		return -1;
	}
	free(body);
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->cap; i++)
		for (struct prec *r = p->tab[i]; r; r = r->next)
			r->seen = false;
	cs_json *items = cs_json_get(list, "items");
	while (cs_json_len(items))
		apply(p, "ADDED", cs_json_remove_at(items, 0));
	for (size_t i = 0; i < p->cap; i++)
		for (struct prec *r = p->tab[i]; r; r = r->next)
			if (!r->seen && r->pod) {
				cs_json_free(r->pod);
				r->pod = NULL;
				cs_wq_add(p->wq, r->key);
			}
	pthread_mutex_unlock(&p->mu);
	const char *rv = cs_json_str(cs_json_path(list, "metadata", "resourceVersion", NULL));
	snprintf(p->rv, sizeof(p->rv), "%s", rv ? rv : "");
	cs_json_free(list);
	return 0;
}

static void watch(struct agent_pods *p)
{
	char sel[200], path[480];
	snprintf(
		path, sizeof(path),
		"/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=%s&fieldSelector=%s",
		p->rv, selector(p->a, sel, sizeof(sel)));
	pthread_mutex_lock(&p->mu);
	p->ended = false;
	p->plen = 0;
	pthread_mutex_unlock(&p->mu);
	p->stream = p->a->api->ops->stream(p->a->api, path, stream_data, stream_end, p);
	if (!p->stream) {
		pthread_mutex_lock(&p->mu);
		p->ended = true;
		p->end_code = 0;
		pthread_mutex_unlock(&p->mu);
	}
}

static void unwatch(struct agent_pods *p)
{
	if (p->stream)
		p->a->api->ops->stream_cancel(p->stream);
	p->stream = NULL;
}

/* ---- PLEG ---- */

static int state_code(const char *s)
{
	return !s                                ? 0
	       : !strcmp(s, "CONTAINER_RUNNING") ? 2
	       : !strcmp(s, "CONTAINER_EXITED")  ? 3
						 : 1;
}

static int pleg_cmp(const void *x, const void *y)
{
	return strcmp(((const struct pleg *)x)->id, ((const struct pleg *)y)->id);
}

static void pleg_free(struct pleg *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].key);
	}
	free(v);
}

/* Queue the pods whose containers changed state since the last relist. */
static void pleg(struct agent_pods *p)
{
	cs_agent *a = p->a;
	cs_object *list = NULL;
	cs_error err = {0};
	if (a->ops->list_containers(a->rt, NULL, &list, &err) < 0) {
		cs_log(CS_LOG_WARN, "node agent: runtime %s: list containers: %s", a->runtime,
		       err.message);
		return;
	}
	const cs_json *l = (const cs_json *)list;
	size_t n = cs_json_len(l);
	struct pleg *now = calloc(n ? n : 1, sizeof(*now));
	if (!now)
		abort();
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const cs_json *c = cs_json_at(l, i);
		const cs_json *lab = cs_json_get(c, "labels");
		const char *id = cs_json_get_str(c, "id");
		const char *ns = cs_json_get_str(lab, "io.kubernetes.pod.namespace");
		const char *name = cs_json_get_str(lab, "io.kubernetes.pod.name");
		if (!id || !ns || !name)
			continue;
		now[k].id = strdup(id);
		if (asprintf(&now[k].key, "%s/%s", ns, name) < 0 || !now[k].id)
			abort();
		now[k].state = state_code(cs_json_get_str(c, "state"));
		k++;
	}
	H()->obj_free(list);
	qsort(now, k, sizeof(*now), pleg_cmp);
	/* Merge the sorted lists: changed, new and vanished containers. */
	size_t i = 0, j = 0;
	while (i < p->nseen || j < k) {
		int c = i == p->nseen ? 1 : j == k ? -1 : strcmp(p->seen[i].id, now[j].id);
		if (c < 0) {
			cs_wq_add(p->wq, p->seen[i].key);
			i++;
		} else if (c > 0) {
			/* New: its creator synced the pod, unless it already
			 * exited before this relist saw it running. */
			if (now[j].state == 3)
				cs_wq_add(p->wq, now[j].key);
			j++;
		} else {
			if (p->seen[i].state != now[j].state)
				cs_wq_add(p->wq, now[j].key);
			i++, j++;
		}
	}
	pleg_free(p->seen, p->nseen);
	p->seen = now;
	p->nseen = k;
}

/* Wait up to ms (a stop cuts it short). */
static void nap(struct agent_pods *p, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&p->a->mu);
	if (!p->a->stopping)
		pthread_cond_timedwait(&p->a->cv, &p->a->mu, &ts);
	pthread_mutex_unlock(&p->a->mu);
}

static void *pods_main(void *arg)
{
	struct agent_pods *p = arg;
	cs_agent *a = p->a;
	bool need_list = true;
	int64_t next_pleg = agent_mono_ms() + PLEG_PERIOD_MS;
	for (;;) {
		pthread_mutex_lock(&a->mu);
		bool stop = a->stopping;
		pthread_mutex_unlock(&a->mu);
		if (stop)
			break;
		if (need_list) {
			unwatch(p);
			if (relist(p) == 0) {
				need_list = false;
				watch(p);
			} else {
				nap(p, 1000);
				continue;
			}
		}
		/* Wait for lines, the end of the stream or the next PLEG. */
		pthread_mutex_lock(&p->mu);
		if (!p->lines && !p->ended) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&p->cv, &p->mu, &ts);
		}
		struct line *l = p->lines;
		p->lines = p->last = NULL;
		bool ended = p->ended && !l;
		int code = p->end_code;
		pthread_mutex_unlock(&p->mu);
		while (l) {
			struct line *nx = l->next;
			on_line(p, l->text, l->len);
			if (!p->rv[0])
				need_list = true; /* an ERROR event */
			free(l->text);
			free(l);
			l = nx;
		}
		if (ended && !need_list) {
			unwatch(p);
			if (code == 200 && p->rv[0]) {
				watch(p);
			} else {
				need_list = true;
				if (code != 410)
					nap(p, 1000);
			}
		}
		if (agent_mono_ms() >= next_pleg) {
			pleg(p);
			next_pleg = agent_mono_ms() + PLEG_PERIOD_MS;
		}
	}
	unwatch(p);
	return NULL;
}

/* ---- runtime calls ---- */

static void rt_error(struct prec *r, const char *verb, const char *what, const cs_error *err)
{
	cs_log(CS_LOG_WARN, "node agent: pod %s: %s %s: %s", r->key, verb, what ? what : "",
	       err->message[0] ? err->message : "failed");
}

static cs_json *str_map(const cs_json *src)
{
	return cs_json_is(src, CS_JSON_OBJECT) ? cs_json_clone(src) : cs_json_object();
}

static cs_json *sandbox_config(const cs_json *pod)
{
	const cs_json *md = cs_json_get(pod, "metadata"), *spec = cs_json_get(pod, "spec");
	const char *ns = cs_json_get_str(md, "namespace"), *name = cs_json_get_str(md, "name"),
		   *uid = cs_json_get_str(md, "uid");
	cs_json *c = cs_json_object();
	cs_json *m = cs_json_obj_ensure(c, "metadata");
	cs_json_set(m, "name", cs_json_string(name));
	cs_json_set(m, "namespace", cs_json_string(ns));
	cs_json_set(m, "uid", cs_json_string(uid ? uid : ""));
	cs_json_set(m, "attempt", cs_json_int(0));
	const char *host = cs_json_get_str(spec, "hostname");
	cs_json_set(c, "hostname", cs_json_string(host ? host : name));
	cs_json_set(c, "logDirectory",
		    cs_json_stringf("/var/log/pods/%s_%s_%s", ns, name, uid ? uid : ""));
	cs_json *labels = str_map(cs_json_get(md, "labels"));
	cs_json_set(labels, "io.kubernetes.pod.name", cs_json_string(name));
	cs_json_set(labels, "io.kubernetes.pod.namespace", cs_json_string(ns));
	cs_json_set(labels, "io.kubernetes.pod.uid", cs_json_string(uid ? uid : ""));
	cs_json_set(c, "labels", labels);
	cs_json_set(c, "annotations", str_map(cs_json_get(md, "annotations")));
	cs_json *nso = cs_json_object();
	bool hostnet = cs_json_as_bool(cs_json_get(spec, "hostNetwork"), false);
	cs_json_set(nso, "network", cs_json_string(hostnet ? "NODE" : "POD"));
	cs_json_set(nso, "pid",
		    cs_json_string(cs_json_as_bool(cs_json_get(spec, "hostPID"), false)
					   ? "NODE"
					   : "CONTAINER"));
	cs_json_set(nso, "ipc",
		    cs_json_string(cs_json_as_bool(cs_json_get(spec, "hostIPC"), false) ? "NODE"
											: "POD"));
	cs_json *sc = cs_json_obj_ensure(cs_json_obj_ensure(c, "linux"), "securityContext");
	cs_json_set(sc, "namespaceOptions", nso);
	return c;
}

static const cs_json *spec_container(const cs_json *pod, const struct ctr *c)
{
	const cs_json *list =
		cs_json_path(pod, "spec", c->init ? "initContainers" : "containers", NULL);
	for (size_t i = 0; i < cs_json_len(list); i++) {
		const char *n = cs_json_get_str(cs_json_at(list, i), "name");
		if (n && !strcmp(n, c->name))
			return cs_json_at(list, i);
	}
	return NULL;
}

static cs_json *container_config(const cs_json *pod, const struct ctr *c)
{
	const cs_json *sc = spec_container(pod, c);
	const cs_json *md = cs_json_get(pod, "metadata");
	cs_json *o = cs_json_object();
	cs_json *m = cs_json_obj_ensure(o, "metadata");
	cs_json_set(m, "name", cs_json_string(c->name));
	cs_json_set(m, "attempt", cs_json_int(c->restarts));
	cs_json_set(cs_json_obj_ensure(o, "image"), "image", cs_json_string(c->image));
	static const char *const copy[] = {"command", "args", "workingDir", "stdin", "tty"};
	for (size_t i = 0; i < sizeof(copy) / sizeof(*copy); i++) {
		const cs_json *v = cs_json_get(sc, copy[i]);
		if (v)
			cs_json_set(o, copy[i], cs_json_clone(v));
	}
	cs_json *envs = cs_json_array();
	const cs_json *env = cs_json_get(sc, "env");
	for (size_t i = 0; i < cs_json_len(env); i++) {
		const cs_json *e = cs_json_at(env, i);
		const char *k = cs_json_get_str(e, "name"), *v = cs_json_get_str(e, "value");
		if (!k)
			continue;
		cs_json *kv = cs_json_object();
		cs_json_set(kv, "key", cs_json_string(k));
		cs_json_set(kv, "value", cs_json_string(v ? v : ""));
		cs_json_push(envs, kv);
	}
	cs_json_set(o, "envs", envs);
	cs_json *labels = cs_json_object();
	cs_json_set(labels, "io.kubernetes.container.name", cs_json_string(c->name));
	cs_json_set(labels, "io.kubernetes.pod.name", cs_json_string(cs_json_get_str(md, "name")));
	cs_json_set(labels, "io.kubernetes.pod.namespace",
		    cs_json_string(cs_json_get_str(md, "namespace")));
	cs_json_set(labels, "io.kubernetes.pod.uid",
		    cs_json_string(cs_json_get_str(md, "uid") ?: ""));
	cs_json_set(o, "labels", labels);
	cs_json_set(o, "annotations", cs_json_object());
	cs_json_set(o, "logPath", cs_json_stringf("%s/%u.log", c->name, c->restarts));
	return o;
}

static void set_waiting(struct ctr *c, const char *reason, const char *msg)
{
	c->state = CS_CTR_WAITING;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	snprintf(c->message, sizeof(c->message), "%.*s", (int)sizeof(c->message) - 1,
		 msg ? msg : "");
}

/* Image present (pulled per imagePullPolicy): 0, or -1 with c waiting. */
static int ensure_image(cs_agent *a, struct prec *r, struct ctr *c)
{
	cs_error err = {0};
	const char *policy = c->pull_policy ? c->pull_policy : "IfNotPresent";
	if (strcmp(policy, "Always") && CS_OPS_HAS(cs_runtime_ops, a->ops, image_status)) {
		cs_object *st = NULL;
		if (a->ops->image_status(a->rt, c->image, &st, &err) == 0 && st) {
			const cs_json *j = (const cs_json *)st;
			const char *ref = cs_json_str(cs_json_at(cs_json_get(j, "repoDigests"), 0));
			if (!ref)
				ref = cs_json_get_str(j, "id");
			free(c->image_ref);
			c->image_ref = strdup(ref ? ref : c->image);
			H()->obj_free(st);
			return 0;
		}
		if (!strcmp(policy, "Never")) {
			char msg[256];
			snprintf(msg, sizeof(msg),
				 "Container image \"%s\" is not present with pull policy of Never",
				 c->image);
			set_waiting(c, "ErrImageNeverPull", msg);
			return -1;
		}
	}
	char *ref = NULL;
	if (a->ops->pull_image(a->rt, c->image, NULL, &ref, &err) < 0) {
		rt_error(r, "pull image", c->image, &err);
		set_waiting(c, "ErrImagePull", err.message);
		return -1;
	}
	free(c->image_ref);
	c->image_ref = strdup(ref ? ref : c->image);
	H()->free(ref);
	return 0;
}

/* Create and start c (a first run or a restart). */
static int run_container(cs_agent *a, struct prec *r, const cs_json *pod, struct ctr *c)
{
	if (ensure_image(a, r, c) < 0)
		return -1;
	cs_error err = {0};
	cs_json *cfg = container_config(pod, c);
	char id[CS_RUNTIME_ID_MAX] = "";
	int rc = a->ops->create_container(a->rt, r->sandbox, (const cs_object *)cfg,
					  (const cs_object *)r->sandbox_config, id, &err);
	cs_json_free(cfg);
	if (rc < 0) {
		rt_error(r, "create container", c->name, &err);
		set_waiting(c, "CreateContainerError", err.message);
		return -1;
	}
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->cid, sizeof(c->cid), "%s://%s", a->runtime, id);
	if (a->ops->start_container(a->rt, id, &err) < 0) {
		rt_error(r, "start container", c->name, &err);
		set_waiting(c, "RunContainerError", err.message);
		return -1;
	}
	set_waiting(c, "ContainerCreating", NULL);
	return 0;
}

/* Read c's state from the runtime. */
static void refresh(cs_agent *a, struct prec *r, struct ctr *c)
{
	if (!c->id[0])
		return;
	cs_object *st = NULL;
	cs_error err = {0};
	if (a->ops->container_status(a->rt, c->id, &st, &err) < 0) {
		/* Gone behind our back: it has to be created again. */
		rt_error(r, "container status", c->name, &err);
		c->id[0] = '\0';
		set_waiting(c, "ContainerCreating", NULL);
		return;
	}
	const cs_json *j = (const cs_json *)st;
	int s = state_code(cs_json_get_str(j, "state"));
	c->started = cs_json_as_int(cs_json_get(j, "startedAt"), 0);
	c->finished = cs_json_as_int(cs_json_get(j, "finishedAt"), 0);
	c->exit_code = (int)cs_json_as_int(cs_json_get(j, "exitCode"), 0);
	if (s == 2) {
		c->state = CS_CTR_RUNNING;
	} else if (s == 3) {
		c->state = CS_CTR_EXITED;
		const char *why = cs_json_get_str(j, "reason");
		snprintf(c->reason, sizeof(c->reason), "%s",
			 why && *why    ? why
			 : c->exit_code ? "Error"
					: "Completed");
		c->message[0] = '\0';
	} else if (c->state != CS_CTR_WAITING || !c->reason[0]) {
		set_waiting(c, "ContainerCreating", NULL);
	}
	H()->obj_free(st);
}

static void stop_remove(cs_agent *a, struct prec *r, struct ctr *c, int64_t grace)
{
	cs_error err = {0};
	if (!c->id[0])
		return;
	if (a->ops->stop_container(a->rt, c->id, grace, &err) < 0 && err.code != CS_NOT_FOUND)
		rt_error(r, "stop container", c->name, &err);
	if (a->ops->remove_container(a->rt, c->id, &err) < 0 && err.code != CS_NOT_FOUND)
		rt_error(r, "remove container", c->name, &err);
	c->id[0] = '\0';
}

/* Stop and remove everything of the pod in the runtime. */
static void teardown(cs_agent *a, struct prec *r, int64_t grace)
{
	for (size_t i = 0; i < r->nctrs; i++)
		stop_remove(a, r, &r->ctrs[i], grace);
	if (r->sandbox[0]) {
		cs_error err = {0};
		if (a->ops->stop_pod_sandbox(a->rt, r->sandbox, &err) < 0 &&
		    err.code != CS_NOT_FOUND)
			rt_error(r, "stop pod sandbox", r->sandbox, &err);
		if (a->ops->remove_pod_sandbox(a->rt, r->sandbox, &err) < 0 &&
		    err.code != CS_NOT_FOUND)
			rt_error(r, "remove pod sandbox", r->sandbox, &err);
	}
	r->sandbox[0] = '\0';
	cs_json_free(r->sandbox_config);
	r->sandbox_config = NULL;
	ctrs_free(r);
	r->uid[0] = '\0';
	r->ip[0] = '\0';
	r->terminal = false;
}

/* The containers of the spec; restart counts carried over from the pod's
 * status (an agent that restarts finds the runtime empty and starts the
 * containers again: one more restart each). */
static void ctrs_init(struct prec *r, const cs_json *pod)
{
	const cs_json *spec = cs_json_get(pod, "spec"), *st = cs_json_get(pod, "status");
	const cs_json *ic = cs_json_get(spec, "initContainers"),
		      *cc = cs_json_get(spec, "containers");
	r->ninit = cs_json_len(ic);
	r->nctrs = r->ninit + cs_json_len(cc);
	r->ctrs = calloc(r->nctrs ? r->nctrs : 1, sizeof(*r->ctrs));
	if (!r->ctrs)
		abort();
	for (size_t i = 0; i < r->nctrs; i++) {
		struct ctr *c = &r->ctrs[i];
		const cs_json *sc = i < r->ninit ? cs_json_at(ic, i) : cs_json_at(cc, i - r->ninit);
		c->init = i < r->ninit;
		c->name = strdup(cs_json_get_str(sc, "name") ?: "");
		c->image = strdup(cs_json_get_str(sc, "image") ?: "");
		const char *pp = cs_json_get_str(sc, "imagePullPolicy");
		c->pull_policy = pp ? strdup(pp) : NULL;
		set_waiting(c, c->init || !r->ninit ? "ContainerCreating" : "PodInitializing",
			    NULL);
		const cs_json *ss =
			cs_json_get(st, c->init ? "initContainerStatuses" : "containerStatuses");
		for (size_t k = 0; k < cs_json_len(ss); k++) {
			const cs_json *s = cs_json_at(ss, k);
			const char *n = cs_json_get_str(s, "name");
			if (!n || strcmp(n, c->name))
				continue;
			c->restarts = (unsigned)cs_json_as_int(cs_json_get(s, "restartCount"), 0) +
				      (cs_json_get_str(s, "containerID") ? 1 : 0);
		}
	}
}

static bool restarts(const char *policy, const struct ctr *c)
{
	if (!policy || !strcmp(policy, "Always"))
		return true;
	return !strcmp(policy, "OnFailure") && c->exit_code != 0;
}

/* Milliseconds until c may restart (kubelet: 0 for the first restart,
 * then 10 s doubling up to 5 min from its last exit). */
static int64_t backoff_left(const struct ctr *c)
{
	if (!c->restarts)
		return 0;
	int64_t d = BACKOFF_BASE_MS;
	for (unsigned i = 1; i < c->restarts && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	int64_t since = (cs_agent_now_ns() - c->finished) / 1000000;
	return since >= d ? 0 : d - since;
}

/* An exited container whose policy restarts it: keep the run as
 * lastState and run it again, or wait out the back-off.  Returns the ms
 * to wait, 0 when (re)started or failed to. */
static int64_t restart(cs_agent *a, struct prec *r, const cs_json *pod, struct ctr *c)
{
	int64_t left = backoff_left(c);
	c->has_last = true;
	c->last_exit = c->exit_code;
	c->last_started = c->started;
	c->last_finished = c->finished;
	snprintf(c->last_reason, sizeof(c->last_reason), "%s", c->reason);
	snprintf(c->last_id, sizeof(c->last_id), "%s", c->cid);
	if (left > 0) {
		char msg[320];
		snprintf(msg, sizeof(msg), "back-off %llds restarting failed container=%s pod=%s",
			 (long long)(left + 999) / 1000, c->name, r->key);
		int64_t fin = c->finished;
		set_waiting(c, "CrashLoopBackOff", msg);
		c->finished = fin;
		return left;
	}
	cs_error err = {0};
	if (a->ops->remove_container(a->rt, c->id, &err) < 0 && err.code != CS_NOT_FOUND)
		rt_error(r, "remove container", c->name, &err);
	c->id[0] = '\0';
	c->restarts++;
	run_container(a, r, pod, c);
	refresh(a, r, c);
	return 0;
}

/* ---- status ---- */

static void view_of(const struct ctr *c, cs_agent_ctr *v)
{
	*v = (cs_agent_ctr){.name = c->name,
			    .image = c->image,
			    .image_id = c->image_ref,
			    .container_id = c->id[0] ? c->cid : NULL,
			    .state = c->state,
			    .reason = c->reason[0] ? c->reason : NULL,
			    .message = c->message,
			    .started_ns = c->started,
			    .finished_ns = c->finished,
			    .exit_code = c->exit_code,
			    .restarts = c->restarts,
			    .has_last = c->has_last,
			    .last_exit = c->last_exit,
			    .last_started_ns = c->last_started,
			    .last_finished_ns = c->last_finished,
			    .last_reason = c->last_reason,
			    .last_id = c->last_id[0] ? c->last_id : NULL};
}

/* PUT pods/status when it changed.  CS_WQ_* result. */
static int write_status(cs_agent *a, struct prec *r, const cs_json *pod, const char **phase)
{
	cs_agent_ctr *v = calloc(r->nctrs ? r->nctrs : 1, sizeof(*v));
	if (!v)
		abort();
	for (size_t i = 0; i < r->nctrs; i++)
		view_of(&r->ctrs[i], &v[i]);
	int node = agent_node_index(a, cs_json_get_str(cs_json_get(pod, "spec"), "nodeName"));
	cs_agent_podview pv = {.host_ip = node >= 0 ? a->nodes[node].ip : NULL,
			       .pod_ip = r->ip[0] ? r->ip : NULL,
			       .init = v,
			       .ninit = r->ninit,
			       .ctrs = v + r->ninit,
			       .nctrs = r->nctrs - r->ninit};
	char now[32];
	cs_agent_time(cs_agent_now_ns(), now);
	cs_json *st = cs_agent_pod_status(pod, &pv, now);
	free(v);
	static const char *const ph[] = {"Pending", "Running", "Succeeded", "Failed"};
	const char *p = cs_json_get_str(st, "phase");
	*phase = "Pending";
	for (size_t i = 0; p && i < 4; i++)
		if (!strcmp(p, ph[i]))
			*phase = ph[i];
	if (cs_json_equal(st, cs_json_get(pod, "status"))) {
		cs_json_free(st);
		return CS_WQ_DONE;
	}
	cs_json *doc = cs_json_clone(pod);
	cs_json_set(doc, "status", st);
	const cs_json *md = cs_json_get(pod, "metadata");
	char path[600];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/status",
		 cs_json_get_str(md, "namespace"), cs_json_get_str(md, "name"));
	size_t len;
	char *text = cs_json_dump(doc, false, &len);
	cs_json_free(doc);
	char *body = NULL;
	size_t blen = 0;
	int code = cs_client_call(a->api, "PUT", path, "application/json", text, len, &body, &blen);
	free(text);
	int rc = CS_WQ_DONE;
	if (code == 409) {
		rc = CS_WQ_RETRY; /* the watch brings the newer pod */
	} else if (code != 200 && code != 404) {
		cs_log(CS_LOG_WARN, "node agent: pod %s: status update failed: %d %.300s", r->key,
		       code, body ? body : "");
		rc = CS_WQ_RETRY;
	}
	free(body);
	return rc;
}

/* ---- sync ---- */

static int finalize(cs_agent *a, struct prec *r, const cs_json *pod)
{
	const cs_json *md = cs_json_get(pod, "metadata");
	int64_t grace = cs_json_as_int(cs_json_get(md, "deletionGracePeriodSeconds"), 30);
	teardown(a, r, grace);
	cs_json *opts = cs_json_object();
	cs_json_set(opts, "kind", cs_json_string("DeleteOptions"));
	cs_json_set(opts, "apiVersion", cs_json_string("v1"));
	cs_json_set(opts, "gracePeriodSeconds", cs_json_int(0));
	cs_json_set(cs_json_obj_ensure(opts, "preconditions"), "uid",
		    cs_json_string(cs_json_get_str(md, "uid") ?: ""));
	size_t len;
	char *text = cs_json_dump(opts, false, &len);
	cs_json_free(opts);
	char path[600];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s",
		 cs_json_get_str(md, "namespace"), cs_json_get_str(md, "name"));
	char *body = NULL;
	size_t blen;
	int code =
		cs_client_call(a->api, "DELETE", path, "application/json", text, len, &body, &blen);
	free(text);
	int rc = CS_WQ_DONE;
	if (code != 200 && code != 202 && code != 404 && code != 409) {
		cs_log(CS_LOG_WARN, "node agent: pod %s: delete failed: %d %.300s", r->key, code,
		       body ? body : "");
		rc = CS_WQ_RETRY;
	}
	free(body);
	return rc;
}

static int start_sandbox(struct agent_pods *p, struct prec *r, const cs_json *pod)
{
	cs_agent *a = p->a;
	cs_error err = {0};
	r->sandbox_config = sandbox_config(pod);
	char id[CS_RUNTIME_ID_MAX] = "";
	if (a->ops->run_pod_sandbox(a->rt, (const cs_object *)r->sandbox_config, id, &err) < 0) {
		rt_error(r, "run pod sandbox", NULL, &err);
		cs_json_free(r->sandbox_config);
		r->sandbox_config = NULL;
		return -1;
	}
	snprintf(r->sandbox, sizeof(r->sandbox), "%s", id);
	const char *ip = NULL;
	cs_object *st = NULL;
	if (CS_OPS_HAS(cs_runtime_ops, a->ops, pod_sandbox_status) &&
	    a->ops->pod_sandbox_status(a->rt, id, &st, &err) == 0)
		ip = cs_json_str(cs_json_path((const cs_json *)st, "network", "ip", NULL));
	int node = agent_node_index(a, cs_json_get_str(cs_json_get(pod, "spec"), "nodeName"));
	if (ip && *ip)
		snprintf(r->ip, sizeof(r->ip), "%s", ip);
	else if (cs_json_as_bool(cs_json_path(pod, "spec", "hostNetwork", NULL), false) &&
		 node >= 0)
		snprintf(r->ip, sizeof(r->ip), "%s", a->nodes[node].ip);
	else /* no network driver gave one: a placeholder, never routed */
		cs_agent_fake_ip(atomic_fetch_add(&p->ipseq, 1), r->ip);
	H()->obj_free(st);
	return 0;
}

static int sync_pod(void *arg, const char *key)
{
	struct agent_pods *p = arg;
	cs_agent *a = p->a;
	pthread_mutex_lock(&p->mu);
	struct prec *r = rec_find(p, key);
	cs_json *pod = r && r->pod ? cs_json_clone(r->pod) : NULL;
	pthread_mutex_unlock(&p->mu);
	if (!r)
		return CS_WQ_DONE;
	if (!pod) {
		/* Deleted: tear down, forget the record unless it came back. */
		teardown(a, r, 0);
		pthread_mutex_lock(&p->mu);
		if (!r->pod) {
			rec_unlink(p, r);
			rec_free(r);
		}
		pthread_mutex_unlock(&p->mu);
		return CS_WQ_DONE;
	}
	const cs_json *md = cs_json_get(pod, "metadata");
	const char *uid = cs_json_get_str(md, "uid") ?: "";
	if (r->uid[0] && strcmp(r->uid, uid))
		teardown(a, r, 0); /* replaced by a pod of the same name */
	int rc = CS_WQ_DONE;
	if (cs_json_get(md, "deletionTimestamp")) {
		rc = finalize(a, r, pod);
		goto out;
	}
	const char *old_phase = cs_json_str(cs_json_path(pod, "status", "phase", NULL));
	bool was_terminal =
		old_phase && (!strcmp(old_phase, "Succeeded") || !strcmp(old_phase, "Failed"));
	if (!r->uid[0]) {
		if (was_terminal)
			goto out; /* finished before we met it: nothing to run */
		snprintf(r->uid, sizeof(r->uid), "%s", uid);
		ctrs_init(r, pod);
	}
	if (r->terminal)
		goto out;
	if (!r->sandbox[0] && start_sandbox(p, r, pod) < 0) {
		rc = CS_WQ_RETRY;
		goto out;
	}
	const char *policy = cs_json_str(cs_json_path(pod, "spec", "restartPolicy", NULL));
	int64_t wait = 0;
	bool failed = false;
	for (size_t i = 0; i < r->nctrs; i++)
		refresh(a, r, &r->ctrs[i]);
	/* Init containers one after the other, each to a successful exit. */
	bool inited = true;
	for (size_t i = 0; i < r->ninit && inited; i++) {
		struct ctr *c = &r->ctrs[i];
		if (c->state == CS_CTR_EXITED && c->exit_code == 0)
			continue;
		inited = false;
		if (!c->id[0]) {
			if (run_container(a, r, pod, c) < 0)
				failed = true;
			else
				refresh(a, r, c);
		} else if (c->state == CS_CTR_EXITED) {
			if (policy && !strcmp(policy, "Never"))
				break; /* the pod failed */
			wait = restart(a, r, pod, c);
		}
	}
	for (size_t i = r->ninit; inited && i < r->nctrs; i++) {
		struct ctr *c = &r->ctrs[i];
		if (!c->id[0]) {
			if (run_container(a, r, pod, c) < 0)
				failed = true;
			else
				refresh(a, r, c);
		} else if (c->state == CS_CTR_EXITED && restarts(policy, c)) {
			int64_t w = restart(a, r, pod, c);
			if (w && (!wait || w < wait))
				wait = w;
		}
	}
	const char *phase;
	rc = write_status(a, r, pod, &phase);
	if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")) {
		/* Done for good: release the sandbox, keep the record (and its
		 * status) until the pod is deleted. */
		cs_error err = {0};
		if (rc == CS_WQ_DONE) {
			if (r->sandbox[0] &&
			    a->ops->stop_pod_sandbox(a->rt, r->sandbox, &err) < 0 &&
			    err.code != CS_NOT_FOUND)
				rt_error(r, "stop pod sandbox", r->sandbox, &err);
			r->terminal = true;
		}
	} else if (rc == CS_WQ_DONE && failed) {
		rc = CS_WQ_RETRY;
	} else if (rc == CS_WQ_DONE && wait > 0) {
		rc = (int)(wait > 0x7fffffff ? 0x7fffffff : wait);
	}
out:
	cs_json_free(pod);
	return rc;
}

/* ---- lifecycle ---- */

int agent_pods_start(cs_agent *a, char *err, size_t errlen)
{
	struct agent_pods *p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	p->a = a;
	a->pods = p;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->wq = cs_wq_new("node-agent-pods", WORKERS, sync_pod, p, 1000, BACKOFF_MAX_MS);
	cs_wq_start(p->wq);
	if (pthread_create(&p->thread, NULL, pods_main, p)) {
		snprintf(err, errlen, "node agent: cannot start the pod thread");
		return -1;
	}
	p->thread_started = true;
	return 0;
}

void agent_pods_stop(cs_agent *a)
{
	struct agent_pods *p = a->pods;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->thread_started)
		pthread_join(p->thread, NULL);
	cs_wq_free(p->wq);
	for (size_t i = 0; i < p->cap; i++)
		for (struct prec *r = p->tab[i], *nx; r; r = nx) {
			nx = r->next;
			rec_free(r);
		}
	free(p->tab);
	for (struct line *l = p->lines, *nx; l; l = nx) {
		nx = l->next;
		free(l->text);
		free(l);
	}
	free(p->part);
	pleg_free(p->seen, p->nseen);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	a->pods = NULL;
}
