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
 *   pod-initial-backoff-seconds, pod-max-backoff-seconds,
 *   pod-max-in-unschedulable-seconds
 *                   the scheduling queue's (queue.c).
 *
 * Pods are tried in the order of the scheduling queue (queue.c): highest
 * priority first.  A pod that fits nowhere gets PodScheduled=False/
 * Unschedulable and a FailedScheduling Event, and is parked until the
 * cluster changes.  The cycle itself is in cycle.c, the node snapshot in
 * snapshot.c, profiles in profile.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fw.h"

static const cs_option fw_options[] = {
	{"scheduler-name", CS_OPT_STRING, "default-scheduler",
	 "schedule the pods whose spec.schedulerName is this"},
	{"plugins", CS_OPT_STRING_LIST, NULL,
	 "scheduler plugins to run, in order (empty: every loaded scheduler module)"},
	{"weights", CS_OPT_STRING_LIST, NULL, "score weights as \"Plugin=N\" (default 1)"},
	{"profiles", CS_OPT_STRING_LIST, NULL,
	 "more profiles, \"NAME: Plugin, Plugin=W, ...\": the plugins and weights for the pods "
	 "of scheduler NAME"},
	{"pod-initial-backoff-seconds", CS_OPT_INT, "1",
	 "backoff of a pod after its first failed attempt, doubled per further attempt"},
	{"pod-max-backoff-seconds", CS_OPT_INT, "10", "the longest backoff"},
	{"pod-max-in-unschedulable-seconds", CS_OPT_INT, "300",
	 "retry a pod parked as unschedulable after this long even if nothing changed"},
	{"percentage-of-nodes-to-score", CS_OPT_INT, "0",
	 "stop filtering once this percentage of the nodes (at least 100) fit, and score only "
	 "those; 0: Kubernetes' adaptive default, 50% minus 1% per 125 nodes, at least 5%"},
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

/* ---- nodes: a new or changed node may fit unschedulable pods ---- */

static void node_add(cs_mod *m, void *arg, const cs_object *obj)
{
	fw_cache_node_set(m, arg, obj);
	fw_queue_move_all(m, arg, "node added");
}

static void node_delete(cs_mod *m, void *arg, const cs_object *obj)
{
	fw_cache_node_del(m, arg, obj);
}

static void node_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *obj)
{
	/* Heartbeats change only conditions: not worth a retry of every
	 * pending pod. */
	static const char *const paths[] = {"metadata.labels", "spec", "status.allocatable",
					    "status.capacity"};
	const cs_host *h = m->host;
	fw_cache_node_set(m, arg, obj);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const cs_object *a = h->obj_get(old, paths[i]), *b = h->obj_get(obj, paths[i]);
		if (!a != !b || (a && !h->obj_equal(a, b))) {
			fw_queue_move_all(m, arg, "node updated");
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
	fw_queue_free(m, fw);
	fw_map_clear(&fw->assumed, fw_assumed_free);
	fw_snapstate_free(m->host, &fw->snap);
	fw_cache_free(m->host, &fw->cache);
	fw_profiles_free(fw);
	pthread_mutex_destroy(&fw->mu);
	free(fw);
	m->host->set_data(m, NULL);
}

static const cs_informer_handlers node_handlers = {
	.on_add = node_add,
	.on_update = node_update,
	.on_delete = node_delete,
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
	int64_t pct = h->opt_int(m, "percentage-of-nodes-to-score");
	if (pct < 0 || pct > 100) {
		h->log(m, CS_LOG_ERROR,
		       "option percentage-of-nodes-to-score: %lld is not in 0..100",
		       (long long)pct);
		fw_fini(m);
		return -1;
	}
	fw->pct_to_score = (int)pct;
	if (fw_profiles_read(m, fw) < 0 || fw_queue_init(m, fw) < 0)
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
	struct fw *fw = m->host->data(m);
	fw_profiles_log(m, fw);
	return fw_queue_start(m, fw);
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

/* Bring the queue up to date with the pod of key, and tell it the cluster
 * events the pod's change means. */
static void track(cs_mod *m, struct fw *fw, const char *key)
{
	const cs_host *h = m->host;
	const char *slash = strchr(key, '/');
	if (!slash)
		return; /* pods are namespaced: not a pod key */
	char ns[256];
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	const cs_object *pod = h->cache_get(fw->pods, ns, slash + 1);
	fw_cache_pod(m, fw, key, pod);
	if (!pod) {
		/* A pending pod deleted changes nothing for the others; an
		 * assigned one frees what it used. */
		if (!fw_queue_forget(m, fw, key))
			fw_queue_move_all(m, fw, "pod deleted");
		return;
	}
	const char *why = not_pending(h, fw, pod);
	if (!why) {
		fw_queue_pending(m, fw, key, pod);
	} else {
		bool queued = fw_queue_forget(m, fw, key);
		const char *phase = h->obj_str(pod, "status.phase");
		if (!strcmp(why, "bound") && phase &&
		    (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
			fw_queue_move_all(m, fw, "assigned pod finished");
		else if (!strcmp(why, "bound") && queued)
			fw_queue_pod_assigned(m, fw, pod);
	}
	h->obj_free(pod);
}

/* Every key, a pod's or FW_PUMP_KEY, ends with one attempt: the pod at the
 * head of activeQ. */
static int fw_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	struct fw *fw = h->data(m);
	/* Parked cycles first: their plugins' calls belong on this thread. */
	fw_drain(m, fw);
	if (strcmp(key, FW_PUMP_KEY))
		track(m, fw, key);
	if (!h->informer_synced(fw->pods) || !h->informer_synced(fw->nodes)) {
		/* A partial cache would hide nodes or the pods on them. */
		cs_controller_enqueue(m, FW_PUMP_KEY, 200);
		return CS_DONE;
	}
	char *next = fw_queue_pop(m, fw);
	if (next) {
		const char *slash = strchr(next, '/');
		char ns[256];
		snprintf(ns, sizeof(ns), "%.*s", (int)(slash - next), next);
		const cs_object *pod = h->cache_get(fw->pods, ns, slash + 1);
		const char *uid = pod ? h->obj_str(pod, "metadata.uid") : NULL;
		bool assumed = false;
		pthread_mutex_lock(&fw->mu);
		assumed = uid && fw_map_get(&fw->assumed, uid);
		pthread_mutex_unlock(&fw->mu);
		if (!pod || not_pending(h, fw, pod))
			fw_queue_forget(m, fw, next); /* its own event follows */
		else if (!assumed) /* else being bound, or bound and the cache is behind */
			fw_schedule(m, fw, fw_profile_of(fw, h->obj_str(pod, "spec.schedulerName")),
				    next, pod);
		h->obj_free(pod);
		free(next);
	}
	fw_queue_kick(m, fw);
	return CS_DONE;
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
