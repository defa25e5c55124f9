/* admit-limitranger: Kubernetes' LimitRanger admission plugin.
 *
 * The LimitRanges of a namespace give its Pods' containers default
 * requests and limits (mutate) and bound what Pods, containers and
 * PersistentVolumeClaims may ask for (validate), with the API server's
 * messages.  Amounts are compared in thousandths, as Kubernetes does. */
#include <capstan/admission.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr.h"

/* The namespace's LimitRanges, sorted by name so that defaults apply in a
 * stable order.  Returns the count (references owned by the caller). */
struct collect {
	const cs_host *h;
	const cs_object **v;
	size_t n, cap;
};

static bool collect_one(void *arg, const cs_object *lr)
{
	struct collect *c = arg;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4;
		const cs_object **v = realloc(c->v, c->cap * sizeof(*v));
		if (!v)
			return false;
		c->v = v;
	}
	c->v[c->n++] = c->h->obj_keep(lr);
	return true;
}

/* By name: LimitRanges per namespace are few, so insertion sort. */
static void sort_by_name(const cs_host *h, const cs_object **v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		const cs_object *x = v[i];
		const char *xn = h->obj_str(x, "metadata.name");
		size_t j = i;
		for (; j > 0; j--) {
			const char *yn = h->obj_str(v[j - 1], "metadata.name");
			if (strcmp(yn ? yn : "", xn ? xn : "") <= 0)
				break;
			v[j] = v[j - 1];
		}
		v[j] = x;
	}
}

static int ranges_of(cs_mod *m, const char *ns, const cs_object ***out, size_t *n, cs_error *err)
{
	const cs_host *h = m->host;
	lr_state *st = h->data(m);
	if (!h->informer_synced(st->ranges))
		return h->errorf(err, 403, "Forbidden", "not yet ready to handle request");
	struct collect c = {.h = h};
	h->cache_each(st->ranges, ns, NULL, collect_one, &c);
	sort_by_name(h, c.v, c.n);
	*out = c.v;
	*n = c.n;
	return 0;
}

static void release(const cs_host *h, const cs_object **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h->obj_free(v[i]);
	free(v);
}

/* ---- mutate: default requests and limits ---- */

/* Copy every amount of `from` that the ResourceList at `list` (a path in
 * pod) lacks; names what it set into `set`. */
static int fill(const cs_host *h, cs_object *pod, const char *list, const cs_object *from,
		lr_names *set)
{
	for (size_t i = 0; i < h->obj_len(from); i++) {
		const char *res = h->obj_key_at(from, i);
		char p[512];
		if (lr_path(p, sizeof(p), list, res) < 0)
			return -1;
		if (h->obj_get(pod, p))
			continue;
		if (h->obj_set(pod, p, h->obj_keep(h->obj_at(from, i))) < 0 ||
		    lr_names_add(set, res) < 0)
			return -1;
	}
	return 0;
}

/* Defaults of the container at path c; appends the annotation's phrases
 * ("cpu, memory request for container web"). */
static int default_container(const cs_host *h, cs_object *pod, const char *c,
			     const cs_object *def_req, const cs_object *def_lim, const char *what,
			     lr_text *note)
{
	lr_names req = {0}, lim = {0};
	char p[160];
	snprintf(p, sizeof(p), "%s.resources.limits", c);
	int rc = fill(h, pod, p, def_lim, &lim);
	snprintf(p, sizeof(p), "%s.resources.requests", c);
	if (!rc)
		rc = fill(h, pod, p, def_req, &req);
	snprintf(p, sizeof(p), "%s.name", c);
	const char *name = h->obj_str(pod, p);
	if (!rc && req.n)
		rc = lr_note(note, &req, "request", what, name);
	if (!rc && lim.n)
		rc = lr_note(note, &lim, "limit", what, name);
	lr_names_free(&req);
	lr_names_free(&lim);
	return rc;
}

/* Kubernetes merges the Container items of one LimitRange (later keys
 * win) before applying them. */
static int merged_defaults(const cs_host *h, const cs_object *lr, cs_object **req, cs_object **lim)
{
	*req = h->obj_new(CS_OBJ_MAP);
	*lim = h->obj_new(CS_OBJ_MAP);
	if (!*req || !*lim)
		return -1;
	/* Later items, and later keys, win as in Kubernetes' map merge. */
	const cs_object *items = h->obj_get(lr, "spec.limits");
	for (size_t i = 0; i < h->obj_len(items); i++) {
		const cs_object *it = h->obj_at(items, i);
		const char *type = h->obj_str(it, "type");
		if (!type || strcmp(type, "Container"))
			continue;
		const struct {
			const char *key;
			cs_object *dst;
		} pairs[] = {{"defaultRequest", *req}, {"default", *lim}};
		for (size_t k = 0; k < 2; k++) {
			const cs_object *src = h->obj_get(it, pairs[k].key);
			for (size_t j = 0; j < h->obj_len(src); j++) {
				char p[320];
				if (lr_path(p, sizeof(p), "", h->obj_key_at(src, j)) < 0 ||
				    h->obj_set(pairs[k].dst, p, h->obj_keep(h->obj_at(src, j))) < 0)
					return -1;
			}
		}
	}
	return 0;
}

