/* ctrl-cronjob: the schedule arithmetic of Kubernetes' CronJob controller
 * (v2), as pure functions of their inputs: no host, no clock.  sched.c is
 * also compiled into tests/unit/test_cronjob_sched.c. */
#ifndef CJ_SCHED_H
#define CJ_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The schedule: the first time strictly after `after` (unix seconds) in
 * *next, and the zone's UTC offset then in *offset.  0, or -1 with err
 * filled. */
typedef int (*cj_next_fn)(void *arg, int64_t after, int64_t *next, int32_t *offset, char *err,
			  size_t errlen);

typedef struct cj_input {
	int64_t created;           /* metadata.creationTimestamp */
	int64_t last_schedule;     /* status.lastScheduleTime, -1 when none */
	int64_t starting_deadline; /* spec.startingDeadlineSeconds, -1 when unset */
	cj_next_fn next;
	void *arg;
} cj_input;

enum cj_missed {
	CJ_NONE_MISSED = 0,
	CJ_FEW_MISSED = 1,  /* more than one start time passed */
	CJ_MANY_MISSED = 2, /* more than 100: Kubernetes warns */
};

typedef struct cj_times {
	int64_t earliest; /* schedules after this count */
	bool has_recent;  /* a start time passed since earliest */
	int64_t recent;   /* the latest of them */
	int32_t recent_offset;
	enum cj_missed missed;
} cj_times;

/* Kubernetes' mostRecentScheduleTime: the latest start time in
 * (earliest, now], where earliest is the last schedule time or the
 * creation time, and with_deadline also not before now minus
 * startingDeadlineSeconds.  The count of missed times is estimated from
 * the interval between the next two start times, as Kubernetes does.
 * Returns 0, or -1 with err filled (the schedule's error, or "time
 * difference between two schedules is less than 1 second"). */
int cj_most_recent(const cj_input *in, int64_t now, bool with_deadline, cj_times *out, char *err,
		   size_t errlen);

/* Kubernetes' nextScheduleTimeDuration: the next start time after the most
 * recent one (or after earliest); -1 when the schedule fails. */
int64_t cj_next_wake(const cj_input *in, int64_t now);

enum cj_policy {
	CJ_ALLOW = 0,
	CJ_FORBID = 1,
	CJ_REPLACE = 2,
};

enum cj_action {
	CJ_WAIT = 0,         /* no start time is due */
	CJ_RUN = 1,          /* start a Job for `scheduled` */
	CJ_MISSED = 2,       /* the due time is past startingDeadlineSeconds */
	CJ_PROCESSED = 3,    /* the due time already has its Job */
	CJ_FORBIDDEN = 4,    /* Forbid, and a Job is still active */
	CJ_BAD_SCHEDULE = 5, /* err says why */
};

typedef struct cj_plan {
	enum cj_action action;
	int64_t scheduled; /* RUN, MISSED, PROCESSED, FORBIDDEN: the due time */
	int32_t scheduled_offset;
	bool too_many_missed; /* RUN etc.: warn with TooManyMissedTimes */
	int64_t wake;         /* next look (unix seconds), -1 none */
} cj_plan;

/* The decision of syncCronJob for a CronJob that is not suspended:
 * `active` lists the names of the Jobs in status.active. */
int cj_decide(const cj_input *in, int64_t now, enum cj_policy policy, const char *name,
	      const char *const *active, size_t nactive, cj_plan *plan, char *err, size_t errlen);

/* "<cronjob>-<scheduled time in minutes since the epoch>". */
void cj_job_name(char *buf, size_t n, const char *cronjob, int64_t scheduled);

/* RFC 3339 of t at UTC offset off ("2024-01-01T10:00:00+05:30", "...Z"). */
void cj_format_time(char *buf, size_t n, int64_t t, int32_t off);

/* A finished Job for history cleanup. */
typedef struct cj_finished {
	const char *name;
	int64_t start; /* status.startTime, -1 when none */
	bool failed;   /* else succeeded */
	size_t tag;    /* the caller's */
} cj_finished;

/* Sorts jobs oldest first (by start time, none last, then name) and moves
 * the ones beyond the limits (-1: no limit) to the front; returns how
 * many: the Jobs to delete. */
size_t cj_history_excess(cj_finished *jobs, size_t n, int64_t succeeded_limit,
			 int64_t failed_limit);

#endif
