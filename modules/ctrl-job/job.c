/* ctrl-job: the Job controller, as Kubernetes' (pkg/controller/job).
 *
 * The host runs the Job informer, a pods informer that wakes a pod's
 * controlling Job (`owns`), and the work queue (controller.h).  Reconcile
 * gathers the Job's pods from the cache and hands them to job_sync
 * (sync.c).  Counting uses the batch.kubernetes.io/job-tracking finalizer
 * on pods and status.uncountedTerminatedPods, so that the counts stay
 * exact across restarts, lagging caches and pods deleted by others.
 *
 * Pods are claimed by their controller reference only: Kubernetes' Jobs
 * generate their selector, and a pod of another owner or none is never
 * adopted here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

/* ---- gathering a Job's pods (worker threads) ---- */

static bool pod_ready(const cs_host *h, const cs_object *pod)
{
	const cs_object *conds = h->obj_get(pod, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++) {
		const cs_object *c = h->obj_at(conds, i);
		const char *t = h->obj_str(c, "type"), *s = h->obj_str(c, "status");
		if (t && s && !strcmp(t, "Ready"))
			return !strcmp(s, "True");
	}
	return false;
}

/* Kubernetes' getFinishedTime: the last container's end, else the
 * deletion time, else when this controller first saw it finished. */
static double finish_time(cs_mod *m, const job_view *v, const cs_object *pod, const char *uid)
{
	const cs_host *h = m->host;
	double t = -1;
	const cs_object *cs = h->obj_get(pod, "status.containerStatuses");
	for (size_t i = 0; i < h->obj_len(cs); i++) {
		double f = ck_time(h->obj_str(h->obj_at(cs, i), "state.terminated.finishedAt"));
		if (f > t)
			t = f;
	}
	if (t < 0)
		t = ck_time(h->obj_str(pod, "metadata.deletionTimestamp"));
	if (t < 0)
		t = job_expect_failed_at(job_of(m)->expect, v->uid, uid, v->now);
	return t;
}

static int64_t completion_index(const cs_host *h, const cs_object *pod)
{
	char path[96];
	snprintf(path, sizeof(path), "metadata.annotations.batch\\.kubernetes\\.io/%s",
		 "job-completion-index");
	const char *s = h->obj_str(pod, path);
	if (!s || !*s || strlen(s) > 9)
		return -1;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || (p == s && *p == '0' && p[1]))
			return -1; /* Kubernetes refuses leading zeros too */
		v = v * 10 + (*p - '0');
	}
	return v;
}

struct gather {
	cs_mod *m;
	job_view *v;
	size_t cap;
	bool oom;
};

static bool gather_visit(void *arg, const cs_object *pod)
{
	struct gather *g = arg;
	const cs_host *h = g->m->host;
	job_view *v = g->v;
	const char *uid = h->obj_str(ck_controller_ref(h, pod), "uid");
	const char *name = h->obj_str(pod, "metadata.name");
	const char *puid = h->obj_str(pod, "metadata.uid");
	if (!uid || strcmp(uid, v->uid) || !name || !puid)
		return true;
	if (v->npods == g->cap) {
		size_t c = g->cap ? g->cap * 2 : 16;
		job_pod *p = realloc(v->pods, c * sizeof(*p));
		if (!p) {
			g->oom = true;
			return false;
		}
		v->pods = p;
		g->cap = c;
	}
	job_pod *p = &v->pods[v->npods++];
	memset(p, 0, sizeof(*p));
	p->pod = h->obj_keep(pod);
	p->name = name;
	p->uid = puid;
	return true;
}

/* Classifies the gathered pods (outside the cache walk: it may consult the
 * expectations). */
static void classify(cs_mod *m, job_view *v)
{
	const cs_host *h = m->host;
	job_ctrl *c = job_of(m);
	for (size_t i = 0; i < v->npods; i++) {
		job_pod *p = &v->pods[i];
		const char *phase = h->obj_str(p->pod, "status.phase");
		bool deleting = h->obj_get(p->pod, "metadata.deletionTimestamp") != NULL;
		p->deleting = deleting;
		p->succeeded = phase && !strcmp(phase, "Succeeded");
		/* A pod deleted before it finished counts as failed: it may never
		 * get to report a phase (Kubernetes' isPodFailed). */
		p->failed = (phase && !strcmp(phase, "Failed")) || (deleting && !p->succeeded);
		p->active = !p->succeeded && !p->failed;
		p->ready = p->active && pod_ready(h, p->pod);
		p->fin = job_has_finalizer(h, p->pod);
		p->tracked = p->fin && !job_expect_is_unfinalized(c->expect, v->uid, p->uid);
		p->index = completion_index(h, p->pod);
		p->created = ck_time(h->obj_str(p->pod, "metadata.creationTimestamp"));
		p->finished = p->active ? -1 : finish_time(m, v, p->pod, p->uid);
	}
}

