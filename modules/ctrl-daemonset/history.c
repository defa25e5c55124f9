/* The history of a DaemonSet's template as ControllerRevisions, the way
 * Kubernetes' DaemonSet controller keeps it (constructHistory, snapshot,
 * dedupCurHistories, cleanupHistory):
 *  - a revision is named <ds>-<hash>, labelled with the template's labels
 *    plus controller-revision-hash=<hash>, owned by the DaemonSet, and its
 *    data is the patch that restores the template:
 *    {"spec":{"template":{...,"$patch":"replace"}}};
 *  - the revision whose data holds the current template is "current" and
 *    gets the highest revision number; the others are old, and the oldest
 *    that no pod uses go beyond spec.revisionHistoryLimit.
 * The hash is FNV-32a over the template's JSON and status.collisionCount,
 * spelled with Kubernetes' SafeEncodeString alphabet.  Kubernetes hashes
 * its Go structure dump instead, so names differ from a kube cluster's for
 * the same template; nothing depends on that, since revisions are matched
 * on their data and the hash only names them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds.h"

/* ---- hash and data ---- */

static void compute_hash(const cs_host *h, const cs_object *tmpl, int64_t collisions, char *out,
			 size_t n)
{
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	size_t len = 0;
	char *json = h->obj_json(tmpl, &len);
	uint32_t f = 2166136261u;
	for (size_t i = 0; json && i < len; i++)
		f = (f ^ (unsigned char)json[i]) * 16777619u;
	h->free(json);
	if (collisions > 0) {
		/* As Kubernetes: the count's 4 little-endian bytes. */
		uint32_t c = (uint32_t)collisions;
		for (int i = 0; i < 4; i++)
			f = (f ^ ((c >> (8 * i)) & 0xff)) * 16777619u;
	}
	char dec[16];
	snprintf(dec, sizeof(dec), "%u", f);
	size_t i = 0;
	for (; dec[i] && i + 1 < n; i++)
		out[i] = alnum[(unsigned char)dec[i] % (sizeof(alnum) - 1)];
	out[i] = 0;
}

/* True when the revision's data restores exactly the current template. */
static bool rev_matches(const cs_host *h, const cs_object *ds, const cs_object *rev)
{
	const cs_object *t = h->obj_get(rev, "data.spec.template");
	if (h->obj_type(t) != CS_OBJ_MAP)
		return false;
	cs_object *c = h->obj_clone(t);
	if (!c)
		return false;
	h->obj_remove(c, "$patch");
	bool eq = h->obj_equal(c, h->obj_get(ds, "spec.template"));
	h->obj_free(c);
	return eq;
}

/* {"spec":{"template":<template + "$patch":"replace">}} */
static cs_object *patch_data(const cs_host *h, const cs_object *ds)
{
	cs_object *d = h->obj_new(CS_OBJ_MAP);
	cs_object *t = h->obj_clone(h->obj_get(ds, "spec.template"));
	if (!d || !t || h->obj_set_str(t, "$patch", "replace")) {
		h->obj_free(d);
		h->obj_free(t);
		return NULL;
	}
	if (h->obj_set(d, "spec.template", t)) {
		h->obj_free(d);
		return NULL;
	}
	return d;
}

static const char *rev_hash(const cs_host *h, const cs_object *rev)
{
	return ck_label(h, h->obj_get(rev, "metadata.labels"), DS_HASH_LABEL);
}

/* ---- the revisions of a DaemonSet ---- */

struct scan {
	cs_mod *m;
	ds_view *v;
	const cs_object *selector;
	ds_list mine, orphans, strays;
	bool oom;
};

static bool scan_visit(void *arg, const cs_object *rev)
{
	struct scan *s = arg;
	const cs_host *h = s->m->host;
	bool bad;
	bool match = ck_selector_matches(h, s->selector, h->obj_get(rev, "metadata.labels"), &bad);
	const cs_object *ref = ck_controller_ref(h, rev);
	const char *uid = h->obj_str(ref, "uid");
	ds_list *l = NULL;
	if (ref && uid && !strcmp(uid, s->v->uid))
		l = match ? &s->mine : &s->strays;
	else if (!ref && match && !h->obj_get(rev, "metadata.deletionTimestamp"))
		l = &s->orphans;
	if (l && !ds_list_push(l, h->obj_keep(rev)))
		s->oom = true;
	return !s->oom;
}

/* Adopt orphans and release strays (ControllerRevisionControllerRefManager);
 * the adopted join s->mine. */
