/* ControllerRevisions of a StatefulSet, as Kubernetes' controller history:
 * each distinct pod template is recorded once, as the patch that restores
 * it ({"spec":{"template":{..., "$patch":"replace"}}}), named
 * <set>-<hash>, controlled by the set and numbered in order of use. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts.h"

/* Kubernetes' rand.SafeEncodeString alphabet: no vowels, no 0/1/3. */
static const char alphanums[] = "bcdfghjklmnpqrstvwxz2456789";

/* history.HashControllerRevision: FNV-1 (32 bit) of the data, then of the
 * collision count in decimal, printed in decimal and re-encoded. */
static void rev_hash(const char *data, size_t len, int64_t collisions, char out[16])
{
	uint32_t hv = 2166136261u;
	char probe[24];
	int n = snprintf(probe, sizeof(probe), "%" PRId64, collisions);
	for (size_t i = 0; i < len; i++)
		hv = (hv * 16777619u) ^ (unsigned char)data[i];
	for (int i = 0; i < n; i++)
		hv = (hv * 16777619u) ^ (unsigned char)probe[i];
	char dec[16];
	snprintf(dec, sizeof(dec), "%" PRIu32, hv);
	size_t i = 0;
	for (; dec[i]; i++)
		out[i] = alphanums[(unsigned char)dec[i] % (sizeof(alphanums) - 1)];
	out[i] = 0;
}

static cs_object *rev_data(const cs_host *h, const cs_object *set)
{
	cs_object *d = h->obj_new(CS_OBJ_MAP);
	const cs_object *t = h->obj_get(set, "spec.template");
	if (!d || !t || h->obj_set(d, "spec.template", h->obj_clone(t)) ||
	    h->obj_set_str(d, "spec.template.$patch", "replace")) {
		h->obj_free(d);
		return NULL;
	}
	return d;
}

cs_object *sts_rev_template(const cs_host *h, const cs_object *rev)
{
	const cs_object *t = h->obj_get(rev, "data.spec.template");
	cs_object *c = t ? h->obj_clone(t) : NULL;
	if (c)
		h->obj_remove(c, "$patch");
	return c;
}

struct collect {
	const cs_host *h;
	sts_view *v;
	bool oom;
};

static bool collect_visit(void *arg, const cs_object *rev)
{
	struct collect *c = arg;
	const cs_host *h = c->h;
	const char *uid = h->obj_str(ck_controller_ref(h, rev), "uid");
	if (!uid || strcmp(uid, c->v->uid))
		return true;
	const cs_object *k = h->obj_keep(rev);
	if (!sts_push(&c->v->revs, &c->v->nrevs, &c->v->caprevs, k)) {
		h->obj_free(k);
		c->oom = true;
		return false;
	}
	return true;
}

static void sort_revisions(const cs_host *h, sts_view *v)
{
	/* Insertion sort: revision lists are short (revisionHistoryLimit),
	 * and qsort would need global state shared by the worker threads. */
	for (size_t i = 1; i < v->nrevs; i++) {
		const cs_object *x = v->revs[i];
		size_t j = i;
		while (j > 0) {
			const cs_object *y = v->revs[j - 1];
			int64_t rx = h->obj_int(x, "revision", 0),
				ry = h->obj_int(y, "revision", 0);
			const char *nx = h->obj_str(x, "metadata.name") ?: "";
			const char *ny = h->obj_str(y, "metadata.name") ?: "";
			if (ry < rx || (ry == rx && strcmp(ny, nx) <= 0))
				break;
			v->revs[j] = y;
			j--;
		}
		v->revs[j] = x;
	}
}

static cs_object *owner_ref(const cs_host *h, const sts_view *v)
{
	return ck_owner_ref(h, "apps/v1", "StatefulSet", v->name, v->uid, true);
}

/* history.NewControllerRevision: labelled like the template plus the hash. */
static cs_object *new_revision(const cs_host *h, const sts_view *v, const cs_object *data,
			       int64_t number)
{
	cs_object *r = h->obj_new(CS_OBJ_MAP), *refs = h->obj_new(CS_OBJ_ARRAY);
	const cs_object *labels = h->obj_get(v->set, "spec.template.metadata.labels");
	bool bad = !r || !refs || h->obj_append(refs, owner_ref(h, v));
	if (bad || h->obj_set_str(r, "apiVersion", "apps/v1") ||
	    h->obj_set_str(r, "kind", "ControllerRevision") ||
	    h->obj_set_str(r, "metadata.namespace", v->ns) ||
	    (labels && h->obj_set(r, "metadata.labels", h->obj_clone(labels))) ||
	    h->obj_set(r, "metadata.ownerReferences", refs) ||
	    h->obj_set(r, "data", h->obj_clone(data)) || h->obj_set_int(r, "revision", number)) {
		if (bad)
			h->obj_free(refs);
		h->obj_free(r);
		return NULL;
	}
	return r;
}

/* history.CreateControllerRevision: on a name collision with different
 * data, count the collision and hash again. */
