/* ctrl-job: shared state and the pieces the files share. */
#ifndef JOB_H
#define JOB_H

#include <capstan/controller.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrlkit.h"

#define PRIMARY "jobs.batch"

/* Kubernetes' batch.kubernetes.io/ names. */
#define TRACKING_FINALIZER "batch.kubernetes.io/job-tracking"
#define INDEX_KEY          "batch.kubernetes.io/job-completion-index"
#define INDEX_ENV          "JOB_COMPLETION_INDEX"

/* Kubernetes' burst of pod creations or deletions per sync. */
#define JOB_BURST 500

/* client-go's ExpectationsTimeout: unobserved writes stop blocking a Job
 * after this long (a lost watch event must not wedge it). */
#define JOB_EXPECT_TIMEOUT_S 300

/* ---- expectations (expect.c), all keyed by the Job's uid; thread-safe.
 * They are memory only: after a restart, everything they stand for is
 * re-derived from the API (pods, their finalizers, the Job's status). ---- */
typedef struct job_expect job_expect;

job_expect *job_expect_new(void);
void job_expect_free(job_expect *e);
/* A pod of the Job was created (name) or deleted (name): wait until the
 * pods cache shows it (present / gone or terminating). */
void job_expect_pod(job_expect *e, const char *uid, const char *pod, bool created);
/* The tracking finalizer of pod `pod_uid` was removed. */
void job_expect_unfinalized(job_expect *e, const char *uid, const char *pod_uid);
bool job_expect_is_unfinalized(job_expect *e, const char *uid, const char *pod_uid);
/* The status was written at resourceVersion rv. */
void job_expect_status(job_expect *e, const char *uid, const char *rv);

/* Lookup function for the pods cache: 1 present and not terminating, 0
 * gone or terminating, by pod name; -1 by pod uid when the pod is
 * cached with the tracking finalizer. */
typedef int (*job_pod_state_fn)(void *arg, const char *name, const char *pod_uid);

/* Drops what the caches now show; true when every create and delete was
 * observed (or expired) and the cached Job (resourceVersion rv) is not
 * older than our last status write.  Else *wait_ms is how long until the
 * expectations expire. */
bool job_expect_satisfied(job_expect *e, const char *uid, const char *rv, job_pod_state_fn fn,
			  void *arg, uint32_t *wait_ms);
/* The cached Job (resourceVersion rv) is older than our last status
 * write: acting on it would only conflict. */
bool job_expect_stale(job_expect *e, const char *uid, const char *rv);
/* When a failed pod without a known finish time was first seen failed. */
double job_expect_failed_at(job_expect *e, const char *uid, const char *pod_uid, double now);
void job_expect_forget(job_expect *e, const char *uid);

/* ---- completion indexes (util.c) ---- */

/* A set of completion indexes [0, n) as Kubernetes writes them in
 * status.completedIndexes: "1,3-5,7". */
typedef struct job_indexes {
	bool *done;
	int64_t n, count;
} job_indexes;

int job_indexes_parse(job_indexes *s, const char *text, int64_t n);
/* Owned text (free()), "" when empty; NULL when out of memory. */
char *job_indexes_format(const job_indexes *s);
void job_indexes_free(job_indexes *s);

/* ---- the module (job.c) ---- */
typedef struct job_ctrl {
	cs_informer *jobs, *pods;
	job_expect *expect;
	uint32_t backoff_base_ms, backoff_max_ms;
	cs_metric *created, *deleted, *finished;
} job_ctrl;

static inline job_ctrl *job_of(cs_mod *m)
{
	return m->host->data(m);
}

/* One pod of a Job as sync sees it. */
typedef struct job_pod {
	const cs_object *pod; /* a reference of ours */
	const char *name, *uid;
	int64_t index; /* completion index, -1 when none or malformed */
	bool active;   /* not terminal, not terminating */
	bool succeeded, failed;
	bool deleting; /* has a deletionTimestamp */
	bool fin;      /* carries the tracking finalizer in the cache */
	bool tracked;  /* ... and we have not removed it already */
	bool ready;
	double created, finished; /* finished: -1 unless terminal */
} job_pod;

/* What sync found for one Job. */
typedef struct job_view {
	const cs_object *job; /* the cached Job */
	const char *key, *ns, *name, *uid;
	job_pod *pods;
	size_t npods;
	double now;
} job_view;

/* ---- sync (sync.c) ---- */
int job_sync(cs_mod *m, job_view *v);

/* job.c: the Job's expectations are met by the caches (see expect.c). */
bool job_view_satisfied(cs_mod *m, job_view *v, uint32_t *wait_ms);

/* ---- pods (pods.c) ---- */
/* Creates one pod from the template, with index when >= 0.  0, or the
 * API's code with err filled. */
int job_create_pod(cs_mod *m, const job_view *v, int64_t index, cs_error *err);
/* Deletes a pod (with the pod's uid as precondition).  0 or the code. */
int job_delete_pod(cs_mod *m, const job_view *v, const job_pod *p, cs_error *err);
/* Removes the tracking finalizer (0 when removed or already gone). */
int job_unfinalize(cs_mod *m, const char *ns, const cs_object *pod, cs_error *err);
/* The pod has the tracking finalizer. */
bool job_has_finalizer(const cs_host *h, const cs_object *pod);
/* apiVersion/kind/metadata of the Job for Events. */
cs_object *job_event_ref(const cs_host *h, const job_view *v);

#endif
