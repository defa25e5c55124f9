/* The writes of a Deployment reconcile shared by every strategy, after
 * Kubernetes' deployment controller (sync.c, progress.c, util): claiming
 * ReplicaSets, finding or creating the new one with its revision,
 * scaling one, cleaning up old ones, and the status with its conditions. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dep.h"

int64_t dp_sum(dp_sync *s, const char *path, int skip)
{
	int64_t n = 0;
	for (size_t i = 0; i < s->nrs; i++)
		if ((int)i != skip)
			n += s->h->obj_int(s->rss[i], path, 0);
	return n;
}

static const char *rs_name(dp_sync *s, const cs_object *rs)
{
	return s->h->obj_str(rs, "metadata.name") ?: "";
}

/* A reference to the deployment for Events (cached objects may lack
 * apiVersion and kind). */
static cs_object *event_ref(dp_sync *s)
{
	const cs_host *h = s->h;
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	if (!r || h->obj_set_str(r, "apiVersion", "apps/v1") ||
	    h->obj_set_str(r, "kind", "Deployment") ||
	    h->obj_set_str(r, "metadata.name", s->name) ||
	    h->obj_set_str(r, "metadata.namespace", s->ns) ||
	    h->obj_set_str(r, "metadata.uid", h->obj_str(s->d, "metadata.uid") ?: "")) {
		h->obj_free(r);
		return NULL;
	}
	return r;
}

void dp_event(dp_sync *s, const char *type, const char *reason, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cs_object *ref = event_ref(s);
	if (ref)
		s->h->event(s->m, ref, type, reason, "%s", msg);
	s->h->obj_free(ref);
}

static cs_object *owner_ref(dp_sync *s)
{
	const cs_host *h = s->h;
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	if (!r || h->obj_set_str(r, "apiVersion", "apps/v1") ||
	    h->obj_set_str(r, "kind", "Deployment") || h->obj_set_str(r, "name", s->name) ||
	    h->obj_set_str(r, "uid", h->obj_str(s->d, "metadata.uid") ?: "") ||
	    h->obj_set_bool(r, "controller", true) ||
	    h->obj_set_bool(r, "blockOwnerDeletion", true)) {
		h->obj_free(r);
		return NULL;
	}
	return r;
}

static bool push(dp_sync *s, const cs_object *rs)
{
	if (s->nrs == s->caprs) {
		size_t c = s->caprs ? s->caprs * 2 : 8;
		const cs_object **a = realloc(s->rss, c * sizeof(*a));
		if (!a)
			return false;
		s->rss = a, s->caprs = c;
	}
	s->rss[s->nrs++] = rs;
	return true;
}

/* ---- claiming ---- */

/* A merge patch of the ReplicaSet's ownerReferences: without ours, plus
 * ours when adopting; conditional on its resourceVersion. */
static int patch_owners(dp_sync *s, const cs_object *rs, bool adopt, const cs_object **out)
{
	const cs_host *h = s->h;
	cs_error err;
	int rc = ck_patch_owners(s->m, DP_RS, rs, h->obj_str(s->d, "metadata.uid"), adopt,
				 adopt ? owner_ref(s) : NULL, out, &err);
	if (rc && rc != CS_NOT_FOUND)
		h->log(s->m, CS_LOG_WARN, "deployment %s: %s replica set %s failed (%d %s): %s",
		       s->key, adopt ? "adopting" : "releasing", rs_name(s, rs), rc, err.reason,
		       err.message);
	return rc;
}

/* Kubernetes re-reads the deployment before adopting: the cache may hold
 * one that was deleted or replaced by a namesake. */
static bool can_adopt(dp_sync *s)
{
	return ck_owner_current(s->m, DP_PRIMARY, s->ns, s->name,
				s->h->obj_str(s->d, "metadata.uid"), "replica sets");
}

struct claim {
	dp_sync *s;
	const cs_object **orphans, **strays;
	size_t norphans, nstrays;
	bool oom;
};

static bool add_to(const cs_object ***arr, size_t *n, const cs_object *o)
{
	/* Grown one by one: a deployment has a handful of ReplicaSets. */
	const cs_object **a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (!a)
		return false;
	*arr = a;
	a[(*n)++] = o;
	return true;
}

static bool claim_visit(void *arg, const cs_object *rs)
{
	struct claim *c = arg;
	dp_sync *s = c->s;
	const cs_host *h = s->h;
	bool bad;
	bool match = dp_selector_matches(h, h->obj_get(s->d, "spec.selector"),
					 h->obj_get(rs, "metadata.labels"), &bad);
	const cs_object *ref = ck_controller_ref(h, rs);
	bool ours = ref && ck_str_is(h->obj_str(ref, "uid"), h->obj_str(s->d, "metadata.uid"));
	bool ok = true;
	if (ours && match)
		ok = push(s, h->obj_keep(rs));
	else if (ours)
		ok = add_to(&c->strays, &c->nstrays, h->obj_keep(rs));
	else if (!ref && match && !h->obj_get(rs, "metadata.deletionTimestamp"))
		ok = add_to(&c->orphans, &c->norphans, h->obj_keep(rs));
	if (!ok)
		c->oom = true;
	return ok;
}

