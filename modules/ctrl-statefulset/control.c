/* One sync of a StatefulSet, as Kubernetes' defaultStatefulSetControl
 * (updateStatefulSet): fill every ordinal of [start, start+replicas) with a
 * pod, in order and one at a time unless podManagementPolicy is Parallel;
 * replace pods that finished; delete the ordinals beyond the range from
 * the highest; roll pods to the update revision from the highest ordinal
 * down to the partition, one at a time or, with rollingUpdate.maxUnavailable,
 * that many at a time; and write the status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts.h"

void sts_pod_event(cs_mod *m, sts_view *v, const char *verb, const char *pod, const char *err)
{
	const cs_host *h = m->host;
	const char *reason = !strcmp(verb, "create") ? (err ? "FailedCreate" : "SuccessfulCreate")
			     : !strcmp(verb, "delete")
				     ? (err ? "FailedDelete" : "SuccessfulDelete")
				     : (err ? "FailedUpdate" : "SuccessfulUpdate");
	if (!err)
		h->event(m, v->ref, "Normal", reason, "%s Pod %s in StatefulSet %s successful",
			 verb, pod, v->name);
	else
		h->event(m, v->ref, "Warning", reason,
			 "%s Pod %s in StatefulSet %s failed error: %s", verb, pod, v->name, err);
}

typedef struct slot {
	const cs_object *pod; /* cached (borrowed from the view) or built (owned) */
	bool created;
	int ord;
} slot;

typedef struct sync {
	cs_mod *m;
	sts_view *v;
	const cs_host *h;
	slot *slots;
	int64_t nslots;
	const cs_object **condemned; /* by descending ordinal */
	size_t ncond, capcond;
	const cs_object *first_unhealthy;
	bool monotonic;
	int64_t min_ready;
	double now, until; /* until: the next time a pod becomes available */
	int rc;
	int current_deleted; /* currentReplicas lost to the update this sync */
} sync;

static const char *pod_name(const cs_host *h, const cs_object *pod)
{
	return h->obj_str(pod, "metadata.name") ?: "";
}

static const char *pod_revision(const cs_host *h, const cs_object *pod)
{
	return ck_label(h, h->obj_get(pod, "metadata.labels"), LABEL_REVISION);
}

static bool available(sync *s, const cs_object *pod)
{
	return sts_available(s->h, pod, s->min_ready, s->now, &s->until);
}

/* Delete with the uid as precondition: the name may already belong to a
 * newer pod the cache has not shown yet. */
static int delete_pod(sync *s, const cs_object *pod)
{
	cs_mod *m = s->m;
	const cs_host *h = s->h;
	const char *name = pod_name(h, pod);
	cs_object *opts = h->obj_new(CS_OBJ_MAP);
	const char *uid = h->obj_str(pod, "metadata.uid");
	if (!opts || (uid && h->obj_set_str(opts, "preconditions.uid", uid))) {
		h->obj_free(opts);
		h->log(m, CS_LOG_WARN, "statefulset %s: cannot delete pod %s: out of memory",
		       s->v->key, name);
		return CS_RETRY;
	}
	cs_request r = {.verb = CS_VERB_DELETE,
			.resource = "pods",
			.ns = s->v->ns,
			.name = name,
			.body = opts};
	cs_error err;
	int code = h->call(m, &r, NULL, &err);
	h->obj_free(opts);
	if (code == CS_NOT_FOUND || code == CS_CONFLICT)
		return 0; /* already gone, or replaced: the cache will tell */
	sts_pod_event(m, s->v, "delete", name, code ? err.message : NULL);
	if (code) {
		h->log(m, CS_LOG_WARN, "statefulset %s: deleting pod %s failed (%d %s): %s",
		       s->v->key, name, code, err.reason, err.message);
		return CS_RETRY;
	}
	h->metric_add(sts_of(m)->deleted, 1);
	h->log(m, CS_LOG_INFO, "statefulset %s: deleted pod %s", s->v->key, name);
	return 0;
}

