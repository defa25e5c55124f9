/* sched-framework: the scheduling driver.  A controller of pods (one
 * worker: the scheduling thread) that runs the loaded scheduler plugin
 * modules through the extension points of scheduler.h for every pending
 * pod of its scheduler name, and binds the pod to the node they choose.
 *
 * Options:
 *   scheduler-name  pods whose spec.schedulerName is this (an empty name
 *                   counts as "default-scheduler") are ours;
 *   plugins         plugin names in order; empty: every loaded scheduler
 *                   module, in load order;
 *   weights         "Plugin=N" score weights (default 1);
 *   profiles        more profiles, "NAME: Plugin, Plugin=W, ...", for the
 *                   pods of other scheduler names (profile.c).
 *
 * A pod that fits nowhere gets PodScheduled=False/Unschedulable and a
 * FailedScheduling Event, and is retried after 1 s doubling to 60 s, or
 * at once when a node is added or changes or a pod goes away.  The cycle
 * itself is in cycle.c, the node snapshot in snapshot.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fw.h"

#define BACKOFF_BASE_MS 1000u
#define BACKOFF_MAX_MS  60000u

static const cs_option fw_options[] = {
	{"scheduler-name", CS_OPT_STRING, "default-scheduler",
	 "schedule the pods whose spec.schedulerName is this"},
	{"plugins", CS_OPT_STRING_LIST, NULL,
	 "scheduler plugins to run, in order (empty: every loaded scheduler module)"},
	{"weights", CS_OPT_STRING_LIST, NULL, "score weights as \"Plugin=N\" (default 1)"},
	{"profiles", CS_OPT_STRING_LIST, NULL,
	 "more profiles, \"NAME: Plugin, Plugin=W, ...\": the plugins and weights for the pods "
	 "of scheduler NAME"},
	{NULL, CS_OPT_END, NULL, NULL},
};

uint64_t fw_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t fw_now_ms(void)
{
	return fw_now_ns() / 1000000u;
}

/* ---- per-pod retry state ---- */

static void podstate_free(void *v)
{
	struct fw_podstate *ps = v;
	if (ps)
		free(ps->uid);
	free(ps);
}

/* mu held.  The state of key, reset when the name now has another pod. */
static struct fw_podstate *podstate(struct fw *fw, const char *key, const char *uid, bool create)
{
	struct fw_podstate *ps = fw_map_get(&fw->podstates, key);
	if (ps && uid && strcmp(ps->uid, uid)) {
		podstate_free(fw_map_del(&fw->podstates, key));
		ps = NULL;
	}
	if (ps || !create || !uid)
		return ps;
	ps = calloc(1, sizeof(*ps));
	if (!ps || !(ps->uid = strdup(uid)) || fw_map_put(&fw->podstates, key, ps) < 0) {
		podstate_free(ps);
		return NULL;
	}
	return ps;
}

static void forget(struct fw *fw, const char *key)
{
	pthread_mutex_lock(&fw->mu);
	podstate_free(fw_map_del(&fw->podstates, key));
	pthread_mutex_unlock(&fw->mu);
}

uint32_t fw_backoff(struct fw *fw, const char *key, const char *uid, bool unschedulable)
{
	uint32_t delay = BACKOFF_BASE_MS;
	pthread_mutex_lock(&fw->mu);
	struct fw_podstate *ps = podstate(fw, key, uid, true);
	if (ps) {
		ps->attempts++;
		unsigned shift = ps->attempts - 1 < 6 ? ps->attempts - 1 : 6;
		delay = BACKOFF_BASE_MS << shift;
		if (delay > BACKOFF_MAX_MS)
			delay = BACKOFF_MAX_MS;
		ps->not_before = fw_now_ms() + delay;
		ps->unschedulable = unschedulable;
	}
	pthread_mutex_unlock(&fw->mu);
	return delay;
}

struct keys {
	char **v;
	size_t n, cap;
};

static void collect_unschedulable(void *arg, const char *key, void *val)
{
	struct keys *k = arg;
	struct fw_podstate *ps = val;
	if (!ps->unschedulable)
		return;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		char **v = realloc(k->v, cap * sizeof(*v));
		if (!v)
			return;
		k->v = v;
		k->cap = cap;
	}
	if ((k->v[k->n] = strdup(key))) {
		k->n++;
		ps->not_before = 0; /* the cluster changed: try now */
	}
}

void fw_requeue_unschedulable(cs_mod *m, struct fw *fw)
{
	struct keys k = {0};
	pthread_mutex_lock(&fw->mu);
	fw_map_each(&fw->podstates, collect_unschedulable, &k);
	pthread_mutex_unlock(&fw->mu);
	for (size_t i = 0; i < k.n; i++) {
		cs_controller_enqueue(m, k.v[i], 0);
		free(k.v[i]);
	}
	free(k.v);
}

/* ---- nodes: a new or changed node may fit unschedulable pods ---- */

static void node_add(cs_mod *m, void *arg, const cs_object *obj)
{
	(void)obj;
	fw_requeue_unschedulable(m, arg);
}

static void node_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *obj)
{
	/* Heartbeats change only conditions: not worth a retry of every
	 * pending pod. */
	static const char *const paths[] = {"metadata.labels", "spec", "status.allocatable",
					    "status.capacity"};
	const cs_host *h = m->host;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const cs_object *a = h->obj_get(old, paths[i]), *b = h->obj_get(obj, paths[i]);
		if (!a != !b || (a && !h->obj_equal(a, b))) {
			fw_requeue_unschedulable(m, arg);
			return;
		}
	}
}

