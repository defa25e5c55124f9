/* One sync of a Job, as Kubernetes' job controller (syncJob) does it:
 *
 *  1. count: a finished pod that still carries the tracking finalizer is
 *     new; its uid goes to status.uncountedTerminatedPods first (written
 *     before anything else), then its finalizer is removed, then the uid
 *     moves into status.succeeded/failed.  A pod without the finalizer is
 *     counted already, so counts survive restarts and lagging caches;
 *  2. decide: failed > backoffLimit or past activeDeadlineSeconds fails
 *     the Job (its active pods are deleted first); enough successes and
 *     no active pod completes it;
 *  3. manage: suspend deletes the active pods; otherwise pods are created
 *     or deleted towards parallelism and the remaining completions (per
 *     index for Indexed Jobs), with exponential backoff after failures;
 *  4. write the status, with the Complete/Failed condition once every
 *     pod is counted, and delete a finished Job after
 *     ttlSecondsAfterFinished. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

typedef struct uids {
	const char **v;
	size_t n, cap;
} uids;

static bool uids_has(const uids *u, const char *s)
{
	for (size_t i = 0; i < u->n; i++)
		if (!strcmp(u->v[i], s))
			return true;
	return false;
}

static bool uids_add(uids *u, const char *s)
{
	if (u->n == u->cap) {
		size_t c = u->cap ? u->cap * 2 : 16;
		const char **v = realloc(u->v, c * sizeof(*v));
		if (!v)
			return false;
		u->v = v;
		u->cap = c;
	}
	u->v[u->n++] = s;
	return true;
}

static bool uids_load(const cs_host *h, uids *u, const cs_object *arr)
{
	for (size_t i = 0; i < h->obj_len(arr); i++) {
		const char *s = h->obj_str(h->obj_at(arr, i), NULL);
		if (s && !uids_has(u, s) && !uids_add(u, s))
			return false;
	}
	return true;
}

static cs_object *uids_array(const cs_host *h, const uids *u, const uids *except)
{
	cs_object *a = h->obj_new(CS_OBJ_ARRAY);
	for (size_t i = 0; a && i < u->n; i++) {
		if (except && uids_has(except, u->v[i]))
			continue;
		if (h->obj_append(a, h->obj_new_str(u->v[i]))) {
			h->obj_free(a);
			return NULL;
		}
	}
	return a;
}

/* Everything sync decides, then writes. */
typedef struct plan {
	/* spec */
	int64_t parallelism, completions, backoff_limit, deadline, ttl;
	bool indexed, suspend;
	/* counting */
	int64_t counted_succeeded, counted_failed;
	uids unc_s, unc_f;  /* uncounted after this sync's additions */
	uids moved;         /* uncounted uids whose pods are released: count them */
	bool new_uncounted; /* unc_* grew: write before releasing pods */
	job_indexes done;   /* Indexed: completed indexes */
	/* pods */
	int64_t active, ready;
	int64_t seen_active; /* active in the cache, before this sync's deletes */
	/* outcome */
	const char *fail_reason, *fail_msg;
	bool complete;
	bool finished_before; /* a Complete or Failed condition exists */
	double start;         /* status.startTime, -1 none */
	uint32_t requeue_ms;  /* 0: none */
	bool retry;
} plan;

static void requeue_at(plan *p, double now, double when)
{
	double ms = (when - now) * 1000 + 50;
	uint32_t v = ms <= 1 ? 1 : ms > 0x7fffffff ? 0x7fffffff : (uint32_t)ms;
	if (!p->requeue_ms || v < p->requeue_ms)
		p->requeue_ms = v;
}

