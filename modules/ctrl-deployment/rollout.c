/* The strategies, after Kubernetes' rolling.go, recreate.go and the
 * scaling half of sync.go: one step per reconcile, each step a few
 * ReplicaSet scalings, then the status. */
#include <stdlib.h>
#include <string.h>

#include "dep.h"

static double created(dp_sync *s, size_t i)
{
	return ck_time(s->h->obj_str(s->rss[i], "metadata.creationTimestamp"));
}

/* The old ReplicaSets, oldest first (ReplicaSetsByCreationTimestamp).
 * *n receives their number; NULL when out of memory. */
static size_t *old_by_age(dp_sync *s, size_t *n)
{
	size_t *v = calloc(s->nrs ? s->nrs : 1, sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < s->nrs; i++)
		if ((int)i != s->new_idx)
			v[(*n)++] = i;
	for (size_t a = 1; a < *n; a++)
		for (size_t b = a; b > 0; b--) {
			double ta = created(s, v[b - 1]), tb = created(s, v[b]);
			const char *na = s->h->obj_str(s->rss[v[b - 1]], "metadata.name") ?: "";
			const char *nb = s->h->obj_str(s->rss[v[b]], "metadata.name") ?: "";
			if (ta < tb || (ta == tb && strcmp(na, nb) <= 0))
				break;
			size_t t = v[b];
			v[b] = v[b - 1];
			v[b - 1] = t;
		}
	return v;
}

/* scaleReplicaSetAndRecordEvent: nothing when the size is right. */
static int scale_to(dp_sync *s, size_t i, int64_t to, bool *scaled)
{
	*scaled = false;
	if (dp_replicas(s->h, s->rss[i]) == to)
		return CS_DONE;
	return dp_scale_rs(s, i, to, scaled);
}

/* ---- RollingUpdate ---- */

/* reconcileNewReplicaSet */
static int reconcile_new(dp_sync *s, bool *scaled)
{
	*scaled = false;
	const cs_object *nrs = dp_new(s);
	int64_t want = dp_replicas(s->h, s->d);
	if (!nrs)
		return CS_DONE;
	int64_t cur = dp_replicas(s->h, nrs);
	if (cur == want)
		return CS_DONE;
	if (cur > want)
		return scale_to(s, (size_t)s->new_idx, want, scaled);
	return scale_to(s, (size_t)s->new_idx, dp_new_rs_replicas(s), scaled);
}

/* cleanupUnhealthyReplicas: old ReplicaSets' unavailable pods go first,
 * at most max of them.  *done receives how many. */
static int cleanup_unhealthy(dp_sync *s, const size_t *old, size_t nold, int64_t max, int64_t *done)
{
	const cs_host *h = s->h;
	*done = 0;
	for (size_t k = 0; k < nold && *done < max; k++) {
		const cs_object *rs = s->rss[old[k]];
		int64_t want = dp_replicas(h, rs);
		if (want == 0)
			continue;
		int64_t unhealthy = want - h->obj_int(rs, "status.availableReplicas", 0);
		if (unhealthy <= 0)
			continue;
		int64_t down = max - *done < unhealthy ? max - *done : unhealthy;
		if (down > want)
			down = want;
		bool scaled;
		int rc = scale_to(s, old[k], want - down, &scaled);
		if (rc != CS_DONE)
			return rc;
		*done += down;
	}
	return CS_DONE;
}

/* scaleDownOldReplicaSetsForRollingUpdate: keep minAvailable available
 * pods over every ReplicaSet. */
static int scale_down_old(dp_sync *s, const size_t *old, size_t nold, int64_t *done)
{
	const cs_host *h = s->h;
	*done = 0;
	int64_t min_avail = dp_replicas(h, s->d) - dp_max_unavailable(h, s->d);
	/* A ReplicaSet just scaled down may still report the pods it is
	 * deleting as available: count no more than its size, so a stale
	 * status never takes availability below the minimum. */
	int64_t avail = 0;
	for (size_t i = 0; i < s->nrs; i++) {
		int64_t a = h->obj_int(s->rss[i], "status.availableReplicas", 0);
		int64_t want = dp_replicas(h, s->rss[i]);
		avail += a < want ? a : want;
	}
	if (avail <= min_avail)
		return CS_DONE;
	int64_t total = avail - min_avail;
	for (size_t k = 0; k < nold && *done < total; k++) {
		int64_t want = dp_replicas(h, s->rss[old[k]]);
		if (want == 0)
			continue;
		int64_t down = want < total - *done ? want : total - *done;
		bool scaled;
		int rc = scale_to(s, old[k], want - down, &scaled);
		if (rc != CS_DONE)
			return rc;
		*done += down;
	}
	return CS_DONE;
}

