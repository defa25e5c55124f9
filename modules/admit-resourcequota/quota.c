/* admit-resourcequota: Kubernetes' ResourceQuota admission plugin and
 * quota controller in one module.
 *
 * Admission (validate): a new object (or an update that grows a claim or a
 * service) is charged to every quota of its namespace that selects it; if
 * that would exceed a quota's hard limit, the request is refused with the
 * API server's "exceeded quota" message.  The charge is written to the
 * quota's status.used with compare-and-swap before the request goes on, so
 * two requests cannot both take the last unit (a conflict re-reads the
 * quota and checks again).  The controller half (status.c) recalculates
 * status.used from the caches whenever counted objects change, which also
 * gives back what deleted objects and failed requests had been charged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rq.h"

static const cs_option options[] = {
	{"count-resources", CS_OPT_STRING_LIST,
	 "{\"pods\", \"services\", \"configmaps\", \"secrets\", \"persistentvolumeclaims\", "
	 "\"resourcequotas\", \"deployments.apps\", \"replicasets.apps\", \"statefulsets.apps\", "
	 "\"daemonsets.apps\", \"jobs.batch\", \"cronjobs.batch\"}",
	 "resources whose objects quotas count (and whose creation is admitted)"},
	{"resync-seconds", CS_OPT_INT, "300", "full recalculation of every quota's usage"},
	{NULL, CS_OPT_END, NULL, NULL},
};

/* ops->resources points here; filled in init from count-resources, read
 * by the host only after start. */
static const char *admitted[RQ_MAX_TRACKED + 1];

/* ---- the quotas of a namespace ---- */

typedef struct qlist {
	const cs_object **v;
	size_t n, cap;
	const cs_host *h;
} qlist;