/* For job_expect_satisfied: by name 0 gone, 1 present, 2 terminating; by
 * uid 0 gone, 1 present, -1 present with the tracking finalizer. */
static int pod_state(void *arg, const char *name, const char *pod_uid)
{
	const job_view *v = arg;
	for (size_t i = 0; i < v->npods; i++) {
		const job_pod *p = &v->pods[i];
		if (name && !strcmp(p->name, name))
			return p->deleting ? 2 : 1;
		if (pod_uid && !strcmp(p->uid, pod_uid))
			return p->fin ? -1 : 1;
	}
	return 0;
}

bool job_view_satisfied(cs_mod *m, job_view *v, uint32_t *wait_ms)
{
	const char *rv = m->host->obj_str(v->job, "metadata.resourceVersion");
	return job_expect_satisfied(job_of(m)->expect, v->uid, rv, pod_state, v, wait_ms);
}

/* Pods that still carry our finalizer but whose Job is gone, replaced by
 * a namesake, or being deleted: release them uncounted. */
struct orphan {
	cs_mod *m;
	const char *name, *uid; /* uid: of the live Job, NULL when none */
	const cs_object **pods;
	size_t n, cap;
	bool oom;
};

static bool orphan_visit(void *arg, const cs_object *pod)
{
	struct orphan *o = arg;
	const cs_host *h = o->m->host;
	const cs_object *ref = ck_controller_ref(h, pod);
	const char *kind = h->obj_str(ref, "kind"), *name = h->obj_str(ref, "name");
	const char *uid = h->obj_str(ref, "uid");
	if (!kind || strcmp(kind, "Job") || !name || strcmp(name, o->name) || !uid ||
	    (o->uid && !strcmp(uid, o->uid)) || !job_has_finalizer(h, pod))
		return true;
	if (o->n == o->cap) {
		size_t c = o->cap ? o->cap * 2 : 8;
		const cs_object **p = realloc(o->pods, c * sizeof(*p));
		if (!p) {
			o->oom = true;
			return false;
		}
		o->pods = p;
		o->cap = c;
	}
	o->pods[o->n++] = h->obj_keep(pod);
	return true;
}

static int release_orphans(cs_mod *m, const char *ns, const char *name, const char *uid)
{
	const cs_host *h = m->host;
	job_ctrl *c = job_of(m);
	struct orphan o = {.m = m, .name = name, .uid = uid};
	int rc = CS_DONE;
	if (h->cache_each(c->pods, ns, NULL, orphan_visit, &o) < 0 || o.oom)
		rc = CS_RETRY;
	for (size_t i = 0; i < o.n; i++) {
		cs_error err;
		int r = job_unfinalize(m, ns, o.pods[i], &err);
		if (r) {
			h->log(m, CS_LOG_WARN,
			       "job %s/%s: cannot remove the tracking finalizer of pod %s (%d): %s",
			       ns, name, h->obj_str(o.pods[i], "metadata.name"), r, err.message);
			rc = CS_RETRY;
		}
		h->obj_free(o.pods[i]);
	}
	free(o.pods);
	return rc;
}

static void view_free(const cs_host *h, job_view *v)
{
	for (size_t i = 0; i < v->npods; i++)
		h->obj_free(v->pods[i].pod);
	free(v->pods);
	h->obj_free(v->job);
}

