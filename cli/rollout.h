/* What capctl rollout decides without the network, kubectl's way: the
 * status line of a deployment, the ReplicaSet of a revision, the history
 * table, the rollback patch.  No I/O but the FILE given (unit-tested). */
#ifndef CS_CTL_ROLLOUT_H
#define CS_CTL_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "json.h"

#define CS_CTL_REVISION_ANN "deployment.kubernetes.io/revision"
#define CS_CTL_CHANGE_CAUSE "kubernetes.io/change-cause"
#define CS_CTL_HASH_LABEL   "pod-template-hash"
#define CS_CTL_RESTARTED_AT "kubectl.kubernetes.io/restartedAt"

typedef enum {
	CS_ROLLOUT_WAITING = 0, /* msg says what for */
	CS_ROLLOUT_DONE = 1,    /* msg: "deployment \"web\" successfully rolled out" */
	CS_ROLLOUT_FAILED = 2,  /* msg: the error (progress deadline exceeded) */
} cs_ctl_rollout_state;

/* kubectl's status viewers (Deployment, DaemonSet, StatefulSet, by the
 * object's kind); msg gets one line without its newline. */
cs_ctl_rollout_state cs_ctl_rollout_status(const cs_json *d, char *msg, size_t len);
/* Whether rollout status knows the kind. */
bool cs_ctl_rollout_has_status(const char *kind);

/* The revision annotation of a ReplicaSet, or -1 when absent or not a
 * number. */
long long cs_ctl_rs_revision(const cs_json *rs);

/* The ReplicaSets (array) that deployment d controls (by UID), as a new
 * array of borrowed-then-cloned objects. */
cs_json *cs_ctl_owned_rss(const cs_json *d, const cs_json *rss);

/* kubectl's deploymentRevision: to_revision 0 is the one before the
 * newest.  Returns a ReplicaSet of owned (borrowed), or NULL with err set
 * to kubectl's message. */
const cs_json *cs_ctl_revision_rs(const cs_json *owned, const char *name, long to_revision,
				  char *err, size_t errlen);

/* The JSON patch that restores rs's template (without the hash label) and
 * annotations onto d, as kubectl rollout undo sends it.  NULL when the
 * template already matches (then *skipped is set). */
cs_json *cs_ctl_undo_patch(const cs_json *d, const cs_json *rs, bool *skipped);

/* "REVISION  CHANGE-CAUSE" and a row per revision, oldest first. */
void cs_ctl_history_table(FILE *f, const cs_json *owned);

/* kubectl's printTemplate: the pod template of a revision. */
void cs_ctl_print_template(FILE *f, const cs_json *tmpl);

#endif