static bool qkeep(void *arg, const cs_object *q)
{
	qlist *l = arg;
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

static void qfree(qlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		l->h->obj_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* From the cache, or (fresh) from the API after a conflict. */
static int quotas_of(cs_mod *m, const char *ns, bool fresh, qlist *l, cs_error *err)
{
	const cs_host *h = m->host;
	rq_state *s = h->data(m);
	l->h = h;
	if (!fresh) {
		h->cache_each(s->quotas, ns, NULL, qkeep, l);
		return 0;
	}
	cs_request r = {.verb = CS_VERB_LIST, .resource = "resourcequotas", .ns = ns};
	const cs_object *list = NULL;
	int rc = h->call(m, &r, &list, err);
	if (rc)
		return -1;
	const cs_object *items = h->obj_get(list, "items");
	for (size_t i = 0; i < h->obj_len(items); i++)
		qkeep(l, h->obj_at(items, i));
	h->obj_free(list);
	return 0;
}

/* ---- messages ---- */

/* "a=1,b=2" over the resources in `names` (sorted), from u. */
static void pretty(char *buf, size_t n, char **names, size_t k, const rq_usage *u)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < k && o < n; i++) {
		char v[48];
		rq_format(v, sizeof(v), names[i], rq_usage_get(u, names[i], NULL));
		o += (size_t)snprintf(buf + o, n - o, "%s%s=%s", i ? "," : "", names[i], v);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* used and hard of a quota as usages. */
static int parse_list(const cs_host *h, const cs_object *list, rq_usage *u)
{
	for (size_t i = 0; i < h->obj_len(list); i++) {
		const char *text = h->obj_str(h->obj_at(list, i), NULL);
		int64_t v = 0;
		if (text && h->quantity(text, true, &v) < 0)
			v = 0;
		if (rq_usage_add(u, h->obj_key_at(list, i), v) < 0)
			return -1;
	}
	return 0;
}

/* ---- admission ---- */

/* What the request adds: usage of obj, minus that of the old object for
 * an update. */
static int delta_of(const cs_host *h, const cs_admission_request *req, const cs_object *obj,
		    const cs_object *hard, rq_usage *d)
{
	if (rq_usage_of(h, req->resource, obj, hard, d) < 0)
		return -1;
	if (req->operation == CS_ADMIT_UPDATE && req->old) {
		rq_usage old = {0};
		if (rq_usage_of(h, req->resource, req->old, hard, &old) < 0) {
			rq_usage_free(&old);
			return -1;
		}
		for (size_t i = 0; i < old.n; i++)
			if (rq_usage_add(d, old.names[i], -old.milli[i]) < 0) {
				rq_usage_free(&old);
				return -1;
			}
		rq_usage_free(&old);
	}
	return 0;
}

enum verdict { V_OK, V_DENY, V_RETRY, V_FAIL };

/* Check every quota; charge them when all allow.  V_RETRY after a
 * conflict with another writer of the same quota. */
static enum verdict charge(cs_mod *m, const cs_admission_request *req, const cs_object *obj,
			   qlist *quotas, cs_error *err)
{
	const cs_host *h = m->host;
	size_t nq = quotas->n;
	rq_usage *newused = calloc(nq ? nq : 1, sizeof(*newused));
	bool *touch = calloc(nq ? nq : 1, sizeof(*touch));
	enum verdict v = newused && touch ? V_OK : V_FAIL;
	for (size_t i = 0; i < nq && v == V_OK; i++) {
		const cs_object *q = quotas->v[i];
		const char *qname = h->obj_str(q, "metadata.name");
		if (!rq_selects(h, q, req->resource, obj))
			continue;
		const cs_object *hard = h->obj_get(q, "spec.hard");
		if (req->operation == CS_ADMIT_CREATE && !strcmp(req->resource, "pods")) {
			char *missing = rq_unspecified(h, hard, obj);
			if (missing) {
				h->errorf(err, 403, "Forbidden",
					  "failed quota: %s: must specify %s", qname, missing);
				free(missing);
				v = V_DENY;
				break;
			}
		}
		rq_usage d = {0}, used = {0}, lim = {0};
		if (delta_of(h, req, obj, hard, &d) < 0 ||
		    parse_list(h, h->obj_get(q, "status.used"), &used) < 0 ||
		    parse_list(h, hard, &lim) < 0) {
			v = V_FAIL;
		} else {
			char *exceeded[64], *unknown[64];
			size_t ne = 0, nu = 0;
			const cs_object *shard = h->obj_get(q, "status.hard");
			for (size_t k = 0; k < d.n; k++) {
				if (d.milli[k] <= 0)
					continue;
				touch[i] = true;
				bool known = false;
				for (size_t j = 0; j < h->obj_len(shard); j++)
					known |= !strcmp(h->obj_key_at(shard, j), d.names[k]);
				if (!known && nu < 64)
					unknown[nu++] = d.names[k];
				else if (rq_usage_get(&used, d.names[k], NULL) + d.milli[k] >
						 rq_usage_get(&lim, d.names[k], NULL) &&
					 ne < 64)
					exceeded[ne++] = d.names[k];
			}
			if (nu) {
				qsort(unknown, nu, sizeof(*unknown), cmp_str);
				char list[512] = "";
				for (size_t k = 0, o = 0; k < nu && o < sizeof(list); k++)
					o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
							      k ? "," : "", unknown[k]);
				h->errorf(err, 403, "Forbidden",
					  "status unknown for quota: %s, resources: %s", qname,
					  list);
				v = V_DENY;
			} else if (ne) {
				qsort(exceeded, ne, sizeof(*exceeded), cmp_str);
				char a[256], b[256], c[256];
				pretty(a, sizeof(a), exceeded, ne, &d);
				pretty(b, sizeof(b), exceeded, ne, &used);
				pretty(c, sizeof(c), exceeded, ne, &lim);
				h->errorf(
					err, 403, "Forbidden",
					"exceeded quota: %s, requested: %s, used: %s, limited: %s",
					qname, a, b, c);
				v = V_DENY;
			} else {
				for (size_t k = 0; k < d.n && v == V_OK; k++)
					if (rq_usage_add(&used, d.names[k], d.milli[k]) < 0)
						v = V_FAIL;
				newused[i] = used;
				used = (rq_usage){0};
			}
		}
		rq_usage_free(&d);
		rq_usage_free(&used);
		rq_usage_free(&lim);
	}
	/* Everything allows: charge (a dry run only checks). */
	for (size_t i = 0; i < nq && v == V_OK && !req->dry_run; i++) {
		if (!touch[i])
			continue;
		cs_error e;
		int rc = rq_write_status(m, quotas->v[i], &newused[i], &e);
		if (rc == CS_CONFLICT)
			v = V_RETRY;
		else if (rc) {
			h->errorf(err, 500, "InternalError", "cannot charge quota %s: %s",
				  h->obj_str(quotas->v[i], "metadata.name"), e.message);
			v = V_DENY;
		}
	}
	for (size_t i = 0; newused && i < nq; i++)
		rq_usage_free(&newused[i]);
	free(newused);
	free(touch);
	if (v == V_FAIL)
		h->errorf(err, 500, "InternalError", "quota admission: out of memory");
	return v;
}

static int rq_validate(cs_mod *m, const cs_admission_request *req, const cs_object *obj,
		       cs_error *err)
{
	const cs_host *h = m->host;
	rq_state *s = h->data(m);
	if (!req->ns)
		return 0;
	if (!h->informer_synced(s->quotas))
		return h->errorf(err, 403, "Forbidden", "not yet ready to handle request");
	/* Quota status writes from here are API calls like any other: a quota
	 * counting resourcequotas does not charge its own status updates. */
	if (!strcmp(req->resource, "resourcequotas") && req->operation == CS_ADMIT_UPDATE)
		return 0;
	for (int attempt = 0; attempt < 5; attempt++) {
		qlist l = {0};
		if (quotas_of(m, req->ns, attempt > 0, &l, err) < 0)
			return -1;
		enum verdict v = l.n ? charge(m, req, obj, &l, err) : V_OK;
		qfree(&l);
		if (v == V_OK)
			return 0;
		if (v != V_RETRY)
			return -1;
	}
	return h->errorf(err, 409, "Conflict",
			 "Operation cannot be fulfilled on resourcequotas: the quotas of namespace "
			 "%s kept changing; try again",
			 req->ns);
}

/* ---- the controller half ----
 *
 * Admission charges what is created, so a creation needs no
 * recalculation; one right then could even count from a cache that does
 * not show an object admitted a moment ago, and hand its unit out twice.
 * What gives usage back does: deletions, pods that finished, claims and
 * services that changed; and new or changed quotas.  A periodic resync of
 * the quota informer recounts everything (Kubernetes' controller works the
 * same way). */

static void enqueue(cs_mod *m, const cs_object *obj)
{
	rq_state *s = m->host->data(m);
	const char *ns = m->host->obj_str(obj, "metadata.namespace");
	if (ns)
		m->host->queue_add(s->queue, ns);
}

static void quota_add(cs_mod *m, void *arg, const cs_object *obj)
{
	(void)arg;
	enqueue(m, obj);
}

/* The periodic resync (old == obj) and changed limits recount; a change
 * of status alone (admission charging) must not: the charged object may
 * not be in the caches yet. */
static void quota_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *obj)
{
	(void)arg;
	const cs_host *h = m->host;
	if (old == obj || !h->obj_equal(h->obj_get(old, "spec"), h->obj_get(obj, "spec")) ||
	    !h->obj_equal(h->obj_get(obj, "spec.hard"), h->obj_get(obj, "status.hard")))
		enqueue(m, obj);
}