int dp_claim(dp_sync *s, cs_informer *rsinf)
{
	const cs_host *h = s->h;
	struct claim c = {.s = s};
	int rc = CS_DONE;
	if (h->cache_each(rsinf, s->ns, NULL, claim_visit, &c) < 0 || c.oom) {
		h->log(s->m, CS_LOG_WARN, "deployment %s: cannot list its replica sets", s->key);
		rc = CS_RETRY;
	}
	bool deleting = h->obj_get(s->d, "metadata.deletionTimestamp") != NULL;
	bool adopt = rc == CS_DONE && c.norphans && !deleting && can_adopt(s);
	for (size_t i = 0; adopt && i < c.norphans; i++) {
		const cs_object *got = NULL;
		int code = patch_owners(s, c.orphans[i], true, &got);
		if (code == 0 && !push(s, got)) {
			h->obj_free(got);
			code = 500;
		}
		if (code == 0)
			h->log(s->m, CS_LOG_INFO, "deployment %s: adopted replica set %s", s->key,
			       rs_name(s, got));
		else if (code != CS_NOT_FOUND)
			rc = CS_RETRY;
	}
	for (size_t i = 0; rc == CS_DONE && i < c.nstrays; i++) {
		int code = patch_owners(s, c.strays[i], false, NULL);
		if (code == 0)
			h->log(s->m, CS_LOG_INFO,
			       "deployment %s: released replica set %s, which no longer matches "
			       "its selector",
			       s->key, rs_name(s, c.strays[i]));
		else if (code != CS_NOT_FOUND)
			rc = CS_RETRY;
	}
	for (size_t i = 0; i < c.norphans; i++)
		h->obj_free(c.orphans[i]);
	for (size_t i = 0; i < c.nstrays; i++)
		h->obj_free(c.strays[i]);
	free(c.orphans);
	free(c.strays);
	return rc;
}

/* ---- writes of the deployment ---- */

static bool has_progress_deadline(dp_sync *s)
{
	const cs_object *p = s->h->obj_get(s->d, "spec.progressDeadlineSeconds");
	return p && s->h->obj_type(p) == CS_OBJ_NUMBER && s->h->obj_int(p, NULL, 0) != 2147483647;
}

/* PUT status (owned, consumed) through deployments/status; s->d becomes
 * the result.  0, or CS_RETRY (409 included: the cache is behind). */
static int write_status(dp_sync *s, cs_object *status)
{
	const cs_host *h = s->h;
	cs_object *d = h->obj_clone(s->d);
	if (!d || h->obj_set(d, "status", status) || h->obj_set_str(d, "apiVersion", "apps/v1") ||
	    h->obj_set_str(d, "kind", "Deployment")) {
		if (!d)
			h->obj_free(status);
		h->obj_free(d);
		h->log(s->m, CS_LOG_WARN, "deployment %s: cannot build its status: out of memory",
		       s->key);
		return CS_RETRY;
	}
	const cs_object *out = NULL;
	cs_error err;
	int code = cs_api_update(s->m, DP_PRIMARY "/status", d, &out, &err);
	h->obj_free(d);
	if (code == 0) {
		h->obj_free(s->d);
		s->d = out;
		return CS_DONE;
	}
	if (code == CS_CONFLICT)
		h->log(s->m, CS_LOG_DEBUG, "deployment %s: status update conflicted", s->key);
	else if (code != CS_NOT_FOUND)
		h->log(s->m, CS_LOG_WARN, "deployment %s: updating its status failed (%d %s): %s",
		       s->key, code, err.reason, err.message);
	return code == CS_NOT_FOUND ? CS_DONE : CS_RETRY;
}

static cs_object *status_copy(dp_sync *s)
{
	const cs_object *st = s->h->obj_get(s->d, "status");
	return st ? s->h->obj_clone(st) : s->h->obj_new(CS_OBJ_MAP);
}

/* SetDeploymentRevision: the deployment's revision annotation, through a
 * conditional merge patch (the status subresource does not take
 * metadata). */
static int set_revision(dp_sync *s, const char *rev)
{
	const cs_host *h = s->h;
	if (!rev || ck_str_is(dp_annotation(h, s->d, DP_REVISION), rev))
		return CS_DONE;
	char path[160];
	dp_key_path("metadata.annotations", DP_REVISION, path, sizeof(path));
	cs_object *p = h->obj_new(CS_OBJ_MAP);
	const char *rv = h->obj_str(s->d, "metadata.resourceVersion");
	if (!p || h->obj_set_str(p, path, rev) ||
	    (rv && h->obj_set_str(p, "metadata.resourceVersion", rv))) {
		h->obj_free(p);
		return CS_RETRY;
	}
	const cs_object *out = NULL;
	cs_error err;
	int code = cs_api_patch(s->m, DP_PRIMARY, s->ns, s->name, CS_PATCH_MERGE, p, &out, &err);
	h->obj_free(p);
	if (code == 0) {
		h->obj_free(s->d);
		s->d = out;
		return CS_DONE;
	}
	if (code != CS_CONFLICT && code != CS_NOT_FOUND)
		h->log(s->m, CS_LOG_WARN,
		       "deployment %s: setting its revision annotation failed (%d %s): %s", s->key,
		       code, err.reason, err.message);
	return code == CS_NOT_FOUND ? CS_DONE : CS_RETRY;
}