/* reconcileOldReplicaSets */
static int reconcile_old(dp_sync *s, bool *scaled)
{
	const cs_host *h = s->h;
	*scaled = false;
	if (dp_sum(s, "spec.replicas", s->new_idx) == 0)
		return CS_DONE; /* nothing left to scale down */
	int64_t all = dp_sum(s, "spec.replicas", -1);
	int64_t min_avail = dp_replicas(h, s->d) - dp_max_unavailable(h, s->d);
	const cs_object *nrs = dp_new(s);
	int64_t new_unavail =
		nrs ? dp_replicas(h, nrs) - h->obj_int(nrs, "status.availableReplicas", 0) : 0;
	int64_t max_down = all - min_avail - new_unavail;
	if (max_down <= 0)
		return CS_DONE;
	size_t nold;
	size_t *old = old_by_age(s, &nold);
	if (!old)
		return CS_RETRY;
	int64_t cleaned = 0, down = 0;
	int rc = cleanup_unhealthy(s, old, nold, max_down, &cleaned);
	if (rc == CS_DONE)
		rc = scale_down_old(s, old, nold, &down);
	free(old);
	*scaled = cleaned + down > 0;
	return rc;
}

int dp_rollout_rolling(dp_sync *s)
{
	int rc = dp_new_rs(s, true);
	if (rc != CS_DONE)
		return rc;
	bool scaled;
	if ((rc = reconcile_new(s, &scaled)) != CS_DONE)
		return rc;
	if (scaled)
		return dp_sync_status(s, true);
	if ((rc = reconcile_old(s, &scaled)) != CS_DONE)
		return rc;
	if (scaled)
		return dp_sync_status(s, true);
	if (dp_complete(s) && (rc = dp_cleanup(s)) != CS_DONE)
		return rc;
	return dp_sync_status(s, true);
}

/* ---- Recreate ---- */

int dp_rollout_recreate(dp_sync *s)
{
	int rc = dp_new_rs(s, false);
	if (rc != CS_DONE)
		return rc;
	bool any = false;
	for (size_t i = 0; i < s->nrs; i++) {
		bool scaled;
		if ((int)i == s->new_idx || dp_replicas(s->h, s->rss[i]) == 0)
			continue;
		if ((rc = scale_to(s, i, 0, &scaled)) != CS_DONE)
			return rc;
		any |= scaled;
	}
	if (any || dp_old_pods_running(s))
		return dp_sync_status(s, true);
	if (!dp_new(s) && (rc = dp_new_rs(s, true)) != CS_DONE)
		return rc;
	if (!dp_new(s))
		return CS_RETRY;
	bool scaled;
	if ((rc = scale_to(s, (size_t)s->new_idx, dp_replicas(s->h, s->d), &scaled)) != CS_DONE)
		return rc;
	if (dp_complete(s) && (rc = dp_cleanup(s)) != CS_DONE)
		return rc;
	return dp_sync_status(s, true);
}

/* ---- scaling (sync) ---- */

bool dp_is_scaling_event(dp_sync *s)
{
	const cs_host *h = s->h;
	int64_t want = dp_replicas(h, s->d);
	for (size_t i = 0; i < s->nrs; i++) {
		if (dp_replicas(h, s->rss[i]) == 0)
			continue;
		int64_t desired = dp_annotation_int(h, s->rss[i], DP_DESIRED);
		if (desired >= 0 && desired != want)
			return true;
	}
	return false;
}

/* getReplicaSetFraction / GetProportion. */
static int64_t proportion(dp_sync *s, size_t i, int64_t to_add, int64_t added)
{
	const cs_host *h = s->h;
	int64_t cur = dp_replicas(h, s->rss[i]);
	if (cur == 0 || to_add == 0 || to_add == added)
		return 0;
	int64_t want = dp_replicas(h, s->d), fraction;
	if (want == 0) {
		fraction = -cur;
	} else {
		int64_t total = want + dp_max_surge(h, s->d);
		int64_t annotated = dp_annotation_int(h, s->rss[i], DP_MAX_REPLICAS);
		if (annotated < 0)
			annotated = h->obj_int(s->d, "status.replicas", 0);
		/* Go's math.Round: halves away from zero. */
		double size = annotated ? (double)(cur * total) / (double)annotated : 0;
		int64_t rounded = (int64_t)(size + 0.5);
		fraction = rounded - cur;
	}
	int64_t allowed = to_add - added;
	if (to_add > 0)
		return fraction < allowed ? fraction : allowed;
	return fraction > allowed ? fraction : allowed;
}