/* ---- lifecycle ---- */

static void fw_fini(cs_mod *m)
{
	struct fw *fw = m->host->data(m);
	if (!fw)
		return;
	fw_cycles_free(m, fw);
	fw_map_clear(&fw->podstates, podstate_free);
	fw_map_clear(&fw->assumed, fw_assumed_free);
	fw_profiles_free(fw);
	pthread_mutex_destroy(&fw->mu);
	free(fw);
	m->host->set_data(m, NULL);
}

static const cs_informer_handlers node_handlers = {
	.on_add = node_add,
	.on_update = node_update,
};

static int fw_init(cs_mod *m)
{
	const cs_host *h = m->host;
	struct fw *fw = calloc(1, sizeof(*fw));
	if (!fw) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	pthread_mutex_init(&fw->mu, NULL);
	h->set_data(m, fw);
	if (fw_profiles_read(m, fw) < 0)
		goto fail_oom;
	cs_informer_handlers nh = node_handlers;
	nh.arg = fw;
	fw->pods = cs_controller_informer(m, "pods");
	fw->nodes = h->informer_new(m, "nodes", NULL, NULL, NULL, 0, &nh);
	fw->m_attempts = h->metric_new(m, CS_METRIC_COUNTER, "scheduler_schedule_attempts_total",
				       "scheduling cycles run");
	fw->m_scheduled = h->metric_new(m, CS_METRIC_COUNTER, "scheduler_pods_scheduled_total",
					"pods bound to a node");
	fw->m_unschedulable = h->metric_new(m, CS_METRIC_COUNTER, "scheduler_unschedulable_total",
					    "attempts that found no node for the pod");
	fw->m_duration =
		h->metric_new(m, CS_METRIC_HISTOGRAM, "scheduler_scheduling_duration_seconds",
			      "from the start of an attempt to its pod bound or found "
			      "unschedulable");
	if (!fw->pods || !fw->nodes || !fw->m_attempts || !fw->m_scheduled ||
	    !fw->m_unschedulable || !fw->m_duration)
		goto fail; /* the host logged why */
	return 0;
fail_oom:
	h->log(m, CS_LOG_ERROR, "out of memory (or a bad option, logged above)");
fail:
	/* The host does not call fini after a failed init. */
	fw_fini(m);
	return -1;
}

/* Every module has been initialised by now: say what the profile runs. */
static int fw_start(cs_mod *m)
{
	fw_profiles_log(m, m->host->data(m));
	return 0;
}

/* ---- reconcile ---- */

/* Why a pod is not to be scheduled now, or NULL. */
static const char *not_pending(const cs_host *h, struct fw *fw, const cs_object *pod)
{
	const char *node = h->obj_str(pod, "spec.nodeName");
	const char *phase = h->obj_str(pod, "status.phase");
	if (node && *node)
		return "bound";
	if (h->obj_get(pod, "metadata.deletionTimestamp"))
		return "being deleted";
	if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
		return "finished";
	if (!fw_profile_of(fw, h->obj_str(pod, "spec.schedulerName")))
		return "another scheduler's";
	return NULL;
}

static int fw_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	struct fw *fw = h->data(m);
	/* Parked cycles first: their plugins' calls belong on this thread. */
	fw_drain(m, fw);
	const char *slash = strchr(key, '/');
	if (!slash)
		return CS_DONE; /* pods are namespaced: not a pod key */
	char ns[256];
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	const cs_object *pod = h->cache_get(fw->pods, ns, slash + 1);
	if (!pod) {
		/* Gone: what it used may let a waiting pod fit. */
		forget(fw, key);
		fw_requeue_unschedulable(m, fw);
		return CS_DONE;
	}
	const char *why = not_pending(h, fw, pod);
	if (why) {
		h->obj_free(pod);
		forget(fw, key);
		return CS_DONE;
	}
	const char *uid = h->obj_str(pod, "metadata.uid");
	uint64_t now = fw_now_ms(), wait = 0;
	bool assumed = false;
	pthread_mutex_lock(&fw->mu);
	if (uid && fw_map_get(&fw->assumed, uid))
		assumed = true; /* being bound, or bound and the cache is behind */
	struct fw_podstate *ps = podstate(fw, key, uid, false);
	if (ps && ps->not_before > now)
		wait = ps->not_before - now;
	pthread_mutex_unlock(&fw->mu);
	int rc = CS_DONE;
	if (assumed)
		rc = CS_DONE;
	else if (wait)
		rc = (int)wait;
	else if (!h->informer_synced(fw->pods) || !h->informer_synced(fw->nodes))
		rc = 200; /* a partial cache would hide nodes or the pods on them */
	else
		rc = fw_schedule(m, fw, fw_profile_of(fw, h->obj_str(pod, "spec.schedulerName")),
				 key, pod);
	h->obj_free(pod);
	return rc;
}

static const cs_controller_ops fw_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = "pods",
	.owns = NULL,
	.workers = 1, /* the scheduling thread: one pod at a time (scheduler.h) */
	.reconcile = fw_reconcile,
	.resync_seconds = 0,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "sched-framework",
	.version = "1.0.0",
	.description = "scheduling framework: runs the scheduler plugins and binds pods",
	.kind = CS_KIND_CONTROLLER,
	.options = fw_options,
	.init = fw_init,
	.fini = fw_fini,
	.start = fw_start,
	.ops = &fw_ops,
};