/* ---- ReplicaSet annotations ---- */

static bool skip_copy(const char *k)
{
	static const char *const skip[] = {"kubectl.kubernetes.io/last-applied-configuration",
					   DP_REVISION,
					   DP_REV_HISTORY,
					   DP_DESIRED,
					   DP_MAX_REPLICAS,
					   "deprecated.deployment.rollback.to"};
	for (size_t i = 0; i < sizeof(skip) / sizeof(*skip); i++)
		if (!strcmp(k, skip[i]))
			return true;
	return false;
}

static int set_annotation(const cs_host *h, cs_object *o, const char *key, const char *val)
{
	char path[320];
	dp_key_path("metadata.annotations", key, path, sizeof(path));
	return h->obj_set_str(o, path, val);
}

/* copyDeploymentAnnotationsToReplicaSet; returns whether rs changed, -1
 * out of memory. */
static int copy_annotations(dp_sync *s, cs_object *rs)
{
	const cs_host *h = s->h;
	const cs_object *ann = h->obj_get(s->d, "metadata.annotations");
	int changed = 0;
	for (size_t i = 0; h->obj_type(ann) == CS_OBJ_MAP && i < h->obj_len(ann); i++) {
		const char *k = h->obj_key_at(ann, i);
		const char *v = h->obj_str(h->obj_at(ann, i), NULL);
		if (!k || !v || skip_copy(k) || ck_str_is(dp_annotation(h, rs, k), v))
			continue;
		if (set_annotation(h, rs, k, v))
			return -1;
		changed = 1;
	}
	return changed;
}

/* SetReplicasAnnotations; whether rs changed, -1 out of memory. */
static int replicas_annotations(dp_sync *s, cs_object *rs)
{
	const cs_host *h = s->h;
	int64_t want = dp_replicas(h, s->d), max = want + dp_max_surge(h, s->d);
	int changed = 0;
	char v[24];
	if (dp_annotation_int(h, rs, DP_DESIRED) != want) {
		snprintf(v, sizeof(v), "%lld", (long long)want);
		if (set_annotation(h, rs, DP_DESIRED, v))
			return -1;
		changed = 1;
	}
	if (dp_annotation_int(h, rs, DP_MAX_REPLICAS) != max) {
		snprintf(v, sizeof(v), "%lld", (long long)max);
		if (set_annotation(h, rs, DP_MAX_REPLICAS, v))
			return -1;
		changed = 1;
	}
	return changed;
}

/* SetNewReplicaSetAnnotations: copied annotations, the revision, and the
 * revision history when an old ReplicaSet becomes the new one again (a
 * rollback).  Whether rs changed, -1 out of memory. */
static int new_rs_annotations(dp_sync *s, cs_object *rs, int64_t revision, bool exists)
{
	const cs_host *h = s->h;
	int changed = copy_annotations(s, rs);
	if (changed < 0)
		return -1;
	const char *old = dp_annotation(h, rs, DP_REVISION);
	int64_t oldrev = dp_annotation_int(h, rs, DP_REVISION);
	if (old && *old && oldrev < 0)
		return changed; /* not a number: Kubernetes leaves it alone */
	if (oldrev < 0)
		oldrev = 0;
	char rev[24], oldtxt[24];
	snprintf(rev, sizeof(rev), "%lld", (long long)revision);
	snprintf(oldtxt, sizeof(oldtxt), "%lld", (long long)oldrev);
	if (oldrev < revision) {
		if (set_annotation(h, rs, DP_REVISION, rev))
			return -1;
		changed = 1;
	}
	if (old && oldrev < revision) {
		const char *hist = dp_annotation(h, rs, DP_REV_HISTORY);
		char buf[DP_MAX_REV_HISTORY + 32];
		if (!hist || !*hist) {
			snprintf(buf, sizeof(buf), "%s", oldtxt);
		} else {
			/* Drop the oldest entries until it fits. */
			const char *from = hist;
			while (strlen(from) + strlen(oldtxt) + 1 > DP_MAX_REV_HISTORY &&
			       strchr(from, ','))
				from = strchr(from, ',') + 1;
			if (strlen(from) + strlen(oldtxt) + 1 > DP_MAX_REV_HISTORY)
				from = "";
			snprintf(buf, sizeof(buf), "%s%s%s", from, *from ? "," : "", oldtxt);
		}
		if (set_annotation(h, rs, DP_REV_HISTORY, buf))
			return -1;
		changed = 1;
	}
	if (!exists) {
		int r = replicas_annotations(s, rs);
		if (r < 0)
			return -1;
		changed |= r;
	}
	return changed;
}

