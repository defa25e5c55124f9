/* ctrl-deployment: shared declarations of the Deployment controller. */
#ifndef DEP_H
#define DEP_H

#include <capstan/controller.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrlkit.h"

#define DP_PRIMARY "deployments.apps"
#define DP_RS      "replicasets.apps"

/* Kubernetes' well-known keys. */
#define DP_HASH_LABEL   "pod-template-hash"
#define DP_REVISION     "deployment.kubernetes.io/revision"
#define DP_REV_HISTORY  "deployment.kubernetes.io/revision-history"
#define DP_DESIRED      "deployment.kubernetes.io/desired-replicas"
#define DP_MAX_REPLICAS "deployment.kubernetes.io/max-replicas"

/* Kubernetes' maxRevHistoryLengthInChars. */
#define DP_MAX_REV_HISTORY 2000

/* ---- helpers (util.c) ---- */

/* The UID of obj's controller when it is a Deployment, else NULL. */
const char *dp_deployment_owner(const cs_host *h, const cs_object *obj);
/* metav1.LabelSelector over labels; an empty selector matches nothing
 * (validation refuses it); *bad is set for a malformed one.  Unlike
 * ck_selector_matches it does not check that In/NotIn carry values and
 * Exists/DoesNotExist none: such a term just matches or not, as this
 * controller always did. */
bool dp_selector_matches(const cs_host *h, const cs_object *sel, const cs_object *labels,
			 bool *bad);

/* An annotation by key (ck_label), NULL when absent or not a string. */
const char *dp_annotation(const cs_host *h, const cs_object *obj, const char *key);
/* "metadata.annotations.<escaped key>" into buf. */
void dp_key_path(const char *prefix, const char *key, char *buf, size_t n);
/* An annotation parsed as a non-negative integer, or -1. */
int64_t dp_annotation_int(const cs_host *h, const cs_object *obj, const char *key);

/* Kubernetes' GetScaledValueFromIntOrPercent. */
int64_t dp_scaled(const cs_host *h, const cs_object *v, int64_t total, bool round_up);
bool dp_is_rolling(const cs_host *h, const cs_object *d);
bool dp_is_recreate(const cs_host *h, const cs_object *d);
int64_t dp_replicas(const cs_host *h, const cs_object *o); /* spec.replicas, default 1 */
int64_t dp_max_surge(const cs_host *h, const cs_object *d);
int64_t dp_max_unavailable(const cs_host *h, const cs_object *d);

/* The pod-template-hash of a template and collisionCount (NULL: none):
 * FNV-1a over the template's canonical JSON (sorted keys) and the count,
 * spelled with Kubernetes' SafeEncodeString alphabet.  out: 16 bytes. */
int dp_template_hash(const cs_host *h, const cs_object *tmpl, const cs_object *collision, char *out,
		     size_t n);
/* Templates equal but for the pod-template-hash label. */
bool dp_template_equal(const cs_host *h, const cs_object *a, const cs_object *b);

/* Conditions of a status map (owned, mutable).  dp_cond_set follows
 * Kubernetes' SetDeploymentCondition: an unchanged status and reason is
 * left alone; an unchanged status keeps its lastTransitionTime. */
const cs_object *dp_cond_get(const cs_host *h, const cs_object *status, const char *type);
int dp_cond_set(const cs_host *h, cs_object *status, const char *type, const char *st,
		const char *reason, const char *msg);
/* The same, but always rewritten (lastUpdateTime = now), as Kubernetes
 * does for ReplicaSetUpdated. */
int dp_cond_put(const cs_host *h, cs_object *status, const char *type, const char *st,
		const char *reason, const char *msg, bool force);
void dp_cond_remove(const cs_host *h, cs_object *status, const char *type);

/* ---- the module (deployment.c) ---- */
typedef struct dp_ctrl {
	cs_informer *rs;   /* ours: orphans wake the deployments that select them */
	cs_informer *pods; /* Recreate waits for old pods to be gone */
	cs_metric *rs_created, *rs_deleted;
} dp_ctrl;

static inline dp_ctrl *dp_of(cs_mod *m)
{
	return m->host->data(m);
}

/* ---- one reconcile (sync.c, rollout.c) ---- */

typedef struct dp_sync {
	cs_mod *m;
	const cs_host *h;
	const char *key, *ns, *name;
	const cs_object *d;    /* the deployment, latest known version */
	const cs_object **rss; /* the ReplicaSets it controls */
	size_t nrs, caprs;
	int new_idx;        /* index of the new ReplicaSet in rss, -1: none */
	int64_t requeue_ms; /* > 0: look again after this long */
} dp_sync;

/* Claim the ReplicaSets of the namespace (adopt and release by selector)
 * into s->rss.  0, or CS_RETRY. */
int dp_claim(dp_sync *s, cs_informer *rsinf);
/* FindNewReplicaSet: sets s->new_idx; with create, creates it when
 * missing; syncs revision annotations.  0 or CS_RETRY. */
int dp_new_rs(dp_sync *s, bool create);
/* Scale one ReplicaSet (replaces s->rss[i] on success); *scaled when the
 * size changed.  0 or CS_RETRY. */
int dp_scale_rs(dp_sync *s, size_t i, int64_t to, bool *scaled);
/* Delete old ReplicaSets beyond revisionHistoryLimit. */
int dp_cleanup(dp_sync *s);
/* Status from the ReplicaSets; rollout: syncRolloutStatus (Progressing
 * condition) rather than syncDeploymentStatus.  0 or CS_RETRY. */
int dp_sync_status(dp_sync *s, bool rollout);
/* The Progressing condition for a paused / resumed deployment. */
int dp_paused_conditions(dp_sync *s);

/* NewRSNewReplicas: the size the new ReplicaSet may have now. */
int64_t dp_new_rs_replicas(dp_sync *s);
/* DeploymentComplete over the deployment's current status. */
bool dp_complete(dp_sync *s);
/* A Normal/Warning Event about the deployment. */
void dp_event(dp_sync *s, const char *type, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Recreate's oldPodsRunning: a pod of an old ReplicaSet is not finished
 * (deployment.c, over the pods cache). */
bool dp_old_pods_running(dp_sync *s);

/* rollout.c */
int dp_rollout_rolling(dp_sync *s);
int dp_rollout_recreate(dp_sync *s);
/* Scaling only (paused deployments, scaling events). */
int dp_sync_scale(dp_sync *s);
bool dp_is_scaling_event(dp_sync *s);

/* Sums over ReplicaSets (skip: an index to leave out, -1 none). */
int64_t dp_sum(dp_sync *s, const char *path, int skip);
static inline const cs_object *dp_new(const dp_sync *s)
{
	return s->new_idx >= 0 ? s->rss[s->new_idx] : NULL;
}

#endif
