/* ctrl-cronjob: the CronJob controller, as Kubernetes' (cronjob
 * controller v2).
 *
 * The host runs the CronJob informer, a Jobs informer that wakes a Job's
 * controlling CronJob (`owns`), and the work queue.  A sync reconciles
 * status.active with the Jobs that exist, decides from the schedule
 * (sched.c, pure) whether a Job is due, creates it as
 * "<cronjob>-<minutes since the epoch>", writes the status, prunes the
 * finished Jobs beyond the history limits, and re-queues the CronJob for
 * its next start time: nothing polls.  Schedules are evaluated by the
 * host's cron_next (ABI 1.1), in spec.timeZone when set. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctrlkit.h"
#include "sched.h"

#include <capstan/controller.h>

#define PRIMARY    "cronjobs.batch"
#define JOBS       "jobs.batch"
#define SCHEDULED  "batch.kubernetes.io/cronjob-scheduled-timestamp"
#define NEXT_DELTA 100 /* ms after a start time: Kubernetes' nextScheduleDelta */

typedef struct cj_ctrl {
	cs_informer *cronjobs, *jobs;
	cs_metric *created, *deleted;
} cj_ctrl;

/* Whole seconds, and lenient after the zone (ck_time is not): kept apart
 * so that what a CronJob accepts in its status times does not change. */
static int64_t parse_time(const char *s)
{
	struct tm tm = {0};
	int n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	int64_t t = (int64_t)timegm(&tm);
	const char *p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	int oh, om;
	if (*p == 'Z' || *p == 'z')
		return t;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
		return t - (*p == '+' ? 1 : -1) * (oh * 3600 + om * 60);
	return -1;
}

/* ---- one CronJob's view ---- */

typedef struct cj_view {
	cs_mod *m;
	const char *key, *ns, *name, *uid;
	const cs_object *cj;    /* the cached CronJob (or a fresher copy) */
	cs_object *status;      /* owned: the status being written */
	const cs_object **jobs; /* Jobs controlled by it */
	size_t njobs, cap;
	const char *schedule, *tz; /* tz: spec.timeZone or NULL */
	bool oom, changed;
} cj_view;