/* PUT a changed ReplicaSet; s->rss[i] becomes the result.  0, CS_RETRY. */
static int update_rs(dp_sync *s, size_t i, cs_object *rs)
{
	const cs_host *h = s->h;
	if (h->obj_set_str(rs, "apiVersion", "apps/v1") || h->obj_set_str(rs, "kind", "ReplicaSet"))
		return CS_RETRY;
	const cs_object *out = NULL;
	cs_error err;
	int code = cs_api_update(s->m, DP_RS, rs, &out, &err);
	if (code == 0) {
		h->obj_free(s->rss[i]);
		s->rss[i] = out;
		return CS_DONE;
	}
	if (code != CS_CONFLICT)
		h->log(s->m, CS_LOG_WARN,
		       "deployment %s: updating replica set %s failed (%d %s): %s", s->key,
		       rs_name(s, rs), code, err.reason, err.message);
	return CS_RETRY;
}

/* ---- the new ReplicaSet ---- */

static int by_creation(dp_sync *s, size_t a, size_t b)
{
	const cs_host *h = s->h;
	double ta = ck_time(h->obj_str(s->rss[a], "metadata.creationTimestamp"));
	double tb = ck_time(h->obj_str(s->rss[b], "metadata.creationTimestamp"));
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return strcmp(rs_name(s, s->rss[a]), rs_name(s, s->rss[b]));
}

/* FindNewReplicaSet: the oldest ReplicaSet whose template is the
 * deployment's (more than one can exist after a hash collision). */
static int find_new(dp_sync *s)
{
	const cs_object *tmpl = s->h->obj_get(s->d, "spec.template");
	int best = -1;
	for (size_t i = 0; i < s->nrs; i++) {
		if (!dp_template_equal(s->h, s->h->obj_get(s->rss[i], "spec.template"), tmpl))
			continue;
		if (best < 0 || by_creation(s, i, (size_t)best) < 0)
			best = (int)i;
	}
	return best;
}

/* The pods the ReplicaSets have or are to have: per set, the larger of
 * spec and status replicas.  Kubernetes sums the specs alone, so a new
 * set's pod can be created while a scaled-down set's is still there (one
 * pod above maxSurge, seen under load); counting a set's pods until its
 * controller has seen them go keeps live pods within replicas + maxSurge,
 * as the Deployment documentation promises, for one status write's wait. */
static int64_t pods_sum(dp_sync *s)
{
	int64_t n = 0;
	for (size_t i = 0; i < s->nrs; i++) {
		int64_t spec = s->h->obj_int(s->rss[i], "spec.replicas", 0);
		int64_t have = s->h->obj_int(s->rss[i], "status.replicas", 0);
		n += have > spec ? have : spec;
	}
	return n;
}

/* NewRSNewReplicas: how big the new ReplicaSet may be now. */
int64_t dp_new_rs_replicas(dp_sync *s)
{
	const cs_host *h = s->h;
	int64_t want = dp_replicas(h, s->d);
	const cs_object *nrs = dp_new(s);
	int64_t cur = nrs ? dp_replicas(h, nrs) : 0;
	if (!dp_is_rolling(h, s->d))
		return want;
	int64_t pods = pods_sum(s);
	int64_t max_total = want + dp_max_surge(h, s->d);
	if (pods >= max_total)
		return cur;
	int64_t up = max_total - pods;
	if (up > want - cur)
		up = want - cur;
	return cur + up;
}

/* The existing new ReplicaSet: annotations and minReadySeconds, the
 * deployment's revision, and Progressing=FoundNewReplicaSet. */
static int sync_existing(dp_sync *s, int64_t revision)
{
	const cs_host *h = s->h;
	size_t i = (size_t)s->new_idx;
	cs_object *rs = h->obj_clone(s->rss[i]);
	if (!rs)
		return CS_RETRY;
	int changed = new_rs_annotations(s, rs, revision, true);
	int64_t mrs = h->obj_int(s->d, "spec.minReadySeconds", 0);
	bool mrs_changed = h->obj_int(rs, "spec.minReadySeconds", 0) != mrs;
	int rc = CS_DONE;
	if (changed < 0 || (mrs_changed && h->obj_set_int(rs, "spec.minReadySeconds", mrs)))
		rc = CS_RETRY;
	else if (changed || mrs_changed)
		rc = update_rs(s, i, rs);
	h->obj_free(rs);
	if (rc != CS_DONE)
		return rc;
	const char *rev = dp_annotation(h, s->rss[i], DP_REVISION);
	char revbuf[24];
	snprintf(revbuf, sizeof(revbuf), "%s", rev ? rev : "");
	if ((rc = set_revision(s, rev ? revbuf : NULL)) != CS_DONE)
		return rc;
	if (has_progress_deadline(s) &&
	    !dp_cond_get(h, h->obj_get(s->d, "status"), "Progressing")) {
		cs_object *st = status_copy(s);
		char msg[320];
		snprintf(msg, sizeof(msg), "Found new replica set \"%s\"", rs_name(s, s->rss[i]));
		if (!st || dp_cond_set(h, st, "Progressing", "True", "FoundNewReplicaSet", msg)) {
			h->obj_free(st);
			return CS_RETRY;
		}
		return write_status(s, st);
	}
	return CS_DONE;
}

