/* ctrl-replicaset: shared state and the pieces the files share. */
#ifndef RS_H
#define RS_H

#include <capstan/controller.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Kubernetes' burstReplicas: at most this many creates or deletes per
 * reconcile, so one huge scale-up cannot monopolise the API. */
#define RS_BURST 500

/* client-go's ExpectationsTimeout: unobserved writes stop blocking a
 * ReplicaSet after this long (a lost watch event must not wedge it). */
#define RS_EXPECT_TIMEOUT_S 300

/* ---- expectations (expect.c), client-go's UIDTrackingControllerExpectations:
 * after issuing creates/deletes for a ReplicaSet, it is not acted on again
 * until the pods informer has delivered them, so a cache that lags the API
 * never causes extra pods.  Thread-safe: workers set them, the module thread
 * observes. ---- */
typedef struct rs_expect rs_expect;

rs_expect *rs_expect_new(void);
void rs_expect_free(rs_expect *e);
/* Before issuing n creates for key. */
void rs_expect_creations(rs_expect *e, const char *key, int n);
/* Before deleting the pods (keys "ns/name"). */
void rs_expect_deletions(rs_expect *e, const char *key, const char *const *pods, int n);
/* A create was seen by the informer, or will never be (the call failed). */
void rs_expect_created(rs_expect *e, const char *key);
/* Pod `pod` of key is gone or being deleted (counted once per pod). */
void rs_expect_deleted(rs_expect *e, const char *key, const char *pod);
/* True when key may act: everything observed, nothing expected, or the
 * expectations are older than RS_EXPECT_TIMEOUT_S.  Otherwise *wait_ms is
 * the time left until they expire. */
bool rs_expect_satisfied(rs_expect *e, const char *key, uint32_t *wait_ms);
void rs_expect_forget(rs_expect *e, const char *key);

/* ---- pods (pods.c): predicates on pods, selectors, deletion order ---- */

/* Seconds since the epoch of an RFC 3339 time, or -1 when absent or
 * malformed. */
double rs_time(const char *s);
double rs_now(void);
/* Not terminating and not in a final phase (Kubernetes' IsPodActive). */
bool rs_pod_active(const cs_host *h, const cs_object *pod);
bool rs_pod_ready(const cs_host *h, const cs_object *pod);
/* Ready for minReadySeconds as of now; when ready but not yet available,
 * *until (if not NULL) is lowered to the time it becomes available. */
bool rs_pod_available(const cs_host *h, const cs_object *pod, int64_t min_ready, double now,
		      double *until);
/* The ownerReferences entry with controller: true, or NULL. */
const cs_object *rs_controller_ref(const cs_host *h, const cs_object *obj);
/* metav1.LabelSelector semantics over a labels map (NULL: no labels).  A
 * missing or empty selector matches nothing: an apps/v1 ReplicaSet must
 * select, and adopting every pod of a namespace is never what anyone
 * meant.  *bad is set when the selector is malformed. */
bool rs_selector_matches(const cs_host *h, const cs_object *sel, const cs_object *labels,
			 bool *bad);
/* Every label of want (a map, NULL: none) is in labels with that value. */
bool rs_labels_subset(const cs_host *h, const cs_object *want, const cs_object *labels);

/* A pod in the deletion ranking: rank is the number of the ReplicaSet's
 * active pods on its node (doubled-up pods go first). */
typedef struct rs_victim {
	const cs_object *pod;
	int rank;
} rs_victim;

/* Sort so that the pods Kubernetes prefers to delete come first. */
void rs_rank_for_deletion(const cs_host *h, rs_victim *v, size_t n);

/* ---- the module (replicaset.c) ---- */
typedef struct rs_ctrl {
	cs_informer *pods; /* ours: its handlers feed the expectations */
	rs_expect *expect;
	cs_metric *created, *deleted;
} rs_ctrl;

static inline rs_ctrl *rs_of(cs_mod *m)
{
	return m->host->data(m);
}

/* ---- writes (manage.c) ---- */

/* What reconcile found for one ReplicaSet. */
typedef struct rs_view {
	const cs_object *rs; /* the cached ReplicaSet */
	const char *key, *ns, *name, *uid;
	const cs_object **owned; /* active, controlled by rs, matching */
	size_t nowned, capowned;
	const cs_object **orphans; /* active, no controller, matching */
	size_t norphans, caporphans;
	const cs_object **strays; /* controlled by rs, no longer matching */
	size_t nstrays, capstrays;
} rs_view;

/* Adopt the orphans (moved into owned on success) and release the strays.
 * Returns 0 or CS_RETRY. */
int rs_claim(cs_mod *m, rs_view *v);
/* Create or delete pods towards spec.replicas.  Returns 0 or CS_RETRY, and
 * on failure fills *why (the reason for the ReplicaFailure condition:
 * "FailedCreate" or "FailedDelete") and msg. */
int rs_manage(cs_mod *m, rs_view *v, const char **why, char *msg, size_t msglen);
/* Write status from the owned pods when it changed.  fail_reason/fail_msg:
 * the ReplicaFailure condition to set, or NULL to clear it.  Returns
 * CS_DONE, CS_RETRY, or milliseconds until a pod becomes available. */
int rs_update_status(cs_mod *m, rs_view *v, const char *fail_reason, const char *fail_msg);

/* An apiVersion/kind/metadata reference to the ReplicaSet for Events and
 * owner references (cached list items may lack apiVersion and kind). */
cs_object *rs_event_ref(const cs_host *h, const rs_view *v);

#endif
