/* ctrl-namespace: the pieces the files share.
 *
 * The namespace controller of kube-controller-manager
 * (pkg/controller/namespace): a namespace being deleted whose spec holds the
 * "kubernetes" finalizer is emptied of every namespaced resource the API
 * serves, its status conditions tell how far that got, and once nothing is
 * left the finalizer is removed through namespaces/NAME/finalize, which lets
 * the API server remove the namespace. */
#ifndef NS_H
#define NS_H

#include <capstan/controller.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrlkit.h"

/* The finalizer this controller owns (Kubernetes' FinalizerKubernetes). */
#define NS_FINALIZER "kubernetes"

/* Kubernetes' finalizerEstimateSeconds: how long content with finalizers
 * is assumed to need before it is looked at again. */
#define NS_FINALIZER_ESTIMATE_S 15

/* ---- a growable list of strings (strs.c) ---- */
typedef struct ns_strs {
	char **v;
	size_t n, cap;
	bool oom; /* an add failed: the list is incomplete */
} ns_strs;

void ns_strs_add(ns_strs *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sorted (for stable messages), then joined with sep into an owned string
 * (NULL when out of memory). */
char *ns_strs_join_sorted(ns_strs *s, const char *sep);
void ns_strs_free(ns_strs *s);

/* Counts by name (finalizer -> instances), in first-seen order. */
typedef struct ns_counts {
	char **name;
	int64_t *count;
	size_t n, cap;
	bool oom;
} ns_counts;

void ns_counts_add(ns_counts *c, const char *name, int64_t k);
void ns_counts_free(ns_counts *c);

/* ---- conditions (conditions.c), Kubernetes' namespaceConditionUpdater:
 * the failures and totals of one pass become the namespace's deletion
 * conditions, each type either True with the failure or False with its
 * "all good" reason. ---- */
typedef struct ns_conditions {
	char *discovery_failure; /* owned messages, NULL: no failure */
	ns_strs content_errors;  /* one per resource that failed */
	ns_strs remaining;       /* "pods. has 2 resource instances" */
	ns_counts finalizers;    /* finalizer -> instances still carrying it */
	bool any_remaining;
} ns_conditions;

void ns_conditions_free(ns_conditions *c);
/* Applies c to the owned namespace ns (status.conditions); returns true
 * when they changed. -1 when out of memory. */
int ns_conditions_apply(const cs_host *h, const ns_conditions *c, cs_object *ns);

/* ---- content (content.c), Kubernetes' deleteAllContent ---- */

/* Deletes every namespaced resource's objects in namespace `name` (deleted
 * at deleted_at, seconds since the epoch), records failures and what
 * remains in *c, and returns the seconds to wait before looking again
 * (0: nothing is expected to go away by itself).  *failed is set when a
 * resource could not be discovered, emptied or counted. */
int64_t ns_delete_content(cs_mod *m, const char *name, double deleted_at, ns_conditions *c,
			  bool *failed);

#endif
