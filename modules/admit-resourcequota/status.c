/* The quota controller's half: status.used of every ResourceQuota of a
 * namespace, recalculated from the informer caches whenever something it
 * counts changes (and on the quota informer's resync), written with
 * compare-and-swap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rq.h"

struct sum_ctx {
	const cs_host *h;
	const cs_object *quota, *hard;
	const char *resource;
	rq_usage *used;
	int rc;
};

static bool sum_one(void *arg, const cs_object *obj)
{
	struct sum_ctx *c = arg;
	if (!rq_selects(c->h, c->quota, c->resource, obj))
		return true;
	if (rq_usage_of(c->h, c->resource, obj, c->hard, c->used) < 0) {
		c->rc = -1;
		return false;
	}
	return true;
}

int rq_write_status(cs_mod *m, const cs_object *quota, const rq_usage *used, cs_error *err)
{
	const cs_host *h = m->host;
	cs_object *q = h->obj_clone(quota);
	const cs_object *hard = h->obj_get(quota, "spec.hard");
	cs_object *st = h->obj_new(CS_OBJ_MAP);
	cs_object *u = h->obj_new(CS_OBJ_MAP);
	if (!q || !st || !u) {
		h->obj_free(q);
		h->obj_free(st);
		h->obj_free(u);
		return h->errorf(err, 500, "InternalError", "out of memory"), 500;
	}
	for (size_t i = 0; i < h->obj_len(hard); i++) {
		const char *name = h->obj_key_at(hard, i);
		char text[48], path[256];
		rq_key_path(path, sizeof(path), name);
		rq_format(text, sizeof(text), name, rq_usage_get(used, name, NULL));
		h->obj_set_str(u, path, text);
	}
	h->obj_set(st, "hard", h->obj_clone(hard ? hard : u));
	h->obj_set(st, "used", u);
	h->obj_set(q, "status", st);
	/* The resourceVersion in q makes it compare-and-swap. */
	int rc = cs_api_update(m, "resourcequotas/status", q, NULL, err);
	h->obj_free(q);
	return rc;
}

/* The quotas of one namespace, recalculated: the queue's work function. */
struct quota_list {
	const cs_host *h;
	const cs_object **v;
	size_t n, cap;
};

static bool keep_quota(void *arg, const cs_object *q)
{
	struct quota_list *l = arg;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		const cs_object **v = realloc(l->v, l->cap * sizeof(*v));
		if (!v)
			return false;
		l->v = v;
	}
	l->v[l->n++] = l->h->obj_keep(q);
	return true;
}

int rq_recalc(cs_mod *m, void *arg, const char *ns)
{
	(void)arg;
	const cs_host *h = m->host;
	rq_state *s = h->data(m);
	for (size_t i = 0; i < s->n; i++)
		if (!h->informer_synced(s->infs[i]))
			return 500; /* not everything listed yet: again shortly */
	struct quota_list l = {.h = h};
	h->cache_each(s->quotas, ns, NULL, keep_quota, &l);
	int ret = CS_DONE;
	for (size_t i = 0; i < l.n; i++) {
		const cs_object *q = l.v[i];
		const cs_object *hard = h->obj_get(q, "spec.hard");
		rq_usage used = {0};
		struct sum_ctx c = {.h = h, .quota = q, .hard = hard, .used = &used};
		for (size_t r = 0; r < s->n && !c.rc; r++) {
			c.resource = s->names[r];
			h->cache_each(s->infs[r], ns, NULL, sum_one, &c);
		}
		/* Unchanged status: no write. */
		bool same = c.rc == 0 && h->obj_equal(h->obj_get(q, "status.hard"), hard);
		const cs_object *cur = h->obj_get(q, "status.used");
		for (size_t k = 0; same && k < h->obj_len(hard); k++) {
			const char *name = h->obj_key_at(hard, k);
			char text[48];
			rq_format(text, sizeof(text), name, rq_usage_get(&used, name, NULL));
			const char *have = NULL;
			for (size_t j = 0; j < h->obj_len(cur); j++)
				if (!strcmp(h->obj_key_at(cur, j), name))
					have = h->obj_str(h->obj_at(cur, j), NULL);
			same = have && !strcmp(have, text);
		}
		if (c.rc == 0 && !same) {
			cs_error err;
			int rc = rq_write_status(m, q, &used, &err);
			if (rc && rc != CS_NOT_FOUND) {
				h->log(m, rc == CS_CONFLICT ? CS_LOG_DEBUG : CS_LOG_WARN,
				       "resourcequota %s/%s: cannot write status: %s", ns,
				       h->obj_str(q, "metadata.name"), err.message);
				ret = CS_RETRY;
			}
		} else if (c.rc) {
			ret = CS_RETRY;
		}
		rq_usage_free(&used);
	}
	for (size_t i = 0; i < l.n; i++)
		h->obj_free(l.v[i]);
	free(l.v);
	return ret;
}
