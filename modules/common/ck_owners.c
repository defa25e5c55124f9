/* Adopting and releasing dependents, as Kubernetes' ControllerRefManager:
 * the conditional patch of a dependent's ownerReferences, and the fresh
 * look at the owner before adopting. */
#include <string.h>

#include "ctrlkit.h"

cs_object *ck_owner_ref(const cs_host *h, const char *api_version, const char *kind,
			const char *name, const char *uid, bool controller)
{
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	if (!r || h->obj_set_str(r, "apiVersion", api_version) || h->obj_set_str(r, "kind", kind) ||
	    h->obj_set_str(r, "name", name) || h->obj_set_str(r, "uid", uid) ||
	    (controller && (h->obj_set_bool(r, "controller", true) ||
			    h->obj_set_bool(r, "blockOwnerDeletion", true)))) {
		h->obj_free(r);
		return NULL;
	}
	return r;
}

int ck_patch_owners(cs_mod *m, const char *resource, const cs_object *obj, const char *owner_uid,
		    bool adopt, cs_object *ours, const cs_object **out, cs_error *err)
{
	const cs_host *h = m->host;
	const char *ns = h->obj_str(obj, "metadata.namespace");
	const char *name = h->obj_str(obj, "metadata.name");
	const char *rv = h->obj_str(obj, "metadata.resourceVersion");
	const cs_object *refs = h->obj_get(obj, "metadata.ownerReferences");
	cs_object *p = h->obj_new(CS_OBJ_MAP), *list = h->obj_new(CS_OBJ_ARRAY);
	bool bad = !p || !list || !name || !owner_uid || (adopt && !ours);
	for (size_t i = 0; !bad && i < h->obj_len(refs); i++) {
		const cs_object *r = h->obj_at(refs, i);
		if (!ck_str_is(h->obj_str(r, "uid"), owner_uid))
			bad = h->obj_append(list, h->obj_clone(r)) != 0;
	}
	if (ours && !bad) {
		bad = h->obj_append(list, ours) != 0;
	} else {
		h->obj_free(ours);
	}
	if (!bad && h->obj_len(list) == 0) {
		h->obj_free(list);
		list = h->obj_new(CS_OBJ_NULL); /* merge patch: remove the field */
		bad = !list;
	}
	if (bad || h->obj_set(p, "metadata.ownerReferences", list) ||
	    (rv && h->obj_set_str(p, "metadata.resourceVersion", rv))) {
		if (bad)
			h->obj_free(list);
		h->obj_free(p);
		return h->errorf(
			       err, 500, "InternalError",
			       "cannot build the ownerReferences patch of %s %s/%s (out of memory "
			       "or no name)",
			       resource, ns ? ns : "", name ? name : "?"),
		       500;
	}
	int rc = cs_api_patch(m, resource, ns, name, CS_PATCH_MERGE, p, out, err);
	h->obj_free(p);
	return rc;
}

bool ck_owner_current(cs_mod *m, const char *resource, const char *ns, const char *name,
		      const char *uid, const char *what)
{
	const cs_host *h = m->host;
	const cs_object *fresh = NULL;
	cs_error err;
	int rc = cs_api_get(m, resource, ns, name, &fresh, &err);
	bool ok = rc == 0 && ck_str_is(h->obj_str(fresh, "metadata.uid"), uid) &&
		  !h->obj_get(fresh, "metadata.deletionTimestamp");
	if (rc && rc != CS_NOT_FOUND)
		h->log(m, CS_LOG_WARN, "%s %s/%s: cannot check it before adopting %s (%d): %s",
		       resource, ns ? ns : "", name, what, rc, err.message);
	h->obj_free(fresh);
	return ok;
}
