/* ctrlkit: helpers the in-tree controller modules share (Kubernetes'
 * controller utilities).  Not a module: the Makefile compiles the .c files
 * of modules/common into every ctrl-* module, each .so with its own hidden
 * copy (-fvisibility=hidden), so it adds nothing to the module ABI.  Like
 * any module code it uses nothing but the SDK headers and libc. */
#ifndef CTRLKIT_H
#define CTRLKIT_H

#include <capstan/controller.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- strings and times (ck_time.c) ---- */

/* s is not NULL and equals want. */
bool ck_str_is(const char *s, const char *want);
/* Seconds since the epoch of an RFC 3339 time, or -1 when absent or
 * malformed. */
double ck_time(const char *s);
/* Wall-clock seconds since the epoch. */
double ck_now(void);
/* t (seconds since the epoch) as Kubernetes writes times, to whole
 * seconds: "2006-01-02T15:04:05Z".  n should be at least 21. */
void ck_fmt_time(double t, char *buf, size_t n);
/* The current time, as ck_fmt_time. */
void ck_rfc3339_now(char *buf, size_t n);
/* Split a queue key "ns/name" into ns (copied, NUL-terminated) and *name
 * (pointing into key).  False when key has no '/' or ns does not fit. */
bool ck_split_key(const char *key, char *ns, size_t nslen, const char **name);

/* ---- pods, labels, selectors, owners (ck_pods.c) ---- */

/* Not terminating and not in a final phase (Kubernetes' IsPodActive). */
bool ck_pod_active(const cs_host *h, const cs_object *pod);
/* The pod's first Ready condition, or NULL. */
const cs_object *ck_pod_ready_cond(const cs_host *h, const cs_object *pod);
/* The Ready condition is True (Kubernetes' IsPodReady). */
bool ck_pod_ready(const cs_host *h, const cs_object *pod);
/* Ready for min_ready seconds as of now (IsPodAvailable); when ready but
 * not yet available, *until (if not NULL) is lowered to the time it
 * becomes available.  Ready since an unknown time: not available. */
bool ck_pod_available(const cs_host *h, const cs_object *pod, int64_t min_ready, double now,
		      double *until);
/* The ownerReferences entry with controller: true, or NULL. */
const cs_object *ck_controller_ref(const cs_host *h, const cs_object *obj);
/* labels[key] when it is a string, else NULL; through the map's keys,
 * since label keys contain '.' and '/', which a path would have to
 * escape.  Serves any string map (annotations too). */
const char *ck_label(const cs_host *h, const cs_object *labels, const char *key);
/* Every label of want (a map, NULL: none) is in labels with that value. */
bool ck_labels_subset(const cs_host *h, const cs_object *want, const cs_object *labels);
/* metav1.LabelSelector semantics over a labels map (NULL: no labels), as
 * LabelSelectorAsSelector validates it: In/NotIn need values,
 * Exists/DoesNotExist take none.  A missing or empty selector matches
 * nothing (an apps/v1 workload must select; adopting every pod of a
 * namespace is never what anyone meant).  *bad is set when the selector is
 * malformed. */
bool ck_selector_matches(const cs_host *h, const cs_object *sel, const cs_object *labels,
			 bool *bad);

/* ---- expectations (ck_expect.c), client-go's
 * UIDTrackingControllerExpectations: after issuing creates/deletes for an
 * object (by key), it is not acted on again until the informer has
 * delivered them, so a cache that lags the API never causes extra pods.
 * Thread-safe: workers set them, the module thread observes. ---- */

/* client-go's ExpectationsTimeout: unobserved writes stop blocking an
 * object after this long (a lost watch event must not wedge it). */
#define CK_EXPECT_TIMEOUT_S 300

typedef struct ck_expect ck_expect;

ck_expect *ck_expect_new(void);
void ck_expect_free(ck_expect *e);
/* Before issuing `adds` creates and deleting the n pods (keys "ns/name")
 * for key; replaces what key expected before. */
void ck_expect_set(ck_expect *e, const char *key, int adds, const char *const *pods, int n);
/* A create was seen by the informer, or will never be (the call failed). */
void ck_expect_created(ck_expect *e, const char *key);
/* Pod `pod` of key is gone or being deleted (counted once per pod). */
void ck_expect_deleted(ck_expect *e, const char *key, const char *pod);
/* True when key may act: everything observed, nothing expected, or the
 * expectations are older than CK_EXPECT_TIMEOUT_S.  Otherwise *wait_ms is
 * the time left until they expire. */
bool ck_expect_satisfied(ck_expect *e, const char *key, uint32_t *wait_ms);
void ck_expect_forget(ck_expect *e, const char *key);

/* ---- adopting and releasing (ck_owners.c) ---- */

/* An ownerReference; controller also sets blockOwnerDeletion.  Owned, or
 * NULL when out of memory. */
cs_object *ck_owner_ref(const cs_host *h, const char *api_version, const char *kind,
			const char *name, const char *uid, bool controller);
/* A merge patch of obj's (of resource) ownerReferences: every reference but
 * the owner's (owner_uid), plus ours (taken) when adopting; conditional on
 * obj's resourceVersion, so that a concurrent change of the references is
 * not overwritten.  Returns 0 or the failure code with err. */
int ck_patch_owners(cs_mod *m, const char *resource, const cs_object *obj, const char *owner_uid,
		    bool adopt, cs_object *ours, const cs_object **out, cs_error *err);
/* Kubernetes re-reads the owner before adopting: the cache may still hold
 * one that was deleted or replaced by a namesake.  True when the API has
 * resource ns/name with this uid, not being deleted; a failure other than
 * 404 is logged (what: "pods", "replica sets"). */
bool ck_owner_current(cs_mod *m, const char *resource, const char *ns, const char *name,
		      const char *uid, const char *what);

#endif