static int claim(cs_mod *m, struct scan *s)
{
	const cs_host *h = m->host;
	int rc = CS_DONE;
	for (size_t k = 0; k < 2; k++) {
		ds_list *l = k ? &s->strays : &s->orphans;
		for (size_t i = 0; i < l->n; i++) {
			const cs_object *got = NULL;
			cs_error err;
			int code = ds_patch_owners(m, s->v, REVS, l->v[i], !k, &got, &err);
			if (code == 0 && !k && !ds_list_push(&s->mine, h->obj_keep(got)))
				code = 500;
			h->obj_free(got);
			if (code && code != CS_NOT_FOUND) {
				h->log(m, CS_LOG_WARN,
				       "daemonset %s: %s controllerrevision %s failed (%d %s): %s",
				       s->v->key, k ? "releasing" : "adopting",
				       h->obj_str(l->v[i], "metadata.name"), code, err.reason,
				       err.message);
				rc = CS_RETRY;
			}
		}
	}
	return rc;
}

/* Kubernetes labels revisions made before the hash label existed with
 * their name. */
static int ensure_hash_label(cs_mod *m, ds_view *v, const cs_object **rev)
{
	const cs_host *h = m->host;
	if (rev_hash(h, *rev))
		return CS_DONE;
	const char *name = h->obj_str(*rev, "metadata.name");
	cs_object *u = h->obj_clone(*rev);
	cs_object *labels = h->obj_clone(h->obj_get(*rev, "metadata.labels"));
	if (!labels || h->obj_type(labels) != CS_OBJ_MAP) {
		h->obj_free(labels);
		labels = h->obj_new(CS_OBJ_MAP);
	}
	/* The key holds no '.', so it is a plain path step. */
	if (!u || !labels || h->obj_set_str(labels, DS_HASH_LABEL, name ?: "") ||
	    h->obj_set(u, "metadata.labels", labels)) {
		h->obj_free(u);
		return CS_RETRY;
	}
	const cs_object *got = NULL;
	cs_error err;
	int code = cs_api_update(m, REVS, u, &got, &err);
	h->obj_free(u);
	if (code) {
		h->log(m, CS_LOG_WARN,
		       "daemonset %s: labelling controllerrevision %s failed (%d): %s", v->key,
		       name, code, err.message);
		return CS_RETRY;
	}
	h->obj_free(*rev);
	*rev = got;
	return CS_DONE;
}

static int64_t max_revision(const cs_host *h, const ds_list *l)
{
	int64_t max = 0;
	for (size_t i = 0; i < l->n; i++) {
		int64_t r = h->obj_int(l->v[i], "revision", 0);
		if (r > max)
			max = r;
	}
	return max;
}

