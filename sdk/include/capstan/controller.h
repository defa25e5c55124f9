/* capstan module ABI v1: controllers.
 *
 * A controller module reconciles one primary resource.  The host wires it
 * the way controller-runtime's For()/Owns() does:
 *  - an informer on `primary` enqueues the key of every object that is
 *    added, updated, deleted or resynced;
 *  - an informer on each resource in `owns` enqueues the key of the object's
 *    controlling owner (ownerReferences[] with controller: true) when that
 *    owner is of the primary kind;
 *  - `workers` threads take keys off one rate-limited keyed queue (module.h,
 *    work queues) and call reconcile(key).
 * Keys are "NAMESPACE/NAME", or "NAME" for cluster-scoped resources.
 *
 * Reconcile is level-triggered: read the desired state from the caches
 * (controller_informer + cache_get/cache_each), compare with what exists,
 * write through the API, and return.  It must not assume why it was called.
 * A key is never reconciled by two workers at once; different keys are, in
 * parallel, when workers > 1 (then reconcile must be thread-safe).
 * Returning CS_RETRY re-queues the key with exponential backoff; a positive
 * value re-queues it after that many milliseconds; CS_DONE forgets it. */
#ifndef CAPSTAN_CONTROLLER_H
#define CAPSTAN_CONTROLLER_H

#include <capstan/module.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cs_controller_ops {
	size_t size; /* sizeof(cs_controller_ops) */
	/* RESOURCE[.GROUP] whose objects are reconciled: "replicasets.apps". */
	const char *primary;
	/* NULL-terminated list of resources whose changes wake their owner,
	 * or NULL. */
	const char *const *owns;
	/* Reconcile threads (0 means 1). */
	unsigned workers;
	/* Called on a worker thread; see above. */
	int (*reconcile)(cs_mod *m, const char *key);
	/* Resync period of the primary informer in seconds (0: never). */
	unsigned resync_seconds;
} cs_controller_ops;

/* Wrappers over cs_host.controller_informer / controller_queue: the
 * informers and the queue the host made for this controller, available
 * from init on (the host wires them before calling init). */

/* The informer the host runs for `resource` (the primary or one of
 * `owns`), or NULL. */
static inline cs_informer *cs_controller_informer(cs_mod *m, const char *resource)
{
	return m->host->controller_informer(m, resource);
}

/* Queue a key for reconcile (after delay_ms when not 0). */
static inline void cs_controller_enqueue(cs_mod *m, const char *key, uint32_t delay_ms)
{
	cs_queue *q = m->host->controller_queue(m);
	if (!q)
		return;
	if (delay_ms)
		m->host->queue_add_after(q, key, delay_ms);
	else
		m->host->queue_add(q, key);
}

#ifdef __cplusplus
}
#endif

#endif
