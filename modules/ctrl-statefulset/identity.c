/* The identity of an ordinal: its pod (stable name, hostname, labels,
 * claim volumes) and its PersistentVolumeClaims with the owner references
 * the retention policy asks for, as Kubernetes' stateful_set_utils and
 * StatefulPodControl make them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts.h"

static cs_object *ref_to(const cs_host *h, const char *api, const char *kind, const char *name,
			 const char *uid, bool controller)
{
	return ck_owner_ref(h, api, kind, name, uid, controller);
}

static void claim_name(const cs_host *h, const sts_view *v, const cs_object *tmpl, int ord,
		       char *out, size_t n)
{
	snprintf(out, n, "%s-%s-%d", h->obj_str(tmpl, "metadata.name") ?: "", v->name, ord);
}

/* Pod volumes: one per claim template first, then the template's other
 * volumes (Kubernetes' updateStorage). */
static int update_storage(const cs_host *h, const sts_view *v, cs_object *pod, int ord)
{
	const cs_object *claims = h->obj_get(v->set, "spec.volumeClaimTemplates");
	const cs_object *cur = h->obj_get(pod, "spec.volumes");
	if (!h->obj_len(claims))
		return 0;
	cs_object *vols = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !vols;
	for (size_t i = 0; !bad && i < h->obj_len(claims); i++) {
		const cs_object *t = h->obj_at(claims, i);
		char cn[512];
		claim_name(h, v, t, ord, cn, sizeof(cn));
		cs_object *vol = h->obj_new(CS_OBJ_MAP);
		bad = !vol || h->obj_set_str(vol, "name", h->obj_str(t, "metadata.name") ?: "") ||
		      h->obj_set_str(vol, "persistentVolumeClaim.claimName", cn);
		if (bad)
			h->obj_free(vol);
		else
			bad = h->obj_append(vols, vol) != 0; /* owns vol, also on failure */
	}
	for (size_t i = 0; !bad && i < h->obj_len(cur); i++) {
		const char *name = h->obj_str(h->obj_at(cur, i), "name");
		bool claimed = false;
		for (size_t j = 0; j < h->obj_len(claims); j++)
			claimed |= ck_str_is(name, h->obj_str(h->obj_at(claims, j), "metadata.name")
							   ?: "");
		if (!claimed)
			bad = h->obj_append(vols, h->obj_clone(h->obj_at(cur, i))) != 0;
	}
	if (bad) {
		h->obj_free(vols);
		return -1;
	}
	return h->obj_set(pod, "spec.volumes", vols);
}

static int update_identity(const cs_host *h, const sts_view *v, cs_object *pod, int ord)
{
	char name[300], idx[16];
	snprintf(name, sizeof(name), "%s-%d", v->name, ord);
	snprintf(idx, sizeof(idx), "%d", ord);
	return h->obj_set_str(pod, "metadata.name", name) ||
	       h->obj_set_str(pod, "metadata.namespace", v->ns) ||
	       sts_set_label(h, pod, LABEL_POD_NAME, name) ||
	       sts_set_label(h, pod, LABEL_POD_INDEX, idx);
}