/* Active ReplicaSets sorted by size, ties newer first (scaling up) or
 * older first (down): ReplicaSetsBySizeNewer / BySizeOlder. */
static void sort_by_size(dp_sync *s, size_t *v, size_t n, bool newer_first)
{
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0; b--) {
			int64_t ra = dp_replicas(s->h, s->rss[v[b - 1]]);
			int64_t rb = dp_replicas(s->h, s->rss[v[b]]);
			double ta = created(s, v[b - 1]), tb = created(s, v[b]);
			bool in_order =
				ra > rb || (ra == rb && (newer_first ? ta >= tb : ta <= tb));
			if (in_order)
				break;
			size_t t = v[b];
			v[b] = v[b - 1];
			v[b - 1] = t;
		}
}

/* scale(): one active ReplicaSet takes the whole count; a saturated new
 * one leaves the old ones at 0; otherwise a rolling deployment spreads
 * the change over its ReplicaSets in proportion to their sizes. */
static int scale(dp_sync *s)
{
	const cs_host *h = s->h;
	int64_t want = dp_replicas(h, s->d);
	size_t *active = calloc(s->nrs ? s->nrs : 1, sizeof(*active)), n = 0;
	if (!active)
		return CS_RETRY;
	for (size_t i = 0; i < s->nrs; i++)
		if (dp_replicas(h, s->rss[i]) > 0)
			active[n++] = i;
	int rc = CS_DONE;
	bool scaled;
	/* FindActiveOrLatest */
	int only = -1;
	if (n == 1) {
		only = (int)active[0];
	} else if (n == 0 && s->nrs) {
		/* None active: the new one, else the newest old one. */
		only = s->new_idx;
		if (only < 0) {
			only = 0;
			for (size_t i = 1; i < s->nrs; i++)
				if (created(s, i) > created(s, (size_t)only))
					only = (int)i;
		}
	}
	const cs_object *nrs = dp_new(s);
	if (only >= 0) {
		rc = scale_to(s, (size_t)only, want, &scaled);
	} else if (nrs && dp_annotation_int(h, nrs, DP_DESIRED) == want &&
		   dp_replicas(h, nrs) == want &&
		   h->obj_int(nrs, "status.availableReplicas", 0) == want) {
		/* IsSaturated */
		for (size_t k = 0; rc == CS_DONE && k < n; k++)
			if ((int)active[k] != s->new_idx)
				rc = scale_to(s, active[k], 0, &scaled);
	} else if (n && dp_is_rolling(h, s->d)) {
		int64_t cur = 0;
		for (size_t k = 0; k < n; k++)
			cur += dp_replicas(h, s->rss[active[k]]);
		int64_t allowed = want > 0 ? want + dp_max_surge(h, s->d) : 0;
		int64_t to_add = allowed - cur, added = 0;
		int64_t *size = calloc(n, sizeof(*size));
		if (!size) {
			free(active);
			return CS_RETRY;
		}
		if (to_add)
			sort_by_size(s, active, n, to_add > 0);
		for (size_t k = 0; k < n; k++) {
			size[k] = dp_replicas(h, s->rss[active[k]]);
			if (to_add) {
				int64_t p = proportion(s, active[k], to_add, added);
				size[k] += p;
				added += p;
			}
		}
		/* Leftovers go to the largest. */
		if (to_add) {
			size[0] += to_add - added;
			if (size[0] < 0)
				size[0] = 0;
		}
		for (size_t k = 0; rc == CS_DONE && k < n; k++)
			rc = dp_scale_rs(s, active[k], size[k], &scaled);
		free(size);
	}
	free(active);
	return rc;
}

int dp_sync_scale(dp_sync *s)
{
	int rc = scale(s);
	if (rc != CS_DONE)
		return rc;
	if (s->h->obj_bool(s->d, "spec.paused", false) && (rc = dp_cleanup(s)) != CS_DONE)
		return rc;
	return dp_sync_status(s, false);
}