static int create_pod(sync *s, slot *sl)
{
	cs_mod *m = s->m;
	const cs_host *h = s->h;
	sts_view *v = s->v;
	const char *name = pod_name(h, sl->pod);
	if (sts_create_claims(m, v, name, sl->ord))
		return CS_RETRY;
	const cs_object *got = NULL;
	cs_error err;
	int code = cs_api_create(m, "pods", v->ns, sl->pod, &got, &err);
	if (code == CS_CONFLICT && !strcmp(err.reason, "AlreadyExists")) {
		/* The cache is behind our own create, or the name is taken
		 * by a pod that is not ours: either way, not an event. */
		h->log(m, CS_LOG_DEBUG, "statefulset %s: pod %s already exists", v->key, name);
		return CS_RETRY;
	}
	sts_pod_event(m, v, "create", name, code ? err.message : NULL);
	if (code) {
		h->log(m, CS_LOG_WARN, "statefulset %s: creating pod %s failed (%d %s): %s", v->key,
		       name, code, err.reason, err.message);
		return CS_RETRY;
	}
	h->metric_add(sts_of(m)->created, 1);
	h->log(m, CS_LOG_INFO, "statefulset %s: created pod %s", v->key, name);
	int rc = sts_claims_retention(m, v, got, sl->ord);
	h->obj_free(got);
	return rc;
}

/* Kubernetes' processReplica: true when the sync must stop here. */
static bool process_replica(sync *s, slot *sl)
{
	const cs_host *h = s->h;
	cs_mod *m = s->m;
	const cs_object *pod = sl->pod;
	if (sl->created && sts_finished(h, pod)) {
		/* A pod that ran to completion or failed is replaced by a new
		 * one of the same name once it is gone. */
		if (!sts_terminating(h, pod)) {
			h->log(m, CS_LOG_INFO,
			       "statefulset %s: pod %s is %s, deleting it to recreate it",
			       s->v->key, pod_name(h, pod), h->obj_str(pod, "status.phase"));
			if (delete_pod(s, pod))
				s->rc = CS_RETRY;
		}
		return s->monotonic;
	}
	if (!sl->created) {
		if (sts_claim_stale(m, s->v, sl->ord)) {
			h->log(m, CS_LOG_DEBUG,
			       "statefulset %s: a claim of pod %s still belongs to its predecessor",
			       s->v->key, pod_name(h, pod));
			s->rc = CS_RETRY;
			return s->monotonic;
		}
		if (create_pod(s, sl)) {
			s->rc = CS_RETRY;
			return true;
		}
		return s->monotonic;
	}
	if (ck_str_is(h->obj_str(pod, "status.phase"), "Pending") &&
	    sts_create_claims(m, s->v, pod_name(h, pod), sl->ord)) {
		s->rc = CS_RETRY;
		return true;
	}
	if (s->monotonic &&
	    (sts_terminating(h, pod) || !sts_running_ready(h, pod) || !available(s, pod)))
		return true; /* its successors wait for it */
	if (sts_claims_retention(m, s->v, pod, sl->ord))
		s->rc = CS_RETRY;
	if (!sts_identity_matches(h, s->v, pod, sl->ord) ||
	    !sts_storage_matches(h, s->v, pod, sl->ord)) {
		if (sts_fix_pod(m, s->v, pod, sl->ord)) {
			s->rc = CS_RETRY;
			return true;
		}
	}
	return false;
}

/* Kubernetes' processCondemned. */
static bool process_condemned(sync *s, const cs_object *pod)
{
	const cs_host *h = s->h;
	if (sts_terminating(h, pod))
		return s->monotonic; /* wait for it to be gone */
	if (s->monotonic && pod != s->first_unhealthy &&
	    (!sts_running_ready(h, pod) || !available(s, pod)))
		return true;
	h->log(s->m, CS_LOG_INFO, "statefulset %s: pod %s is terminating for scale down", s->v->key,
	       pod_name(h, pod));
	if (delete_pod(s, pod))
		s->rc = CS_RETRY;
	return s->monotonic;
}

/* getStatefulSetMaxUnavailable: an integer, or a percentage of the
 * replicas rounded down; never less than 1. */