cs_object *sts_new_pod(const cs_host *h, const sts_view *v, const cs_object *tmpl, int ord,
		       const char *revision)
{
	const cs_object *tmd = h->obj_get(tmpl, "metadata");
	const cs_object *spec = h->obj_get(tmpl, "spec");
	const char *svc = h->obj_str(v->set, "spec.serviceName");
	cs_object *p = h->obj_new(CS_OBJ_MAP);
	cs_object *refs = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !p || !refs || !spec ||
		   h->obj_append(refs, ref_to(h, "apps/v1", "StatefulSet", v->name, v->uid, true));
	static const char *const copied[] = {"labels", "annotations", "finalizers"};
	for (size_t i = 0; !bad && i < sizeof(copied) / sizeof(*copied); i++) {
		const cs_object *val = h->obj_get(tmd, copied[i]);
		char path[32];
		snprintf(path, sizeof(path), "metadata.%s", copied[i]);
		bad = val && h->obj_set(p, path, h->obj_clone(val));
	}
	if (bad || h->obj_set_str(p, "apiVersion", "v1") || h->obj_set_str(p, "kind", "Pod") ||
	    h->obj_set(p, "metadata.ownerReferences", refs) ||
	    h->obj_set(p, "spec", h->obj_clone(spec))) {
		if (bad)
			h->obj_free(refs);
		h->obj_free(p);
		return NULL;
	}
	if (update_identity(h, v, p, ord) ||
	    h->obj_set_str(p, "spec.hostname", h->obj_str(p, "metadata.name")) ||
	    (svc && *svc && h->obj_set_str(p, "spec.subdomain", svc)) ||
	    update_storage(h, v, p, ord) || sts_set_label(h, p, LABEL_REVISION, revision)) {
		h->obj_free(p);
		return NULL;
	}
	return p;
}

bool sts_identity_matches(const cs_host *h, const sts_view *v, const cs_object *pod, int ord)
{
	char name[300], idx[16];
	snprintf(name, sizeof(name), "%s-%d", v->name, ord);
	snprintf(idx, sizeof(idx), "%d", ord);
	const cs_object *labels = h->obj_get(pod, "metadata.labels");
	return ck_str_is(h->obj_str(pod, "metadata.name"), name) &&
	       ck_str_is(h->obj_str(pod, "metadata.namespace"), v->ns) &&
	       ck_str_is(ck_label(h, labels, LABEL_POD_NAME), name) &&
	       ck_str_is(ck_label(h, labels, LABEL_POD_INDEX), idx);
}

bool sts_storage_matches(const cs_host *h, const sts_view *v, const cs_object *pod, int ord)
{
	const cs_object *claims = h->obj_get(v->set, "spec.volumeClaimTemplates");
	const cs_object *vols = h->obj_get(pod, "spec.volumes");
	for (size_t i = 0; i < h->obj_len(claims); i++) {
		const cs_object *t = h->obj_at(claims, i);
		const char *tn = h->obj_str(t, "metadata.name") ?: "";
		char cn[512];
		claim_name(h, v, t, ord, cn, sizeof(cn));
		bool found = false;
		for (size_t j = 0; !found && j < h->obj_len(vols); j++) {
			const cs_object *vol = h->obj_at(vols, j);
			found = ck_str_is(h->obj_str(vol, "name"), tn) &&
				ck_str_is(h->obj_str(vol, "persistentVolumeClaim.claimName"), cn);
		}
		if (!found)
			return false;
	}
	return true;
}

int sts_fix_pod(cs_mod *m, sts_view *v, const cs_object *pod, int ord)
{
	const cs_host *h = m->host;
	const char *name = h->obj_str(pod, "metadata.name");
	cs_object *p = h->obj_clone(pod);
	if (!p || update_identity(h, v, p, ord) ||
	    (!sts_storage_matches(h, v, pod, ord) && update_storage(h, v, p, ord))) {
		h->obj_free(p);
		h->log(m, CS_LOG_WARN, "statefulset %s: cannot rebuild pod %s: out of memory",
		       v->key, name);
		return CS_RETRY;
	}
	cs_error err;
	int code = cs_api_update(m, "pods", p, NULL, &err);
	h->obj_free(p);
	if (code == CS_NOT_FOUND)
		return 0; /* gone: the next sync recreates it */
	if (code == CS_CONFLICT) {
		h->log(m, CS_LOG_DEBUG, "statefulset %s: updating pod %s conflicted", v->key, name);
		return CS_RETRY;
	}
	sts_pod_event(m, v, "update", name, code ? err.message : NULL);
	if (code) {
		h->log(m, CS_LOG_WARN, "statefulset %s: updating pod %s failed (%d %s): %s", v->key,
		       name, code, err.reason, err.message);
		return CS_RETRY;
	}
	return 0;
}

/* ---- claims ---- */