static int mutate_pod(cs_mod *m, const cs_admission_request *req, cs_object *pod, cs_error *err)
{
	const cs_host *h = m->host;
	const cs_object **ranges;
	size_t n;
	if (ranges_of(m, req->ns, &ranges, &n, err) < 0)
		return -1;
	lr_text note = {0};
	int rc = 0;
	for (size_t r = 0; r < n && !rc; r++) {
		cs_object *dreq = NULL, *dlim = NULL;
		rc = merged_defaults(h, ranges[r], &dreq, &dlim);
		static const struct {
			const char *path, *what;
		} lists[] = {{"spec.containers", "container"},
			     {"spec.initContainers", "init container"}};
		for (size_t l = 0; l < 2 && !rc; l++) {
			const cs_object *cs = h->obj_get(pod, lists[l].path);
			for (size_t i = 0; i < h->obj_len(cs) && !rc; i++) {
				char p[64];
				snprintf(p, sizeof(p), "%s[%zu]", lists[l].path, i);
				rc = default_container(h, pod, p, dreq, dlim, lists[l].what, &note);
			}
		}
		h->obj_free(dreq);
		h->obj_free(dlim);
	}
	release(h, ranges, n);
	if (!rc && note.len) {
		char *text = lr_text_take(&note, "LimitRanger plugin set: ");
		rc = text ? h->obj_set_str(pod, "metadata.annotations.kubernetes\\.io/limit-ranger",
					   text)
			  : -1;
		free(text);
	}
	lr_text_free(&note);
	if (rc < 0)
		return h->errorf(
			err, 500, "InternalError",
			"LimitRanger: cannot apply the defaults of namespace %s (out of memory)",
			req->ns ? req->ns : "");
	return 0;
}

static int lr_mutate(cs_mod *m, const cs_admission_request *req, cs_object *obj, cs_error *err)
{
	/* Containers are immutable once a pod exists: only new pods. */
	if (req->operation != CS_ADMIT_CREATE || strcmp(req->resource, "pods"))
		return 0;
	return mutate_pod(m, req, obj, err);
}

/* ---- validate ---- */

static int lr_validate(cs_mod *m, const cs_admission_request *req, const cs_object *obj,
		       cs_error *err)
{
	bool pod = !strcmp(req->resource, "pods");
	if (pod && req->operation != CS_ADMIT_CREATE)
		return 0;
	const cs_host *h = m->host;
	const cs_object **ranges;
	size_t n;
	if (ranges_of(m, req->ns, &ranges, &n, err) < 0)
		return -1;
	lr_errors errs = {0};
	int rc = 0;
	for (size_t r = 0; r < n && !rc; r++)
		rc = pod ? lr_check_pod(h, ranges[r], obj, &errs)
			 : lr_check_pvc(h, ranges[r], obj, &errs);
	release(h, ranges, n);
	if (rc < 0) {
		lr_errors_free(&errs);
		return h->errorf(err, 500, "InternalError", "LimitRanger: out of memory");
	}
	if (!errs.n)
		return 0;
	char *msg = lr_errors_join(&errs);
	h->errorf(err, 403, "Forbidden", "%s", msg ? msg : "limits exceeded");
	free(msg);
	lr_errors_free(&errs);
	return -1;
}

/* ---- lifecycle ---- */

static int lr_init(cs_mod *m)
{
	const cs_host *h = m->host;
	lr_state *st = calloc(1, sizeof(*st));
	if (!st) {
		h->log(m, CS_LOG_ERROR, "cannot allocate the module state");
		return -1;
	}
	cs_informer_handlers none = {0};
	st->ranges = h->informer_new(m, "limitranges", NULL, NULL, NULL, 0, &none);
	if (!st->ranges) {
		h->log(m, CS_LOG_ERROR, "cannot create the LimitRange informer");
		free(st);
		return -1;
	}
	h->set_data(m, st);
	return 0;
}

static void lr_fini(cs_mod *m)
{
	free(m->host->data(m));
}

static const char *const admitted[] = {"pods", "persistentvolumeclaims", NULL};

static const cs_admission_ops ops = {
	.size = sizeof(cs_admission_ops),
	.resources = admitted,
	.operations = CS_ADMIT_CREATE | CS_ADMIT_UPDATE,
	.mutate = lr_mutate,
	.validate = lr_validate,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "admit-limitranger",
	.version = "0.1.0",
	.description = "LimitRanger admission: LimitRange defaults and bounds for pods and claims",
	.kind = CS_KIND_ADMISSION,
	.init = lr_init,
	.fini = lr_fini,
	.ops = &ops,
};