/* Create the revision of the current template. *cur receives it. */
static int snapshot(cs_mod *m, ds_view *v, int64_t revision, const cs_object **cur)
{
	const cs_host *h = m->host;
	int64_t collisions = h->obj_int(v->ds, "status.collisionCount", 0);
	char hash[16], name[320];
	compute_hash(h, h->obj_get(v->ds, "spec.template"), collisions, hash, sizeof(hash));
	snprintf(name, sizeof(name), "%s-%s", v->name, hash);
	cs_object *r = h->obj_new(CS_OBJ_MAP), *data = patch_data(h, v->ds);
	cs_object *labels = h->obj_clone(h->obj_get(v->ds, "spec.template.metadata.labels"));
	cs_object *refs = h->obj_new(CS_OBJ_ARRAY);
	const cs_object *ann = h->obj_get(v->ds, "metadata.annotations");
	if (labels && h->obj_type(labels) != CS_OBJ_MAP) {
		h->obj_free(labels);
		labels = NULL;
	}
	if (!labels)
		labels = h->obj_new(CS_OBJ_MAP);
	bool bad = !r || !data || !labels || !refs || h->obj_append(refs, ds_owner_ref(h, v)) ||
		   h->obj_set_str(labels, DS_HASH_LABEL, hash);
	if (!bad) {
		bad = h->obj_set(r, "metadata.labels", labels) | h->obj_set(r, "data", data) |
		      h->obj_set(r, "metadata.ownerReferences", refs);
		labels = data = refs = NULL;
	}
	if (bad || h->obj_set_str(r, "apiVersion", "apps/v1") ||
	    h->obj_set_str(r, "kind", "ControllerRevision") ||
	    h->obj_set_str(r, "metadata.name", name) ||
	    h->obj_set_str(r, "metadata.namespace", v->ns) ||
	    (ann && h->obj_set(r, "metadata.annotations", h->obj_clone(ann))) ||
	    h->obj_set_int(r, "revision", revision)) {
		h->obj_free(labels);
		h->obj_free(data);
		h->obj_free(refs);
		h->obj_free(r);
		h->log(m, CS_LOG_WARN,
		       "daemonset %s: cannot build a controllerrevision: out of memory", v->key);
		return CS_RETRY;
	}
	cs_error err;
	int code = cs_api_create(m, REVS, v->ns, r, cur, &err);
	h->obj_free(r);
	if (code == 0) {
		h->log(m, CS_LOG_INFO,
		       "daemonset %s: created controllerrevision %s (revision %lld)", v->key, name,
		       (long long)revision);
		return CS_DONE;
	}
	if (code != CS_CONFLICT || strcmp(err.reason, "AlreadyExists")) {
		h->log(m, CS_LOG_WARN,
		       "daemonset %s: creating controllerrevision %s failed (%d): %s", v->key, name,
		       code, err.message);
		return CS_RETRY;
	}
	/* Ours already (the cache had not seen it), or a hash collision. */
	const cs_object *have = NULL;
	code = cs_api_get(m, REVS, v->ns, name, &have, &err);
	if (code == 0 && rev_matches(h, v->ds, have)) {
		const char *uid = h->obj_str(ck_controller_ref(h, have), "uid");
		if (uid && !strcmp(uid, v->uid)) {
			*cur = have;
			return CS_DONE;
		}
	}
	h->obj_free(have);
	if (code)
		return CS_RETRY;
	const cs_object *fresh = NULL;
	if (cs_api_get(m, PRIMARY, v->ns, v->name, &fresh, &err))
		return CS_RETRY;
	int rc = CS_RETRY;
	if (h->obj_int(fresh, "status.collisionCount", 0) == collisions) {
		cs_object *u = h->obj_clone(fresh);
		if (u && !h->obj_set_int(u, "status.collisionCount", collisions + 1)) {
			code = cs_api_update(m, PRIMARY "/status", u, NULL, &err);
			if (code)
				h->log(m, CS_LOG_WARN,
				       "daemonset %s: bumping its collisionCount failed (%d): %s",
				       v->key, code, err.message);
			else
				h->log(m, CS_LOG_INFO,
				       "daemonset %s: hash collision on controllerrevision %s; "
				       "collisionCount is now %lld",
				       v->key, name, (long long)collisions + 1);
		}
		h->obj_free(u);
	}
	h->obj_free(fresh);
	return rc;
}

/* Several revisions hold the current template (an older one was rolled
 * back to): keep the highest, move the pods onto its hash, delete the
 * rest. */
static int dedup(cs_mod *m, ds_view *v, ds_list *cur, const cs_object **keep)
{
	const cs_host *h = m->host;
	size_t k = 0;
	for (size_t i = 1; i < cur->n; i++)
		if (h->obj_int(cur->v[i], "revision", 0) >= h->obj_int(cur->v[k], "revision", 0))
			k = i;
	*keep = h->obj_keep(cur->v[k]);
	const char *hash = rev_hash(h, *keep);
	int rc = CS_DONE;
	for (size_t i = 0; i < cur->n && hash; i++) {
		if (i == k)
			continue;
		for (size_t p = 0; p < v->owned.n; p++) {
			const cs_object *pod = v->owned.v[p];
			const char *ph =
				ck_label(h, h->obj_get(pod, "metadata.labels"), DS_HASH_LABEL);
			if (ph && !strcmp(ph, hash))
				continue;
			cs_object *patch = h->obj_new(CS_OBJ_MAP);
			cs_error err;
			int code = !patch || h->obj_set_str(patch, "metadata.labels." DS_HASH_LABEL,
							    hash)
					   ? 500
					   : cs_api_patch(m, "pods", v->ns,
							  h->obj_str(pod, "metadata.name"),
							  CS_PATCH_MERGE, patch, NULL, &err);
			h->obj_free(patch);
			if (code && code != CS_NOT_FOUND)
				rc = CS_RETRY;
		}
		const char *name = h->obj_str(cur->v[i], "metadata.name");
		cs_error err;
		int code = cs_api_delete(m, REVS, v->ns, name, &err);
		if (code && code != CS_NOT_FOUND) {
			h->log(m, CS_LOG_WARN,
			       "daemonset %s: deleting duplicate controllerrevision %s failed "
			       "(%d): %s",
			       v->key, name, code, err.message);
			rc = CS_RETRY;
		}
	}
	return rc;
}

