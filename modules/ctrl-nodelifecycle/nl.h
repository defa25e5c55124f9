/* ctrl-nodelifecycle: shared state of the node lifecycle controller.
 *
 * Reconciles run on one worker thread (the controller's queue has one
 * worker); the monitor timer runs on the module thread.  What both touch
 * (zones, per-node health, scheduled evictions) is under nl->mu. */
#ifndef NL_H
#define NL_H

#include <capstan/controller.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define TAINT_NOT_READY   "node.kubernetes.io/not-ready"
#define TAINT_UNREACHABLE "node.kubernetes.io/unreachable"

/* ---- a string-keyed map (map.c) ---- */
typedef struct nl_entry {
	char *key;
	void *val;
	struct nl_entry *next;
} nl_entry;

typedef struct nl_map {
	nl_entry **b;
	size_t nb, len;
} nl_map;

int nl_map_init(nl_map *m);
/* free_val (may be NULL) is called on every value. */
void nl_map_free(nl_map *m, void (*free_val)(void *));
void *nl_map_get(const nl_map *m, const char *key);
/* Stores val under key (replacing nothing: the key must be absent). */
int nl_map_put(nl_map *m, const char *key, void *val);
/* Removes key and returns its value (NULL when absent). */
void *nl_map_take(nl_map *m, const char *key);
/* Calls fn on each entry; fn returns true to remove it (it then frees the
 * value itself). */
void nl_map_filter(nl_map *m, bool (*fn)(void *arg, const char *key, void *val), void *arg);

/* ---- time ---- */
uint64_t nl_mono_ms(void);
void nl_rfc3339_now(char buf[32]);

/* ---- zones (zones.c): Kubernetes' per-zone eviction rate limiting ---- */
enum nl_zone_state { ZONE_NORMAL, ZONE_PARTIAL, ZONE_FULL };

typedef struct nl_zone {
	enum nl_zone_state state;
	double rate;      /* NoExecute taints per second */
	double tokens;    /* token bucket of burst 1 */
	uint64_t last_ms; /* of the last refill */
	bool seen;        /* in the last monitor pass */
} nl_zone;

/* ---- per node health (what the monitor saw last) ---- */
typedef struct nl_health {
	uint64_t probe_ms; /* when a heartbeat was last seen to change */
	char *renew;       /* the Lease's spec.renewTime */
	char *heartbeat;   /* the Ready condition's lastHeartbeatTime */
	char ready;        /* last Ready status seen: 'T', 'F', 'U', or 0 */
	uint64_t since_ms; /* when that status was first seen */
} nl_health;

/* A pod's eviction, waiting for its tolerationSeconds. */
typedef struct nl_eviction {
	uint64_t since_ms;
	char *node;
} nl_eviction;

typedef struct nl_ctrl {
	cs_informer *nodes, *leases, *pods;
	cs_timer *monitor;
	pthread_mutex_t mu;
	nl_map zones;       /* zone key -> nl_zone */
	nl_map health;      /* node name -> nl_health */
	nl_map evictions;   /* pod uid -> nl_eviction */
	bool all_disrupted; /* every zone fully disrupted: no NoExecute taints */
	uint64_t zones_ms;  /* when the zones were last computed */
	/* options */
	uint32_t period_ms, grace_ms, startup_grace_ms;
	double rate, secondary_rate, unhealthy_threshold;
	int64_t large_cluster;
	cs_metric *m_evicted, *m_tainted;
} nl_ctrl;

static inline nl_ctrl *nl_of(cs_mod *m)
{
	return m->host->data(m);
}

/* zones.c */
/* "region:zone" of a node (empty for neither). */
void nl_zone_key(const cs_host *h, const cs_object *node, char *buf, size_t n);
/* Recompute the zones' states and rates from the node cache (module
 * thread). */
void nl_zones_update(cs_mod *m);
/* Take the token for one NoExecute taint in zone: 0, or the milliseconds
 * to wait for one. */
uint32_t nl_zone_take(cs_mod *m, const char *zone);
/* The Ready condition's status of a node: 'T', 'F', 'U', or 0 (none). */
char nl_ready_status(const cs_host *h, const cs_object *node);

/* taints.c */
/* Bring the controller's taints of the node in line with its conditions;
 * *node is replaced by the written object.  since_ms: when the node's
 * Ready status was first seen as it is.  Returns CS_DONE, CS_RETRY or
 * milliseconds to wait for the zone's eviction rate. */
int nl_taint(cs_mod *m, const cs_object **node, uint64_t since_ms);
/* Does toleration tol tolerate taint (Kubernetes' ToleratesTaint)? */
bool nl_tolerates(const cs_host *h, const cs_object *tol, const cs_object *taint);

/* evict.c */
/* MarkPodsNotReady for the pods of a node that is not ready. */
int nl_mark_pods_not_ready(cs_mod *m, const char *node);
/* Taint-based eviction of the pods of node: CS_DONE, CS_RETRY, or the
 * milliseconds until the next toleration runs out. */
int nl_evict(cs_mod *m, const cs_object *node);
void nl_eviction_free(void *e);
/* Forget the evictions scheduled on a node that is gone. */
void nl_evictions_forget_node(cs_mod *m, const char *node);

#endif
