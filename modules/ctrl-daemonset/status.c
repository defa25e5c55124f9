/* The DaemonSet's status, as Kubernetes' updateDaemonSetStatus counts it:
 * per node that should run the daemon, whether it has a pod (current),
 * whether the oldest one is ready, available and of the current revision;
 * per node that should not, whether it has one anyway (misscheduled). */
#include <stdio.h>
#include <string.h>

#include "ds.h"

static bool changed(const cs_host *h, const cs_object *old, const cs_object *now)
{
	static const char *const fields[] = {"desiredNumberScheduled", "currentNumberScheduled",
					     "numberMisscheduled",     "numberReady",
					     "updatedNumberScheduled", "numberAvailable",
					     "numberUnavailable",      "observedGeneration",
					     "collisionCount"};
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		if (h->obj_int(old, fields[i], -1) != h->obj_int(now, fields[i], -1))
			return true;
	return false;
}

/* Kubernetes writes the four "number scheduled" counts always and leaves
 * the other zero counts out (omitempty). */
static int set_count(const cs_host *h, cs_object *o, const char *path, int64_t n, bool always)
{
	if (n || always)
		return h->obj_set_int(o, path, n);
	h->obj_remove(o, path);
	return 0;
}

int ds_update_status(cs_mod *m, ds_view *v, bool observe)
{
	const cs_host *h = m->host;
	int64_t mrs = h->obj_int(v->ds, "spec.minReadySeconds", 0);
	int64_t desired = 0, current = 0, mis = 0, ready = 0, updated = 0, avail = 0;
	double now = ck_now(), until = now + 1e12;
	for (size_t i = 0; i < v->nslots; i++) {
		const ds_slot *s = &v->slots[i];
		if (!s->nodeobj)
			continue; /* counted over the nodes that exist */
		bool scheduled = s->pods.n > 0;
		if (!s->run) {
			mis += scheduled;
			continue;
		}
		desired++;
		if (!scheduled)
			continue;
		current++;
		const cs_object *pod = s->pods.v[0]; /* the oldest */
		if (ck_pod_ready(h, pod)) {
			ready++;
			avail += ck_pod_available(h, pod, mrs, now, &until);
		}
		updated += ds_pod_updated(h, pod, v->hash, v->generation);
	}
	int64_t gen = h->obj_int(v->ds, "metadata.generation", 0);
	int64_t observed = h->obj_int(v->ds, "status.observedGeneration", 0);
	cs_object *ds = h->obj_clone(v->ds);
	if (!ds || h->obj_set_str(ds, "apiVersion", "apps/v1") ||
	    h->obj_set_str(ds, "kind", "DaemonSet") ||
	    set_count(h, ds, "status.desiredNumberScheduled", desired, true) ||
	    set_count(h, ds, "status.currentNumberScheduled", current, true) ||
	    set_count(h, ds, "status.numberMisscheduled", mis, true) ||
	    set_count(h, ds, "status.numberReady", ready, true) ||
	    set_count(h, ds, "status.updatedNumberScheduled", updated, false) ||
	    set_count(h, ds, "status.numberAvailable", avail, false) ||
	    set_count(h, ds, "status.numberUnavailable", desired - avail, false) ||
	    set_count(h, ds, "status.observedGeneration", observe ? gen : observed, false)) {
		h->obj_free(ds);
		h->log(m, CS_LOG_WARN, "daemonset %s: cannot build its status: out of memory",
		       v->key);
		return CS_RETRY;
	}
	int rc = CS_DONE;
	if (changed(h, h->obj_get(v->ds, "status"), h->obj_get(ds, "status"))) {
		cs_error err;
		int code = cs_api_update(m, PRIMARY "/status", ds, NULL, &err);
		if (code == CS_CONFLICT) {
			/* The cache is behind: its update event is on its way. */
			h->log(m, CS_LOG_DEBUG, "daemonset %s: status update conflicted", v->key);
			rc = CS_RETRY;
		} else if (code && code != CS_NOT_FOUND) {
			h->log(m, CS_LOG_WARN,
			       "daemonset %s: updating its status failed (%d %s): %s", v->key, code,
			       err.reason, err.message);
			rc = CS_RETRY;
		}
	}
	h->obj_free(ds);
	/* Availability is a matter of time: look again when the next ready
	 * pod has been ready for minReadySeconds. */
	if (rc == CS_DONE && until < now + 1e12) {
		double ms = (until - now) * 1000 + 1;
		rc = ms < 1 ? 1 : ms > 86400000 ? 86400000 : (int)ms;
	}
	return rc;
}
