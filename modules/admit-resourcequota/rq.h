/* admit-resourcequota internals, shared by the files of the module only.
 *
 * Threads: admission callbacks run on the API server's admission threads,
 * the status recalculation on the module's queue worker; both read the
 * informer caches (safe from any thread) and write quota status through
 * the API with compare-and-swap, so they need no lock of their own. */
#ifndef RQ_H
#define RQ_H

#include <capstan/admission.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RQ_MAX_TRACKED 24 /* resources with informers (count/..., pods, ...) */

typedef struct rq_state {
	cs_informer *quotas;
	/* One informer per tracked resource, by RESOURCE[.GROUP]. */
	const char *names[RQ_MAX_TRACKED + 1]; /* NULL-terminated, also ops->resources */
	cs_informer *infs[RQ_MAX_TRACKED];
	size_t n;
	cs_queue *queue; /* namespaces whose quotas to recalculate */
} rq_state;

/* ---- usage.c: what an object uses of a quota's resources ---- */

/* Amounts in thousandths, by quota resource name. */
typedef struct rq_usage {
	char **names;
	int64_t *milli;
	size_t n;
} rq_usage;

void rq_usage_free(rq_usage *u);
int rq_usage_add(rq_usage *u, const char *name, int64_t milli);
int64_t rq_usage_get(const rq_usage *u, const char *name, bool *found);

/* The usage of obj (of `resource`, RESOURCE[.GROUP]) counted against the
 * resources a quota lists in `hard`; adds to u.  A pod that has finished
 * uses nothing.  -1 when out of memory. */
int rq_usage_of(const cs_host *h, const char *resource, const cs_object *obj, const cs_object *hard,
		rq_usage *u);
/* Whether a quota's scopes and scopeSelector select obj. */
bool rq_selects(const cs_host *h, const cs_object *quota, const char *resource,
		const cs_object *obj);
/* Compute resources the quota limits that some container of a pod does
 * not state ("limits.cpu,requests.memory"), malloc'd, or NULL. */
char *rq_unspecified(const cs_host *h, const cs_object *hard, const cs_object *pod);
/* key as one step of an obj_* path (dots escaped). */
void rq_key_path(char *buf, size_t n, const char *key);
/* A quantity for status.used / messages: "500m", "2", "256Mi". */
void rq_format(char *buf, size_t n, const char *name, int64_t milli);

/* ---- status.c: recalculation of status.used ---- */

int rq_recalc(cs_mod *m, void *arg, const char *ns);
/* Write status {hard, used} of quota with compare-and-swap; 0, or the
 * API's failure code (409 when it changed meanwhile). */
int rq_write_status(cs_mod *m, const cs_object *quota, const rq_usage *used, cs_error *err);

#endif
