/* Resource amounts: ResourceList maps read into cs_sched_resources, the
 * effective requests of a pod, and the arena snapshots allocate from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"

void fw_res_free(fw_res *r)
{
	free(r->names);
	free(r->vals);
	memset(r, 0, sizeof(*r));
}

static int64_t *scalar(fw_res *r, const char *name)
{
	for (size_t i = 0; i < r->pub.nscalar; i++)
		if (!strcmp(r->names[i], name))
			return &r->vals[i];
	if (r->pub.nscalar == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4;
		const char **n = realloc(r->names, cap * sizeof(*n));
		if (!n)
			return NULL;
		r->names = n;
		r->pub.scalar_names = n;
		int64_t *v = realloc(r->vals, cap * sizeof(*v));
		if (!v)
			return NULL;
		r->vals = v;
		r->pub.scalar_values = v;
		r->cap = cap;
	}
	size_t i = r->pub.nscalar++;
	r->names[i] = name;
	r->vals[i] = 0;
	return &r->vals[i];
}

/* The field of r that holds `name`, or NULL for an extended resource. */
static int64_t *field(cs_sched_resources *r, const char *name)
{
	if (!strcmp(name, "cpu"))
		return &r->milli_cpu;
	if (!strcmp(name, "memory"))
		return &r->memory;
	if (!strcmp(name, "ephemeral-storage"))
		return &r->ephemeral_storage;
	if (!strcmp(name, "pods"))
		return &r->pods;
	return NULL;
}

int fw_res_add1(fw_res *r, const char *name, int64_t v)
{
	int64_t *f = field(&r->pub, name);
	if (!f && !(f = scalar(r, name)))
		return -1;
	*f += v;
	return 0;
}

int fw_res_add(fw_res *r, const cs_sched_resources *o)
{
	r->pub.milli_cpu += o->milli_cpu;
	r->pub.memory += o->memory;
	r->pub.ephemeral_storage += o->ephemeral_storage;
	r->pub.pods += o->pods;
	for (size_t i = 0; i < o->nscalar; i++)
		if (fw_res_add1(r, o->scalar_names[i], o->scalar_values[i]) < 0)
			return -1;
	return 0;
}

static void max64(int64_t *a, int64_t b)
{
	if (b > *a)
		*a = b;
}

int fw_res_max(fw_res *r, const cs_sched_resources *o)
{
	max64(&r->pub.milli_cpu, o->milli_cpu);
	max64(&r->pub.memory, o->memory);
	max64(&r->pub.ephemeral_storage, o->ephemeral_storage);
	max64(&r->pub.pods, o->pods);
	for (size_t i = 0; i < o->nscalar; i++) {
		int64_t *f = scalar(r, o->scalar_names[i]);
		if (!f)
			return -1;
		max64(f, o->scalar_values[i]);
	}
	return 0;
}

/* A quantity is a string in JSON; a bare number is accepted as Kubernetes
 * does. */
static int amount(const cs_host *h, const cs_object *v, bool milli, int64_t *out)
{
	if (h->obj_type(v) == CS_OBJ_NUMBER) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%.17g", h->obj_num(v, NULL, 0));
		return fw_quantity(buf, milli, out);
	}
	return fw_quantity(h->obj_str(v, NULL), milli, out);
}

int fw_res_add_list(const cs_host *h, fw_res *r, const cs_object *list, size_t *bad)
{
	if (h->obj_type(list) != CS_OBJ_MAP)
		return 0;
	for (size_t i = 0; i < h->obj_len(list); i++) {
		const char *name = h->obj_key_at(list, i);
		int64_t v;
		if (amount(h, h->obj_at(list, i), !strcmp(name, "cpu"), &v) < 0) {
			if (bad)
				(*bad)++;
			continue;
		}
		if (fw_res_add1(r, name, v) < 0)
			return -1;
	}
	return 0;
}

static bool has_key(const cs_host *h, const cs_object *map, const char *key)
{
	for (size_t i = 0; i < h->obj_len(map); i++)
		if (!strcmp(h->obj_key_at(map, i), key))
			return true;
	return false;
}

/* A container's requests; a resource with only a limit requests the limit
 * (Kubernetes defaults requests from limits). */
static int container_requests(const cs_host *h, const cs_object *c, fw_res *out)
{
	const cs_object *req = h->obj_get(c, "resources.requests");
	const cs_object *lim = h->obj_get(c, "resources.limits");
	if (fw_res_add_list(h, out, req, NULL) < 0)
		return -1;
	if (h->obj_type(lim) != CS_OBJ_MAP)
		return 0;
	for (size_t i = 0; i < h->obj_len(lim); i++) {
		const char *name = h->obj_key_at(lim, i);
		int64_t v;
		if (has_key(h, req, name) ||
		    amount(h, h->obj_at(lim, i), !strcmp(name, "cpu"), &v) < 0)
			continue;
		if (fw_res_add1(out, name, v) < 0)
			return -1;
	}
	return 0;
}

int fw_pod_requests(const cs_host *h, const cs_object *pod, fw_res *out)
{
	const cs_object *cs = h->obj_get(pod, "spec.containers");
	for (size_t i = 0; i < h->obj_len(cs); i++)
		if (container_requests(h, h->obj_at(cs, i), out) < 0)
			return -1;
	/* Init containers run one at a time, before the others. */
	const cs_object *ics = h->obj_get(pod, "spec.initContainers");
	for (size_t i = 0; i < h->obj_len(ics); i++) {
		fw_res one = {0};
		int rc = container_requests(h, h->obj_at(ics, i), &one);
		if (!rc)
			rc = fw_res_max(out, &one.pub);
		fw_res_free(&one);
		if (rc < 0)
			return -1;
	}
	if (fw_res_add_list(h, out, h->obj_get(pod, "spec.overhead"), NULL) < 0)
		return -1;
	/* Every pod takes one of the node's pod slots. */
	out->pub.pods = 1;
	return 0;
}

/* ---- arena ---- */

struct fw_chunk {
	struct fw_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

void *fw_arena_alloc(fw_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct fw_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

void fw_arena_free(fw_arena *a)
{
	for (struct fw_chunk *c = a->head, *nx; c; c = nx) {
		nx = c->next;
		free(c);
	}
	a->head = NULL;
}