/* The ReplicaSet to create for the current template. */
static cs_object *build_rs(dp_sync *s, const char *hash, int64_t replicas, int64_t revision)
{
	const cs_host *h = s->h;
	char lpath[128], name[320];
	dp_key_path("metadata.labels", DP_HASH_LABEL, lpath, sizeof(lpath));
	char spath[128];
	dp_key_path("matchLabels", DP_HASH_LABEL, spath, sizeof(spath));
	snprintf(name, sizeof(name), "%s-%s", s->name, hash);
	cs_object *tmpl = h->obj_clone(h->obj_get(s->d, "spec.template"));
	cs_object *sel = h->obj_clone(h->obj_get(s->d, "spec.selector"));
	cs_object *rs = h->obj_new(CS_OBJ_MAP), *refs = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !tmpl || !sel || !rs || !refs || h->obj_set_str(tmpl, lpath, hash) ||
		   h->obj_set_str(sel, spath, hash) || h->obj_append(refs, owner_ref(s));
	const cs_object *labels = bad ? NULL : h->obj_get(tmpl, "metadata.labels");
	if (bad || h->obj_set_str(rs, "apiVersion", "apps/v1") ||
	    h->obj_set_str(rs, "kind", "ReplicaSet") || h->obj_set_str(rs, "metadata.name", name) ||
	    h->obj_set_str(rs, "metadata.namespace", s->ns) ||
	    h->obj_set(rs, "metadata.labels", h->obj_clone(labels)) ||
	    h->obj_set(rs, "metadata.ownerReferences", refs) ||
	    h->obj_set_int(rs, "spec.replicas", replicas) ||
	    h->obj_set_int(rs, "spec.minReadySeconds",
			   h->obj_int(s->d, "spec.minReadySeconds", 0)) ||
	    h->obj_set(rs, "spec.selector", sel) || h->obj_set(rs, "spec.template", tmpl)) {
		if (bad) {
			h->obj_free(tmpl);
			h->obj_free(sel);
			h->obj_free(refs);
		}
		h->obj_free(rs);
		return NULL;
	}
	if (new_rs_annotations(s, rs, revision, false) < 0) {
		h->obj_free(rs);
		return NULL;
	}
	return rs;
}

/* A ReplicaSet of our name exists: ours with the template (the cache was
 * behind), or a hash collision (bump collisionCount and try again). */
static int create_conflict(dp_sync *s, const char *name)
{
	const cs_host *h = s->h;
	const cs_object *rs = NULL;
	cs_error err;
	int code = cs_api_get(s->m, DP_RS, s->ns, name, &rs, &err);
	if (code)
		return CS_RETRY;
	const char *owner = dp_deployment_owner(h, rs);
	if (ck_str_is(owner, h->obj_str(s->d, "metadata.uid")) &&
	    dp_template_equal(h, h->obj_get(rs, "spec.template"),
			      h->obj_get(s->d, "spec.template"))) {
		if (!push(s, rs)) {
			h->obj_free(rs);
			return CS_RETRY;
		}
		s->new_idx = (int)s->nrs - 1;
		return CS_DONE;
	}
	h->obj_free(rs);
	int64_t cc = h->obj_int(s->d, "status.collisionCount", 0);
	h->log(s->m, CS_LOG_INFO,
	       "deployment %s: found a hash collision - bumping collisionCount (%lld->%lld) to "
	       "resolve it",
	       s->key, (long long)cc, (long long)cc + 1);
	cs_object *st = status_copy(s);
	if (!st || h->obj_set_int(st, "collisionCount", cc + 1)) {
		h->obj_free(st);
		return CS_RETRY;
	}
	write_status(s, st);
	return CS_RETRY; /* the next round hashes with the new count */
}

