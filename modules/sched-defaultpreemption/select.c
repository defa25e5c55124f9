/* Victim selection on a node and the choice among candidate nodes
 * (select.h). */
#include "select.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void pe_victims_free(pe_victims *v)
{
	free(v->pods);
	v->pods = NULL;
	v->n = 0;
}

int64_t pe_start_time(const cs_host *h, const cs_sched_pod *p, int64_t now)
{
	const char *s = h->obj_str(p->pod, "status.startTime");
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end)
		return now;
	return (int64_t)timegm(&tm);
}

bool pe_more_important(const cs_host *h, const cs_sched_pod *a, const cs_sched_pod *b, int64_t now)
{
	if (a->priority != b->priority)
		return a->priority > b->priority;
	return pe_start_time(h, a, now) < pe_start_time(h, b, now);
}

/* ---- a node view: the node with some of its pods taken off ---- */

struct view {
	cs_sched_node pub;
	const cs_sched_pod **pods;
	size_t npods;
	const char **names; /* requested's extended resources, borrowed */
	int64_t *vals;
};

static void view_free(struct view *v)
{
	free(v->pods);
	free(v->names);
	free(v->vals);
}

static int view_init(struct view *v, const cs_sched_node *node)
{
	memset(v, 0, sizeof(*v));
	v->pub = *node;
	v->pub.size = sizeof(v->pub);
	v->pub.generation = 0; /* its pods will differ from the node's */
	size_t ns = node->requested.nscalar;
	v->pods = calloc(node->npods ? node->npods : 1, sizeof(*v->pods));
	v->names = calloc(ns ? ns : 1, sizeof(*v->names));
	v->vals = calloc(ns ? ns : 1, sizeof(*v->vals));
	if (!v->pods || !v->names || !v->vals) {
		view_free(v);
		return -1;
	}
	for (size_t i = 0; i < node->npods; i++)
		v->pods[v->npods++] = node->pods[i];
	for (size_t i = 0; i < ns; i++) {
		v->names[i] = node->requested.scalar_names[i];
		v->vals[i] = node->requested.scalar_values[i];
	}
	v->pub.requested.scalar_names = v->names;
	v->pub.requested.scalar_values = v->vals;
	v->pub.pods = v->pods;
	v->pub.npods = v->npods;
	return 0;
}

/* The view's requested plus sign times p's requests. */
static void view_account(struct view *v, const cs_sched_pod *p, int64_t sign)
{
	cs_sched_resources *r = &v->pub.requested;
	const cs_sched_resources *q = &p->requests;
	r->milli_cpu += sign * q->milli_cpu;
	r->memory += sign * q->memory;
	r->ephemeral_storage += sign * q->ephemeral_storage;
	r->pods += sign * q->pods;
	v->pub.nonzero_milli_cpu +=
		sign * (q->milli_cpu ? q->milli_cpu : CS_SCHED_DEFAULT_MILLI_CPU);
	v->pub.nonzero_memory += sign * (q->memory ? q->memory : CS_SCHED_DEFAULT_MEMORY);
	/* The node's requested holds every resource its pods request. */
	for (size_t i = 0; i < q->nscalar; i++)
		for (size_t k = 0; k < r->nscalar; k++)
			if (!strcmp(r->scalar_names[k], q->scalar_names[i]))
				v->vals[k] += sign * q->scalar_values[i];
}

static void view_remove(struct view *v, const cs_sched_pod *p)
{
	for (size_t i = 0; i < v->npods; i++)
		if (v->pods[i] == p) {
			v->pods[i] = v->pods[--v->npods];
			v->pub.npods = v->npods;
			view_account(v, p, -1);
			return;
		}
}

/* Room for it: the view was made with the node's pods, p among them. */
static void view_add(struct view *v, const cs_sched_pod *p)
{
	v->pods[v->npods++] = p;
	v->pub.npods = v->npods;
	view_account(v, p, 1);
}

/* ---- SelectVictimsOnNode ---- */

static const cs_host *sort_host; /* qsort has no argument; scheduling thread only */
static int64_t sort_now;

static int by_importance(const void *a, const void *b)
{
	const cs_sched_pod *x = *(const cs_sched_pod *const *)a;
	const cs_sched_pod *y = *(const cs_sched_pod *const *)b;
	if (pe_more_important(sort_host, x, y, sort_now))
		return -1;
	if (pe_more_important(sort_host, y, x, sort_now))
		return 1;
	return 0;
}