static void event(cj_view *v, const char *type, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void event(cj_view *v, const char *type, const char *reason, const char *fmt, ...)
{
	const cs_host *h = v->m->host;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	if (r && !h->obj_set_str(r, "apiVersion", "batch/v1") &&
	    !h->obj_set_str(r, "kind", "CronJob") && !h->obj_set_str(r, "metadata.name", v->name) &&
	    !h->obj_set_str(r, "metadata.namespace", v->ns) &&
	    !h->obj_set_str(r, "metadata.uid", v->uid))
		h->event(v->m, r, type, reason, "%s", msg);
	h->obj_free(r);
}

static const char *controller_uid(const cs_host *h, const cs_object *obj)
{
	const cs_object *ref = ck_controller_ref(h, obj);
	return ref ? h->obj_str(ref, "uid") : NULL;
}

static bool gather(void *arg, const cs_object *job)
{
	cj_view *v = arg;
	const cs_host *h = v->m->host;
	const char *uid = controller_uid(h, job);
	if (!uid || strcmp(uid, v->uid))
		return true;
	if (v->njobs == v->cap) {
		size_t c = v->cap ? v->cap * 2 : 8;
		const cs_object **j = realloc(v->jobs, c * sizeof(*j));
		if (!j) {
			v->oom = true;
			return false;
		}
		v->jobs = j;
		v->cap = c;
	}
	v->jobs[v->njobs++] = h->obj_keep(job);
	return true;
}

/* "Complete" or "Failed" when the Job has that condition True, else NULL. */
static const char *finished(const cs_host *h, const cs_object *job)
{
	const cs_object *conds = h->obj_get(job, "status.conditions");
	for (size_t i = 0; i < h->obj_len(conds); i++) {
		const cs_object *c = h->obj_at(conds, i);
		const char *t = h->obj_str(c, "type"), *s = h->obj_str(c, "status");
		if (t && s && !strcmp(s, "True") &&
		    (!strcmp(t, "Complete") || !strcmp(t, "Failed")))
			return !strcmp(t, "Complete") ? "Complete" : "Failed";
	}
	return NULL;
}

static bool in_active(const cs_host *h, const cs_object *status, const char *uid)
{
	const cs_object *a = h->obj_get(status, "active");
	for (size_t i = 0; i < h->obj_len(a); i++) {
		const char *u = h->obj_str(h->obj_at(a, i), "uid");
		if (u && uid && !strcmp(u, uid))
			return true;
	}
	return false;
}

/* Rebuilds status.active without uid. */
static int drop_active(cj_view *v, const char *uid)
{
	const cs_host *h = v->m->host;
	const cs_object *a = h->obj_get(v->status, "active");
	cs_object *na = h->obj_new(CS_OBJ_ARRAY);
	for (size_t i = 0; na && i < h->obj_len(a); i++) {
		const cs_object *r = h->obj_at(a, i);
		const char *u = h->obj_str(r, "uid");
		if ((!u || strcmp(u, uid)) && h->obj_append(na, h->obj_clone(r))) {
			h->obj_free(na);
			return -1;
		}
	}
	if (!na)
		return -1;
	v->changed = true;
	if (h->obj_len(na) == 0) {
		h->obj_free(na);
		h->obj_remove(v->status, "active");
		return 0;
	}
	return h->obj_set(v->status, "active", na);
}

static int add_active(cj_view *v, const cs_object *job)
{
	const cs_host *h = v->m->host;
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	if (!r || h->obj_set_str(r, "apiVersion", "batch/v1") || h->obj_set_str(r, "kind", "Job") ||
	    h->obj_set_str(r, "namespace", v->ns) ||
	    h->obj_set_str(r, "name", h->obj_str(job, "metadata.name") ?: "") ||
	    h->obj_set_str(r, "uid", h->obj_str(job, "metadata.uid") ?: "") ||
	    h->obj_set_str(r, "resourceVersion",
			   h->obj_str(job, "metadata.resourceVersion") ?: "")) {
		h->obj_free(r);
		return -1;
	}
	if (!h->obj_get(v->status, "active") &&
	    h->obj_set(v->status, "active", h->obj_new(CS_OBJ_ARRAY)))
		return h->obj_free(r), -1;
	char path[32];
	snprintf(path, sizeof(path), "active[%zu]", h->obj_len(h->obj_get(v->status, "active")));
	v->changed = true;
	return h->obj_set(v->status, path, r);
}

/* ---- deleting Jobs (Replace, history) ---- */

static bool delete_job(cj_view *v, const char *name, const char *uid)
{
	const cs_host *h = v->m->host;
	cs_object *opts = h->obj_new(CS_OBJ_MAP);
	if (!opts || h->obj_set_str(opts, "propagationPolicy", "Background")) {
		h->obj_free(opts);
		return false;
	}
	cs_request r = {
		.verb = CS_VERB_DELETE, .resource = JOBS, .ns = v->ns, .name = name, .body = opts};
	cs_error err;
	int rc = h->call(v->m, &r, NULL, &err);
	h->obj_free(opts);
	if (rc && rc != CS_NOT_FOUND) {
		event(v, "Warning", "FailedDelete", "Deleted job: %s", err.message);
		return false;
	}
	if (uid)
		drop_active(v, uid);
	h->metric_add(((cj_ctrl *)h->data(v->m))->deleted, 1);
	event(v, "Normal", "SuccessfulDelete", "Deleted job %s", name);
	return true;
}

/* ---- schedule ---- */

static int next_fn(void *arg, int64_t after, int64_t *next, int32_t *offset, char *err,
		   size_t errlen)
{
	cj_view *v = arg;
	cs_error e;
	int rc = v->m->host->cron_next(v->schedule, v->tz, after, next, offset, &e);
	if (rc) {
		snprintf(err, errlen, "%s", e.message);
		return -1;
	}
	if (!v->tz)
		*offset = 0; /* Kubernetes formats in UTC without spec.timeZone */
	return 0;
}

/* ---- creating the Job ---- */

static cs_object *job_from_template(cj_view *v, int64_t scheduled, int32_t offset)
{
	const cs_host *h = v->m->host;
	const cs_object *tmpl = h->obj_get(v->cj, "spec.jobTemplate");
	const cs_object *labels = h->obj_get(tmpl, "metadata.labels");
	const cs_object *ann = h->obj_get(tmpl, "metadata.annotations");
	char name[320], ts[48], path[96];
	cj_job_name(name, sizeof(name), v->name, scheduled);
	cj_format_time(ts, sizeof(ts), scheduled, offset);
	snprintf(path, sizeof(path), "metadata.annotations.batch\\.kubernetes\\.io/%s",
		 "cronjob-scheduled-timestamp");
	cs_object *job = h->obj_new(CS_OBJ_MAP), *ref = h->obj_new(CS_OBJ_MAP);
	cs_object *refs = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !job || !ref || !refs || h->obj_set_str(job, "apiVersion", "batch/v1") ||
		   h->obj_set_str(job, "kind", "Job") ||
		   h->obj_set_str(job, "metadata.name", name) ||
		   h->obj_set_str(job, "metadata.namespace", v->ns) ||
		   (labels && h->obj_set(job, "metadata.labels", h->obj_clone(labels))) ||
		   h->obj_set(job, "metadata.annotations",
			      ann ? h->obj_clone(ann) : h->obj_new(CS_OBJ_MAP)) ||
		   h->obj_set_str(job, path, ts) ||
		   h->obj_set(job, "spec", h->obj_clone(h->obj_get(tmpl, "spec"))) ||
		   h->obj_set_str(ref, "apiVersion", "batch/v1") ||
		   h->obj_set_str(ref, "kind", "CronJob") || h->obj_set_str(ref, "name", v->name) ||
		   h->obj_set_str(ref, "uid", v->uid) || h->obj_set_bool(ref, "controller", true) ||
		   h->obj_set_bool(ref, "blockOwnerDeletion", true);
	if (!bad) {
		bad = h->obj_append(refs, ref) || h->obj_set(job, "metadata.ownerReferences", refs);
		ref = refs = NULL;
	}
	h->obj_free(ref);
	h->obj_free(refs);
	if (bad) {
		h->obj_free(job);
		return NULL;
	}
	return job;
}

/* Returns CS_DONE or CS_RETRY. */
static int start_job(cj_view *v, const cj_plan *p, enum cj_policy policy)
{
	const cs_host *h = v->m->host;
	if (policy == CJ_REPLACE) {
		/* Replace: the running Jobs go first. */
		const cs_object *a = h->obj_clone(h->obj_get(v->status, "active"));
		for (size_t i = 0; i < h->obj_len(a); i++) {
			const cs_object *r = h->obj_at(a, i);
			const char *n = h->obj_str(r, "name"), *u = h->obj_str(r, "uid");
			if (n && !delete_job(v, n, u)) {
				h->log(v->m, CS_LOG_WARN, "cronjob %s: could not replace job %s/%s",
				       v->key, v->ns, n);
				h->obj_free(a);
				return CS_RETRY;
			}
		}
		h->obj_free(a);
	}
	cs_object *job = job_from_template(v, p->scheduled, p->scheduled_offset);
	if (!job)
		return CS_RETRY;
	const cs_object *out = NULL;
	cs_error err;
	int rc = cs_api_create(v->m, JOBS, v->ns, job, &out, &err);
	bool existed = rc == CS_CONFLICT;
	if (existed) {
		/* Created by an earlier sync whose status write was lost, or
		 * by someone else: only ours joins status.active. */
		rc = cs_api_get(v->m, JOBS, v->ns, h->obj_str(job, "metadata.name"), &out, &err);
		const char *uid = controller_uid(h, out);
		if (!rc && (!uid || strcmp(uid, v->uid) ||
			    in_active(h, v->status, h->obj_str(out, "metadata.uid")))) {
			h->obj_free(out);
			h->obj_free(job);
			return CS_DONE;
		}
	}
	h->obj_free(job);
	if (rc) {
		event(v, "Warning", "FailedCreate", "Error creating job: %s", err.message);
		h->log(v->m, CS_LOG_WARN, "cronjob %s: cannot create its job: %s", v->key,
		       err.message);
		return CS_RETRY;
	}
	if (!existed) {
		h->metric_add(((cj_ctrl *)h->data(v->m))->created, 1);
		event(v, "Normal", "SuccessfulCreate", "Created job %s",
		      h->obj_str(out, "metadata.name") ?: "");
	}
	char ts[48];
	cj_format_time(ts, sizeof(ts), p->scheduled, 0);
	rc = add_active(v, out) || h->obj_set_str(v->status, "lastScheduleTime", ts);
	h->obj_free(out);
	v->changed = true;
	return rc ? CS_RETRY : CS_DONE;
}

/* ---- the sync ---- */

/* Reconciles status.active with the Jobs (Kubernetes' syncCronJob start). */
static void reconcile_active(cj_view *v)
{
	const cs_host *h = v->m->host;
	for (size_t i = 0; i < v->njobs; i++) {
		const cs_object *j = v->jobs[i];
		const char *uid = h->obj_str(j, "metadata.uid");
		const char *jname = h->obj_str(j, "metadata.name") ?: "";
		const char *fin = finished(h, j);
		bool found = in_active(h, v->status, uid);
		if (!found && !fin) {
			/* Our own create may be newer than the cached CronJob. */
			const cs_object *fresh = NULL;
			if (!cs_api_get(v->m, PRIMARY, v->ns, v->name, &fresh, NULL) &&
			    in_active(h, h->obj_get(fresh, "status"), uid)) {
				h->obj_free(fresh);
				continue;
			}
			h->obj_free(fresh);
			event(v, "Warning", "UnexpectedJob",
			      "Saw a job that the controller did not create or forgot: %s", jname);
		} else if (found && fin) {
			drop_active(v, uid);
			event(v, "Normal", "SawCompletedJob", "Saw completed job: %s, status: %s",
			      jname, fin);
		}
		if (fin && !strcmp(fin, "Complete")) {
			const char *ct = h->obj_str(j, "status.completionTime");
			const char *last = h->obj_str(v->status, "lastSuccessfulTime");
			if (ct && (!last || parse_time(ct) > parse_time(last))) {
				h->obj_set_str(v->status, "lastSuccessfulTime", ct);
				v->changed = true;
			}
		}
	}
	/* References to Jobs that no longer exist. */
	const cs_object *a = h->obj_clone(h->obj_get(v->status, "active"));
	for (size_t i = 0; i < h->obj_len(a); i++) {
		const cs_object *r = h->obj_at(a, i);
		const char *uid = h->obj_str(r, "uid"), *n = h->obj_str(r, "name");
		bool have = false;
		for (size_t k = 0; k < v->njobs && !have; k++) {
			const char *u = h->obj_str(v->jobs[k], "metadata.uid");
			have = u && uid && !strcmp(u, uid);
		}
		if (have || !n || !uid)
			continue;
		const cs_object *got = NULL;
		int rc = cs_api_get(v->m, JOBS, v->ns, n, &got, NULL);
		const char *gu = h->obj_str(got, "metadata.uid");
		if (rc == CS_NOT_FOUND || (!rc && gu && strcmp(gu, uid))) {
			event(v, "Normal", "MissingJob", "Active job went missing: %s", n);
			drop_active(v, uid);
		}
		h->obj_free(got);
	}
	h->obj_free(a);
}

static void cleanup_history(cj_view *v)
{
	const cs_host *h = v->m->host;
	const cs_object *sl = h->obj_get(v->cj, "spec.successfulJobsHistoryLimit");
	const cs_object *fl = h->obj_get(v->cj, "spec.failedJobsHistoryLimit");
	int64_t ok_limit = h->obj_type(sl) == CS_OBJ_NUMBER ? h->obj_int(sl, NULL, 0) : -1;
	int64_t fail_limit = h->obj_type(fl) == CS_OBJ_NUMBER ? h->obj_int(fl, NULL, 0) : -1;
	if (ok_limit < 0 && fail_limit < 0)
		return;
	cj_finished *f = calloc(v->njobs ? v->njobs : 1, sizeof(*f));
	if (!f)
		return; /* tried again on the next sync */
	size_t n = 0;
	for (size_t i = 0; i < v->njobs; i++) {
		const char *fin = finished(h, v->jobs[i]);
		if (!fin || h->obj_get(v->jobs[i], "metadata.deletionTimestamp"))
			continue;
		f[n++] = (cj_finished){h->obj_str(v->jobs[i], "metadata.name") ?: "",
				       parse_time(h->obj_str(v->jobs[i], "status.startTime")),
				       !strcmp(fin, "Failed"), i};
	}
	size_t k = cj_history_excess(f, n, ok_limit, fail_limit);
	for (size_t i = 0; i < k; i++)
		delete_job(v, f[i].name, h->obj_str(v->jobs[f[i].tag], "metadata.uid"));
	free(f);
}

static enum cj_policy policy_of(const char *s)
{
	if (s && !strcmp(s, "Forbid"))
		return CJ_FORBID;
	if (s && !strcmp(s, "Replace"))
		return CJ_REPLACE;
	return CJ_ALLOW;
}

/* Schedules and starts; returns CS_DONE, CS_RETRY or the wake-up in ms. */
static int schedule(cj_view *v, double now)
{
	const cs_host *h = v->m->host;
	cj_input in = {
		.created = parse_time(h->obj_str(v->cj, "metadata.creationTimestamp")),
		.last_schedule = parse_time(h->obj_str(v->status, "lastScheduleTime")),
		.starting_deadline =
			h->obj_type(h->obj_get(v->cj, "spec.startingDeadlineSeconds")) ==
					CS_OBJ_NUMBER
				? h->obj_int(v->cj, "spec.startingDeadlineSeconds", 0)
				: -1,
		.next = next_fn,
		.arg = v,
	};
	if (v->tz) {
		int64_t t;
		cs_error e;
		if (h->cron_next("* * * * *", v->tz, 0, &t, NULL, &e)) {
			event(v, "Warning", "UnknownTimeZone", "invalid timeZone: \"%s\": %s",
			      v->tz, e.message);
			return CS_DONE;
		}
	}
	if (h->obj_bool(v->cj, "spec.suspend", false))
		return CS_DONE; /* resumed by an update, which wakes us */
	int64_t probe;
	cs_error e;
	int prc = h->cron_next(v->schedule, v->tz, (int64_t)now, &probe, NULL, &e);
	if (prc == CS_INVALID) {
		event(v, "Warning", "UnparseableSchedule", "unparseable schedule: \"%s\" : %s",
		      v->schedule, e.message);
		return CS_DONE;
	}
	const cs_object *a = h->obj_get(v->status, "active");
	size_t na = h->obj_len(a);
	const char **names = calloc(na ? na : 1, sizeof(*names));
	if (!names)
		return CS_RETRY;
	for (size_t i = 0; i < na; i++)
		names[i] = h->obj_str(h->obj_at(a, i), "name");
	cj_plan p;
	char err[256] = "";
	enum cj_policy policy = policy_of(h->obj_str(v->cj, "spec.concurrencyPolicy"));
	cj_decide(&in, (int64_t)now, policy, v->name, names, na, &p, err, sizeof(err));
	free(names);
	char when[64];
	int rc = CS_DONE;
	if (p.too_many_missed)
		event(v, "Warning", "TooManyMissedTimes",
		      "too many missed start times. Set or decrease .spec.startingDeadlineSeconds "
		      "or check clock skew");
	switch (p.action) {
	case CJ_BAD_SCHEDULE:
		event(v, "Warning", "InvalidSchedule", "invalid schedule: %s : %s", v->schedule,
		      err);
		return CS_DONE;
	case CJ_MISSED: {
		time_t t = (time_t)p.scheduled;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S +0000", &tm);
		event(v, "Warning", "MissSchedule", "Missed scheduled time to start a job: %s",
		      when);
		break;
	}
	case CJ_FORBIDDEN:
		event(v, "Normal", "JobAlreadyActive",
		      "Not starting job because prior execution is running and concurrency "
		      "policy is Forbid");
		break;
	case CJ_RUN: rc = start_job(v, &p, policy); break;
	case CJ_WAIT:
	case CJ_PROCESSED: break;
	}
	if (rc == CS_RETRY || p.wake < 0)
		return rc;
	double ms = ((double)p.wake - now) * 1000 + NEXT_DELTA;
	return ms < 1 ? 1 : ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

static int write_status(cj_view *v)
{
	const cs_host *h = v->m->host;
	if (!v->changed || h->obj_equal(v->status, h->obj_get(v->cj, "status")))
		return CS_DONE;
	cs_object *cj = h->obj_clone(v->cj);
	if (!cj || h->obj_set(cj, "status", h->obj_clone(v->status))) {
		h->obj_free(cj);
		return CS_RETRY;
	}
	cs_error err;
	int rc = cs_api_update(v->m, PRIMARY "/status", cj, NULL, &err);
	h->obj_free(cj);
	if (rc) {
		h->log(v->m, rc == CS_CONFLICT ? CS_LOG_DEBUG : CS_LOG_WARN,
		       "cronjob %s: cannot update its status (%d): %s", v->key, rc, err.message);
		return CS_RETRY;
	}
	return CS_DONE;
}

static int cj_reconcile(cs_mod *m, const char *key)
{
	const cs_host *h = m->host;
	cj_ctrl *c = h->data(m);
	if (!h->informer_synced(c->jobs) || !h->informer_synced(c->cronjobs))
		return 200;
	char ns[256];
	const char *slash = strchr(key, '/');
	if (!slash || (size_t)(slash - key) >= sizeof(ns))
		return CS_DONE;
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	cj_view v = {.m = m, .key = key, .ns = ns, .name = slash + 1};
	v.cj = h->cache_get(c->cronjobs, ns, v.name);
	v.uid = h->obj_str(v.cj, "metadata.uid");
	if (!v.cj || !v.uid) {
		h->obj_free(v.cj);
		return CS_DONE; /* deleted: its Jobs go through the garbage collector */
	}
	v.schedule = h->obj_str(v.cj, "spec.schedule") ?: "";
	v.tz = h->obj_str(v.cj, "spec.timeZone");
	const cs_object *st = h->obj_get(v.cj, "status");
	v.status = st ? h->obj_clone(st) : h->obj_new(CS_OBJ_MAP);
	int rc = CS_DONE;
	if (!v.status || h->cache_each(c->jobs, ns, NULL, gather, &v) < 0 || v.oom) {
		h->log(m, CS_LOG_WARN, "cronjob %s: cannot list its jobs", key);
		rc = CS_RETRY;
		goto out;
	}
	double now = ck_now();
	reconcile_active(&v);
	if (!h->obj_get(v.cj, "metadata.deletionTimestamp"))
		rc = schedule(&v, now);
	int wrc = write_status(&v);
	if (wrc == CS_RETRY) {
		rc = CS_RETRY;
		goto out;
	}
	cleanup_history(&v);
	/* History cleanup may have dropped active references. */
	if (write_status(&v) == CS_RETRY)
		rc = CS_RETRY;
out:
	for (size_t i = 0; i < v.njobs; i++)
		h->obj_free(v.jobs[i]);
	free(v.jobs);
	h->obj_free(v.status);
	h->obj_free(v.cj);
	return rc;
}

/* ---- lifecycle ---- */

static void cj_fini(cs_mod *m)
{
	free(m->host->data(m));
	m->host->set_data(m, NULL);
}

static int cj_init(cs_mod *m)
{
	const cs_host *h = m->host;
	cj_ctrl *c = calloc(1, sizeof(*c));
	if (!c) {
		h->log(m, CS_LOG_ERROR, "out of memory");
		return -1;
	}
	h->set_data(m, c);
	c->cronjobs = cs_controller_informer(m, PRIMARY);
	c->jobs = cs_controller_informer(m, JOBS);
	c->created = h->metric_new(m, CS_METRIC_COUNTER, "cronjob_jobs_created_total",
				   "Jobs created by the CronJob controller");
	c->deleted = h->metric_new(m, CS_METRIC_COUNTER, "cronjob_jobs_deleted_total",
				   "Jobs deleted by the CronJob controller (Replace, history)");
	if (!c->cronjobs || !c->jobs || !c->created || !c->deleted) {
		cj_fini(m);
		return -1; /* the host logged why */
	}
	return 0;
}

static const char *const owns[] = {JOBS, NULL};

static const cs_controller_ops cj_ops = {
	.size = sizeof(cs_controller_ops),
	.primary = PRIMARY,
	.owns = owns,
	.workers = 2,
	.reconcile = cj_reconcile,
	.resync_seconds = 0,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER, /* needs ABI 1.1: cron_next */
	.name = "ctrl-cronjob",
	.version = "1.0.0",
	.description = "CronJob controller: creates Jobs on a cron schedule",
	.kind = CS_KIND_CONTROLLER,
	.options = NULL,
	.init = cj_init,
	.fini = cj_fini,
	.ops = &cj_ops,
};