int dp_new_rs(dp_sync *s, bool create)
{
	const cs_host *h = s->h;
	s->new_idx = find_new(s);
	int64_t maxrev = 0;
	for (size_t i = 0; i < s->nrs; i++) {
		int64_t r = dp_annotation_int(h, s->rss[i], DP_REVISION);
		if ((int)i != s->new_idx && r > maxrev)
			maxrev = r;
	}
	int64_t revision = maxrev + 1;
	if (s->new_idx >= 0)
		return sync_existing(s, revision);
	if (!create)
		return CS_DONE;
	char hash[16];
	if (dp_template_hash(h, h->obj_get(s->d, "spec.template"),
			     h->obj_get(s->d, "status.collisionCount"), hash, sizeof(hash)) < 0)
		return CS_RETRY;
	int64_t replicas = dp_new_rs_replicas(s);
	cs_object *rs = build_rs(s, hash, replicas, revision);
	if (!rs) {
		h->log(s->m, CS_LOG_WARN,
		       "deployment %s: cannot build its replica set: out of memory", s->key);
		return CS_RETRY;
	}
	char name[320];
	snprintf(name, sizeof(name), "%s", h->obj_str(rs, "metadata.name"));
	const cs_object *out = NULL;
	cs_error err;
	int code = cs_api_create(s->m, DP_RS, s->ns, rs, &out, &err);
	h->obj_free(rs);
	if (code == CS_CONFLICT && ck_str_is(err.reason, "AlreadyExists"))
		return create_conflict(s, name);
	if (code) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "Failed to create new replica set \"%s\": %s", name,
			 err.message);
		h->log(s->m, CS_LOG_WARN, "deployment %s: %s", s->key, msg);
		if (has_progress_deadline(s)) {
			cs_object *st = status_copy(s);
			if (st && !dp_cond_set(h, st, "Progressing", "False",
					       "ReplicaSetCreateError", msg))
				write_status(s, st);
			else
				h->obj_free(st);
		}
		dp_event(s, "Warning", "ReplicaSetCreateError", "%s", msg);
		return CS_RETRY;
	}
	if (!push(s, out)) {
		h->obj_free(out);
		return CS_RETRY;
	}
	s->new_idx = (int)s->nrs - 1;
	h->metric_add(dp_of(s->m)->rs_created, 1);
	h->log(s->m, CS_LOG_INFO, "deployment %s: created replica set %s with %lld replicas",
	       s->key, name, (long long)replicas);
	if (replicas > 0)
		dp_event(s, "Normal", "ScalingReplicaSet",
			 "Scaled up replica set %s from 0 to %lld", name, (long long)replicas);
	char rev[24];
	snprintf(rev, sizeof(rev), "%lld", (long long)revision);
	int rc = set_revision(s, rev);
	if (rc != CS_DONE)
		return rc;
	if (has_progress_deadline(s)) {
		cs_object *st = status_copy(s);
		char msg[400];
		snprintf(msg, sizeof(msg), "Created new replica set \"%s\"", name);
		if (!st || dp_cond_set(h, st, "Progressing", "True", "NewReplicaSetCreated", msg)) {
			h->obj_free(st);
			return CS_RETRY;
		}
		return write_status(s, st);
	}
	return CS_DONE;
}

/* ---- scaling one ReplicaSet ---- */

int dp_scale_rs(dp_sync *s, size_t i, int64_t to, bool *scaled)
{
	const cs_host *h = s->h;
	*scaled = false;
	int64_t from = dp_replicas(h, s->rss[i]);
	cs_object *rs = h->obj_clone(s->rss[i]);
	if (!rs)
		return CS_RETRY;
	int ann = replicas_annotations(s, rs);
	int rc = CS_DONE;
	if (ann < 0 || h->obj_set_int(rs, "spec.replicas", to))
		rc = CS_RETRY;
	else if (ann || from != to)
		rc = update_rs(s, i, rs);
	h->obj_free(rs);
	if (rc == CS_DONE && from != to) {
		*scaled = true;
		const char *op = from < to ? "up" : "down";
		h->log(s->m, CS_LOG_INFO,
		       "deployment %s: scaled %s replica set %s to %lld from %lld", s->key, op,
		       rs_name(s, s->rss[i]), (long long)to, (long long)from);
		dp_event(s, "Normal", "ScalingReplicaSet",
			 "Scaled %s replica set %s to %lld from %lld", op, rs_name(s, s->rss[i]),
			 (long long)to, (long long)from);
	}
	return rc;
}

/* ---- cleanup ---- */

static int64_t revision_of(dp_sync *s, size_t i)
{
	int64_t r = dp_annotation_int(s->h, s->rss[i], DP_REVISION);
	return r < 0 ? 0 : r;
}

int dp_cleanup(dp_sync *s)
{
	const cs_host *h = s->h;
	const cs_object *lim = h->obj_get(s->d, "spec.revisionHistoryLimit");
	if (!lim || h->obj_type(lim) != CS_OBJ_NUMBER)
		return CS_DONE;
	int64_t limit = h->obj_int(lim, NULL, 10);
	size_t *idx = calloc(s->nrs ? s->nrs : 1, sizeof(*idx)), n = 0;
	if (!idx)
		return CS_RETRY;
	for (size_t i = 0; i < s->nrs; i++)
		if ((int)i != s->new_idx && !h->obj_get(s->rss[i], "metadata.deletionTimestamp"))
			idx[n++] = i;
	/* ReplicaSetsByRevision: oldest revision first (insertion sort: few). */
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0; b--) {
			int64_t ra = revision_of(s, idx[b - 1]), rb = revision_of(s, idx[b]);
			if (ra < rb || (ra == rb && by_creation(s, idx[b - 1], idx[b]) <= 0))
				break;
			size_t t = idx[b];
			idx[b] = idx[b - 1];
			idx[b - 1] = t;
		}
	int rc = CS_DONE;
	int64_t diff = (int64_t)n - limit;
	for (int64_t k = 0; k < diff; k++) {
		const cs_object *rs = s->rss[idx[k]];
		/* Only ReplicaSets that are fully scaled down and observed so. */
		if (h->obj_int(rs, "status.replicas", 0) != 0 || dp_replicas(h, rs) != 0 ||
		    h->obj_int(rs, "metadata.generation", 0) >
			    h->obj_int(rs, "status.observedGeneration", 0))
			continue;
		cs_error err;
		int code = cs_api_delete(s->m, DP_RS, s->ns, rs_name(s, rs), &err);
		if (code == 0) {
			h->metric_add(dp_of(s->m)->rs_deleted, 1);
			h->log(s->m, CS_LOG_INFO, "deployment %s: deleted old replica set %s",
			       s->key, rs_name(s, rs));
		} else if (code != CS_NOT_FOUND) {
			h->log(s->m, CS_LOG_WARN,
			       "deployment %s: deleting old replica set %s failed (%d %s): %s",
			       s->key, rs_name(s, rs), code, err.reason, err.message);
			rc = CS_RETRY;
		}
	}
	free(idx);
	return rc;
}