static const cs_object *condition(const cs_host *h, const cs_object *job, const char *type)
{
	const cs_object *conds = h->obj_get(job, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++) {
		const cs_object *c = h->obj_at(conds, i);
		const char *t = h->obj_str(c, "type");
		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

static bool condition_true(const cs_host *h, const cs_object *job, const char *type)
{
	const char *s = h->obj_str(condition(h, job, type), "status");
	return s && !strcmp(s, "True");
}

static void event(cs_mod *m, const job_view *v, const char *type, const char *reason,
		  const char *msg)
{
	const cs_host *h = m->host;
	cs_object *ref = job_event_ref(h, v);
	if (ref)
		h->event(m, ref, type, reason, "%s", msg);
	h->obj_free(ref);
}

/* ---- 1. counting ---- */

static int count_pods(const cs_host *h, job_view *v, plan *p)
{
	const cs_object *job = v->job;
	if (!uids_load(h, &p->unc_s, h->obj_get(job, "status.uncountedTerminatedPods.succeeded")) ||
	    !uids_load(h, &p->unc_f, h->obj_get(job, "status.uncountedTerminatedPods.failed")))
		return -1;
	if (p->indexed && job_indexes_parse(&p->done, h->obj_str(job, "status.completedIndexes"),
					    p->completions) < 0)
		return -1;
	for (size_t i = 0; i < v->npods; i++) {
		job_pod *pd = &v->pods[i];
		if (pd->active) {
			p->active++;
			p->ready += pd->ready;
		}
		if (!pd->tracked || p->finished_before)
			continue;
		bool known = uids_has(&p->unc_s, pd->uid) || uids_has(&p->unc_f, pd->uid);
		if (pd->succeeded && !known) {
			if (!uids_add(&p->unc_s, pd->uid))
				return -1;
			p->new_uncounted = true;
		} else if (pd->failed && !known) {
			if (!uids_add(&p->unc_f, pd->uid))
				return -1;
			p->new_uncounted = true;
		}
		if (pd->succeeded && p->indexed && pd->index >= 0 && pd->index < p->done.n &&
		    !p->done.done[pd->index]) {
			p->done.done[pd->index] = true;
			p->done.count++;
		}
	}
	return 0;
}

static int64_t succeeded_total(const plan *p)
{
	return p->indexed ? p->done.count : p->counted_succeeded + (int64_t)p->unc_s.n;
}

static int64_t failed_total(const plan *p)
{
	return p->counted_failed + (int64_t)p->unc_f.n;
}

/* ---- 3. managing pods ---- */

/* Delete order: not ready before ready, unscheduled before scheduled,
 * newer before older (Kubernetes' ActivePods ordering, reversed). */
static int victim_cmp(const void *a, const void *b)
{
	const job_pod *x = *(const job_pod *const *)a, *y = *(const job_pod *const *)b;
	if (x->ready != y->ready)
		return x->ready ? 1 : -1;
	return x->created < y->created ? 1 : x->created > y->created ? -1 : 0;
}

static int delete_pods(cs_mod *m, job_view *v, plan *p, job_pod **list, size_t n)
{
	const cs_host *h = m->host;
	size_t done = 0;
	for (size_t i = 0; i < n && i < JOB_BURST; i++) {
		cs_error err;
		int rc = job_delete_pod(m, v, list[i], &err);
		if (rc) {
			h->log(m, CS_LOG_WARN, "job %s: cannot delete pod %s (%d): %s", v->key,
			       list[i]->name, rc, err.message);
			p->retry = true;
			break;
		}
		list[i]->active = false;
		done++;
	}
	p->active -= (int64_t)done;
	for (size_t i = 0; i < done; i++)
		p->ready -= list[i]->ready;
	return (int)done;
}

static int delete_active(cs_mod *m, job_view *v, plan *p)
{
	job_pod **list = calloc(v->npods ? v->npods : 1, sizeof(*list));
	if (!list)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < v->npods; i++)
		if (v->pods[i].active)
			list[n++] = &v->pods[i];
	qsort(list, n, sizeof(*list), victim_cmp);
	delete_pods(m, v, p, list, n);
	free(list);
	return 0;
}

/* Kubernetes' pod failure backoff: base * 2^(n-1) after n failures in a
 * row (since the last success), capped, counted from the last failure.
 * Returns the time new pods may be created. */
static double backoff_until(cs_mod *m, const job_view *v)
{
	job_ctrl *c = job_of(m);
	double last_ok = -1, last_fail = -1;
	for (size_t i = 0; i < v->npods; i++)
		if (v->pods[i].succeeded && v->pods[i].finished > last_ok)
			last_ok = v->pods[i].finished;
	int fails = 0;
	for (size_t i = 0; i < v->npods; i++) {
		const job_pod *pd = &v->pods[i];
		if (!pd->failed || pd->finished <= last_ok)
			continue;
		fails++;
		if (pd->finished > last_fail)
			last_fail = pd->finished;
	}
	if (!fails)
		return 0;
	double delay = c->backoff_base_ms / 1000.0, max = c->backoff_max_ms / 1000.0;
	for (int i = 1; i < fails && delay < max; i++)
		delay *= 2;
	if (delay > max)
		delay = max;
	return last_fail + delay;
}

static void create_pods(cs_mod *m, job_view *v, plan *p, const int64_t *indexes, int64_t n)
{
	const cs_host *h = m->host;
	double until = backoff_until(m, v);
	if (n > 0 && until > v->now) {
		requeue_at(p, v->now, until);
		return;
	}
	for (int64_t i = 0; i < n && i < JOB_BURST; i++) {
		cs_error err;
		int rc = job_create_pod(m, v, indexes ? indexes[i] : -1, &err);
		if (rc) {
			h->log(m, CS_LOG_WARN, "job %s: cannot create a pod (%d): %s", v->key, rc,
			       err.message);
			char msg[512];
			snprintf(msg, sizeof(msg), "Error creating: %s", err.message);
			event(m, v, "Warning", "FailedCreate", msg);
			p->retry = true;
			return;
		}
		p->active++;
	}
}

static int manage_nonindexed(cs_mod *m, job_view *v, plan *p)
{
	int64_t succeeded = succeeded_total(p), want;
	if (p->completions < 0) {
		/* Work queue: once one pod succeeded, no new pods; the others
		 * finish on their own. */
		if (succeeded > 0)
			return 0;
		want = p->parallelism;
	} else {
		want = p->completions - succeeded;
		if (want > p->parallelism)
			want = p->parallelism;
		if (want < 0)
			want = 0;
	}
	if (p->active > want) {
		job_pod **list = calloc(v->npods ? v->npods : 1, sizeof(*list));
		if (!list)
			return -1;
		size_t n = 0;
		for (size_t i = 0; i < v->npods; i++)
			if (v->pods[i].active)
				list[n++] = &v->pods[i];
		qsort(list, n, sizeof(*list), victim_cmp);
		delete_pods(m, v, p, list, (size_t)(p->active - want));
		free(list);
	} else if (p->active < want) {
		create_pods(m, v, p, NULL, want - p->active);
	}
	return 0;
}

static int manage_indexed(cs_mod *m, job_view *v, plan *p)
{
	int64_t n = p->completions;
	int64_t *want = NULL;
	job_pod **extra = calloc(v->npods ? v->npods : 1, sizeof(*extra));
	bool *running = calloc(n > 0 ? (size_t)n : 1, sizeof(bool));
	if (!extra || !running)
		goto oom;
	/* One active pod per index; pods of completed, duplicate or
	 * malformed indexes go. */
	size_t nextra = 0;
	for (size_t i = 0; i < v->npods; i++) {
		job_pod *pd = &v->pods[i];
		if (!pd->active)
			continue;
		if (pd->index < 0 || pd->index >= n || p->done.done[pd->index] ||
		    running[pd->index])
			extra[nextra++] = pd;
		else
			running[pd->index] = true;
	}
	if (nextra)
		delete_pods(m, v, p, extra, nextra);
	int64_t room = p->parallelism - p->active, k = 0;
	if (room > 0 && !(want = calloc((size_t)room, sizeof(*want))))
		goto oom;
	for (int64_t i = 0; i < n && k < room; i++)
		if (!p->done.done[i] && !running[i])
			want[k++] = i;
	if (k > 0)
		create_pods(m, v, p, want, k);
	free(want);
	free(extra);
	free(running);
	return 0;
oom:
	free(extra);
	free(running);
	return -1;
}

/* ---- 4. status ---- */

static cs_object *new_condition(const cs_host *h, const char *type, const char *status,
				const char *reason, const char *msg, const char *now)
{
	cs_object *c = h->obj_new(CS_OBJ_MAP);
	if (!c || h->obj_set_str(c, "type", type) || h->obj_set_str(c, "status", status) ||
	    h->obj_set_str(c, "lastProbeTime", now) ||
	    h->obj_set_str(c, "lastTransitionTime", now) ||
	    (reason && h->obj_set_str(c, "reason", reason)) ||
	    (msg && h->obj_set_str(c, "message", msg))) {
		h->obj_free(c);
		return NULL;
	}
	return c;
}

/* Sets condition `type` in st (an owned status), replacing one of the same
 * type; a condition already in that state keeps its times. */
static int set_condition(const cs_host *h, cs_object *st, const char *type, const char *status,
			 const char *reason, const char *msg, const char *now)
{
	const cs_object *conds = h->obj_get(st, "conditions");
	size_t n = h->obj_len(conds), i;
	for (i = 0; i < n; i++) {
		const cs_object *c = h->obj_at(conds, i);
		const char *t = h->obj_str(c, "type"), *s = h->obj_str(c, "status");
		if (t && !strcmp(t, type)) {
			const char *r = h->obj_str(c, "reason");
			if (s && !strcmp(s, status) && (!reason || (r && !strcmp(r, reason))))
				return 0;
			break;
		}
	}
	if (!conds && h->obj_set(st, "conditions", h->obj_new(CS_OBJ_ARRAY)))
		return -1;
	char path[48];
	snprintf(path, sizeof(path), "conditions[%zu]", i);
	cs_object *c = new_condition(h, type, status, reason, msg, now);
	return c ? h->obj_set(st, path, c) : -1;
}

/* PUT jobs/status when st differs from the job's status; *cur becomes
 * the written Job.  0, or CS_RETRY after logging why. */
static int write_status(cs_mod *m, const job_view *v, const cs_object **cur, cs_object *st)
{
	const cs_host *h = m->host;
	if (h->obj_equal(h->obj_get(*cur, "status"), st)) {
		h->obj_free(st);
		return 0;
	}
	cs_object *job = h->obj_clone(*cur);
	if (!job || h->obj_set(job, "status", st)) {
		h->obj_free(job);
		return CS_RETRY;
	}
	const cs_object *out = NULL;
	cs_error err;
	int rc = cs_api_update(m, "jobs.batch/status", job, &out, &err);
	h->obj_free(job);
	if (rc) {
		h->log(m, rc == CS_CONFLICT ? CS_LOG_DEBUG : CS_LOG_WARN,
		       "job %s: cannot update its status (%d): %s", v->key, rc, err.message);
		return CS_RETRY;
	}
	job_expect_status(job_of(m)->expect, v->uid, h->obj_str(out, "metadata.resourceVersion"));
	if (*cur != v->job)
		h->obj_free(*cur);
	*cur = out;
	return 0;
}

/* The status from the plan; `final`: uncounted pods have been moved. */
static cs_object *build_status(const cs_host *h, const cs_object *cur, const plan *p, bool final)
{
	cs_object *st = h->obj_clone(h->obj_get(cur, "status"));
	if (!st || h->obj_type(st) != CS_OBJ_MAP) {
		h->obj_free(st);
		st = h->obj_new(CS_OBJ_MAP);
	}
	if (!st)
		return NULL;
	int64_t succ = p->counted_succeeded, fail = p->counted_failed;
	const uids *except = NULL;
	if (final) {
		for (size_t i = 0; i < p->unc_s.n; i++)
			succ += uids_has(&p->moved, p->unc_s.v[i]);
		for (size_t i = 0; i < p->unc_f.n; i++)
			fail += uids_has(&p->moved, p->unc_f.v[i]);
		except = &p->moved;
	}
	if (p->indexed)
		succ = p->done.count;
	cs_object *us = uids_array(h, &p->unc_s, except), *uf = uids_array(h, &p->unc_f, except);
	bool bad = !us || !uf;
	if (!bad) {
		cs_object *u = h->obj_new(CS_OBJ_MAP);
		/* Kubernetes omits empty lists: {} when nothing is uncounted. */
		if (h->obj_len(us))
			h->obj_set(u, "succeeded", us);
		else
			h->obj_free(us);
		if (h->obj_len(uf))
			h->obj_set(u, "failed", uf);
		else
			h->obj_free(uf);
		bad = !u || h->obj_set(st, "uncountedTerminatedPods", u);
	} else {
		h->obj_free(us);
		h->obj_free(uf);
	}
	bad = bad || h->obj_set_int(st, "active", p->active) ||
	      h->obj_set_int(st, "ready", p->ready) || h->obj_set_int(st, "succeeded", succ) ||
	      h->obj_set_int(st, "failed", fail);
	if (!bad && p->indexed) {
		char *idx = job_indexes_format(&p->done);
		bad = !idx || h->obj_set_str(st, "completedIndexes", idx);
		free(idx);
	}
	if (!bad && p->start >= 0) {
		char ts[32];
		ck_fmt_time(p->start, ts, sizeof(ts));
		bad = h->obj_set_str(st, "startTime", ts);
	}
	if (bad) {
		h->obj_free(st);
		return NULL;
	}
	return st;
}

/* Release the pods whose uids are uncounted (their counts are in the
 * status now); uids without a tracked pod are released already. */
static void release_uncounted(cs_mod *m, job_view *v, plan *p)
{
	const cs_host *h = m->host;
	job_ctrl *c = job_of(m);
	const uids *lists[2] = {&p->unc_s, &p->unc_f};
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *uid = lists[l]->v[i];
			const job_pod *pd = NULL;
			for (size_t k = 0; k < v->npods && !pd; k++)
				if (!strcmp(v->pods[k].uid, uid) && v->pods[k].tracked)
					pd = &v->pods[k];
			int rc = 0;
			cs_error err;
			if (pd && (rc = job_unfinalize(m, v->ns, pd->pod, &err)) != 0) {
				h->log(m, CS_LOG_WARN,
				       "job %s: cannot remove the tracking finalizer of pod %s "
				       "(%d): %s",
				       v->key, pd->name, rc, err.message);
				p->retry = true;
				continue;
			}
			if (pd)
				job_expect_unfinalized(c->expect, v->uid, uid);
			if (!uids_add(&p->moved, uid))
				p->retry = true;
		}
	}
}