int ds_history(cs_mod *m, ds_view *v)
{
	const cs_host *h = m->host;
	ds_ctrl *c = ds_of(m);
	struct scan s = {.m = m, .v = v, .selector = h->obj_get(v->ds, "spec.selector")};
	ds_list cur = {0};
	const cs_object *keep = NULL;
	int rc = CS_RETRY;
	if (h->cache_each(c->revs, v->ns, NULL, scan_visit, &s) < 0 || s.oom) {
		h->log(m, CS_LOG_WARN, "daemonset %s: cannot list its controllerrevisions", v->key);
		goto out;
	}
	if (claim(m, &s) != CS_DONE)
		goto out;
	for (size_t i = 0; i < s.mine.n; i++) {
		if (ensure_hash_label(m, v, &s.mine.v[i]) != CS_DONE)
			goto out;
		ds_list *l = rev_matches(h, v->ds, s.mine.v[i]) ? &cur : &v->old_revs;
		if (!ds_list_push(l, h->obj_keep(s.mine.v[i])))
			goto out;
	}
	int64_t next = max_revision(h, &v->old_revs) + 1;
	if (!cur.n) {
		if (snapshot(m, v, next, &keep) != CS_DONE)
			goto out;
	} else {
		if (dedup(m, v, &cur, &keep) != CS_DONE)
			goto out;
		if (h->obj_int(keep, "revision", 0) < next) {
			/* Rolled back to an older template: it is the newest
			 * revision again. */
			cs_object *u = h->obj_clone(keep);
			const cs_object *got = NULL;
			cs_error err;
			int code = !u || h->obj_set_int(u, "revision", next)
					   ? 500
					   : cs_api_update(m, REVS, u, &got, &err);
			h->obj_free(u);
			if (code) {
				h->log(m, CS_LOG_WARN,
				       "daemonset %s: renumbering controllerrevision %s failed "
				       "(%d)",
				       v->key, h->obj_str(keep, "metadata.name"), code);
				goto out;
			}
			h->obj_free(keep);
			keep = got;
		}
	}
	snprintf(v->hash, sizeof(v->hash), "%s", rev_hash(h, keep) ?: "");
	rc = CS_DONE;
out:
	h->obj_free(keep);
	ds_list_free(h, &cur);
	ds_list_free(h, &s.mine);
	ds_list_free(h, &s.orphans);
	ds_list_free(h, &s.strays);
	return rc;
}

static int by_revision(const void *a, const void *b, void *arg)
{
	const cs_host *h = arg;
	int64_t ra = h->obj_int(*(const cs_object *const *)a, "revision", 0);
	int64_t rb = h->obj_int(*(const cs_object *const *)b, "revision", 0);
	return ra < rb ? -1 : ra > rb;
}

int ds_cleanup_history(cs_mod *m, ds_view *v)
{
	const cs_host *h = m->host;
	int64_t limit = h->obj_int(v->ds, "spec.revisionHistoryLimit", 10);
	int64_t kill = (int64_t)v->old_revs.n - (limit < 0 ? 0 : limit);
	if (kill <= 0)
		return CS_DONE;
	qsort_r(v->old_revs.v, v->old_revs.n, sizeof(*v->old_revs.v), by_revision, (void *)h);
	int rc = CS_DONE;
	for (size_t i = 0; i < v->old_revs.n && kill > 0; i++) {
		const cs_object *rev = v->old_revs.v[i];
		const char *hash = rev_hash(h, rev);
		bool live = false;
		/* Every pod counts here, terminal and terminating ones too. */
		for (size_t p = 0; hash && !live && p < v->owned.n; p++) {
			const char *ph = ck_label(h, h->obj_get(v->owned.v[p], "metadata.labels"),
						  DS_HASH_LABEL);
			live = ph && !strcmp(ph, hash);
		}
		if (live)
			continue;
		const char *name = h->obj_str(rev, "metadata.name");
		cs_error err;
		int code = cs_api_delete(m, REVS, v->ns, name, &err);
		if (code && code != CS_NOT_FOUND) {
			h->log(m, CS_LOG_WARN,
			       "daemonset %s: deleting old controllerrevision %s failed (%d): %s",
			       v->key, name, code, err.message);
			rc = CS_RETRY;
		} else {
			h->log(m, CS_LOG_DEBUG, "daemonset %s: pruned controllerrevision %s",
			       v->key, name);
		}
		kill--;
	}
	return rc;
}