static void claim_event(cs_mod *m, sts_view *v, const char *claim, const char *pod, const char *err)
{
	if (!err)
		m->host->event(m, v->ref, "Normal", "SuccessfulCreate",
			       "create Claim %s Pod %s in StatefulSet %s success", claim, pod,
			       v->name);
	else
		m->host->event(m, v->ref, "Warning", "FailedCreate",
			       "create Claim %s for Pod %s in StatefulSet %s failed error: %s",
			       claim, pod, v->name, err);
}

/* The claim from the cache, else from the API (our own create may not be
 * cached yet).  *code: 0, 404 or the failure. */
static const cs_object *get_claim(cs_mod *m, const sts_view *v, const char *name, int *code,
				  cs_error *err)
{
	const cs_host *h = m->host;
	const cs_object *c = h->cache_get(sts_of(m)->pvcs, v->ns, name);
	*code = 0;
	if (c)
		return c;
	*code = cs_api_get(m, "persistentvolumeclaims", v->ns, name, &c, err);
	return *code ? NULL : c;
}

static const char *policy(const cs_host *h, const sts_view *v, const char *which)
{
	char path[96];
	snprintf(path, sizeof(path), "spec.persistentVolumeClaimRetentionPolicy.%s", which);
	const char *p = h->obj_str(v->set, path);
	return ck_str_is(p, "Delete") ? "Delete" : "Retain"; /* unknown: Retain, as k8s */
}

static bool scaled_down(const cs_host *h, const sts_view *v, int ord)
{
	int64_t replicas = h->obj_int(v->set, "spec.replicas", 1);
	return ord < v->start || ord >= v->start + replicas;
}

/* The claim of template t for ordinal ord: the template with the set's
 * selector labels, owned by the set when it is to go with it. */
static cs_object *new_claim(const cs_host *h, const sts_view *v, const cs_object *t, int ord)
{
	char cn[512];
	claim_name(h, v, t, ord, cn, sizeof(cn));
	cs_object *c = h->obj_clone(t);
	const cs_object *ml = h->obj_get(v->set, "spec.selector.matchLabels");
	if (!c || h->obj_set_str(c, "apiVersion", "v1") ||
	    h->obj_set_str(c, "kind", "PersistentVolumeClaim") ||
	    h->obj_set_str(c, "metadata.name", cn) ||
	    h->obj_set_str(c, "metadata.namespace", v->ns)) {
		h->obj_free(c);
		return NULL;
	}
	h->obj_remove(c, "status");
	for (size_t i = 0; i < h->obj_len(ml) && h->obj_type(ml) == CS_OBJ_MAP; i++) {
		const char *val = h->obj_str(h->obj_at(ml, i), NULL);
		if (val && sts_set_label(h, c, h->obj_key_at(ml, i), val)) {
			h->obj_free(c);
			return NULL;
		}
	}
	if (!strcmp(policy(h, v, "whenDeleted"), "Delete") &&
	    (!strcmp(policy(h, v, "whenScaled"), "Retain") || !scaled_down(h, v, ord))) {
		cs_object *refs = h->obj_new(CS_OBJ_ARRAY);
		if (!refs ||
		    h->obj_append(refs,
				  ref_to(h, "apps/v1", "StatefulSet", v->name, v->uid, false)) ||
		    h->obj_set(c, "metadata.ownerReferences", refs)) {
			h->obj_free(c);
			return NULL;
		}
	}
	return c;
}