static bool finished(const cs_host *h, const cs_object *pod)
{
	const char *phase = h->obj_str(pod, "status.phase");
	return phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
}

static void counted_update(cs_mod *m, void *arg, const cs_object *old, const cs_object *obj)
{
	const cs_host *h = m->host;
	const char *resource = arg;
	if (!strcmp(resource, "pods")) {
		if (finished(h, obj) && !finished(h, old))
			enqueue(m, obj);
	} else if (!strcmp(resource, "services") || !strcmp(resource, "persistentvolumeclaims")) {
		if (!h->obj_equal(h->obj_get(old, "spec"), h->obj_get(obj, "spec")))
			enqueue(m, obj);
	}
}

static void counted_delete(cs_mod *m, void *arg, const cs_object *obj)
{
	(void)arg;
	enqueue(m, obj);
}

static int rq_init(cs_mod *m)
{
	const cs_host *h = m->host;
	rq_state *s = calloc(1, sizeof(*s));
	if (!s) {
		h->log(m, CS_LOG_ERROR, "cannot allocate the module state");
		return -1;
	}
	h->set_data(m, s);
	size_t n = h->opt_list_len(m, "count-resources");
	if (n > RQ_MAX_TRACKED) {
		h->log(m, CS_LOG_ERROR, "count-resources: %zu resources, at most %d", n,
		       RQ_MAX_TRACKED);
		return -1;
	}
	cs_informer_handlers qh = {quota_add, quota_update, NULL, NULL};
	unsigned resync = (unsigned)h->opt_int(m, "resync-seconds");
	s->quotas = h->informer_new(m, "resourcequotas", NULL, NULL, NULL, resync, &qh);
	s->queue = h->queue_new(m, "resourcequota", 1, rq_recalc, NULL, 0, 0);
	if (!s->quotas || !s->queue) {
		h->log(m, CS_LOG_ERROR, "cannot create the quota informer or queue");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *res = h->opt_list_at(m, "count-resources", i);
		s->names[i] = res;
		cs_informer_handlers on = {NULL, counted_update, counted_delete, (void *)res};
		s->infs[i] = h->informer_new(m, res, NULL, NULL, NULL, 0, &on);
		if (!s->infs[i]) {
			h->log(m, CS_LOG_ERROR,
			       "count-resources: cannot watch \"%s\" (no such resource?)", res);
			return -1;
		}
		admitted[i] = res;
	}
	s->n = n;
	admitted[n] = NULL;
	return 0;
}

static void rq_fini(cs_mod *m)
{
	free(m->host->data(m));
}

static const cs_admission_ops ops = {
	.size = sizeof(cs_admission_ops),
	.resources = admitted,
	.operations = CS_ADMIT_CREATE | CS_ADMIT_UPDATE,
	.validate = rq_validate,
};

CS_MODULE_EXPORT const cs_module capstan_module = {
	CS_MODULE_HEADER,
	.name = "admit-resourcequota",
	.version = "0.1.0",
	.description = "ResourceQuota admission and the quota controller (status.used)",
	.kind = CS_KIND_ADMISSION,
	.options = options,
	.init = rq_init,
	.fini = rq_fini,
	.ops = &ops,
};
