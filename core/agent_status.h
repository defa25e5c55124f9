/* The objects the node agent writes, built from plain inputs so they can
 * be tested without a server or a runtime: the Node, its status and
 * Lease, and a Pod's status from what the runtime reports of its
 * containers (the kubelet's generateAPIPodStatus). */
#ifndef CS_AGENT_STATUS_H
#define CS_AGENT_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

typedef struct cs_agent_nodeinfo {
	const char *name;
	const char *internal_ip;
	/* capacity (= allocatable): Kubernetes quantities */
	const char *cpu, *memory, *pods, *ephemeral_storage;
	const char *runtime_version; /* "<name>://<version>" */
	const char *kernel_version, *os_image, *arch, *machine_id, *boot_id;
} cs_agent_nodeinfo;

/* The Node as first created (metadata.labels, spec; the API drops the
 * status of a create). */
cs_json *cs_agent_node_object(const cs_agent_nodeinfo *ni);
/* Node.status: capacity, allocatable, the four conditions (heartbeat
 * `now`; lastTransitionTime kept from old_status when the condition's
 * status did not change, else `since`, else `now`), addresses,
 * daemonEndpoints, nodeInfo. */
cs_json *cs_agent_node_status(const cs_agent_nodeinfo *ni, const char *now, const char *since,
			      const cs_json *old_status);
/* The labels a node carries (kubernetes.io/hostname, os, arch). */
cs_json *cs_agent_node_labels(const cs_agent_nodeinfo *ni);
/* coordination.k8s.io/v1 Lease of the node in kube-node-lease.
 * renew: MicroTime text. */
cs_json *cs_agent_lease(const char *node, const char *renew);
#define CS_AGENT_LEASE_SECONDS 40

/* Time text: RFC 3339 seconds ("2026-01-02T03:04:05Z") and MicroTime
 * ("2026-01-02T03:04:05.123456Z") of a CLOCK_REALTIME value in ns. */
void cs_agent_time(int64_t ns, char out[32]);
void cs_agent_microtime(int64_t ns, char out[40]);
int64_t cs_agent_now_ns(void);

/* One container as the runtime and the agent see it. */
enum cs_agent_cstate { CS_CTR_WAITING, CS_CTR_RUNNING, CS_CTR_EXITED };
typedef struct cs_agent_ctr {
	const char *name, *image;
	const char *image_id;     /* the runtime's image ref, NULL before the pull */
	const char *container_id; /* "<runtime>://<id>", NULL before create */
	enum cs_agent_cstate state;
	const char *reason, *message; /* waiting: why; exited: Completed/Error/... */
	int64_t started_ns, finished_ns;
	int exit_code;
	unsigned restarts;
	/* the previous run, once the container was restarted */
	bool has_last;
	int last_exit;
	int64_t last_started_ns, last_finished_ns;
	const char *last_reason, *last_id;
} cs_agent_ctr;

typedef struct cs_agent_podview {
	const char *host_ip, *pod_ip;
	const cs_agent_ctr *init; /* spec.initContainers order */
	size_t ninit;
	const cs_agent_ctr *ctrs; /* spec.containers order */
	size_t nctrs;
} cs_agent_podview;

/* kubelet's getPhase: Pending, Running, Succeeded or Failed. */
const char *cs_agent_pod_phase(const char *restart_policy, const cs_agent_podview *v);
/* The pod's new status: its current status (fields the agent does not own
 * are kept: qosClass, nominatedNodeName, other conditions) with phase,
 * conditions, IPs, startTime and container statuses from v.  `now` is
 * the time text for transitions. */
cs_json *cs_agent_pod_status(const cs_json *pod, const cs_agent_podview *v, const char *now);
/* A placeholder pod IP from a counter: 10.64.0.0/10, never 0 or 255 in
 * the last octet. */
void cs_agent_fake_ip(uint32_t n, char out[16]);

#endif