int sts_create_claims(cs_mod *m, sts_view *v, const char *pod, int ord)
{
	const cs_host *h = m->host;
	const cs_object *claims = h->obj_get(v->set, "spec.volumeClaimTemplates");
	int rc = 0;
	for (size_t i = 0; i < h->obj_len(claims); i++) {
		const cs_object *t = h->obj_at(claims, i);
		char cn[512];
		claim_name(h, v, t, ord, cn, sizeof(cn));
		cs_error err;
		int code;
		const cs_object *have = get_claim(m, v, cn, &code, &err);
		if (have) {
			if (sts_terminating(h, have)) {
				char msg[1100];
				snprintf(msg, sizeof(msg), "pvc %s is being deleted", cn);
				sts_pod_event(m, v, "create", pod, msg);
				rc = CS_RETRY;
			}
			h->obj_free(have);
			continue;
		}
		if (code != CS_NOT_FOUND) {
			claim_event(m, v, cn, pod, err.message);
			h->log(m, CS_LOG_WARN, "statefulset %s: reading claim %s failed (%d): %s",
			       v->key, cn, code, err.message);
			rc = CS_RETRY;
			continue;
		}
		cs_object *c = new_claim(h, v, t, ord);
		if (c) {
			code = cs_api_create(m, "persistentvolumeclaims", v->ns, c, NULL, &err);
			h->obj_free(c);
		} else {
			code = 500;
			h->errorf(&err, 500, "InternalError", "out of memory");
		}
		if (code == CS_CONFLICT && !strcmp(err.reason, "AlreadyExists"))
			continue;
		claim_event(m, v, cn, pod, code ? err.message : NULL);
		if (code) {
			char msg[1100];
			snprintf(msg, sizeof(msg), "failed to create PVC %s: %s", cn, err.message);
			sts_pod_event(m, v, "create", pod, msg);
			h->log(m, CS_LOG_WARN, "statefulset %s: creating claim %s failed (%d): %s",
			       v->key, cn, code, err.message);
			rc = CS_RETRY;
		} else {
			h->log(m, CS_LOG_INFO, "statefulset %s: created claim %s", v->key, cn);
		}
	}
	return rc;
}

bool sts_claim_stale(cs_mod *m, sts_view *v, int ord)
{
	const cs_host *h = m->host;
	if (!strcmp(policy(h, v, "whenScaled"), "Retain"))
		return false; /* claims are meant to be reused */
	const cs_object *claims = h->obj_get(v->set, "spec.volumeClaimTemplates");
	char pod[300];
	snprintf(pod, sizeof(pod), "%s-%d", v->name, ord);
	bool stale = false;
	for (size_t i = 0; !stale && i < h->obj_len(claims); i++) {
		char cn[512];
		claim_name(h, v, h->obj_at(claims, i), ord, cn, sizeof(cn));
		const cs_object *c = h->cache_get(sts_of(m)->pvcs, v->ns, cn);
		const cs_object *refs = h->obj_get(c, "metadata.ownerReferences");
		/* Owned by an earlier pod of this name: the garbage collector
		 * is about to delete it. */
		for (size_t j = 0; j < h->obj_len(refs); j++) {
			const cs_object *r = h->obj_at(refs, j);
			stale |= ck_str_is(h->obj_str(r, "kind"), "Pod") &&
				 ck_str_is(h->obj_str(r, "name"), pod);
		}
		h->obj_free(c);
	}
	return stale;
}

/* refs without the ones to uid, plus `add` (owned, may be NULL). */
static cs_object *refs_edit(const cs_host *h, const cs_object *refs, const char *uid,
			    cs_object *add)
{
	cs_object *out = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !out;
	for (size_t i = 0; !bad && i < h->obj_len(refs); i++) {
		const cs_object *r = h->obj_at(refs, i);
		if (!ck_str_is(h->obj_str(r, "uid"), uid))
			bad = h->obj_append(out, h->obj_clone(r)) != 0;
	}
	if (!bad && add) {
		bad = h->obj_append(out, add) != 0;
		add = NULL;
	}
	h->obj_free(add);
	if (bad) {
		h->obj_free(out);
		return NULL;
	}
	return out;
}

static bool has_ref(const cs_host *h, const cs_object *refs, const char *uid)
{
	for (size_t i = 0; i < h->obj_len(refs); i++)
		if (ck_str_is(h->obj_str(h->obj_at(refs, i), "uid"), uid))
			return true;
	return false;
}