static int create_revision(cs_mod *m, sts_view *v, cs_object *rev, const cs_object *data)
{
	const cs_host *h = m->host;
	size_t len;
	char *json = h->obj_json(data, &len);
	if (!json)
		return CS_RETRY;
	char hash[16], name[300];
	rev_hash(json, len, v->collisions, hash);
	int rc = CS_RETRY;
	if (sts_set_label(h, rev, LABEL_HASH, hash))
		goto out;
	for (int tries = 0; tries < 100; tries++) {
		rev_hash(json, len, v->collisions, hash);
		snprintf(name, sizeof(name), "%.223s-%s", v->name, hash);
		if (h->obj_set_str(rev, "metadata.name", name))
			goto out;
		const cs_object *got = NULL;
		cs_error err;
		int code = cs_api_create(m, "controllerrevisions.apps", v->ns, rev, &got, &err);
		if (code == 0) {
			h->log(m, CS_LOG_INFO, "statefulset %s: created revision %s", v->key, name);
			v->upd_rev = got;
			rc = 0;
			goto out;
		}
		if (code != CS_CONFLICT || strcmp(err.reason, "AlreadyExists")) {
			h->log(m, CS_LOG_WARN,
			       "statefulset %s: creating controller revision %s failed (%d %s): %s",
			       v->key, name, code, err.reason, err.message);
			goto out;
		}
		code = cs_api_get(m, "controllerrevisions.apps", v->ns, name, &got, &err);
		if (code) {
			h->log(m, CS_LOG_WARN,
			       "statefulset %s: reading controller revision %s failed (%d %s): %s",
			       v->key, name, code, err.reason, err.message);
			goto out;
		}
		if (h->obj_equal(h->obj_get(got, "data"), data)) {
			v->upd_rev = got; /* our own create, not yet in the cache */
			rc = 0;
			goto out;
		}
		h->obj_free(got);
		v->collisions++;
	}
	h->log(m, CS_LOG_WARN, "statefulset %s: no free controller revision name", v->key);
out:
	h->free(json);
	return rc;
}

int sts_revisions(cs_mod *m, sts_view *v)
{
	const cs_host *h = m->host;
	sts_ctrl *c = sts_of(m);
	struct collect col = {h, v, false};
	if (h->cache_each(c->revs, v->ns, NULL, collect_visit, &col) < 0 || col.oom) {
		h->log(m, CS_LOG_WARN, "statefulset %s: cannot list its revisions", v->key);
		return CS_RETRY;
	}
	sort_revisions(h, v);
	v->collisions = h->obj_int(v->set, "status.collisionCount", 0);
	cs_object *data = rev_data(h, v->set);
	if (!data) {
		h->log(m, CS_LOG_WARN, "statefulset %s: cannot build its revision: no template",
		       v->key);
		return CS_RETRY;
	}
	int64_t next = v->nrevs ? h->obj_int(v->revs[v->nrevs - 1], "revision", 0) + 1 : 1;
	ssize_t eq = -1;
	for (size_t i = 0; i < v->nrevs; i++)
		if (h->obj_equal(h->obj_get(v->revs[i], "data"), data))
			eq = (ssize_t)i;
	int rc = 0;
	if (eq >= 0 && (size_t)eq == v->nrevs - 1) {
		/* The template has not changed since the latest revision. */
		v->upd_rev = h->obj_keep(v->revs[eq]);
	} else if (eq >= 0) {
		/* A rollback to an older template: renumber its revision. */
		cs_object *r = h->obj_clone(v->revs[eq]);
		cs_error err;
		int code = !r || h->obj_set_int(r, "revision", next)
				   ? 500
				   : cs_api_update(m, "controllerrevisions.apps", r, &v->upd_rev,
						   &err);
		if (code) {
			h->log(m, CS_LOG_WARN,
			       "statefulset %s: renumbering revision %s failed (%d): %s", v->key,
			       h->obj_str(v->revs[eq], "metadata.name"), code,
			       code == 500 ? "out of memory" : err.message);
			rc = CS_RETRY;
		}
		h->obj_free(r);
	} else {
		cs_object *r = new_revision(h, v, data, next);
		rc = r ? create_revision(m, v, r, data) : CS_RETRY;
		h->obj_free(r);
	}
	h->obj_free(data);
	if (rc)
		return rc;
	v->upd_name = h->obj_str(v->upd_rev, "metadata.name");
	const char *want = h->obj_str(v->set, "status.currentRevision");
	for (size_t i = 0; want && i < v->nrevs; i++)
		if (ck_str_is(h->obj_str(v->revs[i], "metadata.name"), want))
			v->cur_rev = h->obj_keep(v->revs[i]);
	if (!v->cur_rev)
		v->cur_rev = h->obj_keep(v->upd_rev); /* history starts here */
	v->cur_name = h->obj_str(v->cur_rev, "metadata.name");
	return v->upd_name && v->cur_name ? 0 : CS_RETRY;
}

int sts_truncate_history(cs_mod *m, sts_view *v)
{
	const cs_host *h = m->host;
	int64_t limit = h->obj_int(v->set, "spec.revisionHistoryLimit", 10);
	const cs_object **old = calloc(v->nrevs + 1, sizeof(*old));
	size_t n = 0;
	if (!old)
		return CS_RETRY;
	for (size_t i = 0; i < v->nrevs; i++) {
		const char *name = h->obj_str(v->revs[i], "metadata.name");
		bool live =
			ck_str_is(name, v->cur_name ?: "") || ck_str_is(name, v->upd_name ?: "");
		for (size_t j = 0; !live && j < v->npods; j++)
			live = ck_str_is(ck_label(h, h->obj_get(v->pods[j], "metadata.labels"),
						  LABEL_REVISION),
					 name ?: "");
		if (!live)
			old[n++] = v->revs[i];
	}
	int rc = 0;
	for (size_t i = 0; (int64_t)(n - i) > limit; i++) {
		const char *name = h->obj_str(old[i], "metadata.name");
		cs_error err;
		int code = cs_api_delete(m, "controllerrevisions.apps", v->ns, name, &err);
		if (code && code != CS_NOT_FOUND) {
			h->log(m, CS_LOG_WARN,
			       "statefulset %s: deleting old revision %s failed (%d %s): %s",
			       v->key, name, code, err.reason, err.message);
			rc = CS_RETRY;
		} else if (!code) {
			h->log(m, CS_LOG_INFO, "statefulset %s: deleted old revision %s", v->key,
			       name);
		}
	}
	free(old);
	return rc;
}
