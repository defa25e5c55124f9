/* Schedule arithmetic of the CronJob controller (see sched.h), after
 * kubernetes/pkg/controller/cronjob/utils.go and cronjob_controllerv2.go. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched.h"

/* Start times examined when walking up to now from the estimate. */
#define WALK_MAX 10000

int cj_most_recent(const cj_input *in, int64_t now, bool with_deadline, cj_times *out, char *err,
		   size_t errlen)
{
	memset(out, 0, sizeof(*out));
	int64_t earliest = in->last_schedule >= 0 ? in->last_schedule : in->created;
	if (with_deadline && in->starting_deadline >= 0 && now - in->starting_deadline > earliest)
		earliest = now - in->starting_deadline;
	out->earliest = earliest;
	int64_t t1, t2;
	int32_t o1, o2;
	if (in->next(in->arg, earliest, &t1, &o1, err, errlen) < 0)
		return -1;
	if (now < t1)
		return 0;
	if (in->next(in->arg, t1, &t2, &o2, err, errlen) < 0)
		return -1;
	if (now < t2) {
		out->has_recent = true;
		out->recent = t1;
		out->recent_offset = o1;
		return 0;
	}
	int64_t between = t2 - t1;
	if (between < 1) {
		snprintf(err, errlen,
			 "time difference between two schedules is less than 1 second");
		return -1;
	}
	int64_t missed = (now - t1) / between + 1;
	/* Walk from two intervals before the estimate.  For irregular
	 * schedules ("30 6-16/4 * * 1-5" over a weekend) the estimate can
	 * land past the true latest time; Kubernetes then starts nothing,
	 * which skips a due run: walk again from t1 instead. */
	int64_t from[2] = {t1 + (missed - 2) * between, earliest};
	for (int pass = 0; pass < 2 && !out->has_recent; pass++) {
		int64_t t = from[pass];
		int32_t off;
		for (int i = 0; i < WALK_MAX; i++) {
			if (in->next(in->arg, t, &t, &off, err, errlen) < 0)
				return -1;
			if (t > now)
				break;
			out->has_recent = true;
			out->recent = t;
			out->recent_offset = off;
		}
	}
	out->missed = missed > 100 ? CJ_MANY_MISSED : missed > 1 ? CJ_FEW_MISSED : CJ_NONE_MISSED;
	return 0;
}

int64_t cj_next_wake(const cj_input *in, int64_t now)
{
	cj_times t;
	char err[256];
	if (cj_most_recent(in, now, false, &t, err, sizeof(err)) < 0)
		return -1;
	int64_t next;
	int32_t off;
	if (in->next(in->arg, t.has_recent ? t.recent : t.earliest, &next, &off, err, sizeof(err)) <
	    0)
		return -1;
	return next;
}

void cj_job_name(char *buf, size_t n, const char *cronjob, int64_t scheduled)
{
	/* Go's integer division truncates towards zero; start times are
	 * after 1970, where it equals the floor. */
	snprintf(buf, n, "%s-%lld", cronjob, (long long)(scheduled / 60));
}

void cj_format_time(char *buf, size_t n, int64_t t, int32_t off)
{
	time_t local = (time_t)(t + off);
	struct tm tm;
	char base[32];
	gmtime_r(&local, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (!off) {
		snprintf(buf, n, "%sZ", base);
		return;
	}
	int32_t a = off < 0 ? -off : off;
	snprintf(buf, n, "%s%c%02d:%02d", base, off < 0 ? '-' : '+', a / 3600, a % 3600 / 60);
}

int cj_decide(const cj_input *in, int64_t now, enum cj_policy policy, const char *name,
	      const char *const *active, size_t nactive, cj_plan *plan, char *err, size_t errlen)
{
	memset(plan, 0, sizeof(*plan));
	plan->wake = -1;
	cj_times t;
	if (cj_most_recent(in, now, true, &t, err, errlen) < 0) {
		plan->action = CJ_BAD_SCHEDULE;
		return 0;
	}
	plan->wake = cj_next_wake(in, now);
	if (!t.has_recent) {
		plan->action = CJ_WAIT;
		return 0;
	}
	plan->scheduled = t.recent;
	plan->scheduled_offset = t.recent_offset;
	plan->too_many_missed = t.missed == CJ_MANY_MISSED;
	if (in->starting_deadline >= 0 && t.recent + in->starting_deadline < now) {
		plan->action = CJ_MISSED;
		return 0;
	}
	char job[320];
	cj_job_name(job, sizeof(job), name, t.recent);
	for (size_t i = 0; i < nactive; i++) {
		if (active[i] && !strcmp(active[i], job)) {
			plan->action = CJ_PROCESSED;
			return 0;
		}
	}
	if (in->last_schedule == t.recent) {
		plan->action = CJ_PROCESSED;
		return 0;
	}
	if (policy == CJ_FORBID && nactive > 0) {
		plan->action = CJ_FORBIDDEN;
		return 0;
	}
	plan->action = CJ_RUN;
	/* The Job about to start becomes the most recent schedule. */
	cj_input after = *in;
	after.last_schedule = t.recent;
	plan->wake = cj_next_wake(&after, now);
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const cj_finished *x = a, *y = b;
	if ((x->start < 0) != (y->start < 0))
		return x->start < 0 ? 1 : -1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->name, y->name);
}

size_t cj_history_excess(cj_finished *jobs, size_t n, int64_t succeeded_limit, int64_t failed_limit)
{
	qsort(jobs, n, sizeof(*jobs), by_start);
	size_t nok = 0, nfail = 0;
	for (size_t i = 0; i < n; i++)
		jobs[i].failed ? nfail++ : nok++;
	int64_t drop_ok = succeeded_limit >= 0 ? (int64_t)nok - succeeded_limit : 0;
	int64_t drop_fail = failed_limit >= 0 ? (int64_t)nfail - failed_limit : 0;
	/* A stable partition: victims (oldest first) to the front. */
	cj_finished *tmp = malloc((n ? n : 1) * sizeof(*tmp));
	if (!tmp)
		return 0; /* nothing deleted this time; retried on the next sync */
	size_t k = 0, rest = 0;
	bool *victim = calloc(n ? n : 1, sizeof(bool));
	if (!victim) {
		free(tmp);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t *drop = jobs[i].failed ? &drop_fail : &drop_ok;
		if (*drop > 0) {
			victim[i] = true;
			(*drop)--;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (victim[i])
			tmp[k++] = jobs[i];
	rest = k;
	for (size_t i = 0; i < n; i++)
		if (!victim[i])
			tmp[rest++] = jobs[i];
	memcpy(jobs, tmp, n * sizeof(*jobs));
	free(tmp);
	free(victim);
	return k;
}