/* A finished Job keeps no pod: drop the finalizers of the rest without
 * counting them (Kubernetes' cleanup of a finished Job's pods). */
static void release_all(cs_mod *m, job_view *v, plan *p)
{
	const cs_host *h = m->host;
	for (size_t k = 0; k < v->npods; k++) {
		job_pod *pd = &v->pods[k];
		if (!pd->tracked)
			continue;
		cs_error err;
		int rc = job_unfinalize(m, v->ns, pd->pod, &err);
		if (rc) {
			h->log(m, CS_LOG_WARN,
			       "job %s: cannot remove the tracking finalizer of pod %s (%d): %s",
			       v->key, pd->name, rc, err.message);
			p->retry = true;
		} else {
			job_expect_unfinalized(job_of(m)->expect, v->uid, pd->uid);
		}
	}
}

/* ttlSecondsAfterFinished: delete the finished Job (Background: its pods
 * go through the garbage collector), or say when. */
static void expire(cs_mod *m, job_view *v, plan *p, const cs_object *cur)
{
	const cs_host *h = m->host;
	if (p->ttl < 0)
		return;
	double fin = ck_time(h->obj_str(cur, "status.completionTime"));
	if (fin < 0) {
		const cs_object *c = condition(h, cur, "Failed");
		if (!c)
			c = condition(h, cur, "Complete");
		fin = ck_time(h->obj_str(c, "lastTransitionTime"));
	}
	if (fin < 0)
		return;
	if (v->now < fin + (double)p->ttl) {
		requeue_at(p, v->now, fin + (double)p->ttl);
		return;
	}
	cs_object *opts = h->obj_new(CS_OBJ_MAP);
	const char *rv = h->obj_str(cur, "metadata.resourceVersion");
	if (!opts || h->obj_set_str(opts, "propagationPolicy", "Background") ||
	    h->obj_set_str(opts, "preconditions.uid", v->uid) ||
	    (rv && h->obj_set_str(opts, "preconditions.resourceVersion", rv))) {
		h->obj_free(opts);
		p->retry = true;
		return;
	}
	cs_request r = {.verb = CS_VERB_DELETE,
			.resource = PRIMARY,
			.ns = v->ns,
			.name = v->name,
			.body = opts};
	cs_error err;
	int rc = h->call(m, &r, NULL, &err);
	h->obj_free(opts);
	if (rc && rc != CS_NOT_FOUND) {
		h->log(m, rc == CS_CONFLICT ? CS_LOG_DEBUG : CS_LOG_WARN,
		       "job %s: cannot delete it after ttlSecondsAfterFinished (%d): %s", v->key,
		       rc, err.message);
		p->retry = true;
	} else if (!rc) {
		h->log(m, CS_LOG_INFO, "job %s: deleted %lld s after it finished", v->key,
		       (long long)p->ttl);
	}
}

