/* Internals shared by the node agent's files: agent.c (lifecycle, node
 * registration, leases) and agent_pods.c (the pod sync loop). */
#ifndef CS_AGENT_INT_H
#define CS_AGENT_INT_H

#include <capstan/runtime.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "agent.h"
#include "agent_status.h"
#include "json.h"

struct agent_node {
	char name[64];
	char ip[16];
	char uid[40];   /* the Node's uid, for the Lease's ownerReference */
	char since[32]; /* lastTransitionTime of the conditions */
	int64_t lease_due, status_due, retry_due; /* ms, monotonic */
	atomic_int state;                         /* enum node_state (agent.c) */
	atomic_bool lease_known;                  /* the Lease exists */
	atomic_bool lease_busy;                   /* a lease write is in flight */
	atomic_bool status_busy;
};

struct agent_pods;

struct cs_agent {
	cs_client *api;
	cs_modhost *mods;
	cs_mod *rt; /* the runtime module instance and its ops */
	const cs_runtime_ops *ops;
	char runtime[64]; /* ops->runtime_name: "<runtime>://id" */
	bool hollow;

	struct agent_node *nodes;
	size_t nnodes;
	uint32_t *set; /* open addressing: node index + 1, 0 empty */
	size_t setcap;
	cs_agent_nodeinfo info; /* shared fields; name and ip per node */
	char cpu[32], memory[32], eph[32], kernel[128], os_image[128], arch[32], machine_id[40],
		boot_id[40], runtime_version[160];

	pthread_mutex_t mu; /* stopping, inflight; cv signals both */
	pthread_cond_t cv;
	bool stopping;
	unsigned inflight;
	atomic_uint registered;
	pthread_t heartbeat;
	bool heartbeat_started;

	struct agent_pods *pods;
};

/* Index of a node this agent serves, -1 for any other name. */
int agent_node_index(const cs_agent *a, const char *name);
int64_t agent_mono_ms(void);
/* An asynchronous API request counted as in flight until done returned
 * (cs_agent_stop waits for none).  body may be NULL; done runs on a
 * transport thread and must be short. */
void agent_request(cs_agent *a, const char *method, const char *path, const cs_json *body,
		   const char *ctype, cs_client_done_fn done, void *arg);
/* Wait until fewer than max requests are in flight; false when stopping. */
bool agent_throttle(cs_agent *a, unsigned max);

/* agent_pods.c */
int agent_pods_start(cs_agent *a, char *err, size_t errlen);
void agent_pods_stop(cs_agent *a);

#endif
