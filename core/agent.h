/* The node agent (the kubelet's role): registers this process's Node(s),
 * keeps their Leases and Ready condition fresh, and runs the Pods bound to
 * them through the container runtime module (runtime.h), writing their
 * status back through the API.
 *
 * One agent serves either one node (--node-name) or N hollow nodes
 * (--hollow-nodes N: "hollow-0" .. "hollow-<N-1>", simulated capacity, the
 * role of kubemark/kwok).  Either way it talks to the server only through
 * the API client it is given (HTTP in role agent, in-process in role all)
 * and to the runtime only through the runtime module's ops table. */
#ifndef CS_AGENT_H
#define CS_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "module.h"

/* Upper bound of --hollow-nodes: far above what one process is sized for
 * (5,000), low enough that a typo is caught. */
#define CS_AGENT_MAX_HOLLOW 100000

typedef struct cs_agent cs_agent;

typedef struct cs_agent_opts {
	cs_client *api;
	cs_modhost *mods;
	const char *node_name; /* the one node served when hollow == 0 */
	unsigned hollow;       /* number of hollow nodes, 0: none */
	const char *data_dir;  /* for the node's ephemeral-storage capacity */
} cs_agent_opts;

/* Parse the --hollow-nodes value: a decimal 1..CS_AGENT_MAX_HOLLOW.
 * -1 with a one-line reason in err. */
int cs_agent_parse_hollow(const char *s, unsigned *out, char *err, size_t errlen);

/* The runtime module the agent would drive (the first running module of
 * kind runtime), NULL when there is none. */
const char *cs_agent_runtime_name(cs_modhost *mods);

/* Start: find the runtime, register the node(s) and start the heartbeat
 * and pod threads.  -1 with err when there is no runtime module. */
int cs_agent_start(cs_agent **out, const cs_agent_opts *o, char *err, size_t errlen);
/* Stop every thread (no request of the agent is in flight when it
 * returns) and free.  Runtime sandboxes are left as they are, as a
 * restarting kubelet leaves its containers.  NULL is fine. */
void cs_agent_stop(cs_agent *a);

#endif