/* Kubernetes' updateClaimOwnerRefForSetAndPod: which of the set and the
 * pod own the claim under the policy.  An existing reference is kept as
 * it is; a missing one is appended. */
static cs_object *wanted_refs(const cs_host *h, const sts_view *v, const cs_object *claim,
			      const cs_object *pod, int ord)
{
	bool del_deleted = !strcmp(policy(h, v, "whenDeleted"), "Delete");
	bool del_scaled = !strcmp(policy(h, v, "whenScaled"), "Delete");
	bool down = scaled_down(h, v, ord);
	bool by_set = del_deleted && (!del_scaled || !down);
	bool by_pod = del_scaled && down;
	const char *puid = h->obj_str(pod, "metadata.uid") ?: "";
	const cs_object *refs = h->obj_get(claim, "metadata.ownerReferences");
	cs_object *out =
		h->obj_type(refs) == CS_OBJ_ARRAY ? h->obj_clone(refs) : h->obj_new(CS_OBJ_ARRAY);
	if (!out)
		return NULL;
	struct {
		bool want;
		const char *uid, *api, *kind, *name;
	} owners[2] = {{by_set, v->uid, "apps/v1", "StatefulSet", v->name},
		       {by_pod, puid, "v1", "Pod", h->obj_str(pod, "metadata.name") ?: ""}};
	for (int k = 0; k < 2 && out; k++) {
		bool have = has_ref(h, out, owners[k].uid);
		if (owners[k].want == have || !*owners[k].uid)
			continue;
		cs_object *add = owners[k].want ? ref_to(h, owners[k].api, owners[k].kind,
							 owners[k].name, owners[k].uid, false)
						: NULL;
		if (owners[k].want && !add) {
			h->obj_free(out);
			return NULL;
		}
		cs_object *next = refs_edit(h, out, owners[k].uid, add);
		h->obj_free(out);
		out = next;
	}
	return out;
}

int sts_claims_retention(cs_mod *m, sts_view *v, const cs_object *pod, int ord)
{
	const cs_host *h = m->host;
	const cs_object *claims = h->obj_get(v->set, "spec.volumeClaimTemplates");
	int rc = 0;
	for (size_t i = 0; i < h->obj_len(claims); i++) {
		char cn[512];
		claim_name(h, v, h->obj_at(claims, i), ord, cn, sizeof(cn));
		const cs_object *c = h->cache_get(sts_of(m)->pvcs, v->ns, cn);
		if (!c)
			continue; /* not created yet: it gets its references then */
		cs_object *want = wanted_refs(h, v, c, pod, ord);
		const cs_object *have = h->obj_get(c, "metadata.ownerReferences");
		if (!want) {
			rc = CS_RETRY;
		} else if (!h->obj_equal(want, have) && (h->obj_len(want) || h->obj_len(have))) {
			cs_object *p = h->obj_new(CS_OBJ_MAP);
			const char *rv = h->obj_str(c, "metadata.resourceVersion");
			if (!h->obj_len(want)) {
				h->obj_free(want);
				want = h->obj_new(CS_OBJ_NULL); /* merge patch: remove */
			}
			cs_error err;
			int code = 500;
			/* obj_set owns want from here, also on failure */
			if (p && !h->obj_set(p, "metadata.ownerReferences", want) &&
			    !(rv && h->obj_set_str(p, "metadata.resourceVersion", rv)))
				code = cs_api_patch(m, "persistentvolumeclaims", v->ns, cn,
						    CS_PATCH_MERGE, p, NULL, &err);
			else if (!p)
				h->obj_free(want);
			want = NULL;
			h->obj_free(p);
			if (code && code != CS_NOT_FOUND) {
				h->log(m, CS_LOG_WARN,
				       "statefulset %s: could not update claim %s for delete "
				       "policy "
				       "ownerRefs (%d): %s",
				       v->key, cn, code,
				       code == 500 ? "out of memory" : err.message);
				rc = CS_RETRY;
			}
		}
		h->obj_free(want);
		h->obj_free(c);
	}
	return rc;
}