/* ---- status ---- */

/* Kubernetes leaves zero counts out (omitempty). */
static int set_count(const cs_host *h, cs_object *st, const char *field, int64_t n)
{
	if (n)
		return h->obj_set_int(st, field, n);
	h->obj_remove(st, field);
	return 0;
}

/* calculateStatus: counts over the ReplicaSets, conditions carried over,
 * Available from maxUnavailable. */
static cs_object *calculate_status(dp_sync *s)
{
	const cs_host *h = s->h;
	cs_object *st = status_copy(s);
	if (!st)
		return NULL;
	int64_t avail = dp_sum(s, "status.availableReplicas", -1);
	int64_t total = dp_sum(s, "spec.replicas", -1);
	int64_t unavail = total - avail < 0 ? 0 : total - avail;
	const cs_object *nrs = dp_new(s);
	int64_t want = dp_replicas(h, s->d);
	bool min_ok = avail >= want - dp_max_unavailable(h, s->d);
	if (set_count(h, st, "observedGeneration", h->obj_int(s->d, "metadata.generation", 0)) ||
	    set_count(h, st, "replicas", dp_sum(s, "status.replicas", -1)) ||
	    set_count(h, st, "updatedReplicas", nrs ? h->obj_int(nrs, "status.replicas", 0) : 0) ||
	    set_count(h, st, "readyReplicas", dp_sum(s, "status.readyReplicas", -1)) ||
	    set_count(h, st, "availableReplicas", avail) ||
	    set_count(h, st, "unavailableReplicas", unavail) ||
	    dp_cond_set(h, st, "Available", min_ok ? "True" : "False",
			min_ok ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
			min_ok ? "Deployment has minimum availability."
			       : "Deployment does not have minimum availability.")) {
		h->obj_free(st);
		return NULL;
	}
	return st;
}

/* DeploymentComplete over a status. */
static bool complete(dp_sync *s, const cs_object *st)
{
	const cs_host *h = s->h;
	int64_t want = dp_replicas(h, s->d);
	return h->obj_int(st, "updatedReplicas", 0) == want &&
	       h->obj_int(st, "replicas", 0) == want &&
	       h->obj_int(st, "availableReplicas", 0) == want &&
	       h->obj_int(st, "observedGeneration", 0) >=
		       h->obj_int(s->d, "metadata.generation", 0);
}

bool dp_complete(dp_sync *s)
{
	return complete(s, s->h->obj_get(s->d, "status"));
}

/* DeploymentProgressing: something moved since the last status. */
static bool progressing(dp_sync *s, const cs_object *st)
{
	const cs_host *h = s->h;
	const cs_object *old = h->obj_get(s->d, "status");
	int64_t oup = h->obj_int(old, "updatedReplicas", 0),
		nup = h->obj_int(st, "updatedReplicas", 0);
	int64_t oold = h->obj_int(old, "replicas", 0) - oup;
	int64_t nold = h->obj_int(st, "replicas", 0) - nup;
	return nup > oup || nold < oold ||
	       h->obj_int(st, "readyReplicas", 0) > h->obj_int(old, "readyReplicas", 0) ||
	       h->obj_int(st, "availableReplicas", 0) > h->obj_int(old, "availableReplicas", 0);
}

static int64_t deadline_s(dp_sync *s)
{
	return s->h->obj_int(s->d, "spec.progressDeadlineSeconds", 600);
}

/* DeploymentTimedOut. */
static bool timed_out(dp_sync *s, const cs_object *st)
{
	const cs_host *h = s->h;
	if (!has_progress_deadline(s))
		return false;
	const cs_object *c = dp_cond_get(h, st, "Progressing");
	const char *reason = h->obj_str(c, "reason");
	if (!c || ck_str_is(reason, "NewReplicaSetAvailable"))
		return false;
	if (ck_str_is(reason, "ProgressDeadlineExceeded"))
		return true;
	double from = ck_time(h->obj_str(c, "lastUpdateTime"));
	return from >= 0 && from + (double)deadline_s(s) < ck_now();
}