int pe_select_victims(const cs_host *h, cs_sched_ctx *c, const cs_sched_pod *pod,
		      const cs_sched_node *node, int64_t now, pe_victims *out, const char **why)
{
	out->pods = NULL;
	out->n = 0;
	*why = NULL;
	struct view v;
	const cs_sched_pod **potential = calloc(node->npods ? node->npods : 1, sizeof(*potential));
	if (!potential || view_init(&v, node) < 0) {
		free(potential);
		*why = "out of memory";
		return CS_SCHED_ERROR;
	}
	size_t np = 0;
	for (size_t i = 0; i < node->npods; i++)
		if (node->pods[i]->priority < pod->priority) {
			potential[np++] = node->pods[i];
			view_remove(&v, node->pods[i]);
		}
	int rc = CS_SCHED_OK;
	if (!np) {
		*why = PE_NO_VICTIMS;
		rc = CS_SCHED_UNRESOLVABLE;
		goto out;
	}
	/* With all of them gone it must fit, or this node cannot help. */
	rc = c->run_filters(c, pod, &v.pub);
	if (rc != CS_SCHED_OK) {
		*why = rc == CS_SCHED_ERROR ? "a filter failed" : c->reason;
		goto out;
	}
	sort_host = h;
	sort_now = now;
	qsort(potential, np, sizeof(*potential), by_importance);
	if (!(out->pods = calloc(np, sizeof(*out->pods)))) {
		*why = "out of memory";
		rc = CS_SCHED_ERROR;
		goto out;
	}
	/* Reprieve as many as possible, the most important first. */
	for (size_t i = 0; i < np; i++) {
		view_add(&v, potential[i]);
		int r = c->run_filters(c, pod, &v.pub);
		if (r == CS_SCHED_OK)
			continue;
		if (r == CS_SCHED_ERROR) {
			*why = "a filter failed";
			rc = CS_SCHED_ERROR;
			goto out;
		}
		view_remove(&v, potential[i]);
		out->pods[out->n++] = potential[i];
	}
	if (!out->n) {
		*why = "expected at least one victim pod on the node";
		rc = CS_SCHED_ERROR;
	}
out:
	if (rc != CS_SCHED_OK)
		pe_victims_free(out);
	free(potential);
	view_free(&v);
	return rc;
}

/* ---- pickOneNodeForPreemption ---- */

static int32_t highest(const pe_victims *v)
{
	int32_t p = v->pods[0]->priority;
	for (size_t i = 1; i < v->n; i++)
		if (v->pods[i]->priority > p)
			p = v->pods[i]->priority;
	return p;
}

/* Every priority shifted to be positive, so that fewer pods sum less. */
static int64_t sum(const pe_victims *v)
{
	int64_t s = 0;
	for (size_t i = 0; i < v->n; i++)
		s += (int64_t)v->pods[i]->priority + (int64_t)INT32_MAX + 1;
	return s;
}

/* GetEarliestPodStartTime: the earliest start among the victims of the
 * highest priority. */
static int64_t earliest(const cs_host *h, const pe_victims *v, int64_t now)
{
	int32_t top = highest(v);
	int64_t t = INT64_MAX;
	for (size_t i = 0; i < v->n; i++)
		if (v->pods[i]->priority == top) {
			int64_t s = pe_start_time(h, v->pods[i], now);
			if (s < t)
				t = s;
		}
	return t;
}

size_t pe_pick(const cs_host *h, const pe_candidate *cands, size_t n, int64_t now)
{
	size_t best = 0;
	for (size_t i = 1; i < n; i++) {
		const pe_victims *a = &cands[i].victims, *b = &cands[best].victims;
		int32_t ha = highest(a), hb = highest(b);
		if (ha != hb) {
			if (ha < hb)
				best = i;
			continue;
		}
		int64_t sa = sum(a), sb = sum(b);
		if (sa != sb) {
			if (sa < sb)
				best = i;
			continue;
		}
		if (a->n != b->n) {
			if (a->n < b->n)
				best = i;
			continue;
		}
		if (earliest(h, a, now) > earliest(h, b, now))
			best = i;
	}
	return best;
}