static int64_t max_unavailable(const cs_host *h, const cs_object *mu, int64_t replicas)
{
	int64_t n = 1;
	if (h->obj_type(mu) == CS_OBJ_NUMBER) {
		n = h->obj_int(mu, NULL, 1);
	} else if (h->obj_type(mu) == CS_OBJ_STRING) {
		const char *t = h->obj_str(mu, NULL);
		char *end;
		long pct = strtol(t, &end, 10);
		if (end != t && !strcmp(end, "%"))
			n = (int64_t)pct * replicas / 100;
	}
	return n < 1 ? 1 : n;
}

/* The rolling update with spec.updateStrategy.rollingUpdate.maxUnavailable
 * (Kubernetes' MaxUnavailableStatefulSet): with fewer than maxUnavailable
 * pods unhealthy, delete up to the difference of the pods not at the
 * update revision, highest ordinal first, down to the partition. */
static void rolling_update_max_unavailable(sync *s, const cs_object *mu, int64_t partition)
{
	const cs_host *h = s->h;
	int64_t max = max_unavailable(h, mu, s->nslots), unavailable = 0;
	for (int64_t t = 0; t < s->nslots; t++)
		unavailable += !s->slots[t].created || !sts_healthy(h, s->slots[t].pod);
	if (unavailable >= max) {
		h->log(s->m, CS_LOG_DEBUG,
		       "statefulset %s: %lld pods unavailable, maxUnavailable %lld: waiting",
		       s->v->key, (long long)unavailable, (long long)max);
		return;
	}
	int64_t budget = max - unavailable;
	for (int64_t t = s->nslots - 1; t >= partition && t >= 0 && budget > 0; t--) {
		slot *sl = &s->slots[t];
		if (!sl->created || ck_str_is(pod_revision(h, sl->pod), s->v->upd_name) ||
		    sts_terminating(h, sl->pod))
			continue;
		h->log(s->m, CS_LOG_INFO,
		       "statefulset %s: pod %s is terminating for update to revision %s", s->v->key,
		       pod_name(h, sl->pod), s->v->upd_name);
		if (delete_pod(s, sl->pod)) {
			s->rc = CS_RETRY;
			return;
		}
		budget--;
		if (ck_str_is(pod_revision(h, sl->pod), s->v->cur_name))
			s->current_deleted++;
	}
}

/* The rolling update: the highest ordinal not at the update revision goes
 * first, and nothing proceeds past an unhealthy pod. */
static void rolling_update(sync *s)
{
	const cs_host *h = s->h;
	int64_t partition = h->obj_int(s->v->set, "spec.updateStrategy.rollingUpdate.partition", 0);
	const cs_object *mu =
		h->obj_get(s->v->set, "spec.updateStrategy.rollingUpdate.maxUnavailable");
	if (mu && h->obj_type(mu) != CS_OBJ_NULL) {
		rolling_update_max_unavailable(s, mu, partition);
		return;
	}
	for (int64_t t = s->nslots - 1; t >= partition && t >= 0; t--) {
		slot *sl = &s->slots[t];
		if (sl->created && !ck_str_is(pod_revision(h, sl->pod), s->v->upd_name) &&
		    !sts_terminating(h, sl->pod)) {
			h->log(s->m, CS_LOG_INFO,
			       "statefulset %s: pod %s is terminating for update to revision %s",
			       s->v->key, pod_name(h, sl->pod), s->v->upd_name);
			if (delete_pod(s, sl->pod))
				s->rc = CS_RETRY;
			else if (ck_str_is(pod_revision(h, sl->pod), s->v->cur_name))
				s->current_deleted++;
			return;
		}
		if (!sl->created || !sts_healthy(h, sl->pod))
			return; /* wait for it before the next one */
	}
}

struct cond {
	int ord;
	const cs_object *pod;
};