static void plan_free(plan *p)
{
	free(p->unc_s.v);
	free(p->unc_f.v);
	free(p->moved.v);
	job_indexes_free(&p->done);
}

int job_sync(cs_mod *m, job_view *v)
{
	const cs_host *h = m->host;
	job_ctrl *c = job_of(m);
	const cs_object *job = v->job;
	plan p = {0};
	const cs_object *comp = h->obj_get(job, "spec.completions");
	p.parallelism = h->obj_int(job, "spec.parallelism", 1);
	p.completions = h->obj_type(comp) == CS_OBJ_NUMBER ? h->obj_int(comp, NULL, 1) : -1;
	p.backoff_limit = h->obj_int(job, "spec.backoffLimit", 6);
	p.deadline = h->obj_type(h->obj_get(job, "spec.activeDeadlineSeconds")) == CS_OBJ_NUMBER
			     ? h->obj_int(job, "spec.activeDeadlineSeconds", 0)
			     : -1;
	p.ttl = h->obj_type(h->obj_get(job, "spec.ttlSecondsAfterFinished")) == CS_OBJ_NUMBER
			? h->obj_int(job, "spec.ttlSecondsAfterFinished", 0)
			: -1;
	const char *mode = h->obj_str(job, "spec.completionMode");
	p.indexed = mode && !strcmp(mode, "Indexed") && p.completions >= 0;
	p.suspend = h->obj_bool(job, "spec.suspend", false);
	p.counted_succeeded = h->obj_int(job, "status.succeeded", 0);
	p.counted_failed = h->obj_int(job, "status.failed", 0);
	p.finished_before = condition_true(h, job, "Complete") || condition_true(h, job, "Failed");
	p.start = ck_time(h->obj_str(job, "status.startTime"));
	char now[32];
	ck_fmt_time(v->now, now, sizeof(now));
	int rc = CS_DONE;
	const cs_object *cur = job;

	if (count_pods(h, v, &p) < 0) {
		h->log(m, CS_LOG_WARN, "job %s: out of memory counting its pods", v->key);
		plan_free(&p);
		return CS_RETRY;
	}

	p.seen_active = p.active;
	if (p.finished_before) {
		if (condition_true(h, job, "Failed") && p.active)
			delete_active(m, v, &p);
		release_all(m, v, &p);
		expire(m, v, &p, cur);
		goto out;
	}

	/* 2. decide */
	bool was_suspended = condition_true(h, job, "Suspended");
	if (failed_total(&p) > p.backoff_limit) {
		p.fail_reason = "BackoffLimitExceeded";
		p.fail_msg = "Job has reached the specified backoff limit";
	} else if (!p.suspend && p.deadline >= 0 && p.start >= 0 &&
		   v->now >= p.start + (double)p.deadline) {
		p.fail_reason = "DeadlineExceeded";
		p.fail_msg = "Job was active longer than specified deadline";
	} else if (!p.suspend && p.deadline >= 0 && p.start >= 0) {
		requeue_at(&p, v->now, p.start + (double)p.deadline);
	}

	/* 3. manage */
	uint32_t wait_ms = 0;
	bool satisfied = true;
	satisfied = job_view_satisfied(m, v, &wait_ms);
	if (p.fail_reason || p.suspend) {
		if (satisfied && delete_active(m, v, &p) < 0)
			p.retry = true;
	}
	if (!satisfied && wait_ms) {
		requeue_at(&p, v->now, v->now + wait_ms / 1000.0);
	} else if (!p.fail_reason && !p.suspend) {
		if (p.start < 0 || was_suspended)
			p.start = v->now; /* started, or resumed: the deadline counts from now */
		int r = p.indexed ? manage_indexed(m, v, &p) : manage_nonindexed(m, v, &p);
		if (r < 0)
			p.retry = true;
		if (p.deadline >= 0)
			requeue_at(&p, v->now, p.start + (double)p.deadline);
	}
	if (!p.fail_reason && !p.suspend && p.active == 0) {
		int64_t s = succeeded_total(&p);
		p.complete = p.completions < 0 ? s > 0 : s >= p.completions;
	}

	/* 4a. record newly finished pods before releasing them */
	if (p.new_uncounted) {
		cs_object *st = build_status(h, cur, &p, false);
		if (!st || write_status(m, v, &cur, st) != 0) {
			rc = CS_RETRY;
			goto out;
		}
	}
	/* 4b. release them, 4c. count them */
	release_uncounted(m, v, &p);
	cs_object *st = build_status(h, cur, &p, true);
	if (!st) {
		rc = CS_RETRY;
		goto out;
	}
	bool all_counted = p.moved.n == p.unc_s.n + p.unc_f.n;
	const char *fin_reason = NULL;
	if (p.suspend != was_suspended && !p.fail_reason && !p.complete) {
		if (set_condition(h, st, "Suspended", p.suspend ? "True" : "False",
				  p.suspend ? "JobSuspended" : "JobResumed",
				  p.suspend ? "Job suspended" : "Job resumed", now) < 0)
			p.retry = true;
	}
	/* The final condition waits for every pod to be counted and, for a
	 * failure, for the deleted active pods to be seen terminating (they
	 * count as failed, as in Kubernetes). */
	if (all_counted && p.fail_reason && p.seen_active == 0) {
		fin_reason = p.fail_reason;
		if (set_condition(h, st, "Failed", "True", p.fail_reason, p.fail_msg, now) < 0)
			p.retry = true;
	} else if (all_counted && p.complete) {
		fin_reason = "Completed";
		if (set_condition(h, st, "Complete", "True", "CompletionsReached",
				  "Reached expected number of succeeded pods", now) < 0 ||
		    h->obj_set_str(st, "completionTime", now) < 0)
			p.retry = true;
	} else if (p.fail_reason || p.complete) {
		requeue_at(&p, v->now, v->now + 0.2);
	}
	if (write_status(m, v, &cur, st) != 0) {
		rc = CS_RETRY;
		goto out;
	}
	if (fin_reason) {
		h->metric_add(c->finished, 1);
		if (!strcmp(fin_reason, "Completed"))
			event(m, v, "Normal", "Completed", "Job completed");
		else
			event(m, v, "Warning", p.fail_reason, p.fail_msg);
		if (p.ttl >= 0)
			requeue_at(&p, v->now, v->now + (double)p.ttl);
	}
	if (p.suspend != was_suspended && !fin_reason)
		event(m, v, "Normal", p.suspend ? "Suspended" : "Resumed",
		      p.suspend ? "Job suspended" : "Job resumed");
out:
	if (cur != job)
		h->obj_free(cur);
	if (rc == CS_DONE && p.retry)
		rc = CS_RETRY;
	if (rc == CS_DONE && p.requeue_ms)
		rc = (int)p.requeue_ms;
	plan_free(&p);
	return rc;
}