static int job_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	job_ctrl *c = job_of(m);
	/* Until the pods cache has its first list, "no pods" means "not known
	 * yet", and acting on it would create a full set of extra pods. */
	if (!h->informer_synced(c->pods) || !h->informer_synced(c->jobs))
		return 200;
	char ns[256];
	const char *slash = strchr(key, '/');
	if (!slash || (size_t)(slash - key) >= sizeof(ns))
		return CS_DONE; /* Jobs are namespaced: not a key of ours */
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	job_view v = {.key = key, .ns = ns, .name = slash + 1, .now = ck_now()};
	v.job = h->cache_get(c->jobs, ns, v.name);
	v.uid = h->obj_str(v.job, "metadata.uid");
	if (!v.job || !v.uid || h->obj_get(v.job, "metadata.deletionTimestamp")) {
		/* Gone or going: its pods go through the garbage collector, but
		 * only once nothing holds them. */
		int rc = release_orphans(m, ns, v.name, NULL);
		if (v.uid)
			job_expect_forget(c->expect, v.uid);
		h->obj_free(v.job);
		return rc;
	}
	if (job_expect_stale(c->expect, v.uid, h->obj_str(v.job, "metadata.resourceVersion"))) {
		/* Our last status write is on its way to the cache, which
		 * wakes us again; this is a fallback. */
		h->obj_free(v.job);
		return 500;
	}
	int rc = release_orphans(m, ns, v.name, v.uid);
	struct gather g = {.m = m, .v = &v};
	if (h->cache_each(c->pods, ns, NULL, gather_visit, &g) < 0 || g.oom) {
		h->log(m, CS_LOG_WARN, "job %s: cannot list its pods: %s", key,
		       g.oom ? "out of memory" : "the pods cache refused the walk");
		view_free(h, &v);
		return CS_RETRY;
	}
	classify(m, &v);
	int src = job_sync(m, &v);
	view_free(h, &v);
	if (src == CS_RETRY || rc == CS_RETRY)
		return CS_RETRY;
	return src;
}

/* ---- lifecycle ---- */

static void job_fini(cs_mod *m)
{
	job_ctrl *c = job_of(m);
	if (!c)
		return;
	job_expect_free(c->expect);
	free(c);
	m->host->set_data(m, NULL);
}

static int job_init(cs_mod *m)
{
	const cs_host *h = m->host;
	job_ctrl *c = calloc(1, sizeof(*c));
	if (!c) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	h->set_data(m, c);
	int64_t base = h->opt_int(m, "backoff-base-ms"), max = h->opt_int(m, "backoff-max-ms");
	if (base < 1 || base > 3600000 || max < base || max > 86400000) {
		h->log(m, CS_LOG_ERROR,
		       "backoff-base-ms (%lld) must be 1..3600000 and backoff-max-ms (%lld) "
		       "between it and 86400000",
		       (long long)base, (long long)max);
		goto fail;
	}
	c->backoff_base_ms = (uint32_t)base;
	c->backoff_max_ms = (uint32_t)max;
	if (!(c->expect = job_expect_new())) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		goto fail;
	}
	c->jobs = cs_controller_informer(m, PRIMARY);
	c->pods = cs_controller_informer(m, "pods");
	c->created = h->metric_new(m, CS_METRIC_COUNTER, "job_pods_created_total",
				   "Pods created by the Job controller");
	c->deleted = h->metric_new(m, CS_METRIC_COUNTER, "job_pods_deleted_total",
				   "Pods deleted by the Job controller");
	c->finished = h->metric_new(m, CS_METRIC_COUNTER, "job_finished_total",
				    "Jobs the controller marked Complete or Failed");
	if (!c->jobs || !c->pods || !c->created || !c->deleted || !c->finished)
		goto fail; /* the host logged why */
	return 0;
fail:
	job_fini(m);
	return -1;
}

static const char *const owns[] = {"pods", NULL};

static const cs_controller_ops job_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = PRIMARY,
	.owns = owns,
	.workers = 2,
	.reconcile = job_reconcile,
	.resync_seconds = 0,
};

static const cs_option job_options[] = {
	{"backoff-base-ms", CS_OPT_INT, "10000",
	 "delay before re-creating a failed pod, doubled per failure in a row"},
	{"backoff-max-ms", CS_OPT_INT, "360000", "cap of that delay (Kubernetes: 6 minutes)"},
	{NULL, CS_OPT_END, NULL, NULL},
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER_MINOR(0), /* uses nothing newer than ABI 1.0 */
	.name = "ctrl-job",
	.version = "1.0.0",
	.description = "Job controller: runs pods to completion (completions, parallelism, "
		       "backoff, deadlines, Indexed, suspend, TTL)",
	.kind = CS_KIND_CONTROLLER,
	.options = job_options,
	.init = job_init,
	.fini = job_fini,
	.ops = &job_ops,
};
