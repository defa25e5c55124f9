/* The Job's writes to pods: create from the template (labels, owner,
 * tracking finalizer, completion index), delete, and release the tracking
 * finalizer once a pod is counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

cs_object *job_event_ref(const cs_host *h, const job_view *v)
{
	cs_object *r = h->obj_new(CS_OBJ_MAP);
	if (!r || h->obj_set_str(r, "apiVersion", "batch/v1") || h->obj_set_str(r, "kind", "Job") ||
	    h->obj_set_str(r, "metadata.name", v->name) ||
	    h->obj_set_str(r, "metadata.namespace", v->ns) ||
	    h->obj_set_str(r, "metadata.uid", v->uid)) {
		h->obj_free(r);
		return NULL;
	}
	return r;
}

bool job_has_finalizer(const cs_host *h, const cs_object *pod)
{
	const cs_object *f = h->obj_get(pod, "metadata.finalizers");
	for (size_t i = 0; i < h->obj_len(f); i++) {
		const char *s = h->obj_str(h->obj_at(f, i), NULL);
		if (s && !strcmp(s, TRACKING_FINALIZER))
			return true;
	}
	return false;
}

/* prefix.KEY with the key's dots escaped for a path. */
static void key_path(char *buf, size_t n, const char *prefix, const char *key)
{
	size_t o = (size_t)snprintf(buf, n, "%s.", prefix);
	for (const char *k = key; *k && o + 2 < n; k++) {
		if (*k == '.' || *k == '[' || *k == '\\')
			buf[o++] = '\\';
		buf[o++] = *k;
	}
	buf[o < n ? o : n - 1] = '\0';
}

/* Kubernetes' addCompletionIndexEnvVariable: every container learns its
 * index from the pod's annotation. */
static int add_index_env(const cs_host *h, cs_object *pod, const char *list)
{
	char path[128], ep[160];
	size_t nc = h->obj_len(h->obj_get(pod, list));
	for (size_t i = 0; i < nc; i++) {
		snprintf(path, sizeof(path), "%s[%zu].env", list, i);
		const cs_object *env = h->obj_get(pod, path);
		bool have = false;
		for (size_t j = 0; j < h->obj_len(env); j++) {
			const char *n = h->obj_str(h->obj_at(env, j), "name");
			have |= n && !strcmp(n, INDEX_ENV);
		}
		if (have)
			continue;
		if (!env && h->obj_set(pod, path, h->obj_new(CS_OBJ_ARRAY)))
			return -1;
		snprintf(ep, sizeof(ep), "%s[%zu]", path, h->obj_len(h->obj_get(pod, path)));
		cs_object *e = h->obj_new(CS_OBJ_MAP);
		if (!e || h->obj_set_str(e, "name", INDEX_ENV) ||
		    h->obj_set_str(e, "valueFrom.fieldRef.fieldPath",
				   "metadata.annotations['" INDEX_KEY "']") ||
		    h->obj_set(pod, ep, e))
			return -1;
	}
	return 0;
}

static cs_object *build_pod(const cs_host *h, const job_view *v, int64_t index)
{
	const cs_object *tmpl = h->obj_get(v->job, "spec.template");
	cs_object *pod = h->obj_new(CS_OBJ_MAP), *ref = h->obj_new(CS_OBJ_MAP);
	cs_object *fin = h->obj_new(CS_OBJ_ARRAY), *refs = h->obj_new(CS_OBJ_ARRAY);
	const cs_object *labels = h->obj_get(tmpl, "metadata.labels");
	const cs_object *annotations = h->obj_get(tmpl, "metadata.annotations");
	char gen[320], path[160], ix[24];
	if (index >= 0)
		snprintf(gen, sizeof(gen), "%s-%lld-", v->name, (long long)index);
	else
		snprintf(gen, sizeof(gen), "%s-", v->name);
	snprintf(ix, sizeof(ix), "%lld", (long long)index);
	bool bad = !pod || !ref || !fin || !refs || h->obj_set_str(pod, "apiVersion", "v1") ||
		   h->obj_set_str(pod, "kind", "Pod") ||
		   h->obj_set_str(pod, "metadata.generateName", gen) ||
		   h->obj_set_str(pod, "metadata.namespace", v->ns) ||
		   h->obj_set(pod, "metadata.labels",
			      labels ? h->obj_clone(labels) : h->obj_new(CS_OBJ_MAP)) ||
		   h->obj_set(pod, "metadata.annotations",
			      annotations ? h->obj_clone(annotations) : h->obj_new(CS_OBJ_MAP)) ||
		   h->obj_set_str(ref, "apiVersion", "batch/v1") ||
		   h->obj_set_str(ref, "kind", "Job") || h->obj_set_str(ref, "name", v->name) ||
		   h->obj_set_str(ref, "uid", v->uid) || h->obj_set_bool(ref, "controller", true) ||
		   h->obj_set_bool(ref, "blockOwnerDeletion", true);
	if (!bad) {
		bad = h->obj_append(refs, ref) || h->obj_set(pod, "metadata.ownerReferences", refs);
		ref = refs = NULL;
	}
	if (!bad) {
		bad = h->obj_append(fin, h->obj_new_str(TRACKING_FINALIZER)) ||
		      h->obj_set(pod, "metadata.finalizers", fin);
		fin = NULL;
	}
	if (!bad)
		bad = h->obj_set(pod, "spec", h->obj_clone(h->obj_get(tmpl, "spec")));
	if (!bad && index >= 0) {
		key_path(path, sizeof(path), "metadata.annotations", INDEX_KEY);
		bad = h->obj_set_str(pod, path, ix);
		key_path(path, sizeof(path), "metadata.labels", INDEX_KEY);
		bad = bad || h->obj_set_str(pod, path, ix) ||
		      add_index_env(h, pod, "spec.containers") ||
		      add_index_env(h, pod, "spec.initContainers");
		/* Stable hostnames for Indexed Jobs, when they fit a DNS label. */
		char host[80];
		if (!bad && !h->obj_str(pod, "spec.hostname") &&
		    (size_t)snprintf(host, sizeof(host), "%s-%lld", v->name, (long long)index) <=
			    63)
			bad = h->obj_set_str(pod, "spec.hostname", host);
	}
	h->obj_free(ref);
	h->obj_free(refs);
	h->obj_free(fin);
	if (bad) {
		h->obj_free(pod);
		return NULL;
	}
	return pod;
}