static int cond_cmp(const void *a, const void *b)
{
	int x = ((const struct cond *)a)->ord, y = ((const struct cond *)b)->ord;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Sort the condemned by descending ordinal. */
static bool sort_condemned(sync *s)
{
	struct cond *e = calloc(s->ncond + 1, sizeof(*e));
	if (!e)
		return false;
	for (size_t i = 0; i < s->ncond; i++)
		e[i] = (struct cond){sts_ordinal(pod_name(s->h, s->condemned[i]), s->v->name),
				     s->condemned[i]};
	qsort(e, s->ncond, sizeof(*e), cond_cmp);
	for (size_t i = 0; i < s->ncond; i++)
		s->condemned[i] = e[i].pod;
	free(e);
	return true;
}

/* ---- status ---- */

static int set_count(const cs_host *h, cs_object *o, const char *path, int64_t n, bool always)
{
	if (n || always)
		return h->obj_set_int(o, path, n);
	h->obj_remove(o, path);
	return 0;
}

static int write_status(sync *s)
{
	const cs_host *h = s->h;
	sts_view *v = s->v;
	int64_t replicas = 0, ready = 0, avail = 0, current = 0, updated = 0;
	for (size_t i = 0; i < v->npods; i++) {
		const cs_object *p = v->pods[i];
		replicas += h->obj_str(p, "status.phase") != NULL; /* isCreated */
		if (sts_running_ready(h, p)) {
			ready++;
			avail += available(s, p);
		}
		if (!sts_terminating(h, p)) {
			current += ck_str_is(pod_revision(h, p), v->cur_name);
			updated += ck_str_is(pod_revision(h, p), v->upd_name);
		}
	}
	current -= s->current_deleted;
	const char *cur_name = v->cur_name;
	const char *type = h->obj_str(v->set, "spec.updateStrategy.type");
	/* completeRollingUpdate */
	if ((!type || !strcmp(type, "RollingUpdate")) && updated == replicas && ready == replicas) {
		current = updated;
		cur_name = v->upd_name;
	}
	cs_object *set = h->obj_clone(v->set);
	if (!set || h->obj_set_str(set, "apiVersion", "apps/v1") ||
	    h->obj_set_str(set, "kind", "StatefulSet") ||
	    set_count(h, set, "status.observedGeneration",
		      h->obj_int(v->set, "metadata.generation", 0), false) ||
	    set_count(h, set, "status.replicas", replicas, true) ||
	    set_count(h, set, "status.readyReplicas", ready, false) ||
	    set_count(h, set, "status.currentReplicas", current, false) ||
	    set_count(h, set, "status.updatedReplicas", updated, false) ||
	    set_count(h, set, "status.availableReplicas", avail, true) ||
	    set_count(h, set, "status.collisionCount", v->collisions, true) ||
	    h->obj_set_str(set, "status.currentRevision", cur_name) ||
	    h->obj_set_str(set, "status.updateRevision", v->upd_name)) {
		h->obj_free(set);
		h->log(s->m, CS_LOG_WARN, "statefulset %s: cannot build its status: out of memory",
		       v->key);
		return CS_RETRY;
	}
	int rc = CS_DONE;
	if (!h->obj_equal(h->obj_get(v->set, "status"), h->obj_get(set, "status"))) {
		cs_error err;
		int code = cs_api_update(s->m, "statefulsets.apps/status", set, NULL, &err);
		if (code == CS_CONFLICT) {
			h->log(s->m, CS_LOG_DEBUG, "statefulset %s: status update conflicted",
			       v->key);
			rc = CS_RETRY;
		} else if (code && code != CS_NOT_FOUND) {
			h->log(s->m, CS_LOG_WARN,
			       "statefulset %s: updating its status failed (%d %s): %s", v->key,
			       code, err.reason, err.message);
			rc = CS_RETRY;
		}
	}
	h->obj_free(set);
	/* Availability is a matter of time: look again when it changes. */
	int64_t want = h->obj_int(v->set, "spec.replicas", 1);
	if (rc == CS_DONE && s->min_ready > 0 && avail != want) {
		double ms = s->until < s->now + 1e12 ? (s->until - s->now) * 1000 + 1
						     : (double)s->min_ready * 1000;
		rc = ms < 1 ? 1 : ms > 86400000 ? 86400000 : (int)ms;
	}
	return rc;
}

/* ---- the sync ---- */

static bool fill(sync *s)
{
	const cs_host *h = s->h;
	sts_view *v = s->v;
	const char *type = h->obj_str(v->set, "spec.updateStrategy.type");
	bool rolling = !type || !strcmp(type, "RollingUpdate");
	int64_t partition = h->obj_int(v->set, "spec.updateStrategy.rollingUpdate.partition", 0);
	for (size_t i = 0; i < v->npods; i++) {
		int ord = sts_ordinal(pod_name(h, v->pods[i]), v->name);
		if (ord >= v->start && ord < v->start + s->nslots) {
			s->slots[ord - v->start] = (slot){v->pods[i], true, ord};
		} else if (ord >= 0 &&
			   !sts_push(&s->condemned, &s->ncond, &s->capcond, v->pods[i])) {
			return false;
		}
	}
	cs_object *cur_t = NULL, *upd_t = NULL;
	bool ok = true;
	for (int64_t i = 0; ok && i < s->nslots; i++) {
		if (s->slots[i].pod)
			continue;
		/* newVersionedStatefulSetPod: below the partition, the current
		 * revision */
		bool old = rolling && i < partition;
		cs_object **t = old ? &cur_t : &upd_t;
		if (!*t)
			*t = sts_rev_template(h, old ? v->cur_rev : v->upd_rev);
		int ord = (int)(v->start + i);
		cs_object *p =
			*t ? sts_new_pod(h, v, *t, ord, old ? v->cur_name : v->upd_name) : NULL;
		s->slots[i] = (slot){p, false, ord};
		ok = p != NULL;
	}
	h->obj_free(cur_t);
	h->obj_free(upd_t);
	return ok && sort_condemned(s);
}

int sts_update(cs_mod *m, sts_view *v)
{
	const cs_host *h = m->host;
	int64_t replicas = h->obj_int(v->set, "spec.replicas", 1);
	if (replicas < 0)
		replicas = 0;
	sync s = {.m = m,
		  .v = v,
		  .h = h,
		  .nslots = replicas,
		  .monotonic =
			  !ck_str_is(h->obj_str(v->set, "spec.podManagementPolicy"), "Parallel"),
		  .min_ready = h->obj_int(v->set, "spec.minReadySeconds", 0),
		  .now = ck_now()};
	s.until = s.now + 1e12;
	s.slots = calloc((size_t)replicas + 1, sizeof(*s.slots));
	if (!s.slots || !fill(&s)) {
		h->log(m, CS_LOG_WARN, "statefulset %s: cannot build its pods: out of memory",
		       v->key);
		s.rc = CS_RETRY;
		goto out;
	}
	for (int64_t i = 0; i < s.nslots && !s.first_unhealthy; i++)
		if (!s.slots[i].created || !sts_healthy(h, s.slots[i].pod))
			s.first_unhealthy = s.slots[i].pod;
	for (size_t i = 0; i < s.ncond && !s.first_unhealthy; i++)
		if (!sts_healthy(h, s.condemned[i]))
			s.first_unhealthy = s.condemned[i];

	for (int64_t i = 0; i < s.nslots; i++)
		if (process_replica(&s, &s.slots[i]))
			goto status;
	/* Claims of condemned pods get the owners the policy wants before
	 * the pods go, so that the garbage collector sees them. */
	for (size_t i = 0; i < s.ncond; i++) {
		int ord = sts_ordinal(pod_name(h, s.condemned[i]), v->name);
		if (sts_claims_retention(m, v, s.condemned[i], ord)) {
			s.rc = CS_RETRY;
			if (s.monotonic)
				goto status;
		}
	}
	for (size_t i = 0; i < s.ncond; i++)
		if (process_condemned(&s, s.condemned[i]))
			goto status;
	if (!ck_str_is(h->obj_str(v->set, "spec.updateStrategy.type"), "OnDelete"))
		rolling_update(&s);
status:;
	int src = write_status(&s);
	if (s.rc == CS_DONE)
		s.rc = src;
	else if (src != CS_RETRY && src > 0)
		s.rc = CS_RETRY;
out:
	for (int64_t i = 0; s.slots && i < s.nslots; i++)
		if (!s.slots[i].created)
			h->obj_free(s.slots[i].pod);
	free(s.slots);
	free(s.condemned);
	return s.rc;
}