/* getReplicaFailures: the new ReplicaSet's ReplicaFailure condition, else
 * an old one's. */
static const cs_object *replica_failure(dp_sync *s)
{
	const cs_host *h = s->h;
	const cs_object *nrs = dp_new(s);
	const cs_object *c =
		nrs ? dp_cond_get(h, h->obj_get(nrs, "status"), "ReplicaFailure") : NULL;
	for (size_t i = 0; !c && i < s->nrs; i++)
		if ((int)i != s->new_idx)
			c = dp_cond_get(h, h->obj_get(s->rss[i], "status"), "ReplicaFailure");
	return c;
}

static int progress_condition(dp_sync *s, cs_object *st)
{
	const cs_host *h = s->h;
	if (!has_progress_deadline(s)) {
		dp_cond_remove(h, st, "Progressing");
		return 0;
	}
	const cs_object *cur = dp_cond_get(h, st, "Progressing");
	const cs_object *nrs = dp_new(s);
	bool done = h->obj_int(st, "replicas", 0) == h->obj_int(st, "updatedReplicas", 0) && cur &&
		    ck_str_is(h->obj_str(cur, "reason"), "NewReplicaSetAvailable");
	if (done)
		return 0;
	char msg[400];
	if (complete(s, st)) {
		if (nrs)
			snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.",
				 rs_name(s, nrs));
		else
			snprintf(msg, sizeof(msg), "Deployment \"%s\" has successfully progressed.",
				 s->name);
		return dp_cond_set(h, st, "Progressing", "True", "NewReplicaSetAvailable", msg);
	}
	if (progressing(s, st)) {
		if (nrs)
			snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.",
				 rs_name(s, nrs));
		else
			snprintf(msg, sizeof(msg), "Deployment \"%s\" is progressing.", s->name);
		return dp_cond_put(h, st, "Progressing", "True", "ReplicaSetUpdated", msg, true);
	}
	if (timed_out(s, st)) {
		if (nrs)
			snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has timed out progressing.",
				 rs_name(s, nrs));
		else
			snprintf(msg, sizeof(msg), "Deployment \"%s\" has timed out progressing.",
				 s->name);
		return dp_cond_set(h, st, "Progressing", "False", "ProgressDeadlineExceeded", msg);
	}
	return 0;
}

/* requeueStuckDeployment: look again when the deadline would pass. */
static void requeue_stuck(dp_sync *s, const cs_object *st)
{
	const cs_host *h = s->h;
	const cs_object *c = dp_cond_get(h, st, "Progressing");
	if (!has_progress_deadline(s) || !c || complete(s, st) ||
	    ck_str_is(h->obj_str(c, "reason"), "ProgressDeadlineExceeded"))
		return;
	double from = ck_time(h->obj_str(c, "lastUpdateTime"));
	if (from < 0)
		return;
	double after = from + (double)deadline_s(s) - ck_now();
	int64_t ms = after < 1 ? 1000 : (int64_t)((after + 1) * 1000);
	if (!s->requeue_ms || ms < s->requeue_ms)
		s->requeue_ms = ms;
}

int dp_sync_status(dp_sync *s, bool rollout)
{
	const cs_host *h = s->h;
	cs_object *st = calculate_status(s);
	if (!st)
		return CS_RETRY;
	if (rollout) {
		const cs_object *fail = replica_failure(s);
		int bad = progress_condition(s, st);
		if (!bad && fail)
			bad = dp_cond_set(h, st, "ReplicaFailure",
					  h->obj_str(fail, "status") ?: "True",
					  h->obj_str(fail, "reason") ?: "",
					  h->obj_str(fail, "message") ?: "");
		else if (!bad)
			dp_cond_remove(h, st, "ReplicaFailure");
		if (bad) {
			h->obj_free(st);
			return CS_RETRY;
		}
	}
	if (h->obj_equal(st, h->obj_get(s->d, "status"))) {
		if (rollout)
			requeue_stuck(s, st);
		h->obj_free(st);
		return CS_DONE;
	}
	return write_status(s, st);
}

int dp_paused_conditions(dp_sync *s)
{
	const cs_host *h = s->h;
	if (!has_progress_deadline(s))
		return CS_DONE;
	const cs_object *c = dp_cond_get(h, h->obj_get(s->d, "status"), "Progressing");
	const char *reason = h->obj_str(c, "reason");
	if (ck_str_is(reason, "ProgressDeadlineExceeded"))
		return CS_DONE; /* lack of progress is not overwritten */
	bool paused = h->obj_bool(s->d, "spec.paused", false);
	bool was = ck_str_is(reason, "DeploymentPaused");
	if (paused == was)
		return CS_DONE;
	cs_object *st = status_copy(s);
	if (!st || dp_cond_set(h, st, "Progressing", "Unknown",
			       paused ? "DeploymentPaused" : "DeploymentResumed",
			       paused ? "Deployment is paused" : "Deployment is resumed")) {
		h->obj_free(st);
		return CS_RETRY;
	}
	return write_status(s, st);
}