int job_create_pod(cs_mod *m, const job_view *v, int64_t index, cs_error *err)
{
	const cs_host *h = m->host;
	job_ctrl *c = job_of(m);
	cs_object *pod = build_pod(h, v, index);
	if (!pod)
		return h->errorf(err, 500, "InternalError", "out of memory building a pod"), 500;
	const cs_object *out = NULL;
	int rc = cs_api_create(m, "pods", v->ns, pod, &out, err);
	h->obj_free(pod);
	if (rc)
		return rc;
	const char *name = h->obj_str(out, "metadata.name");
	job_expect_pod(c->expect, v->uid, name ? name : "", true);
	h->metric_add(c->created, 1);
	cs_object *ref = job_event_ref(h, v);
	if (ref)
		h->event(m, ref, "Normal", "SuccessfulCreate", "Created pod: %s", name ? name : "");
	h->obj_free(ref);
	h->obj_free(out);
	return 0;
}

int job_delete_pod(cs_mod *m, const job_view *v, const job_pod *p, cs_error *err)
{
	const cs_host *h = m->host;
	job_ctrl *c = job_of(m);
	cs_object *opts = h->obj_new(CS_OBJ_MAP);
	if (!opts || h->obj_set_str(opts, "preconditions.uid", p->uid)) {
		h->obj_free(opts);
		return h->errorf(err, 500, "InternalError", "out of memory"), 500;
	}
	cs_request r = {.verb = CS_VERB_DELETE,
			.resource = "pods",
			.ns = v->ns,
			.name = p->name,
			.body = opts};
	int rc = h->call(m, &r, NULL, err);
	h->obj_free(opts);
	if (rc == CS_NOT_FOUND || rc == CS_CONFLICT)
		return 0; /* gone already, or another pod of that name */
	if (rc)
		return rc;
	job_expect_pod(c->expect, v->uid, p->name, false);
	h->metric_add(c->deleted, 1);
	cs_object *ref = job_event_ref(h, v);
	if (ref)
		h->event(m, ref, "Normal", "SuccessfulDelete", "Deleted pod: %s", p->name);
	h->obj_free(ref);
	return 0;
}

int job_unfinalize(cs_mod *m, const char *ns, const cs_object *pod, cs_error *err)
{
	const cs_host *h = m->host;
	const cs_object *f = h->obj_get(pod, "metadata.finalizers");
	const char *name = h->obj_str(pod, "metadata.name");
	size_t i;
	for (i = 0; i < h->obj_len(f); i++) {
		const char *s = h->obj_str(h->obj_at(f, i), NULL);
		if (s && !strcmp(s, TRACKING_FINALIZER))
			break;
	}
	if (i == h->obj_len(f) || !name)
		return 0;
	/* The test makes the removal exact: if the list changed since the
	 * cache saw it, the patch fails instead of removing another entry. */
	char doc[256];
	snprintf(doc, sizeof(doc),
		 "[{\"op\":\"test\",\"path\":\"/metadata/finalizers/%zu\",\"value\":\"%s\"},"
		 "{\"op\":\"remove\",\"path\":\"/metadata/finalizers/%zu\"}]",
		 i, TRACKING_FINALIZER, i);
	cs_object *patch = h->obj_parse(doc, strlen(doc), err);
	if (!patch)
		return 500;
	int rc = cs_api_patch(m, "pods", ns, name, CS_PATCH_JSON, patch, NULL, err);
	h->obj_free(patch);
	return rc == CS_NOT_FOUND ? 0 : rc;
}
