/* The API server's built-in admission: what Kubernetes does in its
 * admission plugins rather than in a kind's defaulting and validation,
 * because it needs other objects (here: PriorityClasses). */
#ifndef CS_ADMISSION_H
#define CS_ADMISSION_H

#include <stdbool.h>

#include "json.h"
#include "status.h"
#include "types.h"

/* The built-in PriorityClasses (scheduling.k8s.io). */
#define CS_PRIORITY_SYSTEM_NODE_CRITICAL    2000001000
#define CS_PRIORITY_SYSTEM_CLUSTER_CRITICAL 2000000000

struct cs_server;

/* One write as admission sees it (module admission: core/modadmit.c). */
typedef struct cs_admit_call {
	unsigned op; /* CS_ADMIT_CREATE or CS_ADMIT_UPDATE (admission.h) */
	const cs_type *type;
	const char *resource; /* "pods", "deployments.apps" */
	const char *sub;      /* subresource or NULL */
	const char *ns;       /* NULL for cluster-scoped */
	const char *name;
	const cs_json *old; /* UPDATE: the stored object */
	bool dry_run;
} cs_admit_call;

enum cs_admit_phase { CS_ADMIT_MUTATE, CS_ADMIT_VALIDATE };

/* Mutating admission, after defaulting and before validation (sub: the
 * subresource written, or NULL; old is NULL on create):
 *  - Priority: a new pod gets spec.priority and spec.preemptionPolicy from
 *    its PriorityClass (or the globalDefault one), and an update that
 *    leaves those fields out keeps them;
 *  - DefaultTolerationSeconds: a pod written through the resource itself
 *    (create, or a PUT that resends it as first sent) tolerates the
 *    not-ready and unreachable NoExecute taints for 300 s unless it
 *    tolerates them already.
 * Returns 0, or -1 with st set (403 Forbidden, as Kubernetes). */
int cs_admit_mutate(struct cs_server *srv, const cs_type *t, const char *sub, cs_json *doc,
		    const cs_json *old, cs_status *st);
/* Validating admission, after validation: at most one globalDefault
 * PriorityClass. */
int cs_admit_validate(struct cs_server *srv, const cs_type *t, const cs_json *doc,
		      const cs_json *old, cs_status *st);
/* Objects every cluster has besides the namespaces: the system
 * PriorityClasses.  Each is a JSON text to create at bootstrap. */
extern const char *const cs_bootstrap_objects[];

#endif
